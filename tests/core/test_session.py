"""The core session: one turn from the prompt to the saved answer, against the demo server over real HTTP and a
real SQLite history, as the TUI and ``ask`` both run it."""

from __future__ import annotations

import asyncio

import pytest
from session_support import queue, run, saved, slow_turn

from siliconchat.core.api import ChatClient
from siliconchat.core.conversation import CUT_OFF_MARK, Conversation, MessageState
from siliconchat.core.events import AnswerDelta
from siliconchat.core.history import HistoryStore
from siliconchat.core.session import ChatSession


async def test_a_turn_saves_the_prompt_and_the_answer(client: ChatClient, store: HistoryStore) -> None:
    saves = queue(store)
    session = ChatSession(Conversation(), saves)
    turn = session.begin("What is a trie?", "Qwen/Qwen2.5-7B-Instruct")
    events = await run(turn, client)
    answer = "".join(e.text for e in events if isinstance(e, AnswerDelta))
    assert answer and turn.message.content == answer and turn.message.state is MessageState.COMPLETE
    loaded = await saved(saves, store, session.conversation)
    assert [(m.role, m.content, m.state) for m in loaded.messages] == [
        ("user", "What is a trie?", MessageState.COMPLETE),
        ("assistant", answer, MessageState.COMPLETE),
    ]


async def test_a_streaming_answer_is_checkpointed_and_a_stop_keeps_it(
    client: ChatClient, store: HistoryStore
) -> None:
    saves, session, _turn, task, deltas = await slow_turn(store, client)
    checkpointed = ""
    for _ in range(60):  # a checkpoint is queued every second while the answer streams
        await asyncio.sleep(0.1)
        assert await saves.drained(5)
        checkpointed = store.load(session.conversation.id).messages[-1].content  # type: ignore[arg-type]
        if checkpointed:
            break
    assert checkpointed == "Hel", "no checkpoint was saved while the answer streamed"
    await asyncio.wait_for(deltas.get(), 30)  # "lo"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    loaded = (await saved(saves, store, session.conversation)).messages[-1]
    assert (loaded.state, loaded.content, loaded.reasoning) == (MessageState.STOPPED, "Hello", "thought")
    assert loaded.error


async def test_a_cut_off_answer_goes_back_marked_and_a_failed_attempt_not_at_all(
    client: ChatClient, store: HistoryStore
) -> None:
    saves = queue(store)
    session = ChatSession(Conversation(), saves)
    first = session.begin("one", "demo/cut")  # the stream breaks after some text
    await run(first, client)
    assert first.message.state is MessageState.INCOMPLETE and first.message.content
    failed = session.begin("two", "demo/error-500")
    await run(failed, client)
    assert failed.message.state is MessageState.FAILED
    retry = session.begin("two, again", "Qwen/Qwen2.5-7B-Instruct")
    assert retry.request == [
        {"role": "user", "content": "one"},
        {"role": "assistant", "content": first.message.content + CUT_OFF_MARK},
        {"role": "user", "content": "two, again"},
    ]
    await run(retry, client)
    loaded = await saved(saves, store, session.conversation)
    # The history keeps the failed attempt, and the cut answer without the mark.
    assert [m.content for m in loaded.messages[:3]] == ["one", first.message.content, "two"]
    assert loaded.messages[3].state is MessageState.FAILED


async def test_regenerate_adds_a_sibling_answer_and_keeps_the_old_one(
    client: ChatClient, store: HistoryStore
) -> None:
    saves = queue(store)
    session = ChatSession(Conversation(), saves)
    await run(session.begin("Hello", "Qwen/Qwen2.5-7B-Instruct"), client)
    old = session.conversation.messages[-1]
    failing = session.regenerate("demo/error-500")
    assert failing is not None and failing.request == [{"role": "user", "content": "Hello"}]
    await run(failing, client)
    assert session.conversation.messages[-1] is old  # the failed attempt left; the old answer is back
    loaded = await saved(saves, store, session.conversation)
    assert old.content in [m.content for m in loaded.messages]
    better = session.regenerate("deepseek-ai/DeepSeek-R1")
    assert better is not None
    await run(better, client)
    loaded = await saved(saves, store, session.conversation)
    assert [m.content for m in loaded.messages] == ["Hello", better.message.content]  # the active path
    assert old.content in [m.content for m in loaded.tree]  # the old answer is a sibling, not deleted
    assert [m.role for m in session.conversation.messages] == ["user", "assistant"]


async def test_a_new_conversation_whose_request_failed_can_be_left_out_of_the_history(
    client: ChatClient, store: HistoryStore
) -> None:
    saves = queue(store)
    kept = ChatSession(Conversation(), saves)
    await run(kept.begin("kept", "demo/error-500"), client)
    dropped = ChatSession(Conversation(), saves)
    await run(dropped.begin("dropped", "demo/error-500", discard_if_empty=True), client)
    assert await saves.drained(10)
    assert [s.title for s in store.list_conversations()] == ["kept"]


async def test_turns_of_two_sessions_stream_at_once(client: ChatClient, store: HistoryStore) -> None:
    saves = queue(store)
    sessions = [ChatSession(Conversation(), saves) for _ in range(3)]
    turns = [s.begin(f"question {n}", "deepseek-ai/DeepSeek-R1") for n, s in enumerate(sessions)]
    await asyncio.gather(*(run(turn, client) for turn in turns))
    for session, turn in zip(sessions, turns, strict=True):
        loaded = await saved(saves, store, session.conversation)
        assert loaded.messages[-1].content == turn.message.content != ""
        assert loaded.messages[-1].reasoning == turn.message.reasoning != ""


async def test_a_cut_off_by_a_signal_is_saved_with_its_reason(
    client: ChatClient, store: HistoryStore
) -> None:
    saves, session, turn, task, _deltas = await slow_turn(store, client)
    turn.cut_off("Cut off: ended by SIGTERM.")
    assert saves.flush_now(store)  # what the app does as it exits, without the loop running again
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    loaded = store.load(session.conversation.id).messages[-1]  # type: ignore[arg-type]
    assert (loaded.state, loaded.error) == (MessageState.STOPPED, "Cut off: ended by SIGTERM.")
    assert loaded.content == "Hel"
