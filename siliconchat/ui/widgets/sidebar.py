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
a :class:`Row` that builds its ``Content`` only when drawn. The history fills it in two steps
(:meth:`HistoryLink._fill_sidebar`): the newest :data:`FIRST_ROWS` conversations with :meth:`Sidebar.show`,
drawn at once, then the rest with :meth:`Sidebar.extend` in batches after that first frame, so thousands of
conversations open without lag and every one of them can still be reached. Titles and model ids are
untrusted text: they are shown as ``Content``, never as markup.
"""

from __future__ import annotations

import datetime as _dt
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from textual import on
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

__all__ = ["Sidebar", "format_when", "short_model"]

FIRST_ROWS = 100  # rows shown at once when the sidebar opens (a screen holds about 20)
BATCH_ROWS = 500  # rows appended at a time after the first frame (a few ms each)
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
        self.loaded = False  # the first rows are in
        self.complete = False  # every row is in
        self._pending: str | None = None  # the row to highlight once it arrives (see extend)
        self._pending_over: int | None = None  # the highlight while a row is pending

    def compose(self) -> ComposeResult:
        yield self.note
        yield self.list

    # -- content ------------------------------------------------------------------------------

    def show(
        self, summaries: Sequence[ConversationSummary], current: int | None, *, complete: bool = True
    ) -> None:
        """Replace the rows; keep the highlight on the same conversation when it is still there.

        With ``complete=False`` more rows follow through :meth:`extend` (the highlight moves to its
        conversation when that row arrives)."""
        option_list = self.list
        highlighted = option_list.highlighted_option
        keep = highlighted.id if highlighted is not None else None
        if keep is None and self._pending is not None and not self.complete:
            keep = self._pending  # a refresh while the previous one was still filling
        self.summaries = {}
        self.current = current
        self.complete = complete
        self._pending = None
        option_list.set_options(self._options(summaries))
        self.loaded = True
        if not summaries:
            self.note.update(Content("No saved conversations yet."))
            self.note.display = True
            return
        self.note.display = False
        target = None
        for wanted in (keep, str(current) if current is not None else None):
            if wanted is None:
                continue
            if int(wanted) in self.summaries:
                target = wanted
                break
            if not complete:
                self._pending = wanted  # not among the first rows: highlight it when it arrives
                break
        option_list.highlighted = option_list.get_option_index(target) if target is not None else 0
        self._pending_over = option_list.highlighted

    def extend(self, summaries: Sequence[ConversationSummary], *, complete: bool = False) -> None:
        """Append rows after those shown (rows already in the list are skipped)."""
        known = self.summaries
        self.list.add_options(self._options([s for s in summaries if s.id not in known]))
        if self.list.highlighted != self._pending_over:
            self._pending = None  # the user moved meanwhile: leave the highlight where they put it
        if self._pending is not None and int(self._pending) in known:
            self.list.highlighted = self.list.get_option_index(self._pending)
            self._pending = None
        if complete:
            self.complete = True
            self._pending = None

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
        self._pending = None
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
