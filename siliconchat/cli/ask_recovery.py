"""``ask`` and a history that stays busy: its turn goes to a recovery file, and the next start imports it.

Another process may hold the history's write lock for longer than a write waits (the store's busy timeout).
``ask`` does not wait for it: the answer streams all the same and, at the end, a turn that could not be
saved in full is written as a recovery file beside the history (:mod:`siliconchat.core.history.recovery`,
the files the TUI writes at exit when its saves stayed queued). Every start of ``ask`` and of the TUI
imports such files; the ids in a file say which of its messages the history already holds.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from siliconchat.core.conversation import Conversation
    from siliconchat.core.history import HistoryStore

IMPORT_BUSY_MS = 250
"""How long importing waits for another process's write lock: a busy history leaves the files for later,
and the turn itself must not wait for them."""


def import_kept_turns(store: HistoryStore, err: TextIO) -> None:
    """Import the recovery files beside ``store`` (leaving them if it is busy); say what was added."""
    from siliconchat.core.history import BUSY_TIMEOUT_MS
    from siliconchat.core.history.recovery import RECOVERY_GLOB, import_recovered
    from siliconchat.core.sanitize import sanitize_line

    folder = store.path.parent
    if not any(folder.glob(RECOVERY_GLOB)):
        return
    store.set_busy_timeout(IMPORT_BUSY_MS)
    try:
        titles = import_recovered(store, folder)
    finally:
        store.set_busy_timeout(BUSY_TIMEOUT_MS)
    if titles:
        named = ", ".join(repr(sanitize_line(title, 60)) for title in titles)
        err.write(f"siliconchat: added to the history what an earlier run could not save: {named}\n")
        err.flush()


def keep_turn(conversation: Conversation, history: Path, err: TextIO) -> Path | None:
    """Write ``conversation`` (its turn not fully saved) to a recovery file beside ``history``; say where.
    None when even that failed (the message says so)."""
    from siliconchat.core.history.recovery import write_recovery
    from siliconchat.core.sanitize import sanitize_line

    try:
        [path] = write_recovery(history.parent, [conversation])
    except OSError as exc:
        err.write(f"siliconchat: warning: this turn could not be kept for the history either: {exc}\n")
        err.flush()
        return None
    err.write(
        f"siliconchat: this turn is kept in {sanitize_line(str(path))}; the next siliconchat adds it to the "
        "history\n"
    )
    err.flush()
    return path
