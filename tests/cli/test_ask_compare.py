"""``siliconchat ask -m A -m B …``: one prompt to several models, as a user runs it (a real process, real HTTP
to the demo server, the real history)."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator

import pytest
from cli_support import api_env, siliconchat, start_siliconchat

from siliconchat.core.conversation import MessageState
from siliconchat.core.history import HistoryStore
from siliconchat.demo.server import DemoServer

QWEN = "Qwen/Qwen2.5-7B-Instruct"
R1 = "deepseek-ai/DeepSeek-R1"


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer(pace=0) as running:
        yield running


def chat_bodies(server: DemoServer, since: int) -> list[dict[str, object]]:
    return [r.body or {} for r in server.requests[since:] if r.path.endswith("/chat/completions")]


def test_each_answer_under_its_header_and_every_model_asked_once(server: DemoServer) -> None:
    before = len(server.requests)
    result = siliconchat("ask", "-m", "demo/echo", "-m", QWEN, "-m", R1, "Hello there", env=api_env(server))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    headers = [line for line in out.splitlines() if line.startswith("## ")]
    assert headers == ["## demo/echo", f"## {QWEN}", f"## {R1}"]
    echo, qwen, r1 = (part.strip() for part in out.split("## ")[1:])
    assert echo == "demo/echo\n\nHello there"
    assert qwen.startswith(QWEN) and "How can I help" in qwen
    assert "How can I help" in r1
    assert "The user just said hello" in result.stderr  # R1's reasoning, on stderr
    bodies = chat_bodies(server, before)
    assert sorted(str(b["model"]) for b in bodies) == sorted(["demo/echo", QWEN, R1])
    assert all(b["messages"] == [{"role": "user", "content": "Hello there"}] for b in bodies)
    # The history has the prompt and the three answers as siblings, the first model's on the active path.
    store = HistoryStore.open()
    try:
        latest = store.latest()
        assert latest is not None
        assert [m.model for m in latest.tree if m.role == "assistant"] == ["demo/echo", QWEN, R1]
        assert [m.content for m in latest.messages] == ["Hello there", "Hello there"]
    finally:
        store.close()


def test_a_failing_model_fails_only_its_answer_and_the_exit_status_says_which(server: DemoServer) -> None:
    result = siliconchat(
        "ask", "-m", "demo/error-404", "-m", "demo/echo", "--no-log", "Hello there", env=api_env(server)
    )
    assert result.returncode == 1
    assert "## demo/error-404" in result.stdout
    assert result.stdout.rstrip().endswith("## demo/echo\n\nHello there")
    lines = [line for line in result.stderr.splitlines() if line.startswith("siliconchat:")]
    assert lines[0].startswith("siliconchat: demo/error-404: ")
    assert lines[-1] == "siliconchat: 1 of 2 models failed: demo/error-404"
    assert "Traceback" not in result.stderr


def test_json_lines_one_object_per_answer(server: DemoServer) -> None:
    result = siliconchat("ask", "-m", R1, "-m", "demo/echo", "--json", "--no-log", "Hi", env=api_env(server))
    assert result.returncode == 0, result.stderr
    answers = sorted((json.loads(line) for line in result.stdout.splitlines()), key=lambda a: a["index"])
    assert [(a["index"], a["model"], a["state"]) for a in answers] == [
        (0, R1, "complete"),
        (1, "demo/echo", "complete"),
    ]
    assert answers[1]["content"] == "Hi" and answers[1]["error"] is None
    assert "How can I help" in answers[0]["content"] and answers[0]["reasoning"]
    assert answers[0]["usage"]["completion_tokens"] > 0


def test_json_with_one_model_is_a_usage_error(server: DemoServer) -> None:
    result = siliconchat("ask", "-m", "demo/echo", "--json", "--no-log", "Hi", env=api_env(server))
    assert result.returncode != 0
    assert "--json is for comparing models" in result.stderr
    assert result.stdout == ""


def test_more_than_four_models_is_refused_before_any_request(server: DemoServer) -> None:
    before = len(server.requests)
    models = [arg for m in ("a/1", "a/2", "a/3", "a/4", "a/5") for arg in ("-m", m)]
    result = siliconchat("ask", *models, "--no-log", "Hi", env=api_env(server))
    assert result.returncode != 0
    assert "2 to 4 different models" in result.stderr
    assert chat_bodies(server, before) == []


SLOW_CHUNKS = '[[null, "Hel"], {"pause": 30}, [null, "lo"]]'
"""For ``demo/chunks``: an answer that holds long after its first delta."""


def test_a_signal_ends_every_answer_saved_as_cut_off(server: DemoServer) -> None:
    process = start_siliconchat(
        "ask", "-m", "demo/chunks", "-m", "demo/slow", SLOW_CHUNKS, env=api_env(server)
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "## demo/chunks\n"
    assert process.stdout.read(4) == "\nHel"  # the first answer has started streaming
    time.sleep(0.5)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=15)
    assert process.returncode == 128 + signal.SIGTERM
    assert "## demo/slow" in out  # what the second answer received is written too
    assert "siliconchat: Ended by SIGTERM" in err and "Traceback" not in err
    store = HistoryStore.open()
    try:
        latest = store.latest()
        assert latest is not None
        answers = [m for m in latest.tree if m.role == "assistant"]
    finally:
        store.close()
    assert [a.model for a in answers] == ["demo/chunks", "demo/slow"]
    assert all(a.state is MessageState.STOPPED and a.error and "SIGTERM" in a.error for a in answers)
    assert answers[0].content == "Hel"
