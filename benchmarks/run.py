#!/usr/bin/env python3
"""siliconchat's benchmark suite (issue 6): the real TUI in a real terminal against the bare SDK floor.

Usage (from the repository root, with siliconchat installed, e.g. ``pip install -e .``)::

    python benchmarks/run.py                      # the full run (about 5-10 minutes on 2 cores)
    python benchmarks/run.py --quick              # one repeat, 10 s at 100 deltas/s (about 2 minutes)
    python benchmarks/run.py --repeats 5 --json /tmp/bench.json

What one run measures, side by side and as ratios (the targets are in the table it prints):

1. **The floor**: a bare ``AsyncOpenAI`` streaming loop (``async for chunk in stream``, reading
   ``delta.reasoning_content`` and ``delta.content``), in its own process, reading the same stream from the
   same demo server, for every workload.
2. **The real TUI in a real terminal**: ``siliconchat`` spawned in a pty of 120x40 (TERM=xterm-256color,
   COLORTERM=truecolor), pointed at the demo server by ``SILICONFLOW_BASE_URL``. The harness waits for the
   first full frame (the prompt's placeholder), types the prompt, sends Enter (t0), and reads the pty until
   the status line shows the finish reason ``stop`` (t1). The blast text has no unique last delta, and the
   app writes ``stop`` in the same refresh as its final full render of the answer, so ``stop`` on screen
   means "the last delta is on screen". Workloads: 5,000, 20,000 and 80,000 answer deltas, and 20,000
   reasoning + 20,000 answer deltas. Also: the app's CPU time (user+sys from /proc/PID/stat) over t0..t1,
   its peak RSS (VmHWM), the bytes it wrote to the terminal, and the token count shown (a completeness check).
3. **Key responsiveness** during a 20,000-delta blast: characters (``§``, ``¶`` …, which never occur in the
   blast) are typed into the prompt one at a time mid-stream; the latency is the time until the character
   is written to the terminal.
4. **Launch to first frame** (spawn to the prompt's placeholder on screen, from every app run) and
   ``siliconchat --version`` (wall time, repeated).
5. **CPU at a realistic 100 deltas/s** (a second demo server with ``--pace 0.01``) for 30 s (10 s with
   ``--quick``): the app's CPU time over a window that starts 2 s after Enter, as a share of one core; and
   the floor's over a window as long, reading the same paced stream (and the ratio of the two).
6. **History figures**: ``benchmarks/bench_history.py`` is run if it exists (see benchmarks/README.md for
   its contract: ``--json PATH`` and ``--quick``); otherwise they are reported as "not measured yet".
7. **Structured answers** (issue 15): ``benchmarks/bench_structured.py`` (a long list, table, code block,
   paragraphs and line: each against the floor, with key latency, Ctrl+Q and reopen), its rows as they are.

The siliconchat measured is this checkout's: the repository goes first on ``PYTHONPATH`` for every child
(an editable install of another checkout, such as a git worktree's main tree, would otherwise win).

This file is the driver. Each family of figures is a module (``part_*.py``: its measurement, its rows, its
JSON), registered in :data:`FAMILIES`; they share ``harness.py`` (child processes, demo servers, the machine),
``floor.py`` (the bare SDK loop), ``pty_app.py`` (the app in a pty, key probes) and ``table.py`` (the rows).

The app's own modules are compiled to bytecode first, as ``pip install`` does for an installed package (an
editable install under ``PYTHONDONTWRITEBYTECODE`` otherwise compiled every module at every launch: ~0.1 s).

The demo servers run in separate processes (so they do not compete for the app's GIL). Every app run gets
its own temporary XDG_CONFIG_HOME / XDG_DATA_HOME / XDG_CACHE_HOME / XDG_STATE_HOME. Every wait is bounded:
an app that does not finish a workload in time is reported as "> N s". Child processes are always killed.

Output: a table (median, min, max over repeats, target, PASS/FAIL) on stdout, and JSON with the machine's
description in ``benchmarks/results/latest.json`` (``--json`` to change), plus the same table as Markdown in
``benchmarks/results/latest.md``. The machine is shared and noisy: compare ratios within one run.
"""

from __future__ import annotations

import argparse
import atexit
import json
import signal
import time
from pathlib import Path

import part_blast
import part_compare
import part_first
import part_keys
import part_paced
import part_scripts
import part_startup
from family import Family, Run
from harness import RESULTS_DIR, Server, cleanup, compile_app, log, machine_info, on_signal, use_this_tree
from table import render

