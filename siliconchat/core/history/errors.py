"""The history's errors: one sentence that names the file."""

from __future__ import annotations

import errno
import sqlite3
import tempfile
from pathlib import Path
from typing import Final

BUSY_TIMEOUT_MS: Final = 5000  # how long a writer waits for another instance's transaction


class HistoryError(Exception):
    """The history database cannot be used: ``str()`` is one sentence that names the file."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"History database {self.path}: {reason}")


class ConversationNotFound(HistoryError):
    """No conversation with this id (it may have been deleted by another instance)."""

    def __init__(self, path: Path, conversation_id: int) -> None:
        self.conversation_id = conversation_id
        super().__init__(path, f"there is no conversation {conversation_id}")


def describe_sqlite_error(
    exc: sqlite3.Error, path: Path | None = None, *, busy_ms: int = BUSY_TIMEOUT_MS
) -> str:
    """What went wrong, in words a user can act on. With ``path``, a read-only file or folder and a full disk
    are told apart (by trying to create a file in the folder) and named."""
    text = str(exc) or type(exc).__name__
    if "locked" in text or "busy" in text:
        return f"{text} (another program held its write lock for more than {busy_ms / 1000:g} s)"
    if path is None:
        return text
    if "full" in text:
        return f"no space left on the disk that holds {path.parent} ({text})"
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        folder = folder_problem(path.parent)
        if folder is not None:
            return f"{folder} ({text})"
        if "unable to open" not in text:
            return f"the file is read-only: siliconchat cannot write to it ({text})"
    return text


def folder_problem(folder: Path) -> str | None:
    """Why no file can be created in ``folder`` (read-only, no space, no permission), or None if one can.
    Tries it: file modes alone do not tell (root ignores them; a read-only mount or an immutable folder
    refuses even root)."""
    try:
        with tempfile.TemporaryFile(dir=folder, prefix=".history-probe-"):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if exc.errno == errno.ENOSPC:
            return f"no space left on the disk that holds {folder} ({reason})"
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return f"its folder {folder} is read-only: no file can be created there ({reason})"
        return f"no file can be created in its folder {folder} ({reason})"
    return None
