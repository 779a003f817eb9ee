"""The chat screen's comparisons: one prompt to 2 to 4 models, their answers streaming side by side.

:meth:`CompareScreen.compare` sends the prompt through :meth:`ChatSession.compare
<siliconchat.core.session.ChatSession.compare>` (each answer its own turn, saved as it streams) and shows the
answers in a :class:`~siliconchat.ui.widgets.compare_columns.ComparePanel` in place of the conversation; the
prompt stays below it, to type the next one. Each answer's stream only appends its text to pending lists;
:class:`~siliconchat.ui.screens.compare_frames.ComparePacer` shows it. One model failing shows its error in
its column; the others go on.

While a comparison is on screen (the bindings are :class:`~siliconchat.ui.screens.chat.ChatScreen`'s):

- Tab / Shift+Tab highlight the next / previous answer (narrow: show it, under the tabs);
- Enter in an empty prompt picks the highlighted answer: it becomes the active branch (the others stay its
  siblings, a key away: Alt+Left / Alt+Right), the answers still streaming are stopped (each keeps what
  arrived), and the conversation is shown again;
- Escape stops the highlighted answer; once none streams, it closes the comparison, keeping the answer on
  the active path (the first model's, or the first to complete if that one failed);
- Ctrl+C stops them all; Ctrl+R unfolds (or folds) the reasoning of every column;
- sending a new prompt once every answer has ended closes the comparison and goes on from the active answer.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.content import Content
from textual.message import Message as TextualMessage

from siliconchat.core.attachments import AttachmentError
from siliconchat.core.conversation import Message, MessageState
from siliconchat.core.costs import cost_of, format_cost, price_for
from siliconchat.core.sanitize import sanitize_line
from siliconchat.ui.screens.chat_turns import TurnScreen
from siliconchat.ui.screens.compare_frames import ComparedAnswer, ComparePacer
from siliconchat.ui.widgets.compare_columns import (
    COLUMNS_MIN_WIDTH,
    STATE_WORDS,
    CompareColumn,
    ComparePanel,
)
from siliconchat.ui.widgets.formatting import rate, seconds

if TYPE_CHECKING:
    from siliconchat.core.attachments import Attachment
    from siliconchat.core.compare import CompareSink, Comparison
    from siliconchat.core.events import StreamEvent
    from siliconchat.core.session import ChatSession, Turn
    from siliconchat.ui.key_priority import KeyPriority
    from siliconchat.ui.widgets.status_line import StatusLine

__all__ = ["COMPARE_ACTIONS", "CompareScreen", "ShownComparison"]

COMPARE_ACTIONS = frozenset({"next_column", "previous_column", "pick_answer"})
"""Actions of keys that act only while a comparison is on screen (else the key goes on, as typed)."""

STOP_WAIT_SECONDS = 5.0


@dataclass(eq=False)
class ShownComparison:
    """The comparison on screen: the core's, and each answer as shown."""

    core: Comparison
    answers: list[ComparedAnswer]

    @property
    def streaming(self) -> bool:
        return any(not answer.ended for answer in self.answers)

    def of(self, turn: Turn) -> ComparedAnswer:
        return next(answer for answer in self.answers if answer.core is turn)


def answer_numbers(
    message: Message, first_token: float | None, generating: float | None, status: StatusLine
) -> str:
    """A column's numbers: time to first token, tokens per second, tokens, and the cost so far where the
    config gives the model's price (``status``'s prices)."""
    usage = message.usage
    tokens = usage.completion_tokens if usage is not None else 0
    parts = [
        f"ttft {seconds(first_token, precise=True)}",
        rate(tokens, generating),
        f"{tokens:,} tok" if usage is not None else "– tok",
    ]
    price = price_for(status.prices, message.model)
    if usage is not None and price is not None:
        parts.append(format_cost(cost_of(usage, price), status.currency))
    return " · ".join(parts)


