"""The prompt in ``$EDITOR`` (F7): a real editor program (``editor_support``) edits a private temporary file
that is gone afterwards; its text replaces the prompt, unsent; a failing or missing editor leaves the prompt
as it was and says why. The real app (headless: the editor runs without suspending, there being no terminal
to hand over), the demo server, a real history."""

from __future__ import annotations

import signal
import stat
from pathlib import Path

import pytest
from editor_support import editor, seen
from textual import events
from textual.pilot import Pilot
from ui_support import chat, chat_requests, last_chat, send, wait_for, wait_turn

from siliconchat.ui.screens.chat_editor import EditorError, edit_text, editor_command

SIZE = (120, 40)


def toasts(pilot: Pilot[object]) -> list[str]:
    return [n.message for n in pilot.app._notifications]


# -- the editor and its file -------------------------------------------------------------------------------


def test_the_text_goes_through_a_private_file_that_is_deleted(tmp_path: Path) -> None:
    command = editor_command({"EDITOR": editor(tmp_path, append=" and more")})
    assert (
        edit_text("Why is the sky blue?\nSay it briefly", command)
        == "Why is the sky blue?\nSay it briefly and more"
    )
    (run,) = seen(tmp_path)
    assert run.before == b"Why is the sky blue?\nSay it briefly"
    assert stat.S_IMODE(run.mode) == 0o600 and run.path.suffix == ".md"
    assert not run.path.exists()


def test_visual_comes_before_editor_and_vi_after_both(tmp_path: Path) -> None:
    visual, other = tmp_path / "visual", tmp_path / "other"
    visual.mkdir()
    other.mkdir()
    command = editor_command({"VISUAL": editor(visual, append="!"), "EDITOR": editor(other)})
    assert edit_text("hi", command) == "hi!" and len(seen(visual)) == 1 and not seen(other)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", str(empty))
        with pytest.raises(EditorError, match=r"set \$VISUAL or \$EDITOR \(vi is not installed\)"):
            editor_command({"EDITOR": "  "})
        with pytest.raises(EditorError, match=r"The editor nano \(\$EDITOR\) was not found"):
            editor_command({"EDITOR": "nano"})
    with pytest.raises(EditorError, match=r"\$VISUAL cannot be read as a command"):
        editor_command({"VISUAL": "vim 'unclosed"})


def test_an_editor_that_fails_changes_nothing_and_leaves_no_file(tmp_path: Path) -> None:
    command = editor_command({"EDITOR": editor(tmp_path, append=" changed", status=3)})
    with pytest.raises(EditorError, match="exited with status 3"):
        edit_text("keep me", command)
    (run,) = seen(tmp_path)
    assert not run.path.exists()


def test_ctrl_c_while_the_editor_runs_is_the_editor_s(tmp_path: Path) -> None:
    handler = signal.getsignal(signal.SIGINT)
    command = editor_command({"EDITOR": editor(tmp_path, append=" still here", interrupt=True)})
    assert edit_text("the app", command) == "the app still here"  # no KeyboardInterrupt here
    assert signal.getsignal(signal.SIGINT) is handler


def test_bytes_that_are_not_text_come_back_replaced(tmp_path: Path) -> None:
    written = "caf\u00e9 \xff\x00end\r\nnext\n".encode("latin-1")  # not UTF-8, a NUL, a Windows line end
    command = editor_command({"EDITOR": editor(tmp_path, replace=written)})
    assert edit_text("a lone surrogate \ud800 here", command) == "caf\ufffd \ufffd\ufffdend\nnext"
    (run,) = seen(tmp_path)
    assert run.before == "a lone surrogate \ufffd here".encode()  # written as valid UTF-8


# -- in the app ------------------------------------------------------------------------------------------


