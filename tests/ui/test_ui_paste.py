"""A large paste is a chip in the prompt and a folded block in the conversation; the whole text is sent and
saved, and a key or a click shows it."""

from __future__ import annotations

from textual import events
from ui_support import blocks_of, chat, last_chat, rendered, send, wait_for, wait_turn

from siliconchat.core.history import HistoryStore
from siliconchat.ui.document.conversation_blocks import UserBlock

SIZE = (120, 40)
LINE = "{:5d} | a line of a log file that someone pasted whole, to ask about it\n"
BIG = "".join(LINE.format(n) for n in range(3100))
LONG = "".join(LINE.format(n) for n in range(400))  # over 200 lines


def paste(app, text: str) -> None:  # type: ignore[no-untyped-def]
    app.post_message(events.Paste(text))  # as a terminal sends a paste (bracketed)


async def _history_ready(pilot) -> None:  # type: ignore[no-untyped-def]
    history = pilot.app.history
    await wait_for(pilot, lambda: history._ready is not None and history._ready.is_set(), "the history")


async def test_a_large_paste_is_a_chip_in_the_prompt_and_is_sent_and_saved_whole(
    make_app, demo_server
) -> None:
    app = make_app(model="demo/echo")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await _history_ready(pilot)
        await pilot.press(*"What fails here? ")
        paste(app, BIG)
        await pilot.pause()
        assert screen.prompt.text == "What fails here? ⟦pasted 223 KB, 3,100 lines⟧"
        await pilot.press(*" Thanks")
        shown = rendered(app, screen.prompt)
        assert "⟦pasted 223 KB, 3,100 lines⟧ Thanks" in shown and "a line of a log" not in shown
        await pilot.press("enter")
        await wait_turn(pilot)
        sent = "What fails here? " + BIG + " Thanks"
        assert last_chat(demo_server).body["messages"][-1]["content"] == sent
        with HistoryStore.open() as store:
            assert store.load(screen.conversation.id).messages[0].content == sent


async def test_a_small_paste_is_plain_text(make_app) -> None:
    app = make_app(model="demo/echo")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        paste(app, "a few lines\nof a paste\n")
        await pilot.pause()
        assert screen.prompt.text == "a few lines\nof a paste\n"


async def test_the_chip_is_unfolded_in_the_prompt_on_demand(make_app) -> None:
    app = make_app(model="demo/echo")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        paste(app, BIG)
        await pilot.pause()
        await pilot.press("ctrl+g")
        assert screen.prompt.text == BIG


async def test_a_long_message_is_folded_in_the_conversation_and_shown_on_a_click(make_app) -> None:
    app = make_app(model="demo/echo")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await send(pilot, "Why?\n" + LONG)
        await wait_turn(pilot)
        [block] = blocks_of(screen, UserBlock)
        folded = rendered(app, block)
        lines = folded.splitlines()
        # The box, its first 3 lines and its last 2 (each wrapped in two rows at most), the chip.
        assert len(lines) <= 2 + (3 + 2) * 2 + 1
        assert "Why?" in lines[1] and "    1 | a line" in folded and "  399 | a line" in folded
        assert "    2 | a line" not in folded and "  397 | a line" not in folded
        chip = lines[block.chip_row]
        assert "▸ 29 KB, 396 lines more, folded: click to show" in chip, chip
        # A click on the chip shows it all; a click on the chip (now at its top) folds it again.
        view = screen.view
        top = view.block_top(block)
        assert top is not None and block.chip_row is not None
        view.scroll_to(y=top, animate=False, immediate=True)
        await pilot.pause()
        await pilot.click(view, offset=(6, top + block.chip_row - int(view.scroll_y)))
        await pilot.pause()
        assert len(rendered(app, block).splitlines()) > 400
        await pilot.click(view, offset=(6, top + block.chip_row - int(view.scroll_y)))
        await pilot.pause()
        assert rendered(app, block) == folded
        # And with the keyboard: the folded message in view.
        await pilot.press("ctrl+g")
        assert len(rendered(app, block).splitlines()) > 400


async def test_a_reopened_conversation_folds_the_same_message_the_same_way(make_app) -> None:
    app = make_app(model="demo/echo")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await _history_ready(pilot)
        await send(pilot, "Why?\n" + LONG)
        await wait_turn(pilot)
        [block] = blocks_of(screen, UserBlock)
        streamed = rendered(app, block)
        conversation_id = screen.conversation.id
        assert conversation_id is not None
        await pilot.press("ctrl+n")
        app.history.open_conversation(conversation_id)
        await wait_for(pilot, lambda: screen.conversation.id == conversation_id, "the conversation reopened")
        await wait_for(pilot, lambda: bool(blocks_of(screen, UserBlock)), "its blocks")
        [again] = blocks_of(screen, UserBlock)
        assert rendered(app, again) == streamed
