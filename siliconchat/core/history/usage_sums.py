"""The token usage of conversations, summed in SQL over the stored answers: ``siliconchat history --totals``
needs the totals of the conversations it lists without loading them.

Each answer's usage is stored as JSON (``messages.usage``); the sums are made per conversation and per model
(a price is per model, :func:`siliconchat.core.costs.totals_of` applies them), over every answer of the tree.
Only the rows of the conversations asked for are read, through the index on ``(conversation_id, position)``:
listing the latest 20 conversations of a history of 2,000,000 messages reads the answers of those 20. A value
that is not a JSON object (a hand-edited file) counts as no usage.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Sequence
from typing import Final

from siliconchat.core.conversation import Usage

_Reader = Callable[[str], contextlib.AbstractContextManager[sqlite3.Connection]]
"""The store's ``_read``: its connection, under its lock, for one read."""

IDS_PER_QUERY: Final = 500
"""Conversations summed by one query (SQLite allows at most 32,766 parameters; the store's lock is let go
between two)."""

ModelUsage = tuple[str | None, Usage, int]
"""A model, the usage summed over its answers, and how many answers that is. Only the prompt and completion
tokens are summed (what prices apply to; ``total_tokens`` is their sum, ``reasoning_tokens`` 0): each value
read out of the JSON costs about a quarter of the query's time."""


def _query(count: int) -> str:
    def total(name: str) -> str:
        return f"COALESCE(SUM(CAST(json_extract(usage, '$.{name}') AS INTEGER)), 0)"

    return (
        f"SELECT conversation_id, model, COUNT(*), {total('prompt_tokens')}, {total('completion_tokens')}"
        " FROM messages"
        f" WHERE conversation_id IN ({', '.join('?' * count)}) AND role = 'assistant' AND usage IS NOT NULL"
        # CASE, not AND: json_type of a value that is not JSON is an error, and AND may be evaluated in any order.
        " AND CASE WHEN json_valid(usage) THEN json_type(usage) = 'object' AND usage != '{}' ELSE 0 END"
        " GROUP BY conversation_id, model"
    )


def usage_by_model(read: _Reader, conversation_ids: Sequence[int]) -> dict[int, list[ModelUsage]]:
    """For each of ``conversation_ids`` that has answers with usage: the usage of its answers, by model."""
    sums: dict[int, list[ModelUsage]] = {}
    unique = list(dict.fromkeys(conversation_ids))
    for start in range(0, len(unique), IDS_PER_QUERY):
        chunk = unique[start : start + IDS_PER_QUERY]
        with read("sum the usage") as conn:
            rows = conn.execute(_query(len(chunk)), chunk).fetchall()
        for conversation_id, model, count, prompt, completion in rows:
            usage = Usage(
                prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion
            )
            sums.setdefault(conversation_id, []).append((model, usage, count))
    return sums
