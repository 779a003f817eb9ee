"""Split reasoning sent inline as ``<think>…</think>`` in ``content`` (older R1 deployments).

Only a ``<think>`` at the very start of the answer (after whitespace) opens reasoning, so
an answer that merely talks about the tag is left alone. Tags may arrive cut across
deltas (``"<th"``, ``"ink>"``): a possible tag prefix is held back until it is decided.
"""

from __future__ import annotations

OPEN = "<think>"
CLOSE = "</think>"


def _partial_suffix(text: str, tag: str) -> int:
    """Length of the longest end of ``text`` that is a proper prefix of ``tag``."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if tag.startswith(text[-size:]):
            return size
    return 0


class ThinkSplitter:
    """Feed ``content`` deltas; get back ``(reasoning, answer)`` pieces to emit now."""

    __slots__ = ("_buffer", "_state")

    def __init__(self) -> None:
        self._state = "start"  # start -> thinking -> answer, or start -> answer
        self._buffer = ""

    @property
    def passthrough(self) -> bool:
        """True once everything further is plain answer: callers may stop feeding."""
        return self._state == "answer" and not self._buffer

    def feed(self, text: str) -> tuple[str, str]:
        if self._state == "answer":
            return "", text
        self._buffer += text
        if self._state == "start":
            stripped = self._buffer.lstrip()
            if not stripped or (len(stripped) < len(OPEN) and OPEN.startswith(stripped)):
                return "", ""  # still undecided
            if not stripped.startswith(OPEN):
                self._state = "answer"
                out, self._buffer = self._buffer, ""
                return "", out
            self._state = "thinking"
            self._buffer = stripped[len(OPEN) :]
        # thinking: emit all but a possible partial closing tag
        end = self._buffer.find(CLOSE)
        if end >= 0:
            reasoning, rest = self._buffer[:end], self._buffer[end + len(CLOSE) :]
            self._state, self._buffer = "answer", ""
            # The answer usually starts with a newline or two after the tag: keep them (real text).
            return reasoning, rest
        keep = _partial_suffix(self._buffer, CLOSE)
        cut = len(self._buffer) - keep
        reasoning, self._buffer = self._buffer[:cut], self._buffer[cut:]
        return reasoning, ""

    def flush(self) -> tuple[str, str]:
        """At the end of the stream: whatever is held back, where it belongs."""
        out, self._buffer = self._buffer, ""
        if self._state == "thinking":
            return out, ""
        return "", out
