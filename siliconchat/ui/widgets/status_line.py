"""The status line: the turn's tokens (prompt / reasoning / answer), time to first token, tokens/s, finish
reason and, for a finished answer whose model has a price, its cost; at the right, the conversation's running
total (``Σ 12,345 tok · ¥0.012``: every answer of every branch, see :mod:`siliconchat.core.costs`).

The turn's numbers always come first. What does not fit in the width goes, in this order: the answer's cost
is left out, the labels are shortened (``p 12 · r 340 · a 560``: the total fits beside them at 80 columns),
the total's tokens are shortened (``12.3k``), the total is left out. The total is worked out when it changes (a turn ended, another
conversation or branch is shown), never while an answer streams.
"""

from __future__ import annotations

from collections.abc import Mapping

from textual import events
from textual.content import Content
from textual.widgets import Static

from siliconchat.core.conversation import Conversation, Message, MessageState, Usage
from siliconchat.core.costs import (
    CURRENCY,
    Price,
    answer_cost,
    conversation_totals,
    format_cost,
    format_tokens,
    totals_cost,
)
from siliconchat.core.sanitize import sanitize_line
from siliconchat.ui.widgets.formatting import rate, seconds

READY = "ready"
GAP = 3
"""At least this many spaces between the turn's numbers and the total at the right."""

_BAR = (" │ ", "$text-muted 50%")
_Part = tuple[str, str]
_Counts = tuple[int, int, int]  # prompt, reasoning, answer tokens
_Turn = tuple[_Counts | None, str, str, str, str | None]  # counts, ttft, rate, finish, cost


class StatusLine(Static):
    """One line of numbers about the current (or last) turn, and the conversation's total."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(Content(READY), markup=False, id=id)
        self._last: _Turn | None = None
        self._cost: str | None = None  # the cost of the finished answer shown
        self._note: str | None = None  # words in place of the turn's numbers (see show_note)
        self._totals: tuple[int, str | None] | None = None  # the conversation's tokens and cost
        self.prices: Mapping[str, Price] = {}
        self.currency = CURRENCY

    def set_prices(self, prices: Mapping[str, Price], currency: str) -> None:
        """The prices per model (and the currency) that answers and totals are priced at."""
        self.prices = prices
        self.currency = currency

    def show_turn(
        self,
        usage: Usage | None,
        *,
        first_token: float | None,
        elapsed: float | None,
        finish: str,
        cost: float | None = None,
    ) -> None:
        """Update the line (cheap when nothing changed: it is called once a second while streaming).
        ``cost``: what the answer cost, for a finished answer whose model has a price."""
        key: _Turn = (
            (usage.prompt_tokens, usage.reasoning_tokens, usage.answer_tokens) if usage else None,
            seconds(first_token, precise=True),
            rate(usage.completion_tokens if usage else 0, elapsed),
            finish,
            None if cost is None else format_cost(cost, self.currency),
        )
        if key == self._last and self._note is None:
            return
        self._last = key
        self._note = None
        self._draw()

    def show_note(self, text: str) -> None:
        """A few words in place of the turn's numbers (a comparison: the numbers are in its columns)."""
        self._note = text
        self._last = None
        self._draw()

    def show_message(self, message: Message | None) -> None:
        """The numbers of a finished message (or "ready")."""
        if message is None:
            self._last = None
            self._note = None
            self._draw()
            return
        timings = message.timings
        generating = None
        if timings.total is not None and timings.first_token is not None:
            generating = timings.total - timings.first_token
        finished = message.state is not MessageState.STREAMING
        self.show_turn(
            message.usage,
            first_token=timings.first_token,
            elapsed=generating,
            finish=finish_text(message),
            cost=answer_cost(message, self.prices) if finished else None,
        )

    def show_totals(self, conversation: Conversation | None) -> None:
        """The running total of ``conversation`` at the right (none for None or before its first answer)."""
        totals = None if conversation is None else conversation_totals(conversation, self.prices)
        shown = (
            None
            if totals is None or not totals.answers
            else (totals.tokens, totals_cost(totals, self.currency))
        )
        if shown != self._totals:
            self._totals = shown
            self._draw()

    def on_resize(self, event: events.Resize) -> None:
        self._draw()

    # -- drawing ----------------------------------------------------------------------------------------

    def _draw(self) -> None:
        self.update(self._content(self.content_size.width), layout=False)  # one line: no layout

    def _content(self, width: int) -> Content:
        """The line for ``width`` cells (0: not laid out yet, everything), as the module says."""
        if self._last is None:
            turns: list[tuple[list[_Part], list[_Part]]] = [([(self._note or READY, "")], [])]
        else:
            counts, ttft, speed, finish, cost = self._last
            numbers = [_BAR, (f"ttft {ttft}", ""), _BAR, (speed, ""), _BAR, (finish, "bold")]
            priced = [_BAR, (cost, "")] if cost is not None else []
            full = [(_counts(counts, short=False), ""), *numbers]
            short = [(_counts(counts, short=True), ""), *numbers]
            turns = [(full, priced), (full, []), (short, priced), (short, [])]
        totals: list[str] = []
        if self._totals is not None:
            tokens, spent = self._totals
            totals = [_total(tokens, spent, short=False), _total(tokens, spent, short=True)]
        choices = [(left + priced, total) for total in totals[:1] for left, priced in turns]
        choices += [(turns[-1][0], total) for total in totals[1:]]
        choices += [(left + priced, "") for left, priced in turns]
        for left, total in choices:
            line = Content.assemble(*left)
            if not total:
                if not width or line.cell_length <= width:
                    return line
                continue
            room = width - line.cell_length - Content(total).cell_length
            if not width or room >= GAP:
                return Content.assemble(line, " " * max(GAP, room), total)
        return Content.assemble(*choices[-1][0])  # too narrow for anything: the shortest, cut at the edge


def _counts(counts: _Counts | None, *, short: bool) -> str:
    if counts is None:
        return "tokens –"
    prompt, reasoning, answer = counts  # with thousands separators, as the totals
    if not short:
        return f"prompt {prompt:,} · reasoning {reasoning:,} · answer {answer:,}"
    return f"p {prompt:,} · r {reasoning:,} · a {answer:,}" if reasoning else f"p {prompt:,} · a {answer:,}"


def _total(tokens: int, cost: str | None, *, short: bool) -> str:
    count = f"{_short_count(tokens)} tok" if short else format_tokens(tokens)
    return f"Σ {count}" + (f" · {cost}" if cost is not None else "")


def _short_count(tokens: int) -> str:
    """``9,876``, ``12.3k``, ``123k``, ``1.23M``."""
    if tokens < 10_000:
        return f"{tokens:,}"
    if tokens < 99_950:
        return f"{tokens / 1000:.1f}k"
    if tokens < 999_500:
        return f"{round(tokens / 1000)}k"
    return f"{tokens / 1_000_000:.2f}M"


def finish_text(message: Message) -> str:
    """How a message ended, in a word or two."""
    if message.state is MessageState.STREAMING:
        return "streaming…"
    if message.state is MessageState.COMPLETE:
        return sanitize_line(message.finish_reason or "done", 20)
    return str(message.state.value)
