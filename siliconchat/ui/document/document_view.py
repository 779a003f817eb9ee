"""A scrolling document of blocks, painted with Textual's Line API: only the visible lines cost anything.

A :class:`DocumentView` holds a list of :class:`Block`s (a user turn, an answer, an error, the reasoning).
Each block knows its height at a width and draws any one of its lines; the view keeps where each block
starts, and :meth:`DocumentView.render_line` asks the block under a screen row for that one line. There is
no widget per block or per Markdown element: a long answer is a list of lines, and a frame repaints the rows
that changed.

The view follows its end while it is scrolled to the end (Textual's ``anchor``): when the last block grows,
the new lines scroll into view; once the user scrolls up, the view stays where it is.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region, Size
from textual.message import Message as TextualMessage
from textual.scroll_view import ScrollView
from textual.selection import Selection
from textual.strip import Strip

from siliconchat.ui.document.theme_styles import DocumentStyles, document_styles


class Block:
    """One block of a document: its height at a width, and any of its lines (full width, styled)."""

    view: DocumentView | None = None
    margin_top = 1

    def height(self, width: int, styles: DocumentStyles) -> int:
        raise NotImplementedError

    def line(self, y: int, width: int, styles: DocumentStyles) -> Strip:
        raise NotImplementedError

    def materialize(self, top: int, bottom: int, width: int, styles: DocumentStyles) -> tuple[bool, int]:
        """Draw what rows ``top`` to ``bottom`` show, if drawing waits until a row is seen. Returns whether its
        height changed, and by how much the part above ``top`` grew (see ``MarkdownText.materialize``)."""
        return False, 0

    def anchor(self, y: int, width: int, styles: DocumentStyles) -> object:
        """Row ``y`` as a place that holds at another width (here: the share of the block above it)."""
        height = self.height(width, styles)
        return y / height if height else 0.0

    def row_for(self, place: object, width: int, styles: DocumentStyles) -> int:
        """The row at ``width`` of a place :meth:`anchor` gave."""
        share = place if isinstance(place, float) else 0.0
        return int(share * self.height(width, styles))

    def changed(self) -> None:
        """The block's text changed: its view measures it again and repaints what moved."""
        if self.view is not None:
            self.view.block_changed(self)

    def text(self, width: int, styles: DocumentStyles) -> str:
        """The block's lines as plain text (for selection and tests)."""
        return "\n".join(self.line(y, width, styles).text.rstrip() for y in range(self.height(width, styles)))


