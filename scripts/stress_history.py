"""The history faults of ``scripts/stress_faults.py``: a history locked for 15 s, kill -9 during a save, a
damaged database with a hot WAL; each for ``siliconchat ask`` and for the TUI (in a pseudo-terminal).

Every scenario runs the real ``python -m siliconchat`` from this checkout in the temporary folders that
``stress_faults.py`` gives it, and returns None when it ended with nothing lost, a clear message and no
traceback, else what went wrong. ``FIGURES`` collects what was measured, for the summary.

``ask`` runs against a demo server with the history in the data folder; the TUI runs ``--demo``, whose files
are in the demo's own folder (``siliconchat.paths.demo_dir``).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import random
import re
import select
import signal
import sqlite3
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from siliconchat.demo.server import DemoServer  # noqa: E402

Check = Callable[[dict[str, str], argparse.Namespace], str | None]
FIGURES: list[str] = []
LOCK_SECONDS = 15.0
INTERRUPTED = "cut off: siliconchat closed while it was streaming"


# -- the history's files ------------------------------------------------------------------------------------


def history(env: dict[str, str], *, demo: bool) -> Path:
    if demo:
        return Path(env["XDG_STATE_HOME"]) / "siliconchat" / "demo" / "history.db"
    return Path(env["XDG_DATA_HOME"]) / "siliconchat" / "history.db"


def conversations(path: Path) -> list[list[tuple[str, str, str]]]:
    """Each conversation's messages as (role, state, content), oldest first; read without writing."""
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        rows = db.execute(
            "SELECT conversation_id, role, state, COALESCE(content, '') FROM messages ORDER BY id"
        ).fetchall()
    found: dict[int, list[tuple[str, str, str]]] = {}
    for cid, role, state, content in rows:
        found.setdefault(cid, []).append((role, state, content))
    return list(found.values())


def integrity(path: Path) -> str:
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])


@contextlib.contextmanager
def locked(path: Path, seconds: float) -> Iterator[subprocess.Popen[str]]:
    """Another process holds ``path``'s write lock (BEGIN IMMEDIATE) for ``seconds`` from now."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time\n"
            "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "db.execute('BEGIN IMMEDIATE')\n"
            "print('locked', flush=True)\n"
            "time.sleep(float(sys.argv[2]))\n"
            "db.execute('COMMIT')\n",
            str(path),
            str(seconds),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    if holder.stdout.readline() != "locked\n":
        raise RuntimeError("the lock holder did not take the lock")
    try:
        yield holder
    finally:
        holder.wait(timeout=seconds + 30)


# Writes conversations into the WAL (no checkpoint) and dies by kill -9, as a crashed siliconchat would.
CRASHING_WRITER = """
import os, sys
from pathlib import Path
from siliconchat.core.conversation import Conversation, Message
from siliconchat.core.history import HistoryStore
store = HistoryStore.open(Path(sys.argv[1]))
for i in range(150):
    store.create_conversation(Conversation(messages=[Message("user", f"in the file {i} " + "f" * 400)]))
store._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
store._conn.execute("PRAGMA wal_autocheckpoint = 0")
for i in range(40):
    store.create_conversation(Conversation(messages=[Message("user", f"only in the wal {i} " + "w" * 300)]))
os.kill(os.getpid(), 9)
"""


def damaged_with_hot_wal(path: Path) -> dict[str, bytes]:
    """A history that crashed with a hot WAL and was then damaged; its three files' bytes by suffix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-c", CRASHING_WRITER, str(path)], cwd=ROOT, check=False)
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 16384] = bytes(range(256)) * 64
    path.write_bytes(bytes(data))
    files = {suffix: Path(f"{path}{suffix}").read_bytes() for suffix in ("", "-wal", "-shm")}
    if not files["-wal"]:
        raise RuntimeError("the crash left no hot WAL")
    return files


