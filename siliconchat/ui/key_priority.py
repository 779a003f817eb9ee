"""Typed keys go before streaming frames: from the moment the terminal driver reads a key to its echo.

During a blast, a frame (append, layout, repaint) costs tens of ms of the event loop. A key read by Textual's
input thread reaches the app a few loop turns later; if a frame started in between, the key waited for that
whole frame and its layout before it was even handled, and showed up to ~110 ms after it was typed. So the
input thread notes each key it reads (:func:`key_noting`), the app notes each key it handles and the refresh
that shows it, and :meth:`KeyPriority.waiting` tells the chat screen not to start a frame meanwhile.
"""

from __future__ import annotations

import asyncio
import time
from functools import cache
from typing import TYPE_CHECKING, Any

from textual import events
from textual.driver import Driver
from textual.message import Message

if TYPE_CHECKING:
    from textual.app import App

KEY_ECHO_WAIT = 0.15
"""A key holds frames back at most this long (from when it was read, and again from when it was handled)."""
KEY_POLL = 0.002
"""How often the stream reader, paused for a key (:meth:`KeyPriority.until_shown`), looks again."""


class KeyPriority:
    """When keys were read (by the input thread), handled and shown (on the event loop)."""

    def __init__(self) -> None:
        self._read_at = float("-inf")  # written by the input thread only
        self._handled_at = float("-inf")
        self._handled = 0
        self._shown = 0

    def read(self) -> None:
        """In the input thread: a key was read from the terminal."""
        self._read_at = time.perf_counter()

    def handled(self) -> int:
        """A key was handled (given to the focused widget): its number, for :meth:`shown` after the refresh."""
        self._handled_at = time.perf_counter()
        self._handled += 1
        return self._handled

    def shown(self, number: int) -> None:
        """The refresh after key ``number`` was handled is done: it is on screen."""
        self._shown = max(self._shown, number)

    @property
    def pending(self) -> bool:
        """Cheap (once per stream event): a key may be on its way; :meth:`waiting` tells for sure."""
        return self._read_at > self._handled_at or self._shown < self._handled

    async def until_shown(self) -> None:
        """Wait (in short sleeps) while :meth:`waiting`: the key's steps then get the event loop to themselves."""
        while self.waiting(time.perf_counter()):
            await asyncio.sleep(KEY_POLL)
        self._shown = max(self._shown, self._handled)  # shown, or waited for long enough: not pending now

    def waiting(self, now: float) -> bool:
        """A key is read but not handled yet, or handled and not on screen yet (for at most KEY_ECHO_WAIT)."""
        # Keys are handled in the order they are read: one read after the last one handled is not handled yet.
        # (Keys that do not come through the driver, e.g. Pilot's, are handled without being read.)
        if self._read_at > self._handled_at and now - self._read_at < KEY_ECHO_WAIT:
            return True
        return self._shown < self._handled and now - self._handled_at < KEY_ECHO_WAIT


class _KeyNotingDriver(Driver):
    """Typing only: the driver classes made by :func:`key_noting` have this ``process_message``."""

    def __init__(self, app: App[object], *args: Any, **kwargs: Any) -> None:
        super().__init__(app, *args, **kwargs)
        self.key_priority: KeyPriority = app.keys  # type: ignore[attr-defined]  # a SiliconChatApp (see key_noting)

    def process_message(self, message: Message) -> None:
        # In the input thread.
        if isinstance(message, events.Key):
            self.key_priority.read()
        super().process_message(message)


@cache
def key_noting(driver_class: type[Driver]) -> type[Driver]:
    """``driver_class`` whose input thread notes each key it reads in ``app.keys`` (a :class:`KeyPriority`)."""
    return type(driver_class.__name__, (_KeyNotingDriver, driver_class), {"__module__": __name__})
