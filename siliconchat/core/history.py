"""The conversation history: a SQLite database at ``paths.history_db()``.

Design notes (see DESIGN.md "Reliability and security"):

* Stdlib :mod:`sqlite3` only, WAL journal, ``foreign_keys=ON``, ``busy_timeout`` and short ``BEGIN
  IMMEDIATE`` write transactions, so two instances (two TUIs, a TUI and ``ask`` loops) can write at once
  without corrupting or losing anything. ``synchronous=NORMAL``: in WAL mode a killed process loses no
  committed transaction; only a power cut may lose the last ones.
* ``PRAGMA user_version`` is the schema version; :data:`MIGRATIONS` takes a file from any older version to
  :data:`SCHEMA_VERSION`. A file that is not a database, fails ``PRAGMA quick_check``, cannot be opened or has
  a newer schema raises :class:`HistoryError` naming the file, and is never written to, migrated or removed.
* The user message is committed before its request is sent; while an answer streams,
  :class:`StreamingSaver` checkpoints it at most (and, while events arrive, at least) every 2 s, so a
  ``kill -9`` loses at most the last 2 s of text. A message still marked ``streaming`` in the file belongs to a
  process that died (or to another instance, still running): :meth:`HistoryStore.load` shows it as
  ``incomplete`` and leaves the row alone.
* Search uses an FTS5 table over content and reasoning (separate columns, so reasoning can be left out),
  kept in sync by triggers. A SQLite built without FTS5 falls back to ``LIKE``; queries with CJK text use
  ``LIKE`` too, because FTS5's ``unicode61`` tokenizer sees a run of CJK characters as one word.
* Nothing here can hold the API key: parameters are :class:`ModelParams` (sampling settings only) and errors
  are passed through :func:`siliconchat.core.sanitize.redact` before they are stored.
* Text is UTF-8 both ways. What is written goes through :func:`siliconchat.core.text.safe_text` (a lone
  surrogate cannot be encoded for SQLite); what is read is decoded with ``errors="replace"``, so a row
  that another program wrote with bytes that are not UTF-8 shows U+FFFD where they are, instead of making
  its whole conversation unreadable.
* Every method is thread-safe (one connection, one lock), so the TUI may call the store from a thread
  worker. Calls are small: one short transaction each.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Final

from siliconchat import paths
from siliconchat.core.conversation import Conversation, Message, MessageState, ModelParams, Timings, Usage
from siliconchat.core.sanitize import redact, sanitize_line
from siliconchat.core.text import safe_text
from siliconchat.core.turn import TurnRecorder

__all__ = [
    "CHECKPOINT_INTERVAL",
    "INTERRUPTED",
    "SCHEMA_VERSION",
    "TITLE_LIMIT",
    "ConversationNotFound",
    "ConversationSummary",
    "HistoryError",
    "HistoryStore",
    "SearchHit",
    "StreamingSaver",
    "make_title",
]

CHECKPOINT_INTERVAL: Final = 2.0  # seconds between saves of a streaming answer
BUSY_TIMEOUT_MS: Final = 5000  # how long a writer waits for another instance's transaction
MMAP_BYTES: Final = 256 * 1024 * 1024
"""Pages are read through a memory map of the file (up to this size) instead of being copied: scans such
as a CJK search (``LIKE``: FTS5 cannot split CJK words) and ``quick_check`` take about a third less time."""
TITLE_LIMIT: Final = 60
INTERRUPTED: Final = "The answer was cut off: siliconchat closed while it was streaming."
SNIPPET_TOKENS: Final = 12
# Private-use characters mark the matched words in snippets: they survive sanitizing and cannot come from
# SQLite itself, so SearchHit.highlights can give exact spans.
_HL_OPEN: Final = "\ue000"
_HL_CLOSE: Final = "\ue001"
_ROLES: Final = frozenset({"system", "user", "assistant"})
_CJK = re.compile(r"[\u2e80-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\uff00-\uffef\U00020000-\U0003ffff]")


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


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    """One row of the sidebar / ``siliconchat history``. ``title`` is a sanitized single line."""

    id: int
    title: str
    model: str | None  # the model of the last answer
    created: float
    updated: float  # last activity (Unix time)
    message_count: int


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One matching message. ``snippet`` is one sanitized line; ``highlights`` are (start, end) offsets of
    the matched words in it. ``in_reasoning`` says the match is in the reasoning rather than the text."""

    conversation_id: int
    message_id: int
    role: str
    title: str
    model: str | None
    created: float  # when the message was written
    snippet: str
    highlights: tuple[tuple[int, int], ...]
    in_reasoning: bool = False


