"""The history in the TUI when things go wrong or change late: settings changed after the first message,
a regenerated answer that fails, a busy history, a checkpoint bound. Real SQLite in the isolated XDG
folders, the real app against the real demo server."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Input
from ui_support import chat, send, wait_for, wait_turn

from siliconchat.core.history import HistoryStore
from siliconchat.ui.app import SiliconChatApp
from siliconchat.ui.screens.settings import ConversationSettingsScreen

SIZE = (120, 40)


async def _history_ready(pilot: Pilot[object]) -> None:
    app = pilot.app
    assert isinstance(app, SiliconChatApp)
    await wait_for(
        pilot, lambda: app.history._ready is not None and app.history._ready.is_set(), "the history"
    )


async def _set_temperature(pilot: Pilot[object], value: str) -> None:
    await pilot.press("f5")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConversationSettingsScreen), "the settings")
    field = pilot.app.screen.query_one("#settings-temperature", Input)
    field.focus()
    field.clear()
    await pilot.pause()
    await pilot.press(*value)
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: not isinstance(pilot.app.screen, ConversationSettingsScreen), "saved")


async def test_settings_changed_after_the_first_message_are_saved_and_reopen(make_app) -> None:
    app = make_app(model="demo/echo")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await _history_ready(pilot)
        await send(pilot, "first message")
        await wait_turn(pilot)
        conversation_id = screen.conversation.id
        assert conversation_id is not None
        await _set_temperature(pilot, "0.3")

        def saved_temperature() -> float | None:
            with HistoryStore.open() as store:
                return store.load(conversation_id).params.temperature

        await wait_for(pilot, lambda: saved_temperature() == 0.3, "the settings in the history")
        # Reopened (a new conversation, then this one from the history): F5 shows the saved value.
        await screen.new_conversation(app.new_conversation())
        app.history.open_conversation(conversation_id)
        await wait_for(pilot, lambda: screen.conversation.id == conversation_id, "the reopened conversation")
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationSettingsScreen), "the settings")
        assert app.screen.query_one("#settings-temperature", Input).value == "0.3"
