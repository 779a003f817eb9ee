"""Writes ``history-v2.db`` (next to this file) with the code of a siliconchat release of schema version 2.

Run with that release first on the path, e.g. ``PYTHONPATH=/path/to/release python3 tests/data/make_history_v2.py
tests/data/history-v2.db``: the file must be what that release writes, so ``tests/core/test_history_search_index.py``
migrates a real one. Not a test (pytest collects ``test_*.py`` only).
"""

from __future__ import annotations

import sys
from pathlib import Path

from siliconchat.core.conversation import Conversation, Message, MessageState, Usage
from siliconchat.core.history import SCHEMA_VERSION, HistoryStore

TEXTS = [
    (
        "Why is the sky blue?",
        "Rayleigh scattering: short waves scatter more.",
        "photons bounce off molecules",
    ),
    ("为什么天空是蓝色的", "因为瑞利散射，短波长的光散射得更多。", "光合作用与散射无关"),
    ("Recipe for bread 100% whole_wheat", "Flour, water, salt. Knead; rest 2 h.", ""),
    ("日本語のテキスト検索", "全文検索はトリグラムで動きます。", "考え中"),
    ("Mixed: Python 与 数据库", "Use sqlite3 与 FTS5 trigram 分词器.", "heliotrope"),
]


def main(path: Path) -> None:
    assert SCHEMA_VERSION == 2, f"run this with a release of schema version 2, not {SCHEMA_VERSION}"
    base = 1_700_000_000
    with HistoryStore.open(path) as store:
        for i, (prompt, answer, reasoning) in enumerate(TEXTS):
            at = base + i * 100
            conversation = Conversation(created_at=at, updated_at=at + 5)
            conversation.messages.append(Message("user", prompt, created_at=at))
            conversation.messages.append(
                Message(
                    "assistant",
                    answer,
                    reasoning=reasoning,
                    model="deepseek-ai/DeepSeek-R1",
                    usage=Usage(3, 9, 4, 12),
                    finish_reason="stop",
                    state=MessageState.COMPLETE,
                    created_at=at + 5,
                )
            )
            store.create_conversation(conversation)
        failed = Conversation(created_at=base + 1000, updated_at=base + 1000)
        failed.messages.append(Message("user", "a prompt whose answer failed", created_at=base + 1000))
        failed.messages.append(
            Message(
                "assistant",
                "",
                model="Qwen/Qwen3-8B",
                error="HTTP 503",
                state=MessageState.FAILED,
                created_at=base + 1001,
            )
        )
        store.create_conversation(failed)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
