"""The blocks of the conversation: a user turn, an answer, an error.

User text, model ids and error sentences are untrusted: they reach the screen as ``Content``
(never markup) after ``sanitize``; answers are Markdown (see :class:`LiveDocument`).

The Markdown widgets (``live_markdown``: markdown-it, Pygments and Textual's Markdown, ~50 ms) are imported when
the first answer block is made, not with this module: the conversation is empty at launch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message as TextualMessage
from textual.widgets import Static

from siliconchat.core.conversation import Message, MessageState
from siliconchat.core.sanitize import sanitize, sanitize_line
from siliconchat.ui.widgets.laid_out_once import LaidOutOnce

if TYPE_CHECKING:
    from siliconchat.ui.widgets.live_markdown import LiveDocument

_STATE_NOTES = {
    MessageState.STREAMING: "answering…",
    MessageState.STOPPED: "stopped",
    MessageState.INCOMPLETE: "incomplete",
    MessageState.FAILED: "failed",
}
# The states that look different (conversation.tcss: the block's border): only these are classes on the block,
# so that a complete answer changes no class at all.
_STATE_CLASSES = {
    state: f"-{state.value}" for state in (MessageState.STOPPED, MessageState.INCOMPLETE, MessageState.FAILED)
}


class UserTurn(Static):
    """What the user typed, shown as plain text."""

    def __init__(self, text: str) -> None:
        super().__init__(Content(sanitize(text)), markup=False, classes="user-turn")
        self.border_title = Content("You")


class AnswerBlock(LaidOutOnce, Vertical, can_focus=True):
    """One assistant answer: a label (model and state) and the answer as Markdown.

    Clicking or focusing the block selects its turn: the reasoning pane then shows its reasoning.
    """

    class Selected(TextualMessage):
        """The user selected this answer's turn."""

        def __init__(self, block: AnswerBlock) -> None:
            super().__init__()
            self.block = block

    def __init__(self, message: Message) -> None:
        from siliconchat.ui.widgets.live_markdown import LiveDocument

        super().__init__(classes="answer")
        self.message = message
        self.label = Static(markup=False, classes="answer-label")
        self.body: LiveDocument = LiveDocument(classes="answer-body")

    def compose(self) -> ComposeResult:
        yield self.label
        yield self.body

    def on_mount(self) -> None:
        self.refresh_label()

    def refresh_label(self) -> None:
        """Show the model and, unless complete, how the answer ended."""
        message = self.message
        label = Content.assemble(("● ", "$accent"), (sanitize_line(message.model or "assistant", 80), "bold"))
        note = _STATE_NOTES.get(message.state)
        if message.state is MessageState.COMPLETE and message.finish_reason not in (None, "stop", "eos"):
            note = f"finish reason: {sanitize_line(message.finish_reason or '', 20)}"
        if note:
            label = label + Content.assemble(("  ·  ", "$text-muted"), (note, "$text-warning"))
        self.label.update(label, layout=False)  # the label is one line, as wide as the block
        wanted = _STATE_CLASSES.get(message.state)
        stale = [name for name in _STATE_CLASSES.values() if name != wanted and self.has_class(name)]
        if stale or (wanted is not None and not self.has_class(wanted)):
            self.remove_class(*stale, update=False)
            if wanted is not None:
                self.add_class(wanted, update=False)
            # Restyle the block alone: Textual would restyle every Markdown block inside it too (a second
            # or more for a long answer), and the state classes only style the block's own border.
            self.app.stylesheet.update_nodes([self], animate=False)

    async def write(self, fragment: str) -> None:
        await self.body.write(fragment)

    async def finish(self) -> None:
        self.refresh_label()
        await self.body.finish(self.message.content)

    def on_focus(self) -> None:
        self.post_message(self.Selected(self))

    def on_click(self, event: events.Click) -> None:
        self.post_message(self.Selected(self))


class ErrorBlock(Static):
    """A failure, in a red box, with the core's sentence (which carries the trace id)."""

    def __init__(self, text: str, *, title: str = "Error", warning: bool = False) -> None:
        super().__init__(
            Content(sanitize(text)),
            markup=False,
            classes="error-block -warning" if warning else "error-block",
        )
        self.border_title = Content(title)
