"""The footer of keys: Textual's, shown in the first frame and rebuilt only when what it shows changes."""

from __future__ import annotations

from collections.abc import Hashable

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class KeyFooter(Footer):
    """Textual's :class:`~textual.widgets.Footer`, which rebuilds its keys whenever bindings *may* have changed.

    At start-up that was three rebuilds in the 0.2 s after the first frame (the focus moving to the prompt,
    the terminal reporting focus, the screen's stack), each about 30 ms of a 2-core machine, and the first frame
    had no keys at all: Textual's footer waits for the first of those signals to show any. This one shows the
    keys in its first composition and rebuilds only when the keys it would show differ from those it shows.
    """

    def __init__(self) -> None:
        super().__init__()
        self.set_reactive(Footer._bindings_ready, True)  # the screen's bindings are ready when this composes
        self._shown: Hashable = None
        self._rebuild_asked = False

    def _keys(self) -> Hashable:
        """What :meth:`Footer.compose` would show now: every shown binding, enabled or not, as displayed."""
        app = self.app
        return tuple(
            (binding, app.get_key_display(binding), enabled, tooltip)
            for (_, binding, enabled, tooltip) in self.screen.active_bindings.values()
            if binding.show or binding.key == app.COMMAND_PALETTE_BINDING
        )

    def compose(self) -> ComposeResult:
        self._rebuild_asked = False
        self._shown = self._keys()
        for widget in super().compose():
            if isinstance(widget, FooterKey) and not widget.has_class("-command-palette"):
                # Made compact (the class default), then bound to the footer's own setting: each key's styles
                # were computed three times before the first frame (about 2 ms a key). Start as the footer is.
                # (The command palette's key is not bound: it stays compact.)
                widget.set_reactive(FooterKey.compact, self.compact)
            yield widget

    def bindings_changed(self, screen: Screen[object]) -> None:
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return  # as Footer: unchanged while the terminal has no focus or another screen is shown
        if self._rebuild_asked or self._keys() == self._shown:
            return
        self._rebuild_asked = True
        self.call_after_refresh(self.recompose)
