"""Waiting for an event with a time limit (``siliconchat/core/waiting.py``)."""

from __future__ import annotations

import asyncio
import time

import pytest

from siliconchat.core.waiting import wait_at_most, within


async def test_a_cancellation_that_comes_as_the_event_is_set_is_not_lost() -> None:
    """The waiting task is cancelled in the same moment as the event is set (Escape as the first frame of an
    answer shows): the cancellation must come out. ``asyncio.wait_for`` on Python 3.10 and 3.11 returns
    instead, and the task goes on as if nothing happened."""
    event = asyncio.Event()
    went_on = []

    async def waiter() -> None:
        await wait_at_most(event, 5)
        went_on.append(True)

    task = asyncio.create_task(waiter())
    await asyncio.sleep(0)  # it waits
    event.set()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not went_on


async def test_it_says_whether_the_event_was_set_in_time() -> None:
    event = asyncio.Event()
    started = time.monotonic()
    assert not await wait_at_most(event, 0.05)
    assert 0.04 <= time.monotonic() - started < 1
    asyncio.get_running_loop().call_later(0.01, event.set)
    assert await wait_at_most(event, 5)
    assert await wait_at_most(event, 0)  # already set


async def test_within_does_not_lose_a_cancellation_that_comes_as_the_awaited_thing_ends() -> None:
    done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    went_on = []

    async def waiter() -> None:
        await within(asyncio.shield(done), 5)
        went_on.append(True)

    task = asyncio.create_task(waiter())
    await asyncio.sleep(0)  # it waits
    done.set_result(1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not went_on


async def test_within_gives_the_result_or_times_out_and_cancels_what_it_waited_for() -> None:
    async def value(after: float) -> str:
        await asyncio.sleep(after)
        return "value"

    assert await within(value(0.01), 5) == "value"
    cleaned = []

    async def slow() -> None:
        try:
            await asyncio.sleep(10)
        finally:
            cleaned.append(True)

    started = time.monotonic()
    with pytest.raises(asyncio.TimeoutError):
        await within(slow(), 0.05)
    assert 0.04 <= time.monotonic() - started < 1 and cleaned == [True]  # cancelled, and ended, before

    async def fails() -> None:
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        await within(fails(), 5)
