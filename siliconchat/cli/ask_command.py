"""``siliconchat ask``: the command, from its arguments to its exit status: one model (:mod:`.ask`), or
several compared (:mod:`.ask_compare`, with ``-m`` given two to four times)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys

from siliconchat.cli import ask
from siliconchat.cli.ask_compare import ask_compare
from siliconchat.cli.attach import read_attachments
from siliconchat.cli.common import EXIT_BROKEN_PIPE, EXIT_INTERRUPTED, CliError, settings_for

__all__ = ["cmd_ask"]


def cmd_ask(args: argparse.Namespace) -> int:
    markdown = args.markdown if args.markdown is not None else ask.is_terminal(sys.stdout)
    printer = ask.Printer(
        sys.stdout, sys.stderr, show_reasoning=args.reasoning == "show", raw=args.raw, markdown=markdown
    )
    try:
        return _cmd_ask(args, printer)
    except CliError:
        raise
    except Exception as exc:  # a bug: one line (after what was printed), the traceback in the log
        from siliconchat.crash import EXIT_CRASHED, report

        printer.problem(report(exc))
        return EXIT_CRASHED


def _cmd_ask(args: argparse.Namespace, printer: ask.Printer) -> int:
    prompt = ask.read_prompt(args, sys.stdin)

    with settings_for(args) as settings:
        piped = None if ask.is_terminal(sys.stdin) else getattr(sys.stdin, "buffer", None)
        attachments = read_attachments(args.attach or (), settings.attachments, stdin=piped)
        turn_log = ask.TurnLog(args, sys.stderr)
        turn_log.open()
        models = list(dict.fromkeys(getattr(args, "models", None) or ()))
        try:
            if len(models) > 1:
                session = ask.session_for(args, settings, turn_log)
                compared = ask_compare(
                    session,
                    prompt,
                    models,
                    settings=settings,
                    args=args,
                    turn_log=turn_log,
                    attachments=attachments,
                )
                return asyncio.run(compared)
            if args.json:
                raise CliError("--json is for comparing models: give two to four, -m A -m B.")
            return asyncio.run(ask.ask_one(settings, prompt, printer, turn_log, args, attachments))
        except KeyboardInterrupt:
            printer.problem("Stopped (Ctrl+C); the partial answer above is all that arrived.")
            return EXIT_INTERRUPTED
        except ask.EndedBySignal as ended:
            with contextlib.suppress(OSError):  # after a SIGHUP the terminal may be gone
                printer.problem(f"Ended by {ended}; the partial answer above is all that arrived.")
            return 128 + ended.signum
        except BrokenPipeError:
            # The reader went away (`| head`): stop quietly, like any Unix tool. Point stdout at
            # devnull so the interpreter's last flush does not fail again.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return EXIT_BROKEN_PIPE
        finally:
            turn_log.close()