def make_title(text: str, limit: int = TITLE_LIMIT) -> str:
    """A conversation title from its first prompt: one sanitized line, cut at a word boundary."""
    line = sanitize_line(text)
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:  # a word boundary not too far back; else cut inside the long word
        cut = cut[:space]
    return cut.rstrip(" ,.;:-—") + "…"


# --------------------------------------------------------------------------------------------------------
# Schema

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


# MIGRATIONS[n] takes a file from version n to n + 1.
MIGRATIONS: Final[Sequence[Callable[[sqlite3.Connection], None]]] = (_migrate_v1, _migrate_v2)
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


# --------------------------------------------------------------------------------------------------------
# Conversions between rows and objects


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _loads(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None  # a hand-edited file: lose the detail, not the conversation


def _usage(text: str | None) -> Usage | None:
    data = _loads(text)
    try:
        return Usage.from_dict(data) if isinstance(data, dict) else None
    except (TypeError, ValueError):
        return None


def _timings(text: str | None) -> Timings:
    data = _loads(text)
    if not isinstance(data, dict):
        return Timings()
    values = {k: v for k, v in data.items() if k in ("first_token", "reasoning", "total")}
    return Timings(**{k: float(v) if isinstance(v, (int, float)) else None for k, v in values.items()})


def _timings_json(timings: Timings) -> str | None:
    data = {k: v for k, v in timings.to_dict().items() if v is not None and math.isfinite(v)}
    return _dumps(data) if data else None


def _params(text: str | None) -> ModelParams:
    data = _loads(text)
    try:
        return ModelParams.from_dict(data if isinstance(data, dict) else None)
    except (TypeError, ValueError):
        return ModelParams()


def _state(value: str, error: str | None) -> tuple[MessageState, str | None]:
    try:
        state = MessageState(value)
    except ValueError:
        state = MessageState.INCOMPLETE
    if state is MessageState.STREAMING:
        # Its process died mid-stream (or another instance is still streaming it): show what was saved.
        return MessageState.INCOMPLETE, error or INTERRUPTED
    return state, error


def _error(text: str | None) -> str | None:
    return redact(text, None) if text else None


_MESSAGE_COLUMNS: Final = (
    "id, role, content, reasoning, model, usage, timings, finish_reason, error, state, created"
)


def _message(row: sqlite3.Row | tuple[Any, ...]) -> Message:
    mid, role, content, reasoning, model, usage, timings, finish, error, state, created = row
    message_state, message_error = _state(state, error)
    return Message(
        role=role if role in _ROLES else "user",
        content=content or "",
        reasoning=reasoning or "",
        model=model,
        usage=_usage(usage),
        timings=_timings(timings),
        finish_reason=finish,
        error=message_error,
        state=message_state,
        created_at=created,
        id=mid,
    )


# --------------------------------------------------------------------------------------------------------
# The store


class HistoryStore:
    """The history database. Open with :meth:`open`; every method may raise :class:`HistoryError`."""

    def __init__(self, path: Path, conn: sqlite3.Connection, *, fts: bool) -> None:
        """Use :meth:`open`."""
        self.path = path
        self.fts = fts  # full-text search through FTS5 (else LIKE)
        self._conn: sqlite3.Connection | None = conn
        self._lock = threading.RLock()

    # -- opening ---------------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | None = None) -> HistoryStore:
        """Open (creating or migrating as needed) the database at ``path`` (default ``paths.history_db()``).

        A new folder is created with mode 0700 and a new file with mode 0600. Raises :class:`HistoryError`
        when the file is not a SQLite database, fails its quick check, cannot be opened or was written by a
        newer siliconchat; such a file is left exactly as it was.
        """
        path = Path(path) if path is not None else paths.history_db()
        try:
            paths.ensure_dir(path.parent)
        except OSError as exc:
            raise HistoryError(path, f"cannot create its folder ({exc.strerror or exc})") from None
        if path.is_dir():
            raise HistoryError(path, "this is a folder, not a database file")
        created = _create_private_file(path)
        conn = _connect(path)
        try:
            fts = _prepare(conn, path, created)
        except BaseException:
            conn.close()
            raise
        return cls(path, conn, fts=fts)

    def close(self) -> None:
        """Close the database (idempotent). The last connection folds the WAL back into the file."""
        with self._lock:
            if self._conn is not None:
                conn, self._conn = self._conn, None
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("PRAGMA optimize")
                conn.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"HistoryStore({str(self.path)!r})"

    # -- plumbing --------------------------------------------------------------------------------------

    def _fail(self, exc: sqlite3.Error, action: str) -> HistoryError:
        return HistoryError(self.path, f"cannot {action}: {_describe_sqlite_error(exc)}")

    @contextlib.contextmanager
    def _read(self, action: str) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = self._connection()
            try:
                yield conn
            except sqlite3.Error as exc:
                raise self._fail(exc, action) from exc

    @contextlib.contextmanager
    def _write(self, action: str) -> Iterator[sqlite3.Connection]:
        """One short write transaction. IMMEDIATE takes the write lock up front, so a second writer waits
        (busy_timeout) at BEGIN instead of failing with SQLITE_BUSY halfway through."""
        with self._lock:
            conn = self._connection()
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                if conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                raise self._fail(exc, action) from exc

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise HistoryError(self.path, "the history is closed")
        return self._conn

    # -- writing ---------------------------------------------------------------------------------------

    def create_conversation(self, conversation: Conversation) -> int:
        """Insert ``conversation`` and every message it holds that has no id yet, in one transaction; set
        their ids and return the conversation's. An empty title is made from the first user message."""
        if not conversation.title:
            first = next((m for m in conversation.messages if m.role == "user"), None)
            if first is not None:
                conversation.title = make_title(first.content)
        with self._write("save the conversation") as conn:
            cursor = conn.execute(
                "INSERT INTO conversations (title, created, updated, system_prompt, params, model)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    sanitize_line(conversation.title),
                    conversation.created_at,
                    conversation.updated_at,
                    _optional_text(conversation.system_prompt),
                    _dumps(conversation.params.to_dict()),
                    _optional_text(_last_model(conversation.messages)),
                ),
            )
            conversation_id = _rowid(cursor)
            pending = [m for m in conversation.messages if m.id is None]
            ids = [_insert_message(conn, conversation_id, pos, m) for pos, m in enumerate(pending)]
        # Only now that it is committed: after a failure the objects must still look unsaved.
        for message, message_id in zip(pending, ids, strict=True):
            message.id = message_id
        conversation.id = conversation_id
        return conversation_id

    def add_message(self, conversation_id: int, message: Message) -> int:
        """Append ``message`` (committed before this returns); set and return its id.

        Updates the conversation's last activity, its model (for an assistant message) and, when the
        conversation has no title yet, its title (from a user message)."""
        with self._write("save the message") as conn:
            row = conn.execute(
                "SELECT COALESCE(MAX(position), -1) + 1 FROM messages WHERE conversation_id = ?",
                (conversation_id,),
            ).fetchone()
            exists = conn.execute("SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)).fetchone()
            if exists is None:
                raise ConversationNotFound(self.path, conversation_id)
            message_id = _insert_message(conn, conversation_id, row[0], message)
            conn.execute(
                "UPDATE conversations SET updated = MAX(updated, ?), model = COALESCE(?, model),"
                " title = CASE WHEN title = '' THEN ? ELSE title END WHERE id = ?",
                (
                    message.created_at,
                    _optional_text(message.model) if message.role == "assistant" else None,
                    make_title(message.content) if message.role == "user" else "",
                    conversation_id,
                ),
            )
        message.id = message_id
        return message_id

    def append(self, conversation: Conversation, message: Message) -> int:
        """Save ``message``, just appended to ``conversation``: the first save of a new conversation creates
        it (with every message it holds), later ones add the message. Returns the message's id."""
        if conversation.id is None:
            self.create_conversation(conversation)
        if message.id is None:
            assert conversation.id is not None
            self.add_message(conversation.id, message)
        assert message.id is not None
        return message.id

    def update_message(self, message: Message) -> None:
        """Save a saved message's text, reasoning, usage, timings, finish reason, error and state."""
        if message.id is None:
            raise ValueError("update_message() needs a message that was saved (add_message) first")
        with self._write("save the message") as conn:
            conn.execute(
                "UPDATE messages SET content = ?, reasoning = ?, model = ?, usage = ?, timings = ?,"
                " finish_reason = ?, error = ?, state = ? WHERE id = ?",
                (*_changing_columns(message), message.id),
            )

    def update_conversation(self, conversation: Conversation) -> None:
        """Save a saved conversation's title, system prompt, parameters and last activity."""
        if conversation.id is None:
            raise ValueError("update_conversation() needs a conversation that was saved first")
        with self._write("save the conversation") as conn:
            cursor = conn.execute(
                "UPDATE conversations SET title = ?, system_prompt = ?, params = ?,"
                " updated = MAX(updated, ?) WHERE id = ?",
                (
                    sanitize_line(conversation.title),
                    _optional_text(conversation.system_prompt),
                    _dumps(conversation.params.to_dict()),
                    conversation.updated_at,
                    conversation.id,
                ),
            )
            if cursor.rowcount == 0:
                raise ConversationNotFound(self.path, conversation.id)

    def rename(self, conversation_id: int, title: str) -> str:
        """Set a conversation's title (sanitized to one line); return the title as saved."""
        clean = sanitize_line(title)
        with self._write("rename the conversation") as conn:
            cursor = conn.execute("UPDATE conversations SET title = ? WHERE id = ?", (clean, conversation_id))
            if cursor.rowcount == 0:
                raise ConversationNotFound(self.path, conversation_id)
        return clean

    def delete(self, conversation_id: int) -> bool:
        """Delete a conversation and its messages; False if it did not exist."""
        with self._write("delete the conversation") as conn:
            # After another connection changed the schema (its PRAGMA optimize on close can add
            # sqlite_stat1), SQLite 3.40's ON DELETE CASCADE fails once with "no such table: conversations";
            # reading the schema inside the transaction first brings this connection up to date.
            conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone()
            cursor = conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
            return cursor.rowcount > 0

    def delete_messages(self, message_ids: Iterable[int]) -> int:
        """Delete messages (e.g. a failed attempt the user retries, or answers being regenerated)."""
        ids = [(int(i),) for i in message_ids]
        with self._write("delete messages") as conn:
            # rowcount counts the statement's own rows, not the search index's trigger writes.
            return conn.executemany("DELETE FROM messages WHERE id = ?", ids).rowcount

    # -- reading ---------------------------------------------------------------------------------------

    def load(self, conversation_id: int) -> Conversation:
        """The conversation with its messages in order. A message whose process died while it streamed
        comes back as ``incomplete`` (the file is not changed). Raises :class:`ConversationNotFound`."""
        with self._read("read the conversation") as conn:
            row = conn.execute(
                "SELECT id, title, created, updated, system_prompt, params FROM conversations WHERE id = ?",
                (conversation_id,),
            ).fetchone()
            if row is None:
                raise ConversationNotFound(self.path, conversation_id)
            rows = conn.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? ORDER BY position",
                (conversation_id,),
            ).fetchall()
        return Conversation(
            title=row[1],
            system_prompt=row[4],
            params=_params(row[5]),
            messages=[_message(r) for r in rows],
            created_at=row[2],
            updated_at=row[3],
            id=row[0],
        )

    def latest(self) -> Conversation | None:
        """The conversation with the latest activity, or None when the history is empty."""
        with self._read("read the history") as conn:
            row = conn.execute(
                "SELECT id FROM conversations ORDER BY updated DESC, id DESC LIMIT 1"
            ).fetchone()
        if row is None:
            return None
        try:
            return self.load(row[0])
        except ConversationNotFound:  # deleted in between by another instance
            return self.latest()

    def list_conversations(self, limit: int | None = None, offset: int = 0) -> list[ConversationSummary]:
        """Conversations by last activity, newest first."""
        with self._read("list the conversations") as conn:
            rows = conn.execute(
                "SELECT c.id, c.title, c.model, c.created, c.updated,"
                " (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id)"
                " FROM conversations c ORDER BY c.updated DESC, c.id DESC LIMIT ? OFFSET ?",
                (-1 if limit is None else max(0, limit), max(0, offset)),
            ).fetchall()
        return [ConversationSummary(*row) for row in rows]

    def count(self) -> int:
        """How many conversations there are."""
        with self._read("count the conversations") as conn:
            return int(conn.execute("SELECT COUNT(*) FROM conversations").fetchone()[0])

    def search(self, text: str, *, include_reasoning: bool = False, limit: int = 50) -> list[SearchHit]:
        """Messages matching every word of ``text`` (prefixes match too: "astro" finds "astronomy"),
        newest first. Reasoning is searched only with ``include_reasoning``."""
        # Control characters never match (the tokenizer drops them) and a NUL would end the query early.
        words = [w for w in sanitize_line(text).split() if any(ch.isalnum() for ch in w)]
        if not words or limit <= 0:
            return []
        if self.fts and not any(_CJK.search(w) for w in words):
            return self._search_fts(words, include_reasoning, limit)
        return self._search_like(words, include_reasoning, limit)

    def _search_fts(self, words: list[str], include_reasoning: bool, limit: int) -> list[SearchHit]:
        phrases = ['"' + w.replace('"', '""') + '"*' for w in words]
        if include_reasoning:
            query = " AND ".join(phrases)
        else:
            query = " AND ".join(f"content : {p}" for p in phrases)
        snippet = f"snippet(messages_fts, {{col}}, '{_HL_OPEN}', '{_HL_CLOSE}', '…', {SNIPPET_TOKENS})"
        # Newest first: FTS5 walks its rowids backwards and stops at LIMIT, without scoring every match.
        sql = (
            "SELECT f.rowid, m.conversation_id, m.role, c.title, m.model, m.created, "
            f"{snippet.format(col=0)}, {snippet.format(col=1) if include_reasoning else 'NULL'} "
            "FROM messages_fts f JOIN messages m ON m.id = f.rowid "
            "JOIN conversations c ON c.id = m.conversation_id "
            "WHERE messages_fts MATCH ? ORDER BY f.rowid DESC LIMIT ?"
        )
        with self._read("search the history") as conn:
            rows = conn.execute(sql, (query, limit)).fetchall()
        hits = []
        for mid, cid, role, title, model, created, content_snip, reasoning_snip in rows:
            in_reasoning = _HL_OPEN not in (content_snip or "") and bool(reasoning_snip)
            raw = reasoning_snip if in_reasoning else content_snip
            line, spans = _highlighted(raw or "")
            hits.append(SearchHit(cid, mid, role, title, model, created, line, spans, in_reasoning))
        return hits

    def _search_like(self, words: list[str], include_reasoning: bool, limit: int) -> list[SearchHit]:
        # SQLite's LIKE ignores case for ASCII only; good enough for the fallback.
        patterns = ["%" + re.sub(r"([\\%_])", r"\\\1", w) + "%" for w in words]
        column = "(m.content || char(10) || m.reasoning)" if include_reasoning else "m.content"
        where = " AND ".join(f"{column} LIKE ? ESCAPE '\\'" for _ in patterns)
        sql = (
            "SELECT m.id, m.conversation_id, m.role, c.title, m.model, m.created, m.content, m.reasoning "
            f"FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE {where} "
            "ORDER BY m.id DESC LIMIT ?"
        )
        with self._read("search the history") as conn:
            rows = conn.execute(sql, (*patterns, limit)).fetchall()
        hits = []
        for mid, cid, role, title, model, created, content, reasoning in rows:
            in_reasoning = not _contains_any(content, words) and include_reasoning
            line, spans = _make_snippet(reasoning if in_reasoning else content, words)
            hits.append(SearchHit(cid, mid, role, title, model, created, line, spans, in_reasoning))
        return hits


