"""The schema and its migrations, and opening a connection: checking the file, then setting it up."""

from __future__ import annotations

import functools
import os
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

from siliconchat.core.history.attachment_rows import create_tables
from siliconchat.core.history.errors import (
    BUSY_TIMEOUT_MS,
    HistoryError,
    describe_sqlite_error,
    folder_problem,
)

MMAP_BYTES: Final = 256 * 1024 * 1024
"""Pages are read through a memory map of the file (up to this size) instead of being copied: scans such
as a CJK search (``LIKE``: FTS5 cannot split CJK words) and ``quick_check`` take about a third less time."""


_V1: Final = """
CREATE TABLE conversations (
    id            INTEGER PRIMARY KEY,
    title         TEXT NOT NULL DEFAULT '',
    created       REAL NOT NULL,
    updated       REAL NOT NULL,
    system_prompt TEXT,
    params        TEXT NOT NULL DEFAULT '{}',
    model         TEXT
);
CREATE INDEX conversations_by_activity ON conversations (updated, id);
CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
    content         TEXT NOT NULL DEFAULT '',
    reasoning       TEXT NOT NULL DEFAULT '',
    model           TEXT,
    usage           TEXT,
    finish_reason   TEXT,
    error           TEXT,
    created         REAL NOT NULL,
    UNIQUE (conversation_id, position)
);
"""

# Version 2: how each answer ended and its timings (v1 only had an error text), and full-text search.
_V2: Final = """
ALTER TABLE messages ADD COLUMN state TEXT NOT NULL DEFAULT 'complete';
ALTER TABLE messages ADD COLUMN timings TEXT;
UPDATE messages SET state = CASE WHEN content = '' THEN 'failed' ELSE 'incomplete' END
    WHERE error IS NOT NULL AND role = 'assistant';
"""

# External-content FTS5: the text is stored once (in messages); the index follows it through triggers.
_FTS_TABLE: Final = """
CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5 (
    content, reasoning, content = 'messages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
)
"""
_FTS_TRIGGERS: Final = {
    "messages_fts_insert": """
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, content, reasoning) VALUES (new.id, new.content, new.reasoning);
END""",
    "messages_fts_delete": """
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content, reasoning)
        VALUES ('delete', old.id, old.content, old.reasoning);
END""",
    "messages_fts_update": """
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content, reasoning ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content, reasoning)
        VALUES ('delete', old.id, old.content, old.reasoning);
    INSERT INTO messages_fts (rowid, content, reasoning) VALUES (new.id, new.content, new.reasoning);
END""",
}


def _migrate_v1(conn: sqlite3.Connection) -> None:
    _run_script(conn, _V1)


def _migrate_v2(conn: sqlite3.Connection) -> None:
    _run_script(conn, _V2)
    # The search index is set up by _sync_fts (it depends on the SQLite build, not on the version).


def _migrate_tree(conn: sqlite3.Connection) -> None:
    """Conversations become trees: each message gets its parent (``parent_id``; NULL for a first prompt) and
    when it was last put on the active path (``chosen``; NULL: when it was written). A linear conversation
    is the tree where each message's parent is the message before it, and that is what the old rows become.
    Runs inside the migration's one transaction (:func:`_migrate`): a crash leaves the file as it was."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(messages)")}
    if "parent_id" not in columns:
        conn.execute(
            "ALTER TABLE messages ADD COLUMN parent_id INTEGER REFERENCES messages (id) ON DELETE CASCADE"
        )
        conn.execute(
            "UPDATE messages SET parent_id = (SELECT p.id FROM messages p WHERE p.conversation_id ="
            " messages.conversation_id AND p.position < messages.position ORDER BY p.position DESC LIMIT 1)"
        )
    if "chosen" not in columns:
        conn.execute("ALTER TABLE messages ADD COLUMN chosen REAL")
    conn.execute("CREATE INDEX IF NOT EXISTS messages_by_parent ON messages (parent_id)")


# MIGRATIONS[n] takes a file from version n to n + 1. Version 3: attachments (attachment_rows.py); version 4:
# conversations as trees.
MIGRATIONS: Final[Sequence[Callable[[sqlite3.Connection], None]]] = (
    _migrate_v1,
    _migrate_v2,
    create_tables,
    _migrate_tree,
)
SCHEMA_VERSION: Final = len(MIGRATIONS)


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    # Not executescript(): it would COMMIT the surrounding transaction first.
    for statement in script.split(";\n"):
        if statement.strip():
            conn.execute(statement)


def _fts5_available(conn: sqlite3.Connection) -> bool:
    try:
        row = conn.execute("SELECT sqlite_compileoption_used('ENABLE_FTS5')").fetchone()
        if row and row[0]:
            return True
        conn.execute("CREATE VIRTUAL TABLE temp.fts5_probe USING fts5 (x)")  # loadable or built in
        conn.execute("DROP TABLE temp.fts5_probe")
        return True
    except sqlite3.Error:
        return False


def create_private_file(path: Path) -> bool:
    """Create an empty 0600 file if there is none (SQLite would create it 0644); True if created."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    except OSError as exc:
        problem = folder_problem(path.parent) or f"({exc.strerror or exc})"
        raise HistoryError(path, f"cannot create the file: {problem}") from None
    os.close(fd)
    return True


