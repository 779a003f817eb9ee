"""The SiliconFlow API through the official ``openai`` SDK, as typed events.

``ChatClient.stream`` turns SiliconFlow's stream (see ``shared/siliconflow-api.md``) into
``ReasoningDelta`` / ``AnswerDelta`` / ``UsageUpdate`` events and ends with exactly one
``Finished`` or ``Failed``. It never raises for an API or network problem: every failure
becomes one user-facing sentence. ``openai`` is imported lazily (it costs most of a second),
so importing this module is cheap.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from siliconchat.core.conversation import ModelParams, Usage
from siliconchat.core.errors import TRACE_HEADER, ApiFailure, describe_exception, trace_note
from siliconchat.core.events import (
    AnswerDelta,
    ErrorKind,
    Failed,
    Finished,
    ReasoningDelta,
    StreamEvent,
    UsageUpdate,
)
from siliconchat.core.models import ModelCatalogue
from siliconchat.core.think import ThinkSplitter

if TYPE_CHECKING:
    from openai import AsyncOpenAI

log = logging.getLogger(__name__)

DEFAULT_IDLE_TIMEOUT = 120.0
DEFAULT_CONNECT_TIMEOUT = 15.0


@dataclass(frozen=True)
class UserInfo:
    name: str
    balance: str  # ``totalBalance``: what a user means by balance (CNY on cn, USD elsewhere)
    status: str


def _usage_of(raw: Any) -> Usage | None:
    if raw is None:
        return None
    details = getattr(raw, "completion_tokens_details", None)
    return Usage(
        prompt_tokens=getattr(raw, "prompt_tokens", 0) or 0,
        completion_tokens=getattr(raw, "completion_tokens", 0) or 0,
        reasoning_tokens=(getattr(details, "reasoning_tokens", 0) or 0) if details is not None else 0,
        total_tokens=getattr(raw, "total_tokens", 0) or 0,
    )


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
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.region = region
        self.idle_timeout = idle_timeout
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
            from openai import AsyncOpenAI, Timeout

            # The read timeout is the idle timeout: it bounds the wait for each piece of the
            # stream, not the whole answer, so a long answer is fine and a stall is not.
            self._client = AsyncOpenAI(
                api_key=self._api_key,
                base_url=self.base_url,
                timeout=Timeout(self.idle_timeout, connect=self._connect_timeout),
                max_retries=self._max_retries,
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    def _describe(
        self, exc: BaseException, *, model: str | None, partial: bool = False, trace_id: str | None = None
    ) -> Failed:
        return describe_exception(
            exc,
            model=model,
            base_url=self.base_url,
            region=self.region,
            idle_timeout=self.idle_timeout,
            secret=self._api_key,
            partial=partial,
            trace_id=trace_id,
        )

    # -- requests ------------------------------------------------------------------------

    def _request(
        self, messages: Sequence[dict[str, str]], model: str, params: ModelParams, send_thinking: bool
    ) -> dict[str, Any]:
        request: dict[str, Any] = {"model": model, "messages": list(messages), "stream": True}
        for name in ("temperature", "top_p", "max_tokens"):
            value = getattr(params, name)
            if value is not None:
                request[name] = value
        if send_thinking:
            extra: dict[str, Any] = {}
            if params.enable_thinking is not None:
                extra["enable_thinking"] = params.enable_thinking
            if params.thinking_budget is not None:
                extra["thinking_budget"] = params.thinking_budget
            if extra:
                request["extra_body"] = extra
        return request

    async def stream(
        self, messages: Sequence[dict[str, str]], model: str, params: ModelParams | None = None
    ) -> AsyncGenerator[StreamEvent, None]:
        """Stream one answer. Close the generator (``contextlib.aclosing``) or cancel the task
        consuming it to stop: the HTTP connection is closed at once either way."""
        params = params or ModelParams()
        send_thinking = self.catalogue.accepts_thinking_switch(model)
        log.info("stream model=%s base_url=%s messages=%d", model, self.base_url, len(messages))
        for attempt in (1, 2):
            reader = _StreamReader()
            trace_id: str | None = None
            try:
                request = self._request(messages, model, params, send_thinking)
                stream = await self.sdk.chat.completions.create(**request)
                trace_id = stream.response.headers.get(TRACE_HEADER)
                async with stream:
                    async for chunk in stream:
                        for event in reader.read(chunk):
                            yield event
                for event in reader.flush(trace_id=trace_id):
                    yield event
                log.info("stream ended model=%s finish=%s", model, reader.finish_reason)
            except asyncio.CancelledError:
                log.info("stream cancelled model=%s", model)
                raise
            except Exception as exc:
                for event in reader.flush(ended=False):
                    yield event
                if (
                    attempt == 1
                    and send_thinking
                    and not reader.received
                    and getattr(exc, "status_code", None) == 400
                    and _mentions_enable_thinking(exc)
                ):
                    # Our family table was wrong for this model: remember, and ask again without it.
                    log.info("model %s rejects enable_thinking; retrying without it", model)
                    self.catalogue.mark_rejects_thinking(model)
                    send_thinking = False
                    continue
                if reader.finish_reason is not None:
                    # The answer was complete; only the end of the stream was lost.
                    yield Finished(reader.finish_reason)
                else:
                    failure = self._describe(exc, model=model, partial=reader.received, trace_id=trace_id)
                    log.warning("stream failed model=%s: %s", model, failure.message, exc_info=exc)
                    yield failure
            return

    async def complete(self, messages: Sequence[dict[str, str]], model: str) -> str:
        """A short non-streamed answer (used for small helper requests)."""
        try:
            response = await self.sdk.chat.completions.create(model=model, messages=list(messages))  # type: ignore[arg-type]
        except Exception as exc:
            raise ApiFailure(self._describe(exc, model=model)) from exc
        return response.choices[0].message.content or "" if response.choices else ""

    async def list_models(self) -> list[str]:
        """The account's chat models (``/models?sub_type=chat``), remembered in the cache."""
        try:
            page = await self.sdk.models.list(extra_query={"sub_type": "chat"})
            ids = [model.id async for model in page]
        except Exception as exc:
            raise ApiFailure(self._describe(exc, model=None)) from exc
        self.catalogue.store(self.base_url, ids)
        return ids

    async def user_info(self) -> UserInfo:
        """``/user/info``: also the cheapest way to check a key."""
        try:
            body = await self.sdk.get("/user/info", cast_to=object)
        except Exception as exc:
            raise ApiFailure(self._describe(exc, model=None)) from exc
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            raise ApiFailure(
                Failed("The server's /user/info answer was not understood.", ErrorKind.OTHER, status=200)
            )
        return UserInfo(
            name=str(data.get("name") or ""),
            balance=str(data.get("totalBalance") or data.get("balance") or "?"),
            status=str(data.get("status") or ""),
        )


