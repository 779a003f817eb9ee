"""Blasts: 5,000, 20,000 and 80,000 answer deltas, and 20,000 reasoning + 20,000 answer deltas, at full
speed. For every workload and repeat, back to back: the floor (a bare ``AsyncOpenAI`` loop) and the app in
the pty, Enter -> the last delta on screen; also the app's CPU time, its peak RSS and the bytes it wrote to
the terminal. Then the growth from 20k to 80k (linear or not)."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass
from typing import Any

from family import Family, Run
from floor import run_floor
from harness import log, megabytes, secs
from pty_app import AppRun, run_app
from table import Row


@dataclass
class Workload:
    name: str
    model: str
    answer: int
    reasoning: int
    timeout: float
    repeats: int


@dataclass
class Blast:
    floors: dict[str, list[dict[str, Any]]]  # by workload: the floor's runs
    apps: dict[str, list[AppRun]]  # by workload: the app's runs


def workloads(run: Run) -> list[Workload]:
    scale = run.scale
    return [
        Workload("5k", "demo/blast-5000", 5000, 0, 60 * scale, run.repeats),
        Workload("20k", "demo/blast-20000", 20000, 0, 120 * scale, run.repeats),
        Workload("20k+20k", "demo/blast-reasoning-20000", 20000, 20000, 180 * scale, run.repeats),
        Workload("80k", "demo/blast-80000", 80000, 0, 300 * scale, run.repeats_80k),
    ]


def _empty(run: Run) -> Blast:
    names = [w.name for w in workloads(run)]
    return Blast({name: [] for name in names}, {name: [] for name in names})


def _measure(run: Run) -> Blast:
    loads = workloads(run)
    blast = _empty(run)
    server = run.shared()
    for r in range(max(w.repeats for w in loads)):
        for w in loads:
            if r >= w.repeats:
                continue
            floor = run_floor(server, w.model, w.timeout)
            blast.floors[w.name].append(floor)
            if floor.get("wall") is not None and (floor["answer"], floor["reasoning"]) != (
                w.answer,
                w.reasoning,
            ):
                log(f"  warning: the floor read {floor['answer']}+{floor['reasoning']} deltas")
            app = run_app(w.model, server.url, w.timeout, launches=run.launches)
            blast.apps[w.name].append(app)
            run.progress(
                f"{w.name} #{r + 1}: floor "
                f"{secs(floor.get('wall'))}, app {secs(app.wall)} (cpu {secs(app.cpu)}, "
                f"rss {megabytes(app.peak_rss)}, launch {secs(app.launch)}, tokens {app.answer_tokens})"
                + (f" ERROR {app.error}" if app.error else "")
            )
    return blast


def _walls(runs: list[AppRun]) -> tuple[list[float], float | None]:
    """The finished times, and the timeout when a run did not finish (then the median is "> N")."""
    finished = [run.wall for run in runs if run.wall is not None]
    timeouts = [run.timeout for run in runs if run.wall is None]
    return finished, (max(timeouts) if timeouts else None)


def _rows(run: Run) -> list[Row]:
    blast: Blast = run.results.get("blast") or _empty(run)
    floors, apps = blast.floors, blast.apps
    rows: list[Row] = []
    medians: dict[str, float | None] = {}
    for w in workloads(run):
        runs = apps[w.name]
        if not runs:
            continue
        floor_walls = [f["wall"] for f in floors[w.name] if f.get("wall") is not None]
        walls, timed_out = _walls(runs)
        floor_med = statistics.median(floor_walls) if floor_walls else None
        app_med = statistics.median(walls) if walls and not timed_out else None
        medians[w.name] = app_med
        label = (
            f"{w.answer:,} answer" if not w.reasoning else f"{w.reasoning:,} reasoning + {w.answer:,} answer"
        )
        rows.append(Row(f"{w.name}: floor (bare AsyncOpenAI loop)", "s", floor_walls))
        row = Row(f"{w.name}: app, Enter → last delta on screen", "s", walls)
        if timed_out:
            row.lower_bound = timed_out
            row.note = f"{len(runs) - len(walls)} of {len(runs)} runs did not finish"
        incomplete = [
            app.answer_tokens for app in runs if app.wall is not None and app.answer_tokens != w.answer
        ]
        if incomplete:
            row.note = (row.note + f"; status line showed answer {incomplete} ≠ {w.answer}").strip("; ")
        rows.append(row)
        # Per repeat: the app's time over the floor's, both taken back to back.
        pairs = [
            app.wall / f["wall"]
            for app, f in zip(runs, floors[w.name], strict=False)
            if app.wall and f.get("wall")
        ]
        ratio = Row(f"{w.name}: app / floor ({label} deltas)", "×", pairs if app_med and floor_med else None)
        if timed_out and floor_med:
            ratio.lower_bound = timed_out / floor_med
        if w.name in ("20k", "20k+20k"):
            ratio.target = "≤ 1.3×"
            ratio.passed = bool(ratio.values) and statistics.median(ratio.values) <= 1.3
        rows.append(ratio)
        cpu = [app.cpu for app in runs if app.cpu is not None]
        rows.append(
            Row(
                f"{w.name}: app CPU time (user+sys)",
                "s",
                cpu,
                note=f"floor CPU {statistics.median([f['cpu'] for f in floors[w.name] if f.get('cpu') is not None]):.2f} s"
                if any(f.get("cpu") is not None for f in floors[w.name])
                else "",
            )
        )
        rss = [float(app.peak_rss) for app in runs if app.peak_rss is not None]
        rss_row = Row(f"{w.name}: app peak RSS (VmHWM)", "MB", rss)
        if w.name == "20k":
            rss_row.target = "≤ 150 MB"
            rss_row.passed = bool(rss) and max(rss) <= 150e6
        rows.append(rss_row)
        out = [float(app.output_bytes) for app in runs if app.wall is not None]
        rows.append(Row(f"{w.name}: bytes written to the terminal", "KB", out))
    if "80k" in medians and "20k" in medians:
        growth = Row("80k / 20k app time (linear growth)", "×", None, target="≤ 4.4×")
        a80, a20 = medians["80k"], medians["20k"]
        if a80 and a20:  # per repeat (80k and 20k of the same round), else the medians'
            growth.values = [
                r80.wall / r20.wall
                for r80, r20 in zip(apps["80k"], apps["20k"], strict=False)
                if r80.wall and r20.wall
            ] or [a80 / a20]
            growth.passed = statistics.median(growth.values) <= 4.4
        else:
            growth.passed = False
            _, timed_out = _walls(apps["80k"])
            if timed_out and a20:
                growth.lower_bound = timed_out / a20
        rows.append(growth)
    return rows


def _raw(run: Run) -> dict[str, Any]:
    blast: Blast = run.results.get("blast") or _empty(run)
    return {
        "floor": blast.floors,
        "app": {name: [asdict(app) for app in runs] for name, runs in blast.apps.items()},
    }


FAMILY = Family("blast", _measure, _rows, _raw, shared_server=True)
