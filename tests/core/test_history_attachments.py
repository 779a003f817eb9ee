"""Attachments in the history (real SQLite) and in transcripts: stored once per content, migrated, restored,
exported and imported back without loss."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest
from attachment_support import encoded, photo

from siliconchat.core.attachments import Attachment, AttachmentLimits, attach_stream
from siliconchat.core.conversation import Conversation, Message
from siliconchat.core.history import HistoryError, HistoryStore
from siliconchat.core.history.attachment_rows import create_tables
from siliconchat.core.history.schema import MIGRATIONS, SCHEMA_VERSION
from siliconchat.core.transcript import (
    image_filename,
    import_json,
    save_transcript,
    to_json,
    to_markdown,
    write_markdown,
)

LIMITS = AttachmentLimits()
BEFORE = MIGRATIONS.index(create_tables)
"""The schema version just before attachments: what the release without them writes."""


CAT = encoded(photo(64, 48), "PNG")


def image(name: str) -> Attachment:
    return attach_stream(io.BytesIO(CAT), LIMITS, name=name)


def text(name: str, body: str) -> Attachment:
    return attach_stream(io.BytesIO(body.encode()), LIMITS, name=name)


def conversation() -> Conversation:
    return Conversation(
        title="With files",
        messages=[
            Message(
                "user",
                "Look",
                attachments=[text("a.py", "print(1)\n"), text("b.md", "# B\n"), image("cat.png")],
            ),
            Message("assistant", "A cat.", model="demo/vision"),
            Message("user", "Again", attachments=[image("same-cat.png")]),  # the same bytes: stored once
            Message("assistant", "Still a cat.", model="demo/vision"),
        ],
    )


def table_count(path: Path, table: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


def test_attachments_are_stored_once_per_content_and_restored(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    chat = conversation()
    with HistoryStore.open(path) as store:
        conversation_id = store.create_conversation(chat)
        reopened = store.load(conversation_id)
    assert [m.attachments for m in reopened.messages] == [m.attachments for m in chat.messages]
    assert table_count(path, "attachments") == 4
    assert table_count(path, "blobs") == 3  # cat.png and same-cat.png share their bytes
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT name, media_type, size, sha256, width, height FROM attachments ORDER BY id"
    ).fetchall()
    conn.close()
    cat = chat.messages[0].attachments[2]
    assert rows[2] == ("cat.png", "image/png", cat.size, cat.sha256, 64, 48)


def test_deleting_leaves_no_bytes_behind(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    with HistoryStore.open(path) as store:
        first = store.create_conversation(conversation())
        second = store.create_conversation(conversation())
        store.delete(first)
        assert table_count(path, "blobs") == 3  # still used by the second
        assert store.load(second).messages[2].attachments[0].name == "same-cat.png"
        store.delete(second)
    assert table_count(path, "attachments") == 0 and table_count(path, "blobs") == 0


def write_previous_release(path: Path) -> None:
    """A history as the release before attachments writes it: its schema and rows of every kind."""
    conn = sqlite3.connect(path, isolation_level=None)
    for migrate in MIGRATIONS[:BEFORE]:
        migrate(conn)
    conn.execute(f"PRAGMA user_version = {BEFORE}")
    conn.execute("INSERT INTO conversations VALUES (1, 'Old chat', 100.0, 200.0, NULL, '{}', 'm/old')")
    conn.execute(
        "INSERT INTO messages (id, conversation_id, position, role, content, created) VALUES"
        " (1, 1, 0, 'user', 'tell me about quasars', 101.0), (2, 1, 1, 'assistant', 'Bright.', 102.0)"
    )
    conn.close()


def test_migration_from_the_previous_release(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    write_previous_release(path)
    with HistoryStore.open(path) as store:
        old = store.load(1)
        assert [(m.content, m.attachments) for m in old.messages] == [
            ("tell me about quasars", []),
            ("Bright.", []),
        ]
        old.messages.append(Message("user", "and this?", attachments=[image("p.png")]))
        store.add_message(1, old.messages[-1])
        assert store.load(1).messages[-1].attachments == old.messages[-1].attachments
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    create_tables(conn)  # idempotent: a second run changes nothing and does not fail
    conn.close()
    with HistoryStore.open(path) as store:
        assert len(store.load(1).messages) == 3


def test_a_failed_migration_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    write_previous_release(path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE VIEW attachments AS SELECT 1 AS sha256")  # makes the migration's index fail
    conn.close()
    with pytest.raises(HistoryError, match="cannot set it up"):
        HistoryStore.open(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == BEFORE
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'blobs'").fetchone() is None
    assert conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 2
    conn.close()


def test_json_round_trip_is_lossless() -> None:
    chat = conversation()
    written = to_json(chat)
    data = json.loads(written)
    embedded = data["messages"][0]["attachments"][2]
    assert embedded["name"] == "cat.png" and embedded["sha256"] == chat.messages[0].attachments[2].sha256
    assert "attachments" not in data["messages"][1]
    back = import_json(written)
    assert [m.attachments for m in back.messages] == [m.attachments for m in chat.messages]
    assert to_json(back) == written  # the same document again


def test_import_refuses_changed_attachment_bytes(tmp_path: Path) -> None:
    data = json.loads(to_json(conversation()))
    data["messages"][0]["attachments"][0]["data"] = "cHJpbnQoMik="  # print(2)
    with pytest.raises(Exception, match=r"messages\[0\]\.attachments\[0\]\.data does not match its sha256"):
        import_json(json.dumps(data))


def test_markdown_lists_attachments_and_shows_text_inline() -> None:
    markdown = to_markdown(conversation())
    assert "**Attachments:**\n\n- a.py · 9 B · text\n- b.md · 4 B · text\n- cat.png · " in markdown
    assert "· PNG 64×48\n\n```python a.py\nprint(1)\n```\n\n```markdown b.md\n# B\n```" in markdown


def test_markdown_saved_with_its_images_beside_it(tmp_path: Path) -> None:
    tmp_path = tmp_path / "out"  # (the tests' own XDG folders are in tmp_path)
    tmp_path.mkdir()
    conv = conversation()
    cat = conv.messages[0].attachments[2]
    picture = f"cat-{cat.sha256[:12]}.png"
    assert image_filename(cat) == picture
    (md,) = save_transcript(conv, tmp_path, ("md",))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([md.name, picture])  # one file per content
    assert (tmp_path / picture).read_bytes() == cat.data
    markdown = md.read_text(encoding="utf-8")
    assert f"```markdown b.md\n# B\n```\n\n![cat.png]({picture})\n" in markdown
    assert f"![same-cat.png]({picture})" in markdown

    # saved again: the image file that holds the same bytes is linked, not written again
    (again,) = save_transcript(conv, tmp_path, ("md",))
    assert again.name.endswith(" (2).md") and len(list(tmp_path.iterdir())) == 3
    assert again.read_text(encoding="utf-8") == markdown


def test_an_image_never_overwrites_another_file(tmp_path: Path) -> None:
    tmp_path = tmp_path / "out"  # (the tests' own XDG folders are in tmp_path)
    tmp_path.mkdir()
    conv = conversation()
    cat = conv.messages[0].attachments[2]
    taken = tmp_path / f"cat-{cat.sha256[:12]}.png"
    taken.write_bytes(b"someone else's picture")
    written = write_markdown(conv, tmp_path / "chat.md")
    assert taken.read_bytes() == b"someone else's picture"
    numbered = f"cat-{cat.sha256[:12]} (2).png"
    assert (tmp_path / numbered).read_bytes() == cat.data
    assert f"![cat.png]({numbered.replace(' ', '%20').replace('(', '%28').replace(')', '%29')})" in (
        written.read_text(encoding="utf-8")
    )
    with pytest.raises(FileExistsError):
        write_markdown(conv, tmp_path / "chat.md")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.png", "etc passwd"),
        ("[x](y).png", "[x](y)"),
        ("CON.png", "CON image"),
        (".hidden.png", "hidden"),
        ("\u202e\x1b[31m.png", "[31m"),  # the controls go, the rest is text
        ("\u202e.png", "image"),
        ("a" * 300 + ".png", "a" * 40),
    ],
)
def test_image_file_names_are_safe(name: str, expected: str, tmp_path: Path) -> None:
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    attachment = image(name)
    file_name = image_filename(attachment)
    assert file_name == f"{expected}-{attachment.sha256[:12]}.png"
    markdown = write_markdown(
        Conversation(messages=[Message("user", "x", attachments=[attachment])]), tmp_path / "c.md"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["c.md", file_name])
    links = [line for line in markdown.read_text(encoding="utf-8").splitlines() if line.startswith("![")]
    assert len(links) == 1 and links[0].endswith(")") and "/" not in links[0].rpartition("](")[2]
