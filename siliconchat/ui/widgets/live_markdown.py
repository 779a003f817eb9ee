"""Markdown fed by a stream, in sealed pieces so that a long answer costs the same per frame as a short one.

:class:`LiveMarkdown` is one Markdown widget that fragments are appended to (``Markdown.append``, as a
``MarkdownStream`` does); :meth:`LiveMarkdown.finish` parses its whole text again only if that text differs from
what was streamed (see there). Every fragment is sanitized before display.

:class:`LiveDocument` is what the panes show: a column of ``LiveMarkdown`` pieces that reads as one
document. Textual's ``Markdown.append`` re-parses from the last block but also splits the whole source into
lines on every call, and every layout walks every block of the widget, so one growing Markdown widget costs
more per frame the longer the answer gets. The document therefore only ever streams into its last piece:
once that piece holds :data:`PIECE_CHARS` characters, it is *sealed* at the next seam (its stream stops, and it
does no more work) and the text after the seam goes to a new piece.

A seam is only ever at the start of a line that opens a plain paragraph (it starts with a letter) after a
blank line, outside a fenced code block: there a full parse of the whole text would also end every block
(a paragraph, list, quote, table or fence cannot continue past a blank line into an unindented paragraph),
and the blank line between the two blocks looks the same whether they are in one widget or two (the block
above has a bottom margin of 1, a paragraph has no top margin; see ``tests/test_live_markdown.py``). What
splitting changes is only Markdown that reaches across blocks, e.g. a reference-style link whose definition
is in another piece, which models do not write.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from functools import cache

from markdown_it import MarkdownIt
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownBlock, MarkdownStream

from siliconchat.core.sanitize import sanitize
from siliconchat.ui.widgets.laid_out_once import LaidOutOnce, laid_out_once

PIECE_CHARS = 4_000
"""A streaming piece is sealed at the first seam after it holds this many characters. Each frame's append and
layout walk the live piece's blocks: at 16,000 a 20k-delta blast's frames took about 8 ms more."""

FOLD_KEEP_PANES = 2
"""While a document is folded (see :meth:`LiveDocument.fold`), the sealed pieces within this many pane heights
of the end stay (at least one pane of text above the live piece, whatever its size)."""

RESERVE_LINES = 10
"""While a piece streams, it keeps up to this many blank lines below its text (see :meth:`LiveDocument.write`)."""


class OrderlyStream(MarkdownStream):
    """Textual's ``MarkdownStream`` with a ``stop`` that lets the append in progress finish first.

    ``MarkdownStream.stop`` cancels the stream's task while it awaits a (shielded) ``Markdown.append``, then
    appends what is left at once: the two appends run side by side, the second parsed from a stale line, and
    blocks come out twice or in the wrong place (seen under load, when a piece is sealed or finished). Here
    the task is told to stop and awaited: it appends what is queued, one append after the other, and ends.

    :meth:`flush` waits until what was written is appended. An append holds ``App.batch_update`` while it
    mounts new blocks, and the screen does not refresh meanwhile: a caller that writes again as soon as the
    previous write returned kept the screen from refreshing (a typed key showed up to half a second late).
    """

    def __init__(self, markdown_widget: Markdown) -> None:
        super().__init__(markdown_widget)
        self._stopping = False
        self._idle = asyncio.Event()
        self._idle.set()

    async def write(self, markdown_fragment: str) -> None:
        if markdown_fragment:
            self._idle.clear()
        await super().write(markdown_fragment)

    async def flush(self) -> None:
        """Wait until everything written so far is appended (and its blocks mounted)."""
        if self._task is not None:
            await self._idle.wait()

    async def _run(self) -> None:
        while True:
            await self._new_markup.wait()
            self._new_markup.clear()
            new_markdown = "".join(self._pending)
            self._pending.clear()
            if new_markdown:
                await self.markdown_widget.append(new_markdown)
            if not self._pending:
                self._idle.set()
                if self._stopping:
                    return

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            self._stopping = True
            self._new_markup.set()
            with contextlib.suppress(Exception):  # an append into a widget being removed: nothing to show
                await task
        self._stopped = True


@cache
def _parser() -> MarkdownIt:
    """One parser for every piece: Textual's default makes a new one for each append and update (~2 ms each,
    most of it setting up linkify), and a parser keeps no state from one ``parse`` to the next."""
    return MarkdownIt("gfm-like")


class LiveMarkdown(LaidOutOnce, Markdown):
    """Markdown that can be streamed into, then finished (parsed again only if the text differs)."""

    REPAINT_ON_LAYOUT = False  # a piece draws nothing of its own (LiveDocument's CSS): its blocks do

    def __init__(self, markdown: str = "", *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(sanitize(markdown), id=id, classes=classes, parser_factory=_parser)
        self._stream: OrderlyStream | None = None

    @property
    def streaming(self) -> bool:
        return self._stream is not None

    def get_block_class(self, block_name: str) -> type[MarkdownBlock]:
        return laid_out_once(super().get_block_class(block_name))  # the last block grows every frame

    async def write(self, fragment: str) -> None:
        """Append ``fragment`` (raw model text: it is sanitized here) through this piece's ``MarkdownStream``.

        The caller coalesces the deltas of a frame, so the stream gets one fragment per frame; its task
        appends it (``Markdown.append`` re-parses from the last block only), and this returns once it is
        appended (see :class:`OrderlyStream`), so that the screen refreshes before the next frame writes.
        """
        text = sanitize(fragment)
        if not text:
            return
        if self._stream is None:
            self._stream = OrderlyStream(self)
            self._stream.start()
        await self._stream.write(text)
        await self._stream.flush()

    async def finish(self, full_text: str) -> None:
        """Stop the stream and show ``full_text`` (raw): parsed again only if it is not what the stream showed.

        ``Markdown.append`` parses again from the start of the last block, so streamed text has the blocks a
        full parse gives it. What can differ is the text itself: fragments are sanitized one by one, and a
        control sequence cut across two fragments leaves a different remainder than the whole text does.
        """
        await self.stop_stream()
        text = sanitize(full_text)
        if text != self.source:
            await self.update(text)

    async def stop_stream(self) -> None:
        """Stop the stream; whatever it still held is appended first."""
        stream, self._stream = self._stream, None
        if stream is not None:
            await stream.stop()

    async def show(self, text: str) -> None:
        """Replace the content outright (raw text, sanitized here)."""
        await self.stop_stream()
        await self.update(sanitize(text))


class SeamFinder:
    """Reads Markdown as it arrives and reports its seams (see the module docstring).

    Only the start of each line is looked at (fences, indentation, blank lines): it costs a ``find`` per line.
    """

    HEAD = 64  # characters kept of the current line (enough to read a fence marker)

    def __init__(self) -> None:
        self._head = ""  # the start of the current, unfinished line
        self._blank = True  # the current line is blank so far
        self._fence: tuple[str, int] | None = None  # the open code fence: its character and length
        self._check = (
            False  # the current line starts right after a blank line: a seam if it opens a paragraph
        )

    def feed(self, text: str) -> list[int]:
        """Read ``text`` (the next raw text of the document); the offsets in it where a seam is."""
        seams: list[int] = []
        pos = 0
        size = len(text)
        while pos < size:
            if self._check:
                self._check = False
                if text[pos].isalpha():
                    seams.append(pos)
            newline = text.find("\n", pos)
            end = size if newline < 0 else newline
            if len(self._head) < self.HEAD:
                self._head += text[pos : min(end, pos + self.HEAD)]
            if self._blank and not text[pos:end].isspace() and end > pos:
                self._blank = False
            if newline < 0:
                break
            self._end_line()
            pos = newline + 1
        return seams

    def _end_line(self) -> None:
        head, blank = self._head, self._blank
        self._head, self._blank = "", True
        stripped = head.lstrip(" ")
        indent = len(head) - len(stripped)
        fence = self._fence
        if fence is not None:
            char, length = fence
            if indent <= 3 and stripped.startswith(char * length) and not stripped.strip(char).strip():
                self._fence = None
            return
        if indent <= 3 and stripped[:3] in ("```", "~~~"):
            char = stripped[0]
            info = stripped.lstrip(char)
            if char == "~" or "`" not in info:  # a backtick fence's info string has no backtick
                self._fence = (char, len(stripped) - len(info))
                return
        self._check = blank


def split_points(text: str, piece_chars: int = PIECE_CHARS) -> list[int]:
    """Where to cut ``text`` (a whole document) into pieces of at least ``piece_chars`` characters."""
    cuts: list[int] = []
    start = 0
    for seam in SeamFinder().feed(text):
        if seam - start >= piece_chars:
            cuts.append(seam)
            start = seam
    return cuts


def _pieces(text: str, piece_chars: int) -> Iterator[str]:
    start = 0
    for cut in split_points(text, piece_chars):
        yield text[start:cut]
        start = cut
    yield text[start:]


def _fixed_height(piece: LiveMarkdown) -> int | None:
    """A sealed piece's fixed height in lines (see LiveDocument._fix_heights), or None if it has none yet."""
    height = piece.styles.height if piece.styles.inline.has_rule("height") else None
    return int(height.value) if height is not None and height.is_cells else None


