"""The SiliconFlow API through the official ``openai`` SDK, as typed events.

``ChatClient.stream`` turns SiliconFlow's stream (``data:`` lines of chunks, usage on every chunk) into
``ReasoningDelta`` / ``AnswerDelta`` / ``UsageUpdate`` events and ends with exactly one
``Finished`` or ``Failed``. It never raises for an API or network problem: every failure
becomes one user-facing sentence. ``openai`` is imported lazily (it costs most of a second),
so importing this module is cheap. This module opens the requests, waits and retries; the chunks are
read by :class:`~siliconchat.core.stream_reader.StreamReader`.

Every text that comes from the server (deltas, error messages, model ids, account details) goes
through :mod:`siliconchat.core.text`, so it encodes to UTF-8: a surrogate pair cut between two
deltas is joined, a lone surrogate becomes U+FFFD.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import AsyncGenerator, Awaitable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from siliconchat.core.capped import cap_lines
from siliconchat.core.conversation import ModelParams
from siliconchat.core.errors import TRACE_HEADER, ApiFailure, describe_exception, shown_host
from siliconchat.core.events import ErrorKind, Failed, Finished, StreamEvent, Waiting
from siliconchat.core.models import ModelCatalogue
from siliconchat.core.retry import DEFAULT_BUDGET, RETRY_STATUSES, backoff, retry_after
from siliconchat.core.sanitize import strip_userinfo
from siliconchat.core.stream_reader import StreamReader
from siliconchat.core.text import safe_text
from siliconchat.core.waiting import within

if TYPE_CHECKING:
    from openai import AsyncOpenAI, AsyncStream

log = logging.getLogger(__name__)

DEFAULT_IDLE_TIMEOUT = 120.0
DEFAULT_CONNECT_TIMEOUT = 15.0
YIELD_EVERY = 0.005  # seconds of stream reading between turns given to the rest of the event loop
WAIT_TICK = 1.0
"""Seconds between two :class:`Waiting` events while a request waits for its answer to start."""
MIN_RETRY_SECONDS = 1.0
"""A retry of a silent request is not worth starting with less time than this left."""
_END = object()  # a stream with no chunk at all
T = TypeVar("T")


@dataclass(frozen=True)
class UserInfo:
    name: str
    balance: str  # ``totalBalance``: what a user means by balance (CNY on cn, USD elsewhere)
    status: str


def _safe_value(value: Any) -> Any:
    """A message field with its texts made safe: a string, or a content part list's ``text`` parts."""
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, list):
        return [
            {**part, "text": safe_text(part["text"])} if isinstance(part.get("text"), str) else part
            for part in value
        ]
    return value


def _mentions_enable_thinking(exc: BaseException) -> bool:
    body = getattr(exc, "body", None)
    return "enable_thinking" in f"{body!r} {exc}"


