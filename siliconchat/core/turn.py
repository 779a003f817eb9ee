"""One assistant turn: stream events folded into a ``Message``, with timings and end state.

Shared by ``ask`` and the TUI so that both record a turn the same way. Text is gathered in
lists and joined on demand: ``message.content += delta`` would copy the whole answer for
every delta (quadratic on long answers).
"""

from __future__ import annotations

import time

from siliconchat.core.conversation import Message, MessageState
from siliconchat.core.events import (
    AnswerDelta,
    Failed,
    Finished,
    ReasoningDelta,
    StreamEvent,
    UsageUpdate,
    Waiting,
)

LENGTH_NO_ANSWER = (
    "The reasoning used the whole token budget and no answer was left (finish reason: length). "
    "Raise max_tokens or lower the thinking budget, then retry."
)
STOPPED = "Stopped by the user."


class TurnRecorder:
    """Folds a stream's events into ``message`` (an assistant message in STREAMING state)."""

    __slots__ = (
        "_answer",
        "_answer_len",
        "_reasoning",
        "_reasoning_len",
        "_start",
        "failure",
        "first_answer_at",
        "first_reasoning_at",
        "message",
        "waiting",
    )

    def __init__(self, message: Message, *, start: float | None = None) -> None:
        self.message = message
        self._start = time.monotonic() if start is None else start
        self._answer: list[str] = []
        self._reasoning: list[str] = []
        self._answer_len = 0
        self._reasoning_len = 0
        self.first_reasoning_at: float | None = None
        self.first_answer_at: float | None = None
        self.failure: Failed | None = None
        self.waiting: str | None = None  # what the request waits for, until the first text (see Waiting)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self._start

    @property
    def answer(self) -> str:
        if len(self._answer) > 1:
            self._answer[:] = ["".join(self._answer)]
        return self._answer[0] if self._answer else ""

    @property
    def reasoning(self) -> str:
        if len(self._reasoning) > 1:
            self._reasoning[:] = ["".join(self._reasoning)]
        return self._reasoning[0] if self._reasoning else ""

    @property
    def thinking_seconds(self) -> float | None:
        """Seconds of thinking so far (or in all, once the answer started)."""
        if self.first_reasoning_at is None:
            return None
        end = self.first_answer_at if self.first_answer_at is not None else self.elapsed
        return max(0.0, end - self.first_reasoning_at)

    def apply(self, event: StreamEvent) -> None:
        if isinstance(event, AnswerDelta):
            if self.first_answer_at is None:
                self.first_answer_at = self.elapsed
                self.waiting = None
            self._answer.append(event.text)
        elif isinstance(event, ReasoningDelta):
            if self.first_reasoning_at is None:
                self.first_reasoning_at = self.elapsed
                self.waiting = None
            self._reasoning.append(event.text)
        elif isinstance(event, Waiting):
            self.waiting = event.status
        elif isinstance(event, UsageUpdate):
            self.message.usage = event.usage
        elif isinstance(event, Finished):
            self.message.finish_reason = event.reason
            self._end(MessageState.COMPLETE)
            if event.reason == "length" and not self.answer.strip():
                self.message.error = LENGTH_NO_ANSWER
        elif isinstance(event, Failed):
            self.failure = event
            self.message.error = event.message
            self._end(MessageState.INCOMPLETE if event.partial else MessageState.FAILED)

    def checkpoint(self) -> Message:
        """Copy the text so far into the message (for periodic saves)."""
        self.message.content = self.answer
        self.message.reasoning = self.reasoning
        return self.message

    def stop(self, reason: str = STOPPED) -> None:
        """The user (or a signal, as ``reason`` says) stopped the answer: keep what arrived, marked as stopped."""
        if self.message.state is MessageState.STREAMING:
            self.message.error = reason
            self._end(MessageState.STOPPED)

    def _end(self, state: MessageState) -> None:
        self.waiting = None
        message = self.checkpoint()
        message.state = state
        timings = message.timings
        timings.total = self.elapsed
        starts = [t for t in (self.first_reasoning_at, self.first_answer_at) if t is not None]
        timings.first_token = min(starts) if starts else None
        timings.reasoning = self.thinking_seconds

    @property
    def done(self) -> bool:
        return self.message.state is not MessageState.STREAMING
