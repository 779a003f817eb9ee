"""Writing files so that a crash or a full disk never leaves a half-written one behind.

The data goes to a hidden temporary file in the same folder, is flushed to disk, and only then
takes the real name (``os.replace`` or, to never overwrite, a hard link).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

PRIVATE = 0o600  # config, history, transcripts: the user's own words and key


def write_temp(folder: Path, name: str, data: bytes, *, mode: int = PRIVATE) -> Path:
    """Write ``data`` to a new temporary file in ``folder`` (named after ``name``), synced to disk.
    The caller gives it its final name; on any error nothing is left behind."""
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        try:
            os.fchmod(fd, mode)  # before the first byte: a secret is never readable by others
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable, where the platform allows it."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def replace_atomically(path: Path, data: bytes, *, mode: int = PRIVATE) -> None:
    """Replace (or create) ``path`` with ``data`` in one step: readers see the old file or the new one."""
    tmp = write_temp(path.parent, path.name, data, mode=mode)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)
