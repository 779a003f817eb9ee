"""Fault stress for ``siliconchat ask`` and the TUI: the process and network faults of the hardening issue.

    python scripts/stress_faults.py [--timeout SECONDS] [--only NAME ...]

Each scenario runs the real ``python -m siliconchat`` (from this checkout) with temporary config, data and
state folders, against a server on 127.0.0.1, and checks that it ends with nothing lost, a clear message and
no traceback:

- ``never-answers``: a server that accepts the request and never answers (``ask --timeout``);
- ``huge-line``: a 300 MB stream line (the child's peak memory is checked too);
- ``sigterm-ask`` / ``sighup-ask``: the signal while ``ask`` streams an answer;
- ``sigterm-tui`` / ``sighup-tui``: the signal while the TUI (in a pseudo-terminal) streams an answer;
- the history faults, for ``ask`` and the TUI (``scripts/stress_history.py``): ``locked-*``, a history
  another process keeps locked for 15 s; ``kill9-*``, kill -9 at random moments while answers are saved;
  ``damaged-*``, a damaged database with a hot WAL.

The TUI runs ``--demo``, which keeps its history in the demo's own folder.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from stress_history import FIGURES, history, start_ask, tui  # noqa: E402
from stress_history import SCENARIOS as HISTORY_SCENARIOS  # noqa: E402

from siliconchat.demo.server import DEMO_API_KEY, DemoServer  # noqa: E402

Check = Callable[[dict[str, str], argparse.Namespace], str | None]
"""A scenario: runs with the environment given, returns None when it held, else what went wrong."""


# -- servers ----------------------------------------------------------------------------------------------


class RawServer:
    """Reads each request, then hands the connection to ``reply``."""

    def __init__(self, reply: Callable[[socket.socket], None]) -> None:
        self.reply = reply
        self.requests = 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/v1"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        with contextlib.suppress(OSError), connection:
            data = b""
            while b"\r\n\r\n" not in data:
                part = connection.recv(65536)
                if not part:
                    return
                data += part
            self.requests += 1
            self.reply(connection)

    def close(self) -> None:
        self.sock.close()


def never_answer(connection: socket.socket) -> None:
    while connection.recv(65536):
        pass


def huge_line(connection: socket.socket) -> None:
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
    connection.sendall(b'data: {"choices": [{"delta": {"content": "')
    block = b"a" * (1 << 20)
    for _ in range(300):
        connection.sendall(block)


# -- helpers ----------------------------------------------------------------------------------------------


def run_ask(env: dict[str, str], *args: str, timeout: float) -> tuple[int, str, float, float]:
    """(exit status, stderr, seconds, peak memory in MB) of ``siliconchat ask ARGS``."""
    started = time.monotonic()
    process = start_ask(env, *args, stderr=subprocess.PIPE)
    assert process.stderr is not None
    timer = threading.Timer(timeout, process.kill)
    timer.start()
    err = process.stderr.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(process.pid, 0)
    timer.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, err, time.monotonic() - started, usage.ru_maxrss / 1024


def problems_of(err: str) -> str | None:
    if "Traceback" in err:
        return "a traceback on stderr"
    if not any(line.startswith("siliconchat: ") for line in err.splitlines()):
        return "no siliconchat: line on stderr"
    return None


def last_answer(env: dict[str, str], *, demo: bool) -> tuple[str, str, str] | None:
    """(state, error, reasoning + content) of the latest assistant message in the history."""
    path = history(env, demo=demo)
    if not path.exists():
        return None
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        row = db.execute(
            "SELECT state, COALESCE(error, ''), COALESCE(reasoning, '') || COALESCE(content, '') "
            "FROM messages WHERE role = 'assistant' ORDER BY id DESC LIMIT 1"
        ).fetchone()
    return None if row is None else (str(row[0]), str(row[1]), str(row[2]))


def check_saved(env: dict[str, str], signum: int, *, demo: bool = False) -> str | None:
    answer = last_answer(env, demo=demo)
    if answer is None:
        return "no answer in the history"
    state, error, text = answer
    if state != "stopped" or signal.Signals(signum).name not in error or not text:
        return f"the history has state={state!r} error={error!r} and {len(text)} characters"
    return None


# -- scenarios --------------------------------------------------------------------------------------------


def never_answers(env: dict[str, str], args: argparse.Namespace) -> str | None:
    server = RawServer(never_answer)
    try:
        env = {**env, "SILICONFLOW_BASE_URL": server.base_url}
        status, err, took, _ = run_ask(env, "--timeout", str(args.timeout), "hi", timeout=args.timeout + 60)
    finally:
        server.close()
    if status != 1 or took > args.timeout + 15:
        return f"exit {status} after {took:.0f} s"
    if server.requests != 2:
        return f"{server.requests} requests (one retry expected)"
    return problems_of(err) or (None if "sent nothing" in err else f"unclear message: {err!r}")


def huge(env: dict[str, str], args: argparse.Namespace) -> str | None:
    server = RawServer(huge_line)
    try:
        status, err, _, peak = run_ask({**env, "SILICONFLOW_BASE_URL": server.base_url}, "hi", timeout=120)
    finally:
        server.close()
    if status != 1 or peak > 400:
        return f"exit {status}, peak memory {peak:.0f} MB"
    return problems_of(err) or (None if "16 MB" in err else f"unclear message: {err!r}")


def signal_ask(signum: int) -> Check:
    def check(env: dict[str, str], args: argparse.Namespace) -> str | None:
        with DemoServer(pace=0) as server:
            process = start_ask(
                {**env, "SILICONFLOW_BASE_URL": server.base_url},
                *("-m", "demo/slow", "a long story"),
                stderr=subprocess.PIPE,
            )
            assert process.stderr is not None
            process.stderr.read(1)  # the reasoning is streaming
            time.sleep(1)
            process.send_signal(signum)
            err = process.communicate(timeout=30)[1].decode("utf-8", "replace")
        if process.returncode != 128 + signum:
            return f"exit {process.returncode}"
        return problems_of(err) or check_saved(env, signum)

    return check


def signal_tui(signum: int) -> Check:
    def check(env: dict[str, str], args: argparse.Namespace) -> str | None:
        with tui(env, "--model", "demo/slow") as app:
            if not app.until("Ask anything"):
                return "the app did not start"
            app.write(b"a long story\r")
            if not app.until("streaming"):
                return "the answer did not start"
            app.read(1)
            if signum == signal.SIGHUP:
                app.close_master()  # the window is closed
            app.process.send_signal(signum)
            status = app.wait(20)
        if status != 128 + signum:
            return f"exit {status}"
        if signum == signal.SIGTERM and b"\x1b[?1049l" not in app.out:
            return "the terminal was not restored"
        if "Traceback" in app.text():
            return "a traceback on the terminal"
        return check_saved(env, signum, demo=True)

    return check


SCENARIOS: dict[str, Check] = {
    "never-answers": never_answers,
    "huge-line": huge,
    "sigterm-ask": signal_ask(signal.SIGTERM),
    "sighup-ask": signal_ask(signal.SIGHUP),
    "sigterm-tui": signal_tui(signal.SIGTERM),
    "sighup-tui": signal_tui(signal.SIGHUP),
    **HISTORY_SCENARIOS,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=60.0, help="ask's budget for never-answers (s)")
    parser.add_argument("--only", nargs="+", choices=sorted(SCENARIOS), help="run only these scenarios")
    args = parser.parse_args()
    failures = 0
    for name in args.only or SCENARIOS:
        with tempfile.TemporaryDirectory(prefix="siliconchat-stress-") as folder:
            env = {key: value for key, value in os.environ.items() if not key.startswith("SILICON")}
            for variable in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "HOME"):
                env[variable] = str(Path(folder) / variable.lower())
            Path(env["HOME"]).mkdir()
            env["SILICONFLOW_API_KEY"] = DEMO_API_KEY
            started = time.monotonic()
            try:
                problem = SCENARIOS[name](env, args)
            except Exception as exc:  # the scenario itself broke: a failure, not a crash of the script
                problem = f"{type(exc).__name__}: {exc}"
            took = time.monotonic() - started
        failures += problem is not None
        print(
            f"{'ok  ' if problem is None else 'FAIL'} {name:<16} {took:5.1f} s  {problem or ''}", flush=True
        )
    for figure in FIGURES:
        print(f"     {figure}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