_decode_text: Final = functools.partial(str, encoding="utf-8", errors="replace")
"""How TEXT values are read. The default (``str``) raises on bytes that are not UTF-8, which SQLite does not
check on write; this costs ~0.4 µs more per value (measured: 9.9 ms instead of 8.2 ms for 4,000 values)."""


def connect(path: Path) -> sqlite3.Connection:
    try:
        # mode=rw: never let SQLite create a file somewhere we did not mean (ours exists by now).
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=rw",
            uri=True,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,  # transactions are explicit (BEGIN IMMEDIATE … COMMIT)
            check_same_thread=False,  # guarded by HistoryStore._lock; the TUI uses thread workers
        )
    except sqlite3.Error as exc:
        raise HistoryError(path, f"cannot open it: {describe_sqlite_error(exc, path)}") from None
    conn.text_factory = _decode_text
    return conn


def prepare(conn: sqlite3.Connection, path: Path, created: bool, *, checked: bool = False) -> bool:
    """Check the file, then set it up; nothing is written until the checks pass. ``checked``: its quick
    check already ran (see ``check.examine``). Returns whether FTS5 search is available."""
    untouched = "It was left untouched; move it away (or restore a backup) and siliconchat starts a new one."
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])  # reads the header: not-a-db fails
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError) and "locked" not in str(exc):
            # "unable to open" with a readable file: SQLite could not create the -wal and -shm beside it.
            folder = folder_problem(path.parent) if "unable to open" in str(exc) else None
            if folder is not None:
                raise HistoryError(
                    path,
                    f"cannot open it: {folder}; siliconchat needs to create its -wal and -shm files there. "
                    "The file was left untouched.",
                ) from None
            raise HistoryError(path, f"cannot read it ({exc}). {untouched}") from None
        raise HistoryError(path, f"it is not a SQLite database or is damaged ({exc}). {untouched}") from None
    if version > SCHEMA_VERSION:
        raise HistoryError(
            path,
            f"it was written by a newer siliconchat (schema version {version}; this version knows up to "
            f"{SCHEMA_VERSION}). Upgrade siliconchat to use it; it was left untouched.",
        )
    if version == 0 and not created and conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone():
        raise HistoryError(path, f"it is a SQLite database of some other program, not a history. {untouched}")
    if not created and version > 0 and not checked:
        try:
            problems = [row[0] for row in conn.execute("PRAGMA quick_check(3)").fetchall()]
        except sqlite3.DatabaseError as exc:
            problems = [str(exc)]
        if problems != ["ok"]:
            raise HistoryError(path, f"it is damaged ({'; '.join(problems)}). {untouched}")
    try:
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        _migrate(conn)
        return _sync_fts(conn)
    except sqlite3.Error as exc:
        raise HistoryError(path, f"cannot set it up: {describe_sqlite_error(exc, path)}") from None


def _migrate(conn: sqlite3.Connection) -> None:
    if int(conn.execute("PRAGMA user_version").fetchone()[0]) == SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Read again under the write lock: another instance may have migrated it meanwhile.
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        for step in range(version, SCHEMA_VERSION):
            MIGRATIONS[step](conn)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _sync_fts(conn: sqlite3.Connection) -> bool:
    """Make the search index match this SQLite build: set it up (and fill it) where FTS5 exists; where
    it does not, drop the triggers (they would make every write fail) so that another build re-fills it."""
    available = _fts5_available(conn)
    triggers = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    wanted = set(_FTS_TRIGGERS)
    if (available and wanted <= triggers) or (not available and not (wanted & triggers)):
        return available
    conn.execute("BEGIN IMMEDIATE")
    try:
        triggers = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        for name in wanted & triggers:
            conn.execute(f"DROP TRIGGER {name}")
        if available:
            conn.execute(_FTS_TABLE)
            for sql in _FTS_TRIGGERS.values():
                conn.execute(sql)
            conn.execute("INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return available
