"""Checking an existing history file without changing it, and moving a damaged one aside.

A read-write connection changes a file just by closing: the last connection folds the ``-wal`` file into
the database (a checkpoint) and removes ``-wal`` and ``-shm``. After a crash followed by damage, that
writes the crash's pages into the damaged file. So a file is checked before any read-write connection opens:

* With no ``-wal`` (or an empty one), the database file is the whole state: it is checked through a
  read-only, immutable connection, which reads the file and nothing else (no lock, no ``-shm``, no
  checkpoint).
* With a ``-wal`` that holds something (a crash, or another instance that has it open), the state is the file
  plus its ``-wal``: both are copied into a private temporary folder and the copy is checked (recovery and
  checkpoint happen to the copy). A copy made while another instance writes may catch a write halfway, so a
  copy that looks damaged is made and checked again before the verdict stands. A file larger than
  :data:`FULL_CHECK_BYTES` is not copied (gigabytes, at every start of a second instance): it is checked in
  place through a read-only connection, which reads the ``-wal`` and cannot checkpoint it into the file.
* What is checked (:func:`check_pragmas`): the whole file up to :data:`FULL_CHECK_BYTES`; beyond that, the
  schema and the conversations table. ``quick_check`` reads every page — 9 s (25 s from a cold disk) for a
  history of 2,000,000 messages, during which nothing can be read — so damage in the messages of a large
  file is found by SQLite when it reads the page, and reported as that call's error.

A damaged file moves aside with its ``-wal`` and ``-shm`` as one set, all or none (:func:`move_aside`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

__all__ = [
    "FULL_CHECK_BYTES",
    "Examination",
    "check_pragmas",
    "check_problems",
    "examine",
    "move_aside",
    "sidecars",
]

FULL_CHECK_BYTES: Final = 256 * 1024 * 1024
"""A file up to this size is checked whole at every opening (about 0.5 s at this size here)."""
COPY_ATTEMPTS: Final = 3
"""How many copies of a file with a ``-wal`` are checked before it counts as damaged."""
COPY_PAUSE: Final = 0.1


@dataclass(frozen=True, slots=True)
class Examination:
    """``examined``: the check ran (else the normal open checks the file); ``damage``: what is wrong, one
    phrase ("it is damaged (…)"), None when the file is sound."""

    examined: bool
    damage: str | None = None


def sidecars(path: Path) -> tuple[Path, Path]:
    """The ``-wal`` and ``-shm`` files of the database at ``path``."""
    return Path(f"{path}-wal"), Path(f"{path}-shm")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def check_pragmas(size: int) -> list[str]:
    """The checks of a file of ``size`` bytes, each answering ``ok`` or the problems (see the top)."""
    if size <= FULL_CHECK_BYTES or sqlite3.sqlite_version_info < (3, 33, 0):  # quick_check(TABLE): 3.33
        return ["PRAGMA quick_check(3)"]
    return ["PRAGMA quick_check(sqlite_schema)", "PRAGMA quick_check(conversations)"]


def check_problems(conn: sqlite3.Connection, size: int) -> list[str]:
    """``["ok"]``, or what :func:`check_pragmas` found wrong (may raise ``sqlite3.DatabaseError``)."""
    found = [str(row[0]) for sql in check_pragmas(size) for row in conn.execute(sql).fetchall()]
    return [problem for problem in found if problem != "ok"] or ["ok"]


def examine(path: Path) -> Examination:
    """Check the database at ``path`` (which exists) without writing to it or its ``-wal``; only a large
    file with a ``-wal`` may have its ``-shm`` (the index of the ``-wal``, not data) rebuilt."""
    wal, _shm = sidecars(path)
    size = _size(path)
    if _size(wal) == 0:
        result = _check(f"{path.resolve().as_uri()}?mode=ro&immutable=1", size)
        if result.damage is None or _size(wal) == 0:
            return result
        # Another instance opened it meanwhile (and may have written to it under the check): look again,
        # with its -wal.
    if size > FULL_CHECK_BYTES:
        return _check(f"{path.resolve().as_uri()}?mode=ro", size)
    result = Examination(examined=False)
    for attempt in range(COPY_ATTEMPTS):
        if attempt:
            time.sleep(COPY_PAUSE)
        with _copy(path, wal) as copy:
            if copy is None:
                return Examination(examined=False)  # no room for a copy: the normal open checks it
            result = _check(f"{copy.resolve().as_uri()}?mode=rw", size)
        if result.damage is None:
            return result
    return result


@contextlib.contextmanager
def _copy(path: Path, wal: Path) -> Iterator[Path | None]:
    """A copy of the database and its ``-wal`` in a private temporary folder (None if none can be made):
    beside the file first (the same privacy), else in the system's temporary folder."""
    for folder in (path.parent, None):
        try:
            temp = tempfile.TemporaryDirectory(prefix=".history-check-", dir=folder)
        except OSError:
            continue
        with temp as name:
            copy = Path(name) / "history.db"
            try:
                shutil.copyfile(wal, f"{copy}-wal")  # the log first: frames a checkpoint adds meanwhile
                shutil.copyfile(path, copy)  # are then in both (and still valid)
            except OSError:
                continue
            yield copy
            return
    yield None


def _check(uri: str, size: int) -> Examination:
    try:
        conn = sqlite3.connect(uri, uri=True, isolation_level=None)
    except sqlite3.Error:
        return Examination(examined=False)  # cannot be opened: the normal open says why
    try:
        conn.execute("PRAGMA user_version").fetchone()  # reads the header: not-a-database fails here
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        problems = check_problems(conn, size)
    except sqlite3.OperationalError:
        return Examination(examined=False)  # cannot be read (permissions, I/O): not a sign of damage
    except sqlite3.DatabaseError as exc:
        return Examination(examined=True, damage=f"it is not a SQLite database or is damaged ({exc})")
    finally:
        conn.close()
    if problems != ["ok"]:
        return Examination(examined=True, damage=f"it is damaged ({'; '.join(problems)})")
    return Examination(examined=True)


def move_aside(path: Path) -> Path:
    """Rename the database at ``path`` and its ``-wal`` and ``-shm`` (those that exist) to a new name beside
    it, all or none; return the database's new path. Raises OSError (with everything back in place) when
    one of them cannot be moved."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for number in range(1, 1000):
        suffix = f"-{number}" if number > 1 else ""
        target = path.with_name(f"{path.stem}.damaged-{stamp}{suffix}{path.suffix}")
        if not any(os.path.lexists(p) for p in (target, *sidecars(target))):
            break
    else:  # pragma: no cover - a thousand damaged files in one second
        raise FileExistsError(f"no free name beside {path}")
    pairs = [(path, target), *zip(sidecars(path), sidecars(target), strict=True)]
    moved: list[tuple[Path, Path]] = []
    try:
        for source, destination in pairs:
            if os.path.lexists(source):
                os.rename(source, destination)
                moved.append((source, destination))
    except OSError:
        for source, destination in reversed(moved):
            with contextlib.suppress(OSError):
                os.rename(destination, source)
        raise
    return target
