"""When a streaming answer's text reaches the screen, and how much of it at a time: the chat screen's frames.

The stream worker only appends text to the turn's two pending lists and, when no frame is asked for, asks for
one (:meth:`FramePacer.wake`). A frame runs only when text waits and the rules below let it: no timer ticks
while nothing arrives, and at a realistic 100 deltas/s the loop wakes two or three times a second for frames,
not fifteen (a timer of 15 ticks a second cost about 1.5 % of a core at that pace on a 2-core machine, a tenth
of the app). A frame joins the pending text and appends it to the answer's and the reasoning's documents
(:mod:`siliconchat.ui.document`), which draw only their last chunk again and repaint the rows that changed. A
timer refreshes the status line once a second. When the stream ends (or is cancelled), frames go on until the
text that arrived is all shown. No full garbage collection runs meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.timer import Timer
from textual.worker import Worker

from siliconchat.core.waiting import wait_at_most

if TYPE_CHECKING:
    from siliconchat.core.conversation import Message
    from siliconchat.core.session import Turn
    from siliconchat.ui.document.conversation_blocks import AnswerBlock
    from siliconchat.ui.key_priority import KeyPriority
    from siliconchat.ui.screens.chat_turns import TurnScreen

__all__ = ["FramePacer", "ShownTurn", "take_text"]

MIN_FRAME_SECONDS = 1 / 15
"""At most 15 frames per second while an answer streams (smooth for reading)."""
MAX_FRAME_SECONDS = 0.5
NUMBERS_SECONDS = 1.0
"""The status line and the reasoning timer change this often while an answer streams."""
KEY_RETRY_SECONDS = 0.005
"""A frame due while a typed key is on its way to the screen looks again this much later."""
NEVER = float("inf")
UI_SHARE = 0.3
"""When showing a frame costs more (a blast arrives: more text to draw), frames are
spaced so that rendering takes about this share of the time, and the reader of the stream keeps the rest."""

FIRST_TEXT_WAIT = 0.25
"""The stream reader waits at most this long for a turn's first text to be on screen (:meth:`FramePacer.first_shown`)."""

HOLD_SECONDS = 0.05
"""After Enter, the screen waits at most this long for the answer's first words before it shows the prompt
sent (:meth:`FramePacer.hold_screen`). On a fast connection both then come in one frame: painting the prompt
alone took 7-9 ms of the event loop just as the response arrived, and the first words waited for it and then
for the screen's next update slot. Slower answers show the prompt after this (well under what is noticed)."""

GC_RESUME_SECONDS = 1.5
"""Full garbage collections come back this long after an answer ends (see ``FramePacer.pause_gc``)."""
GC_NEVER = 1_000_000_000
"""The oldest generation's threshold while an answer streams: no full collection."""

FRAME_RATES = 8
"""Frames are sized by the best rate (characters per CPU second) of this many frames before them."""
FRAME_CHARS = 10_000
MIN_FRAME_CHARS = 1_000
FRAME_COST = 0.05
"""A frame shows at most about as much text (both panes) as this machine shows in ``FRAME_COST`` seconds of
CPU (cutting, parsing and drawing the last chunk, and repainting), between ``MIN_FRAME_CHARS`` and
``FRAME_CHARS``; the rest waits for the next frame. When thousands of deltas arrive at once, this bounds what
a frame costs, and so how long a key press can wait for it to end."""


SLOW_FRAME_SECONDS = 0.4
SLOW_FRAME_CHARS = 400
"""While less than this much text (both panes) waits, frames come at most every ``SLOW_FRAME_SECONDS``: at a
realistic 100 deltas/s a frame shows a few words, and every frame that scrolls a pane repaints all of it.
(0.4 s is what the frames of a 15-a-second timer came to, when a frame was at most every 1/3 s.)"""


def _few(*pendings: list[str]) -> bool:
    """Less than :data:`SLOW_FRAME_CHARS` characters wait in ``pendings`` (counted no further than that)."""
    total = 0
    for pending in pendings:
        for part in pending:
            total += len(part)
            if total >= SLOW_FRAME_CHARS:
                return False
    return True


def take_text(pending: list[str], limit: int) -> str:
    """Remove and join the first fragments of ``pending`` up to about ``limit`` characters (at least one)."""
    total = 0
    for index, part in enumerate(pending):
        total += len(part)
        if total >= limit:
            text = "".join(pending[: index + 1])
            del pending[: index + 1]
            return text
    text = "".join(pending)
    pending.clear()
    return text


