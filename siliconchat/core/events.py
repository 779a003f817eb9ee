"""The typed events of one streamed answer, as the API layer yields them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from siliconchat.core.conversation import Usage


class ErrorKind(str, Enum):
    """What went wrong, so callers can react (open the picker, offer a retry, …)."""

    AUTH = "auth"  # 401
    BALANCE = "balance"  # 402/403 code 30001
    VERIFICATION = "verification"  # 403 otherwise: real-name verification
    RATE_LIMIT = "rate_limit"  # 429
    MODEL_NOT_FOUND = "model_not_found"  # 400 code 20012
    BAD_REQUEST = "bad_request"  # 400 otherwise (20015 …)
    NOT_FOUND = "not_found"  # 404: the base URL is wrong
    SERVER = "server"  # 5xx
    OVERLOADED = "overloaded"  # 503 / 50505
    CONNECTION = "connection"  # refused, DNS, TLS
    TIMEOUT = "timeout"  # connect timeout or idle stream
    STREAM = "stream"  # cut stream, error object mid-stream, garbage
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    text: str


@dataclass(frozen=True, slots=True)
class AnswerDelta:
    text: str


@dataclass(frozen=True, slots=True)
class UsageUpdate:
    """The running total of the latest chunk (replace, never add)."""

    usage: Usage


@dataclass(frozen=True, slots=True)
class Finished:
    """The answer ended normally: ``reason`` is stop, length, eos, tool_calls or None (no reason sent)."""

    reason: str | None


@dataclass(frozen=True, slots=True)
class Failed:
    """The request failed, or the stream broke after some text arrived (``partial``)."""

    message: str  # one user-facing sentence, trace id appended when known
    kind: ErrorKind
    status: int | None = None
    trace_id: str | None = None
    partial: bool = False

    @property
    def retryable(self) -> bool:
        return self.kind in (
            ErrorKind.RATE_LIMIT,
            ErrorKind.SERVER,
            ErrorKind.OVERLOADED,
            ErrorKind.CONNECTION,
            ErrorKind.TIMEOUT,
            ErrorKind.STREAM,
        )


@dataclass(frozen=True, slots=True)
class Waiting:
    """Nothing has arrived yet: ``status`` says for how long and what happens next, in a few words for the
    status line ("waiting for the first token… 12 s (retrying once at 30 s)"). Yielded about once a second
    while the request waits, and when a retry is planned (``retry``: worth a line of its own in ``ask``)."""

    status: str
    retry: bool = False


StreamEvent = ReasoningDelta | AnswerDelta | UsageUpdate | Finished | Failed | Waiting
