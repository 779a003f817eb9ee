"""A Markdown document that grows as an answer streams in, drawn as lines that cost what changed.

The text is cut into chunks (``chunks``). Each finished chunk is drawn once per width and its lines are
kept; only the last chunk, which is still growing, is parsed and drawn again when text arrives. A frame's
work is therefore bounded by the size of the last chunk, not by the length of the answer, and memory grows
with the lines of the text, not with widgets (there are none: a view paints the lines it shows).
"""

from __future__ import annotations

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


def render_chunk(text: str, chunk: Chunk, width: int, styles: MarkdownStyles) -> list[Strip]:
    """One chunk's lines at ``width``."""
    if chunk.code is not None:
        return code_lines(display_text(_code_text(text, chunk.fence)), chunk.code, width, styles)
    return render_markdown(text, width, styles, table=chunk.table)


class MarkdownText:
    """Markdown source and its lines at one width (see the module docstring)."""

    def __init__(self, styles: MarkdownStyles, text: str = "") -> None:
        self.styles = styles
        self._splitter = ChunkSplitter()
        self._texts: list[str] = []  # the text of each finished chunk
        self._tail: list[str] = []  # the text of the last chunk, in the pieces that arrived
        self._tail_size = 0
        self._width = 0
        self._lines: list[Strip] = []  # the finished chunks' lines at _width
        self._drawn = 0  # how many finished chunks _lines holds
        self._tail_lines: list[Strip] | None = None  # the last chunk's lines, while its text is unchanged
        self.version = 0  # bumped by every change of text or styles
        if text:
            self.append(text)

    @property
    def source(self) -> str:
        return "".join(self._texts) + "".join(self._tail)

    def __len__(self) -> int:
        return self._splitter.last_start + self._tail_size

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
        self._lines = []
        self._drawn = 0
        self._tail_lines = None
        self.version += 1

    def set_styles(self, styles: MarkdownStyles) -> None:
        if styles != self.styles:
            self.styles = styles
            self._width = 0
            self._tail_lines = None
            self.version += 1

    def lines(self, width: int) -> tuple[list[Strip], list[Strip]]:
        """The lines at ``width``: those of the finished chunks, and those of the last one."""
        width = max(1, width)
        if width != self._width:
            self._width = width
            self._lines = []
            self._drawn = 0
            self._tail_lines = None
        chunks = self._splitter.chunks
        while self._drawn < len(self._texts):
            index = self._drawn
            self._add(
                self._lines,
                render_chunk(self._texts[index], chunks[index], width, self.styles),
                chunks[index],
            )
            self._drawn += 1
        if self._tail_lines is None:
            tail: list[Strip] = []
            if self._tail:
                text = "".join(self._tail)
                self._tail = [text]
                chunk = chunks[-1]
                drawn = render_chunk(text, chunk, width, self.styles)
                if drawn and self._lines and not chunk.joined:
                    tail.append(BLANK)
                tail.extend(drawn)
            self._tail_lines = tail
        return self._lines, self._tail_lines

    @staticmethod
    def _add(out: list[Strip], lines: list[Strip], chunk: Chunk) -> None:
        if lines and out and not chunk.joined:
            out.append(BLANK)
        out.extend(lines)

    def all_lines(self, width: int) -> list[Strip]:
        done, tail = self.lines(width)
        return done + tail
