"""The floor: a bare ``AsyncOpenAI`` streaming loop, in its own process, reading the same stream from the
same demo server as the app (``async for chunk in stream``, reading ``delta.reasoning_content`` and
``delta.content``).

:func:`run_floor` and :func:`run_paced_floor` start this file as a child: ``floor.py URL MODEL`` prints the
blast's wall and CPU time as JSON, ``floor.py --first URL MODEL`` the time to its first answer delta,
``floor.py --cold URL MODEL`` the time to it from a cold start (the SDK imported, its client made and the
connection opened on the way), ``floor.py --paced URL SECONDS`` the CPU share at the server's pace.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from typing import Any

from harness import PACED_WARMUP, PROMPT, REPO, Server, demo_key, kill, spawn, use_this_tree


async def _floor_main(url: str, key: str, model: str) -> dict[str, Any]:
    from openai import AsyncOpenAI

    client = AsyncOpenAI(api_key=key, base_url=url, max_retries=0)
    messages: Any = [{"role": "user", "content": PROMPT}]
    warm = await client.chat.completions.create(model="demo/blast-10", messages=messages, stream=True)
    async for _chunk in warm:  # open the connection first, as the app has (its balance request)
        pass
    reasoning = answer = 0
    cpu0, t0 = time.process_time(), time.perf_counter()
    stream = await client.chat.completions.create(model=model, messages=messages, stream=True)
    async for chunk in stream:
        if chunk.choices:
            delta = chunk.choices[0].delta
            if getattr(delta, "reasoning_content", None):
                reasoning += 1
            if delta.content:
                answer += 1
    t1, cpu1 = time.perf_counter(), time.process_time()
    await client.close()
    return {"wall": t1 - t0, "cpu": cpu1 - cpu0, "reasoning": reasoning, "answer": answer}


async def _floor_first_main(url: str, key: str, model: str, *, cold: bool = False) -> dict[str, Any]:
    """The floor's time to its first answer delta: on a warmed connection (a request before it), or ``cold``
    from a cold start (the SDK's import, not imported before this, its client, the connection and the
    request, in that order)."""
    t0 = time.perf_counter()
    from openai import AsyncOpenAI

    client = AsyncOpenAI(api_key=key, base_url=url, max_retries=0)
    messages: Any = [{"role": "user", "content": PROMPT}]
    if not cold:
        warm = await client.chat.completions.create(model="demo/blast-10", messages=messages, stream=True)
        async for _chunk in warm:
            pass
        t0 = time.perf_counter()
    first = None
    stream = await client.chat.completions.create(model=model, messages=messages, stream=True)
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            first = time.perf_counter() - t0
            break
    await stream.close()
    await client.close()
    return {"first": first}


async def _floor_paced_main(url: str, key: str, seconds: float) -> dict[str, Any]:
    """The floor at the server's pace: this process's CPU over ``seconds``, from PACED_WARMUP after the request."""
    from openai import AsyncOpenAI

    client = AsyncOpenAI(api_key=key, base_url=url, max_retries=0)
    messages: Any = [{"role": "user", "content": PROMPT}]
    count = int(100 * (seconds + PACED_WARMUP + 5))  # the stream outlasts the window
    sent = time.perf_counter()
    stream = await client.chat.completions.create(model=f"demo/blast-{count}", messages=messages, stream=True)
    cpu0 = t0 = cpu1 = t1 = None
    seen = 0
    async for chunk in stream:
        if chunk.choices:
            delta = chunk.choices[0].delta
            if getattr(delta, "reasoning_content", None) or delta.content:
                seen += 1
        now = time.perf_counter()
        if t0 is None:
            if now - sent >= PACED_WARMUP:
                cpu0, t0, seen = time.process_time(), now, 0
        elif now - t0 >= seconds:
            cpu1, t1 = time.process_time(), now
            break
    await stream.close()
    await client.close()
    if cpu0 is None or cpu1 is None or t0 is None or t1 is None:
        return {"error": "the stream ended before the window did"}
    return {"cpu_share": (cpu1 - cpu0) / (t1 - t0), "window_s": t1 - t0, "deltas_per_s": seen / (t1 - t0)}


def run_paced_floor(server: Server, seconds: float) -> dict[str, Any]:
    argv = [sys.executable, __file__, "--paced", server.url, str(seconds)]
    proc = spawn(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    try:
        out, err = proc.communicate(timeout=seconds + PACED_WARMUP + 60)
    except subprocess.TimeoutExpired:
        return {"error": "timed out"}
    finally:
        kill(proc)
    if proc.returncode != 0:
        return {"error": f"the floor failed: {err.strip()[-300:]}"}
    return dict(json.loads(out))


def run_floor(
    server: Server, model: str, timeout: float, *, first: bool = False, cold: bool = False
) -> dict[str, Any]:
    """The blast's wall and CPU time; with ``first``, the time to its first answer delta (``cold``: from a
    cold start, see ``_floor_first_main``)."""
    mode = ["--cold"] if cold else ["--first"] if first else []
    argv = [sys.executable, __file__, *mode, server.url, model]
    proc = spawn(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"wall": None, "timeout": timeout}
    finally:
        kill(proc)
    if proc.returncode != 0:
        raise RuntimeError(f"the floor failed: {err.strip()[-2000:]}")
    return json.loads(out)


def main(argv: list[str]) -> int:
    use_this_tree()
    if argv[:1] == ["--paced"]:
        url, seconds = argv[1:3]
        print(json.dumps(asyncio.run(_floor_paced_main(url, demo_key(), float(seconds)))))
    elif argv[:1] in (["--first"], ["--cold"]):
        url, model = argv[1:3]
        print(json.dumps(asyncio.run(_floor_first_main(url, demo_key(), model, cold=argv[0] == "--cold"))))
    else:
        url, model = argv[:2]
        print(json.dumps(asyncio.run(_floor_main(url, demo_key(), model))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
