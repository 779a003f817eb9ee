"""The migration of linear conversations to trees, on a database as the release before trees writes it (its
schema made by its own migrations, its rows written with its own columns): each message's parent is the one
before it, the path is what it was, a failed attempt stays out of the request, search and ``history`` still
work; opening again changes nothing; a migration that fails halfway leaves the file as it was."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest

from siliconchat.core.history import HistoryError, HistoryStore
from siliconchat.core.history import schema as schema_module

TREE_STEP = schema_module.MIGRATIONS.index(schema_module._migrate_tree)
"""The version a file has before the tree migration: the release that wrote linear conversations."""
SCHEMA = "SELECT sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
"""The schema, without SQLite's own tables (``PRAGMA optimize`` on closing may add its statistics)."""


def old_release_file(path: Path) -> None:
    """A history as the release before trees leaves it: two conversations, one with a failed attempt."""
    path.touch(mode=0o600)
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("BEGIN")
        for migrate in schema_module.MIGRATIONS[:TREE_STEP]:
            migrate(conn)
        conn.execute(f"PRAGMA user_version = {TREE_STEP}")
        conn.execute("COMMIT")
        schema_module._sync_fts(conn)  # the search index, as the release sets it up on opening
        rows = {
            1: [
                ("user", "Why is the sky blue?", "complete", None),
                ("assistant", "Rayleigh scattering.", "complete", None),
                ("user", "and at sunset?", "complete", None),
                ("assistant", "", "failed", "HTTP 500"),
                ("user", "and at sunset, again?", "complete", None),
                ("assistant", "Longer path through air.", "complete", None),
            ],
            2: [
                ("user", "Second conversation", "complete", None),
                ("assistant", "Its answer", "complete", None),
            ],
        }
        for cid, messages in rows.items():
            conn.execute(
                "INSERT INTO conversations (id, title, created, updated, params) VALUES (?, ?, ?, ?, '{}')",
                (cid, messages[0][1], 1000.0 + cid, 1000.0 + cid),
            )
            for position, (role, content, state, error) in enumerate(messages):
                conn.execute(
                    "INSERT INTO messages (conversation_id, position, role, content, state, error, created)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (cid, position, role, content, state, error, 1000.0 + cid + position / 10),
                )


def test_linear_conversations_become_trees_with_the_same_path(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    old_release_file(db)
    with HistoryStore.open(db) as store:
        conversation = store.load(1)
        assert [m.content for m in conversation.messages] == [
            "Why is the sky blue?",
            "Rayleigh scattering.",
            "and at sunset?",
            "",
            "and at sunset, again?",
            "Longer path through air.",
        ]
        assert conversation.tree == conversation.messages
        assert conversation.messages[0].parent is None
        assert all(
            m.parent is p for p, m in zip(conversation.messages, conversation.messages[1:], strict=False)
        )
        assert [m["content"] for m in conversation.request_messages()] == [
            "Why is the sky blue?",
            "Rayleigh scattering.",
            "and at sunset, again?",
            "Longer path through air.",
        ]
        assert [c.title for c in store.list_conversations()] == [
            "Second conversation",
            "Why is the sky blue?",
        ]
        assert {hit.conversation_id for hit in store.search("sunset")} == {1}
        assert store.latest().id == 2  # type: ignore[union-attr]
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == schema_module.SCHEMA_VERSION
        parents = conn.execute("SELECT id, parent_id FROM messages ORDER BY id").fetchall()
    assert parents == [(1, None), (2, 1), (3, 2), (4, 3), (5, 4), (6, 5), (7, None), (8, 7)]


def test_opening_a_migrated_file_again_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    old_release_file(db)
    HistoryStore.open(db).close()
    with contextlib.closing(sqlite3.connect(db)) as conn:
        before = conn.execute("SELECT * FROM messages ORDER BY id").fetchall()
        schema = conn.execute(SCHEMA).fetchall()
    with HistoryStore.open(db) as store:
        assert len(store.load(1).tree) == 6
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT * FROM messages ORDER BY id").fetchall() == before
        assert conn.execute(SCHEMA).fetchall() == schema


def test_a_migration_that_fails_halfway_leaves_the_old_file_usable(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    old_release_file(db)
    # The migration's last statement (its index) fails: its first ones (new columns, every parent set) ran.
    with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as conn:
        conn.execute("CREATE TABLE messages_by_parent (x)")
    with pytest.raises(HistoryError, match="messages_by_parent"):
        HistoryStore.open(db)
    with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == TREE_STEP
        columns = [row[1] for row in conn.execute("PRAGMA table_info(messages)")]
        assert "parent_id" not in columns and "chosen" not in columns
        assert conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 8
        conn.execute("DROP TABLE messages_by_parent")
    with HistoryStore.open(db) as store:  # the cause gone, it migrates
        assert [m.content for m in store.load(2).messages] == ["Second conversation", "Its answer"]


def test_parents_follow_positions_with_gaps_and_interleaved_ids(tmp_path: Path) -> None:
    """Two conversations written turn by turn in turn (their ids interleave), one with gaps in its positions
    (the release before trees left gaps where it dropped failed attempts): the parent is the message at the
    previous position of the same conversation, whatever the ids."""
    db = tmp_path / "history.db"
    old_release_file(db)
    with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as conn:
        conn.execute("INSERT INTO conversations (id, title, created, updated) VALUES (3, 'c', 3000, 3000)")
        conn.execute("INSERT INTO conversations (id, title, created, updated) VALUES (4, 'd', 3000, 3000)")
        for id_, cid, position in [(20, 4, 7), (21, 3, 0), (22, 4, 2), (23, 3, 1), (24, 4, 0), (25, 3, 5)]:
            conn.execute(
                "INSERT INTO messages (id, conversation_id, position, role, content, created)"
                " VALUES (?, ?, ?, ?, ?, 3000)",
                (id_, cid, position, "user" if position % 2 == 0 else "assistant", f"m{id_}"),
            )
    HistoryStore.open(db).close()
    with contextlib.closing(sqlite3.connect(db)) as conn:
        parents = dict(conn.execute("SELECT id, parent_id FROM messages WHERE conversation_id IN (3, 4)"))
        assert conn.execute("SELECT name FROM sqlite_temp_master").fetchall() == []
    assert parents == {21: None, 23: 21, 25: 23, 24: None, 22: 24, 20: 22}


def test_a_migrated_file_still_deletes_a_conversation_with_its_messages(tmp_path: Path) -> None:
    """Foreign keys are enforced again after the migration: deleting a conversation takes its messages (and
    their branches) with it."""
    db = tmp_path / "history.db"
    old_release_file(db)
    with HistoryStore.open(db) as store:
        assert store.delete(1)
        assert [c.title for c in store.list_conversations()] == ["Second conversation"]
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT DISTINCT conversation_id FROM messages").fetchall() == [(2,)]
