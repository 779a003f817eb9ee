#!/usr/bin/env python3
"""Profile the real TUI during a blast with py-spy (a tool, not a project dependency: ``pip install py-spy``).

Usage (from the repository root)::

    python benchmarks/profile_blast.py [--model demo/blast-20000] [--rate 250] [--out benchmarks/results/profile]
    python benchmarks/profile_blast.py --pace 0.01 --seconds 15 --model demo/blast-3000   # 100 deltas/s

The app runs exactly as in ``benchmarks/run.py`` (a 120x40 pty, a demo server in its own process); py-spy
attaches once the first frame is on screen and samples the app (all threads, ``--idle`` off) from Enter
to the finish reason on screen. Writes ``OUT.txt`` (collapsed stacks, for flamegraph tools or speedscope)
and prints the top functions by own time and by total time, and the share of a few known parts.
"""

from __future__ import annotations

import argparse
import collections
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import contextlib

import harness
from pty_app import FINISHED, start_app, type_prompt

# Where the time goes, by the first matching frame from the top of each stack (most specific first).
PARTS = (
    ("sdk: json decode / SSE", ("_streaming.py", "json/decoder.py", "json/__init__.py", "_sse")),
    ("sdk: pydantic construct", ("pydantic", "_models.py", "_response.py")),
    ("httpx / socket read", ("httpx", "httpcore", "h11", "anyio", "ssl.py", "socket.py")),
    (
        "our stream reader (stream_reader.py)",
        ("siliconchat/core/stream_reader.py", "siliconchat/core/api.py"),
    ),
    ("turn recorder", ("siliconchat/core/turn.py", "siliconchat/core/think.py")),
    ("markdown parse (markdown_it)", ("markdown_it",)),
    ("Markdown widget append/update", ("widgets/_markdown.py",)),
    ("status line / header", ("status_line.py", "header_bar.py", "reasoning_pane.py")),
    ("layout / arrange", ("_arrange.py", "_layout.py", "layouts/", "box_model", "_resolve.py")),
    (
        "compositor / render to terminal",
        ("_compositor.py", "strip.py", "segment.py", "drivers/", "_styles_cache.py", "content.py", "rich/"),
    ),
    ("css / styles", ("css/",)),
    ("textual message pump / events", ("message_pump.py", "app.py", "widget.py", "dom.py", "screen.py")),
    ("asyncio", ("asyncio/",)),
)


def classify(stack: list[str]) -> str:
    for frame in reversed(stack):  # innermost first
        for name, needles in PARTS:
            if any(needle in frame for needle in needles):
                return name
    return "other"


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python benchmarks/profile_blast.py", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--model", default="demo/blast-20000")
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--out", default=str(harness.RESULTS_DIR / "profile"), help="output prefix")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--pace", type=float, default=0.0, help="server pace (0.01: 100 deltas/s)")
    parser.add_argument("--seconds", type=float, default=None, help="profile this long instead of to the end")
    args = parser.parse_args()
    py_spy = shutil.which("py-spy")
    if not py_spy:
        print("py-spy is not installed: pip install py-spy", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    raw = out.with_suffix(".txt")
    server = harness.Server(pace=args.pace)
    spy = None
    try:
        app, launch = start_app(args.model, server.url)
        try:
            if launch is None:
                print("no first frame", file=sys.stderr)
                return 1
            spy = harness.spawn(
                [
                    py_spy,
                    "record",
                    "--pid",
                    str(app.pid),
                    "--rate",
                    str(args.rate),
                    "--format",
                    "raw",
                    "--output",
                    str(raw),
                    "--threads",
                    "--nonblocking",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            app.drain(1.0)  # let py-spy attach
            type_prompt(app)
            app.drain(0.2)
            start = app.end
            t0 = time.perf_counter()
            app.send("\r")
            if args.seconds is not None:
                cpu0 = app.cpu()
                app.drain(args.seconds)
                cpu = (app.cpu() or 0) - (cpu0 or 0)
                print(f"{args.model} at pace {args.pace}: profiled {args.seconds:.0f} s, app CPU {cpu:.2f} s")
            else:
                shown = app.wait_for(FINISHED, start, args.timeout)
                wall = (shown - t0) if shown else None
                print(f"{args.model}: {wall:.2f} s to the finish reason on screen" if wall else "timed out")
            spy.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                spy.wait(30)
        finally:
            app.close()
    finally:
        if spy is not None:
            harness.kill(spy)
        server.close()
    if not raw.exists():
        print(
            f"py-spy wrote nothing: {spy.stderr.read().decode() if spy and spy.stderr else ''}",
            file=sys.stderr,
        )
        return 1
    summarize(raw, args.top)
    print(f"\ncollapsed stacks: {raw}")
    return 0


def summarize(raw: Path, top: int) -> None:
    own: collections.Counter[str] = collections.Counter()
    total: collections.Counter[str] = collections.Counter()
    parts: collections.Counter[str] = collections.Counter()
    samples = 0
    for line in raw.read_text().splitlines():
        stack_text, _, count_text = line.rpartition(" ")
        if not stack_text:
            continue
        count = int(count_text)
        frames = [f for f in stack_text.split(";") if not f.startswith(("thread ", "process "))]
        if not frames:
            continue
        samples += count
        own[frames[-1]] += count
        for frame in set(frames):
            total[frame] += count
        parts[classify(frames)] += count
    print(f"\n{samples} samples (all threads)\n\nby part (innermost matching frame):")
    for name, count in parts.most_common():
        print(f"  {100 * count / samples:5.1f} %  {name}")
    print("\ntop by own time:")
    for frame, count in own.most_common(top):
        print(f"  {100 * count / samples:5.1f} %  {frame}")
    print("\ntop by total time:")
    for frame, count in total.most_common(top):
        print(f"  {100 * count / samples:5.1f} %  {frame}")


if __name__ == "__main__":
    signal.signal(signal.SIGINT, harness.on_signal)
    raise SystemExit(main())
