"""The footer of keys: Textual's, shown in the first frame and rebuilt only when what it shows changes."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer

from siliconchat.ui.textual_seams import FooterKey, mark_footer_bindings_ready, set_footer_key_enabled

Keys = tuple[tuple[Binding, str, bool, str], ...]
"""What the footer shows: each shown binding, as displayed, whether it is enabled, and its tooltip."""


class KeyFooter(Footer):
    """Textual's :class:`~textual.widgets.Footer`, which rebuilds its keys whenever bindings *may* have changed.

    At start-up that was three rebuilds in the 0.2 s after the first frame (the focus moving to the prompt,
    the terminal reporting focus, the screen's stack), each about 30 ms of a 2-core machine, and the first frame
    had no keys at all: Textual's footer waits for the first of those signals to show any. This one shows the
    keys in its first composition and rebuilds only when the keys it would show differ from those it shows.
    """

    def __init__(self) -> None:
        super().__init__()
        mark_footer_bindings_ready(self)  # the screen's bindings are ready when this composes
        self._shown: Keys = ()
        self._rebuild_asked = False

    def _keys(self) -> Keys:
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
        if self._rebuild_asked:
            return
        keys = self._keys()
        if keys == self._shown:
            return
        if self._enable(keys):
            self._shown = keys
            return
        self._rebuild_asked = True
        self.call_after_refresh(self.recompose)

    def _enable(self, keys: Keys) -> bool:
        """Show ``keys`` by enabling or disabling the keys shown, if that is all that changed (Stop, as an
        answer starts and ends: a rebuild was 12-17 ms of a 2-core machine, in the answer's first moments)."""
        shown = self._shown
        if len(keys) != len(shown):
            return False
        for (binding, display, _, tooltip), (was, was_display, _, was_tooltip) in zip(
            keys, shown, strict=True
        ):
            if (binding, display, tooltip) != (was, was_display, was_tooltip):
                return False
        widgets = {(key.key, key.action): key for key in self.query(FooterKey)}
        for binding, _display, enabled, _tooltip in keys:
            key = widgets.get((binding.key, binding.action))
            if key is not None:
                set_footer_key_enabled(key, enabled)
        return True
