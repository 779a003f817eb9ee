"""The conversation history: a SQLite database at ``paths.history_db()``.

The package, by job: ``errors`` (:class:`HistoryError`), ``schema`` (the tables, migrations, opening and
checking a file), ``rows`` (rows to objects and back), ``store`` (:class:`HistoryStore`), ``search`` (FTS5
and ``LIKE``), ``saves`` (:class:`~siliconchat.core.history.saves.HistorySaves`, the queue that writes in a
thread and retries while the file is busy), ``recovery`` (what that queue could not save, kept in files for the
next start). Everything public except the queue is imported here.

Design notes:

* Stdlib :mod:`sqlite3` only, WAL journal, ``foreign_keys=ON``, ``busy_timeout`` and short ``BEGIN
  IMMEDIATE`` write transactions, so two instances (two TUIs, a TUI and ``ask`` loops) can write at once
  without corrupting or losing anything. ``synchronous=NORMAL``: in WAL mode a killed process loses no
  committed transaction; only a power cut may lose the last ones.
* ``PRAGMA user_version`` is the schema version; :data:`MIGRATIONS` takes a file from any older version to
  :data:`SCHEMA_VERSION`. An existing file is checked before any read-write connection opens, through a
  connection that cannot write (``check``; of a file over 256 MB, only the schema and the conversations:
  checking every page takes seconds per gigabyte). A file that is not a database or fails ``PRAGMA
  quick_check`` moves aside with its ``-wal`` and ``-shm`` (all or none) and a new history starts;
  ``HistoryStore.notice`` says where it went. One that cannot be opened, has a newer schema or belongs to another program raises
  :class:`HistoryError` naming the file, and is never written to, migrated or removed.
* The user message is queued for saving as its request is sent; while an answer streams, the turn
  (:mod:`siliconchat.core.session`) queues a checkpoint every second, so a ``kill -9`` loses at most the
  last 2 s of text. A message still marked ``streaming`` in the file belongs to a
  process that died (or to another instance, still running): :meth:`HistoryStore.load` shows it as
  ``incomplete`` and leaves the row alone.
* Search finds any part of a word, in any script: a trigram FTS5 index over content and reasoning
  (separate columns, so reasoning can be left out), kept in sync by triggers, picks the rows, and ``LIKE``
  decides. It holds the settled messages: one still streaming is indexed when it settles (re-indexing it at
  each checkpoint cost in proportion to its length), and a search reads the few streaming ones directly. Queries of one or two characters, and a SQLite without FTS5 or its ``trigram`` tokenizer (before
  3.34), scan the messages instead, newest first and bounded in time (``search``).
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

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from siliconchat.core.history.errors import BUSY_TIMEOUT_MS, ConversationNotFound, HistoryError
    from siliconchat.core.history.rows import (
        INTERRUPTED,
        TITLE_LIMIT,
        ConversationSummary,
        SearchHit,
        make_title,
    )
    from siliconchat.core.history.schema import MIGRATIONS, SCHEMA_VERSION
    from siliconchat.core.history.search import SearchHits
    from siliconchat.core.history.store import HistoryStore

_HOME = {
    "BUSY_TIMEOUT_MS": "errors",
    "ConversationNotFound": "errors",
    "HistoryError": "errors",
    "INTERRUPTED": "rows",
    "TITLE_LIMIT": "rows",
    "ConversationSummary": "rows",
    "SearchHit": "rows",
    "make_title": "rows",
    "MIGRATIONS": "schema",
    "SCHEMA_VERSION": "schema",
    "SearchHits": "search",
    "HistoryStore": "store",
}
"""Where each public name lives. They are imported on first use: the TUI's write queue (``saves``) is part of
this package and is made before the first frame, which does not need ``sqlite3`` and the store."""


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)


__all__ = [
    "BUSY_TIMEOUT_MS",
    "INTERRUPTED",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "TITLE_LIMIT",
    "ConversationNotFound",
    "ConversationSummary",
    "HistoryError",
    "HistoryStore",
    "SearchHit",
    "SearchHits",
    "make_title",
]
