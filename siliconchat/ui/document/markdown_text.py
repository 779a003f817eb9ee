"""A Markdown document that grows as an answer streams in, drawn as lines that cost what is seen.

The text is cut into chunks (``chunks``). A finished chunk is drawn once per width, and only when one of
its lines is to be shown (:meth:`MarkdownText.materialize`, :meth:`MarkdownText.line`); until then its height
is estimated from its text. The last chunk, still growing, is drawn again when text arrives. So a frame's work
is bounded by the last chunk and what is on screen, not by the length of the answer; reopening or resizing a
long answer draws the chunks in view, not all of them; and memory grows with the text, not with widgets.

Rows of the document: each chunk's lines, with one blank row before a chunk that is not ``joined`` to the
one before it (the gap between two blocks), when it and something before it have lines.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import pairwise

from textual.strip import Strip

from siliconchat.ui.document.chunks import Chunk, ChunkSplitter
from siliconchat.ui.document.markdown_render import MarkdownStyles, code_lines, display_text, render_markdown

BLANK = Strip([])


def _code_text(text: str, fence: str) -> str:
    """A code chunk's code: its lines, without the closing fence if the chunk ends with it."""
    lines = text.split("\n")
    if lines and not lines[-1]:
        lines.pop()
    if lines:
        last = lines[-1].strip()
        if last and fence and last.startswith(fence) and not last.strip(fence[0]):
            lines.pop()
    return "\n".join(lines)


def render_chunk(
    text: str, chunk: Chunk, width: int, styles: MarkdownStyles, before: str = ""
) -> list[Strip]:
    """One chunk's lines at ``width``. ``before``: the text of the chunk before it (the start of the code
    block that a code chunk continues gives its highlighting the context)."""
    if chunk.code is not None:
        context = _code_context(before, chunk.fence)
        code = display_text(_code_text(text, chunk.fence))
        return code_lines(code, chunk.code, width, styles, context=display_text(context))
    return render_markdown(text, width, styles, table=chunk.table)


def _code_context(before: str, fence: str) -> str:
    """The code at the end of ``before``: all of it after the last line that opens a fence with ``fence``
    (the chunk before a code chunk is the block's previous piece, or the Markdown that opened it)."""
    lines = before.rstrip("\n").split("\n")
    for index in range(len(lines) - 1, -1, -1):
        if fence and lines[index].lstrip(" ").startswith(fence):
            return "\n".join(lines[index + 1 :])
    return "\n".join(lines)


