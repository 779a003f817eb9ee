"""The families measured by a script of their own: ``benchmarks/NAME --json PATH [--quick]`` writes its
figures as JSON, and a function turns them into rows (see benchmarks/README.md for the contract).

``bench_history.py`` (the history: the real TUI's sidebar, reopen and search, and the store's calls) and
``bench_structured.py`` (long structured answers). A new script is one :func:`script_family` and its rows
function, registered in ``run.FAMILIES``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import fields
from typing import Any

from family import Family, Run
from harness import BENCH_DIR, REPO, kill, spawn, temp_dir
from table import Row

NOT_RUN: dict[str, Any] = {"status": "not run"}


def run_script(name: str, quick: bool, timeout: float) -> dict[str, Any]:
    """Run ``benchmarks/NAME --json PATH [--quick]``: its JSON as ``data`` when ``status`` is "measured"."""
    script = BENCH_DIR / name
    if not script.exists():
        return {"status": "not measured yet", "reason": f"benchmarks/{name} does not exist"}
    out_path = os.path.join(temp_dir("siliconchat-bench-script-"), "result.json")
    attempts = [["--json", out_path, *(["--quick"] if quick else [])], ["--json", out_path], []]
    last: dict[str, Any] = {}
    for args in attempts:
        try:
            proc = spawn(
                [sys.executable, str(script), *args],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=REPO,
            )
            try:
                stdout, stderr = proc.communicate(timeout=timeout)
            finally:
                kill(proc)
        except subprocess.TimeoutExpired:
            return {"status": "timed out", "reason": f"{name} ran longer than {timeout:.0f} s"}
        last = {
            "status": "failed",
            "returncode": proc.returncode,
            "stdout": stdout[-4000:],
            "stderr": stderr[-4000:],
        }
        if proc.returncode == 2 and "usage:" in stderr and args:
            continue  # it does not take these arguments: try fewer
        if proc.returncode != 0:
            return last
        data: Any = None
        if os.path.exists(out_path):
            with open(out_path) as f:
                data = json.load(f)
        else:
            with contextlib.suppress(ValueError):
                data = json.loads(stdout)
        return {"status": "measured", "data": data, "stdout": stdout[-4000:]}
    return last


HISTORY_TARGETS = (  # (words in the figure's name, target, limit in seconds, note); the first match counts
    (("ui:", "reopen"), "≤ 1 s", 1.0, "real TUI: Enter in the sidebar -> last turn on screen"),
    (("ui:", "sidebar open"), "≤ 0.3 s", 0.3, "real TUI: F9 -> rows on screen"),
    (("ui:", "arrow key (app CPU)"), "≤ 16 ms", 0.0167, "real TUI: app CPU per Down, to the frame"),
    (("ui:", "search"), "≤ 100 ms", 0.1, "real TUI: last key -> results on screen, less the debounce"),
    (("load", "500"), "≤ 1 s", 1.0, "store call only"),
    (("list_conversations", "all"), "≤ 0.3 s", 0.3, "store call only"),
    (("search",), "≤ 100 ms", 0.1, "store call only"),
)


def history_rows(history: dict[str, Any]) -> list[Row]:
    """Table rows from bench_history.py's JSON (lenient: see benchmarks/README.md for the contract)."""
    if history.get("status") != "measured":
        why = history.get("reason") or history.get("stderr", "").strip().splitlines()[-1:] or ""
        status = history.get("status", "?")
        return [
            Row("history: reopen 500 turns (~1 MB)", "s", None, target="≤ 1 s", note=status),
            Row("history: sidebar of 5,000 opens", "s", None, target="≤ 0.3 s", note=status),
            Row("history: sidebar arrow key", "ms", None, target="≤ 16 ms", note=status),
            Row("history: search over 5,000", "s", None, target="≤ 0.1 s", note=f"{status} {why}".strip()),
        ]
    data = history.get("data")
    rows: list[Row] = []
    timings = data.get("timings") if isinstance(data, dict) else None
    if isinstance(
        timings, dict
    ):  # bench_history.py's format: {"timings": {name: {median_ms, min_ms, max_ms}}}
        for name, item in timings.items():
            if not isinstance(item, dict) or not isinstance(item.get("median_ms"), (int, float)):
                continue
            med, lo, hi = (item.get(k) for k in ("median_ms", "min_ms", "max_ms"))
            row = Row(f"history: {name}", "ms", None)
            row.override = (
                med / 1000,
                (lo if lo is not None else med) / 1000,
                (hi if hi is not None else med) / 1000,
            )
            for words, target, limit, note in HISTORY_TARGETS:
                if all(word in name for word in words):
                    row.target, row.passed = target, med / 1000 <= limit
                    row.note = note
                    break
            rows.append(row)
        extra = {k: v for k, v in data.items() if k != "timings" and isinstance(v, (int, float, str, bool))}
        if rows and extra:
            rows[0].note = (rows[0].note + "; " if rows[0].note else "") + ", ".join(
                f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in extra.items()
            )
    if not rows:
        rows.append(Row("history", "", None, note="bench_history.py gave no figures (see the JSON)"))
    return rows