# --------------------------------------------------------------------------------------------------------
# Streaming saves


class StreamingSaver:
    """Saves one assistant answer while it streams, for ``ask`` and the TUI alike.

    ``start()`` inserts the message (state ``streaming``); ``tick()`` is meant to be called for every event
    (or from a timer): it only reads a monotonic clock unless ``interval`` seconds passed since the last
    save, and then checkpoints the recorder's text into the message and saves it; ``finish()`` saves the
    final state. A history failure never reaches the stream: it is kept in ``error``, reported once to
    ``on_error``, and later saves are skipped.

    One turn, as ``ask`` runs it (the TUI does the same from its stream worker)::

        user = conversation.add_user(prompt)
        store.append(conversation, user)  # committed before the request is sent
        recorder = TurnRecorder(conversation.add_assistant(model))
        saver = StreamingSaver(store, conversation.id, recorder)
        saver.start()
        try:
            async for event in stream:
                recorder.apply(event)
                saver.tick()
        finally:
            if not recorder.done:
                recorder.stop()
            saver.finish()

    A checkpoint is one short transaction (about 4 ms for a 100 KB answer, FTS re-indexing included), so it
    may run on the event loop; a caller that prefers a thread can call ``save()`` there instead of ``tick()``.
    """

    __slots__ = (
        "_clock",
        "_due",
        "conversation_id",
        "error",
        "interval",
        "on_error",
        "recorder",
        "saves",
        "store",
    )

    def __init__(
        self,
        store: HistoryStore,
        conversation_id: int,
        recorder: TurnRecorder,
        *,
        interval: float = CHECKPOINT_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
        on_error: Callable[[HistoryError], None] | None = None,
    ) -> None:
        self.store = store
        self.conversation_id = conversation_id
        self.recorder = recorder
        self.interval = interval
        self.on_error = on_error
        self.error: HistoryError | None = None
        self.saves = 0  # checkpoints written (for tests and benchmarks)
        self._clock = clock
        self._due = math.inf  # no checkpoint before start()

    @property
    def message(self) -> Message:
        return self.recorder.message

    def start(self) -> None:
        """Insert the answer's message (state ``streaming``) before the first event arrives."""
        if self.error is None and self.message.id is None:
            self._guard(lambda: self.store.add_message(self.conversation_id, self.recorder.checkpoint()))
        self._due = self._clock() + self.interval

    def tick(self) -> bool:
        """Save a checkpoint if one is due; True when one was written."""
        if self._clock() < self._due:
            return False
        return self.save()

    def save(self) -> bool:
        """Checkpoint the text so far and save it now."""
        self._due = self._clock() + self.interval
        if self.error is not None:
            return False
        if self.message.id is None:
            self.start()
            return self.error is None
        saved = self._guard(lambda: self.store.update_message(self.recorder.checkpoint()))
        self.saves += saved
        return saved

    def finish(self) -> bool:
        """Save the final state (complete, stopped, incomplete or failed); True when it was saved."""
        self._due = math.inf
        if self.error is not None:
            return False
        if self.message.id is None:
            return self._guard(
                lambda: self.store.add_message(self.conversation_id, self.recorder.checkpoint())
            )
        return self._guard(lambda: self.store.update_message(self.recorder.checkpoint()))

    def _guard(self, action: Callable[[], object]) -> bool:
        try:
            action()
        except HistoryError as exc:
            self.error = exc
            self._due = math.inf
            if self.on_error is not None:
                self.on_error(exc)
            return False
        return True


