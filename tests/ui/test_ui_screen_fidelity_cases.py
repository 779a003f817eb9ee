"""The screen-fidelity failures seen before the conversation became a Line API document, as regression tests."""

from __future__ import annotations

import json

from ui_support import blocks_of, chat, rendered, send, wait_turn

from siliconchat.ui.document.conversation_blocks import AnswerBlock

SIZE = (120, 40)


def chunks(reasoning: str, answer: str, size: int = 7) -> str:
    """A ``demo/chunks`` script: the reasoning, then the answer, in deltas of ``size`` characters."""
    items = [[reasoning[i : i + size], None] for i in range(0, len(reasoning), size)]
    items += [[None, answer[i : i + size]] for i in range(0, len(answer), size)]
    return json.dumps(items)


async def test_ctrl_n_after_a_long_reasoning_starts_a_new_conversation(make_app) -> None:
    # It crashed (negative regions in a compositor subclass), and the process exited with status 0.
    app = make_app(model="demo/chunks")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        reasoning = "".join(f"Thinking step {n}: weigh the options once more.\n" for n in range(200))  # ~9 KB
        await send(pilot, chunks(reasoning, "Done."))
        await wait_turn(pilot)
        assert screen.reasoning.display
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.is_running and app.return_code is None
        assert screen.conversation.messages == []
        assert "Type a prompt below" in rendered(app, screen.view)
        await send(pilot, chunks("", "A fresh answer."))
        await wait_turn(pilot)
        assert "A fresh answer." in rendered(app, screen.view)


async def test_raw_html_in_an_answer_is_shown_as_written(make_app) -> None:
    app = make_app(model="demo/chunks")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await send(pilot, chunks("", "wrap it in <div>box</div>, see List<String> and <br> and <details>"))
        await wait_turn(pilot)
        shown = rendered(app, screen.view)
        assert "wrap it in <div>box</div>, see List<String> and <br> and <details>" in shown


async def test_a_long_list_adds_no_widget(make_app) -> None:
    # Each Markdown block was a widget: a 5,000-item list made the app crawl and grow past 500 MB. Now an
    # answer is lines in one view, however many blocks it has.
    app = make_app(model="demo/list-2000")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await send(pilot, "a short answer first")
        await wait_turn(pilot)
        widgets = len(list(screen.walk_children()))
        await send(pilot, "now the long one")
        await wait_turn(pilot)
        assert len(list(screen.walk_children())) == widgets
        [_, answer] = blocks_of(screen, AnswerBlock)
        assert answer.source.count("\n- ") >= 1_999
        assert screen.view.scroll_y == screen.view.max_scroll_y  # followed to the end
        assert answer.source.rstrip().splitlines()[-1].split()[-1] in rendered(app, screen.view)


async def test_turns_after_resizing_there_and_back_are_on_screen(make_app) -> None:
    # After 120x40 -> 80x24 -> 120x40, the turns sent afterwards could be invisible.
    app = make_app(model="demo/chunks")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await send(pilot, chunks("thinking", "The first answer."))
        await wait_turn(pilot)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.resize_terminal(*SIZE)
        await pilot.pause()
        for number in range(3):
            await send(pilot, chunks("more thinking", f"Answer number {number} after the resizes."))
            await wait_turn(pilot)
            assert f"Answer number {number} after the resizes." in rendered(app, screen.view)


def _top_item(app, view) -> int:  # type: ignore[no-untyped-def]
    """The number of the first list item of the answer on screen (the prompt's box holds the same text)."""
    import re

    found = None
    for line in rendered(app, view).split("\n"):
        match = re.search(r"▌ • item (\d+) of the list", line)
        if match:
            found = int(match.group(1))
            break
    assert found is not None
    return found


async def test_a_resize_keeps_the_same_text_at_the_top(make_app) -> None:
    answer = "".join(
        f"- item {n} of the list, with enough words to wrap in a narrow pane\n" for n in range(600)
    )
    app = make_app(model="demo/chunks")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await send(pilot, chunks("", answer, size=40))
        await wait_turn(pilot)
        view = screen.view
        view.focus()
        view.scroll_to(y=view.max_scroll_y * 3 // 4, animate=False, immediate=True)
        await pilot.pause()
        before = _top_item(app, view)
        for size in ((60, 20), (40, 12), (100, 30), SIZE):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            # The place is kept to within a chunk of the answer (a few dozen items), not thousands away.
            assert abs(_top_item(app, view) - before) <= 40, size
        await pilot.press("ctrl+r")  # the conversation gets the reasoning pane's width
        await pilot.pause()
        assert abs(_top_item(app, view) - before) <= 40


async def test_home_goes_to_the_top_at_once(make_app) -> None:
    answer = (
        "```python\n" + "".join(f"value_{n} = compute({n})  # step {n}\n" for n in range(1_500)) + "```\n"
    )
    app = make_app(model="demo/chunks")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await send(pilot, chunks("", answer, size=50))
        await wait_turn(pilot)
        view = screen.view
        view.focus()
        await pilot.press("home")
        await pilot.pause(0.5)  # the scroll's animation
        assert view.scroll_y == 0
        assert "╭─ You" in rendered(app, view).split("\n")[0]
        await pilot.press("end")
        await pilot.pause(0.5)
        assert view.scroll_y == view.max_scroll_y
        assert "value_1499 = compute(1499)" in rendered(app, view)
