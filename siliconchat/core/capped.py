"""A cap on one line of a response body, so that a server sending an endless line cannot grow the client's
memory without bound.

The SDK's SSE decoder keeps a line until its end arrives, whatever its length (a 300 MB line took 1.29 GB).
The cap is enforced below it, on the bytes of the HTTP response: an ``httpx`` response hook (public API)
wraps each response's byte stream in :func:`capped`, which counts the bytes since the last line end
and raises :class:`LineTooLong` past the cap. A hook rather than a transport keeps the client's own
transport, and with it the proxies from the environment.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

MAX_LINE_BYTES = 16 * 1024 * 1024
"""The longest line (and so the longest stream event) accepted: SiliconFlow's are at most a few KB."""


class LineTooLong(Exception):
    """A response line (a stream event) longer than the cap."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"a line of more than {limit // (1024 * 1024)} MB")
        self.limit = limit


async def capped(inner: AsyncIterable[bytes], limit: int) -> AsyncIterator[bytes]:
    """``inner``'s bytes, failing past ``limit`` bytes without a line end (``\\n`` or ``\\r``)."""
    pending = 0  # bytes since the last line end
    async for chunk in inner:
        end = max(chunk.rfind(b"\n"), chunk.rfind(b"\r"))
        if end < 0:
            pending += len(chunk)
        else:
            if pending:  # the line that was pending ends in this chunk: its whole length counts
                first = min(i for i in (chunk.find(b"\n"), chunk.find(b"\r")) if i >= 0)
                if pending + first > limit:
                    raise LineTooLong(limit)
            pending = len(chunk) - end - 1
        if pending > limit:
            raise LineTooLong(limit)
        yield chunk


def cap_lines(limit: int = MAX_LINE_BYTES) -> Any:
    """A response hook for the SDK's ``httpx`` client (``event_hooks={"response": [...]}``) that caps every
    line of every response. Called when the client is made: the HTTP library is imported by then."""
    import httpx2

    class CappedStream(httpx2.AsyncByteStream):
        """The response's byte stream through :func:`capped` (an ``AsyncByteStream``, as httpx requires)."""

        def __init__(self, inner: Any) -> None:
            self._inner = inner

        async def __aiter__(self) -> AsyncIterator[bytes]:
            async for chunk in capped(self._inner, limit):
                yield chunk

        async def aclose(self) -> None:
            await self._inner.aclose()

    async def hook(response: Any) -> None:
        response.stream = CappedStream(response.stream)

    return hook
