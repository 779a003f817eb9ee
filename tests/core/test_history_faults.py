"""A history that cannot be written: the message says which path and what happened (read-only, no space).

Tests run as root here, and root ignores file modes, so a read-only folder or file is made with
``chattr +i`` (immutable: refused even to root) when running as root and with ``chmod`` otherwise. A full
disk is a real one: a 256 KB tmpfs mounted in a private mount namespace (``unshare -m``, root only)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from siliconchat.core.conversation import Conversation, Message
from siliconchat.core.history import HistoryError, HistoryStore

ROOT = os.geteuid() == 0


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """``path`` (a file or folder) cannot be written while this lasts, whoever we are."""
    if ROOT:
        if shutil.which("chattr") is None:
            pytest.skip("root ignores file modes and there is no chattr")
        if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
            pytest.skip("chattr +i is not supported here")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        mode = path.stat().st_mode
        path.chmod(0o500 if path.is_dir() else 0o400)
        try:
            yield
        finally:
            path.chmod(mode)


def _filled(path: Path) -> None:
    with HistoryStore.open(path) as store:
        store.create_conversation(Conversation(messages=[Message("user", "hello")]))


def test_a_new_history_in_a_read_only_folder_says_the_folder_is_read_only(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    with read_only(folder), pytest.raises(HistoryError) as caught:
        HistoryStore.open(folder / "history.db")
    message = str(caught.value)
    assert f"its folder {folder} is read-only" in message, message


def test_an_existing_history_in_a_read_only_folder_says_so_and_not_that_it_is_unreadable(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "history.db"
    _filled(path)  # closed cleanly: no -wal or -shm left, so opening has to create them
    assert not Path(f"{path}-wal").exists()
    before = path.read_bytes()
    with read_only(folder), pytest.raises(HistoryError) as caught:
        HistoryStore.open(path)
    message = str(caught.value)
    assert str(path) in message and f"its folder {folder} is read-only" in message, message
    assert "cannot read it" not in message and "move it away" not in message
    assert path.read_bytes() == before


def test_a_read_only_history_file_says_the_file_is_read_only_when_saving(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    _filled(path)
    with read_only(path):
        store = HistoryStore.open(path)  # SQLite opens a file it cannot write read-only: writes fail
        try:
            with pytest.raises(HistoryError) as caught:
                store.create_conversation(Conversation(messages=[Message("user", "not saved")]))
        finally:
            store.close()
    message = str(caught.value)
    assert str(path) in message and "read-only" in message, message


FILL_A_SMALL_DISK = """
import sys
from pathlib import Path
from siliconchat.core.conversation import Conversation, Message
from siliconchat.core.history import HistoryError, HistoryStore
try:
    with HistoryStore.open(Path(sys.argv[1]) / "history.db") as store:
        for i in range(10_000):
            store.create_conversation(Conversation(messages=[Message("user", f"{i} " + "x" * 20_000)]))
except HistoryError as exc:
    print(exc)
"""


@pytest.mark.skipif(not ROOT or shutil.which("unshare") is None, reason="needs root and unshare for a tmpfs")
def test_a_full_disk_says_no_space_and_where(tmp_path: Path) -> None:
    folder = tmp_path / "small"
    folder.mkdir()
    script = (
        f'mount -t tmpfs -o size=256k tmpfs {folder} || exit 77; exec "{sys.executable}" -c "$0" {folder}'
    )
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", script, FILL_A_SMALL_DISK],
        capture_output=True,
        text=True,
        cwd=os.getcwd(),
        timeout=60,
    )
    if done.returncode == 77 or "unshare failed" in done.stderr:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    message = done.stdout.strip()
    assert done.returncode == 0, done.stderr
    assert f"no space left on the disk that holds {folder}" in message, message
