"""The columns of a comparison: one per model, each with its answer, its reasoning and its numbers.

A :class:`CompareColumn` shows one model's answer as it streams: a title line (the model and how the answer is
doing), one line about the reasoning (folded by default; unfolded, the reasoning shows above the answer), the
answer (a :class:`~siliconchat.ui.document.document_view.DocumentView`: it costs what is visible, as the
conversation does), and a status line (time to first token, tokens per second, tokens, cost). The
:class:`ComparePanel` holds the columns side by side; narrower than :data:`COLUMNS_MIN_WIDTH` it shows one
column at a time under a strip of tabs. The panel only shows: what a key does is
:mod:`siliconchat.ui.screens.chat_compare`'s.

Model ids, error sentences and figures are untrusted or computed text: they are sanitized and shown as
``Content``, never as markup.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message as TextualMessage
from textual.widgets import Static

from siliconchat.core.conversation import Message, MessageState
from siliconchat.core.sanitize import sanitize_line
from siliconchat.ui.document.conversation_blocks import ErrorBlock, MarkdownBlock
from siliconchat.ui.document.document_view import DocumentView

__all__ = ["COLUMNS_MIN_WIDTH", "CompareColumn", "ComparePanel"]

COLUMNS_MIN_WIDTH = 110
"""At this width and wider the answers stand side by side; narrower, one at a time under tabs."""

STATE_WORDS = {
    MessageState.STREAMING: "streaming…",
    MessageState.COMPLETE: "done",
    MessageState.STOPPED: "stopped",
    MessageState.INCOMPLETE: "incomplete",
    MessageState.FAILED: "failed",
}
STATE_MARKS = {
    MessageState.STREAMING: "…",
    MessageState.COMPLETE: "✓",
    MessageState.STOPPED: "■",
    MessageState.INCOMPLETE: "■",
    MessageState.FAILED: "✖",
}


def wrap_figures(text: str, width: int) -> list[str]:
    """``text``'s figures (``a · b · c``) in lines of at most ``width`` cells, broken only between figures
    (a figure wider than ``width`` has a line of its own, which the widget wraps)."""
    lines: list[str] = []
    for figure in text.split(" · "):
        if lines and cell_len(lines[-1]) + 3 + cell_len(figure) <= width:
            lines[-1] = f"{lines[-1]} · {figure}"
        else:
            lines.append(figure)
    return lines


class CompareColumn(Vertical):
    """One model's answer in a comparison (see the module docstring)."""

    class Clicked(TextualMessage):
        """The user clicked in the column: it becomes the highlighted one."""

        def __init__(self, column: CompareColumn) -> None:
            super().__init__()
            self.column = column

    def __init__(self, message: Message, number: int) -> None:
        super().__init__(classes="compare-column")
        self.message = message
        self.number = number  # 1-based, as the tabs and the help show it
        self.title = Static(classes="compare-title", markup=False)
        self.fold = Static(classes="compare-fold", markup=False)
        self.reasoning_view = DocumentView(classes="compare-reasoning -muted")
        self.reasoning = MarkdownBlock(muted=True)
        self.reasoning_view.add_block(self.reasoning)
        self.answer_view = DocumentView(classes="compare-answer")
        self.answer = MarkdownBlock(message.content)
        self.answer_view.add_block(self.answer)
        self.numbers = Static(classes="compare-numbers", markup=False)
        self.error: ErrorBlock | None = None
        self.unfolded = False
        self.reasoning_view.display = False
        self._title_key: tuple[object, ...] = ()
        self._state = ("waiting…", True)
        self._numbers_text = ""
        self._numbers_drawn: tuple[str, int] | None = None  # the text and the width it was drawn at
        self._fold_text = ""

    def compose(self) -> ComposeResult:
        yield self.title
        yield self.fold
        yield self.reasoning_view
        yield self.answer_view
        yield self.numbers

    def on_mount(self) -> None:
        self.answer_view.follow()
        self.reasoning_view.follow()
        self.set_state("waiting…", streaming=True)
        self.show_numbers("")
        self.show_thinking("")

    def on_resize(self, event: events.Resize) -> None:
        word, streaming = self._state
        self.set_state(word, streaming=streaming)  # the model's name fits the new width
        self.call_after_refresh(self._draw_numbers)  # wrapped (or not) at the new width

    def on_click(self, event: events.Click) -> None:
        self.post_message(self.Clicked(self))

    def on_document_view_clicked(self, event: DocumentView.Clicked) -> None:
        event.stop()
        self.post_message(self.Clicked(self))

    # -- what the screen calls ----------------------------------------------------------------

    def write(self, answer: str, reasoning: str) -> None:
        """Text that arrived (reasoning is written only while it is unfolded: folded, it is shown afresh from
        the message when the user unfolds it)."""
        if reasoning and self.unfolded:
            self.reasoning.write(reasoning)
        if answer:
            self.answer.write(answer)

    def finish(self, error: str | None, *, warning: bool = False) -> None:
        """The answer ended: its whole text (drawn again only where it differs from what streamed), and the
        error, if any, in a box under it."""
        self.answer.show(self.message.content)
        if self.unfolded:
            self.reasoning.show(self.message.reasoning)
            self.reasoning_view.display = bool(self.message.reasoning)
        if error and self.error is None:
            title = "No answer" if warning else "Error"
            self.error = ErrorBlock(error, title=title, warning=warning, message=self.message)
            self.answer_view.add_block(self.error)

    def set_unfolded(self, unfolded: bool, reasoning: str) -> None:
        """Show the reasoning (``reasoning``, all of it so far) above the answer, or fold it to its one line."""
        if unfolded == self.unfolded:
            return
        self.unfolded = unfolded
        if unfolded:
            self.reasoning.show(reasoning)
            self.reasoning_view.follow(self.message.state is MessageState.STREAMING)
        self.reasoning_view.display = unfolded and bool(reasoning)
        self._fold_text = ""  # its mark changes

    def set_state(self, word: str, *, streaming: bool) -> None:
        """The title line: the number, the model and how its answer is doing (``word``)."""
        key = (word, streaming, self.title.size.width)
        if key == self._title_key:
            return
        self._title_key = key
        self._state = (word, streaming)
        width = self.title.size.width or 200
        model = sanitize_line(self.message.model or "assistant", 80)
        room = width - len(word) - len(str(self.number)) - 4
        if len(model) > room:  # the name without its organisation, then cut
            model = model.rsplit("/", 1)[-1]
            if len(model) > room:
                model = model[: max(1, room - 1)] + "…"
        self.title.update(
            Content.assemble(
                (f"{self.number} ", "bold $text-accent"),
                (model, "bold"),
                ("  ", ""),
                (word, "$text-warning" if streaming else "$text-muted"),
            ),
            layout=False,
        )
        if self.unfolded and not self.reasoning_view.display and self.reasoning.source:
            self.reasoning_view.display = True

    def show_thinking(self, text: str) -> None:
        """The reasoning's line: "▸ thinking… 4 s", "▾ thought for 6 s" (unfolded), "▸ no reasoning"."""
        line = f"{'▾' if self.unfolded else '▸'} {text or 'reasoning'}"
        if line != self._fold_text:
            self._fold_text = line
            self.fold.update(Content(line), layout=False)

    def show_numbers(self, text: str) -> None:
        """The numbers' line; more lines when the column is narrower than the text (wrapped between figures)."""
        self._numbers_text = text
        self._draw_numbers()

    def _draw_numbers(self) -> None:
        """Draws the latest numbers at the column's width, unless that is what is drawn: a redraw after a resize
        reads the numbers then, so numbers shown between the resize and its redraw are the ones kept."""
        text, width = self._numbers_text, self.numbers.size.width
        if (text, width) == self._numbers_drawn:
            return
        self._numbers_drawn = (text, width)
        lines = wrap_figures(text, width) if width else [text]
        if self.numbers.styles.height is None or self.numbers.styles.height.value != len(lines):
            self.numbers.styles.height = len(lines)  # a layout, only when the line count changes
        self.numbers.update(Content("\n".join(lines) or "–"), layout=False)

    def set_highlighted(self, highlighted: bool) -> None:
        self.set_class(highlighted, "-highlighted")


