"""The real TUI in a real terminal: ``siliconchat`` spawned in a pty of 120x40 (TERM=xterm-256color,
COLORTERM=truecolor), with its own temporary XDG folders, pointed at a demo server.

The harness reads the pty itself: it waits for the first full frame (the prompt's placeholder), types the
prompt, sends Enter (t0), and reads until the status line shows the finish reason ``stop`` (t1). The app
writes ``stop`` in the same refresh as its final full render of the answer, so ``stop`` on screen means "the
last delta is on screen". :class:`KeyProbe` times keys typed mid-stream until they are written to the pty.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import select
import shutil
import struct
import termios
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from harness import COLS, PROMPT, ROWS, TEMP_DIRS, app_command, app_env, kill, spawn, temp_dir

# The first full frame: the prompt's placeholder ("Ask anything…"). Its first letter is drawn under the
# cursor (styled apart), so the marker skips it.
READY = re.compile(rb"sk anything")
# The finish reason in the status line (bold "stop"); "stopped" is the state of a cancelled answer.
FINISHED = re.compile(rb"stop(?!ped)")
ANSWER_COUNT = re.compile(rb"answer (\d[\d,]*)")  # with thousands separators
# Characters typed mid-stream to measure key latency: none of them occurs in a blast or the app's chrome.
PROBE_CHARS = "§¶¤¥£¢±÷µ¬¦¿ÆØÞßæðøþ"
CLK_TCK = os.sysconf("SC_CLK_TCK")


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

    def __init__(
        self,
        model: str,
        base_url: str,
        extra: Sequence[str] = (),
        home: str | None = None,
        command: Sequence[str] | None = None,
    ) -> None:
        # ``command``: another program in the app's place (the launch floor, ``bare_textual.py``).
        # ``home`` (XDG folders) may be shared by successive apps (a reopen); its owner then removes it.
        self.home = home or temp_dir("siliconchat-bench-")
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
        self.proc = spawn(
            [*(command or app_command()), "--model", model, *extra],
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
            found = int(match.group(1).replace(b",", b""))
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
        kill(self.proc, grace=1.0)
        with contextlib.suppress(OSError):
            os.close(self.master)
        if self.owns_home:
            shutil.rmtree(self.home, ignore_errors=True)
            with contextlib.suppress(ValueError):
                TEMP_DIRS.remove(self.home)


def start_app(
    model: str, base_url: str, timeout: float = 30.0, command: Sequence[str] | None = None
) -> tuple[PtyApp, float | None]:
    """Spawn the app (or ``command``) and wait for its first full frame: the app and the launch time (None if
    none came)."""
    app = PtyApp(model, base_url, command=command)
    shown = app.wait_for(READY, 0, timeout)
    return app, (shown - app.t_spawn) if shown is not None else None


def type_prompt(app: PtyApp) -> None:
    start = app.end
    app.send(PROMPT)
    app.wait_for(re.compile(re.escape(PROMPT.encode())), start, 5)


def press_enter(app: PtyApp) -> tuple[float | None, int, float]:
    """Type the prompt and send Enter: the app's CPU time before, where its output then ends, and t0."""
    type_prompt(app)
    app.drain(0.2)
    cpu0 = app.cpu()
    start = app.end
    t0 = time.perf_counter()
    app.send("\r")
    return cpu0, start, t0


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
        cpu0, start, t0 = press_enter(app)
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
