"""Transcripts saved as new files: safe names, atomic writes, never an overwrite.

Files are written atomically (a temporary file, then a hard link to the final name, which fails rather than
replace an existing file), UTF-8, and never overwrite: ``name (2).md``, ``name (3).md`` …

A Markdown transcript's images are written beside it first, one file per content, named for the image and
its hash (``cat-1f2e3d4c5b6a.png``), and linked from it. A file of that name that already holds the same
bytes (the same conversation saved again) is linked as it is; one that holds other bytes is left alone and
the image gets a numbered name.
"""

from __future__ import annotations

import datetime as _dt
import errno
import os
import re
import stat
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

from siliconchat import paths
from siliconchat.core.conversation import Conversation
from siliconchat.core.files import fsync_dir, write_temp
from siliconchat.core.transcript.json_form import TranscriptError, to_json
from siliconchat.core.transcript.markdown_form import local_time, to_markdown

if TYPE_CHECKING:
    from siliconchat.core.attachments import Attachment

NAME_LIMIT: Final = 80  # characters in a file name's stem
NAME_BYTES: Final = 200  # and UTF-8 bytes (file systems allow 255)
FALLBACK_NAME: Final = "conversation"
FORMATS: Final = ("md", "json")
_WINDOWS_RESERVED: Final = frozenset(
    {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}
)
_BLANKED: Final = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"})  # unicodedata categories
IMAGE_STEM_LIMIT: Final = 40  # characters of the image's own name in the name of its file
IMAGE_HASH_DIGITS: Final = 12
_IMAGE_EXTENSIONS: Final = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif"}
_UNSAFE_CHARS = re.compile(r'[/\\:*?"<>|]')
_DOTS = re.compile(r"\.{2,}")


def _clean_name(title: str) -> str:
    """A title made safe as (part of) a file name on Linux, macOS and Windows."""
    text = unicodedata.normalize("NFC", title)
    # Control, format (bidi overrides, zero-width), surrogate and line/paragraph separator characters go;
    # other spaces become plain spaces.
    text = "".join(" " if unicodedata.category(char) in _BLANKED else char for char in text)
    text = _UNSAFE_CHARS.sub(" ", text)
    text = _DOTS.sub(".", text)  # no ".." anywhere
    text = " ".join(text.split())
    return text.strip(" .")  # no leading dot (hidden file), no trailing dot or space (Windows)


def _bounded(text: str, limit: int, max_bytes: int) -> str:
    if len(text) <= limit and len(text.encode("utf-8")) <= max_bytes:
        return text
    cut = text[:limit]
    while len(cut.encode("utf-8")) > max_bytes:
        cut = cut[:-1]
    space = cut.rfind(" ")
    if space >= len(cut) // 2:
        cut = cut[:space]
    return cut.rstrip(" .")


def transcript_filename(title: str, created: float | _dt.datetime, ext: str) -> str:
    """``"2026-11-24 1530 Why is the sky blue.md"``: the local date and time, then the sanitized title (no
    path separators, ``..``, control characters, leading dot or Windows device name; at most 80 characters
    in all before the extension), or "conversation" when nothing is left."""
    if not re.fullmatch(r"[A-Za-z0-9]{1,10}", ext):
        raise ValueError(f"not a file extension: {ext!r}")
    when = created if isinstance(created, _dt.datetime) else local_time(created)
    stamp = when.strftime("%Y-%m-%d %H%M")
    name = _clean_name(title)
    if name.split(".")[0].upper() in _WINDOWS_RESERVED:
        name = f"{name} conversation"
    name = _bounded(name, NAME_LIMIT - len(stamp) - 1, NAME_BYTES) or FALLBACK_NAME
    return f"{stamp} {name}.{ext}"


def _numbered(name: str, n: int) -> str:
    if n == 1:
        return name
    stem, dot, ext = name.rpartition(".")
    return f"{stem} ({n}).{ext}" if dot else f"{name} ({n})"


def _publish(tmp: Path, target: Path) -> bool:
    """Give the finished temporary file its final name unless that name exists; False if it does."""
    try:
        os.link(tmp, target)  # atomic, and fails instead of replacing an existing file
        return True
    except FileExistsError:
        return False
    except OSError:
        pass  # no hard links on this file system: reserve the name exclusively, then replace our own file
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        return False
    os.close(fd)
    os.replace(tmp, target)
    return True


def write_new_file(path: Path, data: bytes, *, numbered: bool = False) -> Path:
    """Write ``data`` to a new file atomically and return its path. An existing file is never
    overwritten: with ``numbered`` the name gets " (2)", " (3)" …; without, FileExistsError."""
    path = Path(path)
    return _write_new(path.parent, path.name, data, start=1, numbered=numbered)


