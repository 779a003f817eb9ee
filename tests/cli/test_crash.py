"""A bug is never silent: the traceback in the log, one line on stderr, a non-zero exit, nothing lost.

The TUI is run for real twice: under Pilot (what is kept: the turn in progress, the prompt's text) and as a
process in a pseudo-terminal (the exit status, the restored terminal, the one line).
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from pty_terminal import Terminal
from ui_support import chat, send, wait_for

from siliconchat import crash, paths
from siliconchat.cli import main
from siliconchat.core.conversation import MessageState
from siliconchat.core.history import HistoryStore
from siliconchat.demo.server import DEMO_API_KEY
from siliconchat.logs import LOG_NAME
from siliconchat.ui.app import SiliconChatApp

KEY = DEMO_API_KEY  # shaped like a SiliconFlow key: the log must not hold it
LEAVE_ALTERNATE_SCREEN = b"\x1b[?1049l"


@pytest.fixture(autouse=True)
def restored_logging_and_excepthook(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The root logger's handlers and ``sys.excepthook`` as they were (the code under test sets both)."""
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in root.handlers:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def _log() -> Path:
    return paths.log_dir() / LOG_NAME


def _line(path: Path) -> str:
    return f"details in {path}"


# -- the TUI under Pilot: what is kept --------------------------------------------------------------------


async def test_a_crash_keeps_the_turn_in_progress_and_the_prompt_and_logs_the_traceback(
    make_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_help(self: SiliconChatApp) -> None:
        raise ValueError(f"a bug near {KEY}")

    monkeypatch.setattr(SiliconChatApp, "action_help", broken_help)
    app = make_app(model="demo/slow")
    with pytest.raises(ValueError, match="a bug"):  # run_test raises it again at its end
        async with app.run_test(size=(100, 30)) as pilot:
            screen = chat(app)
            await wait_for(pilot, lambda: app.history.store is not None, "the history")
            await send(pilot, "tell me a long story")
            await wait_for(
                pilot,
                lambda: screen.turn is not None and len(screen.turn.core.recorder.reasoning) > 5,
                "reasoning",
            )
            reasoning_so_far = screen.turn.core.recorder.reasoning if screen.turn else ""
            screen.prompt.text = "and then what happened"
            await pilot.press("f1")
            await pilot.pause()
    assert app.return_code == 1
    draft = paths.data_dir() / "draft.txt"
    assert app.crash_report == f"crashed (ValueError); {_line(_log())}; your unsent prompt is in {draft}"
    assert draft.read_text(encoding="utf-8") == "and then what happened"
    log = _log().read_text(encoding="utf-8")
    assert "Traceback" in log and "in broken_help" in log and "ValueError: a bug near" in log
    assert KEY not in log
    with HistoryStore.open() as store:
        [summary] = store.list_conversations()
        messages = store.load(summary.id).messages
    assert [m.content for m in messages if m.role == "user"] == ["tell me a long story"]
    answer = messages[-1]
    assert answer.state is MessageState.STOPPED  # as on quit mid-answer: what arrived is kept
    assert answer.reasoning.startswith(reasoning_so_far)


# -- the TUI as a process in a terminal -------------------------------------------------------------------

TUI_SCRIPT = textwrap.dedent(
    """
    import sys
    from siliconchat.ui.app import SiliconChatApp

    def broken_help(self):
        raise ValueError("a bug in a handler")

    SiliconChatApp.action_help = broken_help
    from siliconchat.cli import main
    raise SystemExit(main(["--demo"]))
    """
)


def test_a_crash_in_the_real_tui_restores_the_terminal_and_says_where_the_log_is() -> None:
    terminal = Terminal(python_args=("-c", TUI_SCRIPT))
    try:
        terminal.read_until(b"Ask anything", timeout=8)  # the prompt's placeholder: the app is up
        terminal.write(b"half a thought")
        terminal.read_until(b"half a thought", timeout=8)
        terminal.write(b"\x1bOP")  # F1: the broken help
        status = terminal.wait(timeout=8)
    finally:
        terminal.close()
    out = terminal.out
    assert status == 1
    assert LEAVE_ALTERNATE_SCREEN in out  # the terminal was restored ...
    after = bytes(out).rsplit(LEAVE_ALTERNATE_SCREEN, 1)[1].decode("utf-8", "replace")
    after = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", after)  # the rest of the restore: modes turned off
    lines = [line for line in after.replace("\r", "").split("\n") if line.strip() and "siliconchat" in line]
    with paths.demo_profile():  # a --demo run keeps its log and drafts in the demo's own folder
        draft, log_path = paths.data_dir() / "draft.txt", _log()
    # ... and then one line said what happened and where to look (no traceback on the terminal).
    assert lines == [
        f"siliconchat: crashed (ValueError); {_line(log_path)}; your unsent prompt is in {draft}"
    ], after
    assert "Traceback" not in after
    log = log_path.read_text(encoding="utf-8")
    assert "Traceback" in log and "ValueError: a bug in a handler" in log
    assert draft.read_text(encoding="utf-8") == "half a thought"


# -- outside the TUI --------------------------------------------------------------------------------------


def test_a_bug_outside_the_app_is_one_line_and_the_log(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        from siliconchat.cli import history, main

        def broken(args):
            raise KeyError("a bug")

        history.cmd_history = broken
        raise SystemExit(main(["history"]))
        """
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=30
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"siliconchat: crashed (KeyError); {_line(_log())}"]
    log = _log().read_text(encoding="utf-8")
    assert "Traceback" in log and "KeyError: 'a bug'" in log


def test_ctrl_c_outside_the_app_keeps_pythons_own_handling(capsys: pytest.CaptureFixture[str]) -> None:
    calls = []

    def default(*args: object) -> None:
        calls.append(args)

    original = sys.__excepthook__
    sys.__excepthook__ = default
    try:
        crash.excepthook(KeyboardInterrupt, KeyboardInterrupt(), None)
    finally:
        sys.__excepthook__ = original
    assert len(calls) == 1 and capsys.readouterr().err == ""


def test_a_bug_in_ask_is_one_line_after_the_answer_and_a_non_zero_exit(
    demo_server, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from siliconchat.cli import ask

    answered = ask.Printer.answer

    def answer_then_fail(self: ask.Printer, text: str) -> None:
        answered(self, text)
        raise RuntimeError(f"a bug in the printer {KEY}")

    monkeypatch.setattr(ask.Printer, "answer", answer_then_fail)
    monkeypatch.setenv("SILICONFLOW_API_KEY", KEY)
    monkeypatch.setenv("SILICONFLOW_BASE_URL", demo_server.base_url)
    code = main(["ask", "--model", "demo/echo", "hello there"])
    out, err = capsys.readouterr()
    assert code == crash.EXIT_CRASHED == 1
    assert out and out.endswith("\n")  # what arrived, on a line of its own
    assert err.splitlines() == [f"siliconchat: crashed (RuntimeError); {_line(_log())}"]
    log = _log().read_text(encoding="utf-8")
    assert "Traceback" in log and "in answer_then_fail" in log and KEY not in log


def test_a_draft_never_overwrites_an_earlier_one() -> None:
    first, second = crash.save_draft("one"), crash.save_draft("two")
    assert first is not None and second is not None
    assert (first.name, second.name) == ("draft.txt", "draft-2.txt")
    assert first.read_text(encoding="utf-8") == "one" and second.read_text(encoding="utf-8") == "two"
    assert first.stat().st_mode & 0o777 == 0o600
