"""Large text folded: a paste in the prompt becomes a chip, a long user message shows its ends around a chip.

A text is large over :data:`FOLD_CHARS` characters or :data:`FOLD_LINES` lines (a page of code or a log is
well under both; a file pasted whole is over them). Folding is only what is shown: the whole text is what is
sent to the model and saved in the history. A user message is folded by its text alone, so a conversation
reopened from the history shows exactly what it showed while it was streamed.
"""

from __future__ import annotations

from dataclasses import dataclass

from siliconchat.core.sanitize import cluster_start

FOLD_CHARS = 10_000
FOLD_LINES = 200
HEAD_LINES = 3
TAIL_LINES = 2
PREVIEW_CHARS = 300
"""A folded message shows at most its first HEAD_LINES and last TAIL_LINES lines, each end at most this many
characters (a paste of one 200 KB line shows no more of it than a paste of many lines)."""


def is_large(text: str) -> bool:
    return len(text) > FOLD_CHARS or text.count("\n", 0, FOLD_CHARS * 4) >= FOLD_LINES


def size_text(text: str) -> str:
    """``200 KB, 3,100 lines``: the size of ``text`` in UTF-8, and its lines."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size >= 1_000_000:
        amount = f"{size / 1_000_000:.1f} MB"
    elif size >= 1000:
        amount = f"{round(size / 1000):,} KB"
    else:
        amount = f"{size} bytes"
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    return f"{amount}, {lines:,} line{'' if lines == 1 else 's'}"


@dataclass(frozen=True)
class Fold:
    """A large text cut in three: the ``head`` and ``tail`` shown, and the ``hidden`` text between them."""

    head: str
    hidden: str
    tail: str


def _after_nth_newline(text: str, count: int) -> int:
    """The index after the ``count``-th newline of ``text`` (its end if there are fewer)."""
    at = -1
    for _ in range(count):
        at = text.find("\n", at + 1)
        if at < 0:
            return len(text)
    return at + 1


def fold(text: str) -> Fold | None:
    """``text`` cut around what a folded view hides, or None when it is not large."""
    if not is_large(text):
        return None
    head_end = _after_nth_newline(text, HEAD_LINES)
    head_end = cluster_start(text, min(head_end, PREVIEW_CHARS))
    body = text.rstrip("\n")
    tail_start = len(body)
    for _ in range(TAIL_LINES):
        newline = body.rfind("\n", 0, tail_start)
        if newline < 0:
            tail_start = 0
            break
        tail_start = newline
    tail_start = cluster_start(text, max(tail_start, len(body) - PREVIEW_CHARS, head_end))
    return Fold(text[:head_end].removesuffix("\n"), text[head_end:tail_start], text[tail_start:].strip("\n"))
