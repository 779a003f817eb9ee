"""The store: one connection, one lock, short transactions."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType

from siliconchat import paths
from siliconchat.core.conversation import Conversation, Message
from siliconchat.core.history.attachment_rows import load_attachments
from siliconchat.core.history.check import Examination, examine, move_aside
from siliconchat.core.history.errors import (
    BUSY_TIMEOUT_MS,
    ConversationNotFound,
    HistoryError,
    describe_sqlite_error,
)
from siliconchat.core.history.rows import (
    INSERT_CONVERSATION,
    MESSAGE_COLUMNS,
    ConversationSummary,
    changing_columns,
    conversation_row,
    dumps,
    insert_message,
    make_title,
    message_from_row,
    optional_text,
    params_from_json,
    rowid,
)
from siliconchat.core.history.schema import connect, create_private_file, prepare
from siliconchat.core.history.search import SearchHits, Stop, search_index, search_scan, trigrams
from siliconchat.core.history.usage_sums import ModelUsage, usage_by_model
from siliconchat.core.sanitize import sanitize_line


class HistoryStore:
    """The history database. Open with :meth:`open`; every method may raise :class:`HistoryError`."""

    def __init__(self, path: Path, conn: sqlite3.Connection, *, fts: bool, notice: str | None = None) -> None:
        """Use :meth:`open`."""
        self.path = path
        self.notice = notice  # what the user must know about this opening (a damaged file moved aside)
        self.fts = fts  # full-text search through FTS5 (else LIKE)
        self._conn: sqlite3.Connection | None = conn
        self._lock = threading.RLock()
        self._busy_ms = BUSY_TIMEOUT_MS

    # -- opening ---------------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | None = None) -> HistoryStore:
        """Open (creating or migrating as needed) the database at ``path`` (default ``paths.history_db()``).

        A new folder is created with mode 0700 and a new file with mode 0600. An existing file is checked
        first without being written to (see :mod:`siliconchat.core.history.check`); a damaged one (not a
        SQLite database, or failing its quick check) is moved aside with its ``-wal`` and ``-shm``, a new
        history is started and :attr:`notice` says where the old one went. Raises :class:`HistoryError` when
        the file cannot be opened, was written by a newer siliconchat or by another program, or is damaged
        and cannot be moved aside; such a file is left exactly as it was.
        """
        path = Path(path) if path is not None else paths.history_db()
        try:
            paths.ensure_dir(path.parent)
        except OSError as exc:
            raise HistoryError(path, f"cannot create its folder ({exc.strerror or exc})") from None
        if path.is_dir():
            raise HistoryError(path, "this is a folder, not a database file")
        created = create_private_file(path)
        examination = Examination(examined=False) if created else examine(path)
        notice = None
        if examination.damage is not None:
            try:
                moved = move_aside(path)
            except OSError as exc:
                raise HistoryError(
                    path,
                    f"{examination.damage}. It could not be moved aside ({exc.strerror or exc}), so it was left "
                    "untouched; move it away (or restore a backup) and siliconchat starts a new one.",
                ) from None
            notice = (
                f"History database {path}: {examination.damage}. It was moved to {moved} (with its -wal and "
                "-shm files, if any) and a new, empty history was started."
            )
            created = create_private_file(path)
        conn = connect(path)
        try:
            fts = prepare(conn, path, created, checked=examination.examined)
        except BaseException:
            conn.close()
            raise
        return cls(path, conn, fts=fts, notice=notice)

    def close(self) -> None:
        """Close the database (idempotent). The last connection folds the WAL back into the file."""
        with self._lock:
            if self._conn is not None:
                conn, self._conn = self._conn, None
                with contextlib.suppress(sqlite3.Error):
                    # Bounded: on a large history an unbounded ANALYZE reads every table (seconds at exit).
                    conn.execute("PRAGMA analysis_limit = 400")
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
        return HistoryError(
            self.path, f"cannot {action}: {describe_sqlite_error(exc, self.path, busy_ms=self._busy_ms)}"
        )

    def set_busy_timeout(self, milliseconds: int) -> None:
        """How long a write waits for another process's write lock before it fails (default
        :data:`BUSY_TIMEOUT_MS`). A caller that retries on its own (the TUI's queue) waits less per try."""
        with self._lock:
            self._connection().execute(f"PRAGMA busy_timeout = {int(milliseconds)}")
            self._busy_ms = int(milliseconds)

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
        conversation.adopt()
        with self._write("save the conversation") as conn:
            cursor = conn.execute(INSERT_CONVERSATION, conversation_row(conversation))
            conversation_id = rowid(cursor)
            pending = [m for m in conversation.tree if m.id is None]  # parents before their children
            new: dict[int, int] = {}  # id() of a message -> its row id, until committed
            ids = []
            for pos, message in enumerate(pending):
                parent = message.parent
                parent_id = None if parent is None else new.get(id(parent), parent.id)
                ids.append(insert_message(conn, conversation_id, pos, message, parent_id))
                new[id(message)] = ids[-1]
        # Only now that it is committed: after a failure the objects must still look unsaved.
        for message, message_id in zip(pending, ids, strict=True):
            message.id = message_id
        conversation.id = conversation_id
        return conversation_id

    def add_message(self, conversation_id: int, message: Message, *, root: bool = False) -> int:
        """Add ``message`` (committed before this returns); set and return its id. It follows its parent
        (``message.parent``, saved before it); without one, the conversation's last message, unless ``root``
        (a first prompt: an edit of the first prompt is one more).

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
            parent = message.parent
            if parent is not None or root:
                parent_id = parent.id if parent is not None else None
            else:
                last = conn.execute(
                    "SELECT id FROM messages WHERE conversation_id = ? ORDER BY position DESC LIMIT 1",
                    (conversation_id,),
                ).fetchone()
                parent_id = last[0] if last else None
            message_id = insert_message(conn, conversation_id, row[0], message, parent_id)
            conn.execute(
                "UPDATE conversations SET updated = MAX(updated, ?), model = COALESCE(?, model),"
                " title = CASE WHEN title = '' THEN ? ELSE title END WHERE id = ?",
                (
                    message.created_at,
                    optional_text(message.model) if message.role == "assistant" else None,
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
            conversation.adopt()
            assert conversation.id is not None
            self.add_message(conversation.id, message, root=message.parent is None)
        assert message.id is not None
        return message.id

    def update_message(self, message: Message) -> None:
        """Save a saved message's text, reasoning, usage, timings, finish reason, error, state and when it was
        last chosen."""
        if message.id is None:
            raise ValueError("update_message() needs a message that was saved (add_message) first")
        with self._write("save the message") as conn:
            conn.execute(
                "UPDATE messages SET content = ?, reasoning = ?, model = ?, usage = ?, timings = ?,"
                " finish_reason = ?, error = ?, state = ?, chosen = ? WHERE id = ?",
                (*changing_columns(message), message.id),
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
                    optional_text(conversation.system_prompt),
                    dumps(conversation.params.to_dict()),
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

    # -- reading ---------------------------------------------------------------------------------------

    def load(self, conversation_id: int) -> Conversation:
        """The conversation: its whole tree, and its active path as ``messages``. A message whose process died
        while it streamed comes back as ``incomplete`` (the file is not changed). Raises
        :class:`ConversationNotFound`."""
        with self._read("read the conversation") as conn:
            row = conn.execute(
                "SELECT id, title, created, updated, system_prompt, params FROM conversations WHERE id = ?",
                (conversation_id,),
            ).fetchone()
            if row is None:
                raise ConversationNotFound(self.path, conversation_id)
            rows = conn.execute(
                f"SELECT parent_id, {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? ORDER BY position",
                (conversation_id,),
            ).fetchall()
            attached = load_attachments(conn, conversation_id)
        tree = [message_from_row(r[1:]) for r in rows]
        by_id = {m.id: m for m in tree}
        for r, message in zip(rows, tree, strict=True):
            message.parent = by_id.get(r[0])  # a parent of another conversation (hand-edited): a root
            if message.id in attached:
                message.attachments = attached[message.id]
        return Conversation(
            title=row[1],
            system_prompt=row[4],
            params=params_from_json(row[5]),
            created_at=row[2],
            updated_at=row[3],
            id=row[0],
            tree=tree,
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

    def list_conversations(
        self, limit: int | None = None, offset: int = 0, *, after: ConversationSummary | None = None
    ) -> list[ConversationSummary]:
        """Conversations by last activity, newest first; with ``after``, those that come after that one (a
        page that follows the page it ended, through the index, however deep: the sidebar's next page)."""
        where, params = "", tuple[object, ...]()
        if after is not None:
            where, params = "WHERE (c.updated, c.id) < (?, ?) ", (after.updated, after.id)
        with self._read("list the conversations") as conn:
            rows = conn.execute(
                "SELECT c.id, c.title, c.model, c.created, c.updated,"
                " (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id)"
                f" FROM conversations c {where}ORDER BY c.updated DESC, c.id DESC LIMIT ? OFFSET ?",
                (*params, -1 if limit is None else max(0, limit), max(0, offset)),
            ).fetchall()
        return [ConversationSummary(*row) for row in rows]

    def usage_by_model(self, conversation_ids: Sequence[int]) -> dict[int, list[ModelUsage]]:
        """The prompt and completion tokens of each conversation's answers (all branches), summed by model in SQL,
        reading only the answers of ``conversation_ids`` (see :mod:`~siliconchat.core.history.usage_sums`). A conversation
        without any answer with usage is left out. For prices: :func:`siliconchat.core.costs.totals_of`."""
        return usage_by_model(self._read, conversation_ids)

    def count(self) -> int:
        """How many conversations there are."""
        with self._read("count the conversations") as conn:
            return int(conn.execute("SELECT COUNT(*) FROM conversations").fetchone()[0])

    def search(
        self, text: str, *, include_reasoning: bool = False, limit: int = 50, stop: Stop | None = None
    ) -> SearchHits:
        """Messages holding every word of ``text`` (any part of a word: "astro" finds "astronomy", "天空"
        finds "为什么天空是蓝色的"; case-insensitive for ASCII), newest first. Reasoning is searched only with
        ``include_reasoning``. Through the trigram index when a word has three characters or more, else a
        scan bounded in time (see :mod:`siliconchat.core.history.search`). ``stop`` (see
        :data:`~siliconchat.core.history.search.Stop`) ends it early, e.g. when a newer query is typed."""
        # Control characters never match (sanitized away) and a NUL would end the query early.
        words = [w for w in sanitize_line(text).split() if any(ch.isalnum() for ch in w)]
        if not words or limit <= 0:
            return SearchHits()
        if self.fts and trigrams(words):
            return search_index(self._read, words, include_reasoning, limit, stop)
        return search_scan(self._read, words, include_reasoning, limit, stop=stop)
