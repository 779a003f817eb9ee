"""Reading a file to attach, safely: never hanging, never following a link out of the working folder.

A path is looked at (``stat``) before it is opened: a folder, a named pipe (FIFO), a device or a socket is
refused by name without being opened, since opening a FIFO waits for a writer and opening a device may do
something. The file is then opened without following a symbolic link in its last component and without
blocking (``O_NOFOLLOW | O_NONBLOCK``), and checked again on the open descriptor, so that a file swapped
for a pipe or a link between the two looks is refused too.

Symbolic links: a path inside the working folder that leads out of it through a link (``notes.md ->
~/.ssh/id_ed25519`` in a cloned repository) is refused, and so is a link to a file outside it. A file
outside the working folder that the user names directly is read.

Only what can be used is read: a file larger than :attr:`AttachmentLimits.file_bytes` is read up to a head
long enough for a text to be cut (:class:`RawFile` ``complete=False``); an image that large is refused.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO, Final

from siliconchat.core.attachments.model import AttachmentError, AttachmentLimits
from siliconchat.core.sanitize import sanitize_line
from siliconchat.core.text import safe_text

__all__ = ["STDIN_NAME", "RawFile", "read_path", "read_stream", "shown_name"]

STDIN_NAME: Final = "stdin"
_READ_CHUNK: Final = 1024 * 1024
_OPEN_FLAGS: Final = (
    os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
)


@dataclass(frozen=True)
class RawFile:
    """The bytes of a file to attach: all of them (``complete``), or a head of a file too large to read
    whole; ``total`` is its size (a lower bound for a stream that was not read to its end)."""

    name: str
    data: bytes
    total: int
    complete: bool


def shown_name(path: str | os.PathLike[str]) -> str:
    """The file name as shown and sent: the last component, made safe text on one line."""
    name = os.path.basename(os.fspath(path).rstrip(os.sep)) or os.fspath(path)
    return sanitize_line(safe_text(name), 200) or "file"


def _special(mode: int) -> str | None:
    """What a file that is not a regular file is, in words (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder (attach the files in it one by one)"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO), not a file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a file"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file"
    return "not a regular file"


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _resolve(path: str | os.PathLike[str], cwd: str, name: str) -> str:
    """The real path to open; refuses a path that a symbolic link takes out of ``cwd``."""
    absolute = os.path.abspath(os.path.join(cwd, os.fspath(path)))
    real = os.path.realpath(absolute)
    base = os.path.realpath(cwd)
    if real == absolute or _within(real, base):
        return real
    if _within(absolute, os.path.abspath(cwd)) or os.path.islink(absolute):
        raise AttachmentError(
            f"{name} is a symbolic link to a file outside the working folder ({sanitize_line(real, 120)}); "
            "it was not attached. Attach the file by its own path if you mean to send it."
        )
    return real


def _os_problem(exc: OSError, name: str, *, seen: bool) -> AttachmentError:
    if isinstance(exc, FileNotFoundError):
        if seen:
            return AttachmentError(f"{name} vanished while it was being attached; nothing was attached.")
        return AttachmentError(f"{name} does not exist.")
    if isinstance(exc, PermissionError):
        return AttachmentError(f"{name} cannot be read: permission denied.")
    if exc.errno == errno.ELOOP:
        return AttachmentError(
            f"{name} changed into a symbolic link while it was being attached; not attached."
        )
    if isinstance(exc, IsADirectoryError):
        return AttachmentError(f"{name} is a folder (attach the files in it one by one).")
    return AttachmentError(f"{name} cannot be read ({exc.strerror or exc}).")


def _read_limited(read: Callable[[int], bytes], limit: int) -> bytes:
    """Up to ``limit`` bytes from ``read`` (which returns b"" at the end)."""
    parts: list[bytes] = []
    left = limit
    while left > 0:
        part = read(min(_READ_CHUNK, left))
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _head_limit(limits: AttachmentLimits) -> int:
    """How much of a file too large to read whole is read: enough for a text cut at its limit (a few
    bytes more complete the last character, whatever its encoding)."""
    return limits.text_bytes * 4 + 16


def read_path(
    path: str | os.PathLike[str], limits: AttachmentLimits, *, cwd: str | os.PathLike[str] | None = None
) -> RawFile:
    """Read the file at ``path`` (relative to ``cwd``, default the working folder) to attach it. Raises
    :class:`AttachmentError` naming the file when it is missing, unreadable, special or a link out."""
    name = shown_name(path)
    folder = os.fspath(cwd) if cwd is not None else os.getcwd()
    real = _resolve(os.path.expanduser(os.fspath(path)), folder, name)
    try:
        info = os.stat(real)
    except OSError as exc:
        raise _os_problem(exc, name, seen=False) from None
    problem = _special(info.st_mode)
    if problem is not None:
        raise AttachmentError(f"{name} is {problem}; it was not attached.")
    try:
        fd = os.open(real, _OPEN_FLAGS)
    except OSError as exc:
        raise _os_problem(exc, name, seen=True) from None
    try:
        opened = os.fstat(fd)
        problem = _special(opened.st_mode)
        if problem is not None:  # swapped between the two looks
            raise AttachmentError(f"{name} is {problem}; it was not attached.")
        whole = opened.st_size <= limits.file_bytes
        limit = limits.file_bytes + 1 if whole else _head_limit(limits)
        try:
            data = _read_limited(lambda size: os.read(fd, size), limit)
        except OSError as exc:
            raise _os_problem(exc, name, seen=True) from None
    finally:
        os.close(fd)
    complete = whole and len(data) <= limits.file_bytes  # it may have grown since fstat
    return RawFile(name, data, max(opened.st_size, len(data)), complete)


def read_stream(stream: BinaryIO, limits: AttachmentLimits, name: str = STDIN_NAME) -> RawFile:
    """Read piped bytes to attach (``ask -a -``): all of them up to the limit per attachment; beyond it,
    the rest is not read (a text is cut, anything else refused)."""
    try:
        data = _read_limited(stream.read, limits.file_bytes + 1)
    except OSError as exc:
        raise AttachmentError(f"{name} cannot be read ({exc.strerror or exc}).") from None
    complete = len(data) <= limits.file_bytes
    return RawFile(name, data, len(data), complete)
