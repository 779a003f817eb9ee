"""The differential fidelity oracle: what the app shows after streaming is what a fresh render shows.

Each example streams a conversation through the real app (the real SDK over HTTP from the demo server's
``demo/chunks``, which sends exactly the deltas the example chose), with terminal sizes from 40x12 to 240x70,
resizes during a turn (the stream pauses halfway) and between turns, the reasoning pane hidden and shown, and
sometimes a first conversation left with Ctrl+N. Then the same conversation is reopened from the history, as
saved, and every line of both documents (the conversation and the reasoning) and every cell of the
conversation pane on screen must be the same, text and style. Any difference is a bug.
"""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_strategies import chunked, markdown
from textual.pilot import Pilot
from textual.strip import Strip
from textual.widget import Widget
from ui_support import chat, send, wait_for, wait_turn

from siliconchat.ui.app import SiliconChatApp
from siliconchat.ui.document.conversation_blocks import AnswerBlock, EarlierBlock
from siliconchat.ui.document.document_view import DocumentView
from siliconchat.ui.reopen import load_earlier

Cells = list[list[tuple[str, object]]]
EXAMPLES = int(os.environ.get("SILICONCHAT_FIDELITY_EXAMPLES", "45"))
"""Examples of the oracle (each up to three conversations); CI's second job runs fewer."""
SIZES = st.tuples(st.integers(40, 240), st.integers(12, 70))


def line_cells(lines: list[Strip]) -> Cells:
    return [[(char, segment.style) for segment in line for char in segment.text] for line in lines]


def assert_same(fresh: Cells, live: Cells) -> None:
    """Equal, or an error that shows the first row that differs (as text, and the first cell apart)."""
    if fresh == live:
        return
    for y, (new, old) in enumerate(zip(fresh, live, strict=False)):
        if new != old:
            cell = next(
                (x for x, (a, b) in enumerate(zip(new, old, strict=False)) if a != b), min(len(new), len(old))
            )
            raise AssertionError(
                f"row {y}, cell {cell}:\n  fresh {''.join(c for c, _ in new)!r}\n  live  {''.join(c for c, _ in old)!r}"
                f"\n  fresh cell {new[cell] if cell < len(new) else None}\n  live cell  {old[cell] if cell < len(old) else None}"
            )
    raise AssertionError(f"{len(fresh)} rows afresh, {len(live)} live")


def document(view: DocumentView) -> Cells:
    return line_cells(view.document_lines())


def on_screen(app: SiliconChatApp, widget: Widget) -> Cells:
    region = widget.region
    strips = app.screen._compositor.render_strips()
    return line_cells([strip.crop(region.x, region.right) for strip in strips[region.y : region.bottom]])


def script(reasoning: list[str] | None, answer: list[str], pause: int | None) -> str:
    """The chunks for ``demo/chunks``: the reasoning's deltas, then the answer's, held for a moment before
    delta ``pause`` of the answer."""
    items: list[object] = [[delta, None] for delta in reasoning or []]
    for index, delta in enumerate(answer):
        if index == pause:
            items.append({"pause": 0.4})
        items.append([None, delta])
    return json.dumps(items)


@st.composite
def turn(draw: st.DrawFn) -> str:
    answer = draw(markdown(max_blocks=5))
    # A surrogate pair (which the deltas may cut in two), a lone half, a byte that surrogateescape kept.
    odd = draw(st.sampled_from(["", "\ud83d\ude00", "\ud800", "\udcff"]))
    at = draw(st.integers(0, len(answer)))
    answer = answer[:at] + odd + answer[at:]
    reasoning = draw(st.one_of(st.none(), markdown(max_blocks=3)))
    answer_deltas = draw(chunked(answer))
    reasoning_deltas = draw(chunked(reasoning)) if reasoning is not None else None
    pause = draw(st.one_of(st.none(), st.integers(1, max(1, len(answer_deltas) - 1))))
    return script(reasoning_deltas, answer_deltas, pause)


async def _stream(pilot: Pilot[object], text: str, resize_to: tuple[int, int]) -> None:
    """Send one scripted turn; if it pauses halfway, resize the terminal while its answer is half shown."""
    screen = chat(pilot.app)
    await send(pilot, text)
    if '{"pause"' in text:
        await wait_for(
            pilot, lambda: screen.turn is None or bool(screen.turn.message.content), "half an answer"
        )
        await pilot.resize_terminal(*resize_to)
    await wait_turn(pilot)


@st.composite
def conversation(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    """Its turns, and what happens after each: a resize there and back, the reasoning hidden and shown."""
    turns = draw(st.lists(turn(), min_size=1, max_size=2))
    between = draw(st.lists(st.sampled_from(["resize", "reasoning", "nothing"]), min_size=2, max_size=2))
    return turns, between


async def _check_against_fresh_render(pilot: Pilot[object], size: tuple[int, int]) -> None:
    """Reopen the conversation on screen from the history and compare it with what streaming left."""
    app = pilot.app
    assert isinstance(app, SiliconChatApp)
    screen = chat(app)
    view = screen.view
    live_conversation = document(view)
    live_reasoning = document(screen.reasoning.scroller)
    live_pane = on_screen(app, view)
    live_scroll = (view.scroll_y, view.max_scroll_y)
    assert view.scroll_y == view.max_scroll_y  # it followed the end
    answers = [block.source for block in view.blocks if isinstance(block, AnswerBlock)]
    assert answers == [
        message.content for message in screen.conversation.messages if message.role == "assistant"
    ]

    live_first = view.blocks[0]
    cid = screen.conversation.id
    assert cid is not None
    app.history.open_conversation(cid)
    await wait_for(pilot, lambda: view.blocks[0] is not live_first, "the reopened conversation")
    for earlier in [block for block in view.blocks if isinstance(block, EarlierBlock)]:
        load_earlier(view, earlier, len(earlier.messages))
    view.scroll_end(animate=False, immediate=True)
    await pilot.pause()
    assert_same(document(view), live_conversation)
    assert_same(document(screen.reasoning.scroller), live_reasoning)
    assert (view.scroll_y, view.max_scroll_y) == live_scroll
    assert_same(on_screen(app, view), live_pane)


@pytest.mark.timeout(900)  # all the examples: pytest-timeout's limit is for the whole test
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(size=SIZES, other=SIZES, conversations=st.lists(conversation(), min_size=1, max_size=3))
async def test_a_streamed_conversation_is_what_its_fresh_render_is(
    make_app, size, other, conversations
) -> None:
    """Up to three conversations an example, one after the other (Ctrl+N), each checked against its reopening."""
    app = make_app(model="demo/chunks")
    async with app.run_test(size=size) as pilot:
        await wait_for(
            pilot, lambda: app.history._ready is not None and app.history._ready.is_set(), "history"
        )
        for number, (turns, between) in enumerate(conversations):
            if number:
                await pilot.press("ctrl+n")
            for index, text in enumerate(turns):
                await _stream(pilot, text, other)
                if between[index] == "resize":  # e.g. 120x40 -> 80x24 -> 120x40
                    await pilot.resize_terminal(*other)
                    await pilot.pause()
                elif between[index] == "reasoning":
                    await pilot.press("ctrl+r")
                    await pilot.pause()
                    await pilot.press("ctrl+r")
                await pilot.resize_terminal(*size)
                await pilot.pause()
            await pilot.pause()
            await _check_against_fresh_render(pilot, size)
