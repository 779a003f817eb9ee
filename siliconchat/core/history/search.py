"""Full-text search (FTS5, or LIKE where FTS5 cannot serve the query) and its snippets."""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Callable, Sequence
from typing import Final

from siliconchat.core.history.rows import SearchHit
from siliconchat.core.sanitize import sanitize_line

_Reader = Callable[[str], contextlib.AbstractContextManager[sqlite3.Connection]]
"""The store's ``_read``: its connection, under its lock, for one read."""

SNIPPET_TOKENS: Final = 12
# Private-use characters mark the matched words in snippets: they survive sanitizing and cannot come from
# SQLite itself, so SearchHit.highlights can give exact spans.
_HL_OPEN: Final = "\ue000"
_HL_CLOSE: Final = "\ue001"
CJK = re.compile(r"[\u2e80-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\uff00-\uffef\U00020000-\U0003ffff]")


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


def search_fts(read: _Reader, words: list[str], include_reasoning: bool, limit: int) -> list[SearchHit]:
    phrases = ['"' + w.replace('"', '""') + '"*' for w in words]
    query = " AND ".join(phrases) if include_reasoning else " AND ".join(f"content : {p}" for p in phrases)
    snippet = f"snippet(messages_fts, {{col}}, '{_HL_OPEN}', '{_HL_CLOSE}', '…', {SNIPPET_TOKENS})"
    # Newest first: FTS5 walks its rowids backwards and stops at LIMIT, without scoring every match.
    sql = (
        "SELECT f.rowid, m.conversation_id, m.role, c.title, m.model, m.created, "
        f"{snippet.format(col=0)}, {snippet.format(col=1) if include_reasoning else 'NULL'} "
        "FROM messages_fts f JOIN messages m ON m.id = f.rowid "
        "JOIN conversations c ON c.id = m.conversation_id "
        "WHERE messages_fts MATCH ? ORDER BY f.rowid DESC LIMIT ?"
    )
    with read("search the history") as conn:
        rows = conn.execute(sql, (query, limit)).fetchall()
    hits = []
    for mid, cid, role, title, model, created, content_snip, reasoning_snip in rows:
        in_reasoning = _HL_OPEN not in (content_snip or "") and bool(reasoning_snip)
        raw = reasoning_snip if in_reasoning else content_snip
        line, spans = _highlighted(raw or "")
        hits.append(SearchHit(cid, mid, role, title, model, created, line, spans, in_reasoning))
    return hits


def search_like(read: _Reader, words: list[str], include_reasoning: bool, limit: int) -> list[SearchHit]:
    # SQLite's LIKE ignores case for ASCII only; good enough for the fallback.
    patterns = ["%" + re.sub(r"([\\%_])", r"\\\1", w) + "%" for w in words]
    column = "(m.content || char(10) || m.reasoning)" if include_reasoning else "m.content"
    where = " AND ".join(f"{column} LIKE ? ESCAPE '\\'" for _ in patterns)
    sql = (
        "SELECT m.id, m.conversation_id, m.role, c.title, m.model, m.created, m.content, m.reasoning "
        f"FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE {where} "
        "ORDER BY m.id DESC LIMIT ?"
    )
    with read("search the history") as conn:
        rows = conn.execute(sql, (*patterns, limit)).fetchall()
    hits = []
    for mid, cid, role, title, model, created, content, reasoning in rows:
        in_reasoning = not _contains_any(content, words) and include_reasoning
        line, spans = _make_snippet(reasoning if in_reasoning else content, words)
        hits.append(SearchHit(cid, mid, role, title, model, created, line, spans, in_reasoning))
    return hits