# The families of figures, in the order of their rows in the table. A new family is a module that defines a
# Family (family.py; for a script of its own with --json and --quick, part_scripts.script_family) and one
# line here. The JSON's "raw" has each family's keys, the shared-server families' first.
FAMILIES: tuple[Family, ...] = (
    part_blast.FAMILY,
    part_compare.FAMILY,
    part_keys.FAMILY,
    part_first.FAMILY,
    part_paced.FAMILY,
    part_startup.LAUNCH,
    part_startup.VERSION,
    part_scripts.HISTORY,
    part_scripts.STRUCTURED,
    part_scripts.SCALE,
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python benchmarks/run.py",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        epilog="See the top of benchmarks/run.py and benchmarks/README.md for what is measured and how.",
    )
    parser.add_argument("--quick", action="store_true", help="1 repeat, 80k once, 10 s at 100 deltas/s")
    parser.add_argument(
        "--repeats", type=int, default=None, metavar="N", help="repeats per workload (default 3)"
    )
    parser.add_argument(
        "--repeats-80k", type=int, default=None, metavar="N", help="repeats of 80k (default 2)"
    )
    parser.add_argument(
        "--paced-seconds", type=float, default=None, metavar="S", help="100 deltas/s window (30)"
    )
    parser.add_argument(
        "--version-repeats", type=int, default=10, metavar="N", help="siliconchat --version runs"
    )
    parser.add_argument(
        "--launch-repeats", type=int, default=20, metavar="N", help="app starts of the launch part"
    )
    parser.add_argument(
        "--timeout-scale", type=float, default=1.0, metavar="F", help="multiply every timeout"
    )
    parser.add_argument(
        "--only",
        default=None,
        metavar="LIST",
        help=f"comma-separated parts: {_default_parts()} (default: all); "
        "also launch (only when named: app starts alone, to the first frame) and scale (only when named: "
        "the history of 100,000 conversations, built once and cached)",
    )
    parser.add_argument(
        "--json", default=str(RESULTS_DIR / "latest.json"), metavar="PATH", help="JSON output"
    )
    return parser


def _default_parts() -> str:
    return ",".join(family.part for family in FAMILIES if family.default)


def _measure(run: Run) -> list[Family]:
    """Measure the chosen families: first those on the shared pace-0 demo server, then the others (after it
    is closed). Returns every family in the order measured."""
    shared = [family for family in FAMILIES if family.shared_server]
    others = [family for family in FAMILIES if not family.shared_server]
    compile_app()
    run.server = Server(pace=0)
    try:
        for family in shared:
            if family.part in run.parts:
                run.results[family.part] = family.measure(run)
    finally:
        run.server.close()
        run.server = None
    for family in others:
        if family.part in run.parts:
            run.results[family.part] = family.measure(run)
    return shared + others


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    use_this_tree()
    repeats = args.repeats or (1 if args.quick else 3)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    atexit.register(cleanup)

    run = Run(
        quick=args.quick,
        repeats=repeats,
        repeats_80k=args.repeats_80k or (1 if args.quick else min(2, repeats)),
        paced_seconds=args.paced_seconds or (10.0 if args.quick else 30.0),
        scale=args.timeout_scale,
        launch_repeats=args.launch_repeats,
        version_repeats=args.version_repeats,
        parts=set((args.only or _default_parts()).split(",")),
    )
    machine = machine_info()
    log(
        f"siliconchat benchmarks: {machine['cpu']}, {machine['cores']} cores, Python {machine['python']}, "
        f"textual {machine['versions'].get('textual')}, openai {machine['versions'].get('openai')}"
    )
    measured = _measure(run)
    rows = [row for family in FAMILIES for row in family.rows(run)]

    total = time.perf_counter() - run.started
    table = render(rows, markdown=False)
    print()
    print(
        f"siliconchat benchmarks — {machine['date']} — {machine['cpu']}, {machine['cores']} cores, "
        f"Python {machine['python']}, textual {machine['versions'].get('textual')}, "
        f"openai {machine['versions'].get('openai')} — {total:.0f} s"
    )
    print(table)

    raw: dict[str, object] = {}
    for family in measured:
        raw.update(family.raw(run))
    result = {
        "machine": machine,
        "options": {
            "quick": run.quick,
            "repeats": run.repeats,
            "repeats_80k": run.repeats_80k,
            "paced_seconds": run.paced_seconds,
            "parts": sorted(run.parts),
            "timeout_scale": run.scale,
        },
        "duration_s": total,
        "rows": [row.as_dict() for row in rows],
        "raw": raw,
    }
    json_path = Path(args.json)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    md = (
        f"Measured {machine['date']} on {machine['cpu']} ({machine['cores']} cores, "
        f"{machine['memory_gb']} GB), {machine['platform']}, Python {machine['python']}, "
        f"textual {machine['versions'].get('textual')}, openai {machine['versions'].get('openai')}, "
        f"commit {machine['commit']}; {machine['terminal']}.\n\n" + render(rows, markdown=True) + "\n"
    )
    md_path = json_path.with_suffix(".md")
    md_path.write_text(md)
    print(f"\nwritten: {json_path} and {md_path}")
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGINT, on_signal)
    raise SystemExit(main())
