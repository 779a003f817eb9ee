"""Pasted text that names files: what a terminal pastes when a file is dropped on it.

Terminals paste a dropped file as its path: plain (``/home/me/cat.png``), quoted (``'/home/me/my cat.png'``),
with backslash-escaped spaces (``/home/me/my\\ cat.png``) or as a ``file://`` URL; several dropped files come
one per line or side by side on one line. :func:`pasted_files` says whether a paste is only that: every line
names existing regular files and nothing else. A bare name (``notes.md``) is not taken for a path, even when
such a file exists: a word in a prompt is more likely text than a file to attach; a path has a folder in it
(``./notes.md``, ``~/notes.md``, ``src/notes.md``) as every dropped file does.

Only ``stat`` is used (no file is opened here), so a FIFO or a device never blocks: they are not regular
files. Reading the files, and refusing them, is :func:`~siliconchat.core.attachments.attach_path`'s job.
"""

from __future__ import annotations

import os
import shlex
import stat
from pathlib import Path
from typing import Final
from urllib.parse import unquote, urlsplit

__all__ = ["MAX_PASTED_FILES", "pasted_files"]

MAX_PASTED_FILES: Final = 50
"""More lines than this are text, whatever they name."""
_MAX_CHARS: Final = 64 * 1024


def _is_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):  # missing, unreadable folder, a NUL in the name
        return False


def _as_path(word: str, base: Path) -> Path | None:
    """``word`` as the path of an existing regular file, or None (not a path, or no such file)."""
    if word.startswith("file://"):
        parts = urlsplit(word)
        if parts.netloc not in ("", "localhost"):
            return None
        word = unquote(parts.path)
    elif not ("/" in word or word.startswith("~")):
        return None
    path = base / Path(word).expanduser()
    return path if _is_file(path) else None


def _line_files(line: str, base: Path) -> list[Path] | None:
    """The files one pasted line names: the line as it is, or its shell words (quotes and backslash
    escapes undone), every one a file; None otherwise."""
    whole = _as_path(line, base)
    if whole is not None:
        return [whole]
    try:
        words = shlex.split(line)
    except ValueError:  # an unclosed quote: text
        return None
    found = [_as_path(word, base) for word in words]
    if not words or any(path is None for path in found):
        return None
    return [path for path in found if path is not None]


def pasted_files(text: str, base: Path | None = None) -> list[Path]:
    """The files ``text`` names when it is nothing but paths of existing regular files (relative ones from
    ``base``, default the working folder), in order and each once; ``[]`` when it is anything else."""
    if len(text) > _MAX_CHARS:
        return []
    lines = [line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = [line for line in lines if line]
    if not lines or len(lines) > MAX_PASTED_FILES:
        return []
    base = base if base is not None else Path.cwd()
    files: dict[Path, None] = {}
    for line in lines:
        found = _line_files(line, base)
        if found is None:
            return []
        files.update(dict.fromkeys(found))
    return list(files) if len(files) <= MAX_PASTED_FILES else []
