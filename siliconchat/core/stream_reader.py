"""SiliconFlow's stream chunks to typed events: the one place that reads what the server sends.

A chunk is the JSON object of one ``data:`` line. :class:`StreamReader` follows SiliconFlow's quirks: text
fields may be absent, null or empty, ``usage`` is a running total, ``choices`` may be empty, the reasoning may
come inline in ``<think>`` tags, and a surrogate pair may be cut between two chunks.
"""

from __future__ import annotations

from typing import Any

from siliconchat.core.conversation import Usage
from siliconchat.core.errors import trace_note
from siliconchat.core.events import (
    AnswerDelta,
    ErrorKind,
    Failed,
    Finished,
    ReasoningDelta,
    StreamEvent,
    UsageUpdate,
)
from siliconchat.core.text import SurrogateJoiner, safe_text
from siliconchat.core.think import ThinkSplitter


def _int(value: Any) -> int:
    return value if isinstance(value, int) else 0


def _usage_of(raw: Any) -> Usage | None:
    if not isinstance(raw, dict):
        return None
    details = raw.get("completion_tokens_details")
    return Usage(
        prompt_tokens=_int(raw.get("prompt_tokens")),
        completion_tokens=_int(raw.get("completion_tokens")),
        reasoning_tokens=_int(details.get("reasoning_tokens")) if isinstance(details, dict) else 0,
        total_tokens=_int(raw.get("total_tokens")),
    )


class StreamReader:
    """Turns chunks into events, following SiliconFlow's quirks (see the API notes): text fields
    may be absent, null or empty, ``usage`` is a running total, ``choices`` may be empty.

    The reasoning and the answer each have a :class:`SurrogateJoiner`: JSON may carry the two halves of
    a surrogate pair in two chunks (``"\\ud83d"`` then ``"\\ude00"``), and each text is made safe as a
    whole, so the events hold the real character, and U+FFFD where a half has no partner."""

    __slots__ = ("_answer_text", "_last_usage", "_reasoning_text", "_splitter", "finish_reason", "received")

    def __init__(self) -> None:
        self.finish_reason: str | None = None
        self.received = False  # any reasoning or answer text yet
        self._splitter: ThinkSplitter | None = ThinkSplitter()
        self._last_usage: Usage | None = None
        self._reasoning_text = SurrogateJoiner()
        self._answer_text = SurrogateJoiner()

    def read(self, chunk: Any) -> list[StreamEvent]:
        """One chunk (the JSON object of a ``data:`` line) to events. Fields may be missing, null or
        of the wrong type: anything unexpected is skipped, never an exception."""
        if not isinstance(chunk, dict):
            raise ValueError(f"a stream chunk is not a JSON object: {str(chunk)[:80]!r}")
        events: list[StreamEvent] = []
        choices = chunk.get("choices")
        if choices and isinstance(choices, list):  # chunks with no choices still carry usage
            choice = choices[0]
            if isinstance(choice, dict):
                delta = choice.get("delta")
                if isinstance(delta, dict):
                    reasoning = delta.get("reasoning_content") or delta.get("reasoning")
                    if reasoning and isinstance(reasoning, str):
                        reasoning = self._reasoning_text.feed(reasoning)
                        if reasoning:
                            events.append(ReasoningDelta(reasoning))
                    content = delta.get("content")
                    if content and isinstance(content, str):
                        content = self._answer_text.feed(content)  # "" while half a pair is held
                        splitter = self._splitter
                        if splitter is None:
                            if content:
                                events.append(AnswerDelta(content))
                        else:
                            thought, answer = splitter.feed(content)
                            if thought:
                                events.append(ReasoningDelta(thought))
                            if answer:
                                events.append(AnswerDelta(answer))
                            if splitter.passthrough:
                                self._splitter = None
                    if events:
                        self.received = True
                finish = choice.get("finish_reason")
                if finish and isinstance(finish, str):  # "" is seen mid-stream: it means null
                    self.finish_reason = safe_text(finish)
        usage = _usage_of(chunk.get("usage"))
        if usage is not None:
            self._last_usage = usage
            events.append(UsageUpdate(usage))
        return events

    def flush(self, *, ended: bool = True, trace_id: str | None = None) -> list[StreamEvent]:
        events: list[StreamEvent] = []
        reasoning = self._reasoning_text.flush()
        if reasoning:
            events.append(ReasoningDelta(reasoning))
        tail = self._answer_text.flush()
        if self._splitter is not None:
            thought, answer = self._splitter.feed(tail)
            held_thought, held_answer = self._splitter.flush()
            self._splitter = None
            thought, answer = thought + held_thought, answer + held_answer
            if thought:
                events.append(ReasoningDelta(thought))
            if answer:
                events.append(AnswerDelta(answer))
        elif tail:
            events.append(AnswerDelta(tail))
        if ended:
            if self.finish_reason is not None:
                events.append(Finished(self.finish_reason))
            else:
                events.append(
                    Failed(
                        "The stream ended before the answer was complete (no finish reason was sent); "
                        "the partial answer is kept." + trace_note(trace_id),
                        ErrorKind.STREAM,
                        trace_id=trace_id,
                        partial=self.received,
                    )
                )
        return events
