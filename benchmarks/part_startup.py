"""Start-up: launch to the first full frame (spawn to the prompt's placeholder on screen, from every app
run of the suite, and from ``--launch-repeats`` starts alone when the ``launch`` part is named) and
``siliconchat --version`` (wall time, repeated)."""

from __future__ import annotations

import statistics
import subprocess
import time
from typing import Any

from family import Family, Run
from harness import app_command, kill, secs, spawn
from pty_app import start_app
from table import Row


def _measure_launch(run: Run) -> None:
    server = run.shared()
    for _ in range(run.launch_repeats):
        app, launch = start_app("demo/blast-10", server.url)
        app.close()
        if launch is not None:
            run.launches.append(launch)
    shown = secs(statistics.median(run.launches)) if run.launches else "no first frame"
    run.progress(f"launch: {shown} (median of {len(run.launches)})")


def _launch_rows(run: Run) -> list[Row]:
    rows: list[Row] = []
    if run.launches:
        row = Row("launch → first full frame", "s", run.launches, target="≤ 0.5 s")
        row.passed = statistics.median(run.launches) <= 0.5
        row.note = "from every app run in this benchmark"
        rows.append(row)
    return rows


LAUNCH = Family(
    "launch",
    _measure_launch,
    _launch_rows,
    lambda run: {"launch_s": run.launches},
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
