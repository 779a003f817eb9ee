"""Comparing models in the core: one prompt, one answer per model under it (siblings, streamed together, saved
through the one write queue), the picked one the active branch, a failing model failing only its own answer.
The demo server over real HTTP (its recorded requests are what each model was sent) and a real SQLite
history."""

from __future__ import annotations

from typing import Any

import pytest
from session_support import queue, saved

from siliconchat.core.api import ChatClient
from siliconchat.core.branches import branch_positions, siblings
from siliconchat.core.conversation import Conversation, MessageState
from siliconchat.core.events import AnswerDelta, StreamEvent
from siliconchat.core.history import HistoryStore
from siliconchat.core.session import ChatSession, Turn
from siliconchat.demo.server import DemoServer

ECHO = "demo/echo"


def chat_bodies(server: DemoServer, since: int) -> list[dict[str, Any]]:
    """The bodies of the chat requests the server received after the first ``since`` requests."""
    return [r.body or {} for r in server.requests[since:] if r.path.endswith("/chat/completions")]


async def test_compare_streams_every_model_and_the_pick_becomes_the_active_branch(
    client: ChatClient, store: HistoryStore, server: DemoServer
) -> None:
    saves = queue(store)
    session = ChatSession(Conversation(), saves)
    await session.compare("first", [ECHO, "Qwen/Qwen2.5-7B-Instruct"]).run(client, lambda turn, event: None)
    before = len(server.requests)
    models = [ECHO, "Qwen/Qwen2.5-7B-Instruct", "deepseek-ai/DeepSeek-R1", "THUDM/GLM-4-9B-0414"]
    comparison = session.compare("Which is best?", models)
    seen: dict[str, str] = {}

    def on_event(turn: Turn, event: StreamEvent) -> None:
        if isinstance(event, AnswerDelta):
            seen[turn.model] = seen.get(turn.model, "") + event.text

    await comparison.run(client, on_event)
    conversation = session.conversation
    # Each model received the same request: the active path (the first comparison's first answer) and the
    # new prompt, and nothing of the other answers.
    bodies = chat_bodies(server, before)
    assert sorted(b["model"] for b in bodies) == sorted(models)
    first_answer = conversation.messages[1].content
    for body in bodies:
        assert [(m["role"], m["content"]) for m in body["messages"]] == [
            ("user", "first"),
            ("assistant", first_answer),
            ("user", "Which is best?"),
        ]
    # Four sibling answers, each the one its model streamed, every one complete.
    answers = comparison.answers
    assert [a.model for a in answers] == models
    assert all(a.state is MessageState.COMPLETE and a.content for a in answers)
    assert {a.model: a.content for a in answers} == seen
    assert answers[0].content == "Which is best?"  # the echo model
    assert siblings(conversation, answers[2]) == answers
    assert conversation.messages[-1] is answers[0]  # the first model's answer is on the path meanwhile
    # Pick the third: it is the active branch, the others its siblings, and the next turn follows it.
    session.choose(answers[2])
    assert conversation.messages[-2:] == [comparison.user, answers[2]]
    assert branch_positions(conversation)[id(answers[2])] == (3, 4)
    loaded = await saved(saves, store, conversation)
    assert len(loaded.tree) == len(conversation.tree) == 8  # two prompts, six answers
    assert [m.id for m in loaded.messages] == [m.id for m in conversation.messages]
    assert loaded.messages[-1].model == models[2]
    await session.compare("and then?", [ECHO, ECHO, "Qwen/Qwen2.5-7B-Instruct"]).run(  # repeats: once
        client, lambda turn, event: None
    )
    followed = chat_bodies(server, before)[len(models) :]
    assert len(followed) == 2
    for body in followed:
        assert body["messages"][-2:] == [
            {"role": "assistant", "content": answers[2].content},
            {"role": "user", "content": "and then?"},
        ]


async def test_one_failing_model_fails_only_its_answer(
    client: ChatClient, store: HistoryStore, server: DemoServer
) -> None:
    saves = queue(store)
    session = ChatSession(Conversation(), saves)
    comparison = session.compare("Hello", ["demo/error-500", ECHO, "demo/error-404"], discard_if_empty=True)
    await comparison.run(client, lambda turn, event: None)
    failed, echoed, missing = comparison.answers
    assert failed.state is MessageState.FAILED and failed.error
    assert missing.state is MessageState.FAILED and missing.error
    assert echoed.state is MessageState.COMPLETE and echoed.content == "Hello"
    conversation = session.conversation
    # The first model failed: the answer that completed is on the active path, and the next request has it.
    assert conversation.messages == [comparison.user, echoed]
    assert conversation.request_messages()[-1] == {"role": "assistant", "content": "Hello"}
    loaded = await saved(saves, store, conversation)  # kept: one model answered
    assert [m.content for m in loaded.messages] == ["Hello", "Hello"]
    assert len(loaded.tree) == 4


async def test_a_comparison_where_every_model_failed_leaves_no_conversation(
    client: ChatClient, store: HistoryStore
) -> None:
    saves = queue(store)
    session = ChatSession(Conversation(), saves)
    comparison = session.compare("Hello", ["demo/error-500", "demo/error-404"], discard_if_empty=True)
    await comparison.run(client, lambda turn, event: None)
    assert await saves.drained(10)
    assert store.latest() is None


def test_compare_takes_two_to_four_different_models() -> None:
    session = ChatSession(Conversation())
    with pytest.raises(ValueError, match="2 to 4"):
        session.compare("Hello", [ECHO, ECHO])
    with pytest.raises(ValueError, match="2 to 4"):
        session.compare("Hello", [ECHO, "a", "b", "c", "d"])
    assert session.conversation.tree == []  # nothing added


async def test_stopping_one_answer_before_the_client_is_ready_leaves_the_others_running(
    client: ChatClient, store: HistoryStore
) -> None:
    """The client comes late (an awaitable, as the TUI passes its client while it is made): one answer is
    stopped while every turn still waits for it; the other answer streams in full."""
    import asyncio

    ready = asyncio.Event()

    async def late_client() -> ChatClient:
        await ready.wait()
        return client

    session = ChatSession(Conversation(), queue(store))
    comparison = session.compare("Hello", [ECHO, "Qwen/Qwen2.5-7B-Instruct"])
    first, second = comparison.tasks(late_client(), lambda turn, event: None)
    await asyncio.sleep(0.05)  # both turns wait for the client
    first.cancel()
    await asyncio.sleep(0)
    ready.set()
    await asyncio.gather(first, second, return_exceptions=True)
    stopped, answered = comparison.answers
    assert stopped.state is MessageState.STOPPED
    assert answered.state is MessageState.COMPLETE and answered.content
