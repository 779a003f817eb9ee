"""When the answers of a comparison reach the screen: one frame for all the columns, paced by its cost.

Each answer's stream only appends its text to two pending lists (see
:mod:`siliconchat.ui.screens.chat_compare`) and, when no frame is asked for, asks for one (:meth:`ComparePacer.wake`).
A frame takes a bounded share of the waiting text of the columns that waited longest, as many columns as this
machine repaints in about :data:`COLUMNS_COST` (repainting a column costs about the same whatever it shows), and
writes it in one update of the screen; the next frame comes no sooner than its cost allows (rendering takes about :data:`UI_SHARE` of the time, the
readers of the streams the rest), at most 15 a second. A typed key on its way to the screen goes first (no
frame starts meanwhile). When an answer's stream is over, frames go on until all its text is shown, then
``all_shown`` is called with it; ``first_text`` is called with an answer whose first text a frame wrote. No timer ticks while nothing arrives; a one-second timer refreshes the
columns' numbers while any answer streams.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from siliconchat.ui.screens.chat_frames import (
    KEY_RETRY_SECONDS,
    MAX_FRAME_SECONDS,
    MIN_FRAME_CHARS,
    MIN_FRAME_SECONDS,
    NUMBERS_SECONDS,
    UI_SHARE,
    take_text,
)

if TYPE_CHECKING:
    from textual.screen import Screen
    from textual.timer import Timer

    from siliconchat.core.conversation import Message
    from siliconchat.core.session import Turn
    from siliconchat.ui.key_priority import KeyPriority
    from siliconchat.ui.widgets.compare_columns import CompareColumn

__all__ = ["ComparePacer", "ComparedAnswer"]

FRAME_COST = 0.04
"""A frame writes at most about as much text (all the columns) as this machine writes in this much CPU time."""
MAX_FRAME_CHARS = 16_000
COLUMNS_COST = 0.02
"""A frame repaints as many columns as this machine repaints in this much CPU time (at least one)."""


@dataclass(eq=False)
class ComparedAnswer:
    """One model's answer in the comparison on screen."""

    core: Turn
    column: CompareColumn
    answer: list[str] = field(default_factory=list)  # arrived, not yet shown
    reasoning: list[str] = field(default_factory=list)
    task: asyncio.Task[None] | None = None
    received: bool = False  # the stream is over; frames still show the text that arrived
    ended: bool = False  # shown in full
    shown_any: bool = False  # some of its text is on screen
    written_at: float = 0.0  # when a frame last wrote its text

    @property
    def message(self) -> Message:
        return self.core.message

    @property
    def waiting(self) -> bool:
        return bool(self.answer or self.reasoning)


class ComparePacer:
    """The frames of the comparison on ``screen`` (see the module docstring)."""

    def __init__(
        self,
        screen: Screen[None],
        keys: KeyPriority,
        all_shown: Callable[[ComparedAnswer], object],
        show_numbers: Callable[[], object],
        first_text: Callable[[ComparedAnswer], object],
    ) -> None:
        self.screen = screen
        self.keys = keys
        self.all_shown = all_shown
        self.show_numbers = show_numbers
        self.first_text = first_text
        self.answers: Sequence[ComparedAnswer] = ()
        self._call: asyncio.TimerHandle | None = None
        self._in_frame = False  # a frame is being written or is on its way to the screen
        self._next_at = 0.0
        self._chars = MIN_FRAME_CHARS * 2
        self._columns = 1  # how many columns a frame repaints (see _shown)
        self._numbers: Timer | None = None

    def begin(self, answers: Sequence[ComparedAnswer]) -> None:
        self.answers = answers
        self._next_at = 0.0
        self._chars = MIN_FRAME_CHARS * 2
        if self._numbers is None:
            self._numbers = self.screen.set_interval(NUMBERS_SECONDS, self.show_numbers)
        else:
            self._numbers.reset()
            self._numbers.resume()

    def stop(self) -> None:
        """No more frames or numbers (the comparison is over or closed)."""
        if self._call is not None:
            self._call.cancel()
            self._call = None
        if self._numbers is not None:
            self._numbers.pause()
        self.answers = ()

    def wake(self) -> None:
        """Text waits (or a stream ended): ask for the frame that shows it, unless one is asked for."""
        if self._call is not None or self._in_frame:
            return
        now = time.perf_counter()
        due = self._next_at
        if self.keys.waiting(now):
            due = now + KEY_RETRY_SECONDS
        self._call = asyncio.get_running_loop().call_later(max(0.0, due - now), self._frame_time)

    def _frame_time(self) -> None:
        self._call = None
        self.screen.call_later(self._frame)  # queued after the messages before it (keys among them)

    def _frame(self) -> None:
        if self._in_frame or not self.answers:
            return
        started = time.perf_counter()
        if self.keys.waiting(started):
            self.wake()
            return
        live = [a for a in self.answers if not a.ended]
        for answer in live:
            if answer.received and answer.waiting and not answer.column.display:
                # A column hidden under the tabs whose stream is over: shown whole at once (its end, below),
                # not frame by frame while out of sight (a long answer was still being written, seconds
                # after its title said "done", when the user turned to it).
                answer.answer.clear()
                answer.reasoning.clear()
        waiting = [a for a in live if a.waiting]
        if not waiting:
            for answer in live:
                if answer.received:
                    self.all_shown(answer)
            return
        # The columns whose text waited longest first, as many as a frame may repaint (see _shown).
        waiting.sort(key=lambda a: a.written_at)
        chosen = waiting[: self._columns]
        cpu_started = time.thread_time()
        self._in_frame = True
        share = max(MIN_FRAME_CHARS // 2, self._chars // len(chosen))
        written = 0
        with self.screen.app.batch_update():
            for answer in chosen:
                reasoning = take_text(answer.reasoning, share) if answer.reasoning else ""
                text = take_text(answer.answer, max(1, share - len(reasoning))) if answer.answer else ""
                written += len(reasoning) + len(text)
                answer.written_at = started
                answer.column.write(text, reasoning)
                if not answer.shown_any:  # "waiting…" becomes "thinking…" or "answering…" with it
                    answer.shown_any = True
                    self.first_text(answer)
        self.screen.call_after_refresh(self._shown, started, cpu_started, written, len(chosen))
        for answer in live:
            if answer.received and not answer.waiting:
                self.all_shown(answer)

    def _shown(self, started: float, cpu_started: float, written: int, columns: int) -> None:
        self._in_frame = False
        cost = time.thread_time() - cpu_started
        if written >= MIN_FRAME_CHARS:
            fit = int(written / max(cost, 0.001) * FRAME_COST)
            self._chars = max(MIN_FRAME_CHARS, min(MAX_FRAME_CHARS, fit))
        # Repainting a column costs about the same whatever it shows: a frame repaints as many columns as fit
        # in COLUMNS_COST (at least one), so that a key waits for a short frame, not for all the columns at once.
        per_column = cost / max(1, columns)
        self._columns = max(1, min(len(self.answers) or 1, int(COLUMNS_COST / max(per_column, 0.001))))
        if any(a.received and a.waiting for a in self.answers):
            spacing = MIN_FRAME_SECONDS / 2  # a stream is over: the rest soon, keys still go in between
        else:
            spacing = max(MIN_FRAME_SECONDS, min(MAX_FRAME_SECONDS, cost * (1 - UI_SHARE) / UI_SHARE))
        self._next_at = max(time.perf_counter(), started + spacing)
        if any(a.waiting or (a.received and not a.ended) for a in self.answers):
            self.wake()
