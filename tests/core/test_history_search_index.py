"""The trigram search index (schema version 3): the migration from a file written by the release before it,
and the index giving exactly the results of a plain scan, for Latin and CJK words of any length."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siliconchat.core import history
from siliconchat.core.conversation import Conversation, Message
from siliconchat.core.history import SCHEMA_VERSION, HistoryStore, SearchHits
from siliconchat.core.history.search import search_index, search_scan, trigrams

RELEASE_DB = Path(__file__).parents[1] / "data" / "history-v2.db"
"""Written by the release with schema version 2 (``data/make_history_v2.py`` run with that release's code):
five conversations in English, Chinese, Japanese and a mix, with reasoning, and a failed answer."""


def _schema(path: Path) -> tuple[int, set[str]]:
    conn = sqlite3.connect(path)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    finally:
        conn.close()
    return version, names


@pytest.fixture
def release_db(tmp_path: Path) -> Path:
    path = tmp_path / "history.db"
    shutil.copyfile(RELEASE_DB, path)
    assert _schema(path)[0] == 2
    return path


def test_the_migration_replaces_the_word_index_and_keeps_every_message(release_db: Path) -> None:
    before = sqlite3.connect(release_db)
    rows = before.execute("SELECT * FROM messages ORDER BY id").fetchall()
    before.close()
    with HistoryStore.open(release_db) as store:
        assert store.fts
        assert [h.conversation_id for h in store.search("天空")] == [2]  # CJK of 2 characters (a scan)
        assert [h.conversation_id for h in store.search("瑞利散射")] == [2]  # CJK of 4 (the index)
        assert [h.conversation_id for h in store.search("トリグラム")] == [4]
        assert [h.conversation_id for h in store.search("sqlite3 分词器")] == [5]  # Latin and CJK words
        assert [h.conversation_id for h in store.search("scatter")] == [1]  # part of a word
        assert store.search("heliotrope") == [] and store.search("heliotrope", include_reasoning=True)
        assert [h.conversation_id for h in store.search("100%")] == [3]  # LIKE's wildcards are text
        store.add_message(1, Message("user", "a new prompt about quasars"))
        assert [h.conversation_id for h in store.search("quasar")] == [1]  # the triggers index new text
    version, names = _schema(release_db)
    assert version == SCHEMA_VERSION == 6
    assert "messages_fts" not in names and "messages_fts_insert" not in names
    assert {"messages_trigram", "messages_trigram_insert", "messages_trigram_update"} <= names
    after = sqlite3.connect(release_db)
    migrated = after.execute("SELECT * FROM messages WHERE id <= ? ORDER BY id", (len(rows),)).fetchall()
    assert [row[: len(rows[0])] for row in migrated] == rows  # the columns the release wrote, unchanged
    assert after.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    after.execute("INSERT INTO messages_trigram (messages_trigram) VALUES ('integrity-check')")
    after.close()


def test_the_migration_is_idempotent(release_db: Path) -> None:
    HistoryStore.open(release_db).close()
    conn = sqlite3.connect(release_db)
    schema = conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_stat%' ORDER BY name"
    ).fetchall()
    index = conn.execute("SELECT * FROM messages_trigram_data ORDER BY id").fetchall()
    # The step itself, run again on a migrated file (as a second instance racing the first would).
    conn.execute("BEGIN IMMEDIATE")
    history.MIGRATIONS[3](conn)
    conn.execute("COMMIT")
    assert (
        conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_stat%' ORDER BY name"
        ).fetchall()
        == schema
    )
    conn.execute("INSERT INTO messages_trigram (messages_trigram) VALUES ('integrity-check')")
    conn.close()
    with HistoryStore.open(release_db) as store:  # and opened again: nothing left to do
        assert [h.conversation_id for h in store.search("瑞利散射")] == [2]
    conn = sqlite3.connect(release_db)
    assert (
        conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_stat%' ORDER BY name"
        ).fetchall()
        == schema
    )
    assert conn.execute("SELECT * FROM messages_trigram_data ORDER BY id").fetchall() == index
    conn.close()


KILLED_MIDWAY = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from siliconchat.core.history import HistoryStore, schema

    def step_then_die(conn):
        schema._migrate_v4(conn)  # the whole step is done, in the transaction, but not committed
        os.kill(os.getpid(), 9)

    schema.MIGRATIONS = (*schema.MIGRATIONS[:3], step_then_die)
    HistoryStore.open(Path(sys.argv[1]))
    """
)


def test_a_migration_killed_before_its_commit_leaves_the_release_file_which_migrates_next_time(
    release_db: Path,
) -> None:
    done = subprocess.run([sys.executable, "-c", KILLED_MIDWAY, str(release_db)], timeout=60)
    assert done.returncode == -9
    version, names = _schema(release_db)  # the -wal's uncommitted frames do not count
    assert version == 2 and "messages_fts" in names and "messages_trigram" not in names
    with HistoryStore.open(release_db) as store:
        assert [h.conversation_id for h in store.search("瑞利散射")] == [2]
        assert len(store.load(2).messages) == 2
    assert _schema(release_db)[0] == SCHEMA_VERSION


