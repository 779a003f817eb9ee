"""What answers cost: one answer at its model's price, a conversation's totals over every branch (summed in
Python from the tree and in SQL from the history, the same), and how costs are written. Real turns against
the demo server over HTTP, a real SQLite history."""

from __future__ import annotations

import contextlib
import sqlite3

import pytest
from session_support import queue, run, saved

from siliconchat.core.api import ChatClient
from siliconchat.core.conversation import Conversation, Message, MessageState, Usage
from siliconchat.core.costs import (
    CURRENCY,
    ConversationTotals,
    Price,
    answer_cost,
    conversation_totals,
    cost_of,
    format_cost,
    format_tokens,
    price_for,
    totals_of,
    totals_text,
)
from siliconchat.core.history import HistoryStore
from siliconchat.core.session import ChatSession

R1 = "deepseek-ai/DeepSeek-R1"
QWEN = "Qwen/Qwen2.5-7B-Instruct"
ECHO = "demo/echo"
PRICES = {R1: Price(input=4, output=16), QWEN: Price(input=0.5, output=1)}


def test_cost_of_bills_prompt_at_input_and_completion_with_reasoning_at_output() -> None:
    usage = Usage(prompt_tokens=1_000, completion_tokens=3_000, reasoning_tokens=2_000, total_tokens=4_000)
    # 1,000 prompt tokens at ¥4/M, 3,000 completion tokens (2,000 of them reasoning) at ¥16/M.
    assert cost_of(usage, Price(4, 16)) == pytest.approx(0.004 + 0.048)
    assert cost_of(usage, Price(0, 0)) == 0
    assert cost_of(Usage(), Price(4, 16)) == 0


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf"), True, "2"])
def test_a_price_is_a_finite_number_of_at_least_zero(bad: object) -> None:
    with pytest.raises(ValueError, match="price's input must be"):
        Price(bad, 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="price's output must be"):
        Price(1, bad)  # type: ignore[arg-type]


def test_price_for_matches_the_id_exactly_else_ignoring_case() -> None:
    assert price_for(PRICES, R1) is PRICES[R1]
    assert price_for(PRICES, R1.lower()) is PRICES[R1]
    assert price_for(PRICES, "deepseek-ai/DeepSeek-V3") is None
    assert price_for(PRICES, None) is None
    assert price_for({}, R1) is None


def test_answer_cost_needs_usage_and_a_price() -> None:
    usage = Usage(prompt_tokens=100, completion_tokens=200, total_tokens=300)
    priced = Message(role="assistant", model=R1, usage=usage)
    assert answer_cost(priced, PRICES) == pytest.approx((100 * 4 + 200 * 16) / 1e6)
    assert answer_cost(Message(role="assistant", model=R1), PRICES) is None  # failed before any token
    assert answer_cost(Message(role="assistant", model="other/model", usage=usage), PRICES) is None


@pytest.mark.parametrize(
    ("cost", "written"),
    [
        (0, "¥0"),
        (0.0000004, "<¥0.000001"),
        (0.0000123, "¥0.000012"),
        (0.0123, "¥0.012"),
        (0.0129, "¥0.013"),
        (0.5, "¥0.50"),
        (1, "¥1.00"),
        (12.345, "¥12.35"),
        (1234.5, "¥1,234.50"),
    ],
)
def test_format_cost(cost: float, written: str) -> None:
    assert format_cost(cost) == written
    assert format_cost(cost, "$") == written.replace("¥", "$")
    assert CURRENCY == "¥"


def test_totals_text_says_when_the_cost_is_a_lower_bound_or_unknown() -> None:
    usage = Usage(prompt_tokens=10_000, completion_tokens=2_345)
    assert format_tokens(12_345) == "12,345 tok"
    priced = totals_of([(R1, usage, 2)], PRICES)
    assert (priced.tokens, priced.answers, priced.priced, priced.partial) == (12_345, 2, 2, False)
    assert totals_text(priced) == "Σ 12,345 tok · ¥0.078"
    partial = totals_of([(R1, usage, 2), ("other/model", usage, 1)], PRICES)
    assert partial.partial and partial.cost == priced.cost
    assert totals_text(partial, "$") == "Σ 24,690 tok · ≥$0.078"
    unknown = totals_of([("other/model", usage, 3)], PRICES)
    assert unknown.cost is None and not unknown.partial
    assert totals_text(unknown) == "Σ 12,345 tok"
    assert totals_text(ConversationTotals()) == "Σ 0 tok"


