"""Search: every word a substring of the message (case-insensitive for ASCII, as SQLite's ``LIKE``).

One rule decides whether a message matches: the ``LIKE`` of :func:`_exact`. The trigram index (see
``schema.py``) only chooses which rows that rule looks at: a word's runs of three or more characters (between
``LIKE``'s wildcards) have all their trigrams in any row that holds the word, folded at least as ``LIKE``
folds, so the rows it leaves out cannot match. A query with no such run (one or two characters, e.g. one
CJK word of two characters), or a SQLite without the index, is a scan instead: newest first, in slices of
:data:`SCAN_SLICE` messages, until ``limit`` matches or :data:`SCAN_SECONDS` — the hits then say how far
back they looked (:attr:`SearchHits.complete`, :attr:`SearchHits.searched`).
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Final

from siliconchat.core.history.rows import SearchHit
from siliconchat.core.history.schema import SEARCH_TABLE, STREAMING
from siliconchat.core.sanitize import sanitize_line

_Reader = Callable[[str], contextlib.AbstractContextManager[sqlite3.Connection]]
"""The store's ``_read``: its connection, under its lock, for one read."""

SCAN_SLICE: Final = 5_000
"""Messages (by id) read by one query of a scan (about 10 ms here); the store's lock is let go between two."""
SCAN_SECONDS: Final = 0.2
"""A scan stops after this long, with what it found among the newest messages (about 500,000 messages a
second here, from memory: the newest 100,000 of a history of 2,000,000), so that the results are on screen
within 0.3 s."""
_COLUMNS: Final = "m.id, m.conversation_id, m.role, c.title, m.model, m.created, m.content, m.reasoning"


class SearchHits(list[SearchHit]):
    """The hits, newest first. ``complete``: every message was looked at (a scan that ran out of time
    looked at the newest ``searched`` messages only)."""

    def __init__(self, hits: Iterable[SearchHit] = (), *, complete: bool = True, searched: int = 0) -> None:
        super().__init__(hits)
        self.complete = complete
        self.searched = searched


def trigrams(words: Sequence[str]) -> list[str]:
    """The trigrams every match holds: those of each run of three or more characters between wildcards."""
    found: dict[str, None] = {}
    for word in words:
        for run in re.split(r"[%_]", word):
            for i in range(len(run) - 2):
                found.setdefault(run[i : i + 3])  # FTS5 folds case itself
    return list(found)


def _exact(words: Sequence[str], include_reasoning: bool) -> tuple[str, list[str]]:
    """The rule (SQL over ``m``) and its parameters: every word in the text, ``LIKE``'s wildcards escaped."""
    patterns = ["%" + re.sub(r"([\\%_])", r"\\\1", w) + "%" for w in words]
    column = "(m.content || char(10) || m.reasoning)" if include_reasoning else "m.content"
    return " AND ".join(f"{column} LIKE ? ESCAPE '\\'" for _ in patterns), patterns


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


Stop = Callable[[], bool]
"""Asked now and then from the search's thread (every :data:`STOP_STEPS` steps of SQLite's machine, and
between a scan's slices): True ends the search at once, with what it found (``complete`` False). A search
for an older query (a key typed since) is stopped so that it does not hold the store while the newer one
waits for it."""
STOP_STEPS: Final = 10_000
"""SQLite virtual-machine steps between two calls of ``stop`` (well under a millisecond here)."""


@contextlib.contextmanager
def _stoppable(conn: sqlite3.Connection, stop: Stop | None) -> Iterator[None]:
    """Run the queries inside under ``stop`` (SQLite's progress handler: True interrupts the query)."""
    if stop is None:
        yield
        return
    conn.set_progress_handler(stop, STOP_STEPS)
    try:
        yield
    finally:
        conn.set_progress_handler(None, 0)


