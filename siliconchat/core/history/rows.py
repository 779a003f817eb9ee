"""Conversions between rows of the history and the core's objects, and the rows the store returns."""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from siliconchat.core.conversation import Conversation, Message, MessageState, ModelParams, Timings, Usage
from siliconchat.core.history.attachment_rows import insert_attachments
from siliconchat.core.sanitize import redact, sanitize_line
from siliconchat.core.text import safe_text

TITLE_LIMIT: Final = 60
INTERRUPTED: Final = "The answer was cut off: siliconchat closed while it was streaming."
_ROLES: Final = frozenset({"system", "user", "assistant"})


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    """One row of the sidebar / ``siliconchat history``. ``title`` is a sanitized single line."""

    id: int
    title: str
    model: str | None  # the model of the last answer
    created: float
    updated: float  # last activity (Unix time)
    message_count: int


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One matching message. ``snippet`` is one sanitized line; ``highlights`` are (start, end) offsets of
    the matched words in it. ``in_reasoning`` says the match is in the reasoning rather than the text."""

    conversation_id: int
    message_id: int
    role: str
    title: str
    model: str | None
    created: float  # when the message was written
    snippet: str
    highlights: tuple[tuple[int, int], ...]
    in_reasoning: bool = False


def make_title(text: str, limit: int = TITLE_LIMIT) -> str:
    """A conversation title from its first prompt: one sanitized line, cut at a word boundary."""
    line = sanitize_line(text)
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:  # a word boundary not too far back; else cut inside the long word
        cut = cut[:space]
    return cut.rstrip(" ,.;:-—") + "…"


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _loads(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None  # a hand-edited file: lose the detail, not the conversation


def _usage(text: str | None) -> Usage | None:
    data = _loads(text)
    try:
        return Usage.from_dict(data) if isinstance(data, dict) else None
    except (TypeError, ValueError):
        return None


def _timings(text: str | None) -> Timings:
    data = _loads(text)
    if not isinstance(data, dict):
        return Timings()
    values = {k: v for k, v in data.items() if k in ("first_token", "reasoning", "total")}
    return Timings(**{k: float(v) if isinstance(v, (int, float)) else None for k, v in values.items()})


def _timings_json(timings: Timings) -> str | None:
    data = {k: v for k, v in timings.to_dict().items() if v is not None and math.isfinite(v)}
    return dumps(data) if data else None


def params_from_json(text: str | None) -> ModelParams:
    data = _loads(text)
    try:
        return ModelParams.from_dict(data if isinstance(data, dict) else None)
    except (TypeError, ValueError):
        return ModelParams()


def _state(value: str, error: str | None) -> tuple[MessageState, str | None]:
    try:
        state = MessageState(value)
    except ValueError:
        state = MessageState.INCOMPLETE
    if state is MessageState.STREAMING:
        # Its process died mid-stream (or another instance is still streaming it): show what was saved.
        return MessageState.INCOMPLETE, error or INTERRUPTED
    return state, error


def _error(text: str | None) -> str | None:
    return redact(text, None) if text else None


MESSAGE_COLUMNS: Final = (
    "id, role, content, reasoning, model, usage, timings, finish_reason, error, state, created, chosen"
)
"""The columns :func:`message_from_row` reads (``parent_id`` is read beside them: see ``HistoryStore.load``)."""


def message_from_row(row: sqlite3.Row | tuple[Any, ...]) -> Message:
    mid, role, content, reasoning, model, usage, timings, finish, error, state, created, chosen = row
    message_state, message_error = _state(state, error)
    return Message(
        role=role if role in _ROLES else "user",
        content=content or "",
        reasoning=reasoning or "",
        model=model,
        usage=_usage(usage),
        timings=_timings(timings),
        finish_reason=finish,
        error=message_error,
        state=message_state,
        created_at=created,
        id=mid,
        chosen_at=chosen if isinstance(chosen, (int, float)) else 0.0,
    )


def rowid(cursor: sqlite3.Cursor) -> int:
    if cursor.lastrowid is None:  # pragma: no cover - an INSERT always sets it
        raise sqlite3.DatabaseError("no row id")
    return cursor.lastrowid


INSERT_MESSAGE: Final = (
    "INSERT INTO messages (conversation_id, position, role, content, reasoning, model, usage, timings,"
    " finish_reason, error, state, chosen, created, parent_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_CONVERSATION: Final = "INSERT INTO conversations (title, created, updated, system_prompt, params, model) VALUES (?, ?, ?, ?, ?, ?)"


def message_row(
    conversation_id: int, position: int, message: Message, parent_id: int | None = None
) -> tuple[object, ...]:
    """The parameters of :data:`INSERT_MESSAGE` for ``message`` (a child of ``parent_id``; None: a first
    prompt)."""
    return (
        conversation_id,
        position,
        message.role,
        *changing_columns(message),
        message.created_at,
        parent_id,
    )


def conversation_row(conversation: Conversation) -> tuple[object, ...]:
    """The parameters of :data:`INSERT_CONVERSATION` for ``conversation`` (its title as it is)."""
    return (
        sanitize_line(conversation.title),
        conversation.created_at,
        conversation.updated_at,
        optional_text(conversation.system_prompt),
        dumps(conversation.params.to_dict()),
        optional_text(last_model(conversation.messages)),
    )


def insert_message(
    conn: sqlite3.Connection, conversation_id: int, position: int, message: Message, parent_id: int | None
) -> int:
    message_id = rowid(
        conn.execute(INSERT_MESSAGE, message_row(conversation_id, position, message, parent_id))
    )
    if message.attachments:
        insert_attachments(conn, message_id, message.attachments)
    return message_id


def changing_columns(message: Message) -> tuple[object, ...]:
    """content, reasoning, model, usage, timings, finish_reason, error, state, chosen: what a checkpoint (or
    a switch of branches) rewrites."""
    return (
        safe_text(message.content),
        safe_text(message.reasoning),
        optional_text(message.model),
        dumps(message.usage.to_dict()) if message.usage is not None else None,
        _timings_json(message.timings),
        optional_text(message.finish_reason),
        optional_text(_error(message.error)),
        message.state.value,
        message.chosen_at if math.isfinite(message.chosen_at) else None,
    )


def optional_text(text: str | None) -> str | None:
    return safe_text(text) if text is not None else None


def last_model(messages: Sequence[Message]) -> str | None:
    return next((m.model for m in reversed(messages) if m.role == "assistant" and m.model), None)
