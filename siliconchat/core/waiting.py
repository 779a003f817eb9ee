"""Waiting with a time limit (for an event, or for any awaitable), without losing a cancellation.

``asyncio.wait_for`` before Python 3.12 returns the inner result when the waiting task is cancelled in the
same moment as the awaited thing completes (CPython gh-86296): the cancellation is lost and the task goes on.
A turn's stream reader waits for its first frame this way, and Escape pressed as that frame showed left the
answer streaming. :func:`wait_at_most` and :func:`within` wait through ``asyncio.wait``, which always lets a
cancellation out.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

__all__ = ["wait_at_most", "within"]

T = TypeVar("T")


async def wait_at_most(event: asyncio.Event, seconds: float) -> bool:
    """Wait until ``event`` is set, at most ``seconds``; True when it is set. A cancellation of the caller
    is raised here, whenever it comes."""
    if event.is_set():
        return True
    waiter = asyncio.ensure_future(event.wait())
    try:
        await asyncio.wait({waiter}, timeout=seconds)
    finally:
        waiter.cancel()
    return event.is_set()


async def within(awaitable: Awaitable[T], seconds: float) -> T:
    """``awaitable``'s result, or ``asyncio.TimeoutError`` once ``seconds`` have passed (it is then cancelled,
    and waited for). A cancellation of the caller is raised here whenever it comes, and cancels it too."""
    task = asyncio.ensure_future(awaitable)
    try:
        await asyncio.wait({task}, timeout=seconds)
    finally:
        if not task.done():
            task.cancel()
            # Until it has ended (its cleanup may await); a cancellation of the caller meanwhile still comes out.
            await asyncio.wait({task})
    if task.cancelled():
        raise asyncio.TimeoutError
    return task.result()
