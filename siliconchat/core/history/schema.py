"""The schema and its migrations, and opening a connection: checking the file, then setting it up."""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

from siliconchat.core.history.attachment_rows import create_tables
from siliconchat.core.history.check import check_problems
from siliconchat.core.history.errors import (
    BUSY_TIMEOUT_MS,
    HistoryError,
    describe_sqlite_error,
    folder_problem,
)

MMAP_BYTES: Final = 256 * 1024 * 1024
"""Pages are read through a memory map of the file (up to this size) instead of being copied: scans such
as a search for one or two characters (``LIKE``: the trigram index needs three) and ``quick_check`` take
about a third less time."""


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

# The search index: external-content FTS5 (the text is stored once, in messages) with the ``trigram``
# tokenizer, which indexes every three characters, so that any substring of three or more characters — a
# Latin word or part of one, a CJK word (FTS5's word tokenizers see a run of CJK text as one word) — is
# found through the index. ``detail=column`` keeps which column holds each trigram (a content-only search
# skips reasoning) but not where: the index is a filter, and the same LIKE as the scan decides each row, so
# both give the same results (``search.py``).
#
# It holds the settled messages, not those still streaming: a streaming answer is saved every second, and
# indexing it anew each time (all its trigrams out, all in again) made each save cost in proportion to the
# answer (0.9 s for 1 MB, so that the saves of a long answer were still running when it ended and Ctrl+Q
# waited for them). A message is indexed when it settles; the few still marked streaming (one being written,
# or one a crash left) are listed by the partial index ``messages_streaming``, and a search reads them too.
# A message is indexed anew only when its text changes (switching branches rewrites its other columns).
SEARCH_TABLE: Final = "messages_trigram"
STREAMING: Final = "streaming"
_SEARCH_INDEX: Final = f"""
CREATE VIRTUAL TABLE IF NOT EXISTS {SEARCH_TABLE} USING fts5 (
    content, reasoning, content = 'messages', content_rowid = 'id', tokenize = 'trigram', detail = column
)"""
_SETTLED: Final = f"state != '{STREAMING}'"
_SEARCH_TRIGGERS: Final = {
    f"{SEARCH_TABLE}_insert": f"""
CREATE TRIGGER {SEARCH_TABLE}_insert AFTER INSERT ON messages WHEN new.{_SETTLED} BEGIN
    INSERT INTO {SEARCH_TABLE} (rowid, content, reasoning) VALUES (new.id, new.content, new.reasoning);
END""",
    f"{SEARCH_TABLE}_delete": f"""
CREATE TRIGGER {SEARCH_TABLE}_delete AFTER DELETE ON messages WHEN old.{_SETTLED} BEGIN
    INSERT INTO {SEARCH_TABLE} ({SEARCH_TABLE}, rowid, content, reasoning)
        VALUES ('delete', old.id, old.content, old.reasoning);
END""",
    f"{SEARCH_TABLE}_update": f"""
CREATE TRIGGER {SEARCH_TABLE}_update AFTER UPDATE OF content, reasoning, state ON messages
WHEN old.content IS NOT new.content OR old.reasoning IS NOT new.reasoning
    OR (old.{_SETTLED}) IS NOT (new.{_SETTLED}) BEGIN
    INSERT INTO {SEARCH_TABLE} ({SEARCH_TABLE}, rowid, content, reasoning)
        SELECT 'delete', old.id, old.content, old.reasoning WHERE old.{_SETTLED};
    INSERT INTO {SEARCH_TABLE} (rowid, content, reasoning)
        SELECT new.id, new.content, new.reasoning WHERE new.{_SETTLED};
END""",
}
_STREAMING_INDEX: Final = (
    f"CREATE INDEX IF NOT EXISTS messages_streaming ON messages (id) WHERE state = '{STREAMING}'"
)
# Versions 2 indexed words (FTS5 ``unicode61``, table messages_fts): it could not find CJK words or parts
# of words, so version 3 replaces it.
_LEGACY_TABLE: Final = "messages_fts"
_LEGACY_TRIGGERS: Final = ("messages_fts_insert", "messages_fts_delete", "messages_fts_update")


