"""The dialogs that close on Enter (the model picker, the rename dialog): styled the first time they open, and
what is typed right after Enter goes to the prompt, not into the closed dialog."""

from __future__ import annotations

from textual import events
from textual.app import App
from textual.widgets import Input
from ui_support import chat, rendered, send, wait_for, wait_turn

from siliconchat.core.history import HistoryStore

SIZE = (120, 40)


def type_at_once(app: App[object], *keys: str) -> None:
    """Post ``keys`` to the app all at once, as the terminal driver does with what a fast typist (or tmux
    send-keys) typed between two reads; Pilot's ``press`` waits for each key to be handled."""
    for key in keys:
        if key == "enter":
            app.post_message(events.Key("enter", "\r"))
        else:
            for character in key:
                app.post_message(events.Key(character, character))


def dialog_open(app: App[object], name: str) -> bool:
    return type(app.screen).__name__ == name


async def test_the_rename_dialog_is_styled_the_first_time_it_opens(make_app) -> None:
    app = make_app(model="demo/echo")
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "name me")
        await wait_turn(pilot)
        await wait_for(pilot, lambda: chat(app).conversation.id is not None, "the conversation saved")
        chat(app).action_rename_conversation()  # no other dialog of the history was opened before
        await wait_for(pilot, lambda: dialog_open(app, "RenameScreen"), "the rename dialog")
        await pilot.pause()
        dialog = app.screen.query_one("#rename-dialog")
        lines = rendered(app, dialog).splitlines()
        # Its round border with the title in it, 70 columns wide, in the middle of the screen.
        assert lines[0].startswith("╭") and "Rename conversation" in lines[0], lines
        assert dialog.region.width == 70
        assert dialog.region.x == (SIZE[0] - 70) // 2


async def test_keys_typed_right_after_choosing_a_model_go_to_the_prompt(make_app) -> None:
    app = make_app(model="demo/echo")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await pilot.press("f2")
        await wait_for(pilot, lambda: dialog_open(app, "ModelPickerScreen"), "the picker")
        type_at_once(app, "qwen3-8b", "enter", "hello there")
        await wait_for(pilot, lambda: app.screen is screen, "the picker to close")
        await wait_for(pilot, lambda: len(screen.prompt.text) >= len("hello there"), "the keys in the prompt")
        assert app.model == "Qwen/Qwen3-8B"  # chosen with the filter as typed up to Enter
        assert screen.prompt.text == "hello there"  # every key after Enter, in order, in the prompt
        assert screen.prompt.has_focus


async def test_keys_typed_right_after_renaming_go_to_the_prompt(make_app) -> None:
    app = make_app(model="demo/echo")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await send(pilot, "name me")
        await wait_turn(pilot)
        await wait_for(pilot, lambda: screen.conversation.id is not None, "the conversation saved")
        chat(app).action_rename_conversation()
        await wait_for(pilot, lambda: dialog_open(app, "RenameScreen"), "the rename dialog")
        await pilot.pause()
        app.screen.query_one(Input).value = ""
        type_at_once(app, "My title", "enter", "next one")
        await wait_for(pilot, lambda: app.screen is screen, "the dialog to close")
        await wait_for(pilot, lambda: len(screen.prompt.text) >= len("next one"), "the keys in the prompt")
        assert screen.prompt.text == "next one"
        assert screen.conversation.title == "My title"
        with HistoryStore.open() as store:
            assert store.load(screen.conversation.id).title == "My title"
