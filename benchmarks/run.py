#!/usr/bin/env python3
"""siliconchat's benchmark suite (issue 6): the real TUI in a real terminal against the bare SDK floor.

Usage (from the repository root, with siliconchat installed, e.g. ``pip install -e .``)::

    python benchmarks/run.py                      # the full run (about 5-10 minutes on 2 cores)
    python benchmarks/run.py --quick              # one repeat, 10 s at 100 deltas/s (about 2 minutes)
    python benchmarks/run.py --repeats 5 --json /tmp/bench.json

What one run measures, side by side and as ratios (the targets are in the table it prints):

1. **The floor**: a bare ``AsyncOpenAI`` streaming loop (``async for chunk in stream``, reading
   ``delta.reasoning_content`` and ``delta.content``), in its own process, reading the same stream from the
   same demo server, for every workload.
2. **The real TUI in a real terminal**: ``siliconchat`` spawned in a pty of 120x40 (TERM=xterm-256color,
   COLORTERM=truecolor), pointed at the demo server by ``SILICONFLOW_BASE_URL``. The harness waits for the
   first full frame (the prompt's placeholder), types the prompt, sends Enter (t0), and reads the pty until
   the status line shows the finish reason ``stop`` (t1). The blast text has no unique last delta, and the
   app writes ``stop`` in the same refresh as its final full render of the answer, so ``stop`` on screen
   means "the last delta is on screen". Workloads: 5,000, 20,000 and 80,000 answer deltas, and 20,000
   reasoning + 20,000 answer deltas. Also: the app's CPU time (user+sys from /proc/PID/stat) over t0..t1,
   its peak RSS (VmHWM), the bytes it wrote to the terminal, and the token count shown (a completeness check).
3. **Key responsiveness** during a 20,000-delta blast: characters (``§``, ``¶`` …, which never occur in the
   blast) are typed into the prompt one at a time mid-stream; the latency is the time until the character
   is written to the terminal.
4. **Launch to first frame** (spawn to the prompt's placeholder on screen, from every app run) and
   ``siliconchat --version`` (wall time, repeated).
5. **CPU at a realistic 100 deltas/s** (a second demo server with ``--pace 0.01``) for 30 s (10 s with
   ``--quick``): the app's CPU time over a window that starts 2 s after Enter, as a share of one core; and
   the floor's over a window as long, reading the same paced stream (and the ratio of the two).
6. **History figures**: ``benchmarks/bench_history.py`` is run if it exists (see benchmarks/README.md for
   its contract: ``--json PATH`` and ``--quick``); otherwise they are reported as "not measured yet".
7. **Structured answers** (issue 15): ``benchmarks/bench_structured.py`` (a long list, table, code block,
   paragraphs and line: each against the floor, with key latency, Ctrl+Q and reopen), its rows as they are.

The siliconchat measured is this checkout's: the repository goes first on ``PYTHONPATH`` for every child
(an editable install of another checkout, such as a git worktree's main tree, would otherwise win).

The app's own modules are compiled to bytecode first, as ``pip install`` does for an installed package (an
editable install under ``PYTHONDONTWRITEBYTECODE`` otherwise compiled every module at every launch: ~0.1 s).

The demo servers run in separate processes (so they do not compete for the app's GIL). Every app run gets
its own temporary XDG_CONFIG_HOME / XDG_DATA_HOME / XDG_CACHE_HOME / XDG_STATE_HOME. Every wait is bounded:
an app that does not finish a workload in time is reported as "> N s". Child processes are always killed.

Output: a table (median, min, max over repeats, target, PASS/FAIL) on stdout, and JSON with the machine's
description in ``benchmarks/results/latest.json`` (``--json`` to change), plus the same table as Markdown in
``benchmarks/results/latest.md``. The machine is shared and noisy: compare ratios within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import datetime as _dt
import errno
import fcntl
import json
import os
import platform
import re
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import bench_scale

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
COLS, ROWS = 120, 40
PROMPT = "benchmark"
# The first full frame: the prompt's placeholder ("Ask anything…"). Its first letter is drawn under the
# cursor (styled apart), so the marker skips it.
READY = re.compile(rb"sk anything")
PACED_WARMUP = 2.0  # seconds after Enter (or the request) before the 100 deltas/s window starts
# The finish reason in the status line (bold "stop"); "stopped" is the state of a cancelled answer.
FINISHED = re.compile(rb"stop(?!ped)")
ANSWER_COUNT = re.compile(rb"answer (\d+)")
# Characters typed mid-stream to measure key latency: none of them occurs in a blast or the app's chrome.
PROBE_CHARS = "§¶¤¥£¢±÷µ¬¦¿ÆØÞßæðøþ"
CLK_TCK = os.sysconf("SC_CLK_TCK")

# --------------------------------------------------------------------------------------------------------------
# Child processes: registered so that they are always killed
# --------------------------------------------------------------------------------------------------------------

_CHILDREN: list[subprocess.Popen[Any]] = []
_TEMP_DIRS: list[str] = []


def _kill(proc: subprocess.Popen[Any], grace: float = 2.0) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(5)
    with contextlib.suppress(ValueError):
        _CHILDREN.remove(proc)


def _cleanup() -> None:
    for proc in list(_CHILDREN):
        _kill(proc, grace=0.5)
    for path in _TEMP_DIRS:
        shutil.rmtree(path, ignore_errors=True)
    _TEMP_DIRS.clear()


def _on_signal(signum: int, _frame: object) -> None:
    _cleanup()
    raise SystemExit(128 + signum)


def _spawn(argv: Sequence[str], **kwargs: Any) -> subprocess.Popen[Any]:
    proc = subprocess.Popen(list(argv), **kwargs)
    _CHILDREN.append(proc)
    return proc


def _temp_dir(prefix: str) -> str:
    path = tempfile.mkdtemp(prefix=prefix)
    _TEMP_DIRS.append(path)
    return path


# --------------------------------------------------------------------------------------------------------------
# Demo servers
# --------------------------------------------------------------------------------------------------------------


def demo_key() -> str:
    from siliconchat.demo.server import DEMO_API_KEY

    return DEMO_API_KEY


class Server:
    """``python -m siliconchat.demo --port 0 --pace P`` in its own process."""

    def __init__(self, pace: float) -> None:
        self.pace = pace
        self.proc = _spawn(
            [sys.executable, "-m", "siliconchat.demo", "--port", "0", "--pace", str(pace)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=REPO,
        )
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        line = self.proc.stdout.readline() if ready else ""
        match = re.search(r"listening on (\S+)", line)
        if not match:
            _kill(self.proc)
            raise RuntimeError(f"the demo server did not start: {line!r}")
        self.url = match.group(1)

    def close(self) -> None:
        _kill(self.proc)


# --------------------------------------------------------------------------------------------------------------
# The floor: a bare AsyncOpenAI loop, in its own process
# --------------------------------------------------------------------------------------------------------------


async def _floor_main(url: str, key: str, model: str) -> dict[str, Any]:
    from openai import AsyncOpenAI

    client = AsyncOpenAI(api_key=key, base_url=url, max_retries=0)
    messages: Any = [{"role": "user", "content": PROMPT}]
    warm = await client.chat.completions.create(model="demo/blast-10", messages=messages, stream=True)
    async for _chunk in warm:  # open the connection first, as the app has (its balance request)
        pass
    reasoning = answer = 0
    cpu0, t0 = time.process_time(), time.perf_counter()
    stream = await client.chat.completions.create(model=model, messages=messages, stream=True)
    async for chunk in stream:
        if chunk.choices:
            delta = chunk.choices[0].delta
            if getattr(delta, "reasoning_content", None):
                reasoning += 1
            if delta.content:
                answer += 1
    t1, cpu1 = time.perf_counter(), time.process_time()
    await client.close()
    return {"wall": t1 - t0, "cpu": cpu1 - cpu0, "reasoning": reasoning, "answer": answer}


async def _floor_paced_main(url: str, key: str, seconds: float) -> dict[str, Any]:
    """The floor at the server's pace: this process's CPU over ``seconds``, from PACED_WARMUP after the request."""
    from openai import AsyncOpenAI

    client = AsyncOpenAI(api_key=key, base_url=url, max_retries=0)
    messages: Any = [{"role": "user", "content": PROMPT}]
    count = int(100 * (seconds + PACED_WARMUP + 5))  # the stream outlasts the window
    sent = time.perf_counter()
    stream = await client.chat.completions.create(model=f"demo/blast-{count}", messages=messages, stream=True)
    cpu0 = t0 = cpu1 = t1 = None
    seen = 0
    async for chunk in stream:
        if chunk.choices:
            delta = chunk.choices[0].delta
            if getattr(delta, "reasoning_content", None) or delta.content:
                seen += 1
        now = time.perf_counter()
        if t0 is None:
            if now - sent >= PACED_WARMUP:
                cpu0, t0, seen = time.process_time(), now, 0
        elif now - t0 >= seconds:
            cpu1, t1 = time.process_time(), now
            break
    await stream.close()
    await client.close()
    if cpu0 is None or cpu1 is None or t0 is None or t1 is None:
        return {"error": "the stream ended before the window did"}
    return {"cpu_share": (cpu1 - cpu0) / (t1 - t0), "window_s": t1 - t0, "deltas_per_s": seen / (t1 - t0)}


def run_paced_floor(server: Server, seconds: float) -> dict[str, Any]:
    argv = [sys.executable, __file__, "--floor-paced-child", server.url, str(seconds)]
    proc = _spawn(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    try:
        out, err = proc.communicate(timeout=seconds + PACED_WARMUP + 60)
    except subprocess.TimeoutExpired:
        return {"error": "timed out"}
    finally:
        _kill(proc)
    if proc.returncode != 0:
        return {"error": f"the floor failed: {err.strip()[-300:]}"}
    return dict(json.loads(out))


def run_floor(server: Server, model: str, timeout: float) -> dict[str, Any]:
    argv = [sys.executable, __file__, "--floor-child", server.url, model]
    proc = _spawn(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"wall": None, "timeout": timeout}
    finally:
        _kill(proc)
    if proc.returncode != 0:
        raise RuntimeError(f"the floor failed: {err.strip()[-2000:]}")
    return json.loads(out)


# --------------------------------------------------------------------------------------------------------------
# The app in a pty
# --------------------------------------------------------------------------------------------------------------


def use_this_tree() -> None:
    """Put this checkout first on the import path of this process and of every child it starts."""
    if sys.path[:1] != [str(REPO)]:
        sys.path.insert(0, str(REPO))
    paths = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    if paths[:1] != [str(REPO)]:
        os.environ["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, paths)])


def compile_app() -> None:
    """Bytecode for the siliconchat being measured (the one ``import siliconchat`` finds), as pip makes it."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("siliconchat")
    for location in (spec.submodule_search_locations or []) if spec is not None else []:
        compileall.compile_dir(location, quiet=1)


