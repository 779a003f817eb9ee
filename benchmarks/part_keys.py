"""Key responsiveness during a 20,000-delta blast: characters that never occur in the blast are typed into
the prompt one at a time mid-stream; the latency is the time until each is written to the terminal."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from family import Family, Run
from harness import secs
from pty_app import AppRun, run_app
from table import Row


def _measure(run: Run) -> list[AppRun]:
    server = run.shared()
    key_runs: list[AppRun] = []
    for r in range(run.repeats):
        app = run_app("demo/blast-20000", server.url, 120 * run.scale, probe=True, launches=run.launches)
        key_runs.append(app)
        shown = ", ".join("–" if p is None else f"{p * 1000:.0f}" for p in app.probes)
        run.progress(f"keys #{r + 1}: 20k in {secs(app.wall)}, key latencies (ms): {shown}")
    return key_runs


def _rows(run: Run) -> list[Row]:
    key_runs: list[AppRun] = run.results.get("keys") or []
    rows: list[Row] = []
    if key_runs:
        probes = [p for app in key_runs for p in app.probes]
        shown = [p for p in probes if p is not None]
        lost = len(probes) - len(shown)
        row = Row("key press during a 20k blast → on screen", "ms", shown, target="≤ 100 ms (max)")
        row.passed = bool(shown) and not lost and max(shown) <= 0.1
        sent = sum(app.probes_sent_while_streaming for app in key_runs)
        row.note = f"{sent} keys typed mid-stream over {len(key_runs)} runs"
        if shown:
            p90 = sorted(shown)[min(len(shown) - 1, int(0.9 * len(shown)))]
            row.note += f"; p90 {p90 * 1000:.0f} ms"
        if lost:
            row.note += f"; {lost} not shown within 5 s"
        if not probes:
            row.note = "no key could be typed before the answer ended"
        rows.append(row)
    return rows


def _raw(run: Run) -> dict[str, Any]:
    return {"keys": [asdict(app) for app in run.results.get("keys") or []]}


FAMILY = Family("keys", _measure, _rows, _raw, shared_server=True)
