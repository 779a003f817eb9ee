"""A damaged history with a hot WAL (a crash, then damage): the check changes none of its three files, the
set moves aside as one and the message says where. Real SQLite files; the crash is a real ``kill -9``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from siliconchat.core.conversation import Conversation, Message
from siliconchat.core.history import HistoryError, HistoryStore
from siliconchat.core.history.check import examine, move_aside, sidecars

# Writes conversations into the WAL (no checkpoint) and dies with kill -9, as a crashed siliconchat would.
CRASHING_WRITER = """
import os, sys
from pathlib import Path
from siliconchat.core.conversation import Conversation, Message
from siliconchat.core.history import HistoryStore
store = HistoryStore.open(Path(sys.argv[1]))
store._conn.execute("PRAGMA wal_autocheckpoint = 0")
for i in range(int(sys.argv[2])):
    store.create_conversation(Conversation(messages=[Message("user", f"only in the wal {i} " + "w" * 300)]))
os.kill(os.getpid(), 9)
"""


def _history_with_hot_wal(path: Path, *, checkpointed: int = 150, in_wal: int = 40) -> None:
    with HistoryStore.open(path) as store:
        for i in range(checkpointed):
            store.create_conversation(
                Conversation(messages=[Message("user", f"in the file {i} " + "f" * 400)])
            )
    done = subprocess.run([sys.executable, "-c", CRASHING_WRITER, str(path), str(in_wal)], check=False)
    assert done.returncode == -signal.SIGKILL
    wal, shm = sidecars(path)
    assert wal.stat().st_size > 0 and shm.exists(), "the crash left a hot WAL"


def _damage(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 16384] = bytes(range(256)) * 64
    path.write_bytes(bytes(data))


def _contents(path: Path) -> list[bytes]:
    return [p.read_bytes() for p in (path, *sidecars(path))]


def test_checking_a_damaged_file_with_a_hot_wal_changes_none_of_its_files(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    path = tmp_path / "data" / "history.db"
    _history_with_hot_wal(path)
    _damage(path)
    before = _contents(path)
    result = examine(path)
    assert result.damage is not None and "damaged" in result.damage
    assert _contents(path) == before


def test_a_damaged_file_with_a_hot_wal_moves_aside_as_one_set_and_a_new_history_starts(
    tmp_path: Path,
) -> None:
    (tmp_path / "data").mkdir()
    path = tmp_path / "data" / "history.db"
    _history_with_hot_wal(path)
    _damage(path)
    before = _contents(path)
    with HistoryStore.open(path) as store:
        assert store.count() == 0  # a new, empty history
        notice = store.notice
    assert notice is not None and "damaged" in notice
    [moved] = [
        p for p in path.parent.iterdir() if p.name.startswith("history.damaged-") and p.suffix == ".db"
    ]
    assert str(path) in notice and str(moved) in notice
    assert _contents(moved) == before  # the three files, byte for byte, under the new name
    assert sorted(p.name for p in path.parent.iterdir() if "damaged" in p.name) == [
        moved.name,
        moved.name + "-shm",
        moved.name + "-wal",
    ]


def test_a_sound_file_with_a_hot_wal_keeps_what_the_wal_holds(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    path = tmp_path / "data" / "history.db"
    _history_with_hot_wal(path, checkpointed=20, in_wal=30)
    assert examine(path).damage is None
    with HistoryStore.open(path) as store:
        assert store.notice is None
        assert store.count() == 50
        assert "only in the wal 29" in store.load(store.list_conversations(1)[0].id).messages[0].content
    assert not [p for p in path.parent.iterdir() if "damaged" in p.name]


def test_moving_aside_is_all_or_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "data").mkdir()
    path = tmp_path / "data" / "history.db"
    files = (path, *sidecars(path))
    for number, file in enumerate(files):
        file.write_bytes(bytes([number]) * 100)
    real_rename = os.rename
    calls: list[str] = []

    def rename(source: str | Path, destination: str | Path) -> None:
        calls.append(str(source))
        if str(source).endswith("-shm"):  # the last of the three fails (a fault injected into the move)
            raise PermissionError(13, "Permission denied")
        real_rename(source, destination)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(PermissionError):
        move_aside(path)
    monkeypatch.undo()
    assert [f.read_bytes() for f in files] == [bytes([n]) * 100 for n in range(3)]
    assert sorted(p.name for p in path.parent.iterdir()) == sorted(f.name for f in files)
    assert len(calls) >= 3


def test_a_damaged_file_that_cannot_be_moved_is_refused_and_left_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "data").mkdir()
    path = tmp_path / "data" / "history.db"
    _history_with_hot_wal(path, checkpointed=150, in_wal=5)
    _damage(path)
    before = _contents(path)

    def rename(source: str | Path, destination: str | Path) -> None:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(HistoryError) as caught:
        HistoryStore.open(path)
    monkeypatch.undo()
    message = str(caught.value)
    assert str(path) in message and "damaged" in message and "Read-only file system" in message
    assert _contents(path) == before
