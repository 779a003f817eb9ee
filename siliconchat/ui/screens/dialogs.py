"""Small modal dialogs of the history: rename a conversation, confirm a deletion.

Bindings:

| screen | key | action |
|---|---|---|
| RenameScreen | enter | save the new title |
| RenameScreen | escape | cancel |
| ConfirmScreen | y, enter (on "Delete") | confirm |
| ConfirmScreen | n, escape | cancel |

Titles are untrusted text (they come from prompts): they are shown as ``Content``, never as markup.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from siliconchat.core.history import TITLE_LIMIT
from siliconchat.core.sanitize import sanitize_line
from siliconchat.ui.keymap import key_label
from siliconchat.ui.widgets.closing_input import ClosingInput

__all__ = ["ConfirmScreen", "RenameScreen"]


class RenameScreen(ModalScreen[str | None]):
    """Edit a conversation's title; dismisses with the new title, or None when cancelled."""

    CSS_PATH = "../styles/dialogs.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="rename.cancel"),
    ]

    def __init__(self, title: str) -> None:
        super().__init__()
        self._title = sanitize_line(title)

    def compose(self) -> ComposeResult:
        with Vertical(id="rename-dialog", classes="dialog") as dialog:
            dialog.border_title = "Rename conversation"
            dialog.border_subtitle = (
                f"enter save · {key_label(self.app, RenameScreen, 'rename.cancel')} cancel"
            )
            yield ClosingInput(
                self._title,
                placeholder="Title",
                id="rename-input",
                max_length=TITLE_LIMIT * 2,
                on_enter=self._entered,
            )

    def _entered(self, value: str) -> bool:
        title = sanitize_line(value)
        if not title:
            self.notify("A title cannot be empty.", severity="warning", markup=False)
            return False
        self.dismiss(title)
        return True

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question; dismisses True when confirmed."""

    CSS_PATH = "../styles/dialogs.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm", "Yes", id="confirm.yes"),
        Binding("n,escape", "cancel", "No", id="confirm.no"),
        Binding("left,right", "app.focus_next", "Switch", show=False),
    ]

    def __init__(self, question: str, detail: str = "", *, confirm_label: str = "Delete") -> None:
        super().__init__()
        self._question = question
        self._detail = detail
        self._confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog", classes="dialog") as dialog:
            dialog.border_title = "Confirm"
            yes, no = (
                key_label(self.app, ConfirmScreen, f"confirm.{answer}", every=True)
                for answer in ("yes", "no")
            )
            dialog.border_subtitle = f"{yes} yes · {no} no"
            yield Static(Content(self._question), markup=False, id="confirm-question")
            if self._detail:
                yield Static(Content(sanitize_line(self._detail)), markup=False, id="confirm-detail")
            with Horizontal(id="confirm-actions"):
                yield Button(Content(self._confirm_label), variant="error", id="confirm-yes")
                yield Button(Content("Cancel"), id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()  # the safe choice is the default

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-yes")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