async def test_f7_puts_the_edited_text_in_the_prompt_unsent(
    make_app, demo_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDITOR", editor(tmp_path, append="\nwith a second line"))
    monkeypatch.delenv("VISUAL", raising=False)
    app = make_app(model="demo/echo")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        requests = len(chat_requests(demo_server))
        await pilot.press(*"draft")
        await pilot.press("f7")
        await wait_for(pilot, lambda: screen.prompt.text == "draft\nwith a second line", "the edited prompt")
        assert screen.prompt.has_focus and len(chat_requests(demo_server)) == requests  # nothing sent
        assert any("Enter sends it" in t for t in toasts(pilot))
        await pilot.press("ctrl+z")  # one change: undo brings the draft back
        await wait_for(pilot, lambda: screen.prompt.text == "draft", "the draft again")
        await pilot.press("enter")
        await wait_turn(pilot)
        assert last_chat(demo_server).body["messages"][-1]["content"] == "draft"


async def test_a_failing_editor_leaves_the_prompt_and_says_why(
    make_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", editor(tmp_path, append=" lost", status=1))
    app = make_app(model="demo/echo")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await pilot.press(*"keep me")
        await pilot.press("f7")
        await wait_for(pilot, lambda: any("status 1" in t for t in toasts(pilot)), "the toast")
        assert screen.prompt.text == "keep me"
        assert any("The prompt is unchanged" in t for t in toasts(pilot))
        monkeypatch.setenv("EDITOR", "no-such-editor-anywhere")
        await pilot.press("f7")
        await wait_for(pilot, lambda: any("no-such-editor-anywhere" in t for t in toasts(pilot)), "the toast")
        assert screen.prompt.text == "keep me"


async def test_f7_on_a_picked_prompt_edits_it_as_a_new_branch(
    make_app, demo_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", editor(tmp_path, append=", rephrased"))
    app = make_app(model="demo/echo")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        for text in ("first question", "second question"):
            await send(pilot, text)
            await wait_turn(pilot)
        await pilot.press("up", "up")  # pick the first prompt
        await wait_for(pilot, lambda: screen.picked is not None, "a picked prompt")
        await pilot.press("f7")
        await wait_for(pilot, lambda: screen.prompt.text == "first question, rephrased", "the edited prompt")
        assert screen.editing is not None and screen.editing.content == "first question"
        await pilot.press("enter")
        await wait_turn(pilot)
        sent = [m["content"] for m in last_chat(demo_server).body["messages"]]
        assert sent == ["first question, rephrased"]  # a new branch in place of the first prompt
        assert len(screen.conversation.tree) == 6


async def test_the_editor_gets_a_large_paste_whole_and_gives_it_back_folded(
    make_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", editor(tmp_path, append="Thanks"))
    big = "".join(f"a line of a log, number {n}\n" for n in range(3000))
    app = make_app(model="demo/echo")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await pilot.press(*"What fails here? ")
        app.post_message(events.Paste(big))  # as a terminal sends a paste (bracketed)
        await wait_for(pilot, lambda: "⟦pasted" in screen.prompt.text, "the paste's chip")
        await pilot.press("f7")
        edited = "What fails here? " + big + "Thanks"
        await wait_for(pilot, lambda: screen.prompt.full_text == edited, "the edited prompt")
        (run,) = seen(tmp_path)
        assert run.before == ("What fails here? " + big).encode()  # the paste itself, not its chip
        assert screen.prompt.text.startswith("⟦pasted") and len(screen.prompt.text) < 100  # large: a chip


async def test_the_keymap_moves_the_editor_key(
    demo_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    from siliconchat.config import Config
    from siliconchat.runtime import demo_settings
    from siliconchat.ui.app import SiliconChatApp

    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", editor(tmp_path, append=" edited"))
    config = Config(keymap={"open_editor": "f10"})
    settings = demo_settings(config, demo_server, model="demo/echo", system_prompt=None)
    app = SiliconChatApp(dataclasses.replace(settings, favourites=()), config=config)
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await pilot.press(*"draft")
        await pilot.press("f7")  # the prompt's own key again: select all
        await pilot.pause()
        assert not seen(tmp_path) and screen.prompt.selected_text == "draft"
        await pilot.press("end", "f10")
        await wait_for(pilot, lambda: screen.prompt.text == "draft edited", "the edited prompt")
        assert (
            "(f10)"
            in {c.title: c.help for c in app.get_system_commands(screen)}["Edit the prompt in $EDITOR"]
        )
