"""Markdown to terminal lines: one function from a piece of Markdown and a width to a list of ``Strip``s.

The conversation and the reasoning are drawn with Textual's Line API (see ``document_view``): a document is a
list of lines, and only the visible ones are painted. This module makes those lines. It walks markdown-it's
syntax tree and draws every block itself, with Rich ``Text`` for the inline styles and its word wrap, and Rich
``Syntax`` (Pygments) for fenced code.

- Raw HTML is text: the parser runs with ``html`` off, so ``<div>box</div>`` or ``List<String>`` is shown as
  the model wrote it.
- Every string is sanitized for the terminal (``core.sanitize``) line by line, so that a piece of a document
  draws the same whether it is rendered alone or as part of more text (see ``chunks``).
- Nothing here reads the time, the terminal or a global: the same text at the same width gives the same
  cells, which is what the differential test of the chat screen compares.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from siliconchat.core.sanitize import sanitize

if TYPE_CHECKING:
    # markdown-it and Pygments load with the first answer, not at start-up (about 40 ms).
    from markdown_it import MarkdownIt
    from markdown_it.tree import SyntaxTreeNode
    from pygments.lexer import Lexer
    from rich.syntax import PygmentsSyntaxTheme

INDENT_QUOTE = "▌ "
BULLETS = ("•", "◦", "▪")
TABLE_MIN_COLUMN = 3
TABLE_SAMPLE = 50
"""A table's columns are sized by its header and this many first rows (see ``chunks``, which cuts after them)."""


@dataclass(frozen=True)
class MarkdownStyles:
    """The styles a document is drawn with (made from the app's theme by the view)."""

    text: Style = field(default_factory=Style)
    headings: tuple[Style, ...] = (
        Style(bold=True, underline=True),
        Style(bold=True),
        Style(bold=True, italic=True),
        Style(italic=True),
        Style(italic=True, dim=True),
        Style(dim=True),
    )
    strong: Style = field(default_factory=lambda: Style(bold=True))
    emphasis: Style = field(default_factory=lambda: Style(italic=True))
    strike: Style = field(default_factory=lambda: Style(strike=True))
    code_inline: Style = field(default_factory=lambda: Style(bold=True))
    link: Style = field(default_factory=lambda: Style(underline=True))
    quote: Style = field(default_factory=lambda: Style(dim=True))
    bullet: Style = field(default_factory=lambda: Style(bold=True))
    rule: Style = field(default_factory=lambda: Style(dim=True))
    table_border: Style = field(default_factory=lambda: Style(dim=True))
    table_header: Style = field(default_factory=lambda: Style(bold=True))
    code_theme: str = "monokai"
    code_background: str | None = None