def structured_rows(structured: dict[str, Any]) -> list[Row]:
    """Table rows from bench_structured.py's JSON: its own rows (targets included), prefixed."""
    data = structured.get("data")
    rows = data.get("rows") if structured.get("status") == "measured" and isinstance(data, dict) else None
    if not isinstance(rows, list):
        why = structured.get("reason") or "".join(structured.get("stderr", "").strip().splitlines()[-1:])
        note = f"{structured.get('status', '?')} {why}".strip()
        return [Row("structured answers (issue 15)", "s", None, target="≤ 2× floor", note=note)]
    names = {f.name for f in fields(Row)}
    out = []
    for item in rows:
        row = Row(**{k: v for k, v in item.items() if k in names})
        row.figure = f"structured {row.figure}"
        row.override = tuple(row.override) if row.override else None
        out.append(row)
    return out


def script_family(
    part: str,
    script: str,
    label: str,
    timeout: float,
    rows: Callable[[dict[str, Any]], list[Row]],
    *,
    rows_when_not_run: bool = False,
) -> Family:
    """The family of ``benchmarks/SCRIPT``, run for at most ``timeout`` seconds (times ``--timeout-scale``).

    ``rows`` makes the table's rows from what :func:`run_script` returns; with ``rows_when_not_run`` it is
    also called when the part was not chosen (with ``{"status": "not run"}``), so the table says so.
    """

    def measure(run: Run) -> dict[str, Any]:
        result = run_script(script, run.quick, timeout * run.scale)
        run.progress(f"{label}: {result.get('status')}")
        return result

    def family_rows(run: Run) -> list[Row]:
        result = run.results.get(part)
        if result is None:
            return rows(NOT_RUN) if rows_when_not_run else []
        return rows(result)

    return Family(part, measure, family_rows, lambda run: {part: run.results.get(part) or NOT_RUN})


HISTORY = script_family("history", "bench_history.py", "history", 600, history_rows, rows_when_not_run=True)
STRUCTURED = script_family("structured", "bench_structured.py", "structured answers", 3600, structured_rows)


def scale_rows(scale: dict[str, Any]) -> list[Row]:
    """Table rows from bench_scale.py's JSON (the history of 100,000 conversations, idle CPU)."""
    import bench_scale

    if scale.get("status") != "measured" or not isinstance(scale.get("data"), dict):
        why = scale.get("reason") or "".join(scale.get("stderr", "").strip().splitlines()[-1:])
        return [Row("scale (issue 20)", "s", None, note=f"{scale.get('status', '?')} {why}".strip())]
    rows: list[Row] = bench_scale.rows_of(Row, scale["data"])
    return rows


# Not measured by default: it builds (once, cached) a 4.6 GB history of 100,000 conversations (about 29 min).
SCALE = dataclasses.replace(
    script_family("scale", "bench_scale.py", "history at scale", 7200, scale_rows), default=False
)
