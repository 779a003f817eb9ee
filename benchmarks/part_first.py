"""Enter -> the first answer delta on screen, on a warmed connection, beside the bare SDK loop's time to its
first delta (issue 20: the app may add at most 25 ms).

The app (in the pty, as for the blasts) gets ``demo/blast-2000``; it waits :data:`WARM` after its first
frame, so its balance request has opened the connection and imported the SDK, then the prompt is typed and
Enter sent (t0); the first delta (the heading "Part 1") on screen is t1. The floor (``floor.py --first``) makes
one request to warm its connection, then times a request to its first answer delta. Rows: the app, the
floor, and app minus floor per pair of runs (one app run, then one floor run, alternately).

The cold case: the prompt is typed as soon as the app's first frame is on screen and Enter sent at once (the
SDK is still being imported, the connection not open); its floor (``floor.py --cold``) is a fresh process's
time from before importing the SDK to its first answer delta (the client made and the connection opened on
the way). Its rows: the app, the floor, app minus floor per pair (≤ +60 ms).
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


def _app_first(url: str, timeout: float, warm: float = WARM) -> float | None:
    app, launch = start_app(MODEL, url)
    try:
        if launch is None:
            return None
        time.sleep(warm)
        app.drain(0.05 if warm else 0)
        _cpu0, start, t0 = press_enter(app)
        shown = app.wait_for(FIRST, start, timeout)
        return None if shown is None else shown - t0
    finally:
        app.close()


def _measure(run: Run) -> dict[str, list[float]]:
    server = run.shared()
    out: dict[str, list[float]] = {
        k: [] for k in ("app", "floor", "added", "cold", "cold_floor", "cold_added")
    }
    for r in range(max(run.repeats, 5)):
        for prefix, cold in (("", False), ("cold_", True)):
            app = _app_first(server.url, 10 * run.scale, 0.0 if cold else WARM)
            floor = run_floor(server, MODEL, 30 * run.scale, first=True, cold=cold).get("first")
            if app is not None:
                out["cold" if cold else "app"].append(app)
            if floor is not None:
                out[f"{prefix}floor"].append(floor)
            if app is not None and floor is not None:
                out[f"{prefix}added"].append(app - floor)
            shown = "–" if app is None or floor is None else f"{app * 1000:.0f} - {floor * 1000:.0f} ms"
            run.progress(f"first delta #{r + 1}{' (cold)' if cold else ''}: app - floor {shown}")
    return out


def _rows(run: Run) -> list[Row]:
    got: dict[str, list[float]] | None = run.results.get("first")
    if not got:
        return []
    added = Row(
        "Enter → first delta on screen (warm) − floor's first delta", "ms", got["added"], target="≤ +25 ms"
    )
    added.passed = bool(got["added"]) and statistics.median(got["added"]) <= 0.025
    rows = [
        Row("Enter → first delta on screen (warm connection)", "ms", got["app"]),
        Row("floor: request → first delta (warm connection)", "ms", got["floor"]),
        added,
    ]
    if got.get("cold_added"):
        cold = Row(
            "Enter at the first frame → first delta on screen − floor's cold start",
            "ms",
            got["cold_added"],
            target="≤ +60 ms",
        )
        cold.passed = statistics.median(got["cold_added"]) <= 0.060
        rows += [
            Row("Enter at the first frame → first delta on screen (cold)", "ms", got["cold"]),
            Row("floor: SDK import, client, connection, request → first delta", "ms", got["cold_floor"]),
            cold,
        ]
    return rows


def _raw(run: Run) -> dict[str, Any]:
    return {"first": run.results.get("first")}


FAMILY = Family("first", _measure, _rows, _raw, shared_server=True)
