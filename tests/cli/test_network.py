"""Network faults, as a user meets them: `siliconchat ask` and the TUI against raw servers on 127.0.0.1
that never answer, rate-limit, fail behind a proxy, or send an endless line."""

from __future__ import annotations

import dataclasses
import random
import resource
import time

import pytest
from cli_support import siliconchat
from net_support import RawServer, answer, endless_line, response, silent, sse
from ui_support import chat, send, wait_for

from siliconchat.core.events import ErrorKind
from siliconchat.core.retry import BACKOFF_CAP, backoff, retry_after
from siliconchat.demo.server import DEMO_API_KEY


def env_for(server: RawServer, **extra: str) -> dict[str, str]:
    return {"SILICONFLOW_API_KEY": DEMO_API_KEY, "SILICONFLOW_BASE_URL": server.base_url, **extra}


def test_a_server_that_never_answers_costs_the_budget_with_one_retry_and_a_clear_message() -> None:
    with RawServer([silent]) as server:
        started = time.monotonic()
        result = siliconchat("ask", "--timeout", "4", "-m", "Qwen/Qwen3-8B", "hello", env=env_for(server))
        took = time.monotonic() - started
        requests = list(server.times)
    assert result.returncode == 1
    assert took < 9  # 4 s of budget and the start-up, not 363 s
    assert len(requests) == 2 and 1.5 < requests[1] - requests[0] < 3  # one retry, at half the budget
    lines = result.stderr.splitlines()
    assert "Traceback" not in result.stderr
    assert any("no answer after 2 s; retrying once" in line for line in lines), lines
    assert "127.0.0.1" in lines[-1] and "sent nothing for 4 s (tried twice)" in lines[-1], lines


async def test_the_tui_says_it_waits_for_the_first_token_and_what_happens_next(
    make_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SILICONCHAT_TIMEOUT", "6")
    with RawServer([silent]) as server:
        app = make_app(model="Qwen/Qwen3-8B")
        app.settings = dataclasses.replace(app.settings, base_url=server.base_url)
        async with app.run_test(size=(120, 30)) as pilot:
            screen = chat(app)
            await send(pilot, "hello")
            status = lambda: str(screen.status.render())  # noqa: E731
            await wait_for(
                pilot, lambda: "waiting for the first token… 1 s" in status(), "the waiting status"
            )
            assert "retrying once at 3 s, giving up at 6 s" in status()
            await wait_for(
                pilot, lambda: "giving up at 6 s" in status() and "retrying" not in status(), "retry"
            )
            for _ in range(60):
                if not screen.streaming:
                    break
                await pilot.pause(0.2)
            assert not screen.streaming
            message = screen.conversation.messages[-1]
            assert message.error is not None and "sent nothing for 6 s (tried twice)" in message.error
        assert len(server.times) == 2


def test_429_waits_as_retry_after_says_and_shows_the_wait() -> None:
    limited = response(429, b'{"message": "slow down", "code": 50602}', headers=["Retry-After: 2"])
    with RawServer([limited, answer("Hello!")]) as server:
        result = siliconchat("ask", "-m", "Qwen/Qwen3-8B", "hi", env=env_for(server))
        times = list(server.times)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hello!\n"
    assert len(times) == 2 and times[1] - times[0] >= 1.9
    assert "siliconchat: rate limited (429); retrying in 2 s (retry 1 of 2)" in result.stderr.splitlines()


def test_5xx_without_retry_after_backs_off_exponentially() -> None:
    failing = response(503, b'{"message": "overloaded", "code": 50505}')
    with RawServer([failing, failing, answer("ok")]) as server:
        result = siliconchat("ask", "-m", "Qwen/Qwen3-8B", "hi", env=env_for(server))
        times = list(server.times)
    assert result.returncode == 0, result.stderr
    assert len(times) == 3
    first, second = times[1] - times[0], times[2] - times[1]
    assert 0.45 <= first <= 1.5 and 0.95 <= second <= 2.5  # between half and all of 1 s, then of 2 s
    assert result.stderr.count("the server failed (503); retrying in") == 2


def test_retries_stop_at_max_retries_with_the_servers_sentence() -> None:
    failing = response(500, b'"Internal Server Error"')
    with RawServer([failing]) as server:
        result = siliconchat("ask", "-m", "Qwen/Qwen3-8B", "hi", env=env_for(server))
        count = len(server.times)
    assert result.returncode == 1 and count == 3
    assert "service failed (500: Internal Server Error). Try again later." in result.stderr.splitlines()[-1]


def test_backoff_doubles_with_jitter_and_retry_after_reads_both_forms() -> None:
    rng = random.Random(7)
    for retry in range(1, 10):
        ceiling = min(BACKOFF_CAP, 2.0 ** (retry - 1))
        for _ in range(50):
            assert ceiling / 2 <= backoff(retry, rng=rng) <= ceiling
    assert retry_after("3") == 3.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert retry_after("soon") is None and retry_after(None) is None and retry_after("-5") == 0.0


def test_an_endless_line_is_cut_at_16_mb_with_a_clear_error_not_memory_growth() -> None:
    with RawServer([sse(endless_line(300 << 20))]) as server:
        result = siliconchat("ask", "-m", "Qwen/Qwen3-8B", "hi", env=env_for(server), timeout=60)
    assert result.returncode == 1
    line = result.stderr.splitlines()[-1]
    assert "more than 16 MB in one stream event" in line and "Traceback" not in result.stderr
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert peak_mb < 400, f"a child used {peak_mb:.0f} MB"


BAD_GATEWAY = b"""<!DOCTYPE html><html><head><title>502 Bad Gateway</title>
<style>body { color: red; font-family: sans-serif }</style>
<script>window.location.reload(); function x() { return 1 }</script></head>
<body><h1>Bad Gateway</h1><p>The upstream server sent an invalid response.</p></body></html>"""


def test_an_html_502_page_is_summarised_by_its_status_and_title() -> None:
    with RawServer([response(502, BAD_GATEWAY, content_type="text/html")]) as server:
        result = siliconchat("ask", "-m", "Qwen/Qwen3-8B", "hi", env=env_for(server))
    assert result.returncode == 1
    line = result.stderr.splitlines()[-1]
    assert "(502: 502 Bad Gateway). Try again later." in line, line
    for junk in ("color", "font-family", "window.location", "function", "<", ".."):
        assert junk not in line, line


def test_no_doubled_period_after_a_servers_sentence() -> None:
    overloaded = response(
        503, b'{"message": "Model service overloaded. Please try again later.", "code": 50505}'
    )
    with RawServer([overloaded]) as server:
        result = siliconchat("ask", "-m", "Qwen/Qwen3-8B", "hi", env=env_for(server))
    line = result.stderr.splitlines()[-1]
    assert ErrorKind.OVERLOADED and "overloaded" in line and ".)." not in line and ".." not in line, line


def test_models_against_a_server_that_never_answers_gives_up_at_the_budget() -> None:
    with RawServer([silent], get=silent) as server:
        started = time.monotonic()
        result = siliconchat("models", "--timeout", "3", env=env_for(server))
        took = time.monotonic() - started
    assert result.returncode == 1 and took < 8
    assert result.stderr.splitlines() == [
        f"siliconchat: 127.0.0.1:{server.port} did not answer within 3 s; gave up. Try again later."
    ]
