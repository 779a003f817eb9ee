"""The status line: tokens (prompt / reasoning / answer), time to first token, tokens/s, finish reason."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from siliconchat.core.conversation import Message, MessageState, Usage
from siliconchat.core.sanitize import sanitize_line
from siliconchat.ui.widgets.formatting import rate, seconds

READY = "ready"


class StatusLine(Static):
    """One line of numbers about the current (or last) turn."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(Content(READY), markup=False, id=id)
        self._last: tuple[object, ...] = ()

    def show_turn(
        self,
        usage: Usage | None,
        *,
        first_token: float | None,
        elapsed: float | None,
        finish: str,
    ) -> None:
        """Update the line (cheap when nothing changed: it is called once per frame while streaming)."""
        key = (
            (usage.prompt_tokens, usage.reasoning_tokens, usage.completion_tokens) if usage else None,
            seconds(first_token, precise=True),
            rate(usage.completion_tokens if usage else 0, elapsed),
            finish,
        )
        if key == self._last:
            return
        self._last = key
        _tokens, ttft, speed, finish_text = key
        if usage is None:
            counts = "tokens –"
        else:
            counts = (
                f"prompt {usage.prompt_tokens} · reasoning {usage.reasoning_tokens}"
                f" · answer {usage.answer_tokens}"
            )
        bar = (" │ ", "$text-muted 50%")
        parts = [
            (counts, ""),
            bar,
            ("ttft ", ""),
            (str(ttft), ""),
            bar,
            (str(speed), ""),
            bar,
            (str(finish_text), "bold"),
        ]
        self.update(Content.assemble(*parts), layout=False)  # one line, as wide as the screen: no layout

    def show_note(self, text: str) -> None:
        """A few words in place of the numbers (a comparison: the numbers are in its columns)."""
        self._last = ()
        self.update(Content(text), layout=False)

    def show_message(self, message: Message | None) -> None:
        """The numbers of a finished message (or "ready")."""
        if message is None:
            self._last = ()
            self.update(Content(READY), layout=False)
            return
        timings = message.timings
        generating = None
        if timings.total is not None and timings.first_token is not None:
            generating = timings.total - timings.first_token
        self.show_turn(
            message.usage, first_token=timings.first_token, elapsed=generating, finish=finish_text(message)
        )


def finish_text(message: Message) -> str:
    """How a message ended, in a word or two."""
    if message.state is MessageState.STREAMING:
        return "streaming…"
    if message.state is MessageState.COMPLETE:
        return sanitize_line(message.finish_reason or "done", 20)
    return str(message.state.value)
