"""The header: the app's name, the model, the region (or DEMO) and the account balance."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Static

from siliconchat.core.sanitize import sanitize_line, strip_userinfo


class HeaderBar(Horizontal):
    """One line at the top of the chat screen. Every value is set as ``Content`` (never markup)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.title = Static(Content("siliconchat"), markup=False, id="header-title")
        self.model = Static(markup=False, id="header-model")
        self.thinking = Static(markup=False, id="header-thinking")
        self.place = Static(markup=False, id="header-place")
        self.balance = Static(Content("balance …"), markup=False, id="header-balance")
        self.history = Static(markup=False, id="header-history")
        self.history.display = False
        # What each label shows (they start empty but for the balance).
        self._shown: dict[Static, str] = {
            label: "" for label in (self.model, self.thinking, self.place, self.history)
        }
        self._shown[self.balance] = "balance …"

    def compose(self) -> ComposeResult:
        yield self.title
        yield self.model
        yield self.thinking
        yield self.place
        yield self.history
        yield self.balance

    def _show(self, label: Static, text: str) -> None:
        # Only a change: an update lays the screen out again, and the header is often told what it shows.
        if self._shown.get(label) != text:
            self._shown[label] = text
            label.update(Content(text))

    def set_model(self, model: str) -> None:
        self._show(self.model, sanitize_line(model, 80))

    def set_thinking(self, text: str) -> None:
        self._show(self.thinking, text)
        self.thinking.display = bool(text)

    def set_place(self, text: str, *, demo: bool = False) -> None:
        self._show(self.place, sanitize_line(strip_userinfo(text), 40))  # a base URL's user:password@ never
        self.place.set_class(demo, "-demo")

    def set_balance(self, balance: str | None) -> None:
        self._show(self.balance, "balance ?" if balance is None else f"balance {sanitize_line(balance, 24)}")

    def set_history_note(self, text: str) -> None:
        """A note that stays while the history cannot be used (e.g. "history off"); "" hides it."""
        self._show(self.history, text)
        self.history.display = bool(text)