class ChatClient:
    """One ``AsyncOpenAI`` client for one base URL and key."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        region: str | None = None,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        max_retries: int = 2,
        catalogue: ModelCatalogue | None = None,
        budget: float = DEFAULT_BUDGET,
    ) -> None:
        # The URL's user:password@ is dropped: not shown, logged or stored, and not sent either (the HTTP
        # client would send it as Basic auth, which takes the place of the key's Bearer header).
        self.base_url = strip_userinfo(base_url.rstrip("/"))
        self.region = region
        self.idle_timeout = idle_timeout
        self.budget = budget  # seconds until the answer starts, retries included (see stream)
        self.catalogue = catalogue if catalogue is not None else ModelCatalogue(None)
        self._api_key = api_key
        self._connect_timeout = connect_timeout
        self._max_retries = max_retries
        self._client: AsyncOpenAI | None = None

    def __repr__(self) -> str:  # never show the key
        return f"ChatClient(base_url={self.base_url!r}, region={self.region!r})"

    @property
    def sdk(self) -> AsyncOpenAI:
        if self._client is None:
            from openai import AsyncOpenAI, DefaultAsyncHttpxClient, Timeout

            # The read timeout is the idle timeout: it bounds the wait for each piece of the
            # stream, not the whole answer, so a long answer is fine and a stall is not.
            self._client = AsyncOpenAI(
                api_key=self._api_key,
                base_url=self.base_url,
                timeout=Timeout(self.idle_timeout, connect=self._connect_timeout),
                max_retries=self._max_retries,
                # Every response line is capped (see core/capped.py); the rest is the SDK's default client.
                http_client=DefaultAsyncHttpxClient(event_hooks={"response": [cap_lines()]}),
            )
        return self._client

    @property
    def prepared(self) -> bool:
        """Whether the SDK's client is made (see :meth:`prepare`)."""
        return self._client is not None

    def prepare(self) -> None:
        """Make the SDK's client now; it may be called from a thread (it takes 0.1-0.15 s: an SSL context)."""
        _ = self.sdk

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    def _describe(
        self, exc: BaseException, *, model: str | None, partial: bool = False, trace_id: str | None = None
    ) -> Failed:
        failure = describe_exception(
            exc,
            model=model,
            base_url=self.base_url,
            region=self.region,
            idle_timeout=self.idle_timeout,
            secret=self._api_key,
            partial=partial,
            trace_id=trace_id,
        )
        message = safe_text(failure.message)  # it quotes the server's error body
        return failure if message is failure.message else dataclasses.replace(failure, message=message)

    # -- requests ------------------------------------------------------------------------

    def _request(
        self, messages: Sequence[dict[str, Any]], model: str, params: ModelParams, send_thinking: bool
    ) -> dict[str, Any]:
        """The JSON body: SiliconFlow's extras (``enable_thinking``…) sit beside the standard fields.
        Message texts are made safe too: a lone surrogate would fail the body's UTF-8 encoding."""
        safe = [{key: _safe_value(value) for key, value in message.items()} for message in messages]
        body: dict[str, Any] = {"model": model, "messages": safe, "stream": True}
        for name in ("temperature", "top_p", "max_tokens"):
            value = getattr(params, name)
            if value is not None:
                body[name] = value
        if send_thinking:
            if params.enable_thinking is not None:
                body["enable_thinking"] = params.enable_thinking
            if params.thinking_budget is not None:
                body["thinking_budget"] = params.thinking_budget
        return body

    async def stream(
        self, messages: Sequence[dict[str, Any]], model: str, params: ModelParams | None = None
    ) -> AsyncGenerator[StreamEvent, None]:
        """Stream one answer. Close the generator (``contextlib.aclosing``) or cancel the task
        consuming it to stop: the HTTP connection is closed at once either way.

        Until the answer starts, the request is bounded by :attr:`budget` seconds in all: a request that
        receives nothing is tried once more (at half the budget), a 429 or 5xx is retried up to
        ``max_retries`` times after its ``Retry-After`` or an exponential backoff with jitter, and every
        second of waiting yields a :class:`Waiting` that says what happens next."""
        params = params or ModelParams()
        send_thinking = self.catalogue.accepts_thinking_switch(model)
        log.info("stream model=%s base_url=%s messages=%d", model, self.base_url, len(messages))
        self.prepare()  # the SDK's import and client (once) do not count against the budget
        start = time.monotonic()
        deadline = start + self.budget
        silent_retry = True  # one retry for a request that received nothing
        status_retries = 0
        while True:
            reader = StreamReader()
            trace_id: str | None = None
            body = self._request(messages, model, params, send_thinking)
            # The attempt's own limit: half of what is left while the silent retry is still to come.
            left = deadline - time.monotonic()
            limit = time.monotonic() + (left / 2 if silent_retry else left)
            opening = asyncio.ensure_future(self._open_first(body))
            try:
                while not opening.done():
                    now = time.monotonic()
                    if now >= limit:
                        break
                    await asyncio.wait({opening}, timeout=min(WAIT_TICK, limit - now))
                    if not opening.done():
                        yield Waiting(self._waiting_status(start, limit, deadline, silent_retry))
            finally:
                if not opening.done():
                    opening.cancel()
                    with contextlib.suppress(BaseException):
                        await opening
            if opening.cancelled() or not opening.done():  # the attempt's time is up
                waited = time.monotonic() - start
                if silent_retry and deadline - time.monotonic() >= MIN_RETRY_SECONDS:
                    silent_retry = False
                    log.info("no answer from %s after %.0f s; retrying once", self._host, waited)
                    yield Waiting(
                        f"no answer after {waited:.0f} s; retrying once (giving up at {self.budget:.0f} s)",
                        retry=True,
                    )
                    continue
                message = (
                    f"{self._host} accepted the request but sent nothing for {waited:.0f} s"
                    f"{' (tried twice)' if not silent_retry else ''}; gave up. "
                    "The service may be down or overloaded: try again later."
                )
                log.warning("stream failed model=%s: %s", model, message)
                yield Failed(message, ErrorKind.TIMEOUT)
                return
            error = opening.exception()
            if error is not None:
                if (
                    send_thinking
                    and getattr(error, "status_code", None) == 400
                    and _mentions_enable_thinking(error)
                ):
                    # Our family table was wrong for this model: remember, and ask again without it.
                    log.info("model %s rejects enable_thinking; retrying without it", model)
                    self.catalogue.mark_rejects_thinking(model)
                    send_thinking = False
                    continue
                failure = self._describe(error, model=model)
                wait = self._retry_wait(error, status_retries + 1, deadline)
                if wait is None:
                    log.warning("stream failed model=%s: %s", model, failure.message, exc_info=error)
                    yield failure
                    return
                status_retries += 1
                async for event in self._back_off(error, wait, status_retries):
                    yield event
                continue
            stream, first, trace_id = opening.result()
            break
        try:
            async with stream:
                if isinstance(first, Exception):
                    raise first
                if first is not _END:
                    for event in reader.read(first):
                        yield event
                last_yield = time.perf_counter()
                async for chunk in stream:
                    for event in reader.read(chunk):
                        yield event
                    now = time.perf_counter()
                    if now - last_yield > YIELD_EVERY:
                        # Buffered data never makes the SDK wait, so without this a fast stream
                        # would hold the event loop (and the keyboard) for hundreds of ms.
                        await asyncio.sleep(0)
                        last_yield = now
            for event in reader.flush(trace_id=trace_id):
                yield event
            log.info("stream ended model=%s finish=%s", model, reader.finish_reason)
        except asyncio.CancelledError:
            log.info("stream cancelled model=%s", model)
            raise
        except Exception as exc:
            for event in reader.flush(ended=False):
                yield event
            if reader.finish_reason is not None:
                # The answer was complete; only the end of the stream was lost.
                yield Finished(reader.finish_reason)
            else:
                failure = self._describe(exc, model=model, partial=reader.received, trace_id=trace_id)
                log.warning("stream failed model=%s: %s", model, failure.message, exc_info=exc)
                yield failure

    @property
    def _host(self) -> str:
        return shown_host(self.base_url)

    def _waiting_status(self, start: float, limit: float, deadline: float, silent_retry: bool) -> str:
        now = time.monotonic()
        waited = now - start
        if silent_retry and limit < deadline:
            plan = f"retrying once at {limit - start:.0f} s, giving up at {deadline - start:.0f} s"
        else:
            plan = f"giving up at {deadline - start:.0f} s"
        return f"waiting for the first token… {waited:.0f} s ({plan})"

    def _retry_wait(self, exc: BaseException, retry: int, deadline: float) -> float | None:
        """Seconds to wait before retry number ``retry`` of a request that failed with ``exc``; None when it
        is not to be retried (not a 429 or 5xx, no retries left, or the wait would pass the deadline)."""
        status = getattr(exc, "status_code", None)
        if status not in RETRY_STATUSES or retry > self._max_retries:
            return None
        response = getattr(exc, "response", None)
        asked = retry_after(response.headers.get("retry-after") if response is not None else None)
        wait = asked if asked is not None else backoff(retry)
        if time.monotonic() + wait >= deadline:
            return None
        return wait

    async def _back_off(
        self, exc: BaseException, wait: float, retry: int
    ) -> AsyncGenerator[StreamEvent, None]:
        """Wait ``wait`` seconds before a retry, saying so every second."""
        status = getattr(exc, "status_code", None)
        what = "rate limited (429)" if status == 429 else f"the server failed ({status})"
        log.info("%s; retry %d in %.1f s", what, retry, wait)
        end = time.monotonic() + wait
        yield Waiting(f"{what}; retrying in {wait:.0f} s (retry {retry} of {self._max_retries})", retry=True)
        while (left := end - time.monotonic()) > 0:
            await asyncio.sleep(min(WAIT_TICK, left))
            left = end - time.monotonic()
            if left > 0.5:
                yield Waiting(f"{what}; retrying in {left:.0f} s (retry {retry} of {self._max_retries})")

    async def _open_first(self, body: dict[str, Any]) -> tuple[AsyncStream[object], object, str | None]:
        """Open the stream and read its first chunk: the stream, the chunk (``_END`` when there is none, the
        exception when reading it failed: the stream's reader reports it) and the response's trace id."""
        stream = await self._open_stream(body)
        trace_id = stream.response.headers.get(TRACE_HEADER)
        try:
            first: object = await stream.__anext__()
        except StopAsyncIteration:
            first = _END
        except Exception as exc:
            first = exc
        except BaseException:
            await stream.close()
            raise
        return stream, first, trace_id

    async def _open_stream(self, body: dict[str, Any]) -> AsyncStream[object]:
        """POST the request through the SDK (auth, timeouts, status errors, SSE decoding, ``[DONE]`` and
        error objects in the stream all stay the SDK's; retries are :meth:`stream`'s) but take each chunk as
        the plain JSON dict: building the SDK's typed chunk objects costs about ten times more than
        everything else a chunk needs, and this is the hot path of a long answer."""
        from openai import AsyncStream

        return await self.sdk.post(
            "/chat/completions",
            body=body,
            cast_to=object,
            stream=True,
            stream_cls=AsyncStream[object],
            options={"max_retries": 0},
        )

    async def complete(self, messages: Sequence[dict[str, str]], model: str) -> str:
        """A short non-streamed answer (used for small helper requests)."""
        try:
            response = await self._bounded(
                self.sdk.chat.completions.create(model=model, messages=list(messages))  # type: ignore[arg-type]
            )
        except ApiFailure:
            raise
        except Exception as exc:
            raise ApiFailure(self._describe(exc, model=model)) from exc
        return safe_text(response.choices[0].message.content or "") if response.choices else ""

    async def _model_ids(self) -> list[str]:
        page = await self.sdk.models.list(extra_query={"sub_type": "chat"})
        return [safe_text(model.id) async for model in page]

    async def _bounded(self, call: Awaitable[T]) -> T:
        """``call`` (a short request, the SDK's retries included) within :attr:`budget` seconds."""
        try:
            return await within(call, self.budget)
        except asyncio.TimeoutError:
            message = f"{self._host} did not answer within {self.budget:g} s; gave up. Try again later."
            raise ApiFailure(Failed(message, ErrorKind.TIMEOUT)) from None

    async def list_models(self) -> list[str]:
        """The account's chat models (``/models?sub_type=chat``), remembered in the cache."""
        try:
            ids = await self._bounded(self._model_ids())
        except ApiFailure:
            raise
        except Exception as exc:
            raise ApiFailure(self._describe(exc, model=None)) from exc
        self.catalogue.store(self.base_url, ids)
        return ids

    async def user_info(self) -> UserInfo:
        """``/user/info``: also the cheapest way to check a key."""
        try:
            body = await self._bounded(self.sdk.get("/user/info", cast_to=object))
        except ApiFailure:
            raise
        except Exception as exc:
            raise ApiFailure(self._describe(exc, model=None)) from exc
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            raise ApiFailure(
                Failed("The server's /user/info answer was not understood.", ErrorKind.OTHER, status=200)
            )
        return UserInfo(
            name=safe_text(str(data.get("name") or "")),
            balance=safe_text(str(data.get("totalBalance") or data.get("balance") or "?")),
            status=safe_text(str(data.get("status") or "")),
        )


async def check_key(base_url: str, key: str, region: str | None) -> str | None:
    """Try ``key`` against ``/user/info`` (the cheapest authenticated call): ``None`` when it works,
    else the sentence that says what is wrong (a 401 names the other region)."""
    client = ChatClient(base_url=base_url, api_key=key, region=region, max_retries=0, idle_timeout=20)
    try:
        await client.user_info()
    except ApiFailure as exc:
        return exc.failure.message
    finally:
        await client.aclose()
    return None
