"""The demo server over real HTTP: raw ``http.client`` for the wire format, ``AsyncOpenAI`` for what clients see.

One server (pace 0) serves the whole module; the few tests that stop a server or need other options start
their own. No mocks anywhere.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import re
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import openai
import pytest
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletionMessageParam

from siliconchat.demo import DEMO_API_KEY, DemoServer
from siliconchat.demo import scenarios as sc
from siliconchat.demo.__main__ import main as demo_main
from siliconchat.demo.on_demand import OnDemandDemoServer

HEX32 = re.compile(r"[0-9a-f]{32}")
QUESTION = "What is the best way to learn a new language?"
USER: list[dict[str, Any]] = [{"role": "user", "content": QUESTION}]
SDK_USER: list[ChatCompletionMessageParam] = [{"role": "user", "content": QUESTION}]


# --------------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer(pace=0) as demo:
        yield demo
    assert demo._errors == []  # no handler ever failed


def _address(server: DemoServer) -> tuple[str, int]:
    url = urlsplit(server.base_url)
    assert url.hostname is not None and url.port is not None
    return url.hostname, url.port


def _connect(server: DemoServer) -> http.client.HTTPConnection:
    host, port = _address(server)
    return http.client.HTTPConnection(host, port, timeout=10)


def _headers(key: str | None = DEMO_API_KEY) -> dict[str, str]:
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    return headers


def request(
    server: DemoServer,
    method: str,
    path: str,
    body: Any = None,
    *,
    key: str | None = DEMO_API_KEY,
    connection: http.client.HTTPConnection | None = None,
) -> tuple[http.client.HTTPResponse, bytes]:
    """One raw request; returns the response and its whole body."""
    conn = connection or _connect(server)
    conn.request(method, path, body=None if body is None else json.dumps(body), headers=_headers(key))
    response = conn.getresponse()
    data = response.read()
    if connection is None:
        conn.close()
    return response, data


def chat(model: str, messages: list[dict[str, Any]] = USER, **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": messages, "stream": True, **extra}


def sse_data(body: bytes) -> list[str]:
    """The ``data:`` payloads of an event stream (comments skipped), in order."""
    payloads = []
    for event in body.decode("utf-8").split("\n\n"):
        for line in event.split("\n"):
            if line.startswith("data: "):
                payloads.append(line[len("data: ") :])
    return payloads


def stream_chunks(server: DemoServer, model: str, **extra: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """POST a streaming chat; returns the parsed chunks and the raw payloads (``[DONE]`` included)."""
    response, body = request(server, "POST", "/v1/chat/completions", chat(model, **extra))
    assert response.status == 200, body
    assert response.getheader("Content-Type") == "text/event-stream"
    payloads = sse_data(body)
    return [json.loads(p) for p in payloads if p != "[DONE]"], payloads


def deltas(chunks: list[dict[str, Any]], field: str) -> list[str | None]:
    return [c["choices"][0]["delta"][field] for c in chunks if c["choices"]]


def joined(chunks: list[dict[str, Any]], field: str) -> str:
    return "".join(d for d in deltas(chunks, field) if d)


def error_body(response: http.client.HTTPResponse, data: bytes) -> dict[str, Any]:
    assert response.getheader("Content-Type", "").startswith("application/json")
    body = json.loads(data)
    assert isinstance(body, dict)
    return body


def client(server: DemoServer) -> AsyncOpenAI:
    return AsyncOpenAI(base_url=server.base_url, api_key=DEMO_API_KEY, max_retries=0, timeout=10)


async def sdk_stream(
    server: DemoServer, model: str, text: str = "hello", **extra: Any
) -> tuple[str, str, list[Any]]:
    """Stream through the openai SDK; returns (answer, reasoning, chunks)."""
    answer, reasoning, chunks = [], [], []
    async with client(server) as sdk:
        stream = await sdk.chat.completions.create(
            model=model, messages=[{"role": "user", "content": text}], stream=True, extra_body=extra or None
        )
        async with stream:
            async for chunk in stream:
                chunks.append(chunk)
                for choice in chunk.choices:
                    answer.append(choice.delta.content or "")
                    reasoning.append(getattr(choice.delta, "reasoning_content", None) or "")
    return "".join(answer), "".join(reasoning), chunks


# --------------------------------------------------------------------------------------------------------------
# Scenario registry and text splitting
# --------------------------------------------------------------------------------------------------------------


def test_split_deltas_is_exhaustive_and_keeps_whitespace() -> None:
    for canned in sc.CANNED:
        for text in (sc.fill(canned.reasoning, "a question?"), sc.fill(canned.answer, "a question?")):
            parts = sc.split_deltas(text)
            assert "".join(parts) == text
            assert all(0 < len(p) <= 12 or p.isspace() for p in parts)
    assert {"\n\n", " "} <= set(sc.split_deltas(sc.GENERAL.answer))


def test_a_quoted_question_that_ends_a_sentence_gets_no_second_full_stop() -> None:
    for canned in sc.CANNED:
        for question in ("How does a hash map work?", "Explain hash maps.", "Explain hash maps"):
            for text in (sc.fill(canned.reasoning, question), sc.fill(canned.answer, question)):
                assert question.rstrip(".?") + "?." not in text and ".." not in text.replace("...", "")
    assert "Explain hash maps. Let me" in sc.fill(sc.GENERAL.reasoning, "Explain hash maps")


def test_canned_answer_is_picked_by_keywords() -> None:
    assert sc.pick_canned("please write python code to sort a list") is sc.CODE
    assert sc.pick_canned("Hello!") is sc.GREETING
    assert sc.pick_canned("compare Rust vs Go") is sc.COMPARE
    assert sc.pick_canned("hi, what is the meaning of life, the universe and everything?") is sc.GENERAL
    assert sc.pick_canned("Why is the sky blue?") is sc.GENERAL


# --------------------------------------------------------------------------------------------------------------
# Plain endpoints, auth, routing
# --------------------------------------------------------------------------------------------------------------


def test_models_lists_chat_models_and_scenarios(server: DemoServer) -> None:
    response, data = request(server, "GET", "/v1/models?sub_type=chat")
    assert response.status == 200
    assert HEX32.fullmatch(response.getheader("x-siliconcloud-trace-id") or "")
    body = json.loads(data)
    assert body["object"] == "list"
    assert body["data"][0] == {
        "id": "deepseek-ai/DeepSeek-R1",
        "object": "model",
        "created": 0,
        "owned_by": "",
    }
    ids = [m["id"] for m in body["data"]]
    for model_id in (
        "Qwen/Qwen3-8B",
        "Qwen/Qwen2.5-7B-Instruct",
        "Pro/deepseek-ai/DeepSeek-R1",
        *sc.SCENARIO_IDS,
    ):
        assert model_id in ids
    assert "BAAI/bge-m3" not in ids
    _, everything = request(server, "GET", "/v1/models")
    assert "BAAI/bge-m3" in [m["id"] for m in json.loads(everything)["data"]]
    _, embeddings = request(server, "GET", "/v1/models?type=text&sub_type=embedding")
    assert [m["id"] for m in json.loads(embeddings)["data"]] == ["BAAI/bge-m3"]


def test_user_info(server: DemoServer) -> None:
    response, data = request(server, "GET", "/v1/user/info")
    assert response.status == 200
    body = json.loads(data)
    assert (body["code"], body["status"]) == (20000, True)
    assert body["data"]["totalBalance"] == "88.88"
    assert body["data"]["balance"] == "0.88"
    assert body["data"]["chargeBalance"] == "88.00"


@pytest.mark.parametrize("key", [None, "sk-" + "x" * 48, ""])
def test_bad_or_missing_key_is_401_invalid_token(server: DemoServer, key: str | None) -> None:
    for method, path in (("GET", "/v1/models"), ("POST", "/v1/chat/completions")):
        response, data = request(server, method, path, chat("Qwen/Qwen3-8B"), key=key)
        assert response.status == 401
        assert response.getheader("Content-Type") == "application/json"
        assert json.loads(data) == "Invalid token"
        assert HEX32.fullmatch(response.getheader("x-siliconcloud-trace-id") or "")


def test_any_key_mode_accepts_any_bearer_key_but_not_none() -> None:
    with DemoServer(api_key=None, pace=0) as demo:
        assert request(demo, "GET", "/v1/models", key="sk-anything")[0].status == 200
        assert request(demo, "GET", "/v1/models", key=None)[0].status == 401


def test_requests_are_recorded_without_the_authorization_header(server: DemoServer) -> None:
    request(server, "GET", "/v1/models?sub_type=chat&type=text", key="sk-wrong")
    request(server, "POST", "/v1/chat/completions", chat("demo/echo", stream=False))
    wrong, posted = server.requests[-2:]
    assert (wrong.method, wrong.path, wrong.query) == (
        "GET",
        "/v1/models",
        {"sub_type": "chat", "type": "text"},
    )
    assert wrong.authorized is False and posted.authorized is True
    assert posted.body == chat("demo/echo", stream=False)
    assert posted.headers["content-type"] == "application/json"
    for recorded in (wrong, posted):
        assert "authorization" not in recorded.headers
        assert DEMO_API_KEY not in repr(recorded) and "sk-wrong" not in repr(recorded)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/nothing"),
        ("GET", "/models"),
        ("GET", "/v1/chat/completions"),
        ("POST", "/v2/chat/completions"),
    ],
)
def test_unknown_routes_are_plain_text_404(server: DemoServer, method: str, path: str) -> None:
    response, data = request(server, method, path, {} if method == "POST" else None)
    assert response.status == 404
    assert response.getheader("Content-Type", "").startswith("text/plain")
    assert data == b"404 page not found"
    assert HEX32.fullmatch(response.getheader("x-siliconcloud-trace-id") or "")


def test_keep_alive_serves_several_requests_on_one_connection(server: DemoServer) -> None:
    conn = _connect(server)
    request(server, "POST", "/v1/chat/completions", chat("demo/blast-50"), connection=conn)
    sock = conn.sock
    request(server, "GET", "/v1/models", connection=conn)
    request(server, "POST", "/v1/chat/completions", chat("demo/error-429"), connection=conn)
    response, _ = request(server, "GET", "/v1/user/info", connection=conn)
    assert response.status == 200 and conn.sock is sock
    conn.close()


# --------------------------------------------------------------------------------------------------------------
# Request validation
# --------------------------------------------------------------------------------------------------------------


def test_unknown_model_is_400_20012(server: DemoServer) -> None:
    response, data = request(server, "POST", "/v1/chat/completions", chat("no/such-model"))
    assert response.status == 400
    assert error_body(response, data) == {
        "code": 20012,
        "message": "Model does not exist. Please check it carefully.",
        "data": None,
    }


@pytest.mark.parametrize("value", [True, False])
@pytest.mark.parametrize("model", ["Qwen/Qwen2.5-7B-Instruct", "deepseek-ai/DeepSeek-R1", "demo/echo"])
def test_enable_thinking_to_a_non_hybrid_model_is_400_20015(
    server: DemoServer, model: str, value: bool
) -> None:
    response, data = request(server, "POST", "/v1/chat/completions", chat(model, enable_thinking=value))
    assert response.status == 400
    body = error_body(response, data)
    assert body["code"] == 20015 and "enable_thinking" in body["message"]


def test_reject_thinking_makes_a_hybrid_model_refuse_enable_thinking() -> None:
    with DemoServer(pace=0, reject_thinking=["Qwen/Qwen3-8B"]) as demo:
        response, data = request(
            demo, "POST", "/v1/chat/completions", chat("Qwen/Qwen3-8B", enable_thinking=True)
        )
        assert response.status == 400 and "enable_thinking" in error_body(response, data)["message"]
        assert request(demo, "POST", "/v1/chat/completions", chat("Qwen/Qwen3-8B"))[0].status == 200
        assert (
            request(demo, "POST", "/v1/chat/completions", chat("Qwen/Qwen3-14B", enable_thinking=True))[
                0
            ].status
            == 200
        )


@pytest.mark.parametrize("budget", [127, 32769, "1024", True])
def test_thinking_budget_out_of_range_is_400_20015(server: DemoServer, budget: Any) -> None:
    body = chat("Qwen/Qwen3-8B", thinking_budget=budget)
    response, data = request(server, "POST", "/v1/chat/completions", body)
    assert response.status == 400
    error = error_body(response, data)
    assert error["code"] == 20015 and "thinking_budget" in error["message"]


def test_reasoning_content_sent_back_is_400_20015(server: DemoServer) -> None:
    messages = [*USER, {"role": "assistant", "content": "Practice.", "reasoning_content": "hmm"}, *USER]
    response, data = request(server, "POST", "/v1/chat/completions", chat("Qwen/Qwen3-8B", messages))
    assert response.status == 400
    error = error_body(response, data)
    assert error["code"] == 20015 and "reasoning_content" in error["message"]


# --------------------------------------------------------------------------------------------------------------
# The stream format
# --------------------------------------------------------------------------------------------------------------


def test_reasoning_stream_wire_format(server: DemoServer) -> None:
    response, body = request(server, "POST", "/v1/chat/completions", chat("deepseek-ai/DeepSeek-R1"))
    assert response.status == 200
    assert response.getheader("Content-Type") == "text/event-stream"
    assert response.getheader("Transfer-Encoding") == "chunked"
    assert HEX32.fullmatch(response.getheader("x-siliconcloud-trace-id") or "")
    text = body.decode()
    assert text.startswith('data: {"id":"') and text.endswith("\n\ndata: [DONE]\n\n")
    assert "event:" not in text
    payloads = sse_data(body)
    assert payloads[-1] == "[DONE]" and payloads.count("[DONE]") == 1
    chunks = [json.loads(p) for p in payloads[:-1]]

    first = chunks[0]
    assert HEX32.fullmatch(first["id"])
    assert first == {
        "id": first["id"],
        "object": "chat.completion.chunk",
        "created": first["created"],
        "model": "deepseek-ai/DeepSeek-R1",
        "choices": [
            {
                "index": 0,
                "delta": {"content": None, "reasoning_content": "", "role": "assistant"},
                "finish_reason": None,
            }
        ],
        "system_fingerprint": "",
        "usage": {
            "prompt_tokens": first["usage"]["prompt_tokens"],
            "completion_tokens": 0,
            "total_tokens": first["usage"]["prompt_tokens"],
        },
    }
    assert first["usage"]["prompt_tokens"] >= len(USER[0]["content"].split())
    assert {c["id"] for c in chunks} == {first["id"]}

    # reasoning deltas: content null; then "\n" opens the answer; answer deltas: reasoning null
    kinds = ["r" if c["choices"][0]["delta"]["content"] is None else "a" for c in chunks[1:]]
    switch = kinds.index("a")
    assert switch > 20 and set(kinds[switch:]) == {"a"}
    assert chunks[switch + 1]["choices"][0]["delta"] == {
        "content": "\n",
        "reasoning_content": None,
        "role": "assistant",
    }
    for chunk in chunks[switch + 1 :]:
        assert chunk["choices"][0]["delta"]["reasoning_content"] is None
    for chunk in chunks[1 : switch + 1]:
        assert chunk["choices"][0]["delta"]["reasoning_content"]

    # usage: on every chunk, a running total growing by one per delta
    for number, chunk in enumerate(chunks[:-1]):
        usage = chunk["usage"]
        assert usage["completion_tokens"] == number
        assert usage["total_tokens"] == usage["prompt_tokens"] + number
        reasoning_tokens = min(number, switch)
        if reasoning_tokens:
            assert usage["completion_tokens_details"] == {"reasoning_tokens": reasoning_tokens}
        else:
            assert "completion_tokens_details" not in usage

    last = chunks[-1]
    assert last["choices"][0]["finish_reason"] == "stop"
    assert last["choices"][0]["delta"]["content"] == ""
    assert last["usage"]["completion_tokens"] == len(chunks) - 2
    assert all(c["choices"][0]["finish_reason"] is None for c in chunks[:-1])
    assert " " in deltas(chunks, "content") or "\n\n" in deltas(chunks, "content")  # whitespace deltas kept


def test_plain_model_stream_has_null_reasoning_throughout(server: DemoServer) -> None:
    chunks, _ = stream_chunks(server, "Qwen/Qwen2.5-7B-Instruct")
    assert chunks[0]["choices"][0]["delta"] == {"content": "", "reasoning_content": None, "role": "assistant"}
    assert all(r is None for r in deltas(chunks, "reasoning_content"))
    assert all("completion_tokens_details" not in c["usage"] for c in chunks)
    assert "You asked" in joined(chunks, "content") and USER[0]["content"] in joined(chunks, "content")
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    glm, _ = stream_chunks(server, "THUDM/GLM-4-9B-0414")
    assert glm[-1]["choices"][0]["finish_reason"] == "eos"


def test_answers_follow_the_question(server: DemoServer) -> None:
    code, _ = stream_chunks(
        server, "Qwen/Qwen2.5-72B-Instruct", messages=[{"role": "user", "content": "python code?"}]
    )
    assert "```python\n" in joined(code, "content") and "| Step |" in joined(code, "content")
    hello, _ = stream_chunks(
        server, "Qwen/Qwen2.5-72B-Instruct", messages=[{"role": "user", "content": "hello"}]
    )
    assert joined(hello, "content").startswith("Hello!") and len(hello) < 100


def test_hybrid_model_reasons_unless_thinking_is_off(server: DemoServer) -> None:
    default, _ = stream_chunks(server, "Qwen/Qwen3-8B")
    on, _ = stream_chunks(server, "Qwen/Qwen3-8B", enable_thinking=True)
    off, _ = stream_chunks(server, "Qwen/Qwen3-8B", enable_thinking=False)
    assert joined(default, "reasoning_content") and joined(on, "reasoning_content")
    assert all(r is None for r in deltas(off, "reasoning_content"))
    assert joined(off, "content") == joined(on, "content")[1:]  # the "\n" opens answers after reasoning
    assert default[-1]["usage"]["completion_tokens_details"]["reasoning_tokens"] > 128


def test_thinking_budget_caps_reasoning_deltas(server: DemoServer) -> None:
    chunks, _ = stream_chunks(server, "Qwen/Qwen3-32B", enable_thinking=True, thinking_budget=128)
    assert sum(1 for r in deltas(chunks, "reasoning_content") if r) == 128
    assert chunks[-1]["usage"]["completion_tokens_details"] == {"reasoning_tokens": 128}
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


def test_max_tokens_ends_the_answer_with_length(server: DemoServer) -> None:
    chunks, payloads = stream_chunks(server, "deepseek-ai/DeepSeek-V3", max_tokens=7)
    assert sum(1 for c in deltas(chunks, "content") if c) == 7
    assert chunks[-1]["choices"][0] == {
        "index": 0,
        "delta": {"content": "", "reasoning_content": None, "role": "assistant"},
        "finish_reason": "length",
    }
    assert chunks[-1]["usage"]["completion_tokens"] == 7 and payloads[-1] == "[DONE]"


def test_non_streaming_completion(server: DemoServer) -> None:
    body = chat("deepseek-ai/DeepSeek-R1", stream=False)
    response, data = request(server, "POST", "/v1/chat/completions", body)
    assert response.status == 200 and response.getheader("Content-Type") == "application/json"
    completion = json.loads(data)
    assert completion["object"] == "chat.completion" and HEX32.fullmatch(completion["id"])
    choice = completion["choices"][0]
    assert choice["finish_reason"] == "stop"
    assert choice["message"]["role"] == "assistant"
    assert choice["message"]["content"].startswith("\n## Overview")
    assert choice["message"]["reasoning_content"].startswith("Okay, the user asks")
    usage = completion["usage"]
    assert usage["completion_tokens"] > usage["completion_tokens_details"]["reasoning_tokens"] > 0


# --------------------------------------------------------------------------------------------------------------
# Scenarios, on the wire
# --------------------------------------------------------------------------------------------------------------


def test_think_inline_splits_the_tags_across_deltas(server: DemoServer) -> None:
    chunks, _ = stream_chunks(server, "demo/think-inline")
    assert all(r is None for r in deltas(chunks, "reasoning_content"))
    parts = [c for c in deltas(chunks, "content") if c]
    assert "".join(parts) == sc.THINK_INLINE_CONTENT
    assert "<th" in parts and "</thi" in parts
    assert not any("<think>" in p or "</think>" in p for p in parts)


def test_whitespace_deltas_concatenate_to_the_exact_answer(server: DemoServer) -> None:
    chunks, _ = stream_chunks(server, "demo/whitespace")
    content = deltas(chunks, "content")
    assert "".join(c for c in content if c) == sc.WHITESPACE_ANSWER
    assert {" ", "\n", "\n\n", "  ", "\t", ""} <= {c for c in content if c is not None}
    nulls = [i for i, c in enumerate(content) if c is None]
    assert nulls and 0 < nulls[0] < len(content) - 1  # a null-content chunk in the middle
    assert content[-1] == "" and chunks[-1]["choices"][0]["finish_reason"] == "stop"


def test_empty_choices_chunks_carry_usage(server: DemoServer) -> None:
    chunks, _ = stream_chunks(server, "demo/empty-choices")
    empty = [c for c in chunks if c["choices"] == []]
    assert len(empty) > 10 and chunks[-1]["choices"] == [] and chunks[1]["choices"] == []
    assert all("usage" in c for c in empty)
    tokens = [c["usage"]["completion_tokens"] for c in chunks]
    assert tokens == sorted(tokens)
    assert joined(chunks, "content").startswith("Hello!")


def test_eos_scenario(server: DemoServer) -> None:
    chunks, _ = stream_chunks(server, "demo/eos")
    reasons = [c["choices"][0]["finish_reason"] for c in chunks]
    assert reasons[-1] == "eos" and "" in reasons[:-1] and None in reasons[:-1]
    assert set(reasons[:-1]) == {"", None}


def test_length_scenario_reasons_then_gives_an_empty_answer(server: DemoServer) -> None:
    chunks, payloads = stream_chunks(server, "demo/length")
    assert joined(chunks, "reasoning_content") and joined(chunks, "content") == ""
    last = chunks[-1]
    assert last["choices"][0]["finish_reason"] == "length"
    assert (
        last["usage"]["completion_tokens"]
        == last["usage"]["completion_tokens_details"]["reasoning_tokens"]
        > 50
    )
    assert payloads[-1] == "[DONE]"


@pytest.mark.parametrize(
    ("model", "reasoning", "answer"), [("demo/blast-1000", 0, 1000), ("demo/blast-reasoning-700", 700, 700)]
)
def test_blast_sends_exactly_n_deltas(server: DemoServer, model: str, reasoning: int, answer: int) -> None:
    chunks, payloads = stream_chunks(server, model)
    content = [c for c in deltas(chunks, "content") if c]
    thoughts = [r for r in deltas(chunks, "reasoning_content") if r]
    assert (len(thoughts), len(content)) == (reasoning, answer)
    assert chunks[-1]["usage"]["completion_tokens"] == reasoning + answer
    assert all(len(c) <= 16 for c in content)
    text = "".join(content)
    assert text.startswith("## Part 1\n\n") and "\n\n## Part 2\n\n" in text and "**bold**" in text
    assert payloads[-1] == "[DONE]"


def test_keepalive_comments_between_events(server: DemoServer) -> None:
    _, body = request(server, "POST", "/v1/chat/completions", chat("demo/keepalive"))
    text = body.decode()
    assert text.startswith(": keep-alive\n\n") and text.count(": keep-alive\n\n") > 20
    assert sse_data(body)[-1] == "[DONE]"


def test_garbage_is_a_200_stream_of_html(server: DemoServer) -> None:
    response, body = request(server, "POST", "/v1/chat/completions", chat("demo/garbage"))
    assert response.status == 200 and response.getheader("Content-Type") == "text/event-stream"
    assert body == b"data: <html>oops</html>\n\n"


def test_cut_clean_ends_without_done_or_finish_reason(server: DemoServer) -> None:
    chunks, payloads = stream_chunks(server, "demo/cut-clean")
    assert "[DONE]" not in payloads and len(chunks) > 5
    assert all(c["choices"][0]["finish_reason"] is None for c in chunks)


def test_error_midstream_sends_an_error_data_line(server: DemoServer) -> None:
    _, body = request(server, "POST", "/v1/chat/completions", chat("demo/error-midstream"))
    payloads = sse_data(body)
    assert json.loads(payloads[-1])["error"]["code"] == 50500
    assert "[DONE]" not in payloads and json.loads(payloads[1])["choices"][0]["delta"]["content"]


def test_cut_is_a_truncated_chunked_body(server: DemoServer) -> None:
    conn = _connect(server)
    conn.request("POST", "/v1/chat/completions", body=json.dumps(chat("demo/cut")), headers=_headers())
    response = conn.getresponse()
    assert response.status == 200
    with pytest.raises(http.client.IncompleteRead) as caught:
        response.read()
    partial = caught.value.partial.decode()
    assert '"reasoning_content":"' in partial and "[DONE]" not in partial
    conn.close()


# --------------------------------------------------------------------------------------------------------------
# Error statuses
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", sorted(sc.ERRORS))
def test_error_scenarios_answer_with_their_status_and_body(server: DemoServer, model: str) -> None:
    expected = sc.ERRORS[model]
    response, data = request(server, "POST", "/v1/chat/completions", chat(model))
    assert response.status == expected.status
    assert response.getheader("Content-Type") == expected.content_type
    assert HEX32.fullmatch(response.getheader("x-siliconcloud-trace-id") or "")
    assert response.getheader("Retry-After") is None
    assert data.decode() == expected.body
    if expected.content_type == "application/json":
        json.loads(data)


def test_error_bodies_have_the_documented_shapes() -> None:
    bodies = {model: sc.ERRORS[model].body for model in sc.ERRORS}
    assert json.loads(bodies["demo/error-401"]) == "Api key is invalid"
    assert json.loads(bodies["demo/error-500"]) == "Internal Server Error"
    assert json.loads(bodies["demo/error-400"])["code"] == 20015
    assert json.loads(bodies["demo/error-402"]) == json.loads(bodies["demo/error-403"])
    assert json.loads(bodies["demo/error-402"])["code"] == 30001
    assert json.loads(bodies["demo/error-403-verify"])["code"] == 30011
    assert json.loads(bodies["demo/error-429"])["code"] == 50602
    assert "TPM limit reached" in json.loads(bodies["demo/error-429"])["message"]
    assert json.loads(bodies["demo/error-503"])["code"] == 50505
    assert bodies["demo/error-404"] == "404 page not found"
    assert "<html>" in bodies["demo/error-504"] and sc.ERRORS["demo/error-504"].content_type == "text/html"


# --------------------------------------------------------------------------------------------------------------
# Through the openai SDK
# --------------------------------------------------------------------------------------------------------------


async def test_sdk_reads_reasoning_and_answer(server: DemoServer) -> None:
    answer, reasoning, chunks = await sdk_stream(server, "deepseek-ai/DeepSeek-R1", "Why is the sky blue?")
    assert reasoning.startswith("Okay, the user asks: Why is the sky blue?")
    assert answer.startswith("\n## Overview") and "> Why is the sky blue?" in answer
    usage = chunks[-1].usage
    assert usage.completion_tokens == len(chunks) - 2
    assert usage.completion_tokens_details.reasoning_tokens > 0
    assert chunks[-1].choices[0].finish_reason == "stop"


async def test_sdk_streams_concurrently_and_non_streaming(server: DemoServer) -> None:
    results = await asyncio.gather(*(sdk_stream(server, "Qwen/Qwen3-8B", "hi") for _ in range(4)))
    assert len({answer for answer, _, _ in results}) == 1
    async with client(server) as sdk:
        completion = await sdk.chat.completions.create(model="Qwen/QwQ-32B", messages=SDK_USER, stream=False)
    assert completion.choices[0].message.content
    assert (completion.choices[0].message.model_extra or {}).get("reasoning_content")


async def test_sdk_echo_round_trips_hostile_text(server: DemoServer) -> None:
    text = "[bold]x[/] [@click=app.quit]q[/] \x1b[2J\x1b]52;c;aGk=\x07 \x9b \x00 日本語 😀 \r\n  end "
    answer, reasoning, chunks = await sdk_stream(server, "demo/echo", text)
    assert answer == text and reasoning == ""
    assert sum(1 for c in chunks if c.choices and c.choices[0].delta.content) == 1


async def test_sdk_hostile_scenario_is_delivered_verbatim(server: DemoServer) -> None:
    answer, reasoning, _ = await sdk_stream(server, "demo/hostile")
    assert reasoning == sc.HOSTILE_REASONING
    assert answer == "\n" + sc.HOSTILE_ANSWER
    for attack in (
        "[@click=app.quit]",
        "[/]",
        "\x1b]52;c;aGk=\x07",
        "\x1b[2J",
        "\x9b",
        "\x00",
        "\x08",
        "\x07",
    ):
        assert attack in answer and attack in reasoning


async def test_sdk_tolerates_quirky_streams(server: DemoServer) -> None:
    answer, _, chunks = await sdk_stream(server, "demo/empty-choices")
    assert answer.startswith("Hello!") and any(not c.choices for c in chunks)
    assert chunks[-1].usage.completion_tokens == sum(
        1 for c in chunks if c.choices and c.choices[0].delta.content
    )
    answer, reasoning, _ = await sdk_stream(server, "demo/keepalive")
    assert answer and reasoning
    answer, _, _ = await sdk_stream(server, "demo/whitespace")
    assert answer == sc.WHITESPACE_ANSWER
    _, _, chunks = await sdk_stream(server, "demo/eos")
    assert chunks[-1].choices[0].finish_reason == "eos"


async def test_sdk_cut_stream_raises_after_partial_text(server: DemoServer) -> None:
    received = []
    async with client(server) as sdk:
        stream = await sdk.chat.completions.create(model="demo/cut", messages=SDK_USER, stream=True)
        with pytest.raises(openai.APIConnectionError):
            async with stream:
                async for chunk in stream:
                    received.append(chunk)
    assert len(received) > 10
    assert all(c.choices[0].finish_reason is None for c in received)


async def test_sdk_cut_clean_ends_quietly_without_finish_reason(server: DemoServer) -> None:
    answer, _, chunks = await sdk_stream(server, "demo/cut-clean")
    assert answer and all(c.choices[0].finish_reason is None for c in chunks)


async def test_sdk_error_midstream_raises_api_error(server: DemoServer) -> None:
    async with client(server) as sdk:
        stream = await sdk.chat.completions.create(
            model="demo/error-midstream", messages=SDK_USER, stream=True
        )
        with pytest.raises(openai.APIError, match="Internal error while generating the response"):
            async with stream:
                async for _ in stream:
                    pass


async def test_sdk_garbage_stream_raises(server: DemoServer) -> None:
    async with client(server) as sdk:
        stream = await sdk.chat.completions.create(model="demo/garbage", messages=SDK_USER, stream=True)
        with pytest.raises((ValueError, openai.APIError)):
            async with stream:
                async for _ in stream:
                    pass


async def test_sdk_sees_every_error_status(server: DemoServer) -> None:
    async with client(server) as sdk:
        for model, expected in sc.ERRORS.items():
            with pytest.raises(openai.APIStatusError) as caught:
                await sdk.chat.completions.create(model=model, messages=SDK_USER, stream=True)
            assert caught.value.status_code == expected.status, model
            assert HEX32.fullmatch(caught.value.response.headers["x-siliconcloud-trace-id"])
        with pytest.raises(openai.BadRequestError) as bad:
            await sdk.chat.completions.create(
                model="Qwen/Qwen2.5-7B-Instruct", messages=SDK_USER, extra_body={"enable_thinking": False}
            )
        assert "enable_thinking" in str(bad.value)
    async with AsyncOpenAI(base_url=server.base_url, api_key="sk-wrong", max_retries=0) as wrong:
        with pytest.raises(openai.AuthenticationError):
            await wrong.models.list()


async def test_sdk_lists_models(server: DemoServer) -> None:
    async with client(server) as sdk:
        page = await sdk.models.list(extra_query={"sub_type": "chat"})
    ids = [model.id for model in page.data]
    assert "Qwen/Qwen3-8B" in ids and "demo/slow" in ids
    assert server.requests[-1].query == {"sub_type": "chat"}


# --------------------------------------------------------------------------------------------------------------
# Pacing, stalls, stopping
# --------------------------------------------------------------------------------------------------------------


def _open_stream(server: DemoServer, model: str) -> socket.socket:
    """Send a streaming request on a raw socket (so the test controls reading and closing)."""
    body = json.dumps(chat(model)).encode()
    head = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: demo\r\nAuthorization: Bearer {DEMO_API_KEY}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    sock = socket.create_connection(_address(server), timeout=5)
    sock.sendall(head.encode() + body)
    return sock


def _read_until(sock: socket.socket, needle: bytes, limit: float = 5.0) -> bytes:
    data = b""
    deadline = time.monotonic() + limit
    while needle not in data:
        assert time.monotonic() < deadline, data
        part = sock.recv(65536)
        assert part, data
        data += part
    return data


def test_slow_keeps_its_pace_on_a_fast_server(server: DemoServer) -> None:
    sock = _open_stream(server, "demo/slow")
    start = time.monotonic()
    data = _read_until(sock, b'"completion_tokens":1,')
    assert time.monotonic() - start >= 0.3  # latency + one delay: 0.4 s
    assert b"[DONE]" not in data
    sock.close()


def _wait_for(condition: Any, limit: float = 3.0) -> bool:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_stall_ends_when_the_client_disconnects() -> None:
    with DemoServer(pace=0) as demo:
        sock = _open_stream(demo, "demo/stall")
        data = _read_until(sock, b'"reasoning_tokens":1}')
        assert data.count(b"data: ") == 2
        assert _wait_for(lambda: len(demo._connections) == 1)
        sock.close()
        assert _wait_for(lambda: not demo._connections)  # the handler gave up its 600 s pause


def test_stop_returns_promptly_while_a_stall_stream_is_open() -> None:
    demo = DemoServer(pace=0).start()
    sock = _open_stream(demo, "demo/stall")
    _read_until(sock, b'"reasoning_tokens":1}')
    started = time.monotonic()
    demo.stop()
    assert time.monotonic() - started < 2
    readable, _, _ = select.select([sock], [], [], 2)
    assert readable
    try:
        rest = sock.recv(65536)
    except ConnectionResetError:
        rest = b""
    assert b"[DONE]" not in rest
    sock.close()
    demo.stop()  # idempotent


async def test_sdk_cancel_of_a_paced_stream_ends_it_on_the_server() -> None:
    with DemoServer(pace=0) as demo:
        async with client(demo) as sdk:
            stream = await sdk.chat.completions.create(model="demo/slow", messages=SDK_USER, stream=True)
            async with stream:
                async for chunk in stream:
                    assert getattr(chunk.choices[0].delta, "reasoning_content", None) == ""
                    break  # cancel after the first chunk: leaving ``async with`` closes the connection
            assert _wait_for(lambda: not demo._connections)


def test_only_loopback_hosts_are_accepted() -> None:
    with pytest.raises(ValueError, match="loopback"):
        DemoServer(host="0.0.0.0")
    with pytest.raises(SystemExit) as caught:
        demo_main(["--host", "192.168.1.10"])
    assert caught.value.code == 2


def test_python_m_demo_prints_its_url_and_serves() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "siliconchat.demo", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.fullmatch(r"siliconchat demo server listening on (http://127\.0\.0\.1:(\d+)/v1)\n", line)
        assert match, line
        conn = http.client.HTTPConnection("127.0.0.1", int(match.group(2)), timeout=5)
        conn.request("GET", "/v1/models?sub_type=chat", headers=_headers())
        response = conn.getresponse()
        assert response.status == 200 and json.loads(response.read())["data"]
        conn.close()
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=5)
    assert process.returncode == 0
    assert stderr == ""


# --------------------------------------------------------------------------------------------------------------
# The on-demand server of ``siliconchat --demo``
# --------------------------------------------------------------------------------------------------------------


def test_demo_start_up_imports_no_server_until_a_client_connects() -> None:
    code = (
        "import sys, urllib.request\n"
        "from siliconchat.runtime import start_demo_server\n"
        "demo = start_demo_server()\n"
        "print('siliconchat.demo.server' in sys.modules, 'http.server' in sys.modules, demo.started)\n"
        "headers = {'Authorization': 'Bearer " + DEMO_API_KEY + "'}\n"
        "reply = urllib.request.urlopen(urllib.request.Request(demo.base_url + '/user/info', headers=headers))\n"
        "print(reply.status, 'siliconchat.demo.server' in sys.modules, demo.started)\n"
        "demo.stop()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30)
    assert out.stdout.split("\n")[:2] == ["False False False", "200 True True"]


async def test_on_demand_server_serves_the_sdk_from_its_first_request() -> None:
    demo = OnDemandDemoServer()
    try:
        client = AsyncOpenAI(base_url=demo.base_url, api_key=DEMO_API_KEY, max_retries=0, timeout=10)
        stream = await client.chat.completions.create(model="demo/echo", messages=SDK_USER, stream=True)
        answer = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
        assert QUESTION in answer
        assert demo.started
        await client.close()
    finally:
        demo.stop()
    url = urlsplit(demo.base_url)
    with pytest.raises(OSError):  # stopped: the port is closed
        socket.create_connection((url.hostname, url.port), timeout=2)
    demo.stop()  # idempotent


def test_on_demand_server_stopped_before_any_client_closes_its_port() -> None:
    demo = OnDemandDemoServer()
    url = urlsplit(demo.base_url)
    started = time.monotonic()
    demo.stop()
    assert time.monotonic() - started < 2
    assert not demo.started
    with pytest.raises(OSError):
        socket.create_connection((url.hostname, url.port), timeout=2)
    demo.stop()  # idempotent
