"""The sidebar widget alone (``siliconchat/ui/widgets/sidebar.py``), in a small app, its pages read from a
function the test controls: the order in which a fill, a resize and a page read finish."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from ui_support import wait_for

from siliconchat.core.history.rows import ConversationSummary
from siliconchat.ui.widgets import sidebar as sidebar_module
from siliconchat.ui.widgets.sidebar import Sidebar

STYLES = Path(sidebar_module.__file__).parent.parent / "styles"
ROWS = [ConversationSummary(n, f"Conversation {n}", None, 0.0, float(n), 2) for n in range(60, 0, -1)]


class Host(App[None]):
    CSS_PATH = STYLES / "history.tcss"  # the sidebar's own styles (#sidebar, #sidebar-list)

    def compose(self) -> ComposeResult:
        yield Sidebar(id="sidebar")


async def test_a_page_dropped_because_the_rows_were_replaced_does_not_stop_the_reading(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The sidebar is resized (shown) while its first rows are read: it reads a page of its own, and the first
    rows replace the list before that page comes back, so the page is dropped. The view is not full yet: it
    must read on (it stopped at the first 5 rows, a sidebar left nearly empty)."""
    monkeypatch.setattr(sidebar_module, "PAGE_ROWS", 5)
    monkeypatch.setattr(sidebar_module, "PAGE_MARGIN", 2)
    calls: list[ConversationSummary | None] = []
    fill_may_end, page_may_end = threading.Event(), threading.Event()

    def pages(count: int, after: ConversationSummary | None) -> list[ConversationSummary]:
        calls.append(after)
        if len(calls) == 1:
            fill_may_end.wait(10)
        elif len(calls) == 2:
            page_may_end.wait(10)
        start = 0 if after is None else ROWS.index(after) + 1
        return ROWS[start : start + count]

    app = Host()
    async with app.run_test(size=(40, 30)) as pilot:
        sidebar = app.query_one(Sidebar)
        filling = asyncio.create_task(sidebar.fill(pages, None))
        await wait_for(pilot, lambda: len(calls) >= 1, "the fill's read")
        await pilot.resize_terminal(40, 44)  # shown, or taller: it reads a page as the fill goes on
        await wait_for(pilot, lambda: len(calls) >= 2, "the resize's page")
        fill_may_end.set()
        await filling
        assert len(sidebar.list.options) == 5  # the fill's rows; the resize's page is still being read
        page_may_end.set()
        rows_in_view = sidebar.list.scrollable_content_region.height // 2
        assert rows_in_view > 10
        await wait_for(
            pilot,
            lambda: len(sidebar.list.options) > rows_in_view and not sidebar.reading,
            f"a full view ({rows_in_view} rows)",
        )
        assert [o.id for o in sidebar.list.options] == [str(r.id) for r in ROWS[: len(sidebar.list.options)]]


async def test_rows_added_while_the_list_is_read_again_do_not_make_it_look_complete(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The list is read again (a refresh, as many rows as are shown) while a page read for the highlight
    near the end adds rows: the refresh's rows are as many as it asked for, so more may follow."""
    monkeypatch.setattr(sidebar_module, "PAGE_ROWS", 5)
    monkeypatch.setattr(sidebar_module, "PAGE_MARGIN", 2)
    refresh_may_end = threading.Event()
    refreshing = threading.Event()

    def pages(count: int, after: ConversationSummary | None) -> list[ConversationSummary]:
        if after is None and refreshing.is_set():
            refresh_may_end.wait(10)
        start = 0 if after is None else ROWS.index(after) + 1
        return ROWS[start : start + count]

    app = Host()
    async with app.run_test(size=(40, 12)) as pilot:  # a view of a few rows
        sidebar = app.query_one(Sidebar)
        await sidebar.fill(pages, None)
        await wait_for(
            pilot, lambda: not sidebar.reading and len(sidebar.list.options) >= 5, "the first rows"
        )
        await pilot.pause()
        before = len(sidebar.list.options)
        refreshing.set()
        filling = asyncio.create_task(sidebar.fill(pages, None))
        await pilot.pause()
        sidebar.list.highlighted = before - 1  # near the end: a page is read and added
        await wait_for(pilot, lambda: len(sidebar.list.options) > before, "the page for the highlight")
        refresh_may_end.set()
        await filling
        assert not sidebar.complete
        assert len(sidebar.list.options) == before  # the refresh's rows replaced the list
