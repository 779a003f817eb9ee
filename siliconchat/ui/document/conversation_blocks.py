"""The blocks of the conversation and the reasoning: what the user typed, answers, errors, the reasoning.

User text, model ids and error sentences are untrusted: they are drawn as plain ``Text`` (never markup) after
``display_text``; answers and reasoning are Markdown (:class:`~siliconchat.ui.document.markdown_text.MarkdownText`).
Each block draws one line at a time (:meth:`line`), so that only the visible lines of a long answer are drawn.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from siliconchat.core.conversation import Message, MessageState
from siliconchat.core.sanitize import sanitize_line
from siliconchat.ui.document.attachment_chips import chip_lines
from siliconchat.ui.document.document_view import Block
from siliconchat.ui.document.folding import fold, size_text
from siliconchat.ui.document.markdown_render import display_text, text_lines
from siliconchat.ui.document.markdown_text import MarkdownText
from siliconchat.ui.document.theme_styles import DocumentStyles
from siliconchat.ui.document.thumbnails import thumbnail_lines

STATE_NOTES = {
    MessageState.STREAMING: "answering…",
    MessageState.STOPPED: "stopped",
    MessageState.INCOMPLETE: "incomplete",
    MessageState.FAILED: "failed",
}
BAR = "▌ "


class _Wrapped:
    """Plain text wrapped at one width, kept until the width or the text changes."""

    def __init__(self) -> None:
        self._key: tuple[int, str, Style] | None = None
        self._lines: list[Strip] = []

    def lines(self, text: str, width: int, style: Style) -> list[Strip]:
        key = (width, text, style)
        if key != self._key:
            self._key = key
            self._lines = text_lines(Text(display_text(text), style=style), max(1, width))
        return self._lines


def _pad(strip: Strip, width: int, style: Style) -> Strip:
    return strip.crop_extend(0, width, style)


def _boxed(
    y: int,
    height: int,
    width: int,
    inner: Callable[[int], Strip],
    title: str,
    border: Style,
    title_style: Style,
) -> Strip:
    """Line ``y`` of a box with a rounded border, ``title`` in its top edge and ``inner(y)`` inside."""
    if width < 4:
        return Strip([Segment(" " * width, border)])
    if y == 0:
        label = f" {title} " if title else ""
        label = label[: max(0, width - 4)]
        rest = width - 3 - len(label)
        return Strip([Segment("╭─", border), Segment(label, title_style), Segment("─" * rest + "╮", border)])
    if y == height - 1:
        return Strip([Segment("╰" + "─" * (width - 2) + "╯", border)])
    fill = Style(bgcolor=border.bgcolor) if border.bgcolor else Style()
    body = _pad(inner(y - 1), width - 4, fill)
    return Strip([Segment("│ ", border), *body, Segment(" │", border)])


class WelcomeBlock(Block):
    """The hint shown in an empty conversation."""

    margin_top = 0

    def __init__(self, text: str) -> None:
        self.body = text
        self._wrapped = _Wrapped()

    def _lines(self, width: int, styles: DocumentStyles) -> list[Strip]:
        return self._wrapped.lines(self.body, max(1, width - 4), styles.muted)

    def height(self, width: int, styles: DocumentStyles) -> int:
        return len(self._lines(width, styles)) + 2

    def line(self, y: int, width: int, styles: DocumentStyles) -> Strip:
        lines = self._lines(width, styles)
        if y == 0 or y > len(lines):
            return Strip([])
        return Strip([Segment("  "), *lines[y - 1]])


def branch_label(branch: tuple[int, int] | None) -> str:
    """``‹ 2/3 ›``: a message's place among its siblings ("" when it has none)."""
    return f"‹ {branch[0]}/{branch[1]} ›" if branch is not None else ""