def moved_set(path: Path, before: dict[str, bytes]) -> str | None:
    """None when the damaged set lies beside ``path`` under one new name, byte for byte."""
    moved = [p for p in path.parent.iterdir() if p.name.startswith("history.damaged-") and p.suffix == ".db"]
    if len(moved) != 1:
        return f"{len(moved)} moved databases beside the history"
    for suffix, data in before.items():
        if Path(f"{moved[0]}{suffix}").read_bytes() != data:
            return f"the moved {suffix or 'file'} differs from the damaged one"
    return None


# -- processes ----------------------------------------------------------------------------------------------


def start_ask(
    env: dict[str, str], *args: str, stdout: int = subprocess.DEVNULL, stderr: int = subprocess.DEVNULL
) -> subprocess.Popen[bytes]:
    """``siliconchat ask ARGS``, started (stdin closed; stdout and stderr as given)."""
    return subprocess.Popen(
        [sys.executable, "-m", "siliconchat", "ask", *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=stderr,
    )


def ask(env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``siliconchat ask ARGS`` run to its end, with its output as text."""
    process = start_ask(env, *args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = process.communicate(timeout=timeout)
    return subprocess.CompletedProcess(process.args, process.returncode, out.decode(), err.decode())


def unclear(err: str, wanted: str) -> str | None:
    if "Traceback" in err:
        return "a traceback"
    return None if wanted in err else f"no {wanted!r} in: {err[-600:]!r}"


def _letters(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", text)


class Tui:
    """``python -m siliconchat --demo ARGS`` in a 100 x 30 pseudo-terminal."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "siliconchat", "--demo", *args],
            cwd=ROOT,
            env={**env, "TERM": "xterm-256color"},
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
        )
        os.close(slave)
        self.out = bytearray()

    def text(self, start: int = 0) -> str:
        """What the app wrote since ``start``, escape sequences removed (words may be split by them)."""
        return re.sub(
            r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-Za-z]",
            "",
            bytes(self.out[start:]).decode(errors="replace"),
        )

    def read(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.master >= 0:
            if select.select([self.master], [], [], 0.05)[0]:
                try:
                    self.out += os.read(self.master, 65536)
                except OSError:
                    return

    def until(self, wanted: str, seconds: float = 20, start: int = 0) -> bool:
        """Whether the app shows ``wanted`` (since ``start``) within ``seconds``. Letters and digits only
        are compared: a toast wraps its words between border characters."""
        squeezed = _letters(wanted)
        deadline = time.monotonic() + seconds
        while True:
            if squeezed in _letters(self.text(start)):
                return True
            if time.monotonic() >= deadline or self.process.poll() is not None:
                self.read(0.2)
                return squeezed in _letters(self.text(start))
            self.read(0.1)

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    def quit(self, seconds: float = 20) -> int | None:
        self.write(b"\x11")  # Ctrl+Q
        return self.wait(seconds)

    def wait(self, seconds: float = 20) -> int | None:
        deadline = time.monotonic() + seconds
        while self.process.poll() is None and time.monotonic() < deadline:
            self.read(0.1)
        self.read(0.3)
        return self.process.poll()

    def close_master(self) -> None:
        """Close the terminal's side, as closing its window does."""
        if self.master >= 0:
            os.close(self.master)
            self.master = -1

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.close_master()


@contextlib.contextmanager
def tui(env: dict[str, str], *args: str) -> Iterator[Tui]:
    app = Tui(env, *args)
    try:
        yield app
    finally:
        app.close()


def ended_well(app: Tui, status: int | None) -> str | None:
    if status != 0:
        return f"the app ended with {status}"
    if "Traceback" in app.text():
        return "a traceback on the terminal"
    return None


# -- a locked history ---------------------------------------------------------------------------------------


def locked_ask(env: dict[str, str], args: argparse.Namespace) -> str | None:
    with DemoServer(pace=0) as server:
        env = {**env, "SILICONFLOW_BASE_URL": server.base_url}
        if ask(env, "-m", "demo/echo", "before").returncode != 0:
            return "the first ask failed"
        path = history(env, demo=False)
        with locked(path, LOCK_SECONDS):
            started = time.monotonic()
            during = ask(env, "-m", "demo/echo", "while it is locked")
            took = time.monotonic() - started
        if during.returncode != 0 or during.stdout != "while it is locked\n":
            return f"exit {during.returncode}, stdout {during.stdout!r}"
        problem = unclear(during.stderr, "the next siliconchat adds it to the history")
        if problem:
            return problem
        after = ask(env, "-m", "demo/echo", "after")
    FIGURES.append(f"locked-ask: the answer printed and the turn kept {took:.1f} s after the start")
    problem = unclear(after.stderr, "added to the history what an earlier run could not save")
    prompts = [c[0][2] for c in conversations(path)]
    if problem is None and prompts != ["before", "while it is locked", "after"]:
        problem = f"the history holds {prompts}"
    return problem


def locked_tui(env: dict[str, str], args: argparse.Namespace) -> str | None:
    ask(env, "--demo", "-m", "demo/echo", "before")
    path = history(env, demo=True)
    with locked(path, LOCK_SECONDS) as holder, tui(env, "--model", "demo/echo") as app:
        if not app.until("Ask anything"):
            return "the app did not start"
        mark = len(app.out)
        app.write(b"while it is locked\r")
        if not app.until("Not saved yet", seconds=10, start=mark):
            return "no word that the turn is not saved yet"
        mark = len(app.out)
        app.write(b"typed meanwhile")
        if not app.until("typed meanwhile", seconds=2, start=mark):
            return "the app did not take keys while the history was locked"
        holder.wait(timeout=LOCK_SECONDS + 10)
        if not app.until("The history is free again: everything is saved", seconds=15, start=mark):
            return "no word that the turn was saved after the lock"
        problem = ended_well(app, app.quit())
    saved = conversations(path)[-1]
    if problem is None and [m[2] for m in saved] != ["while it is locked", "while it is locked"]:
        problem = f"the history holds {saved}"
    return problem


def locked_tui_quit(env: dict[str, str], args: argparse.Namespace) -> str | None:
    ask(env, "--demo", "-m", "demo/echo", "before")
    path = history(env, demo=True)
    with locked(path, LOCK_SECONDS) as holder:
        with tui(env, "--model", "demo/echo") as app:
            if not app.until("Ask anything"):
                return "the app did not start"
            app.write(b"quit while it is locked\r")
            if not app.until("Not saved yet", seconds=10):
                return "no word that the turn is not saved yet"
            problem = ended_well(app, app.quit())
            if problem:
                return problem
        kept = list(path.parent.glob("unsaved-*.json"))
        if len(kept) != 1:
            return f"{len(kept)} recovery files after quitting"
        holder.wait(timeout=LOCK_SECONDS + 10)
    with tui(env, "--model", "demo/echo") as app:
        if not app.until("could not save"):
            return "the next start did not say it added the kept turn"
        problem = ended_well(app, app.quit())
    prompts = [c[0][2] for c in conversations(path)]
    if problem is None and prompts != ["before", "quit while it is locked"]:
        problem = f"the history holds {prompts}"
    return problem


# -- kill -9 during a save ----------------------------------------------------------------------------------

KILLS = 12
BLAST = "demo/blast-3000000"  # 3 M deltas: the answer grows to MBs, so each checkpoint is a long write


def kill9_ask(env: dict[str, str], args: argparse.Namespace) -> str | None:
    rng = random.Random(9)
    lost: list[float] = []
    largest = 0
    with DemoServer() as server:
        env = {**env, "SILICONFLOW_BASE_URL": server.base_url}
        path = history(env, demo=False)
        for round_ in range(KILLS):
            process = start_ask(env, "-m", BLAST, f"round {round_}", stdout=subprocess.PIPE)
            assert process.stdout is not None
            printed = process.stdout.read(1)
            started = time.monotonic()
            delay = rng.uniform(0.5, 4.0)
            os.set_blocking(process.stdout.fileno(), False)
            while time.monotonic() - started < delay:
                select.select([process.stdout], [], [], 0.05)
                printed += process.stdout.read() or b""
            process.kill()
            process.wait()
            printed += process.stdout.read() or b""
            rate = len(printed) / delay
            if integrity(path) != "ok":
                return f"round {round_}: integrity_check says {integrity(path)}"
            last = conversations(path)[-1]
            if last[0][2] != f"round {round_}":
                return f"round {round_}: the prompt is not in the history"
            saved, text = last[1][2] if len(last) > 1 else "", printed.decode(errors="replace")
            if not (text.startswith(saved) or saved.startswith(text)):  # stdout is buffered in a pipe
                return f"round {round_}: the saved answer is not what was printed"
            lost.append(max(0, len(printed) - len(saved.encode())) / rate)
            largest = max(largest, len(saved.encode()))
        listing = subprocess.run(
            [sys.executable, "-m", "siliconchat", "history"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        shown = subprocess.run(
            [sys.executable, "-m", "siliconchat", "export", "--last"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
    FIGURES.append(
        f"kill9-ask: {KILLS} kill -9 at 0.5-4 s, answers saved up to {largest / 1e6:.1f} MB; unsaved at the "
        f"kill: at most {max(lost):.2f} s of text"
    )
    if listing.returncode != 0 or len(listing.stdout.splitlines()) < KILLS or "Traceback" in listing.stderr:
        return f"history: exit {listing.returncode}: {listing.stderr[-300:]!r}"
    if shown.returncode != 0 or INTERRUPTED not in shown.stdout:
        return f"export --last does not say the answer was cut off: {shown.stdout[:300]!r}"
    return None


def kill9_tui(env: dict[str, str], args: argparse.Namespace) -> str | None:
    rng = random.Random(99)
    path = history(env, demo=True)
    for round_ in range(3):
        with tui(env, "--model", "demo/slow") as app:
            if not app.until("Ask anything"):
                return "the app did not start"
            app.write(f"round {round_}\r".encode())
            if not app.until("streaming"):
                return "the answer did not start"
            app.read(rng.uniform(1.0, 4.0))
            app.process.send_signal(signal.SIGKILL)
            app.wait(5)
        if integrity(path) != "ok":
            return f"integrity_check says {integrity(path)}"
        last = conversations(path)[-1]
        if last[0][2] != f"round {round_}" or len(last) < 2:
            return f"round {round_}: the history holds {last}"
    with tui(env, "--model", "demo/echo", "--continue") as app:
        if not app.until("cut off"):
            return "the reopened conversation does not say its answer was cut off"
        return ended_well(app, app.quit())


# -- a damaged database with a hot WAL ----------------------------------------------------------------------


def damaged_ask(env: dict[str, str], args: argparse.Namespace) -> str | None:
    path = history(env, demo=False)
    before = damaged_with_hot_wal(path)
    with DemoServer(pace=0) as server:
        result = ask({**env, "SILICONFLOW_BASE_URL": server.base_url}, "-m", "demo/echo", "after the damage")
    if result.returncode != 0 or result.stdout != "after the damage\n":
        return f"exit {result.returncode}, stdout {result.stdout!r}"
    problem = unclear(result.stderr, "damaged") or unclear(result.stderr, "history.damaged-")
    problem = problem or moved_set(path, before)
    if problem is None and [c[0][2] for c in conversations(path)] != ["after the damage"]:
        problem = "the new history does not hold the turn"
    return problem


def damaged_tui(env: dict[str, str], args: argparse.Namespace) -> str | None:
    path = history(env, demo=True)
    before = damaged_with_hot_wal(path)
    with tui(env, "--model", "demo/echo") as app:
        if not app.until("Ask anything"):
            return "the app did not start"
        if not app.until("damaged"):
            return "no word that the history was damaged"
        app.write(b"after the damage\r")
        app.read(2)
        problem = ended_well(app, app.quit())
    problem = problem or moved_set(path, before)
    if problem is None and [c[0][2] for c in conversations(path)] != ["after the damage"]:
        problem = "the new history does not hold the turn"
    return problem


SCENARIOS: dict[str, Check] = {
    "locked-ask": locked_ask,
    "locked-tui": locked_tui,
    "locked-tui-quit": locked_tui_quit,
    "kill9-ask": kill9_ask,
    "kill9-tui": kill9_tui,
    "damaged-ask": damaged_ask,
    "damaged-tui": damaged_tui,
}