async def test_totals_count_every_answer_of_every_branch_in_python_and_in_sql(
    client: ChatClient, store: HistoryStore
) -> None:
    saves = queue(store)
    session = ChatSession(Conversation(), saves)
    await run(session.begin("Why is the sky blue?", R1), client)
    await run(session.begin("And at sunset?", QWEN), client)
    regenerated = session.regenerate(ECHO)  # a sibling answer, by a model without a price
    assert regenerated is not None
    await run(regenerated, client)
    conversation = session.conversation
    answers = [m for m in conversation.tree if m.role == "assistant"]
    assert len(answers) == 3 and all(m.usage is not None and m.usage.total_tokens for m in answers)
    assert sum(1 for m in conversation.messages if m.role == "assistant") == 2  # one answer is off the path

    totals = conversation_totals(conversation, PRICES)
    assert totals.answers == 3 and totals.priced == 2 and totals.partial
    assert totals.tokens == sum(m.usage.prompt_tokens + m.usage.completion_tokens for m in answers if m.usage)
    assert totals.cost == pytest.approx(sum(c for m in answers if (c := answer_cost(m, PRICES)) is not None))
    # Priced in full once the echo model has a price (of 0: it is free).
    free = conversation_totals(conversation, {**PRICES, ECHO: Price(0, 0)})
    assert not free.partial and free.cost == pytest.approx(totals.cost)

    # The history sums the same in SQL, without loading the conversation.
    loaded = await saved(saves, store, conversation)
    assert loaded.id is not None
    other = ChatSession(Conversation(), saves)
    await run(other.begin("hello", R1), client)
    await saved(saves, store, other.conversation)
    sums = store.usage_by_model([loaded.id])
    assert list(sums) == [loaded.id]  # only the conversation asked for
    summed = totals_of(sums[loaded.id], PRICES)
    assert (summed.prompt_tokens, summed.completion_tokens, summed.answers, summed.priced) == (
        totals.prompt_tokens,
        totals.completion_tokens,
        3,
        2,
    )
    assert summed.cost == pytest.approx(totals.cost)
    assert conversation_totals(loaded, PRICES) == totals  # and the tree as reopened


def test_answers_without_usage_add_nothing_and_damaged_usage_counts_as_none(store: HistoryStore) -> None:
    conversation = Conversation()
    conversation.add_user("hi")
    good = conversation.append(Message(role="assistant", model=R1, usage=Usage(10, 20, 5, 30)))
    conversation.append(Message(role="assistant", model=R1, state=MessageState.FAILED, error="refused"))
    conversation.add_user("again")
    damaged = conversation.append(Message(role="assistant", model=R1, usage=Usage(1, 1, 0, 2)))
    odd = conversation.append(Message(role="assistant", model=R1, usage=Usage(1, 1, 0, 2)))
    conversation_id = store.create_conversation(conversation)
    # A hand-edited file: usage that is not JSON, and JSON that is not an object.
    with contextlib.closing(sqlite3.connect(store.path)) as conn, conn:
        conn.execute("UPDATE messages SET usage = 'not json' WHERE id = ?", (damaged.id,))
        conn.execute("UPDATE messages SET usage = '[1, 2]' WHERE id = ?", (odd.id,))
    expected = totals_of([(R1, good.usage, 1)], PRICES)  # type: ignore[list-item]
    assert totals_of(store.usage_by_model([conversation_id])[conversation_id], PRICES) == expected
    assert conversation_totals(store.load(conversation_id), PRICES) == expected
    assert store.usage_by_model([conversation_id + 1]) == {}  # no such conversation: nothing