def _migrate_v1(conn: sqlite3.Connection) -> None:
    _run_script(conn, _V1)


def _migrate_v2(conn: sqlite3.Connection) -> None:
    _run_script(conn, _V2)


def _migrate_v4(conn: sqlite3.Connection) -> None:
    """The word index gives way to the trigram index (built here, in the migration's transaction, where
    this SQLite has it; else by :func:`_sync_search` under a build that has it)."""
    _drop_legacy_index(conn)
    if _fts5_available(conn):
        _create_search_index(conn)


def _migrate_v6(conn: sqlite3.Connection) -> None:
    """The search index leaves out the messages still streaming (see ``_SEARCH_TRIGGERS``): their entries go,
    the triggers are replaced, and ``messages_streaming`` lists those messages."""
    conn.execute(_STREAMING_INDEX)
    installed = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall())
    current = all(installed.get(name) == sql.strip() for name, sql in _SEARCH_TRIGGERS.items())
    # Current already when this run's step 4 made the index; taking the streaming messages out twice would
    # corrupt it.
    if not current and SEARCH_TABLE in _names(conn, "table") and _fts5_available(conn):
        for name in _SEARCH_TRIGGERS:
            conn.execute(f"DROP TRIGGER IF EXISTS {name}")
        _unindex_streaming(conn)
        for sql in _SEARCH_TRIGGERS.values():
            conn.execute(sql)
    # Without FTS5 here the triggers are not there (``_sync_fts``); a build with it creates the new ones.


def _unindex_streaming(conn: sqlite3.Connection) -> None:
    """Take the messages still streaming out of the search index (they are in it as they are now)."""
    conn.execute(
        f"INSERT INTO {SEARCH_TABLE} ({SEARCH_TABLE}, rowid, content, reasoning)"
        f" SELECT 'delete', id, content, reasoning FROM messages WHERE state = '{STREAMING}'"
    )


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
        _set_linear_parents(conn)
    if "chosen" not in columns:
        conn.execute("ALTER TABLE messages ADD COLUMN chosen REAL")
    conn.execute("CREATE INDEX IF NOT EXISTS messages_by_parent ON messages (parent_id)")


def _set_linear_parents(conn: sqlite3.Connection) -> None:
    """Each message's parent is the message before it in its conversation (by position), in two ordered
    passes: a window over the ``(conversation_id, position)`` index (it holds the ids: no message is read)
    fills a temporary table in id order, then every message is written once, in id order, each finding its
    parent in that table by primary key. (A subquery per message that searched the index for the previous
    position jumps about the file: 2,000,000 messages in a 4.6 GB file took 1.5-3.5 times as long.)"""
    conn.execute("DROP TABLE IF EXISTS temp.tree_parents")
    conn.execute("CREATE TEMP TABLE tree_parents (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL)")
    conn.execute(
        "INSERT INTO temp.tree_parents (id, parent_id) SELECT id, parent_id FROM (SELECT id,"
        " LAG(id) OVER (PARTITION BY conversation_id ORDER BY position) AS parent_id FROM messages)"
        " WHERE parent_id IS NOT NULL ORDER BY id"
    )
    # A lookup by primary key per message (as fast here as UPDATE ... FROM, which needs SQLite 3.33).
    conn.execute(
        "UPDATE messages SET parent_id = (SELECT t.parent_id FROM temp.tree_parents AS t WHERE t.id = messages.id)"
    )
    conn.execute("DROP TABLE temp.tree_parents")


