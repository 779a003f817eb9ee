"""``siliconchat ask`` (one turn, answer to stdout, reasoning to stderr) and ``siliconchat models``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, TextIO

from siliconchat.cli.attach import STDIN
from siliconchat.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    CliError,
    read_text_stdin,
    settings_for,
)
from siliconchat.exit_signals import ExitSignals, cut_off_reason
from siliconchat.runtime import make_client

if TYPE_CHECKING:
    from siliconchat.cli.markdown_out import MarkdownWriter
    from siliconchat.config import Settings
    from siliconchat.core.api import ChatClient
    from siliconchat.core.attachments import Attachment
    from siliconchat.core.conversation import Conversation
    from siliconchat.core.events import StreamEvent
    from siliconchat.core.history import HistoryStore
    from siliconchat.core.history.saves import HistorySaves
    from siliconchat.core.session import ChatSession, Turn

DIM = "\x1b[2m"
RESET = "\x1b[0m"


# -- ask -------------------------------------------------------------------------------------


def read_prompt(args: argparse.Namespace, stdin: TextIO) -> str:
    """The prompt: the argument, stdin, or both (``cat notes.md | siliconchat ask "Summarise"``: the
    argument, then the piped text as a fenced block, as ``llm`` and ``mods`` do). With ``--attach -``
    stdin is an attachment, and the prompt must be the argument."""
    prompt: str | None = args.prompt
    if STDIN in (args.attach or ()):
        if prompt is None or prompt == "-" or not prompt.strip():
            raise CliError("With --attach - stdin is the attachment: give the prompt as an argument.")
        return prompt
    if prompt is None or prompt == "-":
        if prompt is None and is_terminal(stdin):
            raise CliError("No prompt: give it as an argument, or pipe it in (siliconchat ask - < file).")
        prompt = read_text_stdin(stdin)
        if not prompt.strip():
            raise CliError("The prompt is empty: stdin had no text.")
        return prompt
    if not prompt.strip():
        raise CliError("The prompt is empty: give some text to ask.")
    if not is_terminal(stdin):
        try:
            piped = read_text_stdin(stdin)
        except (OSError, ValueError):  # closed, or not readable: nothing was piped
            piped = ""
        if piped.strip():
            from siliconchat.core.attachments import fenced

            return f"{prompt}\n\n{fenced(piped)}"
    return prompt


def is_terminal(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (OSError, ValueError):
        return False


def use_colour(stream: TextIO) -> bool:
    """Colour and dim codes only on a terminal, and never with ``NO_COLOR`` set (https://no-color.org)."""
    return is_terminal(stream) and not os.environ.get("NO_COLOR")


class Printer:
    """Writes answer text to stdout and reasoning to stderr as they arrive.

    The model's text is sanitized as the TUI shows it (no terminal escapes, bidi or invisible controls),
    for a terminal and for a pipe alike (``| tee`` and ``| less -R`` reach a terminal too); ``raw`` writes it
    exactly as received. Reasoning is dim only on a terminal without ``NO_COLOR``. With ``markdown`` the
    answer is rendered with Rich (:mod:`siliconchat.cli.markdown_out`).
    """

    def __init__(
        self, out: TextIO, err: TextIO, *, show_reasoning: bool, raw: bool = False, markdown: bool = False
    ) -> None:
        from siliconchat.core.sanitize import sanitize

        self.out, self.err = out, err
        self.show_reasoning = show_reasoning
        self._clean_out = None if raw else sanitize
        self._clean_err = None if raw else sanitize
        self._dim = use_colour(err)
        self._markdown: MarkdownWriter | None = None
        if markdown:
            from siliconchat.cli.markdown_out import MarkdownWriter

            self._markdown = MarkdownWriter(out)
        self.last_out = ""
        self.last_err = ""
        self._in_reasoning = False

    def answer(self, text: str) -> None:
        self._end_reasoning()
        if self._clean_out is not None:
            text = self._clean_out(text)
        if not text:
            return
        if self._markdown is not None:
            self._markdown.write(text)
            self.last_out = "\n"  # Rich ends its lines itself
            return
        self.out.write(text)
        self.out.flush()
        self.last_out = text

    def reasoning(self, text: str) -> None:
        if not self.show_reasoning:
            return
        if self._clean_err is not None:
            text = self._clean_err(text)
        if not text:
            return
        if not self._in_reasoning and self._dim:
            self.err.write(DIM)
        self._in_reasoning = True
        self.err.write(text)
        self.err.flush()
        self.last_err = text

    def _end_reasoning(self) -> None:
        if self._in_reasoning:
            self._in_reasoning = False
            if self._dim:
                self.err.write(RESET)
            if not self.last_err.endswith("\n"):
                self.err.write("\n")
            self.err.flush()

    def finish(self) -> None:
        """End the output on a line of its own."""
        self._end_reasoning()
        if self._markdown is not None:
            self._markdown.finish()
        if self.last_out and not self.last_out.endswith("\n"):
            self.out.write("\n")
        self.out.flush()

    def on_event(self, event: StreamEvent) -> None:
        """Print what ``event`` brings (the turn has recorded it)."""
        from siliconchat.core.events import AnswerDelta, ReasoningDelta, Waiting

        if isinstance(event, AnswerDelta):
            self.answer(event.text)
        elif isinstance(event, ReasoningDelta):
            self.reasoning(event.text)
        elif isinstance(event, Waiting) and event.retry:
            self.waiting(event.status)

    def waiting(self, status: str) -> None:
        """A retry is planned (see ``Waiting``): one line on stderr, so that a long wait is never silent."""
        from siliconchat.core.sanitize import sanitize_line

        self.err.write(f"siliconchat: {sanitize_line(status)}\n")
        self.err.flush()

    def problem(self, message: str) -> None:
        self.finish()
        from siliconchat.core.sanitize import sanitize_line

        self.err.write(f"siliconchat: {sanitize_line(message)}\n")
        self.err.flush()


class TurnLog:
    """Where ``ask`` keeps its turn: the history, written through the same queue as the TUI's
    (:mod:`siliconchat.core.history.saves`). A history that stays busy costs a warning line and, at the end, a
    recovery file that the next start imports; never the answer."""

    def __init__(self, args: argparse.Namespace, err: TextIO) -> None:
        self.err = err
        self.store: HistoryStore | None = None
        self.log = not args.no_log
        self.follow_up = bool(getattr(args, "continue_", False) or args.conversation is not None)
        self.saves: HistorySaves | None = None
        self.warned = False

    def open(self) -> None:
        """Open the history; raises CliError only when the turn depends on it (--continue/--conversation)."""
        if not (self.log or self.follow_up):
            return
        from siliconchat.core.history import HistoryError, HistoryStore
        from siliconchat.core.history.recovery import RECOVERY_GLOB, import_recovered
        from siliconchat.core.history.saves import BUSY_MS
        from siliconchat.core.sanitize import sanitize_line

        try:
            self.store = HistoryStore.open()
        except HistoryError as exc:
            if self.follow_up:
                raise CliError(str(exc)) from exc
            self.warn(exc, "history is disabled for this answer")
            return
        if self.store.notice is not None:  # a damaged file was moved aside: say where
            self.say(f"warning: {self.store.notice}")
        self.store.set_busy_timeout(BUSY_MS)  # the queue retries: no write waits long for a lock
        folder = self.store.path.parent
        if self.log and any(folder.glob(RECOVERY_GLOB)):  # turns an earlier run could not save
            titles = import_recovered(self.store, folder)  # a busy history leaves them for later
            if titles:
                named = ", ".join(repr(sanitize_line(title, 60)) for title in titles)
                self.say(f"added to the history what an earlier run could not save: {named}")

    def queue(self) -> HistorySaves | None:
        """The write queue of this turn (None with ``--no-log``, or when the history is off)."""
        if self.store is None or not self.log:
            return None
        from siliconchat.core.history.saves import HistorySaves

        store = self.store

        async def ready() -> HistoryStore:
            return store

        self.saves = HistorySaves(ready, lambda text, _severity: self.say(text))
        return self.saves

    async def settle(self) -> None:
        """Wait up to :data:`SAVE_WAIT` seconds for the queued writes (a busy history is retried meanwhile)."""
        if self.saves is not None:
            await self.saves.drained(SAVE_WAIT)

    def say(self, text: str) -> None:
        from siliconchat.core.sanitize import sanitize_line

        with contextlib.suppress(OSError, ValueError):  # after a SIGHUP stderr may be gone
            self.err.write(f"siliconchat: {sanitize_line(text)}\n")
            self.err.flush()

    def warn(self, exc: Exception, what: str = "the answer was not saved in the history") -> None:
        if not self.warned:
            self.warned = True
            self.say(f"warning: {what}: {exc}")

    def close(self) -> None:
        """Save what is still queued; what the history would not take goes to a recovery file (said)."""
        store, self.store = self.store, None
        if store is None:
            return
        if self.saves is not None:
            kept = self.saves.close(store)
            if kept:
                self.say(
                    f"warning: the history stayed busy: this turn is kept in {kept[0]}; the next siliconchat "
                    "adds it to the history."
                )
        store.close()


SAVE_WAIT = 5.0
"""How long ``ask`` waits, after the answer, for a busy history before it writes a recovery file."""


def conversation_for(args: argparse.Namespace, settings: Settings, turn_log: TurnLog) -> Conversation:
    """A new conversation, or the one to continue."""
    from siliconchat.core.conversation import Conversation
    from siliconchat.core.history import ConversationNotFound, HistoryError

    store = turn_log.store
    if not turn_log.follow_up or store is None:
        return Conversation(system_prompt=settings.system_prompt, params=settings.params)
    try:
        if args.conversation is not None:
            conversation = store.load(args.conversation)
        else:
            latest = store.latest()
            if latest is None:
                raise CliError("There is no conversation to continue yet: the history is empty.")
            conversation = latest
    except ConversationNotFound as exc:
        raise CliError(
            f"No conversation {exc.conversation_id} in the history (see 'siliconchat history')."
        ) from exc
    except HistoryError as exc:
        raise CliError(str(exc)) from exc
    if args.system is not None:  # an explicit --system replaces the conversation's own
        conversation.system_prompt = args.system if args.system.strip() else None
    return conversation


def session_for(args: argparse.Namespace, settings: Settings, turn_log: TurnLog) -> ChatSession:
    """The session of this ``ask``: a new conversation or the one continued, saved through ``turn_log``."""
    from siliconchat.core.session import ChatSession

    return ChatSession(
        conversation_for(args, settings, turn_log),
        turn_log.queue(),
        image_turns=settings.attachments.image_turns,
    )


async def ask_one(
    settings: Settings,
    prompt: str,
    printer: Printer,
    turn_log: TurnLog,
    args: argparse.Namespace,
    attachments: list[Attachment],
) -> int:
    from siliconchat.core.attachments import AttachmentError

    session = session_for(args, settings, turn_log)
    try:
        turn = session.begin(
            prompt, settings.model, attachments=attachments, discard_if_empty=not turn_log.follow_up
        )
    except AttachmentError as exc:  # images for a text model: nothing was saved or sent
        raise CliError(str(exc)) from exc
    await run_until_signal(settings, [turn], lambda client: turn.run(client, printer.on_event))
    await turn_log.settle()
    message = turn.message
    if turn.recorder.failure is not None:
        printer.problem(turn.recorder.failure.message)
        return EXIT_FAILED
    if message.error:  # finished, but with nothing to show (reasoning used the whole budget)
        printer.problem(message.error)
        return EXIT_FAILED
    printer.finish()
    return EXIT_OK


async def run_until_signal(
    settings: Settings, turns: Sequence[Turn], run: Callable[[ChatClient], Awaitable[None]]
) -> None:
    """Run ``run`` with a new client (closed after). SIGTERM and SIGHUP end the turns as Ctrl+C does: what
    arrived is saved, marked cut off by the signal, and :class:`EndedBySignal` is raised."""
    task = asyncio.current_task()
    ended: list[int] = []

    def on_signal(signum: int) -> None:
        if not ended and task is not None:
            ended.append(signum)
            for turn in turns:
                turn.stop_reason = cut_off_reason(signum)
            task.cancel()

    signals = ExitSignals(on_signal)
    signals.install()
    client = make_client(settings)
    try:
        await run(client)
    except asyncio.CancelledError:
        if ended:
            raise EndedBySignal(ended[0]) from None
        raise
    finally:
        await client.aclose()
        signals.remove()


class EndedBySignal(Exception):
    """The turn was ended by SIGTERM or SIGHUP (after what arrived was saved): exit with 128 + ``signum``."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


# -- models ----------------------------------------------------------------------------------


async def _models(settings: Settings) -> list[str]:
    client = make_client(settings)
    try:
        return await client.list_models()
    finally:
        await client.aclose()


def cmd_models(args: argparse.Namespace) -> int:

    from siliconchat.core.errors import ApiFailure
    from siliconchat.core.sanitize import sanitize_line

    with settings_for(args) as settings:
        try:
            ids = asyncio.run(_models(settings))
        except ApiFailure as exc:
            raise CliError(exc.failure.message, EXIT_FAILED) from exc
    clean = sys.stdout.isatty()
    for model_id in ids:
        print(sanitize_line(model_id) if clean else model_id)
    return EXIT_OK
