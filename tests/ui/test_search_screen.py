"""The search screen alone (``siliconchat/ui/screens/search.py``) in a small app, its searches made by a
function the test controls: what happens to a search still running when the next key is typed."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from textual.app import App
from ui_support import wait_for

from siliconchat.core.history import SearchHit, SearchHits
from siliconchat.ui.screens.search import SearchScreen


async def test_a_key_typed_while_a_search_runs_stops_that_search() -> None:
    """The first query's search runs until it is told to stop (a slow scan of a large history); typing the
    next key must stop it, rather than let it hold the history while the newer query waits, and the screen
    shows the newer query's results."""
    calls: list[str] = []
    stopped_after: dict[str, float] = {}
    first_running = threading.Event()

    def search(text: str, include_reasoning: bool, stop: Callable[[], bool]) -> Sequence[SearchHit]:
        calls.append(text)
        if len(calls) == 1:
            first_running.set()
            started = time.monotonic()
            while not stop() and time.monotonic() - started < 10:
                time.sleep(0.005)
            stopped_after[text] = time.monotonic() - started
            return SearchHits(complete=False)
        return SearchHits([SearchHit(1, 2, "user", "Found it", None, 0.0, f"about {text}", ((6, 8),), False)])

    app: App[None] = App()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = SearchScreen(search)
        await app.push_screen(screen)
        await pilot.press("a")
        await wait_for(pilot, first_running.is_set, "the first search")
        await pilot.press("b")
        await wait_for(pilot, lambda: "a" in stopped_after and screen.hits, "the second search's results")
        assert calls == ["a", "ab"]
        assert stopped_after["a"] < 1  # told to stop as the key came, not left to run out its time
        assert [h.snippet for h in screen.hits] == ["about ab"]
