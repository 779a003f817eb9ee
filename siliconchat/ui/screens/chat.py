"""The chat screen: header, conversation, reasoning pane, status line and prompt.

A turn is the core's (:mod:`siliconchat.core.session`: the prompt, the request, the recording, the saves, a
stop or a failure); this screen shows it. Streaming: a worker runs the turn, and for each event it only appends
text to two pending lists; it never waits on rendering. Text waiting asks for a frame, at the time
the frame rules allow (see ``ChatScreen._text_due_at``); a frame joins the pending text and appends it to
the answer's and the reasoning's documents (``siliconchat.ui.document``), which draw only their last chunk
again and repaint the rows that changed. A timer refreshes the status line once a second. When the stream
ends (or is cancelled), frames go on until the text that arrived is all shown, then the blocks show the
message's final text (drawn again only where it differs from what was streamed). No full garbage collection
runs meanwhile.

The keys are bound on the app (so that a user keymap applies to all of them, and the help screen and
the command palette can list them); the app calls the public methods here.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections import deque
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, cast

from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message as TextualMessage
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerCancelled, WorkerError, WorkerFailed

from siliconchat.core.attachments import Attachment, AttachmentError
from siliconchat.core.conversation import Conversation, Message, MessageState
from siliconchat.ui.document.conversation_blocks import AnswerBlock, EarlierBlock, ErrorBlock, UserBlock
from siliconchat.ui.document.document_view import DocumentView
from siliconchat.ui.widgets.attachment_tray import AttachmentTray
from siliconchat.ui.widgets.conversation_view import ConversationView
from siliconchat.ui.widgets.header_bar import HeaderBar
from siliconchat.ui.widgets.key_footer import KeyFooter
from siliconchat.ui.widgets.prompt_input import PromptInput
from siliconchat.ui.widgets.reasoning_pane import ReasoningPane
from siliconchat.ui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from siliconchat.core.events import StreamEvent
    from siliconchat.core.session import ChatSession, Turn
    from siliconchat.ui.app import SiliconChatApp

WIDE_LAYOUT_MIN_WIDTH = 110
"""At this width and wider the reasoning pane sits beside the conversation; narrower, above it."""
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


GC_RESUME_SECONDS = 1.5
"""Full garbage collections come back this long after an answer ends (see ``ChatScreen._pause_gc``)."""
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


def _take(pending: list[str], limit: int) -> str:
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


class ChatScreen(Screen[None]):
    """The main screen. Keys: see the app's bindings (the README's key table)."""

    AUTO_FOCUS = "#prompt"

    class TurnEnded(TextualMessage):
        """Posted by the stream worker when its stream is over (finished, failed or cancelled)."""

        def __init__(self, turn: ShownTurn) -> None:
            super().__init__()
            self.turn = turn

    class TurnFinished(TextualMessage, bubble=True):
        """Posted once a turn is over and shown in full (tests and the app may wait for it)."""

        def __init__(self, message: Message) -> None:
            super().__init__()
            self.message = message

    def __init__(self, session: ChatSession) -> None:
        super().__init__()
        self.session = session
        self.turn: ShownTurn | None = None
        self.selected: Message | None = None  # the turn whose reasoning the pane shows when idle
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

    @property
    def chat_app(self) -> SiliconChatApp:
        return cast("SiliconChatApp", self.app)

    @property
    def streaming(self) -> bool:
        return self.turn is not None

    @property
    def conversation(self) -> Conversation:
        return self.session.conversation

    @conversation.setter
    def conversation(self, conversation: Conversation) -> None:
        """Another conversation on this screen (its turns are saved where this one's were)."""
        from siliconchat.core.session import ChatSession

        self.session = ChatSession(conversation, self.session.saves, image_turns=self.session.image_turns)

    # -- composition ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        with Horizontal(id="body"):
            yield ConversationView(id="conversation")
            yield ReasoningPane(id="reasoning")
        yield StatusLine(id="status")
        yield AttachmentTray(id="attachments")
        yield PromptInput(id="prompt")
        yield KeyFooter()

    @property
    def header(self) -> HeaderBar:
        return self.query_one(HeaderBar)

    @property
    def view(self) -> ConversationView:
        return self.query_one(ConversationView)

    @property
    def reasoning(self) -> ReasoningPane:
        return self.query_one(ReasoningPane)

    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    @property
    def prompt(self) -> PromptInput:
        return self.query_one(PromptInput)

    def on_mount(self) -> None:
        self._numbers_timer = self.set_interval(NUMBERS_SECONDS, self._on_numbers, pause=True)
        self._apply_layout(self.app.size.width)
        self.refresh_header()

    def on_key(self, event: events.Key) -> None:
        """A character typed while a pane has focus (after scrolling it) goes to the prompt, not nowhere."""
        if isinstance(self.focused, DocumentView) and event.is_printable and event.character:
            event.stop()
            prompt = self.prompt
            prompt.focus()
            prompt.insert(event.character)

    def on_resize(self, event: events.Resize) -> None:
        self._apply_layout(event.size.width)

    def _apply_layout(self, width: int) -> None:
        narrow = width < WIDE_LAYOUT_MIN_WIDTH
        self.set_class(narrow, "-narrow")
        # Less space between the keys in the narrow layout: all of them fit in 80 columns.
        self.query_one(KeyFooter).compact = narrow

    def refresh_header(self) -> None:
        app = self.chat_app
        header = self.header
        header.set_model(app.model)
        header.set_thinking(app.thinking_label(self.conversation.params))
        if app.settings.demo:
            header.set_place("DEMO", demo=True)
        else:
            header.set_place(app.settings.region or app.settings.base_url)
        header.set_balance(app.balance)
        header.set_history_note(app.history.note)

    # -- sending ----------------------------------------------------------------------------

    @on(PromptInput.Submitted)
    async def _prompt_submitted(self, event: PromptInput.Submitted) -> None:
        event.stop()
        if self.turn is not None:
            self.notify(
                f"An answer is still streaming: press {self.chat_app.key_for('stop')} to stop it first.",
                severity="warning",
                markup=False,
            )
            return
        text = event.text
        if await self.send(text, self.attachments.attachments):
            event.prompt.clear()
            self.attachments.clear()

    async def send(self, text: str, attachments: Sequence[Attachment] = ()) -> bool:
        """Send ``text`` (with ``attachments``) as the next user turn and stream the answer. False when the
        attachments were refused (said in a toast): the prompt and the attachments stay, to send again."""
        if self.turn is not None:
            return False
        try:
            turn = self.session.begin(text, self.chat_app.model, attachments=attachments)
        except AttachmentError as exc:
            self.notify(str(exc), title="Not sent", severity="error", markup=False, timeout=8)
            return False
        self._show(turn)
        return True

    # -- attaching --------------------------------------------------------------------------

    @property
    def attachments(self) -> AttachmentTray:
        return self.query_one(AttachmentTray)

    def open_attach_picker(self) -> None:
        """The file picker; the files picked are read in a thread and join the tray (or are refused)."""
        from siliconchat.ui.screens.attach_picker import AttachPickerScreen

        def picked(paths: list[Path] | None) -> None:
            if paths:
                self.run_worker(self.attach_files(paths), group="attach")

        self.app.push_screen(AttachPickerScreen(), picked)

    async def attach_files(self, paths: Sequence[Path]) -> None:
        """Read and check ``paths`` (off the event loop) and add them to the tray; each refusal is a toast."""
        from siliconchat.core.attachments import attach_path, check_message

        limits = self.chat_app.settings.attachments
        for path in paths:
            try:
                attachment = await asyncio.to_thread(attach_path, path, limits)
                check_message([*self.attachments.attachments, attachment], limits)
            except AttachmentError as exc:
                self.notify(str(exc), title="Not attached", severity="error", markup=False, timeout=8)
                continue
            self.attachments.add(attachment)

    def _show(self, turn: Turn) -> None:
        """Show ``turn`` (just begun) and stream its answer."""
        view = self.view
        message = turn.message
        view.add_user(turn.user.content, turn.user)
        block = view.add_answer(message)
        view.follow()
        self.reasoning.begin(message)
        shown = ShownTurn(turn, block)
        self.turn = shown
        self.selected = message
        self.chat_app.history.refresh_when_saved(turn.user_saved if turn.new_conversation else None)
        self.status.show_turn(None, first_token=None, elapsed=None, finish="waiting…")
        self._next_frame_at = self._last_frame_at = 0.0
        # The first frame is small, whatever the last turn's were: it also pays for the answer's first blocks.
        self._frame_chars = MIN_FRAME_CHARS * 2
        self._frame_rates.clear()
        self.prompt.hold_still(True)
        self._pause_gc()
        self._next_numbers_at = time.perf_counter() + NUMBERS_SECONDS
        if self._numbers_timer is not None:
            self._numbers_timer.reset()
            self._numbers_timer.resume()
        shown.worker = self._stream(shown)
        self.app.refresh_bindings()  # "stop" is enabled while streaming

    @work(exclusive=True, group="stream", exit_on_error=False)
    async def _stream(self, shown: ShownTurn) -> None:
        """Run the turn; for each event, queue its text for a frame. Nothing else per delta."""
        from siliconchat.core.events import AnswerDelta, ReasoningDelta, Waiting

        add_answer = shown.answer.append
        add_reasoning = shown.reasoning.append
        wake = self._wake
        keys = self.chat_app.keys

        def on_event(event: StreamEvent) -> Awaitable[None] | None:
            kind = type(event)
            if kind is AnswerDelta or kind is ReasoningDelta:
                (add_answer if kind is AnswerDelta else add_reasoning)(event.text)  # type: ignore[union-attr]
                if self._frame_due == NEVER and self._next_frame_at != NEVER:
                    wake()  # no frame asked for, and none on its way to the screen: ask for one
            elif kind is Waiting:  # nothing yet: the status line says for how long, and what next
                self._show_numbers(shown, time.perf_counter())
            if keys.pending:
                # A typed key is on its way to the screen: during a blast, the stream took the event loop
                # for a slice (see YIELD_EVERY in core/api.py) between each of the key's steps.
                return keys.until_shown()
            return None

        try:
            await shown.core.run(self.chat_app.ready_client(), on_event)
        finally:
            self.post_message(self.TurnEnded(shown))

    # -- frames ------------------------------------------------------------------------------
    #
    # A frame runs only when text waits and the rules below let it: no timer ticks while nothing arrives, and
    # at a realistic 100 deltas/s the loop wakes two or three times a second for frames, not fifteen (a timer
    # of 15 ticks a second cost about 1.5 % of a core at that pace on a 2-core machine, a tenth of the app).

    def _text_due_at(self, turn: ShownTurn, now: float) -> float:
        """When the next frame may show the text that waits (NEVER: a frame is on its way to the screen)."""
        due = self._next_frame_at  # after the last frame is on screen, spaced by its cost (see _frame_shown)
        if due == NEVER:
            return NEVER  # its _frame_shown asks for the next one
        if self.chat_app.keys.waiting(now):  # a typed key on its way to the screen goes first
            return now + KEY_RETRY_SECONDS
        if not turn.received and _few(turn.answer, turn.reasoning):
            # A slow stream: fewer, fuller frames (each one that scrolls a pane repaints all of it).
            due = max(due, self._last_frame_at + SLOW_FRAME_SECONDS)
        return due

    def _wake(self) -> None:
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
        self.call_later(self._on_frame)  # queued after the messages before it (keys among them)

    def _cancel_frame(self) -> None:
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
            with self.app.batch_update():
                if turn.reasoning:
                    text = _take(turn.reasoning, budget)
                    budget -= len(text)
                    self.reasoning.write(text)
                    if first_text:
                        turn.block.refresh_label()  # "waiting…" becomes "thinking…"
                if turn.answer and budget > 0:
                    text = _take(turn.answer, budget)
                    budget -= len(text)
                    turn.block.write(text)
            # The writes above are done (cut, parsed and drawn): measure up to the refresh.
            self.call_after_refresh(self._frame_shown, started, cpu_started, self._frame_chars - budget)
            # The numbers normally change on their own timer: the screen repaints the smallest rectangle around
            # everything that changed, and the status line under the answer's last lines would widen it to the
            # whole screen. They come with the turn's first text (the labels said "waiting for the model…" for
            # up to a second beside it), and with a frame when their timer could not run for a whole second.
            if first_text or started >= self._next_numbers_at + NUMBERS_SECONDS:
                self._show_numbers(turn, started)
            if turn.received and not (turn.answer or turn.reasoning):
                self.post_message(self.TurnEnded(turn))  # all shown: the turn ends now

    def _on_numbers(self) -> None:
        """Once a second while streaming: the status line and the reasoning timer."""
        turn = self.turn
        if turn is None or turn.ended:
            return
        now = time.perf_counter()
        if now >= self._next_numbers_at - NUMBERS_SECONDS / 2:  # not if a frame just showed them
            self._show_numbers(turn, now)

    def _show_numbers(self, turn: ShownTurn, now: float) -> None:
        """The status line and the reasoning timer (at most every :data:`NUMBERS_SECONDS`)."""
        self._next_numbers_at = now + NUMBERS_SECONDS
        recorder = turn.core.recorder
        self.reasoning.thinking(recorder.thinking_seconds, recorder.first_answer_at is not None)
        starts = [t for t in (recorder.first_reasoning_at, recorder.first_answer_at) if t is not None]
        first = min(starts) if starts else None
        self.status.show_turn(
            recorder.message.usage,
            first_token=first,
            elapsed=recorder.elapsed - first if first is not None else None,
            finish=recorder.waiting or "streaming…",
        )

    def _pause_gc(self) -> None:
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

    def _resume_gc_later(self) -> None:
        self._gc_timer = self.set_timer(GC_RESUME_SECONDS, self._resume_gc)

    def _resume_gc(self) -> None:
        self._gc_timer = None
        if self._gc_thresholds is not None:
            gc.set_threshold(*self._gc_thresholds)
            self._gc_thresholds = None

    def _frame_shown(self, started: float, cpu_started: float, chars: int) -> None:
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
            self.call_later(self._on_frame)  # (keys are handled between two frames)
            return
        spacing = max(MIN_FRAME_SECONDS, min(MAX_FRAME_SECONDS, cost * (1 - UI_SHARE) / UI_SHARE))
        self._next_frame_at = max(time.perf_counter(), started + spacing)
        self._wake()  # the text that arrived meanwhile

    @on(TurnEnded)
    async def _turn_ended(self, event: TurnEnded) -> None:
        event.stop()
        turn = event.turn
        if turn.ended:
            return
        self.chat_app.history.refresh_when_saved(turn.core.saved)  # the sidebar shows the new activity
        if turn.answer or turn.reasoning:
            # Text that arrived is not all on screen yet (a blast outruns the frames, which leave most of the
            # CPU to the reader). Frames show it first, one bounded frame after the other, so that keys are
            # still handled in between; showing it all in one update held the app for most of a second.
            turn.received = True
            if self._next_frame_at != NEVER:  # no frame on its way to the screen: the next one starts now
                self._next_frame_at = 0.0
                self._wake()
            return
        await self._end_turn(turn)

    async def _end_turn(self, turn: ShownTurn) -> None:
        """Show the whole turn once, and report how it ended. Idempotent."""
        from siliconchat.core.events import ErrorKind

        if turn.ended:
            return
        if self._numbers_timer is not None:
            self._numbers_timer.pause()
        self._cancel_frame()
        async with turn.lock:  # let a frame in progress finish
            turn.ended = True
        turn.answer.clear()
        turn.reasoning.clear()
        if self.turn is turn:
            self.turn = None
            self._resume_gc_later()
            self.prompt.hold_still(False)
            self.app.refresh_bindings()
        recorder = turn.core.recorder
        message = recorder.message
        view = self.view
        if message.state is MessageState.FAILED and not message.content:
            view.remove_block(turn.block)
        else:
            await turn.block.finish()
        self.reasoning.finish(message)
        self.status.show_message(message)
        failure = recorder.failure
        if failure is not None:
            view.add_error(failure.message, message=message)
            self.prompt.restore(turn.prompt)
        elif message.state is MessageState.COMPLETE and message.error:
            # Finished without an answer: the reasoning used the whole budget (finish reason "length").
            view.add_error(message.error, title="No answer", warning=True, message=message)
            self.prompt.restore(turn.prompt)
        self.post_message(self.TurnFinished(message))
        if failure is not None and failure.kind is ErrorKind.MODEL_NOT_FOUND:
            self.chat_app.action_model_picker()

    # -- actions the app calls -----------------------------------------------------------------

    def stop_answer(self) -> bool:
        """Stop the answer being streamed (Escape). The partial answer is kept, marked stopped."""
        turn = self.turn
        if turn is None or turn.worker is None:
            return False
        turn.worker.cancel()
        return True

    async def stop_and_wait(self) -> None:
        """Stop the answer being streamed and show it as stopped before returning."""
        turn = self.turn
        if turn is None:
            return
        if turn.worker is not None:
            turn.worker.cancel()
            with contextlib.suppress(WorkerCancelled, WorkerFailed, WorkerError, asyncio.TimeoutError):
                await asyncio.wait_for(turn.worker.wait(), 5)
        if not turn.core.ended:  # its worker did not end in time: the answer ends here anyway
            turn.core.cut_off()
        await self._end_turn(turn)

    def cut_off(self, reason: str | None = None) -> None:
        """The app is closing mid-stream (a quit, a signal, a crash): the partial answer is marked with
        ``reason`` (default: stopped by the user) and its save queued now (the app's closing saves what is
        queued)."""
        turn = self.turn
        if turn is not None and not turn.core.ended:
            turn.core.cut_off(reason)

    async def new_conversation(self, conversation: Conversation) -> None:
        await self.stop_and_wait()
        self.conversation = conversation
        self.selected = None
        self.view.clear()
        self.reasoning.clear()
        self.status.show_message(None)
        self.prompt.clear()
        self.refresh_header()
        self.prompt.focus()

    async def regenerate(self) -> bool:
        """Send the last prompt again (see :meth:`ChatSession.regenerate`); False when there is none."""
        if self.turn is not None:
            return False
        turn = self.session.regenerate(self.chat_app.model)
        if turn is None:
            return False
        self._show(turn)
        return True

    def toggle_reasoning(self) -> None:
        # ``display``, not a class on the screen: a class change restyles every widget on the screen.
        reasoning = self.reasoning
        reasoning.display = not reasoning.display

    @property
    def reasoning_visible(self) -> bool:
        return bool(self.reasoning.display)

    def last_answer(self) -> Message | None:
        for message in reversed(self.conversation.messages):
            finished = message.role == "assistant" and message.state is not MessageState.STREAMING
            if finished and (message.content or message.reasoning):
                return message
        return None

    # -- selection ------------------------------------------------------------------------------

    @on(DocumentView.Clicked)
    def _block_clicked(self, event: DocumentView.Clicked) -> None:
        block = event.block
        if event.view is self.view and isinstance(block, EarlierBlock):
            event.stop()
            from siliconchat.ui.reopen import load_earlier

            load_earlier(self.view, block)
        elif event.view is self.view and isinstance(block, (AnswerBlock, UserBlock, ErrorBlock)):
            event.stop()
            message = block.message
            if message is not None and message.role == "assistant":
                self.select_answer(message)

    def select_answer(self, message: Message) -> None:
        """Show the reasoning of ``message``'s turn in the reasoning pane (not while an answer streams)."""
        if self.turn is not None:
            return
        self.view.select(message)
        if message is self.selected and self.reasoning.message is message:
            return
        self.selected = message
        self.reasoning.show_message(message)
        self.status.show_message(message)
