"""``siliconchat history --totals`` over a large history: what the totals add to the listing, as ratios.

Run: ``python benchmarks/bench_totals.py [--db PATH] [--repeats 7] [--json out.json]``

The history is the one ``bench_scale.py`` uses (``--db``, default its ``history-100k.db``: built by
``gen_history.py`` when it is not there; a smaller one, e.g. ``gen_history.py PATH --conversations 20000
--messages 400000``, works too). The CLI finds it through a symlink in temporary XDG folders.

Figures (medians over repeats, the two sides alternated):

* the latest 20 conversations' totals summed in SQL (``usage_by_model``), against loading those 20 and
  summing their trees (``conversation_totals``): the ratio is what the SQL saves;
* every conversation: the listing and then the usage of all of them, against the listing alone (reported, no
  target: each answer's usage is read once);
* the command: ``history --limit 20 --totals`` against ``history --limit 20`` (process start included).

Targets: the command with ``--totals`` at most 1.5× without; the SQL sums of the latest 20 under the cost of
loading them (< 1×). Both read only the answers of the 20 conversations listed, however large the history.
Not collected by pytest; timings are never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import bench_scale  # noqa: E402

from siliconchat.core.costs import conversation_totals, totals_of  # noqa: E402
from siliconchat.core.history import HistoryStore  # noqa: E402
from siliconchat.core.history.usage_sums import ModelUsage  # noqa: E402

LATEST = 20
TARGETS = {"history --limit 20": 1.5, "latest 20: SQL sums": 1.0}


def _timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def _pair(alone: Callable[[], object], totals: Callable[[], object], repeats: int) -> dict[str, float]:
    """Medians of ``alone`` and ``totals``, run alternately ``repeats`` times each (after one of each: the page
    cache warm for both)."""
    alone(), totals()
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        samples[0].append(_timed(alone))
        samples[1].append(_timed(totals))
    first, second = statistics.median(samples[0]), statistics.median(samples[1])
    return {"alone_s": first, "with_totals_s": second, "ratio": second / first}


def totals_of_all(sums: dict[int, list[ModelUsage]]) -> list[object]:
    return [totals_of(rows, {}) for rows in sums.values()]


def figures(db: Path, repeats: int) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    with HistoryStore.open(db) as store:

        def latest() -> list[int]:
            return [c.id for c in store.list_conversations(LATEST)]

        def everything() -> list[int]:
            return [c.id for c in store.list_conversations()]

        shown = latest()
        out["latest 20: SQL sums"] = _pair(
            lambda: [conversation_totals(store.load(i), {}) for i in shown],
            lambda: totals_of_all(store.usage_by_model(shown)),
            repeats,
        )
        out["store: every conversation"] = _pair(
            everything, lambda: store.usage_by_model(everything()), max(1, repeats // 3)
        )
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data" / "siliconchat"
        data.mkdir(parents=True)
        (data / "history.db").symlink_to(db.resolve())
        env = {**os.environ, "XDG_DATA_HOME": str(data.parent), "XDG_CONFIG_HOME": str(Path(folder) / "c")}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(HERE.parent), env.get("PYTHONPATH"))))

        def command(*extra: str) -> Callable[[], object]:
            args = [sys.executable, "-m", "siliconchat", "history", "--limit", str(LATEST), *extra]
            return lambda: subprocess.run(args, env=env, check=True, capture_output=True)

        out["history --limit 20"] = _pair(command(), command("--totals"), repeats)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, default=bench_scale.default_db())
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    db = bench_scale.ensure_db(args.db)
    results = figures(db, args.repeats)
    print(f"{'figure':<28}  {'without':>9} {'with':>9} {'ratio':>7}")
    for name, row in results.items():
        limit = TARGETS.get(name)
        target = f"  (target ≤ {limit}×: {'PASS' if row['ratio'] <= limit else 'FAIL'})" if limit else ""
        print(
            f"{name:<28}  {row['alone_s'] * 1000:>7.1f}ms {row['with_totals_s'] * 1000:>7.1f}ms"
            f" {row['ratio']:>6.2f}×{target}"
        )
    if args.json is not None:
        args.json.write_text(json.dumps({"db": str(db), "figures": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
