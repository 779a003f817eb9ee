"""Running the core session's turns in tests: a write queue on a store, a turn run to its end or in a task."""

from __future__ import annotations

import asyncio

from siliconchat.core.api import ChatClient
from siliconchat.core.conversation import Conversation
from siliconchat.core.events import AnswerDelta, StreamEvent
from siliconchat.core.history import HistoryStore
from siliconchat.core.history.saves import HistorySaves
from siliconchat.core.session import ChatSession, Turn


def queue(store: HistoryStore) -> HistorySaves:
    async def ready() -> HistoryStore:
        return store

    return HistorySaves(ready, lambda text, severity: None)


SLOW = '[["thought", "Hel"], {"pause": 2.5}, [null, "lo"], {"pause": 5}, [null, " never"]]'
"""An answer that holds twice, long enough for a checkpoint and for the test to stop it."""


async def run(turn: Turn, client: ChatClient) -> list[StreamEvent]:
    seen: list[StreamEvent] = []
    await turn.run(client, seen.append)
    return seen


def streaming(turn: Turn, client: ChatClient) -> tuple[asyncio.Task[None], asyncio.Queue[str]]:
    """Run ``turn`` in a task; the answer's deltas arrive in the queue as they stream."""
    deltas: asyncio.Queue[str] = asyncio.Queue()

    def on_event(event: StreamEvent) -> None:
        if isinstance(event, AnswerDelta) and event.text:
            deltas.put_nowait(event.text)

    return asyncio.create_task(turn.run(client, on_event)), deltas


async def slow_turn(
    store: HistoryStore, client: ChatClient
) -> tuple[HistorySaves, ChatSession, Turn, asyncio.Task[None], asyncio.Queue[str]]:
    """A turn of :data:`SLOW` in a new conversation, streaming, its first delta arrived."""
    saves = queue(store)
    session = ChatSession(Conversation(), saves)
    turn = session.begin(SLOW, "demo/chunks")
    task, deltas = streaming(turn, client)
    await asyncio.wait_for(deltas.get(), 30)
    return saves, session, turn, task, deltas


async def saved(saves: HistorySaves, store: HistoryStore, conversation: Conversation) -> Conversation:
    assert await saves.drained(10)
    assert conversation.id is not None
    return store.load(conversation.id)
