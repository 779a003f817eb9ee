"""Text files by their content: decoded (UTF-8, a byte-order mark, or a detected encoding), cut when too long.

Whether a file is text is decided by its bytes, never by its name: a NUL byte (without a UTF-16/32
byte-order mark) or a text full of control characters is binary. Bytes that are not UTF-8 are decoded in
the encoding ``charset-normalizer`` finds (GBK, Shift-JIS, Latin-1 …); when it finds none the file is
binary. The text sent is UTF-8; one longer than the limit is cut at a line end with a marker saying how
much was left out, so a cut is never silent.
"""

from __future__ import annotations

import codecs
import os
import unicodedata
from typing import Final

from siliconchat.core.attachments.model import Attachment, AttachmentLimits, human_size
from siliconchat.core.attachments.reading import RawFile
from siliconchat.core.text import safe_text

__all__ = ["TEXT_TYPE", "decode_text", "language_of", "text_attachment"]

TEXT_TYPE: Final = "text/plain"
_BOMS: Final = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_ALLOWED_CONTROLS: Final = frozenset("\t\n\r\f\v\x1b")
_MAX_CONTROL_SHARE: Final = 0.02
_SNIFF: Final = 64 * 1024

_LANGUAGES: Final = {
    ".py": "python", ".pyi": "python", ".js": "javascript", ".mjs": "javascript", ".ts": "typescript",
    ".tsx": "tsx", ".jsx": "jsx", ".json": "json", ".md": "markdown", ".markdown": "markdown",
    ".rs": "rust", ".go": "go", ".c": "c", ".h": "c", ".cc": "cpp", ".cpp": "cpp", ".hpp": "cpp",
    ".java": "java", ".kt": "kotlin", ".swift": "swift", ".rb": "ruby", ".php": "php", ".cs": "csharp",
    ".sh": "bash", ".bash": "bash", ".zsh": "zsh", ".fish": "fish", ".ps1": "powershell",
    ".sql": "sql", ".html": "html", ".htm": "html", ".css": "css", ".scss": "scss", ".xml": "xml",
    ".yaml": "yaml", ".yml": "yaml", ".toml": "toml", ".ini": "ini", ".cfg": "ini", ".lua": "lua",
    ".r": "r", ".scala": "scala", ".hs": "haskell", ".ex": "elixir", ".exs": "elixir", ".erl": "erlang",
    ".clj": "clojure", ".dart": "dart", ".vue": "vue", ".svelte": "svelte", ".tex": "latex",
    ".diff": "diff", ".patch": "diff", ".csv": "csv", ".tsv": "tsv", ".proto": "protobuf",
    ".tf": "hcl", ".zig": "zig", ".nim": "nim", ".jl": "julia", ".m": "objectivec", ".pl": "perl",
    ".txt": "text", ".log": "text", ".rst": "rst",
}  # fmt: skip
_NAMED: Final = {"dockerfile": "dockerfile", "makefile": "makefile", "cmakelists.txt": "cmake"}


def language_of(name: str) -> str:
    """The fence's language tag for a file name (``text`` when unknown)."""
    lower = name.lower()
    if lower in _NAMED:
        return _NAMED[lower]
    return _LANGUAGES.get(os.path.splitext(lower)[1], "text")


def _encoding(data: bytes) -> tuple[str, int] | None:
    """(encoding, bytes of byte-order mark to skip), or None for binary."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding, len(bom)
    sample = data[:_SNIFF]
    if b"\x00" in sample:
        return None
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=len(data) <= _SNIFF)
        return "utf-8", 0
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None or best.encoding is None:
        return None
    return best.encoding, 0


def _looks_binary(text: str) -> bool:
    sample = text[:_SNIFF]
    if not sample:
        return False
    controls = sum(
        1 for ch in sample if ch not in _ALLOWED_CONTROLS and unicodedata.category(ch) in ("Cc", "Co", "Cn")
    )
    return controls > len(sample) * _MAX_CONTROL_SHARE


def decode_text(data: bytes, *, complete: bool = True) -> str | None:
    """The text of ``data``, or None when it is not text. ``complete=False``: ``data`` is the head of a
    longer file, so a character cut at its end is dropped rather than taken for a bad byte."""
    found = _encoding(data)
    if found is None:
        return None
    encoding, skip = found
    try:
        decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    except LookupError:
        return None
    text = safe_text(decoder.decode(data[skip:], final=complete))
    return None if _looks_binary(text) else text


def _cut(text: str, limit: int) -> tuple[str, int]:
    """``text`` cut to at most ``limit`` UTF-8 bytes, at a line end when one is near; (text, bytes kept)."""
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text, len(encoded)
    head = encoded[:limit].decode("utf-8", "ignore")
    line_end = head.rfind("\n")
    if line_end >= len(head) * 3 // 4:
        head = head[: line_end + 1]
    return head, len(head.encode("utf-8"))


def text_attachment(raw: RawFile, limits: AttachmentLimits) -> Attachment | None:
    """A text attachment of ``raw``, cut with a marker when longer than the limit; None when not text."""
    text = decode_text(raw.data, complete=raw.complete)
    if text is None:
        return None
    total = len(text.encode("utf-8")) if raw.complete else max(raw.total, len(raw.data))
    kept, kept_bytes = _cut(text, limits.text_bytes)
    note = None
    if kept_bytes < total or not raw.complete:
        more = "" if raw.complete or raw.total > len(raw.data) else "more than "
        note = f"cut at {human_size(kept_bytes)} of {more}{human_size(total)}"
        ending = "" if kept.endswith("\n") else "\n"
        kept = (
            f"{kept}{ending}[siliconchat: {raw.name} is cut here: only its first {human_size(kept_bytes)} "
            f"of {more}{human_size(total)} are attached (limit: text_attachment_max_kb)]\n"
        )
    return Attachment(raw.name, TEXT_TYPE, kept.encode("utf-8"), note=note)
