"""The reasoning pane: the thinking of the turn in progress, live; otherwise that of the selected turn.

It has its own scroll, which follows the end while reasoning streams unless the user scrolls up,
and a status line: "thinking… N s" while the model thinks, then "thought for N s".
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from siliconchat.core.conversation import Message, MessageState
from siliconchat.ui.document.conversation_blocks import MarkdownBlock
from siliconchat.ui.document.document_view import DocumentView
from siliconchat.ui.widgets.formatting import seconds

IDLE_HINT = "The reasoning of the model appears here while it thinks."


class ReasoningPane(Vertical):
    """Reasoning with a status line; see the module docstring."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = Content("Reasoning")
        self.status = Static(Content(IDLE_HINT), markup=False, classes="reasoning-status")
        self.scroller = DocumentView(classes="reasoning-scroll -muted")
        self.body = MarkdownBlock(muted=True)
        self.scroller.add_block(self.body)
        self._status_text = ""
        self.message: Message | None = None  # the turn whose reasoning is shown

    def compose(self) -> ComposeResult:
        yield self.status
        yield self.scroller

    def set_status(self, text: str) -> None:
        if text != self._status_text:
            self._status_text = text
            self.status.update(Content(text), layout=False)  # one line, as wide as the pane

    # -- live --------------------------------------------------------------------------------

    def begin(self, message: Message) -> None:
        """A new turn starts: empty the pane and follow its end."""
        self.message = message
        self.body.show("")
        self._set_empty(False)
        self.set_status("waiting for the model…")
        self.scroller.follow()

    def write(self, fragment: str) -> None:
        self.body.write(fragment)

    def thinking(self, elapsed: float | None, answering: bool) -> None:
        """Per-frame status while streaming."""
        if elapsed is None:
            if answering:
                self.set_status("no reasoning for this answer")
            return
        if answering:
            self.set_status(f"thought for {seconds(elapsed)}")
        else:
            self.set_status(f"thinking… {seconds(elapsed)}")

    def finish(self, message: Message) -> None:
        """The turn ended: show its whole reasoning, and how long it took."""
        self.body.show(message.reasoning)
        self.scroller.follows = False
        self._show_status(message)

    # -- idle ---------------------------------------------------------------------------------

    def show_message(self, message: Message | None) -> None:
        """Show the reasoning of ``message`` (the last or selected turn), from its top."""
        self.message = message
        self.scroller.follows = False
        if message is None:
            self.body.show("")
            self._set_empty(True)
            self.set_status(IDLE_HINT)
            return
        self.body.show(message.reasoning)
        self._show_status(message)
        self.scroller.scroll_home(animate=False, immediate=True)

    def _set_empty(self, empty: bool) -> None:
        self.set_class(empty, "-empty")

    def _show_status(self, message: Message) -> None:
        self._set_empty(not message.reasoning)
        if not message.reasoning:
            self.set_status("no reasoning for this answer")
            return
        spent = message.timings.reasoning
        if message.state is MessageState.STOPPED and not message.content:
            self.set_status(f"stopped after thinking for {seconds(spent)}")
        else:
            self.set_status(f"thought for {seconds(spent)}")

    def clear(self) -> None:
        self.show_message(None)