def search_index(
    read: _Reader, words: list[str], include_reasoning: bool, limit: int, stop: Stop | None = None
) -> SearchHits:
    """Through the trigram index (``trigrams(words)`` must not be empty)."""
    terms = " AND ".join('"' + t.replace('"', '""') + '"' for t in trigrams(words))
    query = f"({terms})" if include_reasoning else f"{{content}} : ({terms})"
    rule, patterns = _exact(words, include_reasoning)
    # Newest first: FTS5 walks its rowids backwards and stops at LIMIT, without scoring every match.
    sql = (
        f"SELECT {_COLUMNS} FROM {SEARCH_TABLE} f JOIN messages m ON m.id = f.rowid "
        "JOIN conversations c ON c.id = m.conversation_id "
        f"WHERE {SEARCH_TABLE} MATCH ? AND {rule} ORDER BY f.rowid DESC LIMIT ?"
    )
    # The messages still streaming are not in the index (see schema.py): the few there are, by their own index.
    unsettled = (
        f"SELECT {_COLUMNS} FROM messages m JOIN conversations c ON c.id = m.conversation_id "
        f"WHERE m.state = '{STREAMING}' AND {rule} ORDER BY m.id DESC LIMIT ?"
    )
    with read("search the history") as conn, _stoppable(conn, stop):
        try:
            rows = conn.execute(sql, (query, *patterns, limit)).fetchall()
            rows += conn.execute(unsettled, (*patterns, limit)).fetchall()
        except sqlite3.OperationalError:
            if stop is not None and stop():
                return SearchHits(complete=False)  # interrupted: a newer query replaces this one
            raise
    rows.sort(key=lambda row: row[0], reverse=True)  # newest first (ids grow with time)
    return SearchHits(_hits(rows[:limit], words, include_reasoning))


def search_scan(
    read: _Reader,
    words: list[str],
    include_reasoning: bool,
    limit: int,
    seconds: float = SCAN_SECONDS,
    stop: Stop | None = None,
) -> SearchHits:
    """Every message, newest first, until ``limit`` hits or ``seconds`` (see :class:`SearchHits`)."""
    rule, patterns = _exact(words, include_reasoning)
    sql = (
        f"SELECT {_COLUMNS} FROM messages m JOIN conversations c ON c.id = m.conversation_id "
        f"WHERE m.id <= ? AND m.id > ? AND {rule} ORDER BY m.id DESC LIMIT ?"
    )
    deadline = time.perf_counter() + seconds
    rows: list[Any] = []
    with read("search the history") as conn:
        top = int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM messages").fetchone()[0])
        lowest = int(conn.execute("SELECT COALESCE(MIN(id), 1) FROM messages").fetchone()[0])
    searched = 0
    while top >= lowest and len(rows) < limit:
        if (searched and time.perf_counter() >= deadline) or (stop is not None and stop()):
            break
        bottom = top - SCAN_SLICE
        with read("search the history") as conn, _stoppable(conn, stop):
            try:
                found = conn.execute(sql, (top, bottom, *patterns, limit - len(rows))).fetchall()
                searched += conn.execute(
                    "SELECT COUNT(*) FROM messages WHERE id <= ? AND id > ?", (top, bottom)
                ).fetchone()[0]
            except sqlite3.OperationalError:
                if stop is not None and stop():
                    break  # interrupted: this slice is not counted
                raise
        rows += found
        top = bottom
    return SearchHits(
        _hits(rows, words, include_reasoning), complete=top < lowest or len(rows) >= limit, searched=searched
    )


def _hits(rows: Iterable[Sequence[Any]], words: Sequence[str], include_reasoning: bool) -> list[SearchHit]:
    hits = []
    for mid, cid, role, title, model, created, content, reasoning in rows:
        in_reasoning = include_reasoning and not _contains_any(content, words)
        line, spans = _make_snippet(reasoning if in_reasoning else content, words)
        hits.append(SearchHit(cid, mid, role, title, model, created, line, spans, in_reasoning))
    return hits