class _StreamReader:
    """Turns SDK chunks into events, following SiliconFlow's quirks (see the API notes)."""

    __slots__ = ("_last_usage", "_splitter", "finish_reason", "received")

    def __init__(self) -> None:
        self.finish_reason: str | None = None
        self.received = False  # any reasoning or answer text yet
        self._splitter: ThinkSplitter | None = ThinkSplitter()
        self._last_usage: Usage | None = None

    def read(self, chunk: Any) -> list[StreamEvent]:
        events: list[StreamEvent] = []
        choices = chunk.choices
        if choices:  # chunks with no choices still carry usage
            choice = choices[0]
            delta = choice.delta
            if delta is not None:
                # Not declared fields of the SDK's delta: getattr, never plain attribute access.
                reasoning = getattr(delta, "reasoning_content", None) or getattr(delta, "reasoning", None)
                if reasoning:
                    events.append(ReasoningDelta(reasoning))
                content = delta.content
                if content:
                    splitter = self._splitter
                    if splitter is None:
                        events.append(AnswerDelta(content))
                    else:
                        thought, answer = splitter.feed(content)
                        if thought:
                            events.append(ReasoningDelta(thought))
                        if answer:
                            events.append(AnswerDelta(answer))
                        if splitter.passthrough:
                            self._splitter = None
                if events:
                    self.received = True
            if choice.finish_reason:  # "" is seen mid-stream: it means null
                self.finish_reason = choice.finish_reason
        usage = _usage_of(chunk.usage)
        if usage is not None:
            self._last_usage = usage
            events.append(UsageUpdate(usage))
        return events

    def flush(self, *, ended: bool = True, trace_id: str | None = None) -> list[StreamEvent]:
        events: list[StreamEvent] = []
        if self._splitter is not None:
            thought, answer = self._splitter.flush()
            self._splitter = None
            if thought:
                events.append(ReasoningDelta(thought))
            if answer:
                events.append(AnswerDelta(answer))
        if ended:
            if self.finish_reason is not None:
                events.append(Finished(self.finish_reason))
            else:
                events.append(
                    Failed(
                        "The stream ended before the answer was complete (no finish reason was sent); "
                        "the partial answer is kept." + trace_note(trace_id),
                        ErrorKind.STREAM,
                        trace_id=trace_id,
                        partial=self.received,
                    )
                )
        return events
