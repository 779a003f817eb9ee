"""The vocabulary of a demo scenario: the stream events, their pacing and the replies a model id builds.

A scenario is a :data:`Builder`: it turns one :class:`ChatRequest` into either an :class:`ErrorReply` (an HTTP
error status with its body) or a :class:`Script` (a lazy sequence of events plus the pacing they are sent
at). The server puts events on the wire; the scenario modules only say *what* is said. Also here: the
helpers every scenario family uses to make deltas (:func:`split_deltas`) and the standard stream
(:func:`reason_then_answer`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

# Events are slotted but not frozen: a blast builds 160,000 of them, and frozen dataclasses are several
# times slower to construct. Treat them as immutable all the same.


@dataclass(slots=True)
class Chunk:
    """One ``chat.completion.chunk`` with a choice. ``None`` fields go on the wire as ``null``.

    The server counts one completion token for each chunk carrying text, and keeps the usage running total.
    ``finish_reason`` may be ``""`` (seen mid-stream on SiliconFlow).
    """

    content: str | None = None
    reasoning: str | None = None
    finish_reason: str | None = None


@dataclass(slots=True)
class EmptyChoices:
    """A chunk with ``"choices": []`` that still carries the usage running total."""


@dataclass(slots=True)
class Raw:
    """Text written to the event stream as is (SSE comments, garbage, an error data line)."""

    text: str


@dataclass(slots=True)
class Pause:
    """Send nothing for ``seconds`` (interruptible: the server checks its stop event and the client)."""

    seconds: float


@dataclass(slots=True)
class Cut:
    """Drop the TCP connection in the middle of an HTTP chunk: no ``[DONE]``, no terminating chunk."""


@dataclass(slots=True)
class Done:
    """The ``data: [DONE]`` line. A script that omits it ends the body without it."""


Event = Chunk | EmptyChoices | Raw | Pause | Cut | Done
DONE = Done()


@dataclass(frozen=True, slots=True)
class Pacing:
    """When events are sent: ``latency`` before the first, ``delay`` between the others.

    Both are scaled by a random factor in ``1 ± jitter``. ``overridable=False`` keeps the pacing even when
    the server was given ``pace`` (``demo/slow`` must stay slow on a test server that blasts the rest).
    """

    latency: float = 0.0
    delay: float = 0.0
    jitter: float = 0.0
    overridable: bool = True


IMMEDIATE = Pacing()
# About 70-120 deltas/s after 150-300 ms, like the real service.
REALISTIC = Pacing(latency=0.22, delay=0.0115, jitter=0.3)
SLOW = Pacing(latency=0.2, delay=0.2, overridable=False)


@dataclass(frozen=True, slots=True)
class Script:
    """A streamed answer: ``events`` may be a generator (blast scenarios are built lazily)."""

    events: Iterable[Event]
    pacing: Pacing = IMMEDIATE


@dataclass(frozen=True, slots=True)
class ErrorReply:
    """An HTTP error answer: ``body`` is sent verbatim with ``content_type``."""

    status: int
    body: str
    content_type: str = "application/json"


Reply = Script | ErrorReply


@dataclass(frozen=True, slots=True)
class SeenImage:
    """An image of the last user message, as the server decoded it from its data URL."""

    media_type: str
    width: int
    height: int
    size: int  # bytes, decoded


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """What a scenario may look at in a validated ``/chat/completions`` request."""

    model: str
    last_user: str
    thinking: bool = True  # False only when the request said ``enable_thinking: false``
    images: tuple[SeenImage, ...] = ()  # the last user message's images (vision models only)


Builder = Callable[[ChatRequest], Reply]


@dataclass(frozen=True, slots=True)
class Model:
    """A row of the model registry: ``hybrid`` models accept ``enable_thinking``, others answer 400;
    ``vision`` models accept ``image_url`` parts, others answer 400."""

    id: str
    build: Builder
    hybrid: bool = False
    vision: bool = False
    type: str = "text"
    sub_type: str = "chat"


# --------------------------------------------------------------------------------------------------------------
# Splitting text into token-like deltas
# --------------------------------------------------------------------------------------------------------------

# Newline runs; a word (≤ 8 letters) with one leading space, like BPE tokens; a number; a run of blanks;
# punctuation; any other character. The last alternative makes the split exhaustive: "".join(split) == text.
_TOKEN = re.compile(r"\n+| ?[^\W\d_]{1,8}| ?\d{1,3}|[ \t]+|[^\w\s]{1,2}|.", re.DOTALL)


@functools.lru_cache(maxsize=256)
def split_deltas(text: str) -> tuple[str, ...]:
    """Split ``text`` into deltas of a word or a few characters, like real tokens.

    Whitespace-only deltas are kept (``"\\n"``, ``" "``): clients must never drop them.
    """
    return tuple(_TOKEN.findall(text))


def upto_sentence(deltas: Sequence[str], limit: int) -> tuple[str, ...]:
    """The first ``limit`` deltas at most, ending after the last full stop so the text reads finished."""
    head = tuple(deltas[:limit])
    for end in range(len(head), 0, -1):
        if head[end - 1].rstrip().endswith((".", ":", "!", "?")):
            return head[:end]
    return head


# --------------------------------------------------------------------------------------------------------------
# Event sequences shared by scenarios
# --------------------------------------------------------------------------------------------------------------


def reason_then_answer(
    reasoning: Iterable[str] | None, answer: Iterable[str], finish: str = "stop", *, done: bool = True
) -> Iterator[Event]:
    """The standard stream: opening chunk, reasoning deltas, ``"\\n"``, answer deltas, finish, [DONE].

    With ``reasoning=None`` it is a plain model's stream: ``reasoning_content`` is null throughout.
    """
    if reasoning is not None:
        yield Chunk(content=None, reasoning="")
        for delta in reasoning:
            yield Chunk(reasoning=delta)
        yield Chunk(content="\n")
    else:
        yield Chunk(content="")
    for delta in answer:
        yield Chunk(content=delta)
    yield Chunk(content="", finish_reason=finish)
    if done:
        yield DONE
