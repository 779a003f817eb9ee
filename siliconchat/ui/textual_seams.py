"""Every use of a private Textual name, in one place, each with why no public API does the job.

The rest of the package uses Textual's public API only (``tests/test_architecture.py`` checks that). A private
name can change in any Textual release, so each one here is exercised against the installed Textual by
``tests/ui/test_textual_seams.py``: a rename breaks that test, not the app. The tested range is
:data:`TESTED_TEXTUAL`; ``pyproject.toml`` pins the same range.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import threading
from codecs import getincrementaldecoder
from functools import cache
from typing import Any, TypeVar

# Private: the terminal's input parser is not exported; the quiet input thread below runs it as Textual does.
from textual._xterm_parser import XTermParser
from textual.app import App
from textual.driver import Driver
from textual.drivers.linux_driver import LinuxDriver
from textual.message import Message
from textual.message_pump import MessagePump
from textual.widget import Widget
from textual.widgets import Footer, TextArea

# Private: Footer's key widget is not exported by ``textual.widgets``; KeyFooter finds the keys it composed,
# binds their ``compact`` setting and enables them in place, so it needs the class itself.
from textual.widgets._footer import FooterKey

__all__ = [
    "TESTED_TEXTUAL",
    "BlinkHookTextArea",
    "FooterKey",
    "UnhandledErrorHookApp",
    "forward_event",
    "mark_footer_bindings_ready",
    "quiet_input",
    "running_timers",
    "set_footer_key_enabled",
]

TESTED_TEXTUAL = (">=8.2.6", "<9")
"""The Textual releases these seams are tested with (as in ``pyproject.toml``)."""

ReturnType = TypeVar("ReturnType")


def mark_footer_bindings_ready(footer: Footer) -> None:
    """Let ``footer`` show its keys in its first composition.

    Private: ``Footer._bindings_ready`` is false until the first ``bindings_changed`` call, and ``compose``
    yields nothing until then; nothing public says the bindings are ready, and KeyFooter's first frame shows
    the keys without waiting for that call (see ``widgets/key_footer.py``).
    """
    footer.set_reactive(Footer._bindings_ready, True)


def set_footer_key_enabled(key: Widget, enabled: bool) -> None:
    """Enable or disable a composed :class:`FooterKey` in place (dimmed, and a click rings the bell).

    Private: ``FooterKey._disabled`` is what its click handler checks, set only by its constructor. The public
    ``Widget.disabled`` is another thing: a disabled widget gets no clicks at all, and the change restyles it.
    """
    assert isinstance(key, FooterKey)
    key._disabled = not enabled
    key.set_class(not enabled, "-disabled")


def forward_event(target: MessagePump, event: Message) -> None:
    """Give ``target`` an input event (a key) as the app gives the focused widget the keys it reads.

    Private: ``Widget._forward_event`` marks the event as forwarded before posting it. An event posted without
    that mark is taken for a new one from the terminal when it bubbles up to the app, which sends it to the
    focused widget again; nothing public sets the mark.
    """
    target._forward_event(event)  # type: ignore[attr-defined]


def running_timers(app: App[object]) -> list[str]:
    """The timers that wake the app: those of the app and of every node on its screens that are started and
    neither paused nor stopped, as ``"NodeClass: timer name"``. An idle app has none.

    Private: ``MessagePump._timers`` holds a node's timers and ``Timer._active`` is the event a paused timer
    waits on (``Timer._task`` is None once it stopped); no public API lists timers or says whether one runs.
    """
    nodes: list[object] = [app]
    for screen in app.screen_stack:
        nodes += [screen, *screen.walk_children()]
    running = []
    for node in nodes:
        for timer in list(getattr(node, "_timers", ())):
            task = timer._task
            if task is not None and not task.done() and timer._active.is_set():
                running.append(f"{type(node).__name__}: {timer.name}")
    return running


PARSER_TICK = 0.1
"""How soon the input thread looks again while the parser waits to tell a lone Escape from a sequence (as
Textual's own loop does, always)."""


class _WakingEvent(threading.Event):
    """An ``Event`` that also writes a byte to ``wake`` when it is set: a ``select`` on ``wake`` returns."""

    def __init__(self, wake: int) -> None:
        super().__init__()
        self.wake = wake

    def set(self) -> None:
        super().set()
        with contextlib.suppress(OSError):
            os.write(self.wake, b"\0")


class _QuietInputDriver(LinuxDriver):
    """A ``LinuxDriver`` whose input thread sleeps until the terminal sends something or the driver stops.

    Textual's ``run_input_thread`` wakes ten times a second to look at ``exit_event`` (and to time out a lone
    Escape): about 0.1 % of a core on this machine, for as long as the app is open, which was most of what an
    idle app cost. This one is that loop (Textual 8.2) with one change: it also waits on a pipe that the
    driver's ``exit_event`` writes to when set, and it wakes by itself only while the parser waits for the
    rest of an escape sequence.

    Private: ``LinuxDriver.exit_event`` (replaced by a waking one), ``LinuxDriver.fileno`` and ``_debug``,
    ``XTermParser`` and its ``_timeout_time`` (set while an Escape may start a sequence).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._wake_read, wake_write = os.pipe()
        os.set_blocking(self._wake_read, False)
        os.set_blocking(wake_write, False)
        self.exit_event = _WakingEvent(wake_write)

    def run_input_thread(self) -> None:
        selector = selectors.SelectSelector()
        fileno = self.fileno
        selector.register(fileno, selectors.EVENT_READ)
        selector.register(self._wake_read, selectors.EVENT_READ)
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode

        def process(events: list[tuple[selectors.SelectorKey, int]], final: bool = False) -> None:
            ready = [key for key, mask in events if mask & selectors.EVENT_READ]
            if any(key.fd == self._wake_read for key in ready):
                with contextlib.suppress(OSError):
                    os.read(self._wake_read, 1024)  # a stop (or one left from an earlier stop)
            if any(key.fd == fileno for key in ready):
                data = decode(os.read(fileno, 1024 * 4), final=final)
                if data:
                    for event in parser.feed(data):
                        self.process_message(event)
            for event in parser.tick():
                self.process_message(event)

        try:
            while not self.exit_event.is_set():
                process(selector.select(PARSER_TICK if parser._timeout_time is not None else None))
            selector.unregister(self._wake_read)
            selector.unregister(fileno)
            process(selector.select(PARSER_TICK), final=True)
        finally:
            selector.close()
            with contextlib.suppress(Exception):
                for _event in parser.feed(""):
                    pass


@cache
def quiet_input(driver_class: type[Driver]) -> type[Driver]:
    """``driver_class`` with an input thread that does not poll (see :class:`_QuietInputDriver`), where it
    is Textual's ``LinuxDriver``; any other driver (headless, Windows, web) as it is."""
    if (
        not issubclass(driver_class, LinuxDriver)
        or driver_class.run_input_thread is not LinuxDriver.run_input_thread
    ):
        return driver_class
    return type(driver_class.__name__, (_QuietInputDriver, driver_class), {"__module__": __name__})


class BlinkHookTextArea(TextArea):
    """A ``TextArea`` whose :meth:`blink_restarted` runs whenever its cursor blink restarts.

    TextArea restarts the blink on every key, click and focus (and when ``cursor_blink`` turns on), through its
    private ``_restart_blink``; no public event or hook tells a subclass of all of those at once.
    """

    def blink_restarted(self) -> None:
        """Called before the blink restarts (subclasses override it)."""

    def _restart_blink(self) -> None:
        # Private: TextArea's own hook (see the class docstring).
        self.blink_restarted()
        super()._restart_blink()


class UnhandledErrorHookApp(App[ReturnType]):
    """An ``App`` whose :meth:`unhandled_error` runs with any exception no handler caught.

    Textual then exits as it always does (the terminal is restored, ``return_code`` is 1, and ``run_test``
    raises the exception again at its end) but prints nothing: the app reports the error its own way.
    """

    def unhandled_error(self, error: Exception) -> None:
        """Called first with each unhandled exception (subclasses override it; it should not raise)."""

    def _handle_exception(self, error: Exception) -> None:
        # Private: Textual calls ``App._handle_exception`` for an exception in any handler, worker, timer or
        # callback, and has no public hook for it. Textual's own report is a traceback with the local
        # variables of every frame (the API key among them), printed to stderr once the terminal is restored:
        # ``_exit_renderables`` holds it until then, and what this call adds to it is dropped.
        before = len(self._exit_renderables)
        with contextlib.suppress(Exception):  # a failed report: the app still exits with return code 1
            self.unhandled_error(error)
        super()._handle_exception(error)
        del self._exit_renderables[before:]
