"""The streaming core against the demo server: the real openai SDK over real HTTP, no mocks."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from siliconchat.core.api import ChatClient
from siliconchat.core.conversation import Conversation, MessageState, ModelParams
from siliconchat.core.errors import ApiFailure
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
from siliconchat.core.turn import TurnRecorder
from siliconchat.demo import scenarios
from siliconchat.demo.server import DEMO_API_KEY, DemoServer


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer(pace=0, reject_thinking={"Qwen/Qwen3-14B"}) as running:
        yield running


def client_for(server: DemoServer, tmp_path: Path | None = None, **options: object) -> ChatClient:
    catalogue = ModelCatalogue(tmp_path / "models" if tmp_path else None)
    settings: dict[str, object] = {"max_retries": 0, "idle_timeout": 5.0, **options}
    return ChatClient(base_url=server.base_url, api_key=DEMO_API_KEY, catalogue=catalogue, **settings)  # type: ignore[arg-type]


async def run(
    client: ChatClient, model: str, prompt: str = "Hello there", params: ModelParams | None = None
) -> tuple[list[StreamEvent], TurnRecorder]:
    conversation = Conversation()
    conversation.add_user(prompt)
    turn = TurnRecorder(conversation.add_assistant(model))
    events: list[StreamEvent] = []
    async with contextlib.aclosing(client.stream(conversation.request_messages(), model, params)) as stream:
        async for event in stream:
            events.append(event)
            turn.apply(event)
    await client.aclose()
    return events, turn


def last(events: list[StreamEvent]) -> StreamEvent:
    return events[-1]


async def test_reasoning_then_answer(server: DemoServer) -> None:
    events, turn = await run(client_for(server), "deepseek-ai/DeepSeek-R1", "What is a monad?")
    kinds = [type(e) for e in events if isinstance(e, (ReasoningDelta, AnswerDelta))]
    first_answer = kinds.index(AnswerDelta)
    assert first_answer > 0 and ReasoningDelta not in kinds[first_answer:]  # all reasoning comes first
    assert last(events) == Finished("stop")
    assert turn.message.state is MessageState.COMPLETE
    assert len(turn.reasoning) > 50 and len(turn.answer) > 100
    assert turn.answer.startswith("\n")  # the whitespace-only first answer delta is kept
    usage = turn.message.usage
    assert usage is not None and usage.reasoning_tokens > 0 and usage.answer_tokens > 0
    # usage is a running total on every chunk: the last one is kept, never a sum
    updates = [e.usage for e in events if isinstance(e, UsageUpdate)]
    assert len(updates) > 10 and usage == updates[-1]
    counted = sum(isinstance(e, (ReasoningDelta, AnswerDelta)) for e in events)
    assert counted <= usage.completion_tokens <= counted + 1


async def test_answer_only_model(server: DemoServer) -> None:
    events, turn = await run(client_for(server), "Qwen/Qwen2.5-7B-Instruct")
    assert not any(isinstance(e, ReasoningDelta) for e in events)
    assert turn.answer and last(events) == Finished("stop")


async def test_inline_think_is_split_even_with_cut_tags(server: DemoServer) -> None:
    _, turn = await run(client_for(server), "demo/think-inline")
    assert turn.reasoning == scenarios.THINK_INLINE_REASONING
    assert turn.answer == "\n\n" + scenarios.THINK_INLINE_ANSWER  # the blank line after </think> is kept


async def test_whitespace_and_empty_deltas_are_kept_exactly(server: DemoServer) -> None:
    _, turn = await run(client_for(server), "demo/whitespace")
    assert turn.answer == scenarios.WHITESPACE_ANSWER


async def test_empty_choices_chunks_are_skipped_but_their_usage_kept(server: DemoServer) -> None:
    events, turn = await run(client_for(server), "demo/empty-choices")
    assert last(events) == Finished("stop") and turn.answer
    assert sum(isinstance(e, UsageUpdate) for e in events) > sum(isinstance(e, AnswerDelta) for e in events)


async def test_eos_finish_and_empty_string_reason_mid_stream(server: DemoServer) -> None:
    events, turn = await run(client_for(server), "demo/eos")
    assert last(events) == Finished("eos")
    assert sum(isinstance(e, Finished) for e in events) == 1  # "" mid-stream is not an end
    assert turn.message.state is MessageState.COMPLETE


async def test_sse_comments_are_ignored(server: DemoServer) -> None:
    events, turn = await run(client_for(server), "demo/keepalive")
    assert last(events) == Finished("stop") and turn.answer and ":" not in turn.answer[:1]


async def test_reasoning_that_exhausts_max_tokens_is_explained(server: DemoServer) -> None:
    _, turn = await run(client_for(server), "demo/length")
    assert turn.message.finish_reason == "length" and turn.answer == ""
    assert turn.message.error is not None and "no answer" in turn.message.error


async def test_hostile_text_arrives_raw(server: DemoServer) -> None:
    # The core stores what was sent; sanitizing is for display.
    _, turn = await run(client_for(server), "demo/hostile")
    assert turn.answer == "\n" + scenarios.HOSTILE_ANSWER and turn.reasoning == scenarios.HOSTILE_REASONING


async def test_multi_turn_never_sends_reasoning_back(server: DemoServer) -> None:
    client = client_for(server)
    conversation = Conversation()
    for prompt in ("First question", "Second question"):
        conversation.add_user(prompt)
        turn = TurnRecorder(conversation.add_assistant("deepseek-ai/DeepSeek-R1"))
        async with contextlib.aclosing(
            client.stream(conversation.request_messages(), "deepseek-ai/DeepSeek-R1")
        ) as stream:
            async for event in stream:
                turn.apply(event)
        assert turn.message.state is MessageState.COMPLETE  # the server rejects reasoning_content with a 400
    await client.aclose()
    sent = server.requests[-1].body
    assert sent is not None
    assert [m["role"] for m in sent["messages"]] == ["user", "assistant", "user"]
    assert all(set(m) == {"role", "content"} for m in sent["messages"])


# -- failures mid-stream ---------------------------------------------------------------------


async def test_cut_stream_keeps_the_partial_answer(server: DemoServer) -> None:
    events, turn = await run(client_for(server), "demo/cut")
    failure = last(events)
    assert isinstance(failure, Failed) and failure.partial and failure.kind is ErrorKind.STREAM
    assert "broke off" in failure.message
    assert turn.message.state is MessageState.INCOMPLETE and turn.answer


async def test_stream_ending_without_done_or_finish_is_incomplete(server: DemoServer) -> None:
    events, turn = await run(client_for(server), "demo/cut-clean")
    failure = last(events)
    assert isinstance(failure, Failed) and failure.partial
    assert turn.message.state is MessageState.INCOMPLETE and turn.answer


async def test_error_object_mid_stream(server: DemoServer) -> None:
    events, turn = await run(client_for(server), "demo/error-midstream")
    failure = last(events)
    assert isinstance(failure, Failed) and failure.partial
    assert "Internal error while generating the response" in failure.message and "50500" in failure.message
    assert failure.trace_id and f"trace id: {failure.trace_id}" in failure.message
    assert turn.answer and turn.message.state is MessageState.INCOMPLETE


async def test_garbage_stream_is_reported_not_raised(server: DemoServer) -> None:
    events, _ = await run(client_for(server), "demo/garbage")
    failure = last(events)
    assert isinstance(failure, Failed) and "not a valid SiliconFlow stream" in failure.message


async def test_idle_timeout_ends_a_stall(server: DemoServer) -> None:
    events, turn = await run(client_for(server, idle_timeout=0.5), "demo/stall")
    failure = last(events)
    assert isinstance(failure, Failed) and failure.kind is ErrorKind.TIMEOUT
    assert "stalled" in failure.message and turn.message.state is MessageState.INCOMPLETE


async def test_cancel_closes_the_connection_at_once(server: DemoServer) -> None:
    client = client_for(server)
    seen = asyncio.Event()
    turn = TurnRecorder(Conversation().add_assistant("demo/slow"))

    async def consume() -> None:
        async with contextlib.aclosing(
            client.stream([{"role": "user", "content": "hi"}], "demo/slow")
        ) as stream:
            async for event in stream:
                turn.apply(event)
                seen.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(seen.wait(), 5)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(task, 2)  # returns promptly: nothing waits for the slow server
    turn.stop()
    assert turn.message.state is MessageState.STOPPED
    await client.aclose()


# -- errors before the stream ------------------------------------------------------------------

ERRORS = [
    ("demo/error-400", ErrorKind.BAD_REQUEST, ["rejected", "20015"]),
    ("demo/error-401", ErrorKind.AUTH, ["key was refused", "--region cn"]),
    ("demo/error-402", ErrorKind.BALANCE, ["balance is insufficient"]),
    ("demo/error-403", ErrorKind.BALANCE, ["balance is insufficient"]),
    ("demo/error-403-verify", ErrorKind.VERIFICATION, ["verification"]),
    ("demo/error-404", ErrorKind.NOT_FOUND, ["404", "base URL"]),
    ("demo/error-429", ErrorKind.RATE_LIMIT, ["Rate limit", "TPM limit reached"]),
    ("demo/error-500", ErrorKind.SERVER, ["service failed", "500", "Internal Server Error"]),
    ("demo/error-503", ErrorKind.OVERLOADED, ["overloaded"]),
    ("demo/error-504", ErrorKind.SERVER, ["504", "Try again later"]),
    ("no-such/model", ErrorKind.MODEL_NOT_FOUND, ['"no-such/model" does not exist']),
]


@pytest.mark.parametrize(("model", "kind", "phrases"), ERRORS)
async def test_each_error_status_has_its_own_sentence(
    server: DemoServer, model: str, kind: ErrorKind, phrases: list[str]
) -> None:
    events, turn = await run(client_for(server), model)
    assert len(events) == 1
    failure = events[0]
    assert isinstance(failure, Failed) and failure.kind is kind and not failure.partial
    for phrase in phrases:
        assert phrase in failure.message
    assert failure.trace_id and f"trace id: {failure.trace_id}" in failure.message
    assert "Traceback" not in failure.message and "<" not in failure.message  # no HTML tags
    assert turn.message.state is MessageState.FAILED


async def test_rate_limit_is_retried_by_the_sdk_a_bounded_number_of_times(server: DemoServer) -> None:
    before = len(server.requests)
    events, _ = await run(client_for(server, max_retries=1), "demo/error-429")
    assert isinstance(last(events), Failed)
    assert len(server.requests) - before == 2  # the first try and one retry, then a clear failure


async def test_wrong_key_names_the_other_region() -> None:
    with DemoServer(pace=0) as server:
        client = ChatClient(base_url=server.base_url, api_key="sk-" + "x" * 48, region="cn", max_retries=0)
        events, _ = await run(client, "Qwen/Qwen3-8B")
    failure = last(events)
    assert isinstance(failure, Failed) and failure.kind is ErrorKind.AUTH
    assert "--region ap" in failure.message and "x" * 48 not in failure.message


async def test_connection_refused_names_the_host() -> None:
    with DemoServer() as server:
        base_url = server.base_url  # a port that is free again once the server stops
    client = ChatClient(base_url=base_url, api_key=DEMO_API_KEY, max_retries=0)
    events, _ = await run(client, "Qwen/Qwen3-8B")
    failure = last(events)
    assert isinstance(failure, Failed) and failure.kind is ErrorKind.CONNECTION
    assert "refused" in failure.message and base_url.split("/")[2] in failure.message


# -- enable_thinking -----------------------------------------------------------------------------


async def test_enable_thinking_is_sent_only_to_hybrid_models(server: DemoServer, tmp_path: Path) -> None:
    params = ModelParams(enable_thinking=False, thinking_budget=1024)
    _, plain = await run(client_for(server, tmp_path), "Qwen/Qwen2.5-7B-Instruct", params=params)
    assert plain.message.state is MessageState.COMPLETE  # the server would 400 if it had been sent
    assert "enable_thinking" not in (server.requests[-1].body or {})
    events, hybrid = await run(client_for(server, tmp_path), "Qwen/Qwen3-8B", params=params)
    sent = server.requests[-1].body or {}
    assert sent["enable_thinking"] is False and sent["thinking_budget"] == 1024
    assert not any(isinstance(e, ReasoningDelta) for e in events) and hybrid.answer


async def test_rejected_enable_thinking_is_retried_without_and_remembered(
    server: DemoServer, tmp_path: Path
) -> None:
    params = ModelParams(enable_thinking=True)
    before = len(server.requests)
    _, turn = await run(client_for(server, tmp_path), "Qwen/Qwen3-14B", params=params)
    assert turn.message.state is MessageState.COMPLETE
    first, second = server.requests[before:]
    assert "enable_thinking" in (first.body or {}) and "enable_thinking" not in (second.body or {})
    # remembered in the cache: a new client does not try again
    await run(client_for(server, tmp_path), "Qwen/Qwen3-14B", params=params)
    assert "enable_thinking" not in (server.requests[-1].body or {})


# -- models and user info ----------------------------------------------------------------------


async def test_models_and_user_info(server: DemoServer, tmp_path: Path) -> None:
    client = client_for(server, tmp_path)
    ids = await client.list_models()
    assert "Qwen/Qwen3-8B" in ids and "deepseek-ai/DeepSeek-R1" in ids
    assert server.requests[-1].query.get("sub_type") in ("chat", ["chat"])
    cached = client.catalogue.cached(server.base_url)
    assert cached is not None and cached.ids == ids
    info = await client.user_info()
    assert info.balance == "88.88"
    await client.aclose()


async def test_models_failure_is_an_api_failure(server: DemoServer) -> None:
    client = ChatClient(base_url=server.base_url, api_key="sk-wrong", max_retries=0)
    with pytest.raises(ApiFailure) as caught:
        await client.list_models()
    assert caught.value.failure.kind is ErrorKind.AUTH
    await client.aclose()


# -- the reader is tolerant -----------------------------------------------------------------------


def test_malformed_chunk_fields_are_skipped_not_raised() -> None:
    from siliconchat.core.stream_reader import StreamReader

    reader = StreamReader()
    odd_chunks = [
        {"choices": None, "usage": None},
        {"choices": [None]},
        {"choices": [{"delta": None, "finish_reason": None}]},
        {"choices": [{"delta": {"content": 12, "reasoning_content": ["x"]}}]},
        {"choices": [{"delta": {"content": "ok"}, "finish_reason": ""}], "usage": {"prompt_tokens": "3"}},
        {},
    ]
    events = [event for chunk in odd_chunks for event in reader.read(chunk)]
    assert [e for e in events if not isinstance(e, UsageUpdate)] == [AnswerDelta("ok")]
    assert reader.finish_reason is None
    with pytest.raises(ValueError):
        reader.read(["not", "an", "object"])
