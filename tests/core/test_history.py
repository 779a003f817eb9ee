"""The SQLite history: real files in tmp_path, real concurrent writers, no mocks."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from history_support import comparable, full_conversation

from siliconchat import paths
from siliconchat.core import history
from siliconchat.core.conversation import Conversation, Message, MessageState, ModelParams, Timings, Usage
from siliconchat.core.history import (
    INTERRUPTED,
    SCHEMA_VERSION,
    ConversationNotFound,
    HistoryError,
    HistoryStore,
    make_title,
)

KEY = "sk-" + "k" * 48


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "hist" / "history.db"


@pytest.fixture
def store(db: Path) -> HistoryStore:
    opened = HistoryStore.open(db)
    yield opened  # type: ignore[misc]
    opened.close()


# -- opening and files ---------------------------------------------------------------------------------


def test_default_location_and_private_modes(isolated_dirs: dict[str, Path]) -> None:
    with HistoryStore.open() as store:
        assert store.path == paths.history_db()
        assert store.path.is_relative_to(isolated_dirs["XDG_DATA_HOME"])
    assert stat.S_IMODE(paths.history_db().parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(paths.history_db().stat().st_mode) == 0o600


def test_pragmas(store: HistoryStore, db: Path) -> None:
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 6
    conn.close()
    raw = store._connection()
    assert raw.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert raw.execute("PRAGMA busy_timeout").fetchone()[0] == history.BUSY_TIMEOUT_MS


# -- round trip ------------------------------------------------------------------------------------------


def test_round_trip_of_every_field(store: HistoryStore) -> None:
    conv = full_conversation()
    conversation_id = store.create_conversation(conv)
    assert conv.id == conversation_id and all(m.id is not None for m in conv.messages)
    assert conv.title == make_title(conv.messages[0].content)  # from the first prompt
    loaded = store.load(conversation_id)
    assert comparable(loaded) == comparable(conv)
    assert [m.id for m in loaded.messages] == [m.id for m in conv.messages]
    assert loaded.id == conversation_id


def test_messages_added_later_keep_their_order_and_update_the_conversation(store: HistoryStore) -> None:
    conv = Conversation()
    store.create_conversation(conv)
    assert conv.title == ""
    user = conv.add_user("First prompt\nwith two lines")
    store.add_message(conv.id, user)  # type: ignore[arg-type]
    answer = conv.add_assistant("m/one")
    store.add_message(conv.id, answer)  # type: ignore[arg-type]
    answer.content, answer.reasoning, answer.state = "done", "thought", MessageState.COMPLETE
    answer.usage, answer.timings, answer.finish_reason = Usage(1, 2, 1, 3), Timings(0.1, 0.2, 0.3), "stop"
    store.update_message(answer)
    loaded = store.load(conv.id)  # type: ignore[arg-type]
    assert [m.content for m in loaded.messages] == ["First prompt\nwith two lines", "done"]
    assert loaded.messages[1] == answer
    assert loaded.title == "First prompt with two lines"  # set by the first user message
    summary = store.list_conversations()[0]
    assert (summary.model, summary.message_count, summary.title) == ("m/one", 2, loaded.title)


def test_append_creates_the_conversation_on_first_use(store: HistoryStore) -> None:
    conv = Conversation()
    first = conv.add_user("hello there")
    assert store.append(conv, first) == first.id and conv.id is not None
    second = conv.add_assistant("m")
    store.append(conv, second)
    loaded = store.load(conv.id)
    assert [m.id for m in loaded.messages] == [first.id, second.id] and loaded.title == "hello there"


def test_update_conversation_rename_delete_count_latest(store: HistoryStore) -> None:
    a, b = Conversation(title="a"), Conversation(title="b")
    store.create_conversation(a)
    store.create_conversation(b)
    assert store.count() == 2 and store.latest().id == b.id  # type: ignore[union-attr]
    a.system_prompt, a.params, a.updated_at = "sys", ModelParams(temperature=1.5), b.updated_at + 10
    a.title = "renamed \x1b[2J in place"
    store.update_conversation(a)
    loaded = store.load(a.id)  # type: ignore[arg-type]
    assert (loaded.system_prompt, loaded.params, loaded.title) == ("sys", a.params, "renamed in place")
    assert store.latest().id == a.id  # type: ignore[union-attr]
    assert store.rename(b.id, "new\nname") == "new name"  # type: ignore[arg-type]
    assert store.load(b.id).title == "new name"  # type: ignore[arg-type]
    assert store.delete(a.id) is True and store.delete(a.id) is False  # type: ignore[arg-type]
    with pytest.raises(ConversationNotFound) as caught:
        store.load(a.id)  # type: ignore[arg-type]
    assert str(store.path) in str(caught.value)
    with pytest.raises(ConversationNotFound):
        store.add_message(a.id, Message(role="user", content="x"))  # type: ignore[arg-type]
    with pytest.raises(ConversationNotFound):
        store.rename(a.id, "x")  # type: ignore[arg-type]
    assert store.count() == 1


def test_delete_cascades_to_messages(store: HistoryStore) -> None:
    conv = full_conversation()
    store.create_conversation(conv)
    store.delete(conv.id)  # type: ignore[arg-type]
    conn = store._connection()
    assert conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 0
    assert store.search("sky") == []


def test_delete_after_another_connection_changed_the_schema(db: Path) -> None:
    with HistoryStore.open(db) as writer:
        first, second = full_conversation(), full_conversation()
        writer.create_conversation(first)
        writer.create_conversation(second)
    with HistoryStore.open(db) as store:
        # Another instance reads, then closes (its PRAGMA optimize adds sqlite_stat1: a schema change).
        with HistoryStore.open(db) as other:
            other.load(first.id)  # type: ignore[arg-type]
        assert store.delete(second.id) is True  # type: ignore[arg-type]
        assert store.count() == 1


def test_a_message_left_streaming_by_a_dead_process_loads_as_incomplete(
    store: HistoryStore, db: Path
) -> None:
    conv = Conversation()
    conv.add_user("q")
    answer = conv.add_assistant("m")
    answer.content = "half an ans"
    store.create_conversation(conv)
    loaded = store.load(conv.id).messages[1]  # type: ignore[arg-type]
    assert loaded.state is MessageState.INCOMPLETE and loaded.error == INTERRUPTED
    assert loaded.content == "half an ans"
    raw = sqlite3.connect(db).execute("SELECT state FROM messages WHERE id = ?", (answer.id,)).fetchone()
    assert raw == ("streaming",)  # not rewritten: another instance may still be streaming it


# -- titles ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("Why is the sky blue?", "Why is the sky blue?"),
        ("  two\n\tlines  ", "two lines"),
        ("\x1b]0;pwned\x07title \x1b[31mred\x1b[0m\x00", "title red"),
        ("[bold]x[/] [@click=app.quit]q[/]", "[bold]x[/] [@click=app.quit]q[/]"),  # inert text, kept
        ("", ""),
    ],
)
def test_titles_from_hostile_prompts(prompt: str, expected: str) -> None:
    assert make_title(prompt) == expected


def test_long_titles_are_cut_at_a_word_boundary() -> None:
    title = make_title("word " * 40)
    assert len(title) <= 60 and title.endswith("word…")
    unbroken = make_title("x" * 500)
    assert len(unbroken) == 60 and unbroken.endswith("…")


# -- list and search ---------------------------------------------------------------------------------------


def add_conversation(
    store: HistoryStore, prompt: str, answer: str, *, reasoning: str = "", at: float
) -> Conversation:
    conv = Conversation(created_at=at, updated_at=at)
    conv.add_user(prompt).created_at = at
    message = conv.add_assistant("m/x")
    message.content, message.reasoning, message.state, message.created_at = (
        answer,
        reasoning,
        MessageState.COMPLETE,
        at,
    )
    conv.updated_at = at
    store.create_conversation(conv)
    return conv


def test_list_is_ordered_by_last_activity(store: HistoryStore) -> None:
    old = add_conversation(store, "old", "a", at=1000.0)
    mid = add_conversation(store, "mid", "a", at=2000.0)
    new = add_conversation(store, "new", "a", at=3000.0)
    assert [c.id for c in store.list_conversations()] == [new.id, mid.id, old.id]
    follow_up = Message(role="user", content="back to the old one", created_at=4000.0)
    store.add_message(old.id, follow_up)  # type: ignore[arg-type]
    assert [c.id for c in store.list_conversations()] == [old.id, new.id, mid.id]
    assert [c.id for c in store.list_conversations(limit=1, offset=1)] == [new.id]
    assert store.list_conversations()[0].message_count == 3
    assert store.latest().id == old.id  # type: ignore[union-attr]


def test_search_prompts_answers_and_optionally_reasoning(store: HistoryStore) -> None:
    assert store.fts
    sky = add_conversation(
        store, "Why is the sky blue?", "Rayleigh scattering", reasoning="photons bounce", at=1.0
    )
    add_conversation(store, "Recipe for bread", "Flour, water, salt.", at=2.0)
    prompt_hits = store.search("sky")
    assert [(h.conversation_id, h.role) for h in prompt_hits] == [(sky.id, "user")]
    assert [h.message_id for h in store.search("rayleigh")] == [sky.messages[1].id]  # case-insensitive
    assert store.search("scatter")[0].message_id == sky.messages[1].id  # prefix
    assert store.search("photons") == []  # reasoning is left out by default
    hit = store.search("photons", include_reasoning=True)[0]
    assert hit.in_reasoning and hit.message_id == sky.messages[1].id and hit.title == "Why is the sky blue?"
    assert hit.snippet[slice(*hit.highlights[0])] == "photons"
    assert [h.conversation_id for h in store.search("sky rayleigh")] == []  # every word, in one message
    assert store.search("   ") == [] and store.search('"*') == [] and store.search("AND OR NOT (") == []


def test_search_follows_updates_and_newest_first(store: HistoryStore) -> None:
    first = add_conversation(store, "comet one", "x", at=1.0)
    second = add_conversation(store, "comet two", "x", at=2.0)
    assert [h.conversation_id for h in store.search("comet")] == [second.id, first.id]
    answer = first.messages[1]
    answer.content = "now about a nebula"
    store.update_message(answer)
    assert [h.message_id for h in store.search("nebula")] == [answer.id]
    assert store.search("comet", limit=1)[0].conversation_id == second.id


def test_search_snippets_are_sanitized_lines(store: HistoryStore) -> None:
    add_conversation(store, "q", "before\n\x1b]52;c;aGk=\x07 the \x1b[31m needle\x1b[0m after", at=1.0)
    hit = store.search("needle")[0]
    assert "\x1b" not in hit.snippet and "\n" not in hit.snippet
    assert hit.snippet[slice(*hit.highlights[0])] == "needle"


def test_search_cjk_text(store: HistoryStore) -> None:
    conv = add_conversation(store, "为什么天空是蓝色的", "因为瑞利散射。", at=1.0)
    assert [h.message_id for h in store.search("天空")] == [conv.messages[0].id]
    assert [h.message_id for h in store.search("散射")] == [conv.messages[1].id]


def test_search_without_fts5_falls_back_to_like(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(history.schema, "_fts5_available", lambda conn: False)  # a SQLite built without FTS5
    with HistoryStore.open(db) as plain:
        assert not plain.fts
        conv = add_conversation(plain, "Why is the sky blue?", "Rayleigh", reasoning="photons", at=1.0)
        assert [h.message_id for h in plain.search("SKY blue")] == [conv.messages[0].id]
        assert plain.search("photons") == []
        assert plain.search("photons", include_reasoning=True)[0].in_reasoning
        assert plain.search("100%") == []  # LIKE wildcards are escaped
    monkeypatch.undo()
    with HistoryStore.open(db) as full:  # FTS5 again: the index is rebuilt, including what came meanwhile
        assert full.fts
        assert [h.message_id for h in full.search("rayleigh")] == [conv.messages[1].id]


# -- damaged files move aside; foreign and newer files are refused and left untouched ---------------------------


def assert_moved_aside(path: Path, *words: str) -> None:
    before = path.read_bytes()
    with HistoryStore.open(path) as store:
        assert store.count() == 0
        notice = store.notice
    assert notice is not None
    [moved] = path.parent.glob(f"{path.stem}.damaged-*{path.suffix}")
    assert str(path) in notice and str(moved) in notice, notice
    for word in words:
        assert word in notice, notice
    assert moved.read_bytes() == before


def assert_refused(path: Path, *words: str) -> None:
    before = path.read_bytes()
    with pytest.raises(HistoryError) as caught:
        HistoryStore.open(path)
    message = str(caught.value)
    assert str(path) in message, message
    for word in words:
        assert word in message, message
    assert path.read_bytes() == before
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0


def test_random_bytes_move_aside(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    path.write_bytes(os.urandom(8192))
    assert_moved_aside(path, "not a SQLite database")


def test_a_truncated_database_moves_aside(db: Path) -> None:
    with HistoryStore.open(db) as store:
        for i in range(200):
            add_conversation(store, f"prompt {i} " + "x" * 500, "answer " * 200, at=float(i))
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])
    assert_moved_aside(db, "damaged")


def test_a_damaged_page_moves_aside(db: Path) -> None:
    with HistoryStore.open(db) as store:
        for i in range(200):
            add_conversation(store, f"prompt {i} " + "x" * 500, "answer " * 200, at=float(i))
    data = bytearray(db.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 8192] = os.urandom(8192)
    db.write_bytes(bytes(data))
    assert_moved_aside(db, "damaged")


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE future (x)")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    assert_refused(path, "newer siliconchat", f"schema version {SCHEMA_VERSION + 1}")


def test_another_programs_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE conversations (other TEXT)")
    conn.commit()
    conn.close()
    assert_refused(path, "some other program")


def test_a_folder_in_the_way(tmp_path: Path) -> None:
    (tmp_path / "history.db").mkdir()
    with pytest.raises(HistoryError, match="folder"):
        HistoryStore.open(tmp_path / "history.db")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file(db: Path) -> None:
    HistoryStore.open(db).close()
    db.chmod(0)
    try:
        with pytest.raises(HistoryError) as caught:
            HistoryStore.open(db)
        assert str(db) in str(caught.value)
    finally:
        db.chmod(0o600)


def test_an_empty_file_becomes_a_new_history(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    path.touch()
    with HistoryStore.open(path) as store:
        assert store.count() == 0


# -- migration ---------------------------------------------------------------------------------------------

# Version 1 as it shipped, written out here (not imported) so that a change to the code cannot change it.
V1_SCHEMA = """
CREATE TABLE conversations (
    id INTEGER PRIMARY KEY, title TEXT NOT NULL DEFAULT '', created REAL NOT NULL, updated REAL NOT NULL,
    system_prompt TEXT, params TEXT NOT NULL DEFAULT '{}', model TEXT);
