"""Signals and Ctrl+C in the TUI: the app as a process in a pseudo-terminal, as a user runs it.

SIGTERM (``kill``) and SIGHUP (the terminal window closed) mid-answer save the partial answer, marked as
cut off, restore the terminal and exit with 128 + the signal's number. Ctrl+C stops an answer as Escape does;
a second Ctrl+C, or one when idle, quits.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

import pytest
from pty_terminal import Terminal

from siliconchat import paths
from siliconchat.core.conversation import Message, MessageState
from siliconchat.core.history import HistoryStore

LEAVE_ALTERNATE_SCREEN = b"\x1b[?1049l"


def _start_answer(terminal: Terminal) -> None:
    """Send a prompt to demo/slow and wait until its reasoning is streaming."""
    terminal.read_until(b"Ask anything")
    terminal.write(b"tell me a long story\r")
    terminal.read_until(b"streaming")  # the status line: the answer is on its way
    time.sleep(1.0)  # a few deltas


def _last_answer(*, demo: bool = True) -> Message:
    """The last answer in the history (by default the demo's own, where ``--demo`` keeps it)."""
    with paths.demo_profile() if demo else contextlib.nullcontext(), HistoryStore.open() as store:
        [summary] = store.list_conversations()
        messages = store.load(summary.id).messages
    assert [m.content for m in messages if m.role == "user"] == ["tell me a long story"]
    return messages[-1]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_mid_answer_saves_it_restores_the_terminal_and_exits_128_plus_the_signal(
    terminal: list[Terminal], signum: int
) -> None:
    app = Terminal("--model", "demo/slow")
    terminal.append(app)
    _start_answer(app)
    if signum == signal.SIGHUP:
        app.close_master()  # the window is gone: nothing reads what the app writes any more
    app.process.send_signal(signum)
    assert app.wait() == 128 + signum
    answer = _last_answer()
    assert answer.state is MessageState.STOPPED
    assert answer.error is not None and signal.Signals(signum).name in answer.error
    assert answer.reasoning  # what arrived is kept
    if signum == signal.SIGTERM:
        assert LEAVE_ALTERNATE_SCREEN in app.out  # the terminal is restored
        after = bytes(app.out).rsplit(LEAVE_ALTERNATE_SCREEN, 1)[1].decode("utf-8", "replace")
        assert "siliconchat: ended by SIGTERM" in after and "Traceback" not in after


def test_ctrl_c_stops_the_answer_and_a_second_one_quits(terminal: list[Terminal]) -> None:
    app = Terminal("--model", "demo/slow")
    terminal.append(app)
    _start_answer(app)
    app.write(b"\x03")
    app.read_until(b"Ctrl+C again to quit")
    assert app.process.poll() is None  # still running: only the answer stopped
    answer = _last_answer()
    assert answer.state is MessageState.STOPPED and answer.reasoning
    time.sleep(1.2)  # not a double press: idle now, so this one quits
    app.write(b"\x03")
    assert app.wait() == 0
    assert LEAVE_ALTERNATE_SCREEN in app.out


def test_two_quick_ctrl_c_mid_answer_quit(terminal: list[Terminal]) -> None:
    app = Terminal("--model", "demo/slow")
    terminal.append(app)
    _start_answer(app)
    app.write(b"\x03")
    time.sleep(0.2)
    app.write(b"\x03")
    assert app.wait() == 0
    assert _last_answer().state is MessageState.STOPPED


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_ask_ended_by_a_signal_saves_what_arrived_and_exits_128_plus_the_signal(signum: int) -> None:
    from siliconchat.demo.server import DemoServer

    with DemoServer(pace=0) as server:
        process = subprocess.Popen(
            [sys.executable, "-m", "siliconchat", "ask", "-m", "demo/slow", "tell me a long story"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "SILICONFLOW_API_KEY": server_key(), "SILICONFLOW_BASE_URL": server.base_url},
        )
        assert process.stderr is not None
        assert process.stderr.read(1)  # the reasoning has started streaming
        time.sleep(0.5)
        process.send_signal(signum)
        _, err = process.communicate(timeout=15)
    assert process.returncode == 128 + signum
    name = signal.Signals(signum).name
    assert f"siliconchat: Ended by {name}" in err and "Traceback" not in err
    answer = _last_answer(demo=False)
    assert answer.state is MessageState.STOPPED and answer.reasoning
    assert answer.error is not None and name in answer.error


def server_key() -> str:
    from siliconchat.demo.server import DEMO_API_KEY

    return DEMO_API_KEY
