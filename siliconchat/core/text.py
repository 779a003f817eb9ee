"""Text from outside made storable: every ``str`` becomes one that encodes to UTF-8.

A Python ``str`` may hold code points that UTF-8 cannot encode: lone surrogates (U+D800-U+DFFF). They
come from JSON (``"\\ud800"`` is valid JSON, and a stream may send the two halves of ``"\\ud83d\\ude00"``
in two chunks), and from non-UTF-8 bytes that Python decoded with ``surrogateescape`` (argv, environment
variables, a stdin in the C locale), which turns each bad byte into U+DC80-U+DCFF. Writing such a string
to SQLite, a UTF-8 file or a strict stdout raises ``UnicodeEncodeError``.

:func:`safe_text` is the one function that fixes a string; :class:`SurrogateJoiner` does the same for a
stream of fragments, so that a pair cut between two deltas still comes out as the real character. What
is stored is the text as received after this function; making text safe to *show* (terminal escapes,
bidi controls) is :mod:`siliconchat.core.sanitize`'s job.
"""

from __future__ import annotations

from typing import Final

__all__ = ["REPLACEMENT", "SurrogateJoiner", "has_surrogates", "safe_text"]

REPLACEMENT: Final = "\ufffd"


def has_surrogates(text: str) -> bool:
    """Whether ``text`` holds any surrogate code point (paired or not): the fast check before any work.

    ``isascii`` is O(1) in CPython (a string knows its kind), so ASCII text costs ~0.1 µs at any length.
    Other text is encoded to UTF-8 once, which fails exactly on surrogates: measured on 10 KB of CJK
    (3,400 characters) it takes ~8 µs, where a regex search for the range U+D800-U+DFFF takes ~21 µs.
    """
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def safe_text(text: str) -> str:
    """``text`` with well-formed surrogate pairs joined into their character and every other surrogate
    (lone halves, surrogateescape'd bytes) replaced by U+FFFD. Returns ``text`` itself (no copy) when it
    has no surrogates, which is nearly always. Never raises.

    The work is the standard library's: UTF-16 with ``surrogatepass`` writes every surrogate as its two
    bytes, and decoding that with ``errors="replace"`` pairs what pairs and replaces the rest.
    """
    if not has_surrogates(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


class SurrogateJoiner:
    """:func:`safe_text` for a stream of fragments: ``feed`` each one, ``flush`` at the end.

    A fragment that ends with a high surrogate (the first half of a pair) is held back until the next
    fragment, which may start with its other half; a half still held at the end becomes U+FFFD. The
    concatenated output equals ``safe_text`` of the concatenated input.
    """

    __slots__ = ("_held",)

    def __init__(self) -> None:
        self._held = ""

    def feed(self, text: str) -> str:
        """The safe text of ``text`` that can be given out now (may be empty)."""
        if self._held:
            text = self._held + text
            self._held = ""
        elif text.isascii() or not has_surrogates(text):  # isascii first: one call less per ASCII delta
            return text
        if text and "\ud800" <= text[-1] <= "\udbff":
            self._held = text[-1]
            text = text[:-1]
        return safe_text(text)

    def flush(self) -> str:
        """What is still held back, as U+FFFD (its pair never came); ``""`` when nothing is."""
        held, self._held = self._held, ""
        return REPLACEMENT if held else ""