CREATE INDEX conversations_by_activity ON conversations (updated, id);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    position INTEGER NOT NULL, role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
    content TEXT NOT NULL DEFAULT '', reasoning TEXT NOT NULL DEFAULT '', model TEXT, usage TEXT,
    finish_reason TEXT, error TEXT, created REAL NOT NULL, UNIQUE (conversation_id, position));
PRAGMA user_version = 1;
"""


def test_migration_from_version_1(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    conn = sqlite3.connect(path)
    conn.executescript(V1_SCHEMA)
    conn.execute(
        "INSERT INTO conversations VALUES (1, 'Old chat', 100.0, 200.0, 'sys', ?, 'm/old')",
        ('{"temperature": 0.5}',),
    )
    rows = [
        (1, 1, 0, "user", "tell me about quasars", "", None, None, None, None, 101.0),
        (
            2,
            1,
            1,
            "assistant",
            "Quasars are bright.",
            "hmm",
            "m/old",
            '{"prompt_tokens": 3}',
            "stop",
            None,
            102.0,
        ),
        (3, 1, 2, "user", "and pulsars?", "", None, None, None, None, 103.0),
        (4, 1, 3, "assistant", "Pulsars sp", "", "m/old", None, None, "The stream broke off.", 104.0),
        (5, 1, 4, "user", "retry", "", None, None, None, None, 105.0),
        (6, 1, 5, "assistant", "", "", "m/old", None, None, "HTTP 503", 106.0),
    ]
    conn.executemany("INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()

    with HistoryStore.open(path) as store:
        conv = store.load(1)
        assert (conv.title, conv.system_prompt, conv.params.temperature) == ("Old chat", "sys", 0.5)
        states = [m.state for m in conv.messages]
        assert states == [MessageState.COMPLETE] * 3 + [
            MessageState.INCOMPLETE,
            MessageState.COMPLETE,
            MessageState.FAILED,
        ]
        assert conv.messages[1].usage == Usage(prompt_tokens=3)
        assert conv.messages[1].timings == Timings()
        assert [h.message_id for h in store.search("quasars")] == [2, 1]  # the old text is indexed
        reply = Message(role="user", content="new message after the upgrade")
        store.add_message(1, reply)
        assert store.load(1).messages[-1].content == reply.content
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


# -- two writers at once -------------------------------------------------------------------------------------

WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from siliconchat.core.conversation import Conversation, Message
    from siliconchat.core.history import HistoryStore

    path, shared, name, count, start = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
    store = HistoryStore.open(path)
    own = Conversation(title=name)
    store.create_conversation(own)
    while time.time() < start:
        time.sleep(0.001)
    for i in range(count):
        store.add_message(shared, Message(role="user", content=f"{name} {i}"))
        message = Message(role="assistant", content=f"{name} answer {i}", model=name)
        store.add_message(own.id, message)
        message.content += " (final)"
        store.update_message(message)
    store.close()
    """
)


