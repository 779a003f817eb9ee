"""Saving an answer while it streams."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Final

from siliconchat.core.conversation import Message
from siliconchat.core.history.errors import HistoryError
from siliconchat.core.history.store import HistoryStore
from siliconchat.core.turn import TurnRecorder

CHECKPOINT_INTERVAL: Final = 2.0  # seconds between saves of a streaming answer


class StreamingSaver:
    """Saves one assistant answer while it streams, for ``ask`` and the TUI alike.

    ``start()`` inserts the message (state ``streaming``); ``tick()`` is meant to be called for every event
    (or from a timer): it only reads a monotonic clock unless ``interval`` seconds passed since the last
    save, and then checkpoints the recorder's text into the message and saves it; ``finish()`` saves the
    final state. A history failure never reaches the stream: it is kept in ``error``, reported once to
    ``on_error``, and later saves are skipped.

    One turn, as ``ask`` runs it (the TUI does the same from its stream worker)::

        user = conversation.add_user(prompt)
        store.append(conversation, user)  # committed before the request is sent
        recorder = TurnRecorder(conversation.add_assistant(model))
        saver = StreamingSaver(store, conversation.id, recorder)
        saver.start()
        try:
            async for event in stream:
                recorder.apply(event)
                saver.tick()
        finally:
            if not recorder.done:
                recorder.stop()
            saver.finish()

    A checkpoint is one short transaction (about 4 ms for a 100 KB answer, FTS re-indexing included), so it
    may run on the event loop; a caller that prefers a thread can call ``save()`` there instead of ``tick()``.
    """

    __slots__ = (
        "_clock",
        "_due",
        "conversation_id",
        "error",
        "interval",
        "on_error",
        "recorder",
        "saves",
        "store",
    )

    def __init__(
        self,
        store: HistoryStore,
        conversation_id: int,
        recorder: TurnRecorder,
        *,
        interval: float = CHECKPOINT_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
        on_error: Callable[[HistoryError], None] | None = None,
    ) -> None:
        self.store = store
        self.conversation_id = conversation_id
        self.recorder = recorder
        self.interval = interval
        self.on_error = on_error
        self.error: HistoryError | None = None
        self.saves = 0  # checkpoints written (for tests and benchmarks)
        self._clock = clock
        self._due = math.inf  # no checkpoint before start()

    @property
    def message(self) -> Message:
        return self.recorder.message

    def start(self) -> None:
        """Insert the answer's message (state ``streaming``) before the first event arrives."""
        if self.error is None and self.message.id is None:
            self._guard(lambda: self.store.add_message(self.conversation_id, self.recorder.checkpoint()))
        self._due = self._clock() + self.interval

    def tick(self) -> bool:
        """Save a checkpoint if one is due; True when one was written."""
        if self._clock() < self._due:
            return False
        return self.save()

    def save(self) -> bool:
        """Checkpoint the text so far and save it now."""
        self._due = self._clock() + self.interval
        if self.error is not None:
            return False
        if self.message.id is None:
            self.start()
            return self.error is None
        saved = self._guard(lambda: self.store.update_message(self.recorder.checkpoint()))
        self.saves += saved
        return saved

    def finish(self) -> bool:
        """Save the final state (complete, stopped, incomplete or failed); True when it was saved."""
        self._due = math.inf
        if self.error is not None:
            return False
        if self.message.id is None:
            return self._guard(
                lambda: self.store.add_message(self.conversation_id, self.recorder.checkpoint())
            )
        return self._guard(lambda: self.store.update_message(self.recorder.checkpoint()))

    def _guard(self, action: Callable[[], object]) -> bool:
        try:
            action()
        except HistoryError as exc:
            self.error = exc
            self._due = math.inf
            if self.on_error is not None:
                self.on_error(exc)
            return False
        return True
