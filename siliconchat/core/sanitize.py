"""Make untrusted text (model output, titles, model ids, error bodies) safe to display.

A terminal obeys escape sequences wherever they come from: a model that emits
``ESC ] 0 ; title BEL`` renames the window, ``ESC ] 52`` writes the clipboard,
``ESC [ 2 J`` clears the screen. Everything shown goes through :func:`sanitize`;
what is stored is the raw text (after :func:`siliconchat.core.text.safe_text`).
"""

from __future__ import annotations

import re
import unicodedata

from siliconchat.core.text import safe_text

# Whole escape sequences first, so that their parameters do not survive as visible junk.
_ESCAPE_SEQUENCE = re.compile(
    r"""
    (?:\x1b\[|\x9b) [\x30-\x3f]* [\x20-\x2f]* [\x40-\x7e]?          # CSI … final byte
  | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]) .*? (?:\x07|\x1b\\|\x9c|\Z)  # OSC/DCS/SOS/PM/APC … terminator
  | \x1b [\x20-\x2f]* [\x30-\x7e]?                                 # other ESC sequences
    """,
    re.VERBOSE | re.DOTALL,
)
# What is removed, one character at a time:
# - C0 controls but tab and newline, DEL, and C1 controls;
# - bidi controls: embeddings and overrides (U+202A-U+202E), isolates (U+2066-U+2069), the marks
#   U+200E/U+200F and the Arabic letter mark U+061C. They reorder the text that follows them on a
#   terminal that does bidi, so what is shown is not what is there ("Trojan Source");
# - invisible characters that can hide text or split a word unseen: zero width space U+200B, word joiner
#   and invisible operators U+2060-U+2064, zero width no-break space / BOM U+FEFF.
# Zero width non-joiner U+200C and joiner U+200D are kept: emoji sequences (a family, the rainbow flag),
# Persian and Indic scripts need them. Keeping them only between such characters would
# depend on the neighbours, and the TUI sanitizes a streamed answer a fragment at a time, so a joiner at
# the edge of a fragment would be judged without its neighbour; every rule here depends on one character.
_INVISIBLE = (
    r"\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
)
_REMOVED = re.compile(f"[{_INVISIBLE}]")
# The fast check: anything above, or a surrogate (which no terminal or UTF-8 stream can take).
_UNSAFE = re.compile(f"[{_INVISIBLE}\\ud800-\\udfff]")


def sanitize(text: str) -> str:
    """Strip terminal escape sequences, control characters, bidi controls and invisible characters that
    hide text, keeping ``\\n`` and ``\\t``; lone surrogates become U+FFFD. Never raises.

    ``\\r\\n`` becomes ``\\n``; a lone ``\\r`` (which would let text overwrite the line) is dropped.
    The result depends on each character alone, except escape sequences (a sequence cut between two
    pieces leaves a different remainder than the whole), so pieces of a stream may be sanitized apart.
    """
    if not _UNSAFE.search(text):
        return text  # the common case: nothing to do, no copy
    text = safe_text(text).replace("\r\n", "\n")
    text = _ESCAPE_SEQUENCE.sub("", text)
    return _REMOVED.sub("", text)


def sanitize_line(text: str, limit: int | None = None) -> str:
    """Sanitize for a one-line place (a title, a model id, a toast): newlines and tabs become spaces. Longer
    than ``limit`` characters, it is cut (between two clusters of characters, see :func:`cluster_start`) and
    ends with "…"."""
    text = " ".join(sanitize(text).split())
    if limit is not None and len(text) > limit:
        text = text[: cluster_start(text, max(0, limit - 1))].rstrip() + "…"
    return text


_REGIONAL_INDICATORS = range(0x1F1E6, 0x1F200)  # two make a flag


def _extends(char: str) -> bool:
    """``char`` belongs to the character before it: a joiner, a variation selector, a skin tone, a tag (of a
    subdivision flag) or a combining mark."""
    code = ord(char)
    return (
        code == 0x200D
        or 0xFE00 <= code <= 0xFE0F
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE007F
        or unicodedata.combining(char) != 0
        or unicodedata.category(char) in ("Mn", "Me")
    )


def cluster_start(text: str, index: int) -> int:
    """The greatest cut at or before ``index`` that splits no cluster of characters shown as one (an emoji
    with its skin tone, a family joined by zero width joiners, a flag, a letter with its accents).

    Cut inside one, the part left is measured and drawn differently by the terminal and by the app (a family's
    "👨" and its joiner, followed by "…", was measured a cell short; "👍" without its tone shows another
    emoji), and lines drawn after it were misaligned."""
    index = max(0, min(index, len(text)))
    while 0 < index < len(text) and (_extends(text[index]) or text[index - 1] == "\u200d"):
        index -= 1
    if 0 < index < len(text) and ord(text[index]) in _REGIONAL_INDICATORS:
        run = index
        while run > 0 and ord(text[run - 1]) in _REGIONAL_INDICATORS:
            run -= 1
        index -= (index - run) % 2  # an odd number of indicators before the cut: one is half a flag
    return index


REDACTED = "sk-…REDACTED"
# "sk-" and 8 or more key characters, not inside a word ("desk-top" is not a key).
_KEY_PATTERN = re.compile(r"(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{8,}")
_MIN_SECRET_LENGTH = 6  # shorter "secrets" would shred ordinary text
MIN_KEY_RUN = 12
"""A run of this many characters of the key, anywhere (a key cut in two by an error body), is redacted."""
# The userinfo runs to the authority's last "@" (a password may hold an unescaped "@", as clients read it).
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s/?#]+@")


def strip_userinfo(text: str) -> str:
    """``text`` with the ``user:password@`` of every URL in it removed (``https://u:p@host/v1`` becomes
    ``https://host/v1``): for anything shown, stored or logged."""
    return _USERINFO.sub(r"\1", text) if "@" in text else text


def redact(text: str, secret: str | None) -> str:
    """Replace ``secret`` (and any run of :data:`MIN_KEY_RUN` or more of its characters, for a key that
    was cut) and anything that looks like a SiliconFlow key (``sk-`` and 8 or more key characters) with
    ``sk-…REDACTED``, and strip the credentials of URLs. For logs, error messages and anything stored."""
    if secret is not None:
        secret = secret.strip()
        if len(secret) >= _MIN_SECRET_LENGTH:
            text = text.replace(secret, REDACTED)
            if len(secret) > MIN_KEY_RUN:
                text = _redact_runs(text, secret)
    return strip_userinfo(_KEY_PATTERN.sub(REDACTED, text))


def _redact_runs(text: str, secret: str) -> str:
    """Replace every run of at least :data:`MIN_KEY_RUN` characters of ``secret`` found in ``text``."""
    grams = {secret[i : i + MIN_KEY_RUN] for i in range(len(secret) - MIN_KEY_RUN + 1)}
    if not any(gram in text for gram in grams):
        return text  # the common case
    covered: list[tuple[int, int]] = []
    for gram in grams:
        start = text.find(gram)
        while start >= 0:
            covered.append((start, start + MIN_KEY_RUN))
            start = text.find(gram, start + 1)
    covered.sort()
    spans: list[list[int]] = []
    for start, end in covered:
        if spans and start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    for start, end in reversed(spans):
        text = text[:start] + REDACTED + text[end:]
    return text
