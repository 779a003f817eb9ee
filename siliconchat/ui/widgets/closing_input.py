"""The one-line input of a dialog that closes on Enter (the model picker's filter, the rename dialog).

Keys reach the focused widget's queue as fast as they are typed, but ``Input``'s own Enter binding runs only
once the Enter key has bubbled up to the app: by then the keys typed after Enter are in the input too. A quick
"deepseek-v3⏎hello" chose the model ``deepseek-v3hello``. So Enter is handled here, in the order the keys were
typed, and every key that reaches the input once its dialog is closed goes on, in order, to the widget that
has the focus on the screen below (the chat prompt): nothing typed after Enter is lost or misplaced.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from textual import events
from textual.screen import Screen
from textual.widgets import Input

from siliconchat.ui.textual_seams import forward_event

__all__ = ["ClosingInput"]


class ClosingInput(Input):
    """An ``Input`` whose Enter calls ``on_enter(value)`` with the value as typed up to the Enter; it returns
        whether the dialog closes (and each key of ``on_keys`` calls its callable with the value as typed up to it,
    instead of being typed). Once it has, the keys that still arrive here go to the screen below."""

    def __init__(
        self,
        value: str | None = None,
        *,
        on_enter: Callable[[str], bool],
        on_keys: Mapping[str, Callable[[str], object]] | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(value, **kwargs)  # type: ignore[arg-type]
        self._enter = on_enter
        self._keys = dict(on_keys or {})  # keys it does not type: each calls its callable with the value
        self.closed = False

    def on_key(self, event: events.Key) -> None:
        if self.closed:
            event.stop()
            event.prevent_default()
            _pass_on(self.screen, event)
        elif event.key == "enter":
            event.stop()
            event.prevent_default()
            self.closed = self._enter(self.value)
        elif event.key in self._keys:  # in the order typed too: after the characters before it
            event.stop()
            event.prevent_default()
            self._keys[event.key](self.value)


def _pass_on(screen: Screen[object], event: events.Key) -> None:
    """Give a key that reached the closed ``screen`` to the focused widget of the screen under it."""
    stack = screen.app.screen_stack
    below = stack[stack.index(screen) - 1] if screen in stack[1:] else screen.app.screen
    if below is screen:
        return
    forward_event(below.focused or below, events.Key(event.key, event.character))