# MIGRATIONS[n] takes a file from version n to n + 1. Version 3: attachments (attachment_rows.py); version 4:
# the trigram search index; version 5: conversations as trees; version 6: the index without the messages
# still streaming.
MIGRATIONS: Final[Sequence[Callable[[sqlite3.Connection], None]]] = (
    _migrate_v1,
    _migrate_v2,
    create_tables,
    _migrate_v4,
    _migrate_tree,
    _migrate_v6,
)
SCHEMA_VERSION: Final = len(MIGRATIONS)


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    # Not executescript(): it would COMMIT the surrounding transaction first.
    for statement in script.split(";\n"):
        if statement.strip():
            conn.execute(statement)


def _fts5_available(conn: sqlite3.Connection) -> bool:
    """Whether this SQLite has FTS5 with its ``trigram`` tokenizer (SQLite 3.34 and later)."""
    try:
        conn.execute("CREATE VIRTUAL TABLE temp.fts5_probe USING fts5 (x, tokenize = 'trigram')")
        conn.execute("DROP TABLE temp.fts5_probe")
        return True
    except sqlite3.Error:
        return False


def _names(conn: sqlite3.Connection, kind: str) -> set[str]:
    return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = ?", (kind,))}


def _drop_legacy_index(conn: sqlite3.Connection) -> None:
    """Drop the version 2 word index and its triggers. Its table can only be dropped where FTS5 exists
    (dropping a virtual table needs its module); without its triggers it is inert until then."""
    for name in _LEGACY_TRIGGERS:
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    if _LEGACY_TABLE in _names(conn, "table"):
        with contextlib.suppress(sqlite3.OperationalError):  # "no such module: fts5"
            conn.execute(f"DROP TABLE {_LEGACY_TABLE}")


def _create_search_index(conn: sqlite3.Connection) -> None:
    """Create the index and its triggers and fill it from the messages (in the caller's transaction)."""
    for name in _SEARCH_TRIGGERS:
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    conn.execute(_SEARCH_INDEX)
    for sql in _SEARCH_TRIGGERS.values():
        conn.execute(sql)
    conn.execute(f"INSERT INTO {SEARCH_TABLE} ({SEARCH_TABLE}) VALUES ('rebuild')")  # every message
    _unindex_streaming(conn)


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
            problems = check_problems(conn, path.stat().st_size)
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
    """Take the file to :data:`SCHEMA_VERSION` in one transaction: a crash or an error leaves it as it was.

    Foreign keys are not enforced meanwhile (SQLite's advice for schema changes; the setting cannot change
    inside a transaction): the migrations delete nothing and only link rows to rows that exist, and checking
    each message the tree migration rewrites doubled its CPU time."""
    if int(conn.execute("PRAGMA user_version").fetchone()[0]) == SCHEMA_VERSION:
        return
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
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
    finally:
        conn.execute("PRAGMA foreign_keys = ON")


def _sync_fts(conn: sqlite3.Connection) -> bool:
    """Make the search index match this SQLite build: set it up (and fill it) where FTS5 with ``trigram``
    exists; where it does not, drop the triggers (they would make every write fail) so that another build
    fills it again. Also drops a word index that a migration without FTS5 had to leave."""
    available = _fts5_available(conn)
    if _search_in_sync(conn, available):
        return available
    conn.execute("BEGIN IMMEDIATE")
    try:
        if not _search_in_sync(conn, available):  # again under the write lock: another instance may have
            _drop_legacy_index(conn)  # done it meanwhile (filling the index takes a while)
            for name in set(_SEARCH_TRIGGERS) & _names(conn, "trigger"):
                conn.execute(f"DROP TRIGGER {name}")
            if available:
                _create_search_index(conn)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return available


def _search_in_sync(conn: sqlite3.Connection, available: bool) -> bool:
    triggers = _names(conn, "trigger") & set(_SEARCH_TRIGGERS)
    if not available:
        return not triggers
    return len(triggers) == len(_SEARCH_TRIGGERS) and _LEGACY_TABLE not in _names(conn, "table")