def app_command() -> list[str]:
    """The installed ``siliconchat`` script next to this interpreter (not a pyenv shim), else ``-m``."""
    script = Path(sys.executable).with_name("siliconchat")
    if script.exists():
        return [str(script)]
    found = shutil.which("siliconchat")
    if found and "shims" not in found:
        return [found]
    return [sys.executable, "-m", "siliconchat"]


def app_env(base_url: str, home: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SILICONCHAT_", "SILICONFLOW_", "TEXTUAL", "XDG_", "PYTHONPROFILE"))
        and k not in ("NO_COLOR", "TMUX", "STY", "COLUMNS", "LINES")
    }
    for name in ("CONFIG", "DATA", "CACHE", "STATE"):
        path = os.path.join(home, name.lower())
        os.makedirs(path, exist_ok=True)
        env[f"XDG_{name}_HOME"] = path
    env.update(
        TERM="xterm-256color",
        COLORTERM="truecolor",
        COLUMNS=str(COLS),
        LINES=str(ROWS),
        SILICONFLOW_API_KEY=demo_key(),
        SILICONFLOW_BASE_URL=base_url,
    )
    return env


def _proc_cpu(pid: int) -> float | None:
    """User + system CPU seconds of ``pid`` (all its threads)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def _proc_status(pid: int, key: str) -> int | None:
    """A ``kB`` field of /proc/PID/status, in bytes."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


