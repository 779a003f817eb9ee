"""Compare four models at once: ``siliconchat ask -m ×4 --json`` against the demo server's blast (four streams of
20,000 deltas at the same time) vs the floor, four bare ``AsyncOpenAI`` loops reading the same four streams
concurrently in one process (``python part_compare.py URL MODEL…``).

The four model ids are ``demo/blast-20000``, ``demo/blast-020000``, … (the same 20,000-delta blast: a compare
takes different ids). The app's figure is the time from its requests to the last delta of the last answer, as
``ask`` measures it (the largest ``timings.total`` of its JSON lines, no launch); the floor's is the same span
in the bare loops (from before the first request to the last chunk of the last stream, after a warm-up
request). Also recorded: the ``ask`` process's wall time from spawn to exit (launch included).

The TUI's comparison is measured the same way in a real terminal (:mod:`pty_app`): the app starts with the four
models as its comparison set (``compare_models`` in its config), the prompt is typed, Shift+F8 compares, and the
figure is the time from that key to the status line's "compared 4 models" (written in the frame that shows
the last text of the last answer). Meanwhile keys are typed into the prompt one at a time; each one's time
until it is on screen is the key latency row.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from typing import Any

from family import Family, Run
from harness import PROMPT, REPO, app_command, app_env, demo_key, kill, secs, spawn, temp_dir, use_this_tree
from pty_app import READY, KeyProbe, PtyApp, type_prompt
from table import Row

DELTAS = 20_000
MODELS = tuple(f"demo/blast-{'0' * n}{DELTAS}" for n in range(4))
TARGET = 1.3
KEY_TARGET = 0.1
COMPARED = re.compile(rb"compared 4 models")
SHIFT_F8 = "\x1b[19;2~"


async def _floor_main(url: str, key: str, models: list[str]) -> dict[str, Any]:
    from openai import AsyncOpenAI

    client = AsyncOpenAI(api_key=key, base_url=url, max_retries=0)
    messages: Any = [{"role": "user", "content": PROMPT}]
    warm = await client.chat.completions.create(model="demo/blast-10", messages=messages, stream=True)
    async for _chunk in warm:  # open a connection first, as the app has
        pass

    async def read(model: str) -> int:
        answer = 0
        stream = await client.chat.completions.create(model=model, messages=messages, stream=True)
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                answer += 1
        return answer

    t0 = time.perf_counter()
    counts = await asyncio.gather(*(read(model) for model in models))
    wall = time.perf_counter() - t0
    await client.close()
    return {"wall": wall, "answers": counts}


def _child(argv: list[str], timeout: float, **options: Any) -> tuple[int, str, str] | None:
    """Run ``argv`` to its end: its exit status, stdout and stderr (None: it outlasted ``timeout``)."""
    proc = spawn(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **options)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    finally:
        kill(proc)
    return proc.returncode, out, err


def _floor(url: str, timeout: float) -> dict[str, Any]:
    ended = _child([sys.executable, __file__, url, *MODELS], timeout, cwd=REPO)
    if ended is None:
        return {"wall": None, "error": f"> {timeout:.0f} s"}
    code, out, err = ended
    if code != 0:
        return {"wall": None, "error": err.strip()[-300:]}
    return dict(json.loads(out))


def _ask(url: str, timeout: float) -> dict[str, Any]:
    models = [arg for model in MODELS for arg in ("-m", model)]
    argv = [*app_command(), "ask", *models, "--json", "--no-log", PROMPT]
    t0 = time.perf_counter()
    ended = _child(argv, timeout, env=app_env(url, temp_dir("compare")))
    if ended is None:
        return {"last_delta": None, "error": f"> {timeout:.0f} s"}
    code, out, err = ended
    wall = time.perf_counter() - t0
    answers = [json.loads(line) for line in out.splitlines() if line.strip()]
    if code != 0 or len(answers) != len(MODELS):
        return {"last_delta": None, "error": err.strip()[-300:]}
    tokens = [a["usage"]["completion_tokens"] if a.get("usage") else None for a in answers]
    return {"last_delta": max(a["timings"]["total"] for a in answers), "process_wall": wall, "tokens": tokens}


def _tui(url: str, timeout: float) -> dict[str, Any]:
    """The TUI compares the four models (see the module docstring): Shift+F8 → "compared 4 models" on screen,
    and the latencies of the keys typed meanwhile."""
    home = temp_dir("compare-tui")
    config = os.path.join(home, "config", "siliconchat")
    os.makedirs(config, exist_ok=True)
    with open(os.path.join(config, "config.toml"), "w") as f:
        f.write("compare_models = [" + ", ".join(f'"{m}"' for m in MODELS) + "]\n")
    app = PtyApp(MODELS[0], url, home=home)
    try:
        if app.wait_for(READY, 0, 30) is None:
            return {"wall": None, "error": "no first frame in 30 s"}
        type_prompt(app)
        app.drain(0.2)
        start = app.end
        t0 = time.perf_counter()
        app.send(SHIFT_F8)
        probe = KeyProbe(app, t0 + 0.3)
        shown = app.wait_for(COMPARED, start, timeout, tick=probe.tick)
        probe.finish()
        if shown is None:
            return {"wall": None, "error": f"not compared within {timeout:.0f} s", "probes": probe.latencies}
        return {"wall": shown - t0, "probes": probe.latencies}
    finally:
        app.close()
        shutil.rmtree(home, ignore_errors=True)


def _measure(run: Run) -> dict[str, Any]:
    url = run.shared().url
    timeout = 120 * run.scale
    samples: list[dict[str, Any]] = []
    for i in range(run.repeats):
        floor = _floor(url, timeout)
        app = _ask(url, timeout)
        tui = _tui(url, timeout)
        samples.append({"floor": floor, "app": app, "tui": tui})
        keys = ", ".join("–" if p is None else f"{p * 1000:.0f}" for p in tui.get("probes") or [])
        run.progress(
            f"compare ×4 #{i + 1}: ask {secs(app.get('last_delta'))} (process {secs(app.get('process_wall'))}), "
            f"TUI {secs(tui.get('wall'))} (keys, ms: {keys}), floor {secs(floor.get('wall'))}"
        )
    return {"samples": samples}


def _rows(run: Run) -> list[Row]:
    measured = run.results.get("compare")
    if not measured:
        return []
    samples = measured["samples"]
    floors = [s["floor"]["wall"] for s in samples if s["floor"].get("wall")]
    apps = [s["app"]["last_delta"] for s in samples if s["app"].get("last_delta")]
    walls = [s["app"]["process_wall"] for s in samples if s["app"].get("process_wall")]
    ratios = [
        s["app"]["last_delta"] / s["floor"]["wall"]
        for s in samples
        if s["app"].get("last_delta") and s["floor"].get("wall")
    ]
    rows = [
        Row("compare 4 × 20k: floor (4 bare AsyncOpenAI loops at once)", "s", floors or None),
        Row("compare 4 × 20k: ask -m ×4, requests → last delta", "s", apps or None),
        Row("compare 4 × 20k: ask -m ×4 process, spawn → exit", "s", walls or None),
    ]
    ratio = Row("compare 4 × 20k: ask / floor", "×", ratios or None, target=f"≤ {TARGET}×")
    ratio.passed = bool(ratios) and statistics.median(ratios) <= TARGET
    errors = [s[k].get("error") for s in samples for k in ("floor", "app") if s[k].get("error")]
    ratio.note = "; ".join(errors)[:200]
    rows.append(ratio)
    rows.extend(_tui_rows(samples))
    return rows


def _tui_rows(samples: list[dict[str, Any]]) -> list[Row]:
    tuis = [s.get("tui") or {} for s in samples]
    walls = [t["wall"] for t in tuis if t.get("wall")]
    ratios = [
        s["tui"]["wall"] / s["floor"]["wall"]
        for s in samples
        if (s.get("tui") or {}).get("wall") and s["floor"].get("wall")
    ]
    rows = [Row("compare 4 × 20k: TUI, Shift+F8 → all four shown", "s", walls or None)]
    ratio = Row("compare 4 × 20k: TUI / floor", "×", ratios or None, target=f"≤ {TARGET}×")
    ratio.passed = bool(ratios) and statistics.median(ratios) <= TARGET
    ratio.note = "; ".join(t["error"] for t in tuis if t.get("error"))[:200]
    probes = [p for t in tuis for p in t.get("probes") or []]
    shown = [p for p in probes if p is not None]
    keys = Row("compare 4 × 20k: key press → on screen", "ms", shown or None, target="≤ 100 ms (max)")
    keys.passed = bool(shown) and len(shown) == len(probes) and max(shown) <= KEY_TARGET
    keys.note = f"{len(probes)} keys typed mid-stream" + (
        f"; {len(probes) - len(shown)} not shown within 5 s" if len(shown) < len(probes) else ""
    )
    return [*rows, ratio, keys]


def _raw(run: Run) -> dict[str, Any]:
    return {"compare": run.results.get("compare") or {}}


FAMILY = Family("compare", _measure, _rows, _raw, shared_server=True)


if __name__ == "__main__":
    use_this_tree()
    print(json.dumps(asyncio.run(_floor_main(sys.argv[1], demo_key(), sys.argv[2:]))))