class UserBlock(Block):
    """What the user typed, as plain text in a box titled "You" (and its place among its siblings, if it has
    any). A large text (a file pasted whole) is folded: its first and last lines around a chip that says how
    much is hidden; a click on the chip (or :meth:`toggle_fold`) shows it all, and a click on the chip then at
    its top folds it again."""

    def __init__(self, text: str, message: Message | None = None) -> None:
        self.body = text
        self.message = message
        self.found = False  # highlighted: a search result just opened, or the prompt picked for editing
        self.branch: tuple[int, int] | None = None
        self.fold = fold(text)
        self.expanded = False
        self._wrapped = _Wrapped()
        self._tail = _Wrapped()
        self._chips: tuple[int, list[Strip]] | None = None  # (width, the attachments' chip lines)

    def _lines(self, width: int, styles: DocumentStyles) -> list[Strip]:
        attached = self.message.attachments if self.message is not None else None
        if not attached:
            return self._text_lines(width, styles)
        if self._chips is None or self._chips[0] != width:
            pictures = [line for a in attached for line in thumbnail_lines(a, width - 4)]
            self._chips = (width, [*chip_lines(attached, width - 4, styles.button), *pictures])
        text = self._text_lines(width, styles) if self.body else []
        return [*text, *self._chips[1]]

    def _text_lines(self, width: int, styles: DocumentStyles) -> list[Strip]:
        if self.fold is None:
            return self._wrapped.lines(self.body, width - 4, styles.user_text)
        if self.expanded:
            return [
                self._chip(width - 4, styles),
                *self._wrapped.lines(self.body, width - 4, styles.user_text),
            ]
        head = self._wrapped.lines(self.fold.head, width - 4, styles.user_text) if self.fold.head else []
        tail = self._tail.lines(self.fold.tail, width - 4, styles.user_text) if self.fold.tail else []
        return [*head, self._chip(width - 4, styles), *tail]

    def _chip(self, width: int, styles: DocumentStyles) -> Strip:
        assert self.fold is not None
        if self.expanded:
            label = f"▾ {size_text(self.body)}: click here to fold"
        else:
            label = f"▸ {size_text(self.fold.hidden)} more, folded: click to show"
        return Strip([Segment(label[: max(0, width)], styles.button)])

    @property
    def chip_row(self) -> int | None:
        """The block's row of the fold's chip (None when it is not folded)."""
        if self.fold is None or self.view is None:
            return None
        if self.expanded:
            return 1
        view = self.view
        width = view.content_width - 4
        return 1 + (
            len(self._wrapped.lines(self.fold.head, width, view.styles_for_blocks.user_text))
            if self.fold.head
            else 0
        )

    def toggle_fold(self) -> bool:
        """Show all of a folded text, or fold it again; False when it is not large."""
        if self.fold is None:
            return False
        self.expanded = not self.expanded
        self.changed()
        return True

    def height(self, width: int, styles: DocumentStyles) -> int:
        return len(self._lines(width, styles)) + 2

    def line(self, y: int, width: int, styles: DocumentStyles) -> Strip:
        lines = self._lines(width, styles)
        border = styles.user_border + (styles.found if self.found else Style())
        title = f"You  {branch_label(self.branch)}" if self.branch else "You"
        strip = _boxed(y, len(lines) + 2, width, lines.__getitem__, title, border, styles.user_title)
        return Strip(list(Segment.apply_style(strip, styles.user_text)))


class ErrorBlock(Block):
    """A failure in a red box (or a warning in an amber one), with the core's sentence."""

    def __init__(
        self, text: str, *, title: str = "Error", warning: bool = False, message: Message | None = None
    ) -> None:
        self.body = text
        self.title = title
        self.warning = warning
        self.message = message
        self._wrapped = _Wrapped()

    def _lines(self, width: int, styles: DocumentStyles) -> list[Strip]:
        style = styles.warning_text if self.warning else styles.error_text
        return self._wrapped.lines(self.body, width - 4, style)

    def height(self, width: int, styles: DocumentStyles) -> int:
        return len(self._lines(width, styles)) + 2

    def line(self, y: int, width: int, styles: DocumentStyles) -> Strip:
        lines = self._lines(width, styles)
        border = styles.warning_border if self.warning else styles.error_border
        title = styles.warning_title if self.warning else styles.error_title
        return _boxed(
            y, len(lines) + 2, width, lines.__getitem__, sanitize_line(self.title, 40), border, title
        )


class MarkdownBlock(Block):
    """Markdown alone (the reasoning pane's body): its lines, nothing around them."""

    margin_top = 0

    def __init__(self, text: str = "", *, muted: bool = False) -> None:
        self.muted = muted
        self.markdown: MarkdownText | None = None
        self._initial = text

    def _text(self, styles: DocumentStyles) -> MarkdownText:
        if self.markdown is None:
            self.markdown = MarkdownText(styles.markdown, self._initial)
            self._initial = ""
        else:
            self.markdown.set_styles(styles.markdown)
        return self.markdown

    @property
    def source(self) -> str:
        return self.markdown.source if self.markdown is not None else self._initial

    def write(self, fragment: str) -> None:
        if self.markdown is None:
            self._initial += fragment
        else:
            self.markdown.append(fragment)
        self.changed()

    def show(self, text: str) -> None:
        if self.markdown is None:
            self._initial = text
        elif text != self.markdown.source:
            self.markdown.set_text(text)
        self.changed()

    def _markdown(self, styles: DocumentStyles) -> MarkdownText | None:
        if self.markdown is None and not self._initial:
            return None  # nothing to parse yet (Markdown's modules load with the first text)
        return self._text(styles)

    def height(self, width: int, styles: DocumentStyles) -> int:
        markdown = self._markdown(styles)
        return markdown.height(width) if markdown is not None else 0

    def line(self, y: int, width: int, styles: DocumentStyles) -> Strip:
        markdown = self._markdown(styles)
        return markdown.line(y, width) if markdown is not None else Strip([])

    def materialize(self, top: int, bottom: int, width: int, styles: DocumentStyles) -> tuple[bool, int]:
        markdown = self._markdown(styles)
        return markdown.materialize(top, bottom, width) if markdown is not None else (False, 0)

    def anchor(self, y: int, width: int, styles: DocumentStyles) -> object:
        markdown = self._markdown(styles)
        return markdown.anchor(y, width) if markdown is not None else None

    def row_for(self, place: object, width: int, styles: DocumentStyles) -> int:
        markdown = self._markdown(styles)
        return markdown.row_for(place, width) if markdown is not None and isinstance(place, tuple) else 0


