"""What answers cost: prices per million tokens (from the config; SiliconFlow has no price endpoint), the
cost of one answer, a conversation's running totals, and how a cost and a token count are written.

An answer's cost is its prompt tokens at the model's input price plus its completion tokens at its output
price; completion tokens include the reasoning tokens, which are billed as output. A conversation's totals
add up EVERY answer of its tree (:attr:`~siliconchat.core.conversation.Conversation.tree`, all branches,
failed and stopped answers included: each was paid for, as far as the usage the server reported goes); an
answer with no usage recorded (a request that failed before any token) adds nothing.

The cost of a conversation is exact only when every answer with usage has a price. When some have one and
others not, the sum of those priced is a lower bound (:attr:`ConversationTotals.partial`, written ``≥¥0.012``);
when none has one, the cost is unknown (:attr:`ConversationTotals.cost` is None) and only tokens are shown.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from siliconchat.core.conversation import Conversation, Message, Usage

__all__ = [
    "CURRENCY",
    "PER_TOKENS",
    "ConversationTotals",
    "Price",
    "answer_cost",
    "conversation_totals",
    "cost_of",
    "format_cost",
    "format_tokens",
    "price_for",
    "totals_cost",
    "totals_of",
    "totals_text",
]

CURRENCY = "¥"
"""The currency symbol written before a cost unless the config sets another: SiliconFlow bills in CNY."""

PER_TOKENS = 1_000_000
"""Prices are per this many tokens."""

SMALLEST = 0.000001
"""Costs below this (but above 0) are written ``<¥0.000001``."""


@dataclass(frozen=True, slots=True)
class Price:
    """A model's price per million tokens: ``input`` for prompt tokens, ``output`` for completion tokens
    (reasoning included). Both finite and at least 0 (ValueError otherwise)."""

    input: float
    output: float

    def __post_init__(self) -> None:
        for name, value in (("input", self.input), ("output", self.output)):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"a price's {name} must be a number, not {value!r}")
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"a price's {name} must be a number of at least 0, not {value!r}")


def cost_of(usage: Usage, price: Price) -> float:
    """What ``usage`` costs at ``price``: prompt tokens at the input price, completion tokens (reasoning
    included) at the output price."""
    return (usage.prompt_tokens * price.input + usage.completion_tokens * price.output) / PER_TOKENS


def price_for(prices: Mapping[str, Price], model: str | None) -> Price | None:
    """The price of ``model``: its exact id, else an id that differs only in case; None when not priced."""
    if model is None:
        return None
    price = prices.get(model)
    if price is not None:
        return price
    folded = model.casefold()
    return next((p for m, p in prices.items() if m.casefold() == folded), None)


def answer_cost(message: Message, prices: Mapping[str, Price]) -> float | None:
    """What one answer cost (at its model's price); None when it has no usage or its model no price."""
    if message.usage is None:
        return None
    price = price_for(prices, message.model)
    return None if price is None else cost_of(message.usage, price)


@dataclass(frozen=True, slots=True)
class ConversationTotals:
    """The tokens and cost of a conversation's answers (all branches)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    answers: int = 0
    """Answers with usage recorded."""
    priced: int = 0
    """Of those, the answers whose model has a price."""
    priced_cost: float = 0.0
    """What the priced answers cost."""

    @property
    def tokens(self) -> int:
        """Prompt and completion tokens of every answer (each request's prompt counts: it was sent again)."""
        return self.prompt_tokens + self.completion_tokens

    @property
    def cost(self) -> float | None:
        """The cost of the priced answers; None when no answer has a price (unknown)."""
        return self.priced_cost if self.priced else None

    @property
    def partial(self) -> bool:
        """Some answers have a price and others not: :attr:`cost` is a lower bound."""
        return 0 < self.priced < self.answers


def totals_of(
    rows: Iterable[tuple[str | None, Usage, int]], prices: Mapping[str, Price]
) -> ConversationTotals:
    """The totals of ``rows``, each the model, the usage summed over some of its answers, and how many
    answers that is (one message, or a group summed by the history's SQL)."""
    prompt = completion = answers = priced = 0
    cost = 0.0
    for model, usage, count in rows:
        prompt += usage.prompt_tokens
        completion += usage.completion_tokens
        answers += count
        price = price_for(prices, model)
        if price is not None:
            priced += count
            cost += cost_of(usage, price)
    return ConversationTotals(prompt, completion, answers, priced, cost)


def conversation_totals(conversation: Conversation, prices: Mapping[str, Price]) -> ConversationTotals:
    """The totals of every answer of ``conversation``'s tree that has usage, on the active path or not."""
    return totals_of(
        ((m.model, m.usage, 1) for m in conversation.tree if m.role == "assistant" and m.usage is not None),
        prices,
    )


def format_cost(cost: float, currency: str = CURRENCY) -> str:
    """``¥0.012``: two significant digits under 1 (at most six decimals: under ``¥0.000001`` it says ``<¥0.000001``), two
    decimals from 1 on (``¥12.35``, ``¥1,234.50``); ``¥0`` for nothing."""
    if cost <= 0 or not math.isfinite(cost):
        return f"{currency}0"
    if cost >= 1:
        return f"{currency}{cost:,.2f}"
    if cost < SMALLEST:
        return f"<{currency}{SMALLEST:.6f}"
    decimals = min(6, max(2, 1 - math.floor(math.log10(cost))))
    return f"{currency}{cost:.{decimals}f}"


def format_tokens(tokens: int) -> str:
    """``12,345 tok``."""
    return f"{tokens:,} tok"


def totals_cost(totals: ConversationTotals, currency: str = CURRENCY) -> str | None:
    """``¥0.012``, ``≥¥0.012`` when partial (a lower bound), None when unknown."""
    if totals.cost is None:
        return None
    return ("≥" if totals.partial else "") + format_cost(totals.cost, currency)


def totals_text(totals: ConversationTotals, currency: str = CURRENCY) -> str:
    """``Σ 12,345 tok · ¥0.012`` (``≥¥0.012`` when partial; tokens only when the cost is unknown)."""
    cost = totals_cost(totals, currency)
    tokens = f"Σ {format_tokens(totals.tokens)}"
    return tokens if cost is None else f"{tokens} · {cost}"