# --------------------------------------------------------------------------------------------------------
# Helpers


def _rowid(cursor: sqlite3.Cursor) -> int:
    if cursor.lastrowid is None:  # pragma: no cover - an INSERT always sets it
        raise sqlite3.DatabaseError("no row id")
    return cursor.lastrowid


def _insert_message(conn: sqlite3.Connection, conversation_id: int, position: int, message: Message) -> int:
    cursor = conn.execute(
        "INSERT INTO messages (conversation_id, position, role, content, reasoning, model, usage, timings,"
        " finish_reason, error, state, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (conversation_id, position, message.role, *_changing_columns(message), message.created_at),
    )
    return _rowid(cursor)


def _changing_columns(message: Message) -> tuple[object, ...]:
    """content, reasoning, model, usage, timings, finish_reason, error, state: what a checkpoint rewrites."""
    return (
        safe_text(message.content),
        safe_text(message.reasoning),
        _optional_text(message.model),
        _dumps(message.usage.to_dict()) if message.usage is not None else None,
        _timings_json(message.timings),
        _optional_text(message.finish_reason),
        _optional_text(_error(message.error)),
        message.state.value,
    )


def _optional_text(text: str | None) -> str | None:
    return safe_text(text) if text is not None else None


def _last_model(messages: Sequence[Message]) -> str | None:
    return next((m.model for m in reversed(messages) if m.role == "assistant" and m.model), None)


