"""Writes to the history: queued, done in a thread one after the other, retried until they succeed.

Another process may hold the history's write lock for a while (a long transaction, a backup tool). A write
waits for it up to the store's busy timeout, so no write runs on the event loop: each runs in a thread, and
the front end keeps drawing, taking keys and printing meanwhile. A write that fails stays queued, with everything after it
(the order matters: a prompt is saved before its answer), and is tried again after a pause that grows
(:data:`BACKOFF`). The messages themselves stay in memory, so nothing is lost while the queue waits; a save
reads the message as it is then, so a queued checkpoint always saves the latest text.

The user hears about it only when something has stayed unsaved for :data:`WARN_AFTER` seconds, and again
once it is all saved. When the app closes with writes still queued (the history never came free), the
conversations they belong to go to recovery files in the data folder, which the next start imports
(:mod:`siliconchat.core.history.recovery`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final

from siliconchat.core.conversation import Conversation, Message
from siliconchat.core.waiting import wait_at_most

if TYPE_CHECKING:
    from siliconchat.core.history.errors import HistoryError
    from siliconchat.core.history.store import HistoryStore

__all__ = ["BACKOFF", "BUSY_MS", "CHECKPOINT_EVERY", "WARN_AFTER", "HistorySaves", "SaveJob"]

BACKOFF: Final = (0.2, 0.5, 1.0, 2.0)
"""Pauses before the next attempts after a failed write (the last one repeats)."""
BUSY_MS: Final = 250
"""How long one write waits for another process's write lock before the queue pauses and tries again."""
WARN_AFTER: Final = 3.0
"""A write still not done after this many seconds is worth a toast."""
CHECKPOINT_EVERY: Final = 1.0
"""A streaming answer is queued for saving this often (:mod:`siliconchat.core.session`): at most about 1 s
of text, plus one write, is ever unsaved, inside the 2 s bound."""


@dataclass(eq=False)
class SaveJob:
    """Save ``message`` (as it is when the job runs) of ``conversation``, or delete the whole conversation
    (``drop``)."""

    conversation: Conversation | None
    message: Message | None = None
    drop: bool = False
    settings: bool = False  # save the conversation's title, system prompt and parameters
    version: int = 0  # bumped by every submit: a job saved at an older version stays queued
    done: asyncio.Event = field(default_factory=asyncio.Event)


