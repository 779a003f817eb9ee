"""One conversation's turns, from the prompt to the saved answer, for every front end.

A :class:`ChatSession` holds a conversation and the history's write queue
(:class:`~siliconchat.core.history.saves.HistorySaves`, or None when nothing is saved). :meth:`ChatSession.begin`
starts a :class:`Turn`: it adds the prompt after the active path (a failed attempt stays on it, left out of the
request) and queues its save, fixes the request (the context as it is now, so the request goes while the prompt is still being written),
and adds the answer's message. :meth:`Turn.run` streams the answer: each event is folded into the turn's
:class:`~siliconchat.core.turn.TurnRecorder` and then handed to the front end's ``on_event``, which shows it
(the TUI queues it for its next frame, ``ask`` prints it). While it streams, a checkpoint of the answer is
queued every :data:`~siliconchat.core.history.saves.CHECKPOINT_EVERY` seconds; however the turn ends
(finished, failed, stopped by cancelling the task that runs it, cut off by a signal, a bug), the final
state is queued once, and a regenerated turn is settled (:meth:`Turn._settle`).

Branches: :meth:`ChatSession.regenerate` adds a sibling answer under the last prompt, :meth:`ChatSession.edit`
a sibling prompt under an earlier prompt's parent, :meth:`ChatSession.compare` one answer per model under
one prompt (:mod:`siliconchat.core.compare`), and :meth:`ChatSession.switch` puts a sibling on the active
path. Nothing is deleted or overwritten: every message stays in the tree and in the history.

The TUI and ``ask`` are views over this: neither records, saves or decides what the context is. Turns are
independent of one another, so several may stream at once (their writes go through the one queue, in order).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import inspect
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from siliconchat.core.conversation import IMAGE_TURNS, Conversation, Message, MessageState

if TYPE_CHECKING:
    from siliconchat.core.api import ChatClient
    from siliconchat.core.attachments import Attachment
    from siliconchat.core.compare import Comparison
    from siliconchat.core.events import Failed, StreamEvent
    from siliconchat.core.history.saves import HistorySaves, SaveJob
    from siliconchat.core.turn import TurnRecorder

__all__ = ["ChatSession", "EventSink", "Turn"]

log = logging.getLogger(__name__)

EventSink = Callable[["StreamEvent"], "Awaitable[None] | None"]
"""What a front end does with each event, after the turn has recorded it. It returns None, or an awaitable
the turn waits for before it reads the next event (the TUI lets a typed key reach the screen first)."""

ENDED_UNEXPECTEDLY: Final = "The answer ended unexpectedly."


@dataclass(eq=False)
class Turn:
    """One prompt and its answer, from the request to the saved final state."""

    conversation: Conversation
    user: Message
    recorder: TurnRecorder
    request: list[dict[str, Any]]
    saves: HistorySaves | None = None
    previous: Message | None = None
    """Regenerate: the answer that was on the active path, back on it unless this one completes (see
    :meth:`_settle`)."""
    discard_if_empty: bool = False
    """A new conversation whose request fails with nothing received is deleted from the history (``ask``:
    the prompt is in the shell's history; a conversation holding only a failed prompt is clutter)."""
    new_conversation: bool = False
    stop_reason: str | None = None
    """What the answer is marked with if its task is cancelled (None: stopped by the user; a signal sets its
    own reason first)."""
    user_saved: SaveJob | None = None
    """The queued save of the prompt (the first one creates the conversation in the history)."""
    saved: SaveJob | None = None
    """The queued save of the final state, once the turn has ended."""
    _ended: bool = field(default=False, init=False, repr=False)

    @property
    def message(self) -> Message:
        return self.recorder.message

    @property
    def model(self) -> str:
        return self.message.model or ""

    @property
    def ended(self) -> bool:
        return self.recorder.done

    @property
    def sends_images(self) -> bool:
        """Whether the request carries an image (a server's refusal is then explained: see
        :func:`~siliconchat.core.attachments.refusal_hint`)."""
        return any(
            isinstance(m.get("content"), list) and any(p.get("type") == "image_url" for p in m["content"])
            for m in self.request
        )

    async def run(self, client: ChatClient | Awaitable[ChatClient], on_event: EventSink) -> None:
        """Stream the answer to its end, with ``client`` (or what it gives once awaited: the TUI makes its
        client in a thread on first use). Cancel the task running this to stop: the partial answer is kept,
        marked with :attr:`stop_reason`, and the cancellation goes on. Never raises for an API error (those
        are :class:`Failed` events); an unexpected exception is logged and recorded as a failure."""
        from siliconchat.core.events import ErrorKind, Failed
        from siliconchat.core.turn import STOPPED

        recorder = self.recorder
        apply = recorder.apply
        in_front_end = False  # an exception there is the front end's bug: it goes on up
        checkpoints = asyncio.get_running_loop().create_task(self._checkpoints(), name="turn-checkpoints")
        try:
            if inspect.isawaitable(client):
                client = await client
            stream = client.stream(self.request, self.model, self.conversation.params)
            async with contextlib.aclosing(stream) as events:
                async for event in events:
                    if (
                        isinstance(event, Failed)
                        and event.kind is ErrorKind.BAD_REQUEST
                        and self.sends_images
                    ):
                        event = _explained(event, self.model)
                    apply(event)
                    in_front_end = True
                    waited = on_event(event)
                    if waited is not None:
                        await waited
                    in_front_end = False
        except asyncio.CancelledError:
            recorder.stop(self.stop_reason or STOPPED)
            raise
        except Exception as exc:  # the client reports API errors as events: this is a bug in it
            if in_front_end:
                raise
            log.exception("the turn's stream failed")
            if not recorder.done:
                apply(Failed(f"Unexpected error: {type(exc).__name__}: {exc}", ErrorKind.OTHER, partial=True))
        finally:
            checkpoints.cancel()
            if not recorder.done:  # a stream ends with Finished or Failed; be safe anyway
                apply(Failed(ENDED_UNEXPECTEDLY, ErrorKind.STREAM, partial=True))
            self._end()

    def cut_off(self, reason: str | None = None) -> None:
        """The process is ending (a signal, a quit, a crash) while the answer streams: mark it with
        ``reason`` (None: stopped by the user) and queue its final state now. The task running the turn may
        never get to run again."""
        from siliconchat.core.turn import STOPPED

        self.stop_reason = reason
        self.recorder.stop(reason or STOPPED)
        self._end()

    async def _checkpoints(self) -> None:
        from siliconchat.core.history.saves import CHECKPOINT_EVERY

        saves = self.saves
        if saves is None:
            return
        while True:
            await asyncio.sleep(CHECKPOINT_EVERY)
            saves.save(self.conversation, self.recorder.checkpoint())

    def _end(self) -> None:
        """Queue the final state and settle a regeneration, once, however the turn ended."""
        if self._ended:
            return
        self._ended = True
        saves = self.saves
        if saves is not None:
            self.saved = saves.save(self.conversation, self.recorder.checkpoint())
        self._settle()
        message = self.message
        if (
            saves is not None
            and self.discard_if_empty
            and self.new_conversation
            and message.state is MessageState.FAILED
            and not (message.content or message.reasoning)
        ):
            self.saved = saves.drop(self.conversation)

    def _settle(self) -> None:
        """A regenerated answer ended. Complete, it stays on the active path (the old answer is its sibling).
        Failed or stopped, the old answer is back on the active path (the attempt stays in the tree and the
        history, a sibling to visit unless it failed outright). Idempotent."""
        previous, self.previous = self.previous, None
        message = self.message
        if previous is None or (message.state is MessageState.COMPLETE and not message.error):
            return
        from siliconchat.core.branches import choose

        for changed in choose(self.conversation, previous):
            if self.saves is not None:
                self.saves.save(self.conversation, changed)


def _explained(failure: Failed, model: str) -> Failed:
    """A refusal of a request that carried images, with what to do about it."""
    from siliconchat.core.attachments import refusal_hint

    said = failure.message.rstrip()
    said += "" if said.endswith((".", "!", "?")) else "."
    return dataclasses.replace(failure, message=said + refusal_hint(model))


class ChatSession:
    """A conversation and where its turns are saved. ``image_turns``: how many of the latest user turns
    send their images again (see :meth:`Conversation.request_messages`)."""

    def __init__(
        self, conversation: Conversation, saves: HistorySaves | None = None, *, image_turns: int = IMAGE_TURNS
    ) -> None:
        self.conversation = conversation
        self.saves = saves
        self.image_turns = image_turns

    def begin(
        self,
        text: str,
        model: str,
        *,
        attachments: Sequence[Attachment] = (),
        discard_if_empty: bool = False,
    ) -> Turn:
        """Start a turn: the prompt joins the conversation (its save queued), the request is fixed, and the
        answer's message is added (state ``streaming``, its row queued too). Call :meth:`Turn.run` next.

        Images for a model known not to take them raise
        :class:`~siliconchat.core.attachments.AttachmentError` first: nothing is added, saved or sent."""
        if attachments:
            from siliconchat.core.attachments import AttachmentError, images_refused

            refusal = images_refused(model, attachments)
            if refusal is not None:
                raise AttachmentError(refusal)
        conversation = self.conversation
        new = conversation.id is None
        user = conversation.add_user(text, list(attachments))
        saves = self.saves
        user_saved = saves.save(conversation, user) if saves is not None else None  # while the request goes
        turn = self._answer(user, model)
        turn.discard_if_empty, turn.new_conversation, turn.user_saved = discard_if_empty, new, user_saved
        return turn

    def compare(
        self,
        text: str,
        models: Sequence[str],
        *,
        attachments: Sequence[Attachment] = (),
        discard_if_empty: bool = False,
    ) -> Comparison:
        """Start a comparison: the prompt joins the conversation and each of ``models`` (2 to 4, repeats
        ignored; else ValueError) gets an answer under it, a sibling of the others, each its own turn with the
        same request (saves queued). The first model's answer is on the active path. Call
        :meth:`Comparison.run` next, and :meth:`choose` with the answer picked.

        Images for a model known not to take them raise
        :class:`~siliconchat.core.attachments.AttachmentError` first: nothing is added, saved or sent."""
        from siliconchat.core.compare import Comparison, check_models

        unique = check_models(list(models))
        if attachments:
            from siliconchat.core.attachments import AttachmentError, images_refused

            for model in unique:
                refusal = images_refused(model, attachments)
                if refusal is not None:
                    raise AttachmentError(refusal)
        first = self.begin(text, unique[0], attachments=attachments)
        turns = [first]
        messages = self.conversation.messages
        for model in unique[1:]:
            del messages[-1]  # the active path only, back to the prompt: the next answer is a sibling
            turns.append(self._answer(first.user, model))
        self.choose(first.message)
        return Comparison(
            self.conversation,
            first.user,
            turns,
            self.saves,
            discard_if_empty=discard_if_empty,
            new_conversation=first.new_conversation,
        )

    def _answer(self, user: Message, model: str) -> Turn:
        """Fix the request (the active path, ending with ``user``) and add the answer's message after it."""
        conversation = self.conversation
        request = conversation.request_messages(self.image_turns)
        from siliconchat.core.turn import TurnRecorder

        recorder = TurnRecorder(conversation.add_assistant(model))
        if self.saves is not None:
            self.saves.save(conversation, recorder.checkpoint())
        return Turn(conversation, user, recorder, request, self.saves)

    def regenerate(self, model: str) -> Turn | None:
        """Start a new answer to the active path's last prompt, a sibling of the answer it had (None when
        there is no prompt). The old answer leaves the active path at once; if the new one fails or is
        stopped, the old one is back on it (:meth:`Turn._settle`)."""
        messages = self.conversation.messages
        index = next((i for i in range(len(messages) - 1, -1, -1) if messages[i].role == "user"), None)
        if index is None:
            return None
        from siliconchat.core.attachments import AttachmentError, images_refused

        refusal = images_refused(model, messages[index].attachments)
        if refusal is not None:  # before the old answer leaves the active path
            raise AttachmentError(refusal)
        previous = messages[index + 1] if index + 1 < len(messages) else None
        del messages[index + 1 :]  # the active path only: the tree keeps them
        turn = self._answer(messages[index], model)
        turn.previous = previous
        return turn

    def edit(
        self, prompt: Message, text: str, model: str, *, attachments: Sequence[Attachment] | None = None
    ) -> Turn:
        """Start a turn with ``text`` as a new prompt in place of ``prompt`` (a user message of the active
        path): a sibling of it, continued from there; ``prompt`` and what follows it stay in the tree. The new
        prompt has ``attachments`` (None: those of ``prompt``)."""
        if attachments is None:
            attachments = prompt.attachments
        from siliconchat.core.attachments import AttachmentError, images_refused

        refusal = images_refused(model, attachments)
        if refusal is not None:  # before the path is cut
            raise AttachmentError(refusal)
        messages = self.conversation.messages
        index = next(i for i, m in enumerate(messages) if m is prompt)
        del messages[index:]  # the active path only: the tree keeps them
        return self.begin(text, model, attachments=attachments)

    def switch(self, message: Message, step: int) -> Message | None:
        """Put the sibling ``step`` places after ``message`` on the active path, with the branch last used
        under it (its choice is saved); None when ``message`` has no sibling."""
        from siliconchat.core.branches import switch

        target, changed = switch(self.conversation, message, step)
        self._save_choices(changed)
        return target

    def choose(self, message: Message) -> None:
        """Put ``message`` (of the tree) on the active path, with the branch last used under it (saved)."""
        from siliconchat.core.branches import choose

        self._save_choices(choose(self.conversation, message))

    def _save_choices(self, changed: list[Message]) -> None:
        if self.saves is not None:
            for chosen in changed:
                self.saves.save(self.conversation, chosen)
