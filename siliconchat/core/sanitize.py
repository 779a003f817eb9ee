"""Make untrusted text (model output, titles, model ids, error bodies) safe to display.

A terminal obeys escape sequences wherever they come from: a model that emits
``ESC ] 0 ; title BEL`` renames the window, ``ESC ] 52`` writes the clipboard,
``ESC [ 2 J`` clears the screen. Everything shown goes through :func:`sanitize`;
what is stored is the raw text.
"""

from __future__ import annotations

import re

# Whole escape sequences first, so that their parameters do not survive as visible junk.
_ESCAPE_SEQUENCE = re.compile(
    r"""
    (?:\x1b\[|\x9b) [\x30-\x3f]* [\x20-\x2f]* [\x40-\x7e]?          # CSI … final byte
  | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]) .*? (?:\x07|\x1b\\|\x9c|\Z)  # OSC/DCS/SOS/PM/APC … terminator
  | \x1b [\x20-\x2f]* [\x30-\x7e]?                                 # other ESC sequences
    """,
    re.VERBOSE | re.DOTALL,
)
# C0 controls but tab and newline, DEL, and C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def sanitize(text: str) -> str:
    """Strip terminal escape sequences and control characters, keeping ``\\n`` and ``\\t``.

    ``\\r\\n`` becomes ``\\n``; a lone ``\\r`` (which would let text overwrite the line) is dropped.
    """
    if not _CONTROL.search(text):
        return text  # the common case: nothing to do, no copy
    text = text.replace("\r\n", "\n")
    text = _ESCAPE_SEQUENCE.sub("", text)
    return _CONTROL.sub("", text)


def sanitize_line(text: str, limit: int | None = None) -> str:
    """Sanitize for a one-line place (a title, a model id, a toast): newlines and tabs become spaces."""
    text = " ".join(sanitize(text).split())
    if limit is not None and len(text) > limit:
        text = text[: max(0, limit - 1)].rstrip() + "…"
    return text


REDACTED = "sk-…REDACTED"
_KEY_PATTERN = re.compile(r"sk-[A-Za-z0-9]{20,}")
_MIN_SECRET_LENGTH = 6  # shorter "secrets" would shred ordinary text


def redact(text: str, secret: str | None) -> str:
    """Replace ``secret`` and anything that looks like a SiliconFlow key (``sk-`` + 20 or more letters and
    digits) with ``sk-…REDACTED``. For logs, error messages and anything stored."""
    if secret is not None:
        secret = secret.strip()
        if len(secret) >= _MIN_SECRET_LENGTH:
            text = text.replace(secret, REDACTED)
    return _KEY_PATTERN.sub(REDACTED, text)
