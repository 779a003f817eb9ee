"""Conversations as trees, in the core: regenerate and edit add siblings, switching brings a branch back, the
request is exactly the active path, and the history keeps the tree and the path. The demo server over real HTTP
(its recorded requests are what was sent) and a real SQLite history."""

from __future__ import annotations

from history_support import comparable
from session_support import queue, run, saved

from siliconchat.core.api import ChatClient
from siliconchat.core.branches import branch_positions, siblings
from siliconchat.core.conversation import Conversation, Message, MessageState
from siliconchat.core.history import HistoryStore
from siliconchat.core.session import ChatSession
from siliconchat.demo.server import DemoServer

ECHO = "demo/echo"  # answers with the last user message: the answer says which prompt was sent last


def sent(server: DemoServer) -> list[tuple[str, str]]:
    """The messages of the last chat request the server received, as (role, content)."""
    chats = [r for r in server.requests if r.path.endswith("/chat/completions")]
    body = chats[-1].body or {}
    return [(m["role"], m["content"]) for m in body["messages"]]


def texts(messages: list[Message]) -> list[str]:
    return [m.content for m in messages]


async def four_turns(session: ChatSession, client: ChatClient) -> None:
    for n in range(1, 5):
        await run(session.begin(f"prompt {n}", ECHO), client)


async def test_regenerate_three_times_keeps_every_answer_and_each_can_be_visited(
    client: ChatClient, store: HistoryStore, server: DemoServer
) -> None:
    saves = queue(store)
    session = ChatSession(Conversation(), saves)
    await run(session.begin("Hello", ECHO), client)
    conversation = session.conversation
    first = conversation.messages[-1]
    models = ["Qwen/Qwen2.5-7B-Instruct", "deepseek-ai/DeepSeek-R1", ECHO]
    for model in models:
        turn = session.regenerate(model)
        assert turn is not None
        await run(turn, client)
        assert sent(server) == [("user", "Hello")]  # never an earlier answer with it
        assert conversation.messages[-1] is turn.message  # the new answer is on the active path
    answers = siblings(conversation, first)
    assert len(answers) == 4 and answers[0] is first
    assert [a.model for a in answers] == [ECHO, *models]
    assert len(conversation.tree) == 5  # one prompt, four answers: nothing deleted
    assert branch_positions(conversation)[id(answers[-1])] == (4, 4)
    # Visit every answer, forwards (it wraps around at the end).
    seen = []
    current = conversation.messages[-1]
    for _ in range(4):
        target = session.switch(current, 1)
        assert target is not None and conversation.messages == [conversation.messages[0], target]
        seen.append(target)
        current = target
    assert seen == [answers[0], answers[1], answers[2], answers[3]]
    assert session.switch(current, -2) is answers[1]
    # The history holds the four answers; reopened, the path is the one chosen last.
    loaded = await saved(saves, store, conversation)
    assert len(loaded.tree) == 5
    assert [m.id for m in loaded.messages] == [m.id for m in conversation.messages]
    assert loaded.messages[-1].model == models[0]
    # The next turn follows the chosen answer, and sends it.
    await run(session.begin("and then?", ECHO), client)
    assert sent(server) == [("user", "Hello"), ("assistant", answers[1].content), ("user", "and then?")]


async def test_edit_the_first_prompt_of_four_turns_then_switch_back(
    client: ChatClient, store: HistoryStore, server: DemoServer
) -> None:
    saves = queue(store)
    session = ChatSession(Conversation(), saves)
    conversation = session.conversation
    await four_turns(session, client)
    old_path = list(conversation.messages)
    assert texts(old_path) == [f"prompt {n // 2 + 1}" for n in range(8)]

    turn = session.edit(old_path[0], "prompt 1, rephrased", ECHO)
    await run(turn, client)
    assert sent(server) == [("user", "prompt 1, rephrased")]  # nothing of the old branch
    await run(session.begin("prompt 2b", ECHO), client)
    assert sent(server) == [
        ("user", "prompt 1, rephrased"),
        ("assistant", "prompt 1, rephrased"),
        ("user", "prompt 2b"),
    ]
    new_path = list(conversation.messages)
    assert texts(new_path) == ["prompt 1, rephrased"] * 2 + ["prompt 2b"] * 2
    assert new_path[0].parent is None and siblings(conversation, new_path[0]) == [old_path[0], new_path[0]]
    assert len(conversation.tree) == 12  # nothing deleted
    positions = branch_positions(conversation)
    assert positions[id(new_path[0])] == (2, 2) and id(new_path[1]) not in positions

    # Back to the first prompt: the whole old branch comes back, and is what the next request sends.
    assert session.switch(new_path[0], -1) is old_path[0]
    assert conversation.messages == old_path
    await run(session.begin("prompt 5", ECHO), client)
    assert sent(server) == [
        *((m.role, m.content) for m in old_path),
        ("user", "prompt 5"),
    ]
    # And to the new one again: it comes back as it was left.
    assert session.switch(old_path[0], 1) is new_path[0]
    assert conversation.messages == new_path

    loaded = await saved(saves, store, conversation)
    assert texts(loaded.messages) == texts(new_path)
    assert len(loaded.tree) == 14
    assert texts(store.latest().messages) == texts(new_path)  # type: ignore[union-attr]


