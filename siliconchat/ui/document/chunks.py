"""Cutting a Markdown document into chunks that are rendered one by one, the same way while it streams in.

A long answer is drawn chunk by chunk (see ``markdown_text``): each chunk is parsed and drawn alone, once per
width, and only the last one, still growing, is drawn again as text arrives. Where the cuts fall depends only
on the text before them, so the text that arrived so far is cut exactly where the whole text will be: a
streamed answer and the same answer drawn afresh are the same chunks, and so the same lines.

A cut is made only where a full parse would also end a block, so that each chunk draws as it would inside
the whole document:

- before a line at the left margin that follows a blank line (outside a fenced code block): a paragraph, a
  list, a quote, a table or a fence cannot reach across that;
- before a fence that opens at the left margin, and after the line that closes it;
- between two items of a list at the left margin (a tight list: no blank line between them), drawn with no
  blank line between the chunks;
- inside a fenced code block at the left margin, every :data:`FENCE_LINES` lines: the next chunk is drawn as
  the rest of the same code block;
- between two rows of a table at the left margin, once it has :data:`TABLE_SAMPLE` rows: the next chunk is
  drawn as more rows of the same table (its columns are as wide as the header and the first rows make them,
  see ``markdown_render.table_lines``, so rows drawn apart line up);
- inside a line longer than :data:`LONG_LINE` characters (a 1 MB line must not be wrapped again per frame).

A cut is only taken once the chunk since the last cut holds :data:`MIN_CHUNK` characters (fence and long-line
cuts aside), so that chunks are few. What a chunk cannot see is Markdown that reaches across a cut, such as a
link whose reference is defined in another chunk; models do not write that.

Only whole lines are read (but for the long-line rule): a cut before a line is decided once that line has
ended, from it and the lines before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A table's columns are sized by its header and its first rows (TABLE_SAMPLE): it is cut only after them.
from siliconchat.ui.document.markdown_render import TABLE_SAMPLE

MIN_CHUNK = 2_000
FENCE_LINES = 50
LONG_LINE = 32_768

_LIST_MARKER = re.compile(r"(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)")
_FIRST_ITEM = re.compile(r"1[.)]")
_BREAK = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_TABLE_RULE = re.compile(r"\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_FENCE = re.compile(r"(`{3,}|~{3,})(.*)$")


@dataclass(frozen=True)
class Chunk:
    """Where a chunk starts, and how it is drawn.

    ``code`` is the language of the code block a chunk continues (``None``: the chunk is Markdown); ``fence``
    is that block's closing marker. ``table`` is the start of the table a chunk continues (its header, rule and
    first rows, which size its columns). ``joined``: drawn right under the chunk before it, with no blank line.
    """

    start: int
    joined: bool = False
    code: str | None = None
    fence: str = ""
    table: str = ""


class ChunkSplitter:
    """Reads a document as it arrives (:meth:`feed`) and keeps the list of its chunks."""

    def __init__(self) -> None:
        self.chunks: list[Chunk] = [Chunk(0)]
        self._text_end = 0  # how much text was fed
        self._line_start = 0  # where the current (unfinished) line starts
        self._line: list[str] = []  # its text so far
        self._line_chars = 0
        self._long_cut = 0  # the last cut made inside the current line (long-line rule)
        self._blank = True  # the previous line was blank (the start counts as blank)
        self._list = False  # a list at the left margin is open
        self._fence: tuple[str, int, str] | None = None  # an open fence at the margin: char, length, language
        self._fence_lines = 0  # lines of the fence since its last cut
        self._after_fence = False  # the previous line closed a fence
        self._previous = ""  # the previous line, if it may be a table's header
        self._table: list[str] | None = None  # an open table at the margin: its header, rule and first rows
        self._table_rows = 0

    @property
    def last_start(self) -> int:
        return self.chunks[-1].start

    def feed(self, text: str) -> None:
        """Read the next ``text`` of the document."""
        pos = 0
        size = len(text)
        while pos < size:
            newline = text.find("\n", pos)
            end = size if newline < 0 else newline
            if end > pos:
                self._line.append(text[pos:end])
                self._line_chars += end - pos
                self._check_long_line()
            if newline < 0:
                break
            line = "".join(self._line)
            self._end_line(line, self._line_start)
            self._line_start = self._text_end + newline + 1
            self._line = []
            self._line_chars = 0
            self._long_cut = 0
            pos = newline + 1
        self._text_end += size

    def _cut(
        self, at: int, *, joined: bool = False, code: str | None = None, fence: str = "", table: str = ""
    ) -> None:
        if at > self.last_start:
            self.chunks.append(Chunk(at, joined, code, fence, table))

    def _check_long_line(self) -> None:
        if self._fence is not None:
            return
        while self._line_chars - self._long_cut >= LONG_LINE:
            self._long_cut += LONG_LINE
            self._cut(self._line_start + self._long_cut, joined=True)

    def _end_line(self, line: str, start: int) -> None:
        blank = not line.strip()
        if self._fence is not None:
            self._in_fence(line, start)
            return
        after_block = self._blank or self._after_fence
        self._after_fence = False
        self._blank = blank
        previous, self._previous = self._previous, ""
        if blank:
            self._table = None
            return
        at_margin = not line[:1].isspace()
        big = start - self.last_start >= MIN_CHUNK
        if self._table is not None and self._in_table(line, start, big):
            return
        if at_margin and previous and _TABLE_RULE.match(line) and "|" in previous + line:
            self._table = [previous, line]  # a table starts: its header, then its rule
            self._table_rows = 0
            self._list = False
            return
        if after_block and at_margin and line.startswith("|"):
            self._previous = line  # a table's header, if a rule follows
        fence = _FENCE.match(line) if at_margin else None
        if fence is not None and (fence[1][0] == "~" or "`" not in fence[2]):
            self._list = False
            language = fence[2].strip().split(" ")[0] if fence[2].strip() else ""
            self._fence = (fence[1][0], len(fence[1]), language)
            self._fence_lines = 0
            if big:
                self._cut(start)
            return
        marker = at_margin and _LIST_MARKER.match(line) is not None and _BREAK.match(line) is None
        if after_block:
            if at_margin:
                if big:
                    self._cut(start)
                self._list = marker
            return
        if marker:
            if self._list:
                if big:
                    self._cut(start, joined=True)
            else:
                # Only a bullet or "1." can start a list inside a paragraph ("2019. was a year" cannot).
                self._list = line[0] in "-+*" or _FIRST_ITEM.match(line) is not None

    def _in_table(self, line: str, start: int, big: bool) -> bool:
        """A line after a table's rule: a row (True), or the end of the table (False)."""
        assert self._table is not None
        if not line.startswith("|"):
            self._table = None
            return False
        self._table_rows += 1
        if self._table_rows <= TABLE_SAMPLE:
            self._table.append(line)
        elif big:
            self._cut(start, joined=True, table="\n".join(self._table) + "\n")
        return True

    def _in_fence(self, line: str, start: int) -> None:
        assert self._fence is not None
        char, length, language = self._fence
        stripped = line.lstrip(" ")
        closing = (
            len(line) - len(stripped) <= 3
            and stripped.startswith(char * length)
            and not stripped.rstrip().strip(char)
        )
        if closing:
            self._fence = None
            self._after_fence = True
            self._blank = False
            if self.chunks[-1].code is not None:
                # The rest of the code block was a chunk of its own: what follows is Markdown again.
                self.chunks.append(Chunk(start + len(line) + 1))
            return
        self._fence_lines += 1
        if self._fence_lines > FENCE_LINES:
            self._fence_lines = 1
            self._cut(start, joined=True, code=language, fence=char * length)


def split(text: str) -> list[Chunk]:
    """The chunks of a whole document."""
    splitter = ChunkSplitter()
    splitter.feed(text)
    return splitter.chunks
