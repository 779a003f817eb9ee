"""Enter -> the first answer delta on screen, on a warmed connection, beside the bare SDK loop's time to its
first delta (issue 20: the app may add at most 25 ms).

The app (in the pty, as for the blasts) gets ``demo/blast-2000``; it waits :data:`WARM` after its first
frame, so its balance request has opened the connection and imported the SDK, then the prompt is typed and
Enter sent (t0); the first delta (the heading "Part 1") on screen is t1. The floor (``floor.py --first``) makes
one request to warm its connection, then times a request to its first answer delta. Rows: the app, the
floor, and app minus floor per pair of runs (one app run, then one floor run, alternately).
"""

from __future__ import annotations

import re
import statistics
import time
from typing import Any

from family import Family, Run
from floor import run_floor
from pty_app import press_enter, start_app
from table import Row

MODEL = "demo/blast-2000"
FIRST = re.compile(rb"Part 1")
WARM = (
    3.0  # s after the first frame: the balance request and the warm-up imports are done (the connection open)
)


def _app_first(url: str, timeout: float) -> float | None:
    app, launch = start_app(MODEL, url)
    try:
        if launch is None:
            return None
        time.sleep(WARM)
        app.drain(0.05)
        _cpu0, start, t0 = press_enter(app)
        shown = app.wait_for(FIRST, start, timeout)
        return None if shown is None else shown - t0
    finally:
        app.close()


def _measure(run: Run) -> dict[str, list[float]]:
    server = run.shared()
    out: dict[str, list[float]] = {"app": [], "floor": [], "added": []}
    for r in range(max(run.repeats, 5)):
        app = _app_first(server.url, 10 * run.scale)
        floor = run_floor(server, MODEL, 30 * run.scale, first=True).get("first")
        if app is not None:
            out["app"].append(app)
        if floor is not None:
            out["floor"].append(floor)
        if app is not None and floor is not None:
            out["added"].append(app - floor)
        shown = "–" if app is None or floor is None else f"{app * 1000:.0f} - {floor * 1000:.0f} ms"
        run.progress(f"first delta #{r + 1}: app - floor {shown}")
    return out


def _rows(run: Run) -> list[Row]:
    got: dict[str, list[float]] | None = run.results.get("first")
    if not got:
        return []
    added = Row(
        "Enter → first delta on screen (warm) − floor's first delta", "ms", got["added"], target="≤ +25 ms"
    )
    added.passed = bool(got["added"]) and statistics.median(got["added"]) <= 0.025
    return [
        Row("Enter → first delta on screen (warm connection)", "ms", got["app"]),
        Row("floor: request → first delta (warm connection)", "ms", got["floor"]),
        added,
    ]


def _raw(run: Run) -> dict[str, Any]:
    return {"first": run.results.get("first")}


FAMILY = Family("first", _measure, _rows, _raw, shared_server=True)
