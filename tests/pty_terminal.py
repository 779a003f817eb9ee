"""The real TUI as a process in a pseudo-terminal, for the tests that look at what reaches the terminal
(imported by tests/cli/; the ``terminal`` fixture is in tests/cli/conftest.py)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Sequence
from pathlib import Path


class Terminal:
    """``python -m siliconchat --demo ARGS`` in a pseudo-terminal of 100 x 30 (or ``python PYTHON_ARGS``:
    a script that changes the app before it runs it)."""

    def __init__(self, *args: str, python_args: Sequence[str] = ()) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        env = {**os.environ, "TERM": "xterm-256color", "PYTHONPATH": str(Path(__file__).parents[1])}
        env.pop("TEXTUAL", None)
        self.process = subprocess.Popen(
            [sys.executable, *(python_args or ("-m", "siliconchat", "--demo", *args))],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
        )
        os.close(slave)
        self.out = bytearray()
        self.master_open = True

    def read_until(self, wanted: bytes, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        start = len(self.out)
        while wanted not in self.out[start:]:
            assert time.monotonic() < deadline, (
                f"waited for {wanted!r}; the terminal shows:\n{bytes(self.out)[-2000:]!r}"
            )
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                try:
                    self.out += os.read(self.master, 65536)
                except OSError:
                    raise AssertionError(f"the app ended before {wanted!r}") from None
            elif self.process.poll() is not None:
                raise AssertionError(f"the app ended before {wanted!r}:\n{bytes(self.out)[-2000:]!r}")

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    def wait(self, timeout: float = 15) -> int:
        """The exit status, reading what the app writes meanwhile (a full pty would block it)."""
        deadline = time.monotonic() + timeout
        while self.process.poll() is None:
            assert time.monotonic() < deadline, f"the app did not end:\n{bytes(self.out)[-2000:]!r}"
            if self.master_open:
                ready, _, _ = select.select([self.master], [], [], 0.1)
                if ready:
                    with contextlib.suppress(OSError):
                        self.out += os.read(self.master, 65536)
            else:
                time.sleep(0.05)
        if self.master_open:
            while select.select([self.master], [], [], 0.2)[0]:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                self.out += chunk
        return self.process.returncode

    def close_master(self) -> None:
        if self.master_open:
            self.master_open = False
            os.close(self.master)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.close_master()