class PtyApp:
    """``siliconchat`` running in a pty of COLS x ROWS; the harness reads everything it writes."""

    KEEP = 256 * 1024  # bytes of output kept for searching (older output is dropped)

    def __init__(self, model: str, base_url: str, extra: Sequence[str] = (), home: str | None = None) -> None:
        # ``home`` (XDG folders) may be shared by successive apps (a reopen); its owner then removes it.
        self.home = home or _temp_dir("siliconchat-bench-")
        self.owns_home = home is None
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        self.master = master
        self.buf = bytearray()
        self.base = 0  # absolute offset of buf[0]
        self.closed = False

        def controlling_tty() -> None:  # runs in the child: make the pty its controlling terminal
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.t_spawn = time.perf_counter()
        self.proc = _spawn(
            [*app_command(), "--model", model, *extra],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=app_env(base_url, self.home),
            cwd=self.home,
            preexec_fn=controlling_tty,
            close_fds=True,
        )
        os.close(slave)
        self.pid = self.proc.pid

    # -- reading ------------------------------------------------------------------------------

    @property
    def end(self) -> int:
        """Absolute offset of the end of the output read so far."""
        return self.base + len(self.buf)

    def pump(self, timeout: float) -> bool:
        """Read what is available (waiting at most ``timeout``); False once the app closed the pty."""
        if self.closed:
            time.sleep(max(0.0, timeout))
            return False
        ready, _, _ = select.select([self.master], [], [], max(0.0, timeout))
        if not ready:
            return True
        try:
            data = os.read(self.master, 1 << 20)
        except OSError as exc:
            if exc.errno != errno.EIO:
                raise
            data = b""
        if not data:
            self.closed = True
            return False
        self.buf += data
        if len(self.buf) > 4 * self.KEEP:
            drop = len(self.buf) - self.KEEP
            del self.buf[:drop]
            self.base += drop
        return True

    def search(self, pattern: re.Pattern[bytes], start: int) -> re.Match[bytes] | None:
        return pattern.search(self.buf, max(0, start - self.base))

    def wait_for(
        self,
        pattern: re.Pattern[bytes],
        start: int,
        timeout: float,
        tick: Callable[[], None] | None = None,
        overlap: int = 64,
    ) -> float | None:
        """Read until ``pattern`` occurs at or after absolute offset ``start``: the time it was read, or None.

        Only new output is searched (with ``overlap`` bytes of the old). ``tick`` runs between reads.
        """
        deadline = time.perf_counter() + timeout
        scanned = start
        while True:
            if self.search(pattern, scanned) is not None:
                return time.perf_counter()
            scanned = max(start, self.end - overlap)
            now = time.perf_counter()
            if now >= deadline or (self.closed and self.proc.poll() is not None):
                return None
            if tick is not None:
                tick()
            self.pump(min(0.005 if tick else 0.05, deadline - now))

    def drain(self, seconds: float) -> None:
        deadline = time.perf_counter() + seconds
        while (now := time.perf_counter()) < deadline:
            self.pump(deadline - now)

    def last_int(self, pattern: re.Pattern[bytes], start: int) -> int | None:
        found = None
        for match in pattern.finditer(self.buf, max(0, start - self.base)):
            found = int(match.group(1))
        return found

    # -- writing and the process -----------------------------------------------------------------

    def send(self, data: str | bytes) -> None:
        os.write(self.master, data.encode() if isinstance(data, str) else data)

    def cpu(self) -> float | None:
        return _proc_cpu(self.pid)

    def peak_rss(self) -> int | None:
        return _proc_status(self.pid, "VmHWM")

    def close(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(OSError):
                self.send("\x11")  # ctrl+q
            deadline = time.perf_counter() + 3
            while self.proc.poll() is None and time.perf_counter() < deadline:
                self.pump(0.05)
        _kill(self.proc, grace=1.0)
        with contextlib.suppress(OSError):
            os.close(self.master)
        if self.owns_home:
            shutil.rmtree(self.home, ignore_errors=True)
            with contextlib.suppress(ValueError):
                _TEMP_DIRS.remove(self.home)


def start_app(model: str, base_url: str, timeout: float = 30.0) -> tuple[PtyApp, float | None]:
    """Spawn the app and wait for its first full frame: the app and the launch time (None if none came)."""
    app = PtyApp(model, base_url)
    shown = app.wait_for(READY, 0, timeout)
    return app, (shown - app.t_spawn) if shown is not None else None


def type_prompt(app: PtyApp) -> None:
    start = app.end
    app.send(PROMPT)
    app.wait_for(re.compile(re.escape(PROMPT.encode())), start, 5)


class KeyProbe:
    """Types PROBE_CHARS into the app one at a time and times each until it is written to the pty.

    Call :meth:`tick` between reads: it sends the next character once ``first_at`` has passed and ``gap``
    seconds after the previous one showed; a character not shown within 5 s counts as lost (``None``).
    ``chars`` must not occur in what the app shows otherwise.
    """

    def __init__(self, app: PtyApp, first_at: float, chars: str = PROBE_CHARS, gap: float = 0.25) -> None:
        self.app = app
        self.chars = chars
        self.gap = gap
        self.next = first_at
        self.pending: tuple[re.Pattern[bytes], float, int] | None = None
        self.sent = 0
        self.done = False
        self.latencies: list[float | None] = []

    def tick(self) -> None:
        now = time.perf_counter()
        if self.pending is not None:
            pattern, sent_at, offset = self.pending
            if self.app.search(pattern, offset) is not None:
                self.latencies.append(now - sent_at)
                self.pending = None
                self.next = now + self.gap
            elif now - sent_at > 5:
                self.latencies.append(None)  # not shown within 5 s
                self.pending = None
                self.next = now + self.gap
        elif not self.done and now >= self.next and self.sent < len(self.chars):
            char = self.chars[self.sent]
            self.sent += 1
            self.pending = (re.compile(re.escape(char.encode())), now, self.app.end)
            self.app.send(char)

    def finish(self) -> None:
        """Send no more; wait (up to its 5 s) for a character already sent to show."""
        self.done = True
        if self.pending is not None:
            pattern, sent_at, offset = self.pending
            self.pending = None
            seen = self.app.wait_for(pattern, offset, max(0.0, 5 - (time.perf_counter() - sent_at)))
            self.latencies.append(seen - sent_at if seen is not None else None)


@dataclass
class AppRun:
    wall: float | None  # t0 (Enter) .. t1 (finish reason on screen); None: timed out
    cpu: float | None
    peak_rss: int | None
    launch: float | None
    output_bytes: int
    answer_tokens: int | None
    timeout: float
    probes: list[float | None] = field(default_factory=list)
    probes_sent_while_streaming: int = 0
    error: str | None = None


def run_app(
    model: str, base_url: str, timeout: float, *, probe: bool = False, launches: list[float] | None = None
) -> AppRun:
    app, launch = start_app(model, base_url)
    try:
        if launches is not None and launch is not None:
            launches.append(launch)
        if launch is None:
            return AppRun(None, None, None, None, 0, None, timeout, error="no first frame in 30 s")
        type_prompt(app)
        app.drain(0.2)
        cpu0 = app.cpu()
        start = app.end
        t0 = time.perf_counter()
        app.send("\r")
        key_probe = KeyProbe(app, t0 + 0.3) if probe else None
        shown = app.wait_for(FINISHED, start, timeout, tick=key_probe.tick if key_probe else None)
        cpu1 = app.cpu()
        rss = app.peak_rss()
        if key_probe is not None:
            key_probe.finish()
        app.drain(0.1)
        tokens = app.last_int(ANSWER_COUNT, start)
        error = None
        if shown is None:
            error = "exited" if app.proc.poll() is not None else f"timed out after {timeout:.0f} s"
        return AppRun(
            wall=(shown - t0) if shown is not None else None,
            cpu=(cpu1 - cpu0) if cpu0 is not None and cpu1 is not None and shown is not None else None,
            peak_rss=rss,
            launch=launch,
            output_bytes=app.end - start,
            answer_tokens=tokens,
            timeout=timeout,
            probes=key_probe.latencies if key_probe else [],
            probes_sent_while_streaming=key_probe.sent if key_probe else 0,
            error=error,
        )
    finally:
        app.close()


def run_paced(base_url: str, seconds: float, launches: list[float]) -> dict[str, Any]:
    """The app's CPU share at the server's pace (100 deltas/s) over ``seconds``, from 2 s after Enter."""
    warmup = PACED_WARMUP
    count = int(100 * (seconds + warmup + 5))  # the stream outlasts the window
    app, launch = start_app(f"demo/blast-{count}", base_url)
    try:
        if launch is None:
            return {"error": "no first frame in 30 s"}
        launches.append(launch)
        type_prompt(app)
        app.drain(0.2)
        start = app.end
        t0 = time.perf_counter()
        app.send("\r")
        app.drain(warmup)
        cpu1, w1, n1, end1 = app.cpu(), time.perf_counter(), app.last_int(ANSWER_COUNT, start), app.end
        app.drain(seconds)
        cpu2, w2, n2, end2 = app.cpu(), time.perf_counter(), app.last_int(ANSWER_COUNT, start), app.end
        finished = app.search(FINISHED, start) is not None
        out = {
            "window_s": w2 - w1,
            "cpu_s": (cpu2 - cpu1) if cpu1 is not None and cpu2 is not None else None,
            "deltas_shown": (n2 - n1) if n1 is not None and n2 is not None else None,
            "finished_early": finished,
            "since_enter_s": w1 - t0,
            "output_bytes": end2 - end1,  # written to the terminal over the window
        }
        if out["cpu_s"] is not None:
            out["cpu_share"] = out["cpu_s"] / out["window_s"]
        if out["deltas_shown"] is not None:
            out["deltas_per_s"] = out["deltas_shown"] / out["window_s"]
        app.send("\x1b")  # stop the answer
        app.drain(0.3)
        return out
    finally:
        app.close()


def run_version(repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        proc = _spawn([*app_command(), "--version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            out, _ = proc.communicate(timeout=30)
        finally:
            _kill(proc)
        times.append(time.perf_counter() - t0)
        if proc.returncode != 0 or b"siliconchat" not in out:
            raise RuntimeError(f"siliconchat --version failed: {out!r}")
    return times


# --------------------------------------------------------------------------------------------------------------
# History figures (benchmarks/bench_history.py, written separately)
# --------------------------------------------------------------------------------------------------------------


def run_history(quick: bool, timeout: float) -> dict[str, Any]:
    return run_script("bench_history.py", quick, timeout)


def run_script(name: str, quick: bool, timeout: float) -> dict[str, Any]:
    """Run ``benchmarks/NAME --json PATH [--quick]``: its JSON as ``data`` when ``status`` is "measured"."""
    script = BENCH_DIR / name
    if not script.exists():
        return {"status": "not measured yet", "reason": f"benchmarks/{name} does not exist"}
    out_path = os.path.join(_temp_dir("siliconchat-bench-script-"), "result.json")
    attempts = [["--json", out_path, *(["--quick"] if quick else [])], ["--json", out_path], []]
    last: dict[str, Any] = {}
    for args in attempts:
        try:
            proc = _spawn(
                [sys.executable, str(script), *args],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=REPO,
            )
            try:
                stdout, stderr = proc.communicate(timeout=timeout)
            finally:
                _kill(proc)
        except subprocess.TimeoutExpired:
            return {"status": "timed out", "reason": f"{name} ran longer than {timeout:.0f} s"}
        last = {
            "status": "failed",
            "returncode": proc.returncode,
            "stdout": stdout[-4000:],
            "stderr": stderr[-4000:],
        }
        if proc.returncode == 2 and "usage:" in stderr and args:
            continue  # it does not take these arguments: try fewer
        if proc.returncode != 0:
            return last
        data: Any = None
        if os.path.exists(out_path):
            with open(out_path) as f:
                data = json.load(f)
        else:
            with contextlib.suppress(ValueError):
                data = json.loads(stdout)
        return {"status": "measured", "data": data, "stdout": stdout[-4000:]}
    return last


HISTORY_TARGETS = (  # (words in the figure's name, target, limit in seconds, note); the first match counts
    (("ui:", "reopen"), "≤ 1 s", 1.0, "real TUI: Enter in the sidebar -> last turn on screen"),
    (("ui:", "sidebar open"), "≤ 0.3 s", 0.3, "real TUI: F9 -> rows on screen"),
    (("ui:", "arrow key (app CPU)"), "≤ 16 ms", 0.0167, "real TUI: app CPU per Down, to the frame"),
    (("ui:", "search"), "≤ 100 ms", 0.1, "real TUI: last key -> results on screen, less the debounce"),
    (("load", "500"), "≤ 1 s", 1.0, "store call only"),
    (("list_conversations", "all"), "≤ 0.3 s", 0.3, "store call only"),
    (("search",), "≤ 100 ms", 0.1, "store call only"),
)


def history_rows(history: dict[str, Any]) -> list[Row]:
    """Table rows from bench_history.py's JSON (lenient: see benchmarks/README.md for the contract)."""
    if history.get("status") != "measured":
        why = history.get("reason") or history.get("stderr", "").strip().splitlines()[-1:] or ""
        status = history.get("status", "?")
        return [
            Row("history: reopen 500 turns (~1 MB)", "s", None, target="≤ 1 s", note=status),
            Row("history: sidebar of 5,000 opens", "s", None, target="≤ 0.3 s", note=status),
            Row("history: sidebar arrow key", "ms", None, target="≤ 16 ms", note=status),
            Row("history: search over 5,000", "s", None, target="≤ 0.1 s", note=f"{status} {why}".strip()),
        ]
    data = history.get("data")
    rows: list[Row] = []
    timings = data.get("timings") if isinstance(data, dict) else None
    if isinstance(
        timings, dict
    ):  # bench_history.py's format: {"timings": {name: {median_ms, min_ms, max_ms}}}
        for name, item in timings.items():
            if not isinstance(item, dict) or not isinstance(item.get("median_ms"), (int, float)):
                continue
            med, lo, hi = (item.get(k) for k in ("median_ms", "min_ms", "max_ms"))
            row = Row(f"history: {name}", "ms", None)
            row.override = (
                med / 1000,
                (lo if lo is not None else med) / 1000,
                (hi if hi is not None else med) / 1000,
            )
            for words, target, limit, note in HISTORY_TARGETS:
                if all(word in name for word in words):
                    row.target, row.passed = target, med / 1000 <= limit
                    row.note = note
                    break
            rows.append(row)
        extra = {k: v for k, v in data.items() if k != "timings" and isinstance(v, (int, float, str, bool))}
        if rows and extra:
            rows[0].note = (rows[0].note + "; " if rows[0].note else "") + ", ".join(
                f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in extra.items()
            )
    if not rows:
        rows.append(Row("history", "", None, note="bench_history.py gave no figures (see the JSON)"))
    return rows


def structured_rows(structured: dict[str, Any]) -> list[Row]:
    """Table rows from bench_structured.py's JSON: its own rows (targets included), prefixed."""
    data = structured.get("data")
    rows = data.get("rows") if structured.get("status") == "measured" and isinstance(data, dict) else None
    if not isinstance(rows, list):
        why = structured.get("reason") or "".join(structured.get("stderr", "").strip().splitlines()[-1:])
        note = f"{structured.get('status', '?')} {why}".strip()
        return [Row("structured answers (issue 15)", "s", None, target="≤ 2× floor", note=note)]
    names = {f.name for f in fields(Row)}
    out = []
    for item in rows:
        row = Row(**{k: v for k, v in item.items() if k in names})
        row.figure = f"structured {row.figure}"
        row.override = tuple(row.override) if row.override else None
        out.append(row)
    return out


# --------------------------------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------------------------------


@dataclass
class Row:
    figure: str
    unit: str
    values: list[float] | None  # samples; None: not measured
    target: str | None = None
    passed: bool | None = None
    note: str = ""
    lower_bound: float | None = None  # "> N" when a run timed out
    override: tuple[Any, Any, Any] | None = None  # (median, min, max) given directly

    def stats(self) -> tuple[float | None, float | None, float | None]:
        if self.override is not None:
            return self.override
        if not self.values:
            return None, None, None
        return statistics.median(self.values), min(self.values), max(self.values)

    def as_dict(self) -> dict[str, Any]:
        med, lo, hi = self.stats()
        out = asdict(self)
        out.update(median=med, min=lo, max=hi, result=self.result())
        return out

    def result(self) -> str:
        if self.passed is None:
            return "" if self.target is None else "n/a"
        return "PASS" if self.passed else "FAIL"


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "s":
        return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
    if unit == "ms":
        ms = value * 1000
        return f"{ms:.0f} ms" if ms >= 10 else f"{ms:.2f} ms"
    if unit == "MB":
        return f"{value / 1e6:.0f} MB"
    if unit == "KB":
        return f"{value / 1e3:.0f} KB"
    if unit == "×":
        return f"{value:.2f}×"
    if unit == "%":
        return f"{value * 100:.1f} %"
    if unit == "/s":
        return f"{value:.0f}/s"
    return f"{value:g}"


def render(rows: list[Row], markdown: bool) -> str:
    header = ["figure", "median", "min", "max", "n", "target", "result", "note"]
    lines = []
    for row in rows:
        med, lo, hi = row.stats()
        if row.lower_bound is not None:
            text = f"> {row.lower_bound:.0f} s" if row.unit == "s" else f"> {fmt(row.lower_bound, row.unit)}"
            cells = [text, "", ""]
        else:
            cells = [fmt(med, row.unit), fmt(lo, row.unit), fmt(hi, row.unit)]
        n = str(len(row.values)) if row.values else ("" if row.override else "0")
        lines.append([row.figure, *cells, n, row.target or "", row.result(), row.note])
    if markdown:
        out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        out += ["| " + " | ".join(cell.replace("|", "\\|") for cell in line) + " |" for line in lines]
        return "\n".join(out)
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    widths[-1] = len(header[-1])  # the note runs free
    fmt_line = "  ".join(f"{{:{'<' if i in (0, 5, 6, 7) else '>'}{w}}}" for i, w in enumerate(widths))
    out = [fmt_line.format(*header), "  ".join("-" * w for w in widths)]
    out += [fmt_line.format(*line).rstrip() for line in lines]
    return "\n".join(out)


# --------------------------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------------------------


@dataclass
class Workload:
    name: str
    model: str
    answer: int
    reasoning: int
    timeout: float
    repeats: int


def machine_info() -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    cpu = "?"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions = {}
    for package in ("siliconchat", "textual", "openai", "httpx", "httpx2", "rich"):
        with contextlib.suppress(PackageNotFoundError):
            versions[package] = version(package)
    commit = ""
    with contextlib.suppress(Exception):
        commit = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--", "siliconchat"],
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
        commit += " (+ uncommitted changes)" if dirty else ""
    mem = _proc_meminfo_total()
    return {
        "date": _dt.datetime.now(_dt.timezone.utc).astimezone().isoformat(timespec="seconds"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory_gb": round(mem / 2**30, 1) if mem else None,
        "load_average_at_start": os.getloadavg(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
        "commit": commit,
        "terminal": f"pty {COLS}x{ROWS}, TERM=xterm-256color, COLORTERM=truecolor",
        "app_command": app_command(),
    }


def _proc_meminfo_total() -> int | None:
    with contextlib.suppress(OSError), open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    return None


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python benchmarks/run.py",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        epilog="See the top of benchmarks/run.py and benchmarks/README.md for what is measured and how.",
    )
    parser.add_argument("--quick", action="store_true", help="1 repeat, 80k once, 10 s at 100 deltas/s")
    parser.add_argument(
        "--repeats", type=int, default=None, metavar="N", help="repeats per workload (default 3)"
    )
    parser.add_argument(
        "--repeats-80k", type=int, default=None, metavar="N", help="repeats of 80k (default 2)"
    )
    parser.add_argument(
        "--paced-seconds", type=float, default=None, metavar="S", help="100 deltas/s window (30)"
    )
    parser.add_argument(
        "--version-repeats", type=int, default=10, metavar="N", help="siliconchat --version runs"
    )
    parser.add_argument(
        "--launch-repeats", type=int, default=20, metavar="N", help="app starts of the launch part"
    )
    parser.add_argument(
        "--timeout-scale", type=float, default=1.0, metavar="F", help="multiply every timeout"
    )
    parser.add_argument(
        "--only",
        default=None,
        metavar="LIST",
        help="comma-separated parts: blast,keys,paced,version,history,structured (default: all); "
        "also launch (only when named: app starts alone, to the first frame)",
    )
    parser.add_argument(
        "--json", default=str(RESULTS_DIR / "latest.json"), metavar="PATH", help="JSON output"
    )
    parser.add_argument("--floor-child", nargs=2, metavar=("URL", "MODEL"), help=argparse.SUPPRESS)
    parser.add_argument("--floor-paced-child", nargs=2, metavar=("URL", "SECONDS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    use_this_tree()

    if args.floor_paced_child:
        url, seconds = args.floor_paced_child
        print(json.dumps(asyncio.run(_floor_paced_main(url, demo_key(), float(seconds)))))
        return 0
    if args.floor_child:
        url, model = args.floor_child
        print(json.dumps(asyncio.run(_floor_main(url, demo_key(), model))))
        return 0

    repeats = args.repeats or (1 if args.quick else 3)
    repeats_80k = args.repeats_80k or (1 if args.quick else min(2, repeats))
    paced_seconds = args.paced_seconds or (10.0 if args.quick else 30.0)
    parts = set((args.only or "blast,keys,paced,version,history,structured").split(","))
    scale = args.timeout_scale
    workloads = [
        Workload("5k", "demo/blast-5000", 5000, 0, 60 * scale, repeats),
        Workload("20k", "demo/blast-20000", 20000, 0, 120 * scale, repeats),
        Workload("20k+20k", "demo/blast-reasoning-20000", 20000, 20000, 180 * scale, repeats),
        Workload("80k", "demo/blast-80000", 80000, 0, 300 * scale, repeats_80k),
    ]

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
    atexit.register(_cleanup)

    started = time.perf_counter()
    machine = machine_info()
    log(
        f"siliconchat benchmarks: {machine['cpu']}, {machine['cores']} cores, Python {machine['python']}, "
        f"textual {machine['versions'].get('textual')}, openai {machine['versions'].get('openai')}"
    )
    floors: dict[str, list[dict[str, Any]]] = {w.name: [] for w in workloads}
    apps: dict[str, list[AppRun]] = {w.name: [] for w in workloads}
    key_runs: list[AppRun] = []
    launches: list[float] = []
    paced: dict[str, Any] | None = None
    version_times: list[float] = []
    history: dict[str, Any] = {"status": "not run"}
    structured: dict[str, Any] = {"status": "not run"}

    compile_app()
    server = Server(pace=0)
    try:
        if "blast" in parts:
            for r in range(max(w.repeats for w in workloads)):
                for w in workloads:
                    if r >= w.repeats:
                        continue
                    floor = run_floor(server, w.model, w.timeout)
                    floors[w.name].append(floor)
                    if floor.get("wall") is not None and (floor["answer"], floor["reasoning"]) != (
                        w.answer,
                        w.reasoning,
                    ):
                        log(f"  warning: the floor read {floor['answer']}+{floor['reasoning']} deltas")
                    run = run_app(w.model, server.url, w.timeout, launches=launches)
                    apps[w.name].append(run)
                    log(
                        f"[{time.perf_counter() - started:6.1f}s] {w.name} #{r + 1}: floor "
                        f"{_s(floor.get('wall'))}, app {_s(run.wall)} (cpu {_s(run.cpu)}, "
                        f"rss {_mb(run.peak_rss)}, launch {_s(run.launch)}, tokens {run.answer_tokens})"
                        + (f" ERROR {run.error}" if run.error else "")
                    )
        if "keys" in parts:
            for r in range(repeats):
                run = run_app("demo/blast-20000", server.url, 120 * scale, probe=True, launches=launches)
                key_runs.append(run)
                shown = ", ".join("–" if p is None else f"{p * 1000:.0f}" for p in run.probes)
                log(
                    f"[{time.perf_counter() - started:6.1f}s] keys #{r + 1}: 20k in {_s(run.wall)}, "
                    f"key latencies (ms): {shown}"
                )
        if "launch" in parts:
            for _ in range(args.launch_repeats):
                app, launch = start_app("demo/blast-10", server.url)
                app.close()
                if launch is not None:
                    launches.append(launch)
            shown = _s(statistics.median(launches)) if launches else "no first frame"
            log(f"[{time.perf_counter() - started:6.1f}s] launch: {shown} (median of {len(launches)})")
    finally:
        server.close()

    if "paced" in parts:
        paced_server = Server(pace=0.01)
        try:
            paced = run_paced(paced_server.url, paced_seconds, launches)
            paced["floor"] = run_paced_floor(paced_server, paced_seconds)
        finally:
            paced_server.close()
        log(f"[{time.perf_counter() - started:6.1f}s] 100 deltas/s: {paced}")
    if "version" in parts:
        version_times = run_version(args.version_repeats)
        log(f"[{time.perf_counter() - started:6.1f}s] --version: {_s(statistics.median(version_times))}")
    if "history" in parts:
        history = run_history(args.quick, 600 * scale)
        log(f"[{time.perf_counter() - started:6.1f}s] history: {history.get('status')}")
    if "structured" in parts:
        structured = run_script("bench_structured.py", args.quick, 3600 * scale)
        log(f"[{time.perf_counter() - started:6.1f}s] structured answers: {structured.get('status')}")

    rows = build_rows(
        workloads, floors, apps, key_runs, launches, paced, paced_seconds, version_times, history
    )
    if "structured" in parts:
        rows += structured_rows(structured)
    rows += bench_scale.scale_rows(Row, parts, args.quick)
    total = time.perf_counter() - started
    table = render(rows, markdown=False)
    print()
    print(
        f"siliconchat benchmarks — {machine['date']} — {machine['cpu']}, {machine['cores']} cores, "
        f"Python {machine['python']}, textual {machine['versions'].get('textual')}, "
        f"openai {machine['versions'].get('openai')} — {total:.0f} s"
    )
    print(table)

    result = {
        "machine": machine,
        "options": {
            "quick": args.quick,
            "repeats": repeats,
            "repeats_80k": repeats_80k,
            "paced_seconds": paced_seconds,
            "parts": sorted(parts),
            "timeout_scale": scale,
        },
        "duration_s": total,
        "rows": [row.as_dict() for row in rows],
        "raw": {
            "floor": floors,
            "app": {name: [asdict(run) for run in runs] for name, runs in apps.items()},
            "keys": [asdict(run) for run in key_runs],
            "launch_s": launches,
            "paced": paced,
            "version_s": version_times,
            "history": history,
            "structured": structured,
        },
    }
    json_path = Path(args.json)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    md = (
        f"Measured {machine['date']} on {machine['cpu']} ({machine['cores']} cores, "
        f"{machine['memory_gb']} GB), {machine['platform']}, Python {machine['python']}, "
        f"textual {machine['versions'].get('textual')}, openai {machine['versions'].get('openai')}, "
        f"commit {machine['commit']}; {machine['terminal']}.\n\n" + render(rows, markdown=True) + "\n"
    )
    md_path = json_path.with_suffix(".md")
    md_path.write_text(md)
    print(f"\nwritten: {json_path} and {md_path}")
    return 0


def _s(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}s"


def _mb(value: int | None) -> str:
    return "–" if value is None else f"{value / 1e6:.0f}MB"


def _walls(runs: list[AppRun]) -> tuple[list[float], float | None]:
    """The finished times, and the timeout when a run did not finish (then the median is "> N")."""
    walls = [run.wall for run in runs if run.wall is not None]
    timeouts = [run.timeout for run in runs if run.wall is None]
    return walls, (max(timeouts) if timeouts else None)


def build_rows(
    workloads: list[Workload],
    floors: dict[str, list[dict[str, Any]]],
    apps: dict[str, list[AppRun]],
    key_runs: list[AppRun],
    launches: list[float],
    paced: dict[str, Any] | None,
    paced_seconds: float,
    version_times: list[float],
    history: dict[str, Any],
) -> list[Row]:
    rows: list[Row] = []
    medians: dict[str, float | None] = {}
    for w in workloads:
        runs = apps[w.name]
        if not runs:
            continue
        floor_walls = [f["wall"] for f in floors[w.name] if f.get("wall") is not None]
        walls, timed_out = _walls(runs)
        floor_med = statistics.median(floor_walls) if floor_walls else None
        app_med = statistics.median(walls) if walls and not timed_out else None
        medians[w.name] = app_med
        label = (
            f"{w.answer:,} answer" if not w.reasoning else f"{w.reasoning:,} reasoning + {w.answer:,} answer"
        )
        rows.append(Row(f"{w.name}: floor (bare AsyncOpenAI loop)", "s", floor_walls))
        row = Row(f"{w.name}: app, Enter → last delta on screen", "s", walls)
        if timed_out:
            row.lower_bound = timed_out
            row.note = f"{len(runs) - len(walls)} of {len(runs)} runs did not finish"
        incomplete = [
            run.answer_tokens for run in runs if run.wall is not None and run.answer_tokens != w.answer
        ]
        if incomplete:
            row.note = (row.note + f"; status line showed answer {incomplete} ≠ {w.answer}").strip("; ")
        rows.append(row)
        # Per repeat: the app's time over the floor's, both taken back to back.
        pairs = [
            run.wall / f["wall"]
            for run, f in zip(runs, floors[w.name], strict=False)
            if run.wall and f.get("wall")
        ]
        ratio = Row(f"{w.name}: app / floor ({label} deltas)", "×", pairs if app_med and floor_med else None)
        if timed_out and floor_med:
            ratio.lower_bound = timed_out / floor_med
        if w.name in ("20k", "20k+20k"):
            ratio.target = "≤ 1.3×"
            ratio.passed = bool(ratio.values) and statistics.median(ratio.values) <= 1.3
        rows.append(ratio)
        cpu = [run.cpu for run in runs if run.cpu is not None]
        rows.append(
            Row(
                f"{w.name}: app CPU time (user+sys)",
                "s",
                cpu,
                note=f"floor CPU {statistics.median([f['cpu'] for f in floors[w.name] if f.get('cpu') is not None]):.2f} s"
                if any(f.get("cpu") is not None for f in floors[w.name])
                else "",
            )
        )
        rss = [float(run.peak_rss) for run in runs if run.peak_rss is not None]
        rss_row = Row(f"{w.name}: app peak RSS (VmHWM)", "MB", rss)
        if w.name == "20k":
            rss_row.target = "≤ 150 MB"
            rss_row.passed = bool(rss) and max(rss) <= 150e6
        rows.append(rss_row)
        out = [float(run.output_bytes) for run in runs if run.wall is not None]
        rows.append(Row(f"{w.name}: bytes written to the terminal", "KB", out))
    if "80k" in medians and "20k" in medians:
        growth = Row("80k / 20k app time (linear growth)", "×", None, target="≤ 4.4×")
        a80, a20 = medians["80k"], medians["20k"]
        if a80 and a20:  # per repeat (80k and 20k of the same round), else the medians'
            growth.values = [
                r80.wall / r20.wall
                for r80, r20 in zip(apps["80k"], apps["20k"], strict=False)
                if r80.wall and r20.wall
            ] or [a80 / a20]
            growth.passed = statistics.median(growth.values) <= 4.4
        else:
            growth.passed = False
            _, timed_out = _walls(apps["80k"])
            if timed_out and a20:
                growth.lower_bound = timed_out / a20
        rows.append(growth)
    if key_runs:
        probes = [p for run in key_runs for p in run.probes]
        shown = [p for p in probes if p is not None]
        lost = len(probes) - len(shown)
        row = Row("key press during a 20k blast → on screen", "ms", shown, target="≤ 100 ms (max)")
        row.passed = bool(shown) and not lost and max(shown) <= 0.1
        sent = sum(run.probes_sent_while_streaming for run in key_runs)
        row.note = f"{sent} keys typed mid-stream over {len(key_runs)} runs"
        if shown:
            p90 = sorted(shown)[min(len(shown) - 1, int(0.9 * len(shown)))]
            row.note += f"; p90 {p90 * 1000:.0f} ms"
        if lost:
            row.note += f"; {lost} not shown within 5 s"
        if not probes:
            row.note = "no key could be typed before the answer ended"
        rows.append(row)
    if paced is not None:
        share = paced.get("cpu_share")
        row = Row(
            f"100 deltas/s for {paced_seconds:.0f} s: app CPU (share of one core)",
            "%",
            [share] if share is not None else None,
            target="≤ 10 %",
        )
        row.passed = share is not None and share <= 0.10
        rate = paced.get("deltas_per_s")
        row.note = (f"{rate:.0f} deltas/s shown" if rate is not None else paced.get("error", "")) + (
            "; the stream ended inside the window" if paced.get("finished_early") else ""
        )
        rows.append(row)
        floor = paced.get("floor") or {}
        floor_share = floor.get("cpu_share")
        row = Row(
            "100 deltas/s: floor CPU (bare AsyncOpenAI loop, same stream)",
            "%",
            [floor_share] if floor_share is not None else None,
        )
        row.note = floor.get("error", "") or f"{floor.get('deltas_per_s', 0):.0f} deltas/s read"
        rows.append(row)
        if share is not None and floor_share:
            rows.append(Row("100 deltas/s: app CPU / floor CPU", "×", [share / floor_share]))
        written = paced.get("output_bytes")
        if written is not None and paced.get("window_s"):
            rows.append(
                Row(
                    "100 deltas/s: bytes written to the terminal, per second",
                    "KB",
                    [written / paced["window_s"]],
                )
            )
    if launches:
        row = Row("launch → first full frame", "s", launches, target="≤ 0.5 s")
        row.passed = statistics.median(launches) <= 0.5
        row.note = "from every app run in this benchmark"
        rows.append(row)
    if version_times:
        row = Row("siliconchat --version", "s", version_times, target="≤ 0.2 s")
        row.passed = statistics.median(version_times) <= 0.2
        rows.append(row)
    rows.extend(history_rows(history))
    return rows


if __name__ == "__main__":
    signal.signal(signal.SIGINT, _on_signal)
    raise SystemExit(main())
