"""Search all conversations (Ctrl+F): type words, pick a result, the conversation opens at that message.

Bindings (while the search input has focus):

| key | id | action |
|---|---|---|
| up / down, pageup / pagedown | | move the highlight in the results |
| enter | | open the highlighted result |
| ctrl+r | search.reasoning | search the reasoning too (on / off) |
| escape | search.close | close |

The search runs in a thread (:meth:`HistoryStore.search`: any part of a word, through SQLite's trigram
index), a moment after the last key; a search still running when a key is typed is stopped, and only the
newest query's results are shown. A word of one or two
characters is looked for among the newest messages for a moment; the status line then says how many. Titles, snippets and model ids are untrusted text:
they are shown as ``Content`` (the matched words highlighted by span), never as markup.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, OptionList, Static
from textual.widgets.option_list import Option

from siliconchat.core.history import HistoryError, SearchHit, SearchHits
from siliconchat.core.sanitize import sanitize_line
from siliconchat.ui.widgets.sidebar import format_when, short_model

__all__ = ["SearchScreen"]

DEBOUNCE = 0.12  # seconds after the last key
LIMIT = 100
_ROLE_LABEL = {"user": "You", "assistant": "Answer", "system": "System"}

Searcher = Callable[[str, bool, Callable[[], bool]], Sequence[SearchHit]]
"""(text, include_reasoning, stop): run in a thread; ``stop()`` turns True once a newer query replaces it."""


def hit_prompt(hit: SearchHit) -> Content:
    """A result: the conversation's title with model and date, then the snippet with its matches."""
    title = Content(sanitize_line(hit.title) or "(untitled)").truncate(60, ellipsis=True).stylize("bold")
    details = Content(f"  {short_model(hit.model)} · {format_when(hit.created)}").stylize("$text-muted")
    label = "Reasoning" if hit.in_reasoning else _ROLE_LABEL.get(hit.role, hit.role)
    snippet = Content(hit.snippet)  # sanitized to one line by the store; spans index into it
    for start, end in hit.highlights:
        snippet = snippet.stylize("bold $text-accent underline", start, end)
    return Content.assemble(title, details, "\n", (f"{label}: ", "$text-muted"), snippet)


def _partial(found: Sequence[SearchHit]) -> str:
    """What a scan that ran out of time says about how far back it looked."""
    if not isinstance(found, SearchHits) or found.complete:
        return ""
    return (
        f" of the newest {found.searched:,} messages (a word of one or two characters is looked for among "
        "the newest messages only; three or more characters search everything)"
    )


class SearchScreen(ModalScreen[tuple[int, int] | None]):
    """Dismisses with ``(conversation_id, message_id)`` of the chosen result, or None."""

    CSS_PATH = "../styles/dialogs.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Close", id="search.close"),
        Binding("ctrl+r", "toggle_reasoning", "Reasoning too", id="search.reasoning"),
        Binding("up", "cursor('up')", "Up", show=False),
        Binding("down", "cursor('down')", "Down", show=False),
        Binding("pageup", "cursor('page_up')", "Page up", show=False),
        Binding("pagedown", "cursor('page_down')", "Page down", show=False),
    ]

    def __init__(self, search: Searcher, *, query: str = "") -> None:
        super().__init__()
        self._search = search
        self._query = query
        self.hits: list[SearchHit] = []
        self.searches = 0  # finished searches (tests wait on it)

    def compose(self) -> ComposeResult:
        with Vertical(id="search-dialog", classes="dialog") as dialog:
            dialog.border_title = "Search conversations"
            dialog.border_subtitle = "⏎ open · ↑↓ move · ctrl+r reasoning · esc close"
            with Horizontal(id="search-row"):
                yield Input(self._query, placeholder="Words to find…", id="search-input")
                yield Checkbox("reasoning", id="search-reasoning")
            yield Static(Content("Type to search prompts and answers."), markup=False, id="search-status")
            yield OptionList(id="search-results")

    def on_mount(self) -> None:
        self.query_one("#search-input", Input).focus()
        if self._query:
            self._run()

    @property
    def include_reasoning(self) -> bool:
        return self.query_one("#search-reasoning", Checkbox).value

    @on(Input.Changed, "#search-input")
    @on(Checkbox.Changed, "#search-reasoning")
    def _changed(self) -> None:
        self._run()

    def _run(self) -> None:
        self._find(self.query_one("#search-input", Input).value, self.include_reasoning)

    @work(exclusive=True, group="search", exit_on_error=False)
    async def _find(self, text: str, include_reasoning: bool) -> None:
        status = self.query_one("#search-status", Static)
        results = self.query_one("#search-results", OptionList)
        if not text.strip():
            self.hits = []
            results.clear_options()
            status.update(Content("Type to search prompts and answers."))
            self.searches += 1
            return
        await asyncio.sleep(DEBOUNCE)  # cancelled by the next key (exclusive)
        stop = threading.Event()
        try:
            found = await asyncio.to_thread(self._search, text, include_reasoning, stop.is_set)
            hits = list(found)
        except asyncio.CancelledError:
            stop.set()  # a newer query: the thread ends its query rather than hold the history meanwhile
            raise
        except HistoryError as exc:
            status.update(Content(str(exc)))
            self.searches += 1
            return
        self.hits = hits
        results.set_options(Option(hit_prompt(h), id=str(i)) for i, h in enumerate(hits))
        if hits:
            results.highlighted = 0
        count = f"{len(hits)}+" if len(hits) >= LIMIT else str(len(hits))
        where = "prompts, answers and reasoning" if include_reasoning else "prompts and answers"
        status.update(Content(f"{count} match{'es' if len(hits) != 1 else ''} in {where}" + _partial(found)))
        self.searches += 1

    @on(Input.Submitted, "#search-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._choose(self.query_one("#search-results", OptionList).highlighted)

    @on(OptionList.OptionSelected, "#search-results")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._choose(event.option_index)

    def _choose(self, index: int | None) -> None:
        if index is None or not 0 <= index < len(self.hits):
            return
        hit = self.hits[index]
        self.dismiss((hit.conversation_id, hit.message_id))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_toggle_reasoning(self) -> None:
        box = self.query_one("#search-reasoning", Checkbox)
        box.value = not box.value

    def action_cursor(self, where: str) -> None:
        results = self.query_one("#search-results", OptionList)
        if where == "up":
            results.action_cursor_up()
        elif where == "down":
            results.action_cursor_down()
        elif where == "page_up":
            results.action_page_up()  # type: ignore[no-untyped-call]
        elif where == "page_down":
            results.action_page_down()  # type: ignore[no-untyped-call]
