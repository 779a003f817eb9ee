"""The history's errors: one sentence that names the file."""

from __future__ import annotations

import sqlite3
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


def describe_sqlite_error(exc: sqlite3.Error) -> str:
    text = str(exc) or type(exc).__name__
    if "locked" in text or "busy" in text:
        return f"{text} (another siliconchat kept it busy for more than {BUSY_TIMEOUT_MS // 1000} s)"
    return text
