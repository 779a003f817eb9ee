"""Waiting for an event with a time limit (``siliconchat/core/waiting.py``)."""

from __future__ import annotations

import asyncio
import time

import pytest

from siliconchat.core.waiting import wait_at_most


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