@cache
def parser() -> MarkdownIt:
    """CommonMark with GitHub's tables and strikethrough; raw HTML off (it stays text)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def warm_up() -> None:
    """Import markdown-it and build the parser, parsing a little of each kind of block (the app runs this in
    a thread after its first frame: the first answer's first frame otherwise paid for it, ~100 ms)."""
    from markdown_it.tree import SyntaxTreeNode

    SyntaxTreeNode(
        parser().parse("# a\n\n**b** *c* `d` [e](f)\n\n- g\n\n> h\n\n```\ni\n```\n\n|j|\n|-|\n|k|\n")
    )


@cache
def _console() -> Console:
    # Rendering only: never printed, so no terminal is asked about (width is given per call).
    return Console(
        width=200, color_system="truecolor", force_terminal=False, legacy_windows=False, no_color=False
    )


def display_text(text: str) -> str:
    """``text`` made safe for the terminal, line by line (the same in any piece of a document)."""
    safe = sanitize(text)
    if safe == text:
        return text
    return "\n".join(sanitize(line) for line in text.split("\n"))


def _strip(segments: Sequence[Segment]) -> Strip:
    return Strip(list(segments))


def text_lines(text: Text, width: int) -> list[Strip]:
    """``text`` wrapped to ``width`` (words, or folded where a word is longer than the line)."""
    console = _console()
    lines = text.wrap(console, max(1, width), overflow="fold", no_wrap=False)
    out: list[Strip] = []
    for line in lines:
        line.rstrip()
        strip = Strip([seg for seg in line.render(console) if seg.text != "\n"])
        # Rich measures a zero-width joiner between two characters as joining them into one cell; the screen
        # (and Textual, segment by segment) counts both: such a line can come out a cell too wide.
        out.append(strip.crop(0, width) if strip.cell_length > width else strip)
    return out or [Strip([])]


def _prefixed(lines: list[Strip], first: Text, rest: Text) -> list[Strip]:
    """``lines`` with ``first`` before the first and ``rest`` before every other."""
    console = _console()
    first_segments = list(first.render(console))
    rest_segments = list(rest.render(console))
    return [
        Strip([*(first_segments if index == 0 else rest_segments), *line]) for index, line in enumerate(lines)
    ]


class Renderer:
    """Draws one Markdown syntax tree at one width."""

    def __init__(self, styles: MarkdownStyles, *, skip_rows: int = 0) -> None:
        self.styles = styles
        self.skip_rows = skip_rows  # rows of the first table not drawn (a chunk that continues a table)

    # -- blocks -------------------------------------------------------------------------------

    def blocks(self, nodes: Sequence[SyntaxTreeNode], width: int, *, tight: bool = False) -> list[Strip]:
        """Each block in ``nodes``, one blank line between two (none in a tight list item)."""
        out: list[Strip] = []
        for node in nodes:
            lines = self.block(node, width)
            if not lines:
                continue
            if out and not tight:
                out.append(Strip([]))
            out.extend(lines)
        return out

    def block(self, node: SyntaxTreeNode, width: int) -> list[Strip]:
        kind = node.type
        handler: Callable[[SyntaxTreeNode, int], list[Strip]] | None = getattr(self, f"_block_{kind}", None)
        if handler is not None:
            return handler(node, width)
        # Anything else (a plugin's block): its text as a paragraph.
        return text_lines(Text(display_text(node.content or ""), style=self.styles.text), width)

    def _block_paragraph(self, node: SyntaxTreeNode, width: int) -> list[Strip]:
        return text_lines(self.inline_of(node), width)

    def _block_heading(self, node: SyntaxTreeNode, width: int) -> list[Strip]:
        level = int(node.tag[1:]) if node.tag[1:].isdigit() else 1
        text = self.inline_of(node)
        text.stylize(self.styles.headings[min(level, len(self.styles.headings)) - 1])
        return text_lines(text, width)

    def _block_hr(self, node: SyntaxTreeNode, width: int) -> list[Strip]:
        return [Strip([Segment("─" * max(1, width), self.styles.rule)])]

    def _block_blockquote(self, node: SyntaxTreeNode, width: int) -> list[Strip]:
        bar = Text(INDENT_QUOTE, style=self.styles.quote)
        inner = self.blocks(node.children, max(1, width - len(INDENT_QUOTE)))
        return _prefixed(inner, bar, bar)

    def _block_bullet_list(self, node: SyntaxTreeNode, width: int) -> list[Strip]:
        depth = 0
        parent = node.parent
        while parent is not None:
            depth += parent.type in ("bullet_list", "ordered_list")
            parent = parent.parent
        marker = BULLETS[depth % len(BULLETS)] + " "
        return self._list(node, width, lambda _index: marker)

    def _block_ordered_list(self, node: SyntaxTreeNode, width: int) -> list[Strip]:
        start_attr = node.attrs.get("start", 1)
        start = (
            int(start_attr) if isinstance(start_attr, (int, float, str)) and str(start_attr).isdigit() else 1
        )
        return self._list(node, width, lambda index: f"{start + index}. ")

    def _list(self, node: SyntaxTreeNode, width: int, marker: Callable[[int], str]) -> list[Strip]:
        tight = _is_tight(node)
        out: list[Strip] = []
        for index, item in enumerate(node.children):
            mark = marker(index)
            indent = cell_len(mark)
            inner = self.blocks(item.children, max(1, width - indent), tight=tight) or [Strip([])]
            if out and not tight:
                out.append(Strip([]))
            out.extend(_prefixed(inner, Text(mark, style=self.styles.bullet), Text(" " * indent)))
        return out

    def _block_fence(self, node: SyntaxTreeNode, width: int) -> list[Strip]:
        info = display_text(node.info or "").strip().split(" ")[0] if node.info else ""
        return self.code(node.content, info, width)

    def _block_code_block(self, node: SyntaxTreeNode, width: int) -> list[Strip]:
        return self.code(node.content, "", width)

    def code(self, code: str, language: str, width: int) -> list[Strip]:
        """Code, highlighted by Pygments where ``language`` names a lexer, wrapped to ``width``."""
        return code_lines(display_text(code.rstrip("\n")), language, width, self.styles)

    def _block_table(self, node: SyntaxTreeNode, width: int) -> list[Strip]:
        rows: list[tuple[bool, list[Text]]] = []
        aligns: list[str] = []
        for section in node.children:
            header = section.type == "thead"
            for row in section.children:
                cells = []
                for cell in row.children:
                    if header:
                        style = str(cell.attrs.get("style", ""))
                        aligns.append(style.removeprefix("text-align:") if style else "left")
                    cells.append(self.inline_of(cell))
                rows.append((header, cells))
        skip, self.skip_rows = self.skip_rows, 0
        return table_lines(rows, aligns, width, self.styles, skip=skip)

    # -- inline -------------------------------------------------------------------------------

    def inline_of(self, node: SyntaxTreeNode) -> Text:
        """The inline content of a block (a paragraph, heading or table cell) as styled text."""
        text = Text(style=self.styles.text, end="")
        for child in node.children:
            if child.type == "inline":
                self._inline(child.children, text, Style())
        return text

    def _inline(self, nodes: Sequence[SyntaxTreeNode], out: Text, style: Style) -> None:
        styles = self.styles
        for node in nodes:
            kind = node.type
            if kind == "text":
                out.append(display_text(node.content), style or None)
            elif kind == "softbreak":
                out.append(" ", style or None)
            elif kind == "hardbreak":
                out.append("\n", style or None)
            elif kind == "code_inline":
                out.append(display_text(node.content), style + styles.code_inline)
            elif kind == "strong":
                self._inline(node.children, out, style + styles.strong)
            elif kind == "em":
                self._inline(node.children, out, style + styles.emphasis)
            elif kind == "s":
                self._inline(node.children, out, style + styles.strike)
            elif kind == "link":
                self._inline(node.children, out, style + styles.link)
            elif kind == "image":
                alt = "".join(child.content for child in node.children) or "image"
                out.append(f"[image: {display_text(alt)}]", style + styles.link)
            else:
                out.append(display_text(node.content), style or None)


def _is_tight(node: SyntaxTreeNode) -> bool:
    """markdown-it hides the paragraphs of a tight list's items."""
    return not any(
        child.type == "paragraph" and not child.hidden for item in node.children for child in item.children
    )


@cache
def _lexer(language: str) -> Lexer | None:
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    if not language:
        return None
    try:
        return get_lexer_by_name(language, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


@cache
def _syntax_theme(name: str) -> PygmentsSyntaxTheme:
    from rich.syntax import PygmentsSyntaxTheme

    return PygmentsSyntaxTheme(name)


def code_lines(
    code: str, language: str, width: int, styles: MarkdownStyles, *, context: str = ""
) -> list[Strip]:
    """``code`` one column in from each side, highlighted where ``language`` names a Pygments lexer, on the
    theme's background, long lines folded to ``width``.

    ``context``: the code just before this (the previous piece of a long code block), lexed first and not
    drawn, so that a string or comment that began there is still one here.

    Pygments' tokens are turned into segments here, line by line (Rich's ``Syntax`` took ten times as long
    for a long block: it builds and wraps one ``Text`` of the whole code).
    """
    skip = 0
    if context and _lexer(language) is not None:
        skip = context.count("\n") + 1
        code = context + "\n" + code
    code = code.expandtabs(4)
    theme = _syntax_theme(styles.code_theme)
    background = theme.get_background_style()
    if styles.code_background is not None:
        background = background + Style(bgcolor=styles.code_background)
    inner = max(1, width - 2)
    lexer = _lexer(language)
    token_style: dict[object, Style] = {}
    lines: list[list[Segment]] = [[]]
    if lexer is None:
        for index, line in enumerate(code.split("\n")):
            if index:
                lines.append([])
            if line:
                lines[-1].append(Segment(line, background))
    else:
        for token_type, value in lexer.get_tokens(code):
            style = token_style.get(token_type)
            if style is None:
                style = token_style[token_type] = background + theme.get_style_for_token(token_type)
            parts = value.split("\n")
            for index, part in enumerate(parts):
                if index:
                    lines.append([])
                if part:
                    lines[-1].append(Segment(part, style))
    pad = Segment(" ", background)
    out: list[Strip] = []
    for segments in lines[skip:]:
        strip = Strip(segments)
        length = strip.cell_length
        if length <= inner:
            out.append(Strip([pad, *strip, Segment(" " * (inner - length + 1), background)], width))
            continue
        for start in range(0, length, inner):
            part = strip.crop(start, start + inner)
            part_length = part.cell_length
            out.append(Strip([pad, *part, Segment(" " * (inner - part_length + 1), background)], width))
    return out


def table_lines(
    rows: list[tuple[bool, list[Text]]],
    aligns: list[str],
    width: int,
    styles: MarkdownStyles,
    *,
    skip: int = 0,
) -> list[Strip]:
    """A table drawn with light rules; columns share ``width`` by their natural widths, which the header and
    the first :data:`TABLE_SAMPLE` rows decide (a row then draws the same whatever rows come after it).

    ``skip``: the rows after the header that are not drawn, nor the header (the chunk before drew them).
    """
    sample = rows[: TABLE_SAMPLE + 1]
    columns = max((len(cells) for _, cells in sample), default=0)
    if not columns:
        return []
    natural = [TABLE_MIN_COLUMN] * columns
    for _, cells in sample:
        for index, cell in enumerate(cells[:columns]):
            natural[index] = max(natural[index], min(cell.cell_len, 60))
    # Room to grow: the rows after the first ones often hold longer numbers and names.
    roomy = [size + size // 2 + 2 for size in natural]
    space = width - 3 * (columns - 1)
    if sum(roomy) <= space:
        widths = roomy
    elif sum(natural) < space:  # what is left goes to the columns in proportion to the room they would like
        spare = space - sum(natural)
        wish = sum(roomy) - sum(natural)
        widths = [size + (room - size) * spare // wish for size, room in zip(natural, roomy, strict=True)]
    else:
        widths = fit_columns(natural, space)
    border = styles.table_border
    out: list[Strip] = []
    for header, cells in rows[1 + skip :] if skip else rows:
        out.extend(_table_row(cells, widths, aligns, border, styles.table_header if header else None))
        if header:
            rule = "─┼─".join("─" * w for w in widths)
            out.append(Strip([Segment(rule, border)]))
    if sum(widths) + 3 * (columns - 1) > width:
        # More columns than the width has room for: cut on the right, and say so with "…" at the edge.
        more = Segment("…", border)
        return [line.crop(0, width - 1) + Strip([more]) if line.cell_length > width else line for line in out]
    return out


def fit_columns(natural: list[int], space: int) -> list[int]:
    """Column widths: the natural ones if they fit in ``space``; else the widest columns give up width first,
    one cell at a time, so that short columns (numbers, versions, codes) keep theirs (at least 1 each)."""
    widths = list(natural)
    excess = sum(widths) - space
    if excess <= 0:
        return widths
    if space <= len(widths):
        return [1] * len(widths)
    while excess > 0:
        widest = max(widths)
        count = widths.count(widest)
        second = max((w for w in widths if w < widest), default=0)
        # Bring the widest columns down together, toward the next width (or as far as the excess asks).
        step = min(widest - max(second, 1), -(-excess // count))
        if step <= 0:
            break
        for index, width in enumerate(widths):
            if width == widest and excess > 0:
                cut = min(step, excess)
                widths[index] -= cut
                excess -= cut
    return widths


def _table_row(
    cells: list[Text], widths: list[int], aligns: list[str], border: Style, header: Style | None
) -> list[Strip]:
    console = _console()
    wrapped: list[list[Strip]] = []
    for index, width in enumerate(widths):
        cell = cells[index].copy() if index < len(cells) else Text()
        if header is not None:
            cell.stylize(header)
        wrapped.append(text_lines(cell, width))
    height = max(len(lines) for lines in wrapped)
    separator = list(Text(" │ ", style=border).render(console))
    out: list[Strip] = []
    for y in range(height):
        segments: list[Segment] = []
        for index, width in enumerate(widths):
            if index:
                segments.extend(separator)
            lines = wrapped[index]
            line = lines[y] if y < len(lines) else Strip([])
            pad = width - line.cell_length
            align = aligns[index] if index < len(aligns) else "left"
            left = pad // 2 if align == "center" else pad if align == "right" else 0
            if left:
                segments.append(Segment(" " * left))
            segments.extend(line)
            if pad - left:
                segments.append(Segment(" " * (pad - left)))
        out.append(Strip(segments).simplify())
    return out


def render_markdown(text: str, width: int, styles: MarkdownStyles, *, table: str = "") -> list[Strip]:
    """``text`` (Markdown, raw) drawn at ``width``: a list of lines, no wider than ``width``.

    ``table``: the start of a table that ``text`` continues (its header, rule and first rows); only the rows
    of ``text`` are drawn, as wide as that start makes the columns.
    """
    from markdown_it.tree import SyntaxTreeNode

    skip = 0
    if table:
        tree = SyntaxTreeNode(parser().parse(table + text))
        if tree.children and tree.children[0].type == "table":
            skip = table.count("\n") - 2
        else:  # not a table after all: the text alone
            tree = SyntaxTreeNode(parser().parse(text))
    else:
        tree = SyntaxTreeNode(parser().parse(text))
    return Renderer(styles, skip_rows=skip).blocks(tree.children, max(1, width))
