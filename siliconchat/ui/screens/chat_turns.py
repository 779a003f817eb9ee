"""The chat screen's turns: its widgets, and a turn from the prompt to the end of its answer on screen.

A turn is the core's (:mod:`siliconchat.core.session`: the prompt, the request, the recording, the saves, a
stop or a failure); :class:`TurnScreen` shows it. A worker runs the turn, and for each event it only appends
text to two pending lists; it never waits on rendering. :mod:`siliconchat.ui.screens.chat_frames` decides when
that text reaches the screen, and how much of it at a time. When the stream ends (or is cancelled) and all its
text is shown, the blocks show the message's final text (drawn again only where it differs from what was
streamed) and how the turn ended. The keys and commands are :class:`~siliconchat.ui.screens.chat.ChatScreen`'s.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Sequence
from typing import TYPE_CHECKING, cast

from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message as TextualMessage
from textual.screen import Screen
from textual.worker import WorkerCancelled, WorkerError, WorkerFailed

from siliconchat.core.attachments import Attachment, AttachmentError
from siliconchat.core.conversation import Conversation, Message, MessageState
from siliconchat.core.waiting import within
from siliconchat.ui.document.conversation_blocks import AnswerBlock, EarlierBlock, ErrorBlock, UserBlock
from siliconchat.ui.document.document_view import DocumentView
from siliconchat.ui.screens.chat_frames import FramePacer, ShownTurn
from siliconchat.ui.widgets.attachment_tray import AttachmentTray
from siliconchat.ui.widgets.compare_columns import ComparePanel
from siliconchat.ui.widgets.conversation_view import ConversationView
from siliconchat.ui.widgets.header_bar import HeaderBar
from siliconchat.ui.widgets.key_footer import KeyFooter
from siliconchat.ui.widgets.prompt_input import PromptInput
from siliconchat.ui.widgets.reasoning_pane import ReasoningPane
from siliconchat.ui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from siliconchat.core.events import StreamEvent
    from siliconchat.core.session import ChatSession, Turn
    from siliconchat.ui.host import ChatHost
    from siliconchat.ui.key_priority import KeyPriority

WIDE_LAYOUT_MIN_WIDTH = 110
"""At this width and wider the reasoning pane sits beside the conversation; narrower, above it."""


class TurnScreen(Screen[None]):
    """The chat screen's widgets and turns (its keys: :class:`~siliconchat.ui.screens.chat.ChatScreen`)."""

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

    def __init__(self, session: ChatSession, keys: KeyPriority) -> None:
        super().__init__()
        self.session = session
        self.turn: ShownTurn | None = None
        self.selected: Message | None = None  # the turn whose reasoning the pane shows when idle
        self.frames = FramePacer(self, keys, lambda turn: self.post_message(self.TurnEnded(turn)))

    @property
    def chat_app(self) -> ChatHost:
        return cast("ChatHost", self.app)

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
            yield ConversationView(id="conversation", welcome=self.welcome_text)
            yield ReasoningPane(id="reasoning")
        yield ComparePanel(id="compare")  # in place of the body while a comparison is on screen
        yield StatusLine(id="status")
        yield AttachmentTray(id="attachments")
        yield PromptInput(id="prompt")
        yield KeyFooter()

    def welcome_text(self) -> str:
        """The hint in an empty conversation (the keys as bound after the user's keymap)."""
        return ""

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
        settings = self.chat_app.settings
        self.status.set_prices(settings.prices, settings.currency)
        self.frames.mount()
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
            event.prompt.remove_sent(event.typed)  # what was typed after Enter stays
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

    @property
    def attachments(self) -> AttachmentTray:
        return self.query_one(AttachmentTray)

    def _show(self, turn: Turn) -> None:
        """Show ``turn`` (just begun; its blocks may be on screen already, drawn with a new branch's path) and
        stream its answer."""
        from siliconchat.ui.screens.chat_path import label_branches

        view = self.view
        message = turn.message
        if not any(isinstance(b, UserBlock) and b.message is turn.user for b in view.blocks):
            view.add_user(turn.user.content, turn.user)
        drawn = [b for b in view.answer_blocks() if b.message is message]
        block = drawn[0] if drawn else view.add_answer(message)
        label_branches(view, self.conversation)
        view.follow()
        self.reasoning.begin(message)
        shown = ShownTurn(turn, block)
        self.turn = shown
        self.selected = message
        # A new conversation in a shown sidebar at once; a hidden one is read again when the turn ends (its
        # rows change the screen's layout: ~10 ms in the first answer's first frame).
        self.chat_app.history.refresh_when_saved(
            turn.user_saved if turn.new_conversation else None, hidden_too=False
        )
        self.status.show_turn(None, first_token=None, elapsed=None, finish="waiting…")
        self.prompt.hold_still(True)
        self.frames.begin(shown)
        self.frames.hold_screen()  # the prompt sent is painted with the first words (at most 50 ms later)
        shown.worker = self._stream(shown)
        # "Stop" is enabled while streaming (the key works at once; the footer shows it after the first frame:
        # restyling its keys took 2-3 ms of the event loop just as the request was about to be sent).
        self.frames.after_hold(self.app.refresh_bindings)

    @work(exclusive=True, group="stream", exit_on_error=False)
    async def _stream(self, shown: ShownTurn) -> None:
        """Run the turn; for each event, queue its text for a frame. Nothing else per delta."""
        from siliconchat.core.events import AnswerDelta, ReasoningDelta, Waiting

        add_answer = shown.answer.append
        add_reasoning = shown.reasoning.append
        frames = self.frames
        wake = frames.wake
        keys = self.chat_app.keys
        first = True

        def on_event(event: StreamEvent) -> Awaitable[None] | None:
            nonlocal first
            kind = type(event)
            if kind is AnswerDelta or kind is ReasoningDelta:
                (add_answer if kind is AnswerDelta else add_reasoning)(event.text)  # type: ignore[union-attr]
                if frames.idle:
                    wake()  # no frame asked for, and none on its way to the screen: ask for one
                if first:  # the first words go to the screen before the reader reads on
                    first = False
                    return frames.first_shown()
            elif kind is Waiting:  # nothing yet: the status line says for how long, and what next
                frames.show_numbers(shown, time.perf_counter())
            if keys.pending:
                # A typed key is on its way to the screen: during a blast, the stream took the event loop
                # for a slice (see YIELD_EVERY in core/api.py) between each of the key's steps.
                return keys.until_shown()
            return None

        try:
            await shown.core.run(self.chat_app.ready_client(), on_event)
        finally:
            self.post_message(self.TurnEnded(shown))

    @on(TurnEnded)
    async def _turn_ended(self, event: TurnEnded) -> None:
        event.stop()
        turn = event.turn
        if turn.ended:
            return
        self.chat_app.history.refresh_when_saved(turn.core.saved)  # the sidebar shows the new activity
        if (
            turn.answer or turn.reasoning
        ):  # a blast outran the frames (they leave most of the CPU to the reader)
            self.frames.received(turn)
            return
        await self._end_turn(turn)

    async def _end_turn(self, turn: ShownTurn) -> None:
        """Show the whole turn once, and report how it ended. Idempotent."""
        from siliconchat.core.events import ErrorKind

        if turn.ended:
            return
        self.frames.stop()
        async with turn.lock:  # let a frame in progress finish
            turn.ended = True
        turn.answer.clear()
        turn.reasoning.clear()
        if self.turn is turn:
            self.turn = None
            self.prompt.hold_still(False)
            self.app.refresh_bindings()
        recorder = turn.core.recorder
        message = recorder.message
        view = self.view
        if not any(m is message for m in self.conversation.messages):
            await self.show_path()  # a regenerated answer that did not complete: the old one is back
        elif message.state is MessageState.FAILED and not message.content:
            view.remove_block(turn.block)
        else:
            await turn.block.finish()
        from siliconchat.ui.screens.chat_path import label_branches

        label_branches(view, self.conversation)
        self.reasoning.finish(message)
        self.status.show_message(message)
        self.status.show_totals(self.conversation)
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
            self.chat_app.open_model_picker()

    # -- what the keys and the app call ------------------------------------------------------------

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
                await within(turn.worker.wait(), 5)
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
        self.status.show_totals(None)
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
        await self.show_path()  # the path up to the prompt, and the new answer's block
        self._show(turn)
        return True

    async def show_path(self, *, focus: int | None = None) -> None:
        """Show the conversation's active path afresh (after a switch of branches)."""
        from siliconchat.ui.screens.chat_path import show_path

        await show_path(self, self.conversation, focus=focus)

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
            from siliconchat.ui.widgets.conversation_pages import load_earlier

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
