"""The history in the TUI when things go wrong or change late: settings changed after the first message,
a regenerated answer that fails, a busy history, a checkpoint bound. Real SQLite in the isolated XDG
folders, the real app against the real demo server."""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys
import time

from textual.pilot import Pilot
from textual.widgets import Input
from ui_support import blocks_of, chat, last_chat, rendered, send, wait_for, wait_turn

from siliconchat import paths
from siliconchat.core.conversation import Conversation, Message
from siliconchat.core.history import HistoryStore
from siliconchat.ui.app import SiliconChatApp
from siliconchat.ui.document.conversation_blocks import AnswerBlock
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


# -- a busy history ------------------------------------------------------------------------------------------

# Holds the history's write lock (BEGIN IMMEDIATE) for argv[2] seconds, as another program's long write would.
LOCK_HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
conn.close()
"""


def _hold_lock(seconds: float) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(paths.history_db()), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "locked"
    return process


def _saved_prompts() -> list[tuple[str, str]]:
    with HistoryStore.open() as store:
        out = []
        for summary in store.list_conversations():
            for message in store.load(summary.id).messages:
                out.append((message.role, message.content))
        return out


async def test_a_busy_history_neither_freezes_the_app_nor_loses_the_turn(make_app) -> None:
    app = make_app(model="demo/echo")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await _history_ready(pilot)
        await send(pilot, "before the lock")
        await wait_turn(pilot)
        holder = _hold_lock(6)
        try:
            started = time.monotonic()
            await send(pilot, "while it is locked")
            await wait_turn(pilot)
            # The turn went through at once (the request did not wait for the history) ...
            assert time.monotonic() - started < 2.5
            assert screen.conversation.messages[-1].content == "while it is locked"
            assert holder.poll() is None, "the lock is still held"
            # ... the app kept answering keys meanwhile, and says it is not saved once it is still not.
            await wait_for(
                pilot,
                lambda: any("Not saved yet" in n.message for n in app._notifications),
                "the busy warning",
            )
            warning = next(n.message for n in app._notifications if "Not saved yet" in n.message)
            assert str(paths.history_db()) in warning and "locked" in warning
            assert holder.poll() is None
        finally:
            holder.wait(timeout=15)
        # The lock is gone: everything is saved, and the user is told.
        await wait_for(pilot, lambda: not app.history.saves.pending, "the queued saves")
        assert any("everything is saved" in n.message for n in app._notifications)
        assert _saved_prompts()[-2:] == [("user", "while it is locked"), ("assistant", "while it is locked")]


async def test_a_turn_unsaved_at_exit_goes_to_a_recovery_file_that_the_next_start_imports(make_app) -> None:
    app = make_app(model="demo/echo")
    holder = None
    try:
        async with app.run_test(size=SIZE) as pilot:
            await _history_ready(pilot)
            await send(pilot, "a first turn")
            await wait_turn(pilot)
            holder = _hold_lock(4)
            await send(pilot, "said while locked")
            await wait_turn(pilot)
            await wait_for(pilot, lambda: app.history.saves.attempts > 3, "a few failed attempts")
        # Closed while the lock was still held: the turn is in a recovery file in the data folder.
        assert holder.poll() is None
        recovery = list(paths.data_dir().glob("unsaved-*.json"))
        assert len(recovery) == 1
        assert "said while locked" in recovery[0].read_text(encoding="utf-8")
    finally:
        if holder is not None:
            holder.wait(timeout=15)
    assert ("user", "said while locked") not in _saved_prompts()
    second = make_app(model="demo/echo")
    async with second.run_test(size=SIZE) as pilot:
        await _history_ready(pilot)
        await wait_for(
            pilot,
            lambda: any("could not save" in n.message for n in second._notifications),
            "the import toast",
        )
    assert not list(paths.data_dir().glob("unsaved-*.json"))
    saved = _saved_prompts()
    assert saved.count(("user", "a first turn")) == 1
    assert saved[-2:] == [("user", "said while locked"), ("assistant", "said while locked")]


# -- the checkpoint bound ------------------------------------------------------------------------------------


async def test_a_streaming_answer_is_never_2_s_behind_in_the_history(make_app) -> None:
    """What a kill -9 would lose at any moment: the text that arrived but is not in the file yet. Another
    connection reads the file every 0.1 s while an answer streams (5 deltas a second)."""
    app = make_app(model="demo/slow")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await _history_ready(pilot)
        await send(pilot, "stream slowly")
        await wait_for(pilot, lambda: screen.turn is not None, "the turn")
        turn = screen.turn
        assert turn is not None
        await wait_for(pilot, lambda: len(turn.core.recorder.reasoning) > 0, "the first delta")
        reader = sqlite3.connect(f"{paths.history_db().resolve().as_uri()}?mode=ro", uri=True)
        arrived: list[tuple[float, int]] = []
        saved: list[tuple[float, int]] = []
        try:
            start = time.monotonic()
            while time.monotonic() - start < 7:
                now = time.monotonic()
                arrived.append((now, len(turn.core.recorder.reasoning)))
                row = reader.execute(
                    "SELECT length(reasoning) FROM messages WHERE role = 'assistant' ORDER BY id DESC LIMIT 1"
                ).fetchone()
                saved.append((now, row[0] if row else 0))
                await pilot.pause(0.1)
        finally:
            reader.close()
        await pilot.press("escape")
        await wait_turn(pilot)
    behind = []
    for now, length in saved:
        if now - start < 2.5:
            continue
        # What had arrived 1.6 s before: the TUI saves each second, so even with a late timer tick and the
        # write itself, nothing older than that is missing (2 s is the promise; 0.4 s is the margin).
        due = max(n for t, n in arrived if t <= now - 1.6)
        behind.append(due - length)
    assert behind and max(behind) <= 0, f"characters older than 1.6 s not yet saved: {behind}"


# -- regenerate -----------------------------------------------------------------------------------------------


def _history_messages(conversation_id: int) -> list[tuple[str, str, str]]:
    with HistoryStore.open() as store:
        return [(m.role, m.content, m.state.value) for m in store.load(conversation_id).messages]


async def test_a_regenerated_answer_that_fails_or_is_stopped_keeps_the_old_one(make_app, demo_server) -> None:
    app = make_app(model="demo/echo")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await _history_ready(pilot)
        await send(pilot, "keep me")
        await wait_turn(pilot)
        cid = screen.conversation.id
        assert cid is not None
        old = [("user", "keep me", "complete"), ("assistant", "keep me", "complete")]
        await wait_for(pilot, lambda: _history_messages(cid) == old, "the first turn saved")

        app.set_model("demo/error-500")  # the new answer fails
        await chat(app).action_regenerate()
        await wait_turn(pilot)
        await wait_for(pilot, lambda: not app.history.saves.pending, "the saves")
        assert _history_messages(cid)[:2] == old
        assert [(m.role, m.content) for m in screen.conversation.messages] == [
            ("user", "keep me"),
            ("assistant", "keep me"),
        ]
        assert any(block.source == "keep me" for block in blocks_of(screen, AnswerBlock))

        app.set_model("demo/slow")  # the new answer is stopped halfway
        await chat(app).action_regenerate()
        await wait_for(
            pilot, lambda: screen.turn is not None and screen.turn.core.recorder.reasoning, "streaming"
        )
        request = last_chat(demo_server).body["messages"]
        assert [m["content"] for m in request] == ["keep me"]  # the old turn is not sent with it
        await pilot.press("escape")
        await wait_turn(pilot)
        await wait_for(pilot, lambda: not app.history.saves.pending, "the saves")
        assert _history_messages(cid)[:2] == old
        assert [(m.role, m.content) for m in screen.conversation.messages] == [
            ("user", "keep me"),
            ("assistant", "keep me"),
        ]

        app.set_model(
            "demo/echo"
        )  # complete at last: the new answer is on the active path, the old a sibling
        await chat(app).action_regenerate()
        await wait_turn(pilot)
        await wait_for(pilot, lambda: not app.history.saves.pending, "the saves")
        saved = _history_messages(cid)
        assert saved[-2:] == old  # the new turn, saying the same thing
        assert saved.count(("assistant", "keep me", "complete")) == 1  # one answer on the path
        with HistoryStore.open() as store:
            tree = store.load(cid).tree
        assert [(m.role, m.content) for m in tree if m.state.value == "complete"] == [
            ("user", "keep me"),
            ("assistant", "keep me"),
            ("assistant", "keep me"),
        ]  # the old answer is kept, beside the new one
        assert [m["content"] for m in last_chat(demo_server).body["messages"]] == ["keep me"]
        assert [(m.role, m.content) for m in screen.conversation.messages] == [
            ("user", "keep me"),
            ("assistant", "keep me"),
        ]


# -- a bad byte -----------------------------------------------------------------------------------------------


async def test_a_bad_byte_in_one_message_shows_its_conversation_in_the_sidebar_with_u_fffd(make_app) -> None:
    with HistoryStore.open() as store:
        for title in ("Healthy one", "Damaged one", "Another healthy one"):
            store.create_conversation(
                Conversation(
                    title=title,
                    messages=[Message("user", f"{title} prompt"), Message("assistant", f"{title} answer")],
                )
            )
    # Another program (or a damaged page) left bytes that are not UTF-8 in one message: SQLite never checks.
    with contextlib.closing(sqlite3.connect(paths.history_db())) as conn:
        conn.execute(
            "UPDATE messages SET content = CAST(? AS TEXT) WHERE content = 'Damaged one answer'",
            (b"bad \xff byte",),
        )
        conn.commit()
    app = make_app(model="demo/echo")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await _history_ready(pilot)
        await pilot.press("f9")
        await wait_for(
            pilot, lambda: app.history.sidebar is not None and app.history.sidebar.loaded, "the sidebar"
        )
        sidebar = app.history.sidebar
        assert sidebar is not None
        shown = rendered(app, sidebar)
        assert all(title in shown for title in ("Healthy one", "Damaged one", "Another healthy one"))
        await pilot.press("down", "enter")  # the second newest: the damaged one
        await wait_for(pilot, lambda: screen.conversation.title == "Damaged one", "the damaged conversation")
        await pilot.pause()
        assert screen.conversation.messages[-1].content == "bad \ufffd byte"
        assert "bad \ufffd byte" in rendered(app, screen.view)


async def test_regenerate_after_a_failed_prompt_sends_that_prompt_again(make_app, demo_server) -> None:
    app = make_app(model="demo/echo")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await _history_ready(pilot)
        await send(pilot, "earlier")
        await wait_turn(pilot)
        app.set_model("demo/error-500")
        await send(pilot, "retry me")
        await wait_turn(pilot)
        app.set_model("demo/echo")
        await chat(app).action_regenerate()
        await wait_turn(pilot)
        assert [m["content"] for m in last_chat(demo_server).body["messages"]] == [
            "earlier",
            "earlier",
            "retry me",
        ]
        assert [m.content for m in screen.conversation.messages] == [
            "earlier",
            "earlier",
            "retry me",
            "retry me",
        ]