def _text_lines(piece: LiveMarkdown) -> int:
    """The lines ``piece``'s blocks took at its last layout, with the last block's bottom margin."""
    blocks = piece.children
    if not blocks:
        return 0
    last = blocks[-1]
    bottom = last.region.bottom + last.styles.margin.bottom
    return max(0, bottom - piece.content_region.y) if last.region else 0


class LiveDocument(LaidOutOnce, Vertical):
    """One Markdown document in pieces; only the last one is streamed into (see the module docstring).

    ``write`` appends raw text, ``finish`` shows the final text (the sealed pieces are kept when the text
    starts with theirs, as it does after a stream), ``show`` replaces everything, ``source`` is the text shown
    (sanitized).
    """

    REPAINT_ON_LAYOUT = False  # draws nothing of its own: its pieces do

    DEFAULT_CSS = """
    LiveDocument {
        height: auto;
    }
    LiveDocument > LiveMarkdown {
        margin: 0;
        padding: 0;
        background: transparent;
    }
    LiveDocument > .folded {
        display: none;
        height: 0;
    }
    """

    def __init__(
        self,
        markdown: str = "",
        *,
        id: str | None = None,
        classes: str | None = None,
        piece_chars: int = PIECE_CHARS,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.piece_chars = piece_chars
        self._initial = markdown
        self._pieces: list[LiveMarkdown] = []  # every piece but the last is sealed
        self._sealed: list[str] = []  # the raw text of each sealed piece
        self._sealed_chars = 0
        self._live: list[str] = []  # the raw text written to the last piece
        self._live_chars = 0
        self._seams = SeamFinder()
        self._fixed_width = 0  # the width the sealed pieces' heights were fixed at
        self._fix_pending = False  # sealed pieces wait for the document to have a width
        self._reserved = 0  # the last piece's min-height while it streams (see _reserve)
        self._used = 0  # the lines its text took at the last top-up check
        self._spacer = Widget(classes="folded")  # stands for the folded pieces (see fold)
        self._folding = False
        self._folded = 0  # the leading sealed pieces hidden behind the spacer
        self._folded_lines = 0  # their height

    def compose(self) -> ComposeResult:
        texts = list(_pieces(self._initial, self.piece_chars))
        self._pieces = [LiveMarkdown(text) for text in texts]
        self._sealed = texts[:-1]
        self._sealed_chars = sum(map(len, self._sealed))
        self._live = [texts[-1]]
        self._live_chars = len(texts[-1])
        self._seams.feed(self._initial)
        self._initial = ""
        yield self._spacer
        yield from self._pieces

    def on_mount(self) -> None:
        if self._sealed:
            self._fix_heights_later()

    @property
    def pieces(self) -> list[LiveMarkdown]:
        return list(self._pieces)

    @property
    def source(self) -> str:
        """The text shown (sanitized), once the pieces have taken what was written."""
        return "".join(piece.source for piece in self._pieces)

    @property
    def streaming(self) -> bool:
        return bool(self._pieces) and self._pieces[-1].streaming

    async def write(self, fragment: str) -> None:
        """Append ``fragment`` (raw model text); called at most once per frame."""
        if not fragment:
            return
        if not self._pieces:  # not composed yet (a frame can come right after the mount): shown with the rest
            self._initial += fragment
            return
        self._reserve()
        seams = self._seams.feed(fragment)
        start = 0
        for seam in seams:
            if self._live_chars + seam - start >= self.piece_chars:
                await self._append(fragment[start:seam])
                await self._seal()
                start = seam
        await self._append(fragment[start:])

    async def _append(self, text: str) -> None:
        if text:
            self._live.append(text)
            self._live_chars += len(text)
            await self._pieces[-1].write(text)

    # -- the streaming piece keeps blank lines in reserve -----------------------------------------
    #
    # When a piece grows by a line, so do the document, the answer block and the scrolling view around it:
    # Textual repaints every widget whose size changed, i.e. the whole pane, and scrolls it by a line. At a
    # realistic 100 deltas/s that was most of the app's CPU. So the piece's height is kept a few lines ahead
    # of its text (``min-height``): a new line of text then lands in the reserve, only the block that grew is
    # repainted, and the pane scrolls once per :data:`RESERVE_LINES` lines instead of once per line.

    def _reserve(self) -> None:
        """Top up the last piece's reserve of blank lines when its text (as last laid out) nears the end.

        The reserve is :data:`RESERVE_LINES`, or twice what the text grew by since the last check (a blast
        grows by many lines per frame), but never more than a third of the pane that shows the document: the
        pane follows the end, so a taller reserve would show only blank lines. A pane of fewer than six lines
        gets none.
        """
        piece = self._pieces[-1]
        if not piece.is_mounted:
            return
        most = self._pane_lines() // 3
        if most < 2:
            self._release(piece)
            return
        used = _text_lines(piece)
        grew = max(0, used - self._used)
        self._used = used
        if self._reserved - used < max(2, min(grew + 1, most)):
            self._reserved = used + min(max(RESERVE_LINES, 2 * grew), most)
            piece.styles.min_height = self._reserved

    def _pane_lines(self) -> int:
        """The height of the scrolling pane the document is shown in (the screen's, if none)."""
        for node in self.ancestors:
            if isinstance(node, Widget) and node.styles.overflow_y in ("auto", "scroll"):
                return node.scrollable_content_region.height
        return self.app.size.height

    def release_reserve(self) -> None:
        """No more text will come for now (the reasoning is over; the answer streams): no blank lines."""
        if self._pieces:
            self._release(self._pieces[-1])

    def _release(self, piece: LiveMarkdown) -> None:
        """The piece no longer streams: it takes the height of its text again."""
        self._reserved = self._used = 0
        if piece.styles.inline.has_rule("min_height"):
            piece.styles.min_height = None

    async def _seal(self) -> None:
        """Finish the last piece (see LiveMarkdown.finish); a new, empty piece streams what follows."""
        text = "".join(self._live)
        self._release(self._pieces[-1])
        await self._pieces[-1].finish(text)
        self._sealed.append(text)
        self._sealed_chars += len(text)
        self._live, self._live_chars = [], 0
        self._fix_heights_later()
        piece = LiveMarkdown()
        self._pieces.append(piece)
        await self.mount(piece)

    # -- sealed pieces keep the height they were laid out with ----------------------------------
    #
    # A piece of auto height is measured again (every block of it) by every layout of the document, and a
    # streaming answer lays the document out every frame: at 80,000 deltas that was a quarter of the time.
    # A sealed piece does not change, so once it is laid out its height is fixed (a number of lines, the
    # height it has); a change of width puts every sealed piece back to auto height, to be fixed again.

    def _fix_heights_later(self) -> None:
        self.call_after_refresh(self._fix_heights)

    def _fix_heights(self) -> None:
        width = self.size.width
        if not width:  # not laid out yet (or hidden): when it gets a size (on_resize)
            self._fix_pending = True
            return
        self._fix_pending = False
        self._fixed_width = width
        viewport = self.app.size
        for piece in self._pieces[: len(self._sealed)]:
            if not piece.styles.inline.has_rule("height") and piece.is_mounted:
                # Measured here, as a layout measures it (not read from the last layout, which may predate
                # the piece's final update).
                gutter = piece.styles.gutter
                content_width = width - gutter.width - piece.styles.margin.width
                if content_width > 0:
                    height = piece.get_content_height(self.size, viewport, content_width)
                    piece.styles.height = height + gutter.height
        if self._folding:
            self._fold()

    # -- folding: sealed pieces far above the end leave the layout while the end is followed ---------
    #
    # Textual lays out every widget of the screen whenever anything changes size, including the hundreds of
    # Markdown blocks of a long answer that are far above what is shown: at 80,000 deltas a frame's layout
    # took most of its time, and grew with the answer. While the pane follows the end, the sealed pieces
    # but those within FOLD_KEEP_PANES pane heights of the end are hidden, and one blank widget of
    # their total height stands in for them: the scroll range, and what is on screen, stay the same. The
    # panes unfold their documents as soon as they scroll up (their ``watch_scroll_y``).

    def fold(self, fold: bool) -> None:
        """Fold (the pane follows the end of a streaming answer) or unfold (the user scrolls up).

        A finished answer stays folded while its pane shows the end: unfolding a long one is one layout of
        all its blocks (most of a second at 80,000 deltas), better paid when the user scrolls up to them.
        """
        self._folding = fold
        if fold:
            self._fold()
        else:
            self._unfold()

    def _fold(self) -> None:
        end = len(self._sealed)
        keep = FOLD_KEEP_PANES * self._pane_lines()
        while end > self._folded and keep > 0:
            height = _fixed_height(self._pieces[end - 1])
            if height is None:
                return  # not laid out yet: folded at a later frame
            keep -= height
            end -= 1
        pieces = self._pieces[self._folded : end]
        heights = []
        for piece in pieces:
            height = _fixed_height(piece)
            if height is None:
                break  # not laid out yet: folded at a later frame
            heights.append(height)
        if not heights:
            return
        for piece in pieces[: len(heights)]:
            piece.display = False
        self._folded += len(heights)
        self._folded_lines += sum(heights)
        self._spacer.styles.height = self._folded_lines
        self._spacer.display = True

    def _unfold(self) -> None:
        if not self._folded:
            return
        for piece in self._pieces[: self._folded]:
            piece.display = True
        self._folded = self._folded_lines = 0
        self._spacer.display = False
        self._spacer.styles.height = 0

    def _unfix_heights(self, pieces: list[LiveMarkdown]) -> None:
        for piece in pieces:
            if piece.styles.inline.has_rule("height"):
                piece.styles.height = None  # back to the stylesheet's auto

    def on_resize(self, event: events.Resize) -> None:
        if self._fix_pending:
            self._fix_heights_later()
        if event.size.width != self._fixed_width and self._fixed_width:
            self._fixed_width = 0
            self._unfold()  # the heights change: folded again once they are fixed
            self._unfix_heights(self._pieces)
            self._fix_heights_later()

    async def stop_stream(self) -> None:
        self._folding = False  # what is folded stays folded until the pane scrolls up (see unfold)
        if self._pieces:
            self._release(self._pieces[-1])
            await self._pieces[-1].stop_stream()

    async def finish(self, full_text: str) -> None:
        """Stop streaming and show ``full_text`` (raw): the sealed pieces stay if it starts with their text."""
        await self.stop_stream()
        sealed = "".join(self._sealed)
        if self._pieces and full_text == sealed + "".join(self._live):  # what was written: nothing to redo
            await self._pieces[-1].finish(full_text[len(sealed) :])
            return
        keep = len(self._sealed)
        if not full_text.startswith(sealed):
            keep = 0
        await self._show_text(full_text, keep)

    async def show(self, text: str) -> None:
        """Replace the content outright (raw text, sanitized in the pieces)."""
        await self.stop_stream()
        await self._show_text(text, 0)

    async def _show_text(self, text: str, keep: int) -> None:
        """Show ``text``: the first ``keep`` sealed pieces already show its start; the rest is redone."""
        self._unfold()
        if not self._pieces:  # not composed yet
            self._initial = text
            return
        sealed = self._sealed[:keep]
        done = sum(map(len, sealed))
        rest = list(_pieces(text[done:], self.piece_chars))
        pieces = self._pieces
        extra = pieces[keep + 1 :]
        if extra:
            await self.remove_children(extra)
        pieces = pieces[: keep + 1]
        self._unfix_heights(pieces[keep : keep + 1])  # it was sealed, perhaps: it is the live piece again
        await pieces[keep].show(rest[0])
        new = [LiveMarkdown(piece_text) for piece_text in rest[1:]]
        if new:
            await self.mount_all(new)
        self._pieces = pieces + new
        self._sealed = sealed + rest[:-1]
        self._sealed_chars = done + sum(map(len, rest[:-1]))
        self._live = [rest[-1]]
        self._live_chars = len(rest[-1])
        self._seams = SeamFinder()
        self._seams.feed(text)
        if len(self._sealed) > keep:
            self._fix_heights_later()
