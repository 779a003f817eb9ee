#!/usr/bin/env python3
"""The structured-answer benchmark (issue 15): long Markdown answers, streamed as fast as possible.

Usage (from the repository root)::

    python benchmarks/bench_structured.py                 # 3 repeats of every shape
    python benchmarks/bench_structured.py --quick         # 1 repeat
    python benchmarks/bench_structured.py --only list,code --timeout 30

The shapes are the demo server's ``demo/list`` (5,000 items), ``demo/table`` (2,000 rows), ``demo/code``
(a 20,000-line ``python`` block), ``demo/paragraphs`` (20,000 short paragraphs) and ``demo/longline`` (one
1,000,000-character line without spaces), see ``siliconchat/demo/structured.py``. For each, back to back:

1. **The floor**: the bare ``AsyncOpenAI`` loop of ``benchmarks/floor.py``, in its own process, reading the same
   stream from the same demo server (``--pace 0``).
2. **The real TUI** in a pty of 120x40 (``pty_app.py``, as in ``run.py``): first frame, the prompt, Enter (t0), then
   reading until the status line shows the finish reason ``stop`` *and* the answer's last characters (its
   marker) are on screen (t1). Meanwhile key probes are typed one at a time (``pty_app.KeyProbe``: the time
   until each character is written to the pty). Then the peak RSS (``VmHWM``), a few key probes after the
   stream, and Ctrl+Q: the time until the process has exited.
3. **Reopen**: ``siliconchat --continue`` in the same XDG folders; the time from spawn until the answer's
   marker is on screen.

Only what the app writes to the pty and the process's /proc figures are used, never its internals. The
marker is matched on the raw output, allowing escape sequences and non-alphanumeric bytes between its
characters (styles, cursor moves, borders where a line wraps). Targets: app / floor ≤ 2×, peak RSS
≤ 250 MB, every key ≤ 100 ms, Ctrl+Q ≤ 1 s, reopen ≤ 1 s.

Every wait is bounded: the stream by ``--timeout`` (default: the larger of 60 s and 2.5 × the floor),
Ctrl+Q and the reopen by 10 s; what does not finish is reported as "> N s". Children are always killed.
Output: a table on stdout, ``benchmarks/results/structured.json`` (``--json``) and the same table as
Markdown next to it (``structured.md``).
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import re
import shutil
import signal
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import harness
from floor import run_floor
from harness import log
from pty_app import ANSWER_COUNT, FINISHED, PROBE_CHARS, READY, KeyProbe, PtyApp, press_enter
from table import Row, render

harness.use_this_tree()

from siliconchat.demo import structured as st  # noqa: E402  (this checkout's, after use_this_tree)

QUIT_TIMEOUT = 10.0
REOPEN_TIMEOUT = 10.0
FLOOR_TIMEOUT = 300.0
END_GRACE = 5.0  # after "stop", how long the end of the answer may take to show
KEYS_DURING = PROBE_CHARS[:16]  # distinct characters: a redraw of an older one is never taken for a new one
KEYS_AFTER = PROBE_CHARS[16:]
# Between two characters of a marker: escape sequences and bytes that are not letters or digits (spaces,
# borders, scroll bars, UTF-8 of other symbols), as where a style changes or a line wraps.
JUNK = rb"(?:\x1b\[[0-9;:?<=>]*[ -/]*[@-~]|[^0-9A-Za-z\x1b]){0,800}?"


def marker_pattern(marker: str) -> re.Pattern[bytes]:
    """A pattern for ``marker`` on screen: its non-blank characters in order, with JUNK between."""
    return re.compile(JUNK.join(re.escape(char.encode()) for char in marker if not char.isspace()))


@dataclass
class StructuredRun:
    wall: float | None  # Enter -> "stop" and the end of the answer on screen; None: not finished
    timeout: float
    cpu: float | None = None
    peak_rss: int | None = None
    launch: float | None = None
    answer_tokens: int | None = None  # the status line's answer count, at the end (or when the wait ended)
    output_bytes: int = 0
    keys_during: list[float | None] = field(default_factory=list)
    keys_after: list[float | None] = field(default_factory=list)
    quit: float | None = None  # Ctrl+Q -> exited; None: not within QUIT_TIMEOUT (or not measured)
    quit_mid_stream: bool = False
    reopen: float | None = None  # spawn of --continue -> the end of the answer on screen
    reopen_first_frame: float | None = None
    reopen_rss: int | None = None
    error: str | None = None


def wait_for_end(
    app: PtyApp, start: int, marker: re.Pattern[bytes], timeout: float, probe: KeyProbe
) -> float | None:
    """The time both "stop" and the marker have shown (after offset ``start``), or None."""
    stopped = app.wait_for(FINISHED, start, timeout, tick=probe.tick)
    if stopped is None:
        return None
    if app.search(marker, start) is not None:
        return stopped
    return app.wait_for(marker, start, END_GRACE, tick=probe.tick, overlap=16384)


def quit_time(app: PtyApp) -> float | None:
    """Ctrl+Q -> the process has exited (reading the pty meanwhile), or None after QUIT_TIMEOUT."""
    t0 = time.perf_counter()
    app.send("\x11")
    while app.proc.poll() is None:
        if time.perf_counter() - t0 > QUIT_TIMEOUT:
            return None
        app.pump(0.005)
    return time.perf_counter() - t0


def probe_after(app: PtyApp) -> list[float | None]:
    """Key probes typed after the stream (each 250 ms after the previous showed)."""
    probe = KeyProbe(app, time.perf_counter(), KEYS_AFTER)
    deadline = time.perf_counter() + 5.0 * len(KEYS_AFTER)
    while len(probe.latencies) < len(KEYS_AFTER) and time.perf_counter() < deadline:
        probe.tick()
        app.pump(0.005)
    probe.finish()
    return probe.latencies


def reopen(result: StructuredRun, model: str, url: str, home: str, marker: re.Pattern[bytes]) -> None:
    """``siliconchat --continue`` in ``home``: the times to its first frame and to the end of the answer."""
    app = PtyApp(model, url, extra=["--continue"], home=home)
    try:
        deadline = app.t_spawn + REOPEN_TIMEOUT
        ready = shown = None
        scanned = 0  # output before this offset has been searched
        while shown is None and (now := time.perf_counter()) < deadline:
            if ready is None and app.search(READY, max(0, scanned - 64)) is not None:
                ready = now
            if app.search(marker, max(0, scanned - 16384)) is not None:
                shown = now
            scanned = app.end
            if app.closed and app.proc.poll() is not None:
                break
            app.pump(min(0.01, deadline - now))
        result.reopen_first_frame = ready - app.t_spawn if ready is not None else None
        result.reopen = shown - app.t_spawn if shown is not None else None
        result.reopen_rss = app.peak_rss()
    finally:
        app.close()


def run_shape(model: str, url: str, marker: re.Pattern[bytes], timeout: float, gap: float) -> StructuredRun:
    """One app run of one shape: stream, keys, Ctrl+Q, then the reopen (when the answer finished).

    Key probes are typed ``gap`` seconds apart during the stream, so that they spread over it.
    """
    home = harness.temp_dir("siliconchat-bench-structured-")
    try:
        return _run_shape(model, url, marker, timeout, gap, home)
    finally:
        shutil.rmtree(home, ignore_errors=True)
        with contextlib.suppress(ValueError):
            harness.TEMP_DIRS.remove(home)


def _run_shape(
    model: str, url: str, marker: re.Pattern[bytes], timeout: float, gap: float, home: str
) -> StructuredRun:
    result = StructuredRun(wall=None, timeout=timeout)
    app = PtyApp(model, url, home=home)
    try:
        ready = app.wait_for(READY, 0, 30)
        if ready is None:
            result.error = "no first frame in 30 s"
            return result
        result.launch = ready - app.t_spawn
        cpu0, start, t0 = press_enter(app)
        probe = KeyProbe(app, t0 + 0.3, KEYS_DURING, gap=gap)
        shown = wait_for_end(app, start, marker, timeout, probe)
        cpu1 = app.cpu()
        result.peak_rss = app.peak_rss()
        probe.finish()
        result.keys_during = probe.latencies
        result.output_bytes = app.end - start
        result.answer_tokens = app.last_int(ANSWER_COUNT, start)
        if shown is not None:
            result.wall = shown - t0
            result.cpu = cpu1 - cpu0 if cpu0 is not None and cpu1 is not None else None
            app.drain(0.1)
            result.answer_tokens = app.last_int(ANSWER_COUNT, start) or result.answer_tokens
            result.keys_after = probe_after(app)
        elif app.proc.poll() is not None:
            result.error = "the app exited"
        elif app.search(FINISHED, start) is not None:
            result.error = f"'stop' showed, but not the end of the answer within {END_GRACE:.0f} s"
        else:
            result.error = f"not finished after {timeout:.0f} s"
        if app.proc.poll() is None:
            result.quit_mid_stream = shown is None
            result.quit = quit_time(app)
    finally:
        app.close()
    if result.wall is not None:
        reopen(result, model, url, home, marker)
    return result


# --------------------------------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------------------------------


def _latency_row(figure: str, runs: list[StructuredRun], attr: str) -> Row:
    probes = [p for r in runs for p in getattr(r, attr)]
    shown = [p for p in probes if p is not None]
    row = Row(figure, "ms", shown, target="≤ 100 ms (max)")
    row.passed = bool(shown) and len(shown) == len(probes) and max(shown) <= 0.1
    row.note = f"{len(probes)} keys" + (
        f"; {len(probes) - len(shown)} not shown within 5 s" if len(shown) < len(probes) else ""
    )
    if not probes:
        row.passed, row.note = None, "no key typed (the stream did not finish, or was too short)"
    return row


def shape_rows(
    label: str, floors: list[dict[str, Any]], runs: list[StructuredRun], expected: int
) -> list[Row]:
    """The rows of one shape (named ``label``)."""
    name = label.split(" ")[0]
    floor_walls = [f["wall"] for f in floors if f.get("wall") is not None]
    rows = [Row(f"{label}: floor (bare AsyncOpenAI loop)", "s", floor_walls)]
    bad_floor = [f.get("answer") for f in floors if f.get("wall") is not None and f.get("answer") != expected]
    if bad_floor:
        rows[0].note = f"read {bad_floor} deltas, not {expected}"
    walls = [r.wall for r in runs if r.wall is not None]
    unfinished = [r for r in runs if r.wall is None]
    app = Row(f"{name}: app, Enter → end of the answer on screen", "s", walls)
    ratio = Row(f"{name}: app / floor", "×", None, target="≤ 2×")
    pairs = [r.wall / f["wall"] for r, f in zip(runs, floors, strict=False) if r.wall and f.get("wall")]
    if unfinished:
        app.lower_bound = max(r.timeout for r in unfinished)
        app.note = "; ".join(sorted({r.error or "?" for r in unfinished}))
        if floor_walls:
            ratio.lower_bound = app.lower_bound / statistics.median(floor_walls)
        ratio.passed = False
    else:
        ratio.values = pairs
        ratio.passed = bool(pairs) and statistics.median(pairs) <= 2.0
    wrong = [r.answer_tokens for r in runs if r.wall is not None and r.answer_tokens not in (None, expected)]
    if wrong:
        app.note = f"status line: answer {wrong} ≠ {expected}" + (f"; {app.note}" if app.note else "")
    progress = [r.answer_tokens for r in unfinished if r.answer_tokens is not None]
    if progress:  # how far the status line had counted when the wait ended
        app.note += f"; status line then at answer {', '.join(f'{n:,}' for n in progress)} of {expected:,}"
    rss = [float(r.peak_rss) for r in runs if r.peak_rss is not None]
    rss_row = Row(f"{name}: app peak RSS (VmHWM)", "MB", rss, target="≤ 250 MB")
    rss_row.passed = bool(rss) and max(rss) <= 250e6
    if unfinished:
        rss_row.note = "when the wait ended, before the answer finished"
    cpu = Row(f"{name}: app CPU time (user+sys)", "s", [r.cpu for r in runs if r.cpu is not None])
    floor_cpu = [f["cpu"] for f in floors if f.get("cpu") is not None]
    cpu.note = f"floor CPU {statistics.median(floor_cpu):.2f} s" if floor_cpu else ""
    quits = [r.quit for r in runs if r.quit is not None]
    quit_row = Row(f"{name}: Ctrl+Q → exited", "s", quits, target="≤ 1 s")
    quit_row.passed = len(quits) == len(runs) and bool(quits) and max(quits) <= 1.0
    if len(quits) < len(runs):
        quit_row.lower_bound = QUIT_TIMEOUT if not quits else None
        quit_row.note = f"{len(runs) - len(quits)} of {len(runs)} did not exit within {QUIT_TIMEOUT:.0f} s"
    if any(r.quit_mid_stream for r in runs):
        quit_row.note = (quit_row.note + "; " if quit_row.note else "") + "pressed mid-stream (not finished)"
    reopens = [r.reopen for r in runs if r.reopen is not None]
    finished = [r for r in runs if r.wall is not None]
    reopen_row = Row(
        f"{name}: reopen (--continue) → end of the answer on screen", "s", reopens, target="≤ 1 s"
    )
    reopen_row.passed = bool(finished) and len(reopens) == len(finished) and max(reopens) <= 1.0
    if not finished:
        reopen_row.passed, reopen_row.note = False, "not measured: the answer never finished"
    elif len(reopens) < len(finished):
        reopen_row.lower_bound = REOPEN_TIMEOUT if not reopens else None
        reopen_row.note = (
            f"{len(finished) - len(reopens)} of {len(finished)} not shown within {REOPEN_TIMEOUT:.0f} s"
        )
    first_frames = [r.reopen_first_frame for r in runs if r.reopen_first_frame is not None]
    if first_frames:
        reopen_row.note = (reopen_row.note + "; " if reopen_row.note else "") + (
            f"first frame {statistics.median(first_frames):.2f} s"
        )
    reopen_rss = [r.reopen_rss for r in runs if r.reopen_rss is not None]
    if reopen_rss:
        reopen_row.note = (
            reopen_row.note + "; " if reopen_row.note else ""
        ) + f"reopened app's peak RSS {max(reopen_rss) / 1e6:.0f} MB"
    return [
        *rows,
        app,
        ratio,
        rss_row,
        _latency_row(f"{name}: key press during the stream → on screen", runs, "keys_during"),
        _latency_row(f"{name}: key press after the stream → on screen", runs, "keys_after"),
        quit_row,
        reopen_row,
        cpu,
    ]


# --------------------------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python benchmarks/bench_structured.py",
        description="Long structured answers (issue 15): the real TUI in a pty against the bare SDK floor.",
    )
    parser.add_argument("--quick", action="store_true", help="1 repeat (default 3)")
    parser.add_argument("--repeats", type=int, default=None, metavar="N", help="repeats per shape")
    parser.add_argument(
        "--only", default=None, metavar="NAMES", help=f"comma-separated: {','.join(st.SHAPES)}"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="S",
        help="the stream's wait (default: max(60, 2.5 × floor))",
    )
    parser.add_argument(
        "--size", type=int, default=None, metavar="N", help="every shape at size N (harness checks)"
    )
    parser.add_argument("--json", default=str(harness.RESULTS_DIR / "structured.json"), metavar="PATH")
    args = parser.parse_args(argv)
    names = args.only.split(",") if args.only else list(st.SHAPES)
    unknown = [n for n in names if n not in st.SHAPES]
    if unknown:
        parser.error(f"unknown shape(s) {', '.join(unknown)}: choose from {', '.join(st.SHAPES)}")
    repeats = args.repeats or (1 if args.quick else 3)

    signal.signal(signal.SIGTERM, harness.on_signal)
    signal.signal(signal.SIGHUP, harness.on_signal)
    signal.signal(signal.SIGINT, harness.on_signal)
    atexit.register(harness.cleanup)

    started = time.perf_counter()
    machine = harness.machine_info()
    log(
        f"structured answers: {machine['cpu']}, {machine['cores']} cores, siliconchat from {Path(st.__file__).parents[1]}"
    )
    harness.compile_app()
    shapes = [(st.SHAPES[n], args.size or st.SHAPES[n].default) for n in names]
    floors: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    runs: dict[str, list[StructuredRun]] = {n: [] for n in names}
    server = harness.Server(pace=0)
    try:
        for r in range(repeats):
            for shape, size in shapes:
                model = st.shape_id(shape, size)
                floor = run_floor(server, model, FLOOR_TIMEOUT)
                floors[shape.name].append(floor)
                timeout = args.timeout or max(60.0, 2.5 * (floor.get("wall") or 0.0))
                marker = marker_pattern(shape.marker(size))
                # Spread over the time the floor took, the key probes cover most of the stream.
                gap = max(0.25, (floor.get("wall") or 0.0) / len(KEYS_DURING))
                result = run_shape(model, server.url, marker, timeout, gap)
                runs[shape.name].append(result)
                log(
                    f"[{time.perf_counter() - started:6.1f}s] {model} #{r + 1}: floor {harness.secs(floor.get('wall'))}, "
                    f"app {harness.secs(result.wall)} (rss {harness.megabytes(result.peak_rss)}), quit {harness.secs(result.quit)}, "
                    f"reopen {harness.secs(result.reopen)}"
                    + (f" ERROR {result.error}" if result.error else "")
                )
    finally:
        server.close()

    rows: list[Row] = []
    for shape, size in shapes:
        expected = sum(1 for _ in st.deltas(shape, size))
        rows += shape_rows(
            f"{shape.name} ({size:,} {shape.unit})", floors[shape.name], runs[shape.name], expected
        )
    total = time.perf_counter() - started
    print(f"\nsiliconchat structured answers — {machine['date']} — {machine['commit']} — {total:.0f} s")
    print(render(rows, markdown=False))
    output = {
        "machine": machine,
        "options": {
            "quick": args.quick,
            "repeats": repeats,
            "shapes": names,
            "size": args.size,
            "timeout": args.timeout,
        },
        "duration_s": total,
        "rows": [row.as_dict() for row in rows],
        "raw": {
            "floor": floors,
            "app": {name: [asdict(x) for x in items] for name, items in runs.items()},
        },
    }
    json_path = Path(args.json)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(output, indent=2, ensure_ascii=False) + "\n")
    md_path = json_path.with_suffix(".md")
    wait = f"{args.timeout:g} s" if args.timeout else "max(60 s, 2.5 × floor)"
    sized = f", every shape at size {args.size}" if args.size else ""
    md_path.write_text(
        f"Measured {machine['date']} on {machine['cpu']} ({machine['cores']} cores), Python {machine['python']}, "
        f"textual {machine['versions'].get('textual')}, commit {machine['commit']}; {machine['terminal']}; "
        f"{repeats} repeat(s), the stream's wait {wait}{sized}.\n\n" + render(rows, markdown=True) + "\n"
    )
    print(f"\nwritten: {json_path} and {md_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