def _highlighted(raw: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Sanitize a marked snippet to one line and turn its markers into (start, end) spans."""
    line = sanitize_line(raw)
    spans: list[tuple[int, int]] = []
    out: list[str] = []
    length = 0
    start: int | None = None
    for part in re.split(f"([{_HL_OPEN}{_HL_CLOSE}])", line):
        if part == _HL_OPEN:
            start = length
        elif part == _HL_CLOSE:
            if start is not None and length > start:
                spans.append((start, length))
            start = None
        else:
            out.append(part)
            length += len(part)
    return "".join(out), tuple(spans)


def _contains_any(text: str, words: Sequence[str]) -> bool:
    folded = text.casefold()
    return any(w.casefold() in folded for w in words)


def _make_snippet(
    text: str, words: Sequence[str], width: int = 80
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A snippet around the first match, for the LIKE fallback."""
    line = sanitize_line(text)
    folded = line.casefold()
    found = [(folded.find(w.casefold()), len(w)) for w in words]
    first = min((i for i, _ in found if i >= 0), default=0)
    start = max(0, first - width // 3)
    if start > 0:
        space = line.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = min(len(line), start + width)
    prefix = "…" if start > 0 else ""
    piece = prefix + line[start:end] + ("…" if end < len(line) else "")
    piece_folded = piece.casefold()
    spans = []
    for word in words:
        index = piece_folded.find(word.casefold())
        if index >= 0:
            spans.append((index, index + len(word)))
    return piece, tuple(sorted(spans))


def _describe_sqlite_error(exc: sqlite3.Error) -> str:
    text = str(exc) or type(exc).__name__
    if "locked" in text or "busy" in text:
        return f"{text} (another siliconchat kept it busy for more than {BUSY_TIMEOUT_MS // 1000} s)"
    return text


def _create_private_file(path: Path) -> bool:
    """Create an empty 0600 file if there is none (SQLite would create it 0644); True if created."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    except OSError as exc:
        raise HistoryError(path, f"cannot create the file ({exc.strerror or exc})") from None
    os.close(fd)
    return True


_decode_text: Final = functools.partial(str, encoding="utf-8", errors="replace")
"""How TEXT values are read. The default (``str``) raises on bytes that are not UTF-8, which SQLite does not
check on write; this costs ~0.4 µs more per value (measured: 9.9 ms instead of 8.2 ms for 4,000 values)."""


def _connect(path: Path) -> sqlite3.Connection:
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
        raise HistoryError(path, f"cannot open it ({_describe_sqlite_error(exc)})") from None
    conn.text_factory = _decode_text
    return conn


def _prepare(conn: sqlite3.Connection, path: Path, created: bool) -> bool:
    """Check the file, then set it up; nothing is written until the checks pass. Returns whether FTS5
    search is available."""
    untouched = "It was left untouched; move it away (or restore a backup) and siliconchat starts a new one."
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])  # reads the header: not-a-db fails
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError) and "locked" not in str(exc):
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
    if not created and version > 0:
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
        raise HistoryError(path, f"cannot set it up ({_describe_sqlite_error(exc)})") from None


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
