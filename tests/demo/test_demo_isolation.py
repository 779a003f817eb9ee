"""``--demo`` touches nothing of the user's: not the config, the history, the cache, the logs nor the
documents folder. The demo keeps its own files in ``paths.demo_dir()``, and says where a transcript went.

The user's files are made in the isolated XDG folders and HOME (conftest.py); every file there outside the
demo's folder is compared byte for byte before and after a demo session run through the CLI's own wiring.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cli_support import siliconchat
from textual.widgets import Input
from ui_support import chat, send, wait_for, wait_turn

from siliconchat import paths
from siliconchat.cli import build_parser
from siliconchat.cli.common import configured
from siliconchat.core.conversation import Conversation, Message
from siliconchat.core.history import HistoryStore
from siliconchat.ui.app import SiliconChatApp
from siliconchat.ui.screens.settings import ConversationSettingsScreen

SIZE = (120, 40)
USER_MODEL = "user/own-model"  # no model of the demo server: a demo that used it would fail


def _make_user_files(isolated_dirs: dict[str, Path]) -> Path:
    """A config, a history with one conversation and a documents folder, as a user's machine has them;
    returns the folder that holds them all."""
    config = paths.config_file()
    config.parent.mkdir(parents=True)
    notes = isolated_dirs["HOME"] / "notes"
    config.write_text(
        f'# my settings\nmodel = "{USER_MODEL}"\nfavourites = ["{USER_MODEL}"]\ntranscript_dir = "{notes}"\n',
        encoding="utf-8",
    )
    with HistoryStore.open() as store:
        conversation = Conversation(title="my own conversation")
        store.append(conversation, Message(role="user", content="a question of mine"))
    documents = isolated_dirs["XDG_DOCUMENTS_DIR"]
    documents.mkdir(parents=True)
    (documents / "letter.txt").write_text("dear …", encoding="utf-8")
    return isolated_dirs["HOME"].parent


def _files(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` but the demo's own, with its bytes."""
    demo = paths.demo_dir()
    found = {}
    for folder, _, names in os.walk(root):
        if Path(folder) == demo or demo in Path(folder).parents:
            continue
        for name in names:
            path = Path(folder, name)
            found[str(path.relative_to(root))] = path.read_bytes()
    return found


async def test_a_demo_session_leaves_the_users_files_byte_for_byte_as_they_were(isolated_dirs) -> None:
    root = _make_user_files(isolated_dirs)
    before = _files(root)
    assert any(name.endswith("history.db") for name in before)

    args = build_parser().parse_args(["--demo"])
    with configured(args, require_key=False) as (config, settings):
        server = settings.base_url
        app = SiliconChatApp(settings, config=config)
        async with app.run_test(size=SIZE) as pilot:
            screen = chat(app)
            assert app.model != USER_MODEL  # the demo's default, not the user's
            await wait_for(pilot, lambda: app.history.store is not None, "the history")
            await send(pilot, "hello demo")
            await wait_turn(pilot)
            assert screen.conversation.messages[-1].content  # an answer came
            app.set_model("demo/echo")  # switch model
            await pilot.press("f4")  # a favourite: a setting the user's config would keep
            await pilot.press("f5")  # a conversation setting: the history keeps it
            await wait_for(pilot, lambda: isinstance(app.screen, ConversationSettingsScreen), "the settings")
            field = app.screen.query_one("#settings-temperature", Input)
            field.focus()
            field.clear()
            await pilot.press(*"0.3", "ctrl+s")
            await wait_for(pilot, lambda: app.screen is screen, "the settings to close")
            await send(pilot, "and again")
            await wait_turn(pilot)
            await pilot.press("ctrl+s")  # save the transcript
            await wait_for(
                pilot, lambda: any("Saved" in n.message for n in app._notifications), "the saved toast"
            )
            saved = next(n.message for n in app._notifications if "Saved" in n.message)
            conversation_id = screen.conversation.id
        assert server.startswith("http://127.0.0.1:")

    assert _files(root) == before, "the demo changed the user's files"
    assert not (isolated_dirs["XDG_DOCUMENTS_DIR"] / "siliconchat").exists()
    # The demo's transcript is in the demo's folder, and the toast says where.
    transcripts = paths.demo_dir() / "transcripts"
    assert str(transcripts) in saved
    assert sorted(p.suffix for p in transcripts.iterdir()) == [".json", ".md"]
    assert "and again" in next(transcripts.glob("*.md")).read_text(encoding="utf-8")
    # The demo's own history kept the session, its settings included.
    with paths.demo_profile(), HistoryStore.open() as store:
        assert conversation_id is not None
        kept = store.load(conversation_id)
    assert [m.content for m in kept.messages if m.role == "user"] == ["hello demo", "and again"]
    assert kept.params.temperature == 0.3


def test_ask_demo_neither_reads_nor_writes_the_users_files(isolated_dirs) -> None:
    root = _make_user_files(isolated_dirs)
    paths.config_file().write_text("model = [broken\n", encoding="utf-8")  # unreadable: a demo must not care
    before = _files(root)
    result = siliconchat("ask", "--demo", "-m", "demo/echo", "offline")
    assert result.returncode == 0 and result.stdout == "offline\n", result.stderr
    assert _files(root) == before
    assert stat.S_IMODE(paths.demo_dir().stat().st_mode) == 0o700  # it holds a history and a config
    with paths.demo_profile(), HistoryStore.open() as store:
        [summary] = store.list_conversations()
        assert [m.content for m in store.load(summary.id).messages] == ["offline", "offline"]


def test_the_demo_profile_holds_every_location(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SILICONCHAT_CONFIG", str(tmp_path / "elsewhere.toml"))
    user = [paths.config_file(), paths.history_db(), paths.cache_dir(), paths.log_dir()]
    user.append(paths.default_transcript_dir())
    with paths.demo_profile() as demo:
        inside = [paths.config_file(), paths.history_db(), paths.cache_dir(), paths.log_dir()]
        inside.append(paths.default_transcript_dir())
    assert demo == paths.demo_dir()
    assert all(demo in path.parents for path in inside), inside
    assert not set(inside) & set(user)
    assert paths.history_db() == user[1]  # in force only within the block
