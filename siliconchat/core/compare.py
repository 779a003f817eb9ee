"""One prompt to several models at once: their answers are siblings under it, streamed concurrently.

:meth:`ChatSession.compare <siliconchat.core.session.ChatSession.compare>` adds the prompt and one answer per
model under it (each its own :class:`~siliconchat.core.session.Turn`, with the same request, saved through the
session's one write queue) and returns a :class:`Comparison`. :meth:`Comparison.run` streams them together;
one model failing fails only its own turn. The first model's answer is on the active path while they stream;
if it fails and another completes, the first completed one takes its place. Picking an answer is
:meth:`ChatSession.choose <siliconchat.core.session.ChatSession.choose>`: it becomes the active branch, and
the others stay its siblings.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from siliconchat.core.conversation import MessageState

if TYPE_CHECKING:
    from siliconchat.core.api import ChatClient
    from siliconchat.core.conversation import Conversation, Message
    from siliconchat.core.events import StreamEvent
    from siliconchat.core.history.saves import HistorySaves
    from siliconchat.core.session import Turn

__all__ = ["MAX_MODELS", "MIN_MODELS", "CompareSink", "Comparison", "check_models"]

MIN_MODELS: Final = 2
MAX_MODELS: Final = 4

CompareSink = Callable[["Turn", "StreamEvent"], "Awaitable[None] | None"]
"""What a front end does with each event of a comparison: the turn it belongs to, and the event (recorded
by that turn already). As :data:`~siliconchat.core.session.EventSink`, it may return an awaitable."""


def check_models(models: list[str]) -> list[str]:
    """``models`` without repeats (in order); ValueError unless there are 2 to 4 of them."""
    unique = list(dict.fromkeys(m.strip() for m in models if m.strip()))
    if not MIN_MODELS <= len(unique) <= MAX_MODELS:
        raise ValueError(f"Compare takes {MIN_MODELS} to {MAX_MODELS} different models, not {len(unique)}.")
    return unique


@dataclass(eq=False)
class Comparison:
    """A prompt and one answer per model under it, streamed together."""

    conversation: Conversation
    user: Message
    turns: list[Turn]
    saves: HistorySaves | None = None
    discard_if_empty: bool = False
    """A new conversation in which every model failed with nothing received is deleted from the history (as
    :attr:`Turn.discard_if_empty <siliconchat.core.session.Turn.discard_if_empty>` for one turn)."""
    new_conversation: bool = False

    @property
    def answers(self) -> list[Message]:
        return [turn.message for turn in self.turns]

    async def run(self, client: ChatClient | Awaitable[ChatClient], on_event: CompareSink) -> None:
        """Stream every answer to its end, concurrently, with one ``client``. Cancel the task running this to
        stop them all (each keeps what arrived); cancel one turn's own task to stop only it (see
        :meth:`tasks`). Never raises for an API error: each failure is its own turn's."""
        await asyncio.gather(*self.tasks(client, on_event))

    def tasks(
        self, client: ChatClient | Awaitable[ChatClient], on_event: CompareSink
    ) -> list[asyncio.Task[None]]:
        """One task per turn, running it (the front end may cancel one to stop that answer alone). The
        comparison settles when the last of them ends."""
        if not isinstance(client, Awaitable):
            shared: ChatClient | asyncio.Future[ChatClient] = client
        else:
            shared = asyncio.ensure_future(client)  # awaited once, by every turn
        loop = asyncio.get_running_loop()
        # Each turn awaits the client through a shield of its own: cancelling one turn while the client is
        # still being made must not cancel the client the others wait for.
        tasks = [
            loop.create_task(
                turn.run(
                    asyncio.shield(shared) if isinstance(shared, asyncio.Future) else shared,
                    _bound(on_event, turn),
                ),
                name=f"compare-{turn.model}",
            )
            for turn in self.turns
        ]
        pending = set(tasks)

        def ended(task: asyncio.Task[None]) -> None:
            pending.discard(task)
            if not pending:
                self._settle()

        for task in tasks:
            task.add_done_callback(ended)
        return tasks

    def _settle(self) -> None:
        """Every answer ended. If the one on the active path failed outright and another completed, the first
        completed one takes its place; if all failed with nothing received in a new conversation that asked
        for it, the conversation leaves the history."""
        answers = self.answers
        conversation = self.conversation
        active = conversation.messages[-1] if conversation.messages else None
        if active in answers and active is not None and active.state is MessageState.FAILED:
            done = next((m for m in answers if m.state is MessageState.COMPLETE and not m.error), None)
            if done is not None:
                from siliconchat.core.branches import choose

                for changed in choose(conversation, done):
                    if self.saves is not None:
                        self.saves.save(conversation, changed)
        if (
            self.saves is not None
            and self.discard_if_empty
            and self.new_conversation
            and all(m.state is MessageState.FAILED and not (m.content or m.reasoning) for m in answers)
        ):
            self.saves.drop(conversation)


def _bound(on_event: CompareSink, turn: Turn) -> Callable[[StreamEvent], Awaitable[None] | None]:
    def sink(event: StreamEvent) -> Awaitable[None] | None:
        return on_event(turn, event)

    return sink
