"""Tokens per second are measured over at least a second: a burst of deltas shows no absurd rate."""

from __future__ import annotations

import re

from ui_support import chat, rendered, send, wait_for, wait_turn

SIZE = (120, 30)
RATE = re.compile(r"([\d.]+) tok/s")


async def test_an_answer_that_came_in_one_burst_shows_no_rate(make_app) -> None:
    app = make_app(model="demo/blast-2000")  # 2,000 deltas at once (the test server does not pace them)
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await send(pilot, "all at once")
        await wait_turn(pilot)
        status = rendered(app, screen.status)
        assert screen.conversation.messages[-1].usage.completion_tokens > 100
        assert "– tok/s" in status, status  # not thousands of tokens per second


async def test_a_paced_answer_shows_its_rate_once_a_second_has_passed(make_app) -> None:
    app = make_app(model="demo/slow")  # 5 deltas a second
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await send(pilot, "slowly")
        await wait_for(pilot, lambda: RATE.search(rendered(app, screen.status)), "a rate")
        match = RATE.search(rendered(app, screen.status))
        assert match is not None and 0 < float(match.group(1)) < 50
        await pilot.press("escape")
        await wait_turn(pilot)
