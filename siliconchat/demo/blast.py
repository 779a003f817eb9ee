"""``demo/blast-N`` and ``demo/blast-reasoning-N``: exactly N deltas as fast as possible, for benchmarks.

The events are built lazily from one shared period of chunks, so a blast of millions costs the server
almost nothing per delta and the benchmarks measure the client.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator

from siliconchat.demo.script import DONE, Builder, Chunk, Event, Model, Script

# fmt: off
_BLAST_WORDS = (
    "the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog", "while", "tokens", "flow",
    "through", "the", "terminal", "and", "every", "word", "arrives", "as", "fast", "as", "it", "can",
)
# fmt: on
_BLAST_PERIOD = 2400  # a multiple of 400, 60, 80 and len(_BLAST_WORDS): the pattern repeats


def blast_delta(i: int) -> str:
    """Delta ``i`` of a blast: words and spaces, paragraphs, and a little Markdown so it renders as text."""
    if i % 400 == 0:
        return ("\n\n" if i else "") + f"## Part {i // 400 + 1}\n\n"
    if i % 60 == 59:
        return "end.\n\n"
    if i % 80 == 40:
        return "**bold** "
    return _BLAST_WORDS[i % len(_BLAST_WORDS)] + " "


def _blast_chunk(i: int, reasoning: bool) -> Chunk:
    text = blast_delta(i)
    return Chunk(reasoning=text.replace("## ", "")) if reasoning else Chunk(content=text)


@functools.lru_cache(maxsize=2)
def _blast_period(reasoning: bool) -> tuple[Chunk, ...]:
    """One period of blast chunks, built once and shared, so a blast costs no per-delta allocation."""
    return tuple(_blast_chunk(i, reasoning) for i in range(_BLAST_PERIOD))


def _blast_chunks(count: int, *, reasoning: bool) -> Iterator[Chunk]:
    period = _blast_period(reasoning)
    for i in range(count):
        yield period[i % _BLAST_PERIOD] if i % 400 else _blast_chunk(i, reasoning)  # numbered headings


def blast(count: int, *, reasoning: bool) -> Builder:
    """Exactly ``count`` answer deltas (after ``count`` reasoning deltas if asked), at pace 0, lazily."""

    def events() -> Iterator[Event]:
        if reasoning:
            yield Chunk(content=None, reasoning="")
            yield from _blast_chunks(count, reasoning=True)
        else:
            yield Chunk(content="")
        yield from _blast_chunks(count, reasoning=False)  # no "\n" separator: exactly N + N deltas
        yield Chunk(content="", finish_reason="stop")
        yield DONE

    return lambda request: Script(events())


# Listed in /models with these example sizes, accepted with any N up to MAX_BLAST.
MAX_BLAST = 10_000_000
BLAST_EXAMPLES = ("demo/blast-2000", "demo/blast-20000", "demo/blast-reasoning-20000")
PATTERNS: tuple[tuple[re.Pattern[str], Callable[[int], Builder]], ...] = (
    (re.compile(r"demo/blast-(\d{1,8})"), lambda n: blast(n, reasoning=False)),
    (re.compile(r"demo/blast-reasoning-(\d{1,8})"), lambda n: blast(n, reasoning=True)),
)


def find_model(model_id: str) -> Model | None:
    """The registry row of a ``demo/blast-…`` id with N up to :data:`MAX_BLAST`, else None."""
    for pattern, make in PATTERNS:
        match = pattern.fullmatch(model_id)
        if match and int(match.group(1)) <= MAX_BLAST:
            return Model(model_id, make(int(match.group(1))))
    return None
