"""Time the tree migration (schema 4 -> 5) on a large history, as a file of the release before trees meets it.

Run: ``python benchmarks/bench_migration.py HISTORY [--repo PATH] [--repeats N]``. HISTORY is a history made by
``gen_history.py`` (any schema version from 4 on): its conversations and messages are copied once into a
schema-4 file beside it (``HISTORY.v4.db``: the schema made by the migrations up to 4, the search index filled
by its triggers; reused when it is there), and each repeat migrates a fresh copy of that file with the
siliconchat of ``--repo`` (default: this checkout; another checkout gives the "before"), as the app does when
it opens it (``schema._migrate``). Prints the wall and CPU time, the size of the -wal, and checks that each
message's parent is the message before it in its conversation.

Not part of ``run.py`` (it copies a multi-GB file per repeat); figures in ``benchmarks/results/migration.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import shutil
import sqlite3
import sys
import time
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent


def make_v4(source: Path, target: Path, schema: ModuleType) -> None:
    """``target``: a schema-4 history holding ``source``'s conversations and messages."""
    migrations = schema.MIGRATIONS
    step = migrations.index(schema._migrate_tree)
    partial = target.with_name(target.name + ".building")
    partial.unlink(missing_ok=True)
    partial.touch(mode=0o600)
    with contextlib.closing(sqlite3.connect(partial, isolation_level=None)) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("BEGIN")
        for migrate in migrations[:step]:
            migrate(conn)
        conn.execute(f"PRAGMA user_version = {step}")
        conn.execute("COMMIT")
        schema._sync_fts(conn)  # the search index and its triggers, as on opening
        conn.execute("ATTACH ? AS source", (str(source),))
        columns = ", ".join(row[1] for row in conn.execute("PRAGMA main.table_info(messages)"))
        conn.execute("BEGIN")
        conn.execute("INSERT INTO main.conversations SELECT * FROM source.conversations")
        conn.execute(
            f"INSERT INTO main.messages ({columns}) SELECT {columns} FROM source.messages ORDER BY id"
        )
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    partial.rename(target)


def migrate_once(v4: Path, schema: ModuleType) -> str:
    copy = v4.with_name(v4.name + ".run")
    for leftover in (copy, Path(f"{copy}-wal"), Path(f"{copy}-shm")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(v4, copy)
    os.sync()  # the copy's pages on disk: the migration's writes are not queued behind them
    conn = schema.connect(copy)
    try:
        for pragma in ("foreign_keys = ON", "journal_mode = WAL", "synchronous = NORMAL"):
            conn.execute(f"PRAGMA {pragma}")
        conn.execute(f"PRAGMA mmap_size = {schema.MMAP_BYTES}")
        wall, cpu = time.perf_counter(), time.process_time()
        schema._migrate(conn)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        wal = os.path.getsize(f"{copy}-wal") / 1e6
        messages = conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
        wrong = conn.execute(
            "SELECT COUNT(*) FROM messages m WHERE parent_id IS NOT (SELECT p.id FROM messages p WHERE"
            " p.conversation_id = m.conversation_id AND p.position < m.position ORDER BY p.position DESC LIMIT 1)"
        ).fetchone()[0]
    finally:
        conn.close()
        for leftover in (copy, Path(f"{copy}-wal"), Path(f"{copy}-shm")):
            leftover.unlink(missing_ok=True)
    return f"{messages:,} messages: {wall:.1f} s wall, {cpu:.1f} s CPU, -wal {wal:,.0f} MB, wrong parents {wrong}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("history", type=Path)
    parser.add_argument("--repo", type=Path, default=REPO)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    sys.path.insert(0, str(args.repo.resolve()))  # that checkout's siliconchat, not another one installed
    schema = importlib.import_module("siliconchat.core.history.schema")
    v4 = args.history.with_name(args.history.name + ".v4.db")
    if not v4.exists():
        make_v4(args.history, v4, schema)
    for _ in range(args.repeats):
        print(f"{args.repo}: {migrate_once(v4, schema)}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
