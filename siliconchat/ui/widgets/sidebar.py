"""The conversation sidebar (Ctrl+B or F9): saved conversations by last activity, newest first.

Bindings (while the list has focus):

| key | id | action |
|---|---|---|
| enter | (the list's own) | reopen the highlighted conversation |
| r | sidebar.rename | rename it |
| d, delete | sidebar.delete | delete it (after a confirmation) |
| escape | sidebar.close | close the sidebar (while an answer streams, Escape stops it instead) |

Each row is the title (from the first prompt, sanitized), then the model of the last answer and the
date of the last activity. The list is an ``OptionList``: it renders only the rows in view, and each row is
a :class:`Row` that builds its ``Content`` only when drawn. The rows come from the history a page at a time
(:meth:`Sidebar.fill`, given the store's :meth:`~HistoryStore.list_conversations`): the newest
:data:`PAGE_ROWS` when it opens, the next page (read through the index from the last row shown, in a
thread) when the highlight or the scroll comes within :data:`PAGE_MARGIN` rows of the end. A history of
100,000 conversations opens as fast as one of a hundred, and every one can still be reached. Titles and
model ids are untrusted text: they are shown as ``Content``, never as markup.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.css.styles import RulesMap
from textual.message import Message
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from siliconchat.core.sanitize import sanitize_line

if TYPE_CHECKING:
    from siliconchat.core.history import ConversationSummary

__all__ = ["Pages", "Sidebar", "format_when", "short_model"]

Pages = Callable[[int, "ConversationSummary | None"], "list[ConversationSummary]"]
"""Reads a page: ``(limit, after)`` -> up to ``limit`` summaries after ``after`` (None: from the newest)."""

PAGE_ROWS = 100  # rows read at a time (a screen holds about 20; a page takes about a millisecond)
PAGE_MARGIN = 30  # the next page is read when the highlight or the view comes this close to the last row
CURRENT_ROWS = 2000  # at most this many rows are read to reach (and highlight) the open conversation
TITLE_WIDTH = 30  # cells of a row's title (the sidebar is 34 wide, with a border and a marker)
UNTITLED = "(untitled)"


def format_when(timestamp: float, now: float | None = None) -> str:
    """``14:05`` today, ``Mar 04`` this year, else ``2024-03-04`` (local time)."""
    when = _dt.datetime.fromtimestamp(timestamp)
    today = _dt.datetime.fromtimestamp(time.time() if now is None else now)
    if when.date() == today.date():
        return when.strftime("%H:%M")
    if when.year == today.year:
        return when.strftime("%b %d")
    return when.strftime("%Y-%m-%d")


def short_model(model: str | None) -> str:
    """``deepseek-ai/DeepSeek-R1`` -> ``DeepSeek-R1`` (the sidebar is narrow)."""
    if not model:
        return "–"
    return sanitize_line(model.rsplit("/", 1)[-1], 40)


def row(summary: ConversationSummary, *, current: bool, now: float) -> Content:
    """One row: the title, then the model and the date, dimmed."""
    title = Content(sanitize_line(summary.title) or UNTITLED).truncate(TITLE_WIDTH, ellipsis=True)
    marker = ("● ", "$text-accent") if current else ("  ", "")
    details = f"{short_model(summary.model)} · {format_when(summary.updated, now)}"
    return Content.assemble(
        marker,
        title.stylize("bold") if current else title,
        "\n  ",
        Content(details).truncate(TITLE_WIDTH, ellipsis=True).stylize("dim"),
    )


class Row(Visual):
    """A row of the list, two lines high, built only when drawn: ``OptionList`` asks every option for its
    height when the list is filled, and wrapping 5,000 ``Content`` objects to measure them takes a second."""

    __slots__ = ("_content", "current", "now", "summary")

    def __init__(self, summary: ConversationSummary, *, current: bool, now: float) -> None:
        self.summary = summary
        self.current = current
        self.now = now
        self._content: Content | None = None

    @property
    def content(self) -> Content:
        if self._content is None:
            self._content = row(self.summary, current=self.current, now=self.now)
        return self._content

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        return self.content.render_strips(width, height, style, options)[:2]

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return TITLE_WIDTH + 2

    def get_height(self, rules: RulesMap, width: int) -> int:
        return 2


class Sidebar(Vertical):
    """The list of saved conversations; posts :class:`Sidebar.Open`, ``Rename`` and ``Delete``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "rename", "Rename", id="sidebar.rename"),
        Binding("d,delete", "delete", "Delete", id="sidebar.delete"),
        Binding("escape", "close", "Close sidebar", id="sidebar.close"),
    ]

    class Open(Message):
        """Reopen conversation ``conversation_id``."""

        def __init__(self, conversation_id: int) -> None:
            super().__init__()
            self.conversation_id = conversation_id

    class Rename(Message):
        def __init__(self, conversation_id: int, title: str) -> None:
            super().__init__()
            self.conversation_id = conversation_id
            self.title = title

    class Delete(Message):
        def __init__(self, conversation_id: int, title: str) -> None:
            super().__init__()
            self.conversation_id = conversation_id
            self.title = title

    class Closed(Message):
        """The user closed the sidebar with its own key."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = Content("Conversations")
        self.border_subtitle = Content("⏎ open · r rename · d delete")
        self.list = OptionList(id="sidebar-list")
        self.note = Static(Content("loading…"), markup=False, id="sidebar-note")
        self.summaries: dict[int, ConversationSummary] = {}
        self.current: int | None = None
        self.loaded = False  # the rows are in (False again from F9 until they are read again)
        self.complete = False  # every row is in (the last page read came short)
        self.pages = 0  # pages read (tests and benchmarks watch it)
        self._pages: Pages | None = None
        self._last: ConversationSummary | None = None  # the last row shown: the next page starts after it
        self._generation = 0  # counts show(): a page read for rows since replaced is dropped
        self._reading = asyncio.Lock()  # one page at a time

    def compose(self) -> ComposeResult:
        yield self.note
        yield self.list

    def on_mount(self) -> None:
        self.watch(self.list, "scroll_y", self._near_the_end, init=False)

    # -- content ------------------------------------------------------------------------------

    async def fill(self, pages: Pages, current: int | None) -> None:
        """Read the rows again from ``pages`` (in a thread): as many as are shown (a page at least), then,
        when the open conversation ``current`` is not among them, up to :data:`CURRENT_ROWS` to reach it.
        Raises what ``pages`` raises (a ``HistoryError``)."""
        self._pages = pages
        wanted = max(PAGE_ROWS, len(self.summaries))  # (a page read meanwhile may add rows to the list)
        rows = await asyncio.to_thread(pages, wanted, None)
        self.pages += 1
        self.show(rows, current, complete=len(rows) < wanted)
        while current is not None and current not in self.summaries and not self.complete:
            if len(self.summaries) >= CURRENT_ROWS:
                break
            await self._read_page()
            if current in self.summaries and self.highlighted_id != current:
                self.list.highlighted = self.list.get_option_index(str(current))

    def show(
        self, summaries: Sequence[ConversationSummary], current: int | None, *, complete: bool = True
    ) -> None:
        """Replace the rows; keep the highlight on the same conversation when it is still there, else put
        it on ``current`` (when its row is in), else on the first row. With ``complete=False`` more rows
        follow (:meth:`extend`)."""
        option_list = self.list
        highlighted = option_list.highlighted_option
        keep = highlighted.id if highlighted is not None else None
        self.summaries = {}
        self.current = current
        self.complete = complete
        self._generation += 1
        option_list.set_options(self._options(summaries))
        self._last = summaries[-1] if summaries else None
        self.loaded = True
        if not summaries:
            self.note.update(Content("No saved conversations yet."))
            self.note.display = True
            return
        self.note.display = False
        target = next(
            (
                w
                for w in (keep, str(current) if current is not None else None)
                if w and int(w) in self.summaries
            ),
            None,
        )
        option_list.highlighted = option_list.get_option_index(target) if target is not None else 0

    def extend(self, summaries: Sequence[ConversationSummary], *, complete: bool = False) -> None:
        """Append rows after those shown (rows already in the list are skipped); the highlight stays."""
        known = self.summaries
        self.list.add_options(self._options([s for s in summaries if s.id not in known]))
        if summaries:
            self._last = summaries[-1]
        if complete:
            self.complete = True

    @property
    def reading(self) -> bool:
        """A page is being read."""
        return self._reading.locked()

    async def _read_page(self) -> None:
        """Read the page after the last row shown and append it (after the page being read, if any)."""
        async with self._reading:
            pages = self._pages
            if pages is None or self.complete:
                return
            generation = self._generation
            rows = await asyncio.to_thread(pages, PAGE_ROWS, self._last)
            if generation == self._generation:  # else the rows were replaced while it was read: dropped
                self.pages += 1
                self.extend(rows, complete=len(rows) < PAGE_ROWS)
        # Read on while the view is not full: after a page shorter than the view, and after a dropped page
        # (the rows that replaced it could not read on while it was being read).
        self._near_the_end()

    def on_resize(self, event: events.Resize) -> None:
        # Shown at last (pages read while it was hidden measured a view of no rows), or taller: read on
        # until the view is full.
        self.call_after_refresh(self._near_the_end)

    def _near_the_end(self) -> None:
        """Read the next page when the highlight or the view is close to the last row."""
        if self.complete or self._pages is None or self.reading:
            return
        option_list = self.list
        rows_in_view = option_list.scrollable_content_region.height // 2  # a row is two lines high
        bottom = int(option_list.scroll_y) // 2 + rows_in_view
        if option_list.option_count - max(option_list.highlighted or 0, bottom) <= PAGE_MARGIN:
            self.run_worker(self._next_page(), group="sidebar-page", exit_on_error=False)

    async def _next_page(self) -> None:
        from siliconchat.core.history import HistoryError

        try:
            await self._read_page()
        except HistoryError as exc:
            self.notify(str(exc), severity="error", markup=False)

    def _options(self, summaries: Sequence[ConversationSummary]) -> list[Option]:
        """Cheap options: a :class:`Row` renders its ``Content`` only when it is drawn."""
        now = time.time()
        current = self.current
        known = self.summaries
        options = []
        for s in summaries:
            known[s.id] = s
            options.append(Option(Row(s, current=s.id == current, now=now), id=str(s.id)))
        return options

    def show_disabled(self, reason: str) -> None:
        self.loaded = True
        self.complete = True
        self._pages = None
        self.summaries = {}
        self.list.clear_options()
        self.note.update(Content(reason))
        self.note.display = True

    def set_current(self, current: int | None) -> None:
        """Mark ``current`` as the conversation on screen (without reading the history again)."""
        if current == self.current:
            return
        now = time.time()
        for cid in (self.current, current):
            if cid is not None and cid in self.summaries:
                self.list.replace_option_prompt(
                    str(cid), row(self.summaries[cid], current=cid == current, now=now)
                )
        self.current = current

    @property
    def highlighted_id(self) -> int | None:
        option = self.list.highlighted_option
        return int(option.id) if option is not None and option.id is not None else None

    # -- keys ---------------------------------------------------------------------------------

    @on(OptionList.OptionHighlighted, "#sidebar-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._near_the_end()

    @on(OptionList.OptionSelected, "#sidebar-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.Open(int(event.option.id)))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "close":
            screen = self.screen
            if getattr(screen, "streaming", False):
                return False  # Escape stops the answer (the app's binding) rather than closing
        return not (action in ("rename", "delete") and self.highlighted_id is None)

    def action_rename(self) -> None:
        cid = self.highlighted_id
        if cid is not None:
            self.post_message(self.Rename(cid, self.summaries[cid].title))

    def action_delete(self) -> None:
        cid = self.highlighted_id
        if cid is not None:
            self.post_message(self.Delete(cid, self.summaries[cid].title))

    def action_close(self) -> None:
        self.post_message(self.Closed())