def test_two_processes_writing_at_once_lose_nothing(db: Path) -> None:
    import time

    with HistoryStore.open(db) as store:
        shared = Conversation(title="shared")
        store.create_conversation(shared)
    count = 300
    start = time.time() + 1.0  # both are running by then
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db), str(shared.id), name, str(count), str(start)]
        )
        for name in ("alpha", "beta")
    ]
    assert [p.wait(timeout=60) for p in processes] == [0, 0]
    with HistoryStore.open(db) as store:
        texts = [m.content for m in store.load(shared.id).messages]  # type: ignore[arg-type]
        for name in ("alpha", "beta"):
            assert [t for t in texts if t.startswith(name)] == [f"{name} {i}" for i in range(count)]
        owns = {c.title: c for c in store.list_conversations() if c.title != "shared"}
        for name in ("alpha", "beta"):
            answers = store.load(owns[name].id).messages
            assert [m.content for m in answers] == [f"{name} answer {i} (final)" for i in range(count)]
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert (
        conn.execute("INSERT INTO messages_trigram (messages_trigram) VALUES ('integrity-check')").fetchall()
        == []
    )
    conn.close()


def test_threads_with_their_own_connections_and_one_shared_store(db: Path) -> None:
    shared_store = HistoryStore.open(db)
    conv = Conversation(title="threads")
    shared_store.create_conversation(conv)
    errors: list[BaseException] = []

    def write(index: int) -> None:
        try:
            own = HistoryStore.open(db) if index % 2 else shared_store
            for i in range(150):
                own.add_message(conv.id, Message(role="user", content=f"t{index} {i}"))  # type: ignore[arg-type]
            if own is not shared_store:
                own.close()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    contents = [m.content for m in shared_store.load(conv.id).messages]  # type: ignore[arg-type]
    assert len(contents) == 600 and len(set(contents)) == 600
    shared_store.close()


# -- no secrets ----------------------------------------------------------------------------------------------


def test_nothing_in_the_schema_can_hold_the_key(store: HistoryStore, db: Path) -> None:
    conn = store._connection()
    columns = {
        table: [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
        for table in ("conversations", "messages")
    }
    assert columns == {
        "conversations": ["id", "title", "created", "updated", "system_prompt", "params", "model"],
        "messages": [
            "id", "conversation_id", "position", "role", "content", "reasoning", "model", "usage",
            "finish_reason", "error", "created", "state", "timings", "parent_id", "chosen",
        ],
    }  # fmt: skip
    assert set(ModelParams().to_dict()) == {
        "temperature",
        "top_p",
        "max_tokens",
        "enable_thinking",
        "thinking_budget",
    }
    conv = full_conversation()
    conv.messages[-1].error = f"HTTP 401: key {KEY} was refused"  # an error that quotes a key is scrubbed
    store.create_conversation(conv)
    assert "REDACTED" in (store.load(conv.id).messages[-1].error or "")  # type: ignore[arg-type]
    store.close()
    for path in db.parent.iterdir():
        assert KEY.encode() not in path.read_bytes()