def estimate_lines(text: str, chunk: Chunk, width: int) -> int:
    """About how many lines ``text`` takes at ``width`` (each source line wrapped; Markdown's blank lines
    between blocks are in the source too). Used until the chunk is drawn."""
    if not text.strip() and chunk.code is None:
        return 0
    room = max(1, width - 2)
    return sum(1 + (len(line) - 1) // room if line else 1 for line in text.rstrip("\n").split("\n"))


class MarkdownText:
    """Markdown source and its lines at one width (see the module docstring)."""

    def __init__(self, styles: MarkdownStyles, text: str = "") -> None:
        self.styles = styles
        self._splitter = ChunkSplitter()
        self._texts: list[str] = []  # the text of each finished chunk
        self._tail: list[str] = []  # the text of the last chunk, in the pieces that arrived
        self._tail_size = 0
        self._width = 0
        self._drawn: list[list[Strip] | None] = []  # each finished chunk's lines at _width, once drawn
        self._starts: list[int] = []  # the first row of each finished chunk (its blank row included)
        self._rows: list[int] = []  # its rows (a blank row, its lines or their estimate)
        self._placed = 0  # the finished chunks whose place is known (_starts, _rows)
        self._content_before = False  # a placed chunk has lines (the next one gets a blank row)
        self._tail_lines: list[Strip] | None = None  # the last chunk's lines, while its text is unchanged
        self.version = 0  # bumped by every change of text or styles
        if text:
            self.append(text)

    @property
    def source(self) -> str:
        return "".join(self._texts) + "".join(self._tail)

    def __len__(self) -> int:
        return self._splitter.last_start + self._tail_size

    # -- text ----------------------------------------------------------------------------------

    def append(self, text: str) -> None:
        """Add ``text`` (raw) at the end."""
        if not text:
            return
        splitter = self._splitter
        before = len(splitter.chunks)
        tail_start = splitter.last_start
        splitter.feed(text)
        self.version += 1
        self._tail_lines = None
        if len(splitter.chunks) == before:
            self._tail.append(text)
            self._tail_size += len(text)
            return
        # New cuts: the text of the finished chunks moves out of the tail.
        whole = "".join(self._tail) + text
        starts = [chunk.start - tail_start for chunk in splitter.chunks[before - 1 :]]
        for start, end in pairwise(starts):
            self._texts.append(whole[start:end])
            self._drawn.append(None)
        rest = whole[starts[-1] :]
        self._tail = [rest] if rest else []
        self._tail_size = len(rest)

    def set_text(self, text: str) -> None:
        """Show ``text``: only what follows the current text is added when it starts with it."""
        source = self.source
        if text.startswith(source):
            self.append(text[len(source) :])
            return
        self.clear()
        self.append(text)

    def clear(self) -> None:
        self._splitter = ChunkSplitter()
        self._texts = []
        self._tail = []
        self._tail_size = 0
        self._drawn = []
        self._forget_places(0)
        self._tail_lines = None
        self.version += 1

    def set_styles(self, styles: MarkdownStyles) -> None:
        if styles != self.styles:
            self.styles = styles
            self._width = 0
            self._tail_lines = None
            self.version += 1

    # -- rows ----------------------------------------------------------------------------------

    def _forget_places(self, index: int) -> None:
        self._placed = min(self._placed, index)
        del self._starts[self._placed :]
        del self._rows[self._placed :]
        self._content_before = any(rows > 0 for rows in self._rows)

    def _set_width(self, width: int) -> None:
        width = max(1, width)
        if width != self._width:
            self._width = width
            self._drawn = [None] * len(self._texts)
            self._forget_places(0)
            self._tail_lines = None

    def _place(self) -> None:
        """Give every finished chunk its rows (drawn, or estimated)."""
        chunks = self._splitter.chunks
        row = self._starts[-1] + self._rows[-1] if self._starts else 0
        for index in range(self._placed, len(self._texts)):
            drawn = self._drawn[index]
            body = (
                len(drawn)
                if drawn is not None
                else estimate_lines(self._texts[index], chunks[index], self._width)
            )
            gap = 1 if body and self._content_before and not chunks[index].joined else 0
            self._content_before = self._content_before or body > 0
            self._starts.append(row)
            self._rows.append(gap + body)
            row += gap + body
        self._placed = len(self._texts)

    def _draw(self, index: int) -> list[Strip]:
        drawn = self._drawn[index]
        if drawn is None:
            chunk = self._splitter.chunks[index]
            drawn = render_chunk(self._texts[index], chunk, self._width, self.styles, self._before(index))
            self._drawn[index] = drawn
            if index < self._placed and len(drawn) != estimate_lines(self._texts[index], chunk, self._width):
                self._forget_places(index)  # it and the chunks after it move: placed again when next asked
        return drawn

    def _before(self, index: int) -> str:
        """The text of the chunk before chunk ``index`` (for a code chunk's context)."""
        if index == 0 or self._splitter.chunks[index].code is None:
            return ""
        return self._texts[index - 1]

    def _tail_rows(self) -> list[Strip]:
        if self._tail_lines is None:
            lines: list[Strip] = []
            if self._tail:
                text = "".join(self._tail)
                self._tail = [text]
                chunk = self._splitter.chunks[-1]
                drawn = render_chunk(text, chunk, self._width, self.styles, self._before(len(self._texts)))
                if drawn and self._content_before and not chunk.joined:
                    lines.append(BLANK)
                lines.extend(drawn)
            self._tail_lines = lines
        return self._tail_lines

    def height(self, width: int) -> int:
        """The document's rows at ``width`` (those of chunks not drawn yet estimated)."""
        self._set_width(width)
        self._place()
        done = self._starts[-1] + self._rows[-1] if self._starts else 0
        return done + len(self._tail_rows())

    def line(self, y: int, width: int) -> Strip:
        """Row ``y`` at ``width`` (its chunk is drawn if it was not)."""
        self._set_width(width)
        self._place()
        done = self._starts[-1] + self._rows[-1] if self._starts else 0
        if y >= done:
            tail = self._tail_rows()
            return tail[y - done] if y - done < len(tail) else BLANK
        index = bisect_right(self._starts, y) - 1
        if index < 0:
            return BLANK
        start = self._starts[index]
        gap = self._rows[index] - self._body_rows(index)
        lines = self._draw(index)
        row = y - start - gap
        return lines[row] if 0 <= row < len(lines) else BLANK

    def _body_rows(self, index: int) -> int:
        drawn = self._drawn[index]
        if drawn is not None:
            return len(drawn)
        return estimate_lines(self._texts[index], self._splitter.chunks[index], self._width)

    def materialize(self, top: int, bottom: int, width: int) -> tuple[bool, int]:
        """Draw the chunks that rows ``top`` to ``bottom`` show. Returns whether any row moved, and by how many
        rows the chunks that start above ``top`` grew (a view keeps what it shows in place by that)."""
        self._set_width(width)
        self._place()
        changed = False
        grown = 0
        for _ in range(8):  # drawing a chunk moves the ones after it: look again until all in view are drawn
            index = max(0, bisect_right(self._starts, top) - 1)
            todo: list[int] = []
            while index < len(self._texts) and self._starts[index] < bottom:
                if self._drawn[index] is None:
                    todo.append(index)
                index += 1
            if not todo:
                break
            for index in todo:
                before, start = self._rows[index], self._starts[index]
                self._draw(index)
                self._place()
                if self._rows[index] != before:
                    changed = True
                    if start < top:
                        grown += self._rows[index] - before
        return changed, grown

    def anchor(self, y: int, width: int) -> tuple[int, float]:
        """Row ``y`` as (chunk, share of that chunk's rows above it): a place that holds at any width."""
        self._set_width(width)
        self._place()
        done = self._starts[-1] + self._rows[-1] if self._starts else 0
        if y >= done:
            tail = len(self._tail_rows())
            return len(self._texts), (y - done) / tail if tail else 0.0
        index = max(0, bisect_right(self._starts, y) - 1)
        rows = self._rows[index]
        return index, (y - self._starts[index]) / rows if rows else 0.0

    def row_for(self, place: tuple[int, float], width: int) -> int:
        """The row at ``width`` of a place :meth:`anchor` gave (its chunk is drawn, so that the row is exact)."""
        index, share = place
        self._set_width(width)
        if index < len(self._texts):
            self._draw(index)
        self._place()
        if index >= len(self._texts):
            done = self._starts[-1] + self._rows[-1] if self._starts else 0
            return done + int(share * len(self._tail_rows()))
        return self._starts[index] + int(share * self._rows[index])

    def all_lines(self, width: int) -> list[Strip]:
        """Every row at ``width``, every chunk drawn (for tests and copies)."""
        self._set_width(width)
        for index in range(len(self._texts)):
            self._draw(index)
        return [self.line(y, width) for y in range(self.height(width))]
