"""Every use of a private Textual name, in one place, each with why no public API does the job.

The rest of the package uses Textual's public API only (``tests/test_architecture.py`` checks that). A private
name can change in any Textual release, so each one here is exercised against the installed Textual by
``tests/ui/test_textual_seams.py``: a rename breaks that test, not the app. The tested range is
:data:`TESTED_TEXTUAL`; ``pyproject.toml`` pins the same range.
"""

from __future__ import annotations

import contextlib
from typing import TypeVar

from textual.app import App
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
