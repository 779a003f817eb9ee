"""History at scale (issue 20): 100,000 conversations and 2,000,000 messages, a 2,000-turn conversation,
and the idle CPU of a finished conversation.

Run alone: ``python benchmarks/bench_scale.py [--quick] [--repeats N] [--idle-seconds S] [--db PATH]``, or as
the ``scale`` part of ``benchmarks/run.py`` (it runs with ``history``, and alone with ``--only scale``).

The history is built once by ``gen_history.py`` (seed 20, about 25 minutes on 2 cores) at ``--db`` (default
``$SILICONCHAT_BENCH_CACHE`` or ``~/.cache/siliconchat-bench``, ``history-100k.db``) and reused; each app
sees it through a symlink in its own temporary XDG data folder (the app only reads it: nothing is sent).

Figures, each the median of ``--repeats`` fresh apps (5; 3 with ``--quick``):

* **pty** (the real ``siliconchat`` in a pty of 120x40, as ``run.py`` runs it, against a demo server
  process): launch → first full frame with the large history and with an empty one, alternately;
  launch → the sidebar's first row on screen (F9 sent at the first frame: the store is opened meanwhile);
  and the idle CPU (user+sys from ``/proc/PID/stat``) over ``--idle-seconds`` (60) after an answer finished.
* **Pilot** (``SiliconChatApp`` headless at 120x40, as ``bench_history_ui.py``; "on screen" is the first
  frame handed to the driver whose region shows the expected text): F9 → the newest row; Down in the
  list (the app's CPU per key, to its frame); a word typed in the search screen → its results, less the
  screen's debounce (a Latin word, a CJK word of 4 characters, CJK words of 2 characters — a rare one and a
  common one — and 1); Enter on the 2,000-turn conversation → its last turn; Home in it → its first turn.
* **store** calls alone, for reference (the same searches, a sidebar page, loading the long conversation).

Nothing is asserted here (timings are not tests).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import select
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
if str(REPO) not in sys.path[:1]:
    sys.path.insert(0, str(REPO))
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(1, str(BENCH_DIR))

import gen_history  # noqa: E402

READY = re.compile(rb"sk anything")  # the prompt's placeholder: the first full frame (as run.py)
FINISHED = re.compile(rb"stop(?![a-z])")  # the finish reason in the status line (not "stops")
CLK_TCK = os.sysconf("SC_CLK_TCK")
SEARCHES = {  # figure -> the word typed (see gen_history for their frequencies)
    "Latin word": gen_history.LATIN_WORD,
    "CJK word of 4 characters": gen_history.CJK_WORD,
    "CJK word of 2 characters (rare)": gen_history.CJK_RARE,
    "CJK word of 2 characters (common)": "的一",
    "CJK character (common)": "的",
}
TARGETS = {  # figure (prefix) -> (target text, limit in seconds)
    "launch → first frame, 100,000 conversations": ("≤ 0.5 s", 0.5),
    "launch → first frame, empty history": ("≤ 0.5 s", 0.5),
    "sidebar opens": ("≤ 100 ms", 0.1),
    "sidebar arrow key (app CPU)": ("≤ 16 ms (a frame)", 1 / 60),
    "search: Latin word": ("≤ 100 ms", 0.1),
    "search: CJK word of 4 characters": ("≤ 100 ms", 0.1),
    "search: CJK word of 2 characters": ("≤ 300 ms", 0.3),
    "search: CJK character": ("≤ 300 ms", 0.3),
    "2,000 turns: reopen → last screen": ("≤ 300 ms", 0.3),
    "2,000 turns: Home → first turn": ("≤ 100 ms", 0.1),
    "idle CPU": ("≤ 0.2 %", 0.002),
}


def default_db() -> Path:
    folder = os.environ.get("SILICONCHAT_BENCH_CACHE") or os.path.expanduser("~/.cache/siliconchat-bench")
    return Path(folder) / "history-100k.db"


def ensure_db(path: Path) -> Path:
    """The large history at ``path``, built by gen_history.py when it is not there yet."""
    if not path.exists():
        print(f"building {path} (once; about 25 minutes)…", file=sys.stderr, flush=True)
        partial = path.with_name(path.name + ".building")
        for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            leftover.unlink(missing_ok=True)
        gen_history.build(partial, 100_000, 2_000_000, 2000, 20)
        partial.rename(path)
    return path


@contextlib.contextmanager
def xdg_home(db: Path | None) -> Iterator[dict[str, str]]:
    """Temporary XDG folders (as environment variables), the history a symlink to ``db`` (None: empty)."""
    with tempfile.TemporaryDirectory(prefix="siliconchat-scale-") as folder:
        env = {f"XDG_{n}_HOME": str(Path(folder) / n.lower()) for n in ("CONFIG", "DATA", "CACHE", "STATE")}
        if db is not None:
            data = Path(env["XDG_DATA_HOME"]) / "siliconchat"
            data.mkdir(parents=True)
            (data / "history.db").symlink_to(db.resolve())
        yield env


# -- the real app in a pty ---------------------------------------------------------------------------------


class Pty:
    """``siliconchat`` in a pty of 120x40 (TERM=xterm-256color), reading everything it writes."""

    def __init__(self, env: dict[str, str], base_url: str, key: str) -> None:
        import fcntl
        import struct
        import termios

        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        full = {
            k: v for k, v in os.environ.items() if not k.startswith(("SILICONCHAT_", "SILICONFLOW_", "XDG_"))
        }
        full.update(env, TERM="xterm-256color", COLORTERM="truecolor", PYTHONPATH=str(REPO))
        full.update(SILICONFLOW_API_KEY=key, SILICONFLOW_BASE_URL=base_url)
        self.master = master
        self.out = bytearray()
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "siliconchat"],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=full,
            cwd=REPO,
            start_new_session=True,
        )
        os.close(slave)

    def wait_for(self, pattern: re.Pattern[bytes], start: int, timeout: float) -> float | None:
        """Read until ``pattern`` shows at or after offset ``start``: when it was read (None: not in time)."""
        deadline = time.perf_counter() + timeout
        while pattern.search(self.out, max(0, start - 64)) is None:
            left = deadline - time.perf_counter()
            if left <= 0:
                return None
            if select.select([self.master], [], [], min(left, 0.05))[0]:
                try:
                    self.out += os.read(self.master, 1 << 20)
                except OSError:
                    return None
        return time.perf_counter()

    def drain(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            self.wait_for(re.compile(rb"(?!x)x"), len(self.out), seconds)

    def send(self, data: str) -> None:
        os.write(self.master, data.encode())

    def cpu(self) -> float:
        with open(f"/proc/{self.proc.pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.send("\x11")  # ctrl+q
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        with contextlib.suppress(OSError):
            os.close(self.master)


class DemoServer:
    """``python -m siliconchat.demo --port 0`` in its own process (its CPU is not the app's)."""

    def __enter__(self) -> DemoServer:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "siliconchat.demo", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        assert self.proc.stdout is not None
        match = re.search(r"listening on (\S+)", self.proc.stdout.readline())
        if match is None:
            self.proc.kill()
            raise RuntimeError("the demo server did not start")
        self.url = match.group(1)
        from siliconchat.demo.server import DEMO_API_KEY

        self.key = DEMO_API_KEY
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(5)


def pty_figures(db: Path, repeats: int, idle_seconds: float) -> dict[str, Any]:
    launch_big: list[float] = []
    launch_empty: list[float] = []
    sidebar_after_launch: list[float] = []
    idle: list[float] = []
    title = re.compile(re.escape(gen_history.LONG_TITLE.encode()))
    with DemoServer() as server:
        for _ in range(repeats):
            for history, samples in ((db, launch_big), (None, launch_empty)):
                with xdg_home(history) as env:
                    app = Pty(env, server.url, server.key)
                    try:
                        shown = app.wait_for(READY, 0, 30)
                        if shown is not None:
                            samples.append(shown - app.started)
                        if history is not None and shown is not None:
                            app.send("\x1b[20~")  # F9 at the first frame
                            listed = app.wait_for(title, len(app.out), 120)
                            if listed is not None:
                                sidebar_after_launch.append(listed - app.started)
                    finally:
                        app.close()
        for _ in range(max(1, repeats // 2) if idle_seconds >= 30 else repeats):
            with xdg_home(None) as env:
                app = Pty(env, server.url, server.key)
                try:
                    app.wait_for(READY, 0, 30)
                    start = len(app.out)
                    app.send("hello\r")
                    if app.wait_for(FINISHED, start, 60) is None:
                        continue
                    app.drain(0.5)  # the last frames of the answer
                    cpu0, t0 = app.cpu(), time.perf_counter()
                    app.drain(idle_seconds)
                    idle.append((app.cpu() - cpu0) / (time.perf_counter() - t0))
                finally:
                    app.close()
    return {
        "launch → first frame, 100,000 conversations": launch_big,
        "launch → first frame, empty history": launch_empty,
        "launch → sidebar's first row (F9 at the first frame)": sidebar_after_launch,
        "idle CPU": idle,
    }


# -- the app under Pilot -------------------------------------------------------------------------------------


async def _one_app(out: dict[str, list[float]], notes: set[str]) -> None:
    from bench_history_ui import Frames, _until, screen_text, time_arrow_keys, time_sidebar_open

    from siliconchat.config import Config
    from siliconchat.demo.server import DemoServer as InProcessServer
    from siliconchat.runtime import demo_settings
    from siliconchat.ui.app import SiliconChatApp
    from siliconchat.ui.screens import search as search_module

    server = InProcessServer(pace=0).start()
    try:
        app = SiliconChatApp(
            demo_settings(Config(), server, model="deepseek-ai/DeepSeek-R1", system_prompt=None)
        )
        async with app.run_test(size=(120, 40)) as pilot:
            frames = Frames(app)
            await app.history.wait()
            # The sidebar is mounted hidden and filled once the history is open (a user presses F9 later).
            await _until(lambda: app.history.sidebar is not None and app.history.sidebar.loaded)
            await pilot.pause()
            # The sidebar.
            frames.probe = lambda: bool(
                app.history.sidebar is not None
                and gen_history.LONG_TITLE in screen_text(app, app.history.sidebar)
            )
            out["sidebar opens (F9 → first row on screen)"].append(await time_sidebar_open(pilot, frames))
            await pilot.pause()
            sidebar = app.history.sidebar
            assert sidebar is not None
            option_list = sidebar.list
            await time_arrow_keys(
                pilot,
                frames,
                option_list,
                out["sidebar arrow key (app CPU)"],
                out["sidebar arrow key (to frame)"],
            )
            # Reopen the long conversation (the newest: the first row).
            option_list.highlighted = 0
            await pilot.pause()
            screen = app.screen
            frames.probe = lambda: gen_history.LONG_LAST_MARK in screen_text(app, screen.view)  # type: ignore[attr-defined]
            t0 = time.perf_counter()
            await pilot.press("enter")
            out["2,000 turns: reopen → last screen shown"].append(await frames.wait_after(t0) - t0)
            await _until(lambda: not any(w.group == "history-open" and w.is_running for w in app.workers))
            await pilot.pause()
            screen.view.focus()  # type: ignore[attr-defined]
            await pilot.pause()
            frames.probe = lambda: gen_history.LONG_FIRST_MARK in screen_text(app, screen.view)  # type: ignore[attr-defined]
            t0 = time.perf_counter()
            await pilot.press("home")
            try:
                out["2,000 turns: Home → first turn shown"].append(
                    await frames.wait_after(t0, timeout=5) - t0
                )
            except TimeoutError:
                out.setdefault("2,000 turns: Home → first turn not shown within 5 s", []).append(5.0)
            # Search.
            for name, word in SEARCHES.items():
                app.history.search()
                await _until(lambda: isinstance(app.screen, search_module.SearchScreen))
                await pilot.pause()
                search_screen = app.screen
                if len(word) > 1:
                    await pilot.press(*word[:-1])
                done = search_screen.searches  # type: ignore[attr-defined]
                # The frame after the search ended: its results (or "0 matches" for a rare word that a
                # bounded scan did not reach) are on screen.
                frames.probe = lambda done=done, found=search_screen: found.searches > done  # type: ignore[attr-defined]
                t0 = time.perf_counter()
                await pilot.press(word[-1])
                drawn = await frames.wait_after(t0)
                out[f"search: {name}"].append(drawn - t0 - search_module.DEBOUNCE)
                notes.add(f"{name}: {search_screen.query_one('#search-status').render()}")
                await pilot.press("escape")
                await pilot.pause()
    finally:
        server.stop()


def pilot_figures(db: Path, repeats: int, notes: set[str]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for key in (
        "sidebar opens (F9 → first row on screen)",
        "sidebar arrow key (app CPU)",
        "sidebar arrow key (to frame)",
        "2,000 turns: reopen → last screen shown",
        "2,000 turns: Home → first turn shown",
        *(f"search: {name}" for name in SEARCHES),
    ):
        out[key] = []
    saved = {
        k: os.environ.get(k) for k in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")
    }
    try:
        for _ in range(repeats):
            with xdg_home(db) as env:
                os.environ.update(env)
                asyncio.run(_one_app(out, notes))
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return out


# -- the store alone -----------------------------------------------------------------------------------------


def store_figures(db: Path, repeats: int) -> dict[str, list[float]]:
    from siliconchat.core.history import HistoryStore

    out: dict[str, list[float]] = {}

    def timed(name: str, call: Callable[[], object]) -> None:
        call()  # warm, as a running app is
        for _ in range(repeats):
            t0 = time.perf_counter()
            call()
            out.setdefault(f"store: {name}", []).append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    store = HistoryStore.open(db)
    out["store: open (the check included)"] = [time.perf_counter() - t0]
    try:
        first = store.list_conversations(100)
        long_id = first[0].id
        timed("sidebar page (first 100)", lambda: store.list_conversations(100))
        middle = store.list_conversations(1, store.count() // 2)[0]
        timed("sidebar page (the middle of the list)", lambda: store.list_conversations(100, after=middle))
        timed("load the 2,000-turn conversation", lambda: store.load(long_id))
        for name, word in SEARCHES.items():
            timed(f"search {name}", lambda word=word: store.search(word, limit=100))
    finally:
        store.close()
    return out


# -- all of it -------------------------------------------------------------------------------------------------


def measure(
    quick: bool, repeats: int | None = None, idle_seconds: float = 60.0, db: Path | None = None
) -> dict[str, Any]:
    import compileall

    repeats = repeats or (3 if quick else 5)
    path = ensure_db(db or default_db())
    # Bytecode for the app, as pip makes it for an installed package (as run.py does): under
    # PYTHONDONTWRITEBYTECODE every launch would otherwise compile every module again.
    compileall.compile_dir(REPO / "siliconchat", quiet=1)
    started = time.perf_counter()
    samples: dict[str, list[float]] = {}
    samples.update(store_figures(path, repeats))
    notes: set[str] = set()
    samples.update(pilot_figures(path, repeats, notes))
    samples.update(pty_figures(path, repeats, idle_seconds))
    return {
        "db": str(path),
        "db_mb": path.stat().st_size / 1e6,
        "repeats": repeats,
        "idle_seconds": idle_seconds,
        "seconds": time.perf_counter() - started,
        "load_average": os.getloadavg(),
        "search_status": sorted(notes),
        "samples": samples,
    }


def _target(name: str) -> tuple[str, float] | None:
    return next((t for prefix, t in TARGETS.items() if name.startswith(prefix)), None)


def scale_rows(row_class: Any, parts: set[str], quick: bool) -> list[Any]:
    """``benchmarks/run.py``'s rows (``row_class`` is its ``Row``): with the ``history`` or ``scale`` part."""
    if not parts & {"history", "scale"}:
        return []
    try:
        result = measure(quick)
    except Exception as exc:  # a benchmark part that fails says so in its row
        return [row_class("scale (issue 20)", "s", None, note=f"failed: {type(exc).__name__}: {exc}")]
    return rows_of(row_class, result)


def rows_of(row_class: Any, result: dict[str, Any]) -> list[Any]:
    rows = []
    for name, values in result["samples"].items():
        if not values:
            rows.append(row_class(f"scale: {name}", "s", None, note="not measured"))
            continue
        unit = "%" if name == "idle CPU" else ("ms" if statistics.median(values) < 1 else "s")
        row = row_class(f"scale: {name}", unit, list(values))
        target = _target(name)
        if target is not None:
            row.target, row.passed = target[0], statistics.median(values) <= target[1]
        spread = (max(values) - min(values)) / statistics.median(values) if statistics.median(values) else 0
        row.note = f"spread (max-min)/median {spread:.0%}"
        if name == "idle CPU":
            row.note += f"; {result['idle_seconds']:.0f} s after an answer finished"
        rows.append(row)
    if rows:
        rows[0].note += f"; {result['db_mb']:,.0f} MB history, load average {result['load_average'][0]:.1f}"
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int)
    parser.add_argument("--idle-seconds", type=float, default=60.0)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = measure(args.quick, args.repeats, args.idle_seconds, args.db)
    width = max(len(name) for name in result["samples"])
    for name, values in result["samples"].items():
        target = _target(name)
        if not values:
            print(f"{name:<{width}}  not measured")
            continue
        med = statistics.median(values)
        shown = f"{med * 100:.3f} %" if name == "idle CPU" else f"{med * 1000:9.1f} ms"
        print(
            f"{name:<{width}}  {shown}  (min {min(values) * 1000:.1f}, max {max(values) * 1000:.1f}, "
            f"n {len(values)})  {target[0] if target else ''}"
        )
    for note in result["search_status"]:
        print("  ", note)
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
