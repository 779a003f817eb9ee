"""``siliconchat ask -m A -m B …``: one prompt to 2 to 4 models at once (:mod:`siliconchat.core.compare`).

The requests run concurrently. The answers are written one after the other, each under a ``## model-id``
header: the first model's as it streams, each next one's (what arrived meanwhile at once, then the rest as it
streams) once the one before it has ended. Reasoning goes to stderr as for one model. With ``--json`` stdout
is JSON lines instead: one object per answer, written as each answer ends (see :func:`answer_object`).

A failing model fails only its own answer: its error is a ``siliconchat: model: message`` line on stderr,
the others go on, and the exit status is non-zero with a last line naming every model that failed. The
history keeps the prompt and every answer as siblings, the first that completed on the active path.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any, TextIO

from siliconchat.cli.ask import Printer, TurnLog, run_until_signal
from siliconchat.cli.common import EXIT_FAILED, EXIT_OK, CliError

if TYPE_CHECKING:
    from siliconchat.config import Settings
    from siliconchat.core.attachments import Attachment
    from siliconchat.core.events import StreamEvent
    from siliconchat.core.session import ChatSession, Turn

__all__ = ["answer_object", "ask_compare"]


def failure_of(turn: Turn) -> str | None:
    """Why ``turn``'s answer failed (None: it did not)."""
    failure = turn.recorder.failure
    if failure is not None:
        return failure.message
    return turn.message.error or None


def answer_object(index: int, turn: Turn, *, raw: bool, reasoning: bool) -> dict[str, Any]:
    """One ``--json`` line: ``index`` (the model's place among the ``-m`` options, from 0), ``model``,
    ``state`` (complete, stopped, incomplete or failed), ``content``, ``reasoning`` (empty with
    ``--reasoning hide``), ``finish_reason``, ``error`` (null unless it failed), ``usage`` (token counts or
    null) and ``timings`` (seconds from the request: first_token, reasoning, total)."""
    from siliconchat.core.sanitize import sanitize

    message = turn.message
    clean = (lambda text: text) if raw else sanitize
    return {
        "index": index,
        "model": turn.model,
        "state": message.state.value,
        "content": clean(message.content),
        "reasoning": clean(message.reasoning) if reasoning else "",
        "finish_reason": message.finish_reason,
        "error": failure_of(turn),
        "usage": message.usage.to_dict() if message.usage is not None else None,
        "timings": message.timings.to_dict(),
    }


class _InTurns:
    """Writes the answers one after another, the first live, each next one from where it has got to."""

    def __init__(self, turns: list[Turn], args: argparse.Namespace, out: TextIO, err: TextIO) -> None:
        from siliconchat.cli.ask import is_terminal

        self.turns, self.out, self.err = turns, out, err
        self.markdown = args.markdown if args.markdown is not None else is_terminal(out)
        self.args = args
        self.waiting: dict[int, list[StreamEvent]] = {id(turn): [] for turn in turns}
        self.at = 0
        self.printer = self._start(0)

    def _start(self, at: int) -> Printer:
        from siliconchat.core.sanitize import sanitize_line

        if at:
            self.out.write("\n")
        self.out.write(f"## {sanitize_line(self.turns[at].model)}\n\n")
        self.out.flush()
        return Printer(
            self.out,
            self.err,
            show_reasoning=self.args.reasoning == "show",
            raw=self.args.raw,
            markdown=self.markdown,
        )

    def on_event(self, turn: Turn, event: StreamEvent) -> None:
        if self.at >= len(self.turns) or turn is not self.turns[self.at]:
            self.waiting[id(turn)].append(event)
            return
        self.printer.on_event(event)
        self._advance()

    def _advance(self) -> None:
        """While the answer being written has ended: close it, and start the next with what it received."""
        while self.at < len(self.turns) and self.turns[self.at].ended:
            self._close(self.turns[self.at])
            self.at += 1
            if self.at < len(self.turns):
                self.printer = self._start(self.at)
                for event in self.waiting.pop(id(self.turns[self.at])):
                    self.printer.on_event(event)

    def _close(self, turn: Turn) -> None:
        failure = failure_of(turn)
        if failure is not None:
            self.printer.problem(f"{turn.model}: {failure}")
        else:
            self.printer.finish()

    def flush(self) -> None:
        """The run ended early (a signal, Ctrl+C): write what every answer not yet written received."""
        while self.at < len(self.turns):
            self.printer.finish()
            self.at += 1
            if self.at < len(self.turns):
                self.printer = self._start(self.at)
                for event in self.waiting.pop(id(self.turns[self.at])):
                    self.printer.on_event(event)


class _AsJson:
    """Writes one JSON line per answer, as each ends."""

    def __init__(self, turns: list[Turn], args: argparse.Namespace, out: TextIO) -> None:
        self.turns, self.args, self.out = turns, args, out
        self.written: set[int] = set()

    def on_event(self, turn: Turn, event: StreamEvent) -> None:
        if turn.ended:
            self._write(turn)

    def _write(self, turn: Turn) -> None:
        if id(turn) in self.written:
            return
        self.written.add(id(turn))
        line = answer_object(
            self.turns.index(turn), turn, raw=self.args.raw, reasoning=self.args.reasoning == "show"
        )
        self.out.write(json.dumps(line, ensure_ascii=False) + "\n")
        self.out.flush()

    def flush(self) -> None:
        for turn in self.turns:
            self._write(turn)


async def ask_compare(
    session: ChatSession,
    prompt: str,
    models: list[str],
    *,
    settings: Settings,
    args: argparse.Namespace,
    turn_log: TurnLog,
    attachments: list[Attachment],
) -> int:
    """Ask ``models`` (2 to 4) ``prompt`` at once in ``session`` and write their answers; the exit status."""
    from siliconchat.core.attachments import AttachmentError
    from siliconchat.core.sanitize import sanitize_line

    try:
        comparison = session.compare(
            prompt, models, attachments=attachments, discard_if_empty=not turn_log.follow_up
        )
    except (AttachmentError, ValueError) as exc:  # nothing was saved or sent
        raise CliError(str(exc)) from exc
    turns = comparison.turns
    writer = _AsJson(turns, args, sys.stdout) if args.json else _InTurns(turns, args, sys.stdout, sys.stderr)
    try:
        await run_until_signal(settings, turns, lambda client: comparison.run(client, writer.on_event))
    finally:
        writer.flush()
    await turn_log.settle()
    failed = [turn.model for turn in turns if failure_of(turn) is not None]
    if failed:
        named = ", ".join(sanitize_line(model) for model in failed)
        sys.stderr.write(f"siliconchat: {len(failed)} of {len(turns)} models failed: {named}\n")
        sys.stderr.flush()
        return EXIT_FAILED
    return EXIT_OK
