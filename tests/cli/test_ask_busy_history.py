"""``ask`` with a history that another process keeps busy for longer than a write waits: the answer
streams all the same, the turn goes to a recovery file (the message says where), and the next start adds
it to the history. A real lock held by another process, real processes, the demo server."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
from cli_support import api_env, siliconchat

from siliconchat import paths
from siliconchat.core.history import HistoryStore
from siliconchat.demo.server import DemoServer

# Holds the history's write lock (BEGIN IMMEDIATE) until its stdin closes, as another program's long write.
LOCK_HOLDER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.read()
conn.execute("COMMIT")
"""


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer(pace=0) as running:
        yield running


def _turns() -> list[list[str]]:
    with HistoryStore.open() as store:
        return [
            [message.content for message in store.load(summary.id).messages]
            for summary in reversed(store.list_conversations())
        ]


def test_a_turn_the_busy_history_refused_is_kept_and_added_at_the_next_start(server: DemoServer) -> None:
    env = api_env(server)
    assert siliconchat("ask", "-m", "demo/echo", "before", env=env).returncode == 0
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(paths.history_db())],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        locked = siliconchat("ask", "-m", "demo/echo", "while it is busy", env=env)
    finally:
        holder.communicate("")  # commit: the history is free again
    assert locked.returncode == 0 and locked.stdout == "while it is busy\n"
    [kept] = paths.data_dir().glob("unsaved-*.json")
    assert f"this turn is kept in {kept}; the next siliconchat adds it to the history" in locked.stderr
    assert "Traceback" not in locked.stderr
    assert _turns() == [["before", "before"]]  # not in the history yet: in the file

    after = siliconchat("ask", "-m", "demo/echo", "after", env=env)
    assert after.returncode == 0
    assert "added to the history what an earlier run could not save: 'while it is busy'" in after.stderr
    assert not kept.exists()
    assert _turns() == [["before", "before"], ["while it is busy", "while it is busy"], ["after", "after"]]