def test_without_fts5_trigram_the_search_scans_and_the_index_is_built_later(
    release_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A SQLite without FTS5 or its trigram tokenizer (before 3.34) migrates the file without the index and
    searches by scanning; one with it builds the index at the next opening."""
    monkeypatch.setattr(history.schema, "_fts5_available", lambda conn: False)
    with HistoryStore.open(release_db) as plain:
        assert not plain.fts
        assert [h.conversation_id for h in plain.search("瑞利散射")] == [2]
        plain.add_message(2, Message("user", "光合作用是什么"))
    version, names = _schema(release_db)
    assert version == SCHEMA_VERSION and not any(name.startswith("messages_trigram") for name in names)
    monkeypatch.undo()
    with HistoryStore.open(release_db) as full:
        assert full.fts
        assert [h.conversation_id for h in full.search("光合作用")] == [2]
    assert "messages_fts" not in _schema(release_db)[1]  # the word index left behind is gone too


# -- the index gives the scan's results ------------------------------------------------------------------------

LATIN = "abcAB %_\\"
CJK = "天空蓝色光合作用"
texts = st.text(alphabet=LATIN + CJK + "\n", max_size=40)
words = st.text(alphabet=LATIN.replace(" ", "") + CJK, min_size=1, max_size=5)


def _reference(contents: list[tuple[str, str]], query: list[str], include_reasoning: bool) -> list[int]:
    """Positions of the messages holding every word: ``LIKE``'s rule (case-insensitive for ASCII only)."""

    def fold(text: str) -> str:
        return re.sub("[A-Z]", lambda m: m.group().lower(), text)

    found = []
    for position, (content, reasoning) in enumerate(contents):
        text = fold(content + ("\n" + reasoning if include_reasoning else ""))
        if all(fold(w) in text for w in query):
            found.append(position)
    return found[::-1]  # newest first


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    contents=st.lists(st.tuples(texts, texts), min_size=1, max_size=12),
    query=st.lists(words, min_size=1, max_size=3),
    include_reasoning=st.booleans(),
)
def test_the_index_finds_what_the_scan_finds(
    contents: list[tuple[str, str]], query: list[str], include_reasoning: bool
) -> None:
    with tempfile.TemporaryDirectory() as folder, HistoryStore.open(Path(folder) / "h.db") as store:
        conversation = Conversation(title="t")
        for content, reasoning in contents:
            conversation.messages.append(Message("assistant", content, reasoning=reasoning))
        store.create_conversation(conversation)
        ids = [m.id for m in conversation.messages]
        expected = [ids[i] for i in _reference(contents, query, include_reasoning)]
        scanned = search_scan(store._read, query, include_reasoning, 100)
        assert [h.message_id for h in scanned] == expected and scanned.complete
        if trigrams(query):  # the index serves the query only when a word has a run of 3 characters
            indexed = search_index(store._read, query, include_reasoning, 100)
            assert [h.message_id for h in indexed] == expected
            assert [(h.snippet, h.highlights, h.in_reasoning) for h in indexed] == [
                (h.snippet, h.highlights, h.in_reasoning) for h in scanned
            ]


@pytest.mark.parametrize(
    "query",
    [
        "sky",
        "SKY blue",
        "scatter",
        "天空",
        "天",
        "瑞利散射",
        "散射得更多",
        "光合作用",
        "sqlite3 分词器",
        "ter",
        "o",
    ],
)
def test_the_store_search_equals_the_scan_for_latin_and_cjk_queries(release_db: Path, query: str) -> None:
    with HistoryStore.open(release_db) as store:
        for include_reasoning in (False, True):
            words = query.split()
            expected = [h.message_id for h in search_scan(store._read, words, include_reasoning, 50)]
            found = store.search(query, include_reasoning=include_reasoning)
            assert isinstance(found, SearchHits) and found.complete
            assert [h.message_id for h in found] == expected
        assert expected  # every query finds something (光合作用 only in reasoning)


def test_a_scan_stops_in_time_and_says_how_far_back_it_looked(tmp_path: Path) -> None:
    """A query of one or two characters is a scan: bounded (here by a budget of no time at all, so it
    reads one slice of messages), newest first, and it says it did not look at everything."""
    from siliconchat.core.history import search as search_module

    with HistoryStore.open(tmp_path / "h.db") as store:
        conversation = Conversation(title="many")
        conversation.messages = [Message("user", f"天 {n}") for n in range(30)]
        store.create_conversation(conversation)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(search_module, "SCAN_SLICE", 10)
            hits = search_scan(store._read, ["天"], False, 100, seconds=0.0)
        assert not hits.complete and hits.searched == 10
        assert [h.message_id for h in hits] == [m.id for m in conversation.messages[::-1][:10]]
        full = store.search("天", limit=100)
        assert full.complete and len(full) == 30


def test_a_stopped_search_ends_at_once_and_says_it_is_incomplete(tmp_path: Path) -> None:
    """``stop`` (a newer query typed) ends a scan between its slices and interrupts an index query inside
    SQLite; the hits then say they are not complete."""
    from siliconchat.core.history import search as search_module

    with HistoryStore.open(tmp_path / "h.db") as store:
        conversation = Conversation(title="many")
        conversation.messages = [Message("user", f"天 sky {n}") for n in range(30)]
        store.create_conversation(conversation)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(search_module, "SCAN_SLICE", 10)
            answers = iter([False, True])  # asked before each slice: the second slice is not read
            hits = store.search("天", limit=100, stop=lambda: next(answers))
            assert not hits.complete and hits.searched == 10
            assert [h.message_id for h in hits] == [m.id for m in conversation.messages[::-1][:10]]
            patch.setattr(search_module, "STOP_STEPS", 1)  # asked at SQLite's first step
            hits = store.search("sky", limit=100, stop=lambda: True)
            assert hits == [] and not hits.complete
        # Not stopped: everything, and the connection has no progress handler left behind.
        assert len(store.search("sky", limit=100, stop=lambda: False)) == 30
        assert len(store.search("sky", limit=100)) == 30
        assert store.search("天", limit=100).complete