async def test_a_regenerated_answer_that_fails_or_is_stopped_leaves_the_old_one_on_the_path(
    client: ChatClient, store: HistoryStore, server: DemoServer
) -> None:
    saves = queue(store)
    session = ChatSession(Conversation(), saves)
    conversation = session.conversation
    await run(session.begin("keep me", ECHO), client)
    old = conversation.messages[-1]
    failing = session.regenerate("demo/error-500")
    assert failing is not None
    await run(failing, client)
    assert conversation.messages[-1] is old
    assert siblings(conversation, old) == [old]  # a failed attempt is no branch
    stopped = session.regenerate(ECHO)
    assert stopped is not None
    stopped.cut_off()  # stopped before its answer came: an empty partial answer
    assert stopped.message.state is MessageState.STOPPED
    assert conversation.messages[-1] is old
    loaded = await saved(saves, store, conversation)
    assert loaded.messages[-1].id == old.id and len(loaded.tree) == 4


async def test_a_failed_attempt_stays_on_the_path_and_out_of_the_request(
    client: ChatClient, store: HistoryStore, server: DemoServer
) -> None:
    saves = queue(store)
    session = ChatSession(Conversation(), saves)
    await run(session.begin("one", ECHO), client)
    await run(session.begin("two", "demo/error-500"), client)
    await run(session.begin("two, again", ECHO), client)
    assert sent(server) == [("user", "one"), ("assistant", "one"), ("user", "two, again")]
    loaded = await saved(saves, store, session.conversation)
    assert texts(loaded.messages)[:3] == ["one", "one", "two"]
    assert loaded.messages[3].state is MessageState.FAILED
    assert loaded.request_messages() == [
        {"role": "user", "content": "one"},
        {"role": "assistant", "content": "one"},
        {"role": "user", "content": "two, again"},
        {"role": "assistant", "content": "two, again"},
    ]


async def test_a_tree_round_trips_through_json_and_the_history(
    client: ChatClient, store: HistoryStore, server: DemoServer
) -> None:
    from siliconchat.core.transcript import import_json, to_json, to_markdown

    session = ChatSession(Conversation(title="Tree"))
    conversation = session.conversation
    await four_turns(session, client)
    first = conversation.messages[0]
    await run(session.edit(conversation.messages[4], "prompt 3, rephrased", ECHO), client)
    regenerated = session.regenerate("Qwen/Qwen2.5-7B-Instruct")
    assert regenerated is not None
    await run(regenerated, client)
    await run(session.edit(first, "another first prompt", ECHO), client)
    session.switch(conversation.messages[0], -1)  # back to the first branch: prompt 3 rephrased, regenerated
    assert len(conversation.tree) == 13
    path = [m.content for m in conversation.messages]
    assert path[4] == "prompt 3, rephrased" and conversation.messages[-1].model == "Qwen/Qwen2.5-7B-Instruct"

    back = import_json(to_json(conversation))
    assert comparable(back) == comparable(conversation)
    assert [m.content for m in back.messages] == path
    # Through the history: saved, loaded, exported again: the same tree and path.
    store.create_conversation(back)
    loaded = store.load(back.id)  # type: ignore[arg-type]
    assert comparable(loaded) == comparable(conversation)
    # Markdown is the active path only.
    markdown = to_markdown(conversation)
    assert "prompt 3, rephrased" in markdown
    assert "another first prompt" not in markdown and "prompt 4" not in markdown


def test_a_transcript_of_version_1_is_one_linear_path() -> None:
    from siliconchat.core.transcript import import_json

    message = {"role": "user", "content": "one", "created": 1.0}
    answer = {"role": "assistant", "content": "two", "created": 2.0}
    conversation = import_json(
        {
            "format": "siliconchat.transcript",
            "version": 1,
            "conversation": {"title": "old", "created": 1.0},
            "messages": [message, answer, {**message, "content": "three", "created": 3.0}],
        }
    )
    assert [m.content for m in conversation.messages] == ["one", "two", "three"]
    assert conversation.messages[2].parent is conversation.messages[1]


def test_messages_put_on_the_path_directly_are_saved_in_order(store: HistoryStore) -> None:
    # `conversation.messages.append(m)` (as scripts and older code do) bypasses the tree; saving adopts them.
    conversation = Conversation(title="direct")
    conversation.messages.append(Message("user", "first"))
    conversation.messages.append(Message("assistant", "one"))
    store.create_conversation(conversation)
    conversation.messages.append(Message("user", "second"))
    store.append(conversation, conversation.messages[-1])
    loaded = store.load(conversation.id)  # type: ignore[arg-type]
    assert [m.content for m in loaded.messages] == ["first", "one", "second"]
    assert [m.parent.content if m.parent else None for m in loaded.messages] == [None, "first", "one"]