class ComparePanel(Vertical):
    """The columns of a comparison, side by side (or one at a time under tabs when narrow)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.prompt_line = Static(classes="compare-prompt", markup=False)
        self.tabs = Static(classes="compare-tabs", markup=False)
        self.hint = Static(classes="compare-hint", markup=False)
        self.row = Horizontal(classes="compare-row")
        self.columns: list[CompareColumn] = []
        self.highlighted = 0
        self.narrow = False

    def compose(self) -> ComposeResult:
        yield self.prompt_line
        yield self.tabs
        yield self.row
        yield self.hint

    async def show_columns(self, prompt: str, columns: Sequence[CompareColumn], hint: Content) -> None:
        """Show ``columns`` (the previous comparison's, if any, go) under the first line of ``prompt``, with
        ``hint`` (the keys) under them."""
        first = next((line for line in prompt.splitlines() if line.strip()), "")
        more = " …" if first != prompt.strip() else ""
        self.prompt_line.update(
            Content.assemble(("› ", "bold $text-accent"), sanitize_line(first, 200), (more, "$text-muted")),
            layout=False,
        )
        await self.row.remove_children()
        self.columns = list(columns)
        self.highlighted = 0
        await self.row.mount_all(self.columns)
        self.hint.update(hint, layout=False)
        self._arrange()

    async def clear(self) -> None:
        await self.row.remove_children()
        self.columns = []

    def set_narrow(self, narrow: bool) -> None:
        if narrow != self.narrow:
            self.narrow = narrow
            self._arrange()

    def highlight(self, index: int) -> CompareColumn | None:
        """Highlight column ``index`` (wrapping around); in the narrow layout, show it."""
        if not self.columns:
            return None
        self.highlighted = index % len(self.columns)
        self._arrange()
        return self.columns[self.highlighted]

    @property
    def current(self) -> CompareColumn | None:
        return self.columns[self.highlighted] if self.columns else None

    def _arrange(self) -> None:
        for index, column in enumerate(self.columns):
            shown = index == self.highlighted
            column.set_highlighted(shown and not self.narrow)
            column.display = shown or not self.narrow
        self.tabs.display = self.narrow
        self.refresh_tabs()

    def refresh_tabs(self) -> None:
        """The tabs of the narrow layout: each model's number, state mark and name (cut to fit)."""
        if not self.narrow or not self.columns:
            return
        width = max(8, self.size.width // len(self.columns) - 3)
        parts: list[str | tuple[str, str]] = []
        for index, column in enumerate(self.columns):
            message = column.message
            name = sanitize_line(message.model or "assistant", 80).rsplit("/", 1)[-1]
            label = f" {column.number} {STATE_MARKS[message.state]} {name}"
            if len(label) > width:
                label = label[: width - 1] + "…"
            style = "reverse bold" if index == self.highlighted else "$text-muted"
            parts.append((label + " ", style))
            parts.append(" ")
        self.tabs.update(Content.assemble(*parts), layout=False)

    def on_resize(self, event: events.Resize) -> None:
        self.refresh_tabs()