class AnswerBlock(MarkdownBlock):
    """One assistant answer: a label line (model, how it ended, its place among its siblings) and the answer
    as Markdown, with a bar on its left (amber when the answer was stopped or cut off, bright when its turn is
    selected)."""

    margin_top = 1

    def __init__(self, message: Message) -> None:
        super().__init__(message.content)
        self.message = message
        self.selected = False
        self.branch: tuple[int, int] | None = None

    def label_parts(self) -> tuple[str, str | None]:
        """The model's id and, unless the answer is complete, how it ended."""
        message = self.message
        note = STATE_NOTES.get(message.state)
        if message.state is MessageState.STREAMING and not message.content:
            note = "thinking…" if message.reasoning else "waiting…"
        if message.state is MessageState.COMPLETE and message.finish_reason not in (None, "stop", "eos"):
            note = f"finish reason: {sanitize_line(message.finish_reason or '', 20)}"
        return sanitize_line(message.model or "assistant", 80), note

    def refresh_label(self) -> None:
        self.changed()

    async def finish(self) -> None:
        """Show the message's whole text (only what the stream did not bring is drawn again)."""
        self.show(self.message.content)

    def height(self, width: int, styles: DocumentStyles) -> int:
        return 1 + super().height(max(1, width - 3), styles)

    def line(self, y: int, width: int, styles: DocumentStyles) -> Strip:
        warn = self.message.state in (MessageState.STOPPED, MessageState.INCOMPLETE)
        bar_style = styles.bar_warning if warn else styles.bar
        if self.selected:
            bar_style = bar_style + Style(color=styles.markdown.bullet.color)
        bar = Segment(BAR, bar_style)
        if y == 0:
            model, note = self.label_parts()
            segments = [Segment("● ", styles.bullet_label), Segment(model, styles.label_model)]
            if note:
                segments += [Segment("  ·  ", styles.label), Segment(note, styles.label_note)]
            if self.branch:
                segments += [
                    Segment("  ·  ", styles.label),
                    Segment(branch_label(self.branch), styles.label_model),
                ]
            return Strip([bar, *_pad(Strip(segments), max(1, width - 3), Style())])
        return Strip([bar, *super().line(y - 1, max(1, width - 3), styles)])

    def materialize(self, top: int, bottom: int, width: int, styles: DocumentStyles) -> tuple[bool, int]:
        return super().materialize(max(0, top - 1), bottom - 1, max(1, width - 3), styles)

    def anchor(self, y: int, width: int, styles: DocumentStyles) -> object:
        return None if y == 0 else super().anchor(y - 1, max(1, width - 3), styles)  # row 0: the label

    def row_for(self, place: object, width: int, styles: DocumentStyles) -> int:
        return 0 if place is None else 1 + super().row_for(place, max(1, width - 3), styles)


class EarlierBlock(Block):
    """At the top of a reopened conversation: "▲ N earlier messages"; a click shows the previous page."""

    margin_top = 0

    def __init__(self, messages: list[Message], page: int) -> None:
        self.messages = messages
        self.page = page

    def height(self, width: int, styles: DocumentStyles) -> int:
        return 1

    def line(self, y: int, width: int, styles: DocumentStyles) -> Strip:
        count = len(self.messages)
        label = (
            f"▲ {count} earlier message{'s' if count != 1 else ''}: click, or scroll up from here, to show "
            f"{min(self.page, count)}"
        )
        return Strip([Segment(label[:width], styles.button)])


class LaterBlock(EarlierBlock):
    """Under the first messages of a conversation opened from its end and sent Home: "▼ N more messages";
    a click, or scrolling down onto it, shows the next page (the messages held back come after it)."""

    def line(self, y: int, width: int, styles: DocumentStyles) -> Strip:
        count = len(self.messages)
        label = (
            f"▼ {count} more message{'s' if count != 1 else ''}: click, or scroll down to here, to show "
            f"{min(self.page, count)}"
        )
        return Strip([Segment(label[:width], styles.button)])
