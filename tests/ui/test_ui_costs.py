"""The conversation's running total (tokens, and cost where the config prices the models) on the chat screen's
status line, and the cost of the answer shown, as a user reads them: the real app at 80 and 120 columns, the
demo server, a real SQLite history."""

from __future__ import annotations

import re

from textual.pilot import Pilot
from ui_support import chat, rendered, send, wait_for, wait_turn

from siliconchat.core.costs import Price, answer_cost, conversation_totals, format_cost, totals_text
from siliconchat.ui.app import SiliconChatApp

R1 = "deepseek-ai/DeepSeek-R1"
QWEN = "Qwen/Qwen2.5-7B-Instruct"
PRICES = {R1: Price(input=4, output=16), QWEN: Price(input=0.5, output=1)}
NARROW = (80, 24)
WIDE = (120, 40)
TURN = re.compile(
    r"^ (prompt|p) [\d,]+ · (reasoning |r )?[\d,]+ ?(· )?(answer|a) [\d,]+ │ ttft [\d.]+ s │ ([\d.,]+|–) tok/s │ stop"
)


def status(app: SiliconChatApp) -> str:
    return rendered(app, chat(app).status)


def expected_total(app: SiliconChatApp) -> str:
    return totals_text(conversation_totals(chat(app).conversation, PRICES))


async def answered(pilot: Pilot[object], prompt: str) -> None:
    """Send ``prompt`` and wait for its answer to be over."""
    await send(pilot, prompt)
    await wait_turn(pilot)


async def _history_ready(pilot: Pilot[object]) -> None:
    app = pilot.app
    assert isinstance(app, SiliconChatApp)
    await wait_for(
        pilot, lambda: app.history._ready is not None and app.history._ready.is_set(), "the history"
    )


async def test_the_running_total_fits_at_80_columns_beside_the_turns_numbers(make_app) -> None:
    app = make_app(model=R1, prices=PRICES)
    async with app.run_test(size=NARROW) as pilot:
        screen = chat(app)
        assert "Σ" not in status(app)  # nothing answered yet
        await answered(pilot, "Why is the sky blue?")
        line = status(app)
        assert TURN.match(line), line  # every number of the turn, from the start of the line
        total = expected_total(app)
        assert total.startswith("Σ ") and "¥" in total
        assert line.rstrip().endswith(total), line  # at the right, whole
        first = conversation_totals(screen.conversation, PRICES)
        await answered(pilot, "And at sunset?")
        second = conversation_totals(screen.conversation, PRICES)
        assert second.tokens > first.tokens and second.cost > first.cost  # type: ignore[operator]
        line = status(app)
        assert TURN.match(line) and line.rstrip().endswith(totals_text(second)), line


async def test_every_branch_counts_and_an_unpriced_model_makes_the_cost_a_lower_bound(make_app) -> None:
    app = make_app(model=R1, prices=PRICES)
    async with app.run_test(size=WIDE) as pilot:
        screen = chat(app)
        await answered(pilot, "Tell me about tides")
        answer = screen.conversation.messages[-1]
        cost = answer_cost(answer, PRICES)
        assert cost is not None
        line = status(app)
        # Wide enough for the answer's own cost, after how it ended, and the full labels.
        assert f"prompt {answer.usage.prompt_tokens} · reasoning" in line  # type: ignore[union-attr]
        assert f"│ stop │ {format_cost(cost)} " in line
        app.set_model("demo/echo")  # no price
        await screen.action_regenerate()
        await wait_turn(pilot)
        both = conversation_totals(screen.conversation, PRICES)
        assert both.answers == 2 and both.partial
        line = status(app)
        assert line.rstrip().endswith(totals_text(both)) and "≥¥" in line
        assert "│ stop │ ¥" not in line  # the echo answer has no price
        await pilot.press("alt+left")  # back to the first answer: the total is the same, its cost shown again
        await pilot.pause()
        assert screen.conversation.messages[-1] is answer
        line = status(app)
        assert line.rstrip().endswith(totals_text(both)) and f"│ stop │ {format_cost(cost)} " in line


async def test_the_total_follows_the_conversation_shown(make_app) -> None:
    app = make_app(model=QWEN, prices=PRICES)
    async with app.run_test(size=NARROW) as pilot:
        screen = chat(app)
        await _history_ready(pilot)
        await answered(pilot, "first conversation")
        first_total = expected_total(app)
        first_id = screen.conversation.id
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert "Σ" not in status(app)
        await answered(pilot, "a second, longer conversation: tell me a story")
        second_total = expected_total(app)
        assert second_total != first_total and status(app).rstrip().endswith(second_total)
        await wait_for(pilot, lambda: not app.history.saves.pending, "the saves")
        assert first_id is not None
        app.history.open_conversation(first_id)  # as the sidebar does
        await wait_for(pilot, lambda: screen.conversation.id == first_id, "the first conversation")
        await wait_for(pilot, lambda: status(app).rstrip().endswith(first_total), "its total")

    again = SiliconChatApp(app.settings, continue_requested=True)  # siliconchat --continue
    async with again.run_test(size=NARROW) as pilot:
        await wait_for(pilot, lambda: chat(again).conversation.messages, "the reopened conversation")
        await wait_for(pilot, lambda: status(again).rstrip().endswith(second_total), "the reopened total")


async def test_without_prices_the_total_is_tokens_only(make_app) -> None:
    app = make_app(model=R1)
    async with app.run_test(size=NARROW) as pilot:
        await answered(pilot, "hello")
        line = status(app)
        totals = conversation_totals(chat(app).conversation, {})
        assert totals.cost is None and line.rstrip().endswith(f"Σ {totals.tokens:,} tok")
        assert "¥" not in line and TURN.match(line)


async def test_the_total_stays_as_it_was_while_an_answer_streams(make_app) -> None:
    app = make_app(model=QWEN, prices=PRICES)
    async with app.run_test(size=WIDE) as pilot:
        screen = chat(app)
        await answered(pilot, "first")
        before = expected_total(app)
        app.set_model("demo/slow")
        await send(pilot, "tell me a long story")
        turn = screen.turn
        assert turn is not None
        await wait_for(pilot, lambda: "streaming" in status(app), "the streaming numbers")
        await wait_for(pilot, lambda: turn.message.usage is not None, "some usage")
        assert status(app).rstrip().endswith(before)  # the running total is the one before this turn
        await pilot.press("escape")
        await wait_turn(pilot)
        after = conversation_totals(screen.conversation, PRICES)
        assert after.answers == 2 and status(app).rstrip().endswith(totals_text(after))