def _write_new(folder: Path, name: str, data: bytes, *, start: int, numbered: bool) -> Path:
    tmp = write_temp(folder, name, data)
    try:
        n = start
        while True:
            target = folder / _numbered(name, n)
            if _publish(tmp, target):
                break
            if not numbered:
                raise FileExistsError(errno.EEXIST, "File exists", str(target))
            n += 1
            if n > start + 10_000:
                raise FileExistsError(errno.EEXIST, "Too many files with this name", str(folder / name))
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(folder)
    return target


def image_filename(attachment: Attachment) -> str:
    """``"cat-1f2e3d4c5b6a.png"``: the image's own name without its extension, made safe as in
    :func:`transcript_filename` (or "image"), then the start of its content hash and the extension of its
    type."""
    stem = _clean_name(attachment.name.rpartition(".")[0] or attachment.name)
    if stem.split(".")[0].upper() in _WINDOWS_RESERVED:
        stem = f"{stem} image"
    stem = _bounded(stem, IMAGE_STEM_LIMIT, NAME_BYTES // 2) or "image"
    ext = _IMAGE_EXTENSIONS.get(attachment.media_type, "img")
    return f"{stem}-{attachment.sha256[:IMAGE_HASH_DIGITS]}.{ext}"


def _holds(path: Path, data: bytes) -> bool:
    """Whether ``path`` is a regular file (not a link, FIFO or device: nothing that could hang) holding
    exactly ``data``."""
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def write_images(conversation: Conversation, folder: Path, *, all_branches: bool = False) -> dict[str, str]:
    """Write each image of the conversation's active path (``all_branches``: of its whole tree), once per
    content, into ``folder``, which exists; returns each image's content hash mapped to its file's name, for
    :func:`to_markdown`."""
    names: dict[str, str] = {}
    for message in conversation.tree if all_branches else conversation.messages:
        for attachment in message.attachments:
            if attachment.kind != "image" or attachment.sha256 in names:
                continue
            name = image_filename(attachment)
            n = 1
            while os.path.lexists(target := folder / _numbered(name, n)) and not _holds(
                target, attachment.data
            ):
                n += 1
            if not os.path.lexists(target):
                target = _write_new(folder, name, attachment.data, start=n, numbered=True)
            names[attachment.sha256] = target.name
    return names


def write_markdown(conversation: Conversation, path: Path, *, all_branches: bool = False) -> Path:
    """Write the conversation as a new Markdown file at ``path`` (FileExistsError if it exists), its images
    beside it; returns the path. ``all_branches``: every branch, not only the active path."""
    path = Path(path)
    images = write_images(conversation, path.parent, all_branches=all_branches)
    markdown = to_markdown(conversation, images, all_branches=all_branches)
    return write_new_file(path, markdown.encode("utf-8"))


def save_transcript(
    conversation: Conversation,
    folder: Path | None = None,
    formats: Sequence[str] = FORMATS,
    *,
    all_branches: bool = False,
) -> list[Path]:
    """Save the conversation as new files in ``folder`` (default ``paths.default_transcript_dir()``,
    created with mode 0700): one per format, "md" and/or "json". Returns the paths written; formats
    share a name (and a number, when a name was taken). Raises TranscriptError (OSError inside).
    ``all_branches``: the Markdown holds every branch (the JSON always does)."""
    folder = Path(folder) if folder is not None else paths.default_transcript_dir()
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ValueError(f"formats must be among {FORMATS}, not {list(formats)!r}")
    names = {fmt: transcript_filename(conversation.title, conversation.created_at, fmt) for fmt in formats}
    try:
        paths.ensure_dir(folder)
        rendered = {
            "md": lambda: to_markdown(
                conversation,
                write_images(conversation, folder, all_branches=all_branches),
                all_branches=all_branches,
            ),
            "json": lambda: to_json(conversation),
        }
        data = {fmt: rendered[fmt]().encode("utf-8") for fmt in formats}
        # The first number free for every format, so that "x (2).md" goes with "x (2).json".
        n = 1
        while any(os.path.lexists(folder / _numbered(names[fmt], n)) for fmt in formats):
            n += 1
        written = []
        for fmt in formats:
            written.append(_write_new(folder, names[fmt], data[fmt], start=n, numbered=True))
    except OSError as exc:
        raise TranscriptError(f"cannot save the transcript in {folder}: {exc.strerror or exc}") from None
    return written