class DocumentView(ScrollView, can_focus=True):
    """Blocks, one under the other, painted line by line (see the module docstring)."""

    DEFAULT_CSS = """
    DocumentView {
        scrollbar-size-vertical: 1;
        scrollbar-gutter: stable;
    }
    DocumentView:focus {
        background-tint: $foreground 4%;  /* where the scrolling keys go */
    }
    """

    class Clicked(TextualMessage):
        """A block was clicked (``row``: which of its rows)."""

        def __init__(self, view: DocumentView, block: Block, row: int = 0) -> None:
            super().__init__()
            self.view = view
            self.block = block
            self.row = row

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.blocks: list[Block] = []
        self._starts: list[int] = []  # where each block starts (its top margin included) at _width
        self._ends: list[int] = []
        self._width = 0
        self._valid = 0  # the blocks whose place at _width is known
        self._styles: DocumentStyles | None = None
        self._base_style: Style | None = None  # the view's own style under every line (see base_style)
        self._at_end = True
        self._top_anchor: tuple[int, object] | None = None  # see _remember_top
        self._materializing = False
        self._painting_width: int | None = None  # the content width while render_lines runs
        self.follows = False
        """While True, the view keeps its end in view as the document grows, unless scrolled away from it."""

    # -- styles ------------------------------------------------------------------------------

    @property
    def styles_for_blocks(self) -> DocumentStyles:
        if self._styles is None:
            self._styles = document_styles(self.app.theme_variables, muted=self.has_class("-muted"))
        return self._styles

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base_style = None
        old = self._styles
        self._styles = None
        if old is None or not self.is_attached or self.styles_for_blocks != old:
            self._valid = 0  # the blocks' colours changed (the theme): measured and drawn again
        self.refresh()

    # -- blocks ------------------------------------------------------------------------------

    def add_block(self, block: Block, *, before: int | None = None) -> Block:
        block.view = self
        if before is None:
            self.blocks.append(block)
            self._valid = min(self._valid, len(self.blocks) - 1)
        else:
            self.blocks.insert(before, block)
            self._valid = min(self._valid, before)
        self._update_size()
        return block

    def add_blocks(self, blocks: Sequence[Block], *, before: int = 0) -> None:
        for offset, block in enumerate(blocks):
            block.view = self
            self.blocks.insert(before + offset, block)
        self._valid = min(self._valid, before)
        self._update_size()

    def remove_block(self, block: Block) -> None:
        if block in self.blocks:
            index = self.blocks.index(block)
            del self.blocks[index]
            block.view = None
            self._valid = min(self._valid, index)
            self._update_size()

    def clear_blocks(self) -> None:
        for block in self.blocks:
            block.view = None
        self.blocks = []
        self._valid = 0
        self.scroll_to(0, 0, animate=False, immediate=True)
        self._update_size()

    def block_changed(self, block: Block) -> None:
        try:
            index = self.blocks.index(block) if self.blocks[-1] is not block else len(self.blocks) - 1
        except ValueError:
            return
        old_top = self._starts[index] if index < self._valid else None
        old_end = self._ends[index] if index < self._valid else 0
        self._valid = min(self._valid, index)
        self._update_size(repaint=old_top is None)
        if old_top is None:
            self.refresh()
        elif index == len(self.blocks) - 1:  # the last block: the rows below it were blank and still are
            self._refresh_from(old_top, max(old_end, self._ends[index]))
        else:
            self._refresh_from(old_top)

    # -- geometry ----------------------------------------------------------------------------

    @property
    def content_width(self) -> int:
        if self._painting_width is not None:
            return self._painting_width
        return max(1, self.scrollable_content_region.width)

    def _layout_blocks(self) -> None:
        """Measure the blocks whose place is not known at the current width.

        At a new width the view keeps showing what it showed at its top (unless it was at the end, which it
        keeps): the place remembered there (:meth:`_remember_top`) is found again among the new rows.
        """
        width = self.content_width
        anchor = None
        if width != self._width:
            anchor = self._top_anchor if self._width and not self._at_end else None
            self._width = width
            self._valid = 0
        self._measure(width)
        if anchor is not None:
            index, place = anchor
            if index < len(self.blocks):
                block = self.blocks[index]
                styles = self.styles_for_blocks
                row = block.row_for(place, width, styles)  # may draw, and so change, the block
                self._valid = min(self._valid, index)
                self._measure(width)
                start = self._starts[index]
                row += start + (block.margin_top if start else 0)
                # The new height first (the scroll is checked against it), then the place; set as they are, not
                # scrolled to: this may run while a frame is being painted.
                self.virtual_size = Size(width, self._ends[-1] if self._ends else 0)
                row = min(row, round(self.max_scroll_y))  # the place may be in the last screen at this width
                self.set_reactive(DocumentView.scroll_y, float(row))
                self.set_reactive(DocumentView.scroll_target_y, float(row))
                self.vertical_scrollbar.position = row
                self.refresh()

    def _measure(self, width: int) -> None:
        styles = self.styles_for_blocks
        del self._starts[self._valid :]
        del self._ends[self._valid :]
        y = self._ends[-1] if self._ends else 0
        for block in self.blocks[self._valid :]:
            start = y
            top = block.margin_top if start else 0
            y += top + block.height(width, styles)
            self._starts.append(start)
            self._ends.append(y)
        self._valid = len(self.blocks)

    def _remember_top(self) -> None:
        """Note what the top row shows, as a place that holds at another width (see :meth:`_layout_blocks`)."""
        if not self._at_end:
            self._top_anchor = self._anchor()

    def _update_size(self, *, repaint: bool = True) -> None:
        """Measure the blocks again and set the document's height; ``repaint``: every visible row may have
        moved (False: the caller repaints what changed)."""
        if not self.is_mounted:
            return
        # Pinned to the end: the view was at its end when last scrolled (by the user or by following). Not
        # "scroll_y >= max_scroll_y" now: the view may just have grown shorter (the reasoning pane above it
        # got text), which moves the end away without the user scrolling anywhere.
        pinned = self._at_end
        self._set_virtual_size(pinned, repaint=repaint)
        self._materialize(pinned)
        self._remember_top()

    def _set_virtual_size(self, pinned: bool, *, repaint: bool = True) -> None:
        self._layout_blocks()
        height = self._ends[-1] if self._ends else 0
        size = Size(self._width, height)
        if self.virtual_size != size:
            self._resize_document(size, repaint)
        if self.scroll_y >= self.max_scroll_y:
            pinned = self._at_end = True  # all of it fits, or it shrank under the view: the end is in view
            if self.scroll_y > self.max_scroll_y:  # past the new end: nothing is below the last row
                self.scroll_to(y=self.max_scroll_y, animate=False, force=True, immediate=True)
        if self.follows and pinned and self.scroll_y < self.max_scroll_y:
            self.scroll_to(y=self.max_scroll_y, animate=False, force=True, immediate=True)

    def _resize_document(self, size: Size, repaint: bool) -> None:
        """Set the document's size. When only its height changes and the scrollbar stays as it was (shown, or
        not), the screen is not laid out again: ``virtual_size`` is a reactive that lays out every widget on the
        screen (5-10 ms, in every frame of an answer that adds a line, and in its first frame; several times the
        cost of a frame's text when answers stream side by side); the scrollbar is told the new height in place,
        and the view repaints (``repaint``) or its caller does."""
        old = self.virtual_size
        rows = self.scrollable_content_region.height
        if old.width != size.width or not rows or (old.height > rows) != (size.height > rows):
            # A layout: not laid out yet, a new width, or the scrollbar comes or goes.
            self.virtual_size = size
            return
        self.set_reactive(DocumentView.virtual_size, size)
        if self.show_vertical_scrollbar:
            bar = self.vertical_scrollbar
            bar.window_virtual_size = size.height
            bar.window_size = rows
        if repaint:
            self.refresh()

    def _materialize(self, pinned: bool, *, keep_place: bool = True) -> None:
        """Draw what the visible rows show (blocks draw long texts when seen; until then their heights are
        estimates). What is drawn may change heights: the view then keeps showing the same text, or the end."""
        if self._materializing:
            return
        self._materializing = True
        try:
            width = self.content_width
            styles = self.styles_for_blocks
            for _ in range(4):
                top = int(self.scroll_y)
                bottom = top + max(1, self.scrollable_content_region.height)
                moved = 0
                changed_from: int | None = None
                first = max(0, bisect_right(self._starts, top) - 1)
                for index in range(first, len(self.blocks)):
                    start = self._starts[index]
                    if start >= bottom:
                        break
                    block = self.blocks[index]
                    block_top = start + (block.margin_top if start else 0)
                    changed, grown = block.materialize(top - block_top, bottom - block_top, width, styles)
                    if changed:
                        changed_from = index if changed_from is None else changed_from
                        moved += grown if block_top < top else 0
                if changed_from is None:
                    return
                self._valid = min(self._valid, changed_from)
                self._set_virtual_size(pinned)
                if moved and keep_place and not (self.follows and pinned):
                    self.scroll_to(y=self.scroll_y + moved, animate=False, force=True, immediate=True)
                self.refresh()
        finally:
            self._materializing = False

    def _refresh_from(self, y: int, end: int | None = None) -> None:
        """Repaint the visible rows from document row ``y`` down (to row ``end``, excluded)."""
        scroll_y = int(self.scroll_y)
        top = max(0, y - scroll_y)
        height = self.scrollable_content_region.height
        if end is not None:
            height = min(height, end - scroll_y)
        if top < height:
            self.refresh_lines(scroll_y + top, height - top)

    def on_resize(self, event: events.Resize) -> None:
        self._update_size()

    def _anchor(self) -> tuple[int, object] | None:
        """What the top row of the view shows, as a block and a place in it that holds at any width."""
        if not self._starts or len(self._starts) != len(self.blocks):
            return None
        y = int(self.scroll_y)
        index = bisect_right(self._starts, y) - 1
        if index < 0:
            return None
        block = self.blocks[index]
        start = self._starts[index]
        top = start + (block.margin_top if start else 0)
        return index, block.anchor(max(0, y - top), self._width, self.styles_for_blocks)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        # Textual moves the scrollbar only while it is shown: a scroll made while the document had just outgrown
        # the view (the scrollbar not shown yet) left its thumb at the top once it appeared.
        self.vertical_scrollbar.position = new_value
        self._at_end = new_value >= self.max_scroll_y
        if self.is_mounted and round(old_value) != round(new_value):
            # The user scrolls: what is drawn now may correct the estimated rows above, but the view goes
            # where the user sent it (Home is the top; a correction would fight the scroll's own target).
            self._materialize(self._at_end, keep_place=False)
            self._remember_top()

    def follow(self, follow: bool = True) -> None:
        """Keep the end in view as the document grows (until the user scrolls away), or stop."""
        self.follows = follow
        if follow:
            self._at_end = True
            self.scroll_end(animate=False, force=True, immediate=True)

    def on_mount(self) -> None:
        self._update_size()

    def block_top(self, block: Block) -> int | None:
        """The document row of ``block``'s first line."""
        self._layout_blocks()
        if block not in self.blocks:
            return None
        index = self.blocks.index(block)
        start = self._starts[index]
        return start + (block.margin_top if start else 0)

    def block_at(self, y: int) -> tuple[Block, int] | None:
        """The block at document row ``y`` and the row within it (None in a margin or past the end)."""
        self._layout_blocks()
        index = bisect_right(self._starts, y) - 1
        if index < 0 or index >= len(self.blocks):
            return None
        start = self._starts[index]
        top = start + (self.blocks[index].margin_top if start else 0)
        if y < top or y >= self._ends[index]:
            return None
        return self.blocks[index], y - top

    # -- painting ----------------------------------------------------------------------------

    @property
    def base_style(self) -> Style:
        """The view's style (its colours over its ancestors' backgrounds), kept until its styles change:
        Textual works it out anew at each call, about a tenth of a millisecond, and a frame paints every row."""
        if self._base_style is None:
            self._base_style = self.rich_style
        return self._base_style

    def render_lines(self, crop: Region) -> list[Strip]:
        # The width, worked out once for all the rows painted (each row asked for it twice: a tenth of the
        # time a row takes). Nothing changes the view's size while its rows are painted.
        self._painting_width = max(1, self.scrollable_content_region.width)
        try:
            return super().render_lines(crop)
        finally:
            self._painting_width = None

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        row = scroll_y + y
        width = self.content_width
        base = self.base_style
        found = self.block_at(row)
        if found is None:
            return Strip.blank(width, base)
        block, line = found
        strip = block.line(line, width, self.styles_for_blocks)
        strip = Strip(list(Segment.apply_style(strip, base)))
        selection = self.text_selection
        if selection is not None:
            span = selection.get_span(row)
            if span is not None:
                start, end = span
                end = strip.cell_length if end == -1 else end
                selection_style = self.screen.get_component_rich_style("screen--selection")
                # Its background only: the text keeps its colour (a 256-colour terminal drew both the same).
                highlight = (
                    Style(bgcolor=selection_style.bgcolor) if selection_style.bgcolor else Style(reverse=True)
                )
                strip = Strip.join(
                    [
                        strip.crop(0, start),
                        Strip(list(Segment.apply_style(strip.crop(start, end), post_style=highlight))),
                        strip.crop(end),
                    ]
                )
        return strip.crop_extend(scroll_x, scroll_x + width, base).apply_offsets(scroll_x, row)

    # -- text --------------------------------------------------------------------------------

    def document_lines(self) -> list[Strip]:
        """Every line of the document at the current width, margins included (long: for copies and tests)."""
        self._layout_blocks()
        width = self.content_width
        styles = self.styles_for_blocks
        lines: list[Strip] = []
        for index, block in enumerate(self.blocks):
            if self._starts[index]:
                lines.extend([Strip([])] * block.margin_top)
            lines.extend(block.line(y, width, styles) for y in range(block.height(width, styles)))
        return lines

    def plain_lines(self) -> list[str]:
        """Every line of the document as plain text (what a selection copies)."""
        return [line.text.rstrip() for line in self.document_lines()]

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        return selection.extract("\n".join(self.plain_lines())), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        found = self.block_at(int(self.scroll_y) + offset.y)
        if found is not None:
            self.post_message(self.Clicked(self, *found))


__all__ = ["Block", "DocumentView"]
