"""The search index and the answers still streaming (schema version 6): a streaming answer is saved every
second, and is indexed only once it settles, yet a search finds it all along; a file of version 5, whose
index holds its streaming answers, loses exactly those entries."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from siliconchat.core.conversation import Conversation, Message, MessageState
from siliconchat.core.history import SCHEMA_VERSION, HistoryStore
from siliconchat.core.history.schema import SEARCH_TABLE, STREAMING


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def _matched(path: Path, trigram: str) -> set[int]:
    """The rows the index names for ``trigram`` (what the index holds, before any LIKE)."""
    conn = _connect(path)
    try:
        rows = conn.execute(
            f"SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH ?", (f'"{trigram}"',)
        ).fetchall()
    finally:
        conn.close()
    return {row[0] for row in rows}


def _settled_holding(path: Path, text: str) -> set[int]:
    """The settled messages whose text holds ``text``: exactly what the index must name for it."""
    conn = _connect(path)
    try:
        rows = conn.execute(
            "SELECT id FROM messages WHERE state != ? AND (instr(content, ?) OR instr(reasoning, ?))",
            (STREAMING, text, text),
        ).fetchall()
    finally:
        conn.close()
    return {row[0] for row in rows}


def _index_data(path: Path) -> list[tuple[object, ...]]:
    conn = _connect(path)
    try:
        return conn.execute(f"SELECT * FROM {SEARCH_TABLE}_data ORDER BY id").fetchall()
    finally:
        conn.close()


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    opened = HistoryStore.open(tmp_path / "history.db")
    yield opened
    opened.close()


def _streaming_answer(store: HistoryStore) -> tuple[Conversation, Message]:
    conversation = Conversation(title="Pulsars")
    prompt = conversation.add_user("tell me about neutron stars", [])
    store.append(conversation, prompt)
    answer = Message("assistant", "", state=MessageState.STREAMING, parent=prompt, model="m")
    conversation.messages.append(answer)
    store.append(conversation, answer)
    return conversation, answer


def test_a_streaming_answers_saves_leave_the_index_alone_and_a_search_finds_it_all_along(
    store: HistoryStore,
) -> None:
    path = store.path
    _conversation, answer = _streaming_answer(store)
    before = _index_data(path)
    for part in ("A pulsar ", "spins fast; ", "its beam sweeps past Earth"):
        answer.content += part
        store.update_message(answer)  # a checkpoint
        assert _index_data(path) == before  # not indexed anew at each save
        assert [hit.message_id for hit in store.search("pulsar")] == [answer.id]  # found meanwhile
    assert [hit.message_id for hit in store.search("sp")] == [answer.id]  # the scan (two characters)
    assert _matched(path, "pul") == set()
    answer.state = MessageState.COMPLETE
    store.update_message(answer)  # it settles: indexed, once
    assert _matched(path, "pul") == _settled_holding(path, "pul") == {answer.id}
    assert [hit.message_id for hit in store.search("beam sweeps")] == [answer.id]
    settled = _index_data(path)
    answer.chosen_at += 10  # switching branches rewrites the row, not its text: not indexed anew
    store.update_message(answer)
    assert _index_data(path) == settled
    answer.content += " every 1.4 ms"
    store.update_message(answer)
    assert _matched(path, "1.4") == {answer.id} and _matched(path, "pul") == {answer.id}


def test_an_answer_deleted_while_streaming_or_after_leaves_an_exact_index(store: HistoryStore) -> None:
    path = store.path
    conversation, answer = _streaming_answer(store)
    answer.content = "quasar light"
    store.update_message(answer)
    assert conversation.id is not None and store.delete(conversation.id)  # streaming: never indexed
    assert store.search("quasar") == [] and _matched(path, "qua") == set()
    conversation, answer = _streaming_answer(store)
    answer.content, answer.state = "quasar light", MessageState.FAILED
    store.update_message(answer)
    assert _matched(path, "qua") == {answer.id}
    assert conversation.id is not None and store.delete(conversation.id)
    assert _matched(path, "qua") == set() and store.search("quasar") == []
    conn = _connect(path)
    conn.execute(f"INSERT INTO {SEARCH_TABLE} ({SEARCH_TABLE}) VALUES ('integrity-check')")
    conn.close()


# The triggers of schema version 5, which indexed every message, streaming or not.
VERSION_5_TRIGGERS = (
    f"""CREATE TRIGGER {SEARCH_TABLE}_insert AFTER INSERT ON messages BEGIN
    INSERT INTO {SEARCH_TABLE} (rowid, content, reasoning) VALUES (new.id, new.content, new.reasoning);
END""",
    f"""CREATE TRIGGER {SEARCH_TABLE}_delete AFTER DELETE ON messages BEGIN
    INSERT INTO {SEARCH_TABLE} ({SEARCH_TABLE}, rowid, content, reasoning)
        VALUES ('delete', old.id, old.content, old.reasoning);
END""",
    f"""CREATE TRIGGER {SEARCH_TABLE}_update AFTER UPDATE OF content, reasoning ON messages BEGIN
    INSERT INTO {SEARCH_TABLE} ({SEARCH_TABLE}, rowid, content, reasoning)
        VALUES ('delete', old.id, old.content, old.reasoning);
    INSERT INTO {SEARCH_TABLE} (rowid, content, reasoning) VALUES (new.id, new.content, new.reasoning);
END""",
)


def test_a_version_5_file_keeps_its_settled_entries_and_loses_its_streaming_ones(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    with HistoryStore.open(path) as store:
        settled = Conversation(title="Settled")
        prompt = settled.add_user("what is a magnetar", [])
        store.append(settled, prompt)
        _conversation, answer = _streaming_answer(store)
    # Back to version 5, as that release left it: its triggers, no list of streaming messages, and the
    # answer (cut off mid-stream) in the index as it was last saved.
    conn = _connect(path)
    conn.execute("BEGIN IMMEDIATE")
    for name in ("insert", "delete", "update"):
        conn.execute(f"DROP TRIGGER {SEARCH_TABLE}_{name}")
    conn.execute("DROP INDEX messages_streaming")
    for sql in VERSION_5_TRIGGERS:
        conn.execute(sql)
    conn.execute("UPDATE messages SET content = 'a pulsar and a magnetar' WHERE id = ?", (answer.id,))
    conn.execute("PRAGMA user_version = 5")
    conn.execute("COMMIT")
    conn.close()
    assert _matched(path, "pul") == {answer.id}
    with HistoryStore.open(path) as store:
        assert _matched(path, "pul") == set()  # out of the index: it is still marked streaming
        assert _matched(path, "mag") == _settled_holding(path, "mag") == {prompt.id}
        assert sorted(hit.message_id for hit in store.search("magnetar")) == [prompt.id, answer.id]
        answer.content, answer.state = "a pulsar and a magnetar, cut off", MessageState.INCOMPLETE
        store.update_message(answer)
        assert _matched(path, "mag") == _settled_holding(path, "mag") == {prompt.id, answer.id}
    conn = _connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 6
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.execute(f"INSERT INTO {SEARCH_TABLE} ({SEARCH_TABLE}) VALUES ('integrity-check')")
    conn.close()
