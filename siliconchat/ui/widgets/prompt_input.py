"""The prompt: a multi-line input where Enter sends and Ctrl+J / Shift+Enter insert a new line.

| key | action |
|---|---|
| enter | send the prompt (binding id ``send``) |
| ctrl+j, shift+enter | insert a new line (binding id ``newline``) |
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import TextArea


class PromptInput(TextArea):
    """A ``TextArea`` that posts :class:`PromptInput.Submitted` on Enter."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "Send", id="send", priority=True, show=False),
        Binding("ctrl+j,shift+enter", "newline", "New line", id="newline", priority=True, show=False),
    ]

    class Submitted(Message):
        """The user asked to send ``text``."""

        def __init__(self, prompt: PromptInput, text: str) -> None:
            super().__init__()
            self.prompt = prompt
            self.text = text

        @property
        def control(self) -> PromptInput:
            return self.prompt

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, soft_wrap=True, show_line_numbers=False, tab_behavior="focus")
        self.placeholder = "Ask anything…  (Enter sends, Ctrl+J new line)"

    # The bindings are priority bindings, so they run in the app's queue while the keys typed just
    # before them may still wait in this widget's queue (a fast paste, tmux send-keys): act only
    # after those, through this widget's own queue.

    def action_submit(self) -> None:
        self.call_later(self._submit)

    def action_newline(self) -> None:
        self.call_later(self.insert, "\n")

    def _submit(self) -> None:
        if self.text.strip():
            self.post_message(self.Submitted(self, self.text))

    def restore(self, text: str) -> None:
        """Put ``text`` back (after a failure) unless the user already typed something new."""
        if not self.text.strip():
            self.text = text
            self.move_cursor(self.document.end)
