"""Attachments in the history: one row per attached file, its bytes in a blob table stored once per hash.

``attachments`` holds what a message had attached (name, media type, size, content hash, an image's pixel
size, the note), in order; ``blobs`` holds the bytes under their SHA-256, so the same image sent twice (or
in two conversations) is stored once. A blob goes when its last attachment row goes (a trigger), so
deleting a message or a conversation leaves no bytes behind.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Final

from siliconchat.core.attachments import Attachment
from siliconchat.core.text import safe_text

__all__ = ["ATTACHMENTS_SCHEMA", "create_tables", "insert_attachments", "load_attachments"]

ATTACHMENTS_SCHEMA: Final = (
    "CREATE TABLE IF NOT EXISTS blobs (sha256 TEXT PRIMARY KEY, data BLOB NOT NULL)",
    """CREATE TABLE IF NOT EXISTS attachments (
    id         INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    name       TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size       INTEGER NOT NULL,
    sha256     TEXT NOT NULL REFERENCES blobs (sha256),
    width      INTEGER,
    height     INTEGER,
    note       TEXT,
    UNIQUE (message_id, position)
)""",
    "CREATE INDEX IF NOT EXISTS attachments_by_blob ON attachments (sha256)",
    """CREATE TRIGGER IF NOT EXISTS attachments_blob_release AFTER DELETE ON attachments BEGIN
    DELETE FROM blobs WHERE sha256 = old.sha256
        AND NOT EXISTS (SELECT 1 FROM attachments WHERE sha256 = old.sha256);
END""",
)
"""The tables, index and trigger, each statement idempotent, created by the schema's migration
(:func:`create_tables`)."""


def create_tables(conn: sqlite3.Connection) -> None:
    """The migration to attachments (in the caller's transaction)."""
    for statement in ATTACHMENTS_SCHEMA:
        conn.execute(statement)


def insert_attachments(conn: sqlite3.Connection, message_id: int, attachments: Sequence[Attachment]) -> None:
    """Store ``attachments`` of the message ``message_id`` (in the caller's transaction)."""
    for position, attachment in enumerate(attachments):
        digest = attachment.sha256
        conn.execute("INSERT OR IGNORE INTO blobs (sha256, data) VALUES (?, ?)", (digest, attachment.data))
        conn.execute(
            "INSERT INTO attachments (message_id, position, name, media_type, size, sha256, width, height, note)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                message_id,
                position,
                safe_text(attachment.name),
                attachment.media_type,
                attachment.size,
                digest,
                attachment.width,
                attachment.height,
                safe_text(attachment.note) if attachment.note is not None else None,
            ),
        )


def load_attachments(conn: sqlite3.Connection, conversation_id: int) -> dict[int, list[Attachment]]:
    """The attachments of a conversation's messages, in order, by message id (messages without any are
    absent). A row whose blob is missing (a hand-edited file) is left out."""
    rows = conn.execute(
        "SELECT a.message_id, a.name, a.media_type, b.data, a.width, a.height, a.note"
        " FROM attachments a JOIN blobs b ON b.sha256 = a.sha256"
        " WHERE a.message_id IN (SELECT id FROM messages WHERE conversation_id = ?)"
        " ORDER BY a.message_id, a.position",
        (conversation_id,),
    ).fetchall()
    found: dict[int, list[Attachment]] = {}
    for message_id, name, media_type, data, width, height, note in rows:
        found.setdefault(message_id, []).append(
            Attachment(name, media_type, bytes(data), width=width, height=height, note=note)
        )
    return found
