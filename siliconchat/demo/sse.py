"""SiliconFlow's event stream on the wire: events as SSE ``data:`` lines, in a chunked HTTP body, on time.

Streams are written fast: each chunk is formatted from a pre-built prefix with only its text JSON-encoded,
and when nothing is paced the events are coalesced into writes of about 32 KiB, so that benchmarks measure
the client and never this server. Each chunk carries the usage running total, its ids are 32 hex digits
and inactive fields are ``null``, as SiliconFlow sends them.
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable
from io import BufferedIOBase
from json.encoder import encode_basestring
from typing import Any

from siliconchat.demo.script import Chunk, Pacing

COALESCE_BYTES = 32 * 1024  # when unpaced, write about this much per socket write


def encode(text: str) -> bytes:
    """UTF-8, except lone surrogates (from JSON input) which become JSON ``\\uXXXX`` escapes again."""
    return text.encode("utf-8", "backslashreplace")


class ChunkEncoder:
    """Formats events as SSE ``data:`` lines and keeps the usage running total.

    Every chunk of one answer shares the id and the prefix, which is formatted once; per chunk only the
    delta texts are JSON-encoded (``encode_basestring`` is the C encoder behind ``json.dumps``).
    """

    def __init__(self, model: str, prompt_tokens: int) -> None:
        self.id = secrets.token_hex(16)
        self.created = int(time.time())
        self.prompt_tokens = prompt_tokens
        self.completion_tokens = 0
        self.reasoning_tokens = 0
        self._head = (
            f'data: {{"id":"{self.id}","object":"chat.completion.chunk","created":{self.created},'
            f'"model":{encode_basestring(model)},"choices":'
        )

    def count(self, chunk: Chunk) -> None:
        """One completion token per delta carrying text; a reasoning token if the text is reasoning."""
        if chunk.content or chunk.reasoning:
            self.completion_tokens += 1
            if chunk.reasoning:
                self.reasoning_tokens += 1

    def usage(self) -> dict[str, Any]:
        usage: dict[str, Any] = {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
        }
        if self.reasoning_tokens:
            usage["completion_tokens_details"] = {"reasoning_tokens": self.reasoning_tokens}
        return usage

    def _usage_json(self) -> str:
        details = (
            f',"completion_tokens_details":{{"reasoning_tokens":{self.reasoning_tokens}}}'
            if self.reasoning_tokens
            else ""
        )
        return (
            f'{{"prompt_tokens":{self.prompt_tokens},"completion_tokens":{self.completion_tokens},'
            f'"total_tokens":{self.prompt_tokens + self.completion_tokens}{details}}}'
        )

    def chunk(self, chunk: Chunk) -> str:
        """One chunk's SSE event. The hot path of a blast: inlined on purpose."""
        content, reasoning, finish = chunk.content, chunk.reasoning, chunk.finish_reason
        if content or reasoning:
            self.completion_tokens += 1
            if reasoning:
                self.reasoning_tokens += 1
        return (
            f'{self._head}[{{"index":0,"delta":{{"content":'
            f"{'null' if content is None else encode_basestring(content)},"
            f'"reasoning_content":{"null" if reasoning is None else encode_basestring(reasoning)},'
            f'"role":"assistant"}},"finish_reason":'
            f"{'null' if finish is None else encode_basestring(finish)}}}],"
            f'"system_fingerprint":"","usage":{self._usage_json()}}}\n\n'
        )

    def empty_choices(self) -> str:
        return f'{self._head}[],"system_fingerprint":"","usage":{self._usage_json()}}}\n\n'


class ChunkedWriter:
    """The ``Transfer-Encoding: chunked`` body of a stream.

    Unpaced streams coalesce events into writes of about ``COALESCE_BYTES``; paced ones write each event
    at once so the client sees it when it is due.
    """

    def __init__(self, out: BufferedIOBase, *, coalesce: bool) -> None:
        self._out = out
        self._coalesce = coalesce
        self._parts: list[str] = []
        self._size = 0

    def write(self, text: str) -> None:
        self._parts.append(text)
        self._size += len(text)
        if not self._coalesce or self._size >= COALESCE_BYTES:
            self.flush()

    def flush(self) -> None:
        if not self._parts:
            return
        data = encode("".join(self._parts))
        self._parts.clear()
        self._size = 0
        self._out.write(b"%x\r\n%b\r\n" % (len(data), data))

    def end(self) -> None:
        """Flush and send the terminating zero-length chunk."""
        self.flush()
        self._out.write(b"0\r\n\r\n")

    def cut(self, text: str) -> None:
        """Flush, then announce a chunk for ``text`` but send only half of it (the caller drops the line)."""
        self.flush()
        data = encode(text)
        self._out.write(b"%x\r\n%b" % (len(data), data[: len(data) // 2]))


class Pacer:
    """Waits until each event is due: ``latency`` before the first, then ``delay``, each ± ``jitter``.

    Deadlines are scheduled (not slept) so a long stream keeps its rate; a reader far behind resets the
    schedule instead of getting a burst. ``sleep`` is the handler's interruptible sleep: it raises when the
    server stops or the client leaves, so a cancelled stream ends at once.
    """

    def __init__(self, pacing: Pacing, sleep: Callable[[float], None]) -> None:
        self._pacing = pacing
        self._sleep = sleep
        self._due = time.monotonic() + self._jittered(pacing.latency)

    @property
    def active(self) -> bool:
        return self._pacing.latency > 0 or self._pacing.delay > 0

    def _jittered(self, seconds: float) -> float:
        jitter = self._pacing.jitter
        return seconds * random.uniform(1 - jitter, 1 + jitter) if jitter else seconds

    def wait(self) -> None:
        now = time.monotonic()
        if self._due > now:
            self._sleep(self._due - now)
        elif now - self._due > 0.25:
            self._due = now
        self._due += self._jittered(self._pacing.delay)