@dataclass(eq=False)
class ShownTurn:
    """The turn being streamed, as this screen shows it."""

    core: Turn
    block: AnswerBlock
    answer: list[str] = field(default_factory=list)  # arrived, not yet shown
    reasoning: list[str] = field(default_factory=list)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    worker: Worker[None] | None = None
    received: bool = False  # the stream is over; frames still show the text that arrived
    ended: bool = False

    @property
    def message(self) -> Message:
        return self.core.message

    @property
    def prompt(self) -> str:
        return self.core.user.content


class FramePacer:
    """The frames of the turn being streamed on ``screen``; ``all_shown`` is called with a turn whose stream is
    over once all its text is on screen."""

    def __init__(
        self, screen: TurnScreen, keys: KeyPriority, all_shown: Callable[[ShownTurn], object]
    ) -> None:
        self.screen = screen
        self.keys = keys
        self.all_shown = all_shown
        self.turn: ShownTurn | None = None
        self._numbers_timer: Timer | None = None
        self._frame_call: asyncio.TimerHandle | None = None  # the next frame, when text waits for one
        self._frame_due = NEVER  # when it runs
        # The earliest the next frame with text may start (NEVER: one is on its way to the screen).
        self._next_frame_at = 0.0
        self._next_numbers_at = 0.0
        self._last_frame_at = 0.0  # when the last frame that showed text started
        self._gc_thresholds: tuple[int, int, int] | None = None  # the collector's while streaming
        self._gc_timer: Timer | None = None
        self._frame_chars = MIN_FRAME_CHARS * 2  # what a frame shows at most (see FRAME_COST)
        self._frame_rates: deque[float] = deque(maxlen=FRAME_RATES)  # characters per CPU second, last frames
        self._first_shown = asyncio.Event()  # the turn's first frame with text is on screen
        self._hold: contextlib.AbstractContextManager[None] | None = None  # see hold_screen
        self._hold_end: asyncio.TimerHandle | None = None
        self._after_hold: list[Callable[[], object]] = []  # see after_hold

    @property
    def idle(self) -> bool:
        """No frame is asked for, and none is on its way to the screen (text that arrives must :meth:`wake`)."""
        return self._frame_due == NEVER and self._next_frame_at != NEVER

    def mount(self) -> None:
        """Make the numbers' timer (paused until a turn begins)."""
        self._numbers_timer = self.screen.set_interval(NUMBERS_SECONDS, self._on_numbers, pause=True)

    def begin(self, turn: ShownTurn) -> None:
        """``turn`` starts streaming."""
        self.turn = turn
        self._next_frame_at = self._last_frame_at = 0.0
        # The first frame is small, whatever the last turn's were: it also pays for the answer's first blocks.
        self._frame_chars = MIN_FRAME_CHARS * 2
        self._frame_rates.clear()
        self._first_shown = asyncio.Event()
        self.pause_gc()
        self._next_numbers_at = time.perf_counter() + NUMBERS_SECONDS
        if self._numbers_timer is not None:
            self._numbers_timer.reset()
            self._numbers_timer.resume()

    def hold_screen(self) -> None:
        """Update the screen only with the turn's first words, or in :data:`HOLD_SECONDS`, or when the turn
        ends, whichever comes first (an app-wide batch of updates: nothing is painted meanwhile)."""
        if self._hold is not None:
            return
        hold = self.screen.app.batch_update()
        hold.__enter__()
        self._hold = hold
        self._hold_end = asyncio.get_running_loop().call_later(HOLD_SECONDS, self.release_screen)

    def release_screen(self) -> None:
        """End :meth:`hold_screen`: what changed meanwhile is painted at the screen's next update."""
        hold, self._hold = self._hold, None
        if self._hold_end is not None:
            self._hold_end.cancel()
            self._hold_end = None
        if hold is not None:
            hold.__exit__(None, None, None)
            # The screen repaints when it is next idle; from a timer (no message of its own being handled)
            # it would otherwise wait for its next message, the first words, however late they come.
            self.screen.check_idle()
        after, self._after_hold = self._after_hold, []
        for callback in after:
            self.screen.call_after_refresh(callback)

    def after_hold(self, callback: Callable[[], object]) -> None:
        """Call ``callback`` once the screen held by :meth:`hold_screen` is painted (at once if it is not held):
        work the user does not wait for (the footer's keys) runs neither before the request is sent nor in the
        frame that shows the first words."""
        if self._hold is None:
            callback()
        else:
            self._after_hold.append(callback)

    def received(self, turn: ShownTurn) -> None:
        """``turn``'s stream is over with text not on screen yet: frames show it, one bounded frame after the
        other, so that keys are still handled in between (showing it all in one update held the app for most
        of a second)."""
        turn.received = True
        if self._next_frame_at != NEVER:  # no frame on its way to the screen: the next one starts now
            self._next_frame_at = 0.0
            self.wake()

    def stop(self) -> None:
        """The turn is over: no more frames or numbers; full collections come back in a moment."""
        if self._numbers_timer is not None:
            self._numbers_timer.pause()
        self.cancel()
        self.release_screen()
        self._first_shown.set()
        if self.turn is not None:
            self.turn = None
            self.resume_gc_later()

    def _text_due_at(self, turn: ShownTurn, now: float) -> float:
        """When the next frame may show the text that waits (NEVER: a frame is on its way to the screen)."""
        due = self._next_frame_at  # after the last frame is on screen, spaced by its cost (see _frame_shown)
        if due == NEVER:
            return NEVER  # its _frame_shown asks for the next one
        if self.keys.waiting(now):  # a typed key on its way to the screen goes first
            return now + KEY_RETRY_SECONDS
        if not turn.received and _few(turn.answer, turn.reasoning):
            # A slow stream: fewer, fuller frames (each one that scrolls a pane repaints all of it).
            due = max(due, self._last_frame_at + SLOW_FRAME_SECONDS)
        return due

    def wake(self) -> None:
        """Text waits: ask for the frame that will show it (the stream reader calls this when none is asked for)."""
        turn = self.turn
        if turn is not None and not turn.ended and (turn.answer or turn.reasoning):
            self._frame_at(self._text_due_at(turn, time.perf_counter()))

    def _frame_at(self, when: float) -> None:
        """Run a frame at ``when`` (``time.perf_counter``), unless one runs sooner."""
        if when >= self._frame_due:
            return
        if self._frame_call is not None:
            self._frame_call.cancel()
        self._frame_due = when
        delay = max(0.0, when - time.perf_counter())
        self._frame_call = asyncio.get_running_loop().call_later(delay, self._frame_time)

    def _frame_time(self) -> None:
        self._frame_call = None
        self._frame_due = NEVER
        self.screen.call_later(self._on_frame)  # queued after the messages before it (keys among them)

    def cancel(self) -> None:
        if self._frame_call is not None:
            self._frame_call.cancel()
            self._frame_call = None
        self._frame_due = NEVER

    async def _on_frame(self) -> None:
        """Show the text that arrived, if the frame rules let it now (else ask again for when they will)."""
        turn = self.turn
        if turn is None or turn.ended or not (turn.answer or turn.reasoning):
            return
        started = time.perf_counter()
        due = self._text_due_at(turn, started)
        if due > started:
            if due != NEVER:
                self._frame_at(due)
            return
        cpu_started = time.thread_time()
        async with turn.lock:
            if turn.ended:
                return
            first_text = not self._last_frame_at  # the turn's first text: "waiting…" goes with it
            self._next_frame_at = NEVER  # until this frame is on screen
            self._last_frame_at = started
            budget = self._frame_chars
            # One update of the screen for both panes.
            with self.screen.app.batch_update():
                if turn.reasoning:
                    text = take_text(turn.reasoning, budget)
                    budget -= len(text)
                    self.screen.reasoning.write(text)
                    if first_text:
                        turn.block.refresh_label()  # "waiting…" becomes "thinking…"
                if turn.answer and budget > 0:
                    text = take_text(turn.answer, budget)
                    budget -= len(text)
                    turn.block.write(text)
            if first_text:
                self.release_screen()  # the prompt sent and the first words, in one frame
            # The writes above are done (cut, parsed and drawn): measure up to the refresh.
            self.screen.call_after_refresh(
                self._frame_shown, started, cpu_started, self._frame_chars - budget
            )
            # The numbers normally change on their own timer: the screen repaints the smallest rectangle around
            # everything that changed, and the status line under the answer's last lines would widen it to the
            # whole screen. They come with the turn's first text (the labels said "waiting for the model…" for
            # up to a second beside it), and with a frame when their timer could not run for a whole second.
            if first_text or started >= self._next_numbers_at + NUMBERS_SECONDS:
                self.show_numbers(turn, started)
            if turn.received and not (turn.answer or turn.reasoning):
                self.all_shown(turn)  # the turn ends now

    def _on_numbers(self) -> None:
        """Once a second while streaming: the status line and the reasoning timer."""
        turn = self.turn
        if turn is None or turn.ended:
            return
        now = time.perf_counter()
        if now >= self._next_numbers_at - NUMBERS_SECONDS / 2:  # not if a frame just showed them
            self.show_numbers(turn, now)

    def show_numbers(self, turn: ShownTurn, now: float) -> None:
        """The status line and the reasoning timer (at most every :data:`NUMBERS_SECONDS`)."""
        self._next_numbers_at = now + NUMBERS_SECONDS
        recorder = turn.core.recorder
        self.screen.reasoning.thinking(recorder.thinking_seconds, recorder.first_answer_at is not None)
        starts = [t for t in (recorder.first_reasoning_at, recorder.first_answer_at) if t is not None]
        first = min(starts) if starts else None
        self.screen.status.show_turn(
            recorder.message.usage,
            first_token=first,
            elapsed=recorder.elapsed - first if first is not None else None,
            finish=recorder.waiting or "streaming…",
        )

    def pause_gc(self) -> None:
        """No full garbage collection while an answer streams; the young generations are still collected.

        A stream allocates fast (events, text, Markdown blocks, rendered lines), so Python ran a full collection
        every half second or so during a blast, each one walking every object the app holds: 100-250 ms in
        which no key was handled. Collections of the young generations stay automatic: each walks only the
        objects made since the last one (well under a millisecond). (Collecting them once per frame instead
        walked everything made since the turn began in its first frame, the request and the first blocks
        among them: 25 ms.) The full collections come back a moment after the turn ends (the first one comes
        at once: better while the user reads than in the last frame).
        """
        if self._gc_timer is not None:
            self._gc_timer.stop()
            self._gc_timer = None
        if self._gc_thresholds is None:
            self._gc_thresholds = gc.get_threshold()
            young, middle, _old = self._gc_thresholds
            gc.set_threshold(young, middle, GC_NEVER)

    def resume_gc_later(self) -> None:
        self._gc_timer = self.screen.set_timer(GC_RESUME_SECONDS, self._resume_gc)

    def _resume_gc(self) -> None:
        self._gc_timer = None
        if self._gc_thresholds is not None:
            gc.set_threshold(*self._gc_thresholds)
            self._gc_thresholds = None

    async def first_shown(self) -> None:
        """Wait until the turn's first text is on screen (at most :data:`FIRST_TEXT_WAIT`).

        The stream reader waits here after the first delta. A fast stream otherwise keeps reading (a slice of
        the event loop between each step of the first frame: its call, its refresh, the screen's update timer)
        and the first words reached the screen 20-30 ms later than they could."""
        await wait_at_most(self._first_shown, FIRST_TEXT_WAIT)  # (Escape meanwhile must stop the turn)

    def _frame_shown(self, started: float, cpu_started: float, chars: int) -> None:
        self._first_shown.set()
        # The frame's cost is the CPU time of this thread up to its refresh (waiting for the screen's refresh
        # timer is not a cost; the stream reader, which may run in between, makes it an overestimate).
        cost = time.thread_time() - cpu_started
        if chars >= MIN_FRAME_CHARS:  # the next frames show about what this machine shows in FRAME_COST
            # At the best rate of the last frames: a busy machine (another process, a collection) only ever makes
            # a frame dearer, and sizing by each last frame shrank the frames after every hiccup. Smaller frames
            # cost more per character (each lays out and repaints the pane), so a blast then fell behind.
            self._frame_rates.append(chars / max(cost, 0.001))
            fit = int(max(self._frame_rates) * FRAME_COST)
            self._frame_chars = max(MIN_FRAME_CHARS, min(FRAME_CHARS, fit))
        turn = self.turn
        if turn is not None and turn.received:  # the stream is over: the rest at once, frame after frame
            self._next_frame_at = 0.0
            self.screen.call_later(self._on_frame)  # (keys are handled between two frames)
            return
        spacing = max(MIN_FRAME_SECONDS, min(MAX_FRAME_SECONDS, cost * (1 - UI_SHARE) / UI_SHARE))
        self._next_frame_at = max(time.perf_counter(), started + spacing)
        self.wake()  # the text that arrived meanwhile