class CompareScreen(TurnScreen):
    """Comparisons on the chat screen (see the module docstring)."""

    def __init__(self, session: ChatSession, keys: KeyPriority) -> None:
        super().__init__(session, keys)
        self.comparing: ShownComparison | None = None
        """The comparison on screen (streaming or not), until it is picked from or closed."""
        self.compare_frames = ComparePacer(
            self, keys, self._all_shown, self._show_numbers, self._refresh_column
        )

    class ComparisonEnded(TextualMessage, bubble=True):
        """Every answer of the comparison on screen has ended and is shown in full."""

        def __init__(self, comparison: ShownComparison) -> None:
            super().__init__()
            self.comparison = comparison

    class _AnswerEnded(TextualMessage):
        def __init__(self, answer: ComparedAnswer) -> None:
            super().__init__()
            self.answer = answer

    @property
    def streaming(self) -> bool:
        comparing = self.comparing
        return self.turn is not None or (comparing is not None and comparing.streaming)

    @property
    def panel(self) -> ComparePanel:
        return self.query_one(ComparePanel)

    def _apply_layout(self, width: int) -> None:
        super()._apply_layout(width)
        self.panel.set_narrow(width < COLUMNS_MIN_WIDTH)

    # -- starting ----------------------------------------------------------------------------------

    async def compare(self, models: Sequence[str]) -> bool:
        """Send the prompt's text (and attachments) to each of ``models`` at once and show their answers side
        by side. False (said in a toast) when it cannot start: the prompt and the attachments stay."""
        text = self.prompt.full_text
        refusal = None
        if self.streaming:
            refusal = f"An answer is still streaming: stop it first ({self.chat_app.key_for('stop')})."
        elif not text.strip():
            refusal = "Type the prompt to compare first, then choose the models."
        if refusal is not None:
            self.chat_app.notify_plain(refusal, severity="warning")
            return False
        if self.comparing is not None:
            await self.close_comparison()
        attachments: Sequence[Attachment] = self.attachments.attachments
        try:
            comparison = self.session.compare(text, models, attachments=attachments)
        except (AttachmentError, ValueError) as exc:
            self.notify(str(exc), title="Not sent", severity="error", markup=False, timeout=8)
            return False
        self.prompt.clear()
        self.attachments.clear()
        await self._show_comparison(comparison)
        return True

    async def _show_comparison(self, comparison: Comparison) -> None:
        columns = [CompareColumn(turn.message, number) for number, turn in enumerate(comparison.turns, 1)]
        shown = ShownComparison(
            comparison, [ComparedAnswer(t, c) for t, c in zip(comparison.turns, columns, strict=True)]
        )
        self.comparing = shown
        panel = self.panel
        self.query_one("#body").display = False
        panel.display = True
        await panel.show_columns(comparison.user.content, columns, self._hint())
        first = comparison.turns[0]
        # A new conversation in a shown sidebar at once; a hidden one is read again as the answers end (its rows
        # change the screen's layout, in the first frames of four columns).
        self.chat_app.history.refresh_when_saved(
            first.user_saved if first.new_conversation else None, hidden_too=False
        )
        self.status.show_note(f"comparing {len(columns)} models…")
        self.prompt.hold_still(True)
        self.frames.pause_gc()
        self.compare_frames.begin(shown.answers)
        self._show_numbers()
        sink = self._sink(shown)
        for answer, task in zip(
            shown.answers, comparison.tasks(self.chat_app.ready_client(), sink), strict=True
        ):
            answer.task = task
            task.add_done_callback(self._ended_callback(answer))
        self.app.refresh_bindings()

    def _ended_callback(self, answer: ComparedAnswer) -> Callable[[asyncio.Task[None]], None]:
        def ended(_task: asyncio.Task[None]) -> None:
            self.post_message(self._AnswerEnded(answer))

        return ended

    def _sink(self, shown: ShownComparison) -> CompareSink:
        from siliconchat.core.events import AnswerDelta, ReasoningDelta

        frames = self.compare_frames
        keys = self.chat_app.keys
        by_turn = {answer.core: answer for answer in shown.answers}

        def on_event(turn: Turn, event: StreamEvent) -> Awaitable[None] | None:
            kind = type(event)
            if kind is AnswerDelta or kind is ReasoningDelta:
                answer = by_turn[turn]
                pending = answer.answer if kind is AnswerDelta else answer.reasoning
                pending.append(event.text)  # type: ignore[union-attr]
                frames.wake()
            if keys.pending:
                return keys.until_shown()  # a typed key goes first (see chat_turns.py)
            return None

        return on_event

    # -- streaming and ending -------------------------------------------------------------------------

    @on(_AnswerEnded)
    def _answer_ended(self, event: _AnswerEnded) -> None:
        event.stop()
        answer = event.answer
        if answer.received:
            return
        answer.received = True
        if self.comparing is None or answer not in self.comparing.answers:
            return
        self.chat_app.history.refresh_when_saved(answer.core.saved)
        if answer.waiting:
            self.compare_frames.wake()  # the frames show the rest, then call _all_shown
        else:
            self._all_shown(answer)

    def _all_shown(self, answer: ComparedAnswer) -> None:
        """``answer``'s stream is over and its text all on screen: show it whole, and how it ended."""
        if answer.ended:
            return
        answer.ended = True
        answer.answer.clear()
        answer.reasoning.clear()
        recorder = answer.core.recorder
        message = answer.message
        failure = recorder.failure
        error = failure.message if failure is not None else message.error
        stopped = message.state is MessageState.STOPPED
        answer.column.finish(None if stopped else error, warning=failure is None)
        self._refresh_column(answer)
        comparing = self.comparing
        if comparing is None or comparing.streaming:
            self.panel.refresh_tabs()
            return
        self.compare_frames.stop()
        self.frames.resume_gc_later()
        self.prompt.hold_still(False)
        done = sum(1 for a in comparing.answers if a.message.state is MessageState.COMPLETE)
        count = len(comparing.answers)
        pick = self.chat_app.key_for("next_column")
        self.status.show_note(f"compared {count} models: {done} of {count} done · {pick} and Enter pick one")
        self.panel.refresh_tabs()
        self.status.show_totals(self.conversation)  # every answer compared counts
        self.app.refresh_bindings()
        self.post_message(self.ComparisonEnded(comparing))

    def _show_numbers(self) -> None:
        """Once a second while the answers stream: every column's title, reasoning line and numbers."""
        comparing = self.comparing
        if comparing is None:
            return
        for answer in comparing.answers:
            if not answer.ended:
                self._refresh_column(answer)
        self.panel.refresh_tabs()

    def _refresh_column(self, answer: ComparedAnswer) -> None:
        recorder = answer.core.recorder
        message = answer.message
        column = answer.column
        if answer.ended or message.state is not MessageState.STREAMING:
            timings = message.timings
            generating = None
            if timings.total is not None and timings.first_token is not None:
                generating = timings.total - timings.first_token
            word = STATE_WORDS[message.state]
            if message.state is MessageState.COMPLETE and message.error:
                word = "no answer"
            column.set_state(word, streaming=False)
            column.show_numbers(answer_numbers(message, timings.first_token, generating, self.status))
            spent = timings.reasoning
            column.show_thinking(f"thought for {seconds(spent)}" if message.reasoning else "no reasoning")
            return
        starts = [t for t in (recorder.first_reasoning_at, recorder.first_answer_at) if t is not None]
        first = min(starts) if starts else None
        if recorder.first_answer_at is not None:
            word = "answering…"
        elif recorder.first_reasoning_at is not None:
            word = "thinking…"
        else:
            word = recorder.waiting or "waiting…"
        column.set_state(word, streaming=True)
        column.show_numbers(
            answer_numbers(
                message, first, recorder.elapsed - first if first is not None else None, self.status
            )
        )
        thinking = recorder.thinking_seconds
        if thinking is None:
            column.show_thinking("no reasoning yet" if recorder.first_answer_at is None else "no reasoning")
        elif recorder.first_answer_at is None:
            column.show_thinking(f"thinking… {seconds(thinking)}")
        else:
            column.show_thinking(f"thought for {seconds(thinking)}")

    # -- what the keys call ----------------------------------------------------------------------------

    def compare_key_applies(self, action: str) -> bool | None:
        """Whether the key of ``action`` (a comparison action) acts now; None: not now, the key goes on."""
        comparing = self.comparing
        if comparing is None:
            return None
        if action == "pick_answer":
            return True if self.focused is self.prompt and not self.prompt.text else None
        return True

    def highlight_column(self, step: int) -> None:
        panel = self.panel
        panel.highlight(panel.highlighted + step)

    @on(CompareColumn.Clicked)
    def _column_clicked(self, event: CompareColumn.Clicked) -> None:
        event.stop()
        panel = self.panel
        if event.column in panel.columns:
            panel.highlight(panel.columns.index(event.column))

    async def pick_answer(self) -> None:
        """Make the highlighted answer the active branch and close the comparison (see the module docstring)."""
        comparing = self.comparing
        column = self.panel.current
        if comparing is None or column is None:
            return
        answer = next(a for a in comparing.answers if a.column is column)
        message = answer.message
        if not answer.ended:
            stop = self.chat_app.key_for("stop")
            self.chat_app.notify_plain(
                f"This answer is still streaming: wait for it, or stop it ({stop}) to pick it as it is.",
                severity="warning",
            )
            return
        if message.state is MessageState.FAILED and not message.content:
            self.chat_app.notify_plain("This model gave no answer: pick another one.", severity="warning")
            return
        self.session.choose(message)
        await self.close_comparison()
        model = sanitize_line(message.model or "assistant", 60)
        self.chat_app.notify_plain(f"Picked the answer of {model}; the others stay as its branches.")

    def stop_column(self) -> bool:
        """Stop the highlighted answer, if it streams (the others go on)."""
        comparing = self.comparing
        column = self.panel.current
        if comparing is None or column is None:
            return False
        answer = next(a for a in comparing.answers if a.column is column)
        if answer.task is None or answer.task.done():
            return False
        answer.task.cancel()
        return True

    def toggle_compared_reasoning(self) -> None:
        comparing = self.comparing
        if comparing is None:
            return
        unfold = not any(answer.column.unfolded for answer in comparing.answers)
        for answer in comparing.answers:
            answer.reasoning.clear()  # what waited is in the recorder's reasoning, shown whole when unfolded
            reasoning = answer.core.recorder.reasoning if not answer.ended else answer.message.reasoning
            answer.column.set_unfolded(unfold, reasoning)
            self._refresh_column(answer)

    def stop_answer(self) -> bool:
        comparing = self.comparing
        if comparing is not None and comparing.streaming:
            for answer in comparing.answers:
                if answer.task is not None and not answer.task.done():
                    answer.task.cancel()
            return True
        return super().stop_answer()

    async def stop_comparison(self) -> None:
        """Stop every answer still streaming, and wait until each has ended (at most a few seconds)."""
        comparing = self.comparing
        if comparing is None:
            return
        tasks = [a.task for a in comparing.answers if a.task is not None and not a.task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait(tasks, timeout=STOP_WAIT_SECONDS)
        for answer in comparing.answers:
            if not answer.core.ended:  # its task did not end in time: the answer ends here anyway
                answer.core.cut_off()
            if not answer.received:
                answer.received = True
                self.chat_app.history.refresh_when_saved(answer.core.saved)
            self._all_shown(answer)

    async def close_comparison(self) -> None:
        """Stop what still streams and show the conversation again, along its active path."""
        comparing = self.comparing
        if comparing is None:
            return
        await self.stop_comparison()
        self.comparing = None
        self.compare_frames.stop()
        panel = self.panel
        await panel.clear()
        panel.display = False
        self.query_one("#body").display = True
        self.prompt.hold_still(False)
        await self.show_path()
        active = next((a.message for a in comparing.answers if a.message in self.conversation.messages), None)
        if active is not None:
            self.select_answer(active)
        self.call_after_refresh(self._scroll_to_prompt, comparing.core.user)
        self.app.refresh_bindings()

    def _scroll_to_prompt(self, user: Message) -> None:
        """The compared prompt at the top of the view, the answer picked under it."""
        view = self.view
        block = next((b for b in view.blocks if getattr(b, "message", None) is user), None)
        top = view.block_top(block) if block is not None else None
        if top is not None:
            view.follow(False)
            view.scroll_to(y=max(0, top - 1), animate=False, force=True, immediate=True)

    async def stop_and_wait(self) -> None:
        await self.close_comparison()
        await super().stop_and_wait()

    def cut_off(self, reason: str | None = None) -> None:
        comparing = self.comparing
        if comparing is not None:
            for answer in comparing.answers:
                if not answer.core.ended:
                    answer.core.cut_off(reason)
        super().cut_off(reason)

    async def send(self, text: str, attachments: Sequence[Attachment] = ()) -> bool:
        comparing = self.comparing
        if comparing is not None:
            if comparing.streaming:
                self.chat_app.notify_plain(
                    "The comparison is still streaming: pick an answer (Enter in an empty prompt) or stop it "
                    f"({self.chat_app.key_for('stop')}) first.",
                    severity="warning",
                )
                return False
            await self.close_comparison()
        return await super().send(text, attachments)

    async def regenerate(self) -> bool:
        if self.comparing is not None:
            await self.close_comparison()
        return await super().regenerate()

    def _hint(self) -> Content:
        app = self.chat_app
        keys = [
            (app.key_for("next_column"), "next answer"),
            ("enter", "pick it"),
            (app.key_for("stop"), "stop it / close"),
            (app.key_for("toggle_reasoning"), "reasoning"),
        ]
        parts: list[str | tuple[str, str]] = []
        for key, what in keys:
            if parts:
                parts.append("  ")
            parts.extend([(key, "bold $accent"), " ", what])
        return Content.assemble(*parts)