class HistorySaves:
    """The queue of one process's history writes.

    ``store`` waits until the store is open and returns it (None: the history is off, and queued writes
    are dropped); ``notify`` tells the user, in a sentence and a severity ("warning", "information"), that
    writes have been failing for :data:`WARN_AFTER` seconds, and again when they succeed."""

    def __init__(
        self,
        store: Callable[[], Awaitable[HistoryStore | None]],
        notify: Callable[[str, str], None],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._notify = notify  # (text, severity)
        self._clock = clock
        self._jobs: list[SaveJob] = []
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()  # set while nothing is queued
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self._running: SaveJob | None = None
        self.failing_since: float | None = None  # the first failure of the writes still queued
        self.last_error: HistoryError | None = None
        self.warned = False
        self.attempts = 0  # writes tried (for tests)

    @property
    def pending(self) -> bool:
        return bool(self._jobs)

    # -- queueing ----------------------------------------------------------------------------------

    def save(self, conversation: Conversation, message: Message) -> SaveJob:
        """Queue a save of ``message`` (added if it has no id yet, else updated)."""
        for job in self._jobs:
            if job.message is message:
                job.version += 1
                self._start()
                return job
        return self._add(SaveJob(conversation, message))

    def save_settings(self, conversation: Conversation) -> None:
        for job in self._jobs:
            if job.settings and job.conversation is conversation:
                job.version += 1
                self._start()
                return
        self._add(SaveJob(conversation, settings=True))

    def drop(self, conversation: Conversation) -> SaveJob:
        """Queue the deletion of ``conversation`` (after the saves queued before it)."""
        return self._add(SaveJob(conversation, drop=True))

    def _add(self, job: SaveJob) -> SaveJob:
        self._jobs.append(job)
        self._idle.clear()
        self._start()
        return job

    def _start(self) -> None:
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="history-saves")

    async def drained(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds until nothing is queued (before reading what was written)."""
        return await wait_at_most(self._idle, timeout)

    async def wait(self, job: SaveJob, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for ``job`` to be done; True when it is."""
        return await wait_at_most(job.done, timeout)

    # -- the writer -------------------------------------------------------------------------------

    async def _run(self) -> None:
        from siliconchat.core.history.errors import ConversationNotFound, HistoryError

        failures = 0
        while True:
            if not self._jobs:
                self._idle.set()
                self._wake.clear()
                await self._wake.wait()
                continue
            store = await self._store()
            if store is None:  # the history is off (or closed): nothing can be saved by this queue
                for job in self._jobs:
                    job.done.set()
                self._jobs.clear()
                continue
            job = self._jobs[0]
            version = job.version
            self._running = job
            self.attempts += 1
            try:
                await asyncio.to_thread(_perform, store, job)
            except ConversationNotFound:
                self._drop_conversation(job.conversation)  # deleted by another siliconchat: nothing to save
                continue
            except HistoryError as exc:
                failures += 1
                self.last_error = exc
                now = self._clock()
                if self.failing_since is None:
                    self.failing_since = now
                if not self.warned and now - self.failing_since >= WARN_AFTER:
                    self.warned = True
                    self._notify(
                        f"Not saved yet, after {now - self.failing_since:.0f} s of trying: {exc}. siliconchat "
                        "keeps trying; the conversation is kept meanwhile.",
                        "warning",
                    )
                await asyncio.sleep(BACKOFF[min(failures, len(BACKOFF)) - 1])
                continue
            finally:
                self._running = None
            failures = 0
            if job.version == version:
                self._jobs.remove(job)
                job.done.set()
            if not self._jobs:
                self._idle.set()
                self.failing_since = None
                self.last_error = None
                if self.warned:
                    self.warned = False
                    self._notify("The history is free again: everything is saved.", "information")

    def _drop_conversation(self, conversation: Conversation | None) -> None:
        for job in [j for j in self._jobs if j.conversation is conversation]:
            self._jobs.remove(job)
            job.done.set()
        if not self._jobs:
            self._idle.set()

    # -- closing ----------------------------------------------------------------------------------

    def close(self, store: HistoryStore) -> list[Path]:
        """At exit: save what is queued; what cannot be saved goes to recovery files beside the history,
        whose paths are returned (the next start imports them)."""
        if self.flush_now(store):
            return []
        from siliconchat.core.history.recovery import write_recovery

        try:
            return write_recovery(store.path.parent, self.unsaved())
        except OSError:
            logging.getLogger(__name__).exception("turns the history could not take were lost")
            return []

    async def import_recovered(self, store: HistoryStore) -> list[str]:
        """Import the recovery files an earlier session left (in a thread); the titles imported."""
        from siliconchat.core.history.recovery import RECOVERY_GLOB, import_recovered

        folder = store.path.parent
        if not any(folder.glob(RECOVERY_GLOB)):
            return []
        return await asyncio.to_thread(import_recovered, store, folder)

    def flush_now(self, store: HistoryStore | None) -> bool:
        """Try the queued writes once more, here and now, unless they have been failing (each would wait
        for the lock again). True when nothing is left unsaved."""
        from siliconchat.core.history.errors import HistoryError

        if self._task is not None:
            self._task.cancel()
        if store is None:
            return not self._jobs
        if self._running is not None:
            # A write is still running in its thread: the store's lock is free once it is over.
            with contextlib.suppress(HistoryError):
                store.count()
        if self.failing_since is not None:
            return not self._jobs
        while self._jobs:
            job = self._jobs[0]
            try:
                _perform(store, job)
            except HistoryError:
                return False
            self._jobs.pop(0)
            job.done.set()
        return True

    def unsaved(self) -> list[Conversation]:
        """The conversations with queued saves (for the recovery files), each once."""
        seen: list[Conversation] = []
        for job in self._jobs:
            if job.conversation is not None and not any(c is job.conversation for c in seen):
                seen.append(job.conversation)
        return seen


def _perform(store: HistoryStore, job: SaveJob) -> None:
    """One write (in a thread)."""
    conversation = job.conversation
    assert conversation is not None
    if job.drop:
        if conversation.id is not None:
            store.delete(conversation.id)
        return
    if job.settings:
        if conversation.id is not None:
            store.update_conversation(conversation)
        return
    message = job.message
    assert message is not None
    if conversation.id is None or message.id is None:
        store.append(conversation, message)
    else:
        store.update_message(message)
