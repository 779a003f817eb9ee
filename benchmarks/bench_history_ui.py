"""History figures of the real TUI, driven headless with Textual's Pilot at 120x40.

Run: ``python benchmarks/bench_history_ui.py [--conversations 5000] [--repeats 5] [--json out.json]``
(``bench_history.py`` runs it too and puts its figures first in its JSON).

It builds a history in a temporary XDG folder — ``--conversations`` conversations of 2 turns, and one of
500 turns (about 1 MB of Markdown answers and reasoning) — starts :class:`SiliconChatApp` against a
loopback demo server, and times, from the key press:

* ``ui: sidebar open (5,000)``: F9 -> the list's rows are on screen (the first frame that draws the
  sidebar after its rows are in, checked afterwards to show the newest conversation);
* ``ui: sidebar arrow key``: one Down in the list -> the frame that shows the moved highlight. Reported
  as the app's CPU time per key (``process_time``: the work the app does, without the wait for the next
  frame tick) and, separately, the wall time to the frame;
* ``ui: reopen 500 turns (~1 MB)``: Enter on the long conversation -> its last turn on screen;
* ``ui: search over 5,000``: a word typed in the search screen -> the results on screen, less the
  screen's debounce (the pause it waits after the last key before searching).

"On screen" is the moment the app hands a frame to its (headless) driver: a hook on ``App._display``
records when each frame is composed. Nothing is asserted (timings are not tests).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

TURN_ANSWER = (
    "## Heading\n\n"
    + ("Here is a paragraph with **bold**, `code` and a [link](https://example.com). " * 6 + "\n\n") * 2
    + "```python\nfor i in range(10):\n    print(i)\n```\n\n- item one\n- item two\n"
)
LONG_TITLE = "the long conversation"
SEARCH_WORD = "heliotrope"  # in one prompt out of 50


def _stats(samples: list[float]) -> dict[str, Any]:
    return {
        "median_ms": statistics.median(samples) * 1000,
        "min_ms": min(samples) * 1000,
        "max_ms": max(samples) * 1000,
        "samples_ms": [round(s * 1000, 2) for s in samples],
    }


def build(conversations: int) -> tuple[int, int, float]:
    """Fill the history at the XDG data path; (id of the long conversation, its turns, its MB of text)."""
    from siliconchat.core.conversation import Conversation, Message, MessageState
    from siliconchat.core.history import HistoryStore

    now = time.time()
    models = ("Qwen/Qwen3-8B", "deepseek-ai/DeepSeek-R1", "moonshotai/Kimi-K2-Instruct")
    with HistoryStore.open() as store:
        turns = 500
        messages = []
        for i in range(turns):
            messages.append(Message("user", f"prompt {i} " + "words " * 20))
            messages.append(
                Message(
                    "assistant",
                    TURN_ANSWER + f"\nLAST-MARK-{i}",
                    reasoning="thinking " * 60,
                    model="deepseek-ai/DeepSeek-R1",
                    state=MessageState.COMPLETE,
                    finish_reason="stop",
                )
            )
        long = Conversation(
            title=LONG_TITLE, messages=messages, created_at=now - 90_000, updated_at=now - 90_000
        )
        long_id = store.create_conversation(long)
        size = sum(len(m.content) + len(m.reasoning) for m in messages) / 1e6
        for j in range(conversations):
            at = now - 100_000 + j * 17  # the newest last: the list is by last activity
            word = SEARCH_WORD if j % 50 == 0 else "question"
            conv = Conversation(
                title=f"conversation {j}: a question about {word} and more",
                messages=[
                    Message("user", f"q{j} a {word} about the sky and the light of the sun"),
                    Message("assistant", f"answer {j}: the light scatters " * 8, model=models[j % 3]),
                    Message("user", f"and then {j}? tell me more about energy"),
                    Message("assistant", f"more {j}: energy and waves " * 8, model=models[j % 3]),
                ],
                created_at=at,
                updated_at=at,
            )
            store.create_conversation(conv)
    return long_id, turns, size


class Frames:
    """Records when the app composes a frame for its driver (``App._display``)."""

    def __init__(self, app: Any) -> None:
        self.times: list[float] = []
        self.probe: Callable[[], bool] = lambda: True  # only frames composed while this holds count
        original = app._display

        self.cpu: dict[float, float] = {}  # frame time -> process_time then

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            now, cpu = time.perf_counter(), time.process_time()  # before the probe's own cost
            if renderable is not None and self.probe():
                self.times.append(now)
                self.cpu[now] = cpu

        app._display = display

    def after(self, moment: float) -> float | None:
        return next((t for t in self.times if t >= moment), None)

    async def wait_after(self, moment: float, timeout: float = 30.0) -> float:
        deadline = time.perf_counter() + timeout
        while (found := self.after(moment)) is None:
            if time.perf_counter() > deadline:
                raise TimeoutError("no frame")
            await asyncio.sleep(0.001)
        return found


async def _until(condition: Callable[[], bool], timeout: float = 30.0) -> float:
    """Poll ``condition``; the moment it first held."""
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("condition never held")
        await asyncio.sleep(0.001)
    return time.perf_counter()


def screen_text(app: Any, widget: Any) -> str:
    region = widget.region
    strips = app.screen._compositor.render_strips()
    return "\n".join(s.crop(region.x, region.right).text for s in strips[region.y : region.bottom])


async def time_sidebar_open(pilot: Any, frames: Frames) -> float:
    """F9 -> the first frame ``frames.probe`` accepts (the caller's probe: its rows on screen)."""
    t0 = time.perf_counter()
    await pilot.press("f9")
    return await frames.wait_after(t0) - t0


async def time_arrow_keys(
    pilot: Any, frames: Frames, option_list: Any, cpu: list[float], wall: list[float], keys: int = 12
) -> None:
    """Down ``keys`` times in ``option_list``: the app's CPU and the wall time from each to its frame."""
    for _ in range(keys):
        before = option_list.highlighted
        frames.probe = lambda before=before: option_list.highlighted != before
        frames.times.clear()
        c0, t0 = time.process_time(), time.perf_counter()
        await pilot.press("down")
        drawn = await frames.wait_after(t0)
        wall.append(drawn - t0)
        cpu.append(frames.cpu[drawn] - c0)
        await pilot.pause()


async def _one_run(
    app: Any, long_id: int, turns: int, conversations: int, out: dict[str, list[float]]
) -> None:
    """One fresh app: sidebar open, arrow keys, reopen, search (appends to ``out``)."""
    opens, key_cpu, key_wall = out["open"], out["key_cpu"], out["key_wall"]
    reopens, searches = out["reopen"], out["search"]
    async with app.run_test(size=(120, 40)) as pilot:
        frames = Frames(app)
        await app.history.wait()
        # The sidebar is mounted hidden and filled once the history is open (a user presses F9 later).
        await _until(lambda: app.history.sidebar is not None and app.history.sidebar.loaded)
        await pilot.pause()
        # (b) the sidebar with all conversations
        newest = f"conversation {conversations - 1}:"
        frames.probe = lambda: bool(
            app.history.sidebar
            and app.history.sidebar.list.option_count
            and newest in screen_text(app, app.history.sidebar)
        )
        opens.append(await time_sidebar_open(pilot, frames))
        await pilot.pause()
        sidebar = app.history.sidebar
        assert sidebar is not None
        # (c) arrow keys
        option_list = sidebar.list
        await time_arrow_keys(pilot, frames, option_list, key_cpu, key_wall)
        # (a) reopen the long conversation from the sidebar
        await _until(lambda: option_list.option_count > 0)
        index = None
        for _ in range(3000):  # the list reads pages as it nears its end: down to the long one, as with End
            try:
                index = option_list.get_option_index(str(long_id))
                break
            except Exception:
                option_list.action_last()
                await asyncio.sleep(0.01)
        if index is None:
            raise RuntimeError("the long conversation never came into the sidebar")
        option_list.highlighted = index
        await pilot.pause()
        screen = app.screen
        mark = f"LAST-MARK-{turns - 1}"
        frames.probe = lambda: screen.conversation.id == long_id and mark in screen_text(app, screen.view)
        t0 = time.perf_counter()
        await pilot.press("enter")
        reopens.append(await frames.wait_after(t0) - t0)
        # (d) search
        from siliconchat.ui.screens import search as search_module

        app.history.search()
        await _until(lambda: isinstance(app.screen, search_module.SearchScreen))
        await pilot.pause()
        search_screen = app.screen
        results = search_screen.query_one("#search-results")
        await pilot.press(*SEARCH_WORD[:-1])
        done = search_screen.searches
        frames.probe = lambda done=done: (
            search_screen.searches > done and SEARCH_WORD in screen_text(app, results)
        )
        t0 = time.perf_counter()
        await pilot.press(SEARCH_WORD[-1])
        drawn = await frames.wait_after(t0)
        searches.append(drawn - t0 - search_module.DEBOUNCE)
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()


async def measure(long_id: int, turns: int, repeats: int, conversations: int) -> dict[str, Any]:
    from siliconchat.config import Config
    from siliconchat.demo.server import DemoServer
    from siliconchat.runtime import demo_settings
    from siliconchat.ui.app import SiliconChatApp

    timings: dict[str, dict[str, Any]] = {}
    out: dict[str, list[float]] = {k: [] for k in ("open", "key_cpu", "key_wall", "reopen", "search")}
    server = DemoServer(pace=0).start()
    try:
        for _ in range(repeats):
            app = SiliconChatApp(
                demo_settings(Config(), server, model="deepseek-ai/DeepSeek-R1", system_prompt=None)
            )
            await _one_run(app, long_id, turns, conversations, out)
    finally:
        server.stop()
    timings["ui: reopen 500 turns (~1 MB)"] = _stats(out["reopen"])
    timings[f"ui: sidebar open ({conversations:,})"] = _stats(out["open"])
    timings["ui: sidebar arrow key (app CPU)"] = _stats(out["key_cpu"])
    timings["ui: sidebar arrow key (to frame)"] = _stats(out["key_wall"])
    timings[f"ui: search over {conversations:,}"] = _stats(out["search"])
    return timings


def run(conversations: int, repeats: int) -> dict[str, Any]:
    """Build the history in a temporary XDG folder, measure, clean up."""
    saved = {
        n: os.environ.get(n) for n in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")
    }
    with tempfile.TemporaryDirectory(prefix="siliconchat-bench-ui-") as folder:
        for name in saved:
            os.environ[name] = str(Path(folder) / name)
        try:
            start = time.perf_counter()
            long_id, turns, size = build(conversations)
            built = time.perf_counter() - start
            timings = asyncio.run(measure(long_id, turns, repeats, conversations))
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
    return {
        "ui_build_s": built,
        "ui_long_mb": size,
        "ui_conversations": conversations + 1,
        "timings": timings,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = run(args.conversations, args.repeats)
    timings = results["timings"]
    width = max(len(n) for n in timings)
    print(f"{'figure':<{width}}  {'median ms':>10}  {'min ms':>9}  {'max ms':>9}")
    for name, row in timings.items():
        print(f"{name:<{width}}  {row['median_ms']:>10.2f}  {row['min_ms']:>9.2f}  {row['max_ms']:>9.2f}")
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
