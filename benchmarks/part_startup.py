"""Start-up: launch to the first full frame (spawn to the prompt's placeholder on screen, from every app
run of the suite, and from ``--launch-repeats`` starts alone when the ``launch`` part is named, each followed
by a start of the launch floor, ``bare_textual.py``) and ``siliconchat --version`` (wall time, repeated).

The target (≤ 0.5 s) is on the starts alone: the other runs start right after a blast or beside a demo
server streaming, on a machine of two cores."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from family import Family, Run
from harness import app_command, kill, secs, spawn
from pty_app import start_app
from table import Row

BARE = [sys.executable, str(Path(__file__).with_name("bare_textual.py"))]
"""The launch floor: the least Textual app that draws the first frame's parts (see ``bare_textual.py``)."""


def _measure_launch(run: Run) -> dict[str, list[float]]:
    """Starts of the app alone, each followed by a start of the bare Textual app (the floor)."""
    server = run.shared()
    out: dict[str, list[float]] = {"alone": [], "bare": []}
    for _ in range(run.launch_repeats):
        for key, command in (("alone", None), ("bare", BARE)):
            app, launch = start_app("demo/blast-10", server.url, command=command)
            app.close()
            if launch is not None:
                out[key].append(launch)
    run.launches.extend(out["alone"])
    shown = {key: secs(statistics.median(got)) if got else "no first frame" for key, got in out.items()}
    run.progress(f"launch: {shown['alone']}, bare Textual app {shown['bare']} (medians)")
    return out


def _launch_rows(run: Run) -> list[Row]:
    rows: list[Row] = []
    if run.launches:
        row = Row("launch → first full frame", "s", run.launches)
        row.note = "from every app run in this benchmark (some right after a blast)"
        rows.append(row)
    got: dict[str, list[float]] | None = run.results.get("launch")
    if got and got["alone"] and got["bare"]:
        alone = Row("launch → first full frame, the app started alone", "s", got["alone"], target="≤ 0.5 s")
        alone.passed = statistics.median(got["alone"]) <= 0.5
        bare = Row("floor: a bare Textual app → first frame", "s", got["bare"])
        bare.note = "Python and Textual alone (benchmarks/bare_textual.py)"
        pairs = list(zip(got["alone"], got["bare"], strict=False))
        added = Row("app − bare Textual app, per pair", "s", [a - b for a, b in pairs])
        rows += [alone, bare, added]
    return rows


LAUNCH = Family(
    "launch",
    _measure_launch,
    _launch_rows,
    lambda run: {"launch_s": run.launches, "launch_alone": run.results.get("launch")},
    shared_server=True,
    default=False,
)


def run_version(repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        proc = spawn([*app_command(), "--version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            out, _ = proc.communicate(timeout=30)
        finally:
            kill(proc)
        times.append(time.perf_counter() - t0)
        if proc.returncode != 0 or b"siliconchat" not in out:
            raise RuntimeError(f"siliconchat --version failed: {out!r}")
    return times


def _measure_version(run: Run) -> list[float]:
    times = run_version(run.version_repeats)
    run.progress(f"--version: {secs(statistics.median(times))}")
    return times


def _version_rows(run: Run) -> list[Row]:
    version_times: list[float] = run.results.get("version") or []
    rows: list[Row] = []
    if version_times:
        row = Row("siliconchat --version", "s", version_times, target="≤ 0.2 s")
        row.passed = statistics.median(version_times) <= 0.2
        rows.append(row)
    return rows


def _version_raw(run: Run) -> dict[str, Any]:
    return {"version_s": run.results.get("version") or []}


VERSION = Family("version", _measure_version, _version_rows, _version_raw)
