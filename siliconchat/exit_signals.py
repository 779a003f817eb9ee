"""SIGTERM and SIGHUP (the terminal window was closed): the signals that end siliconchat as a quit does.

The TUI and ``ask`` handle them on their event loop: the answer being streamed is saved, marked cut off by the
signal, the terminal is restored, and the exit status is the one a shell expects of a process it killed,
128 + the signal's number.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable

__all__ = ["EXIT_SIGNALS", "ExitSignals", "cut_off_reason"]

EXIT_SIGNALS: tuple[int, ...] = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)  # no SIGHUP on Windows


def cut_off_reason(signum: int) -> str:
    """What an answer cut off by ``signum`` is marked with."""
    return f"Cut off: siliconchat was ended by {signal.Signals(signum).name} while the answer streamed."


class ExitSignals:
    """Calls ``handler(signum)`` on the running loop when one of :data:`EXIT_SIGNALS` arrives."""

    def __init__(self, handler: Callable[[int], None]) -> None:
        self._handler = handler
        self._installed: list[int] = []

    def install(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in EXIT_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # not the main thread
                loop.add_signal_handler(signum, self._handler, signum)
                self._installed.append(signum)

    def remove(self) -> None:
        installed, self._installed = self._installed, []
        if not installed:
            return
        loop = asyncio.get_running_loop()
        for signum in installed:
            with contextlib.suppress(Exception):
                loop.remove_signal_handler(signum)
