"""Waiting for an event with a time limit, without losing a cancellation.

``asyncio.wait_for`` before Python 3.12 returns the inner result when the waiting task is cancelled in the
same moment as the awaited thing completes (CPython gh-86296): the cancellation is lost and the task goes on.
A turn's stream reader waits for its first frame this way, and Escape pressed as that frame showed left the
answer streaming. :func:`wait_at_most` waits through ``asyncio.wait``, which always lets a cancellation out.
"""

from __future__ import annotations

import asyncio

__all__ = ["wait_at_most"]


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
