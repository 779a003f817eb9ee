"""Command line: the TUI (default), ``ask``, ``models``.

Heavy modules (``openai``, ``textual``) are imported inside the commands that need them, so
``siliconchat --version`` and ``--help`` start at once.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, TextIO

from siliconchat import __version__

if TYPE_CHECKING:
    from siliconchat.config import Config, Settings
    from siliconchat.core.api import ChatClient

EXIT_OK = 0
EXIT_FAILED = 1  # the API or the network failed
EXIT_USAGE = 2  # bad arguments, no key, unreadable config
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # what a shell reports for a writer killed by SIGPIPE

DIM = "\x1b[2m"
RESET = "\x1b[0m"


class CliError(Exception):
    """A problem to report in one line, with an exit code."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def _add_connection_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    # Sub-commands take the same options; SUPPRESS keeps a sub-parser from resetting a value
    # given before the sub-command name.
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--model", "-m", default=default, metavar="ID", help="model id, e.g. Qwen/Qwen3-8B")
    parser.add_argument(
        "--base-url", default=default, metavar="URL", help="API base URL (overrides --region)"
    )
    parser.add_argument(
        "--region", choices=("ap", "global", "cn"), default=default, help="SiliconFlow host preset"
    )
    parser.add_argument("--system", default=default, metavar="TEXT", help="system prompt")
    parser.add_argument(
        "--demo",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="use the built-in offline demo server (no key, no network)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="siliconchat",
        description="A terminal chat client for the SiliconFlow API: reasoning and answer stream live.",
        epilog="Run 'siliconchat COMMAND --help' for a command's options. "
        "Set your key with SILICONFLOW_API_KEY, or paste it in the app's setup screen.",
    )
    parser.add_argument("--version", action="version", version=f"siliconchat {__version__}")
    _add_connection_options(parser, suppress=False)
    parser.add_argument(
        "--continue", dest="continue_", action="store_true", help="reopen the latest conversation"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    ask = commands.add_parser(
        "ask",
        help="one turn without the TUI: the answer to stdout, reasoning to stderr",
        description="Send one prompt and stream the answer to stdout (reasoning to stderr).",
    )
    ask.add_argument(
        "prompt", nargs="?", help="the prompt; '-' or absent reads stdin when it is not a terminal"
    )
    ask.add_argument(
        "--reasoning", choices=("show", "hide"), default="show", help="print the reasoning to stderr"
    )
    _add_connection_options(ask, suppress=True)

    models = commands.add_parser("models", help="list the account's chat models")
    _add_connection_options(models, suppress=True)
    return parser


# -- settings ------------------------------------------------------------------------------


def _load_config() -> Config:
    from siliconchat.config import ConfigError, load_config

    try:
        return load_config()
    except ConfigError as exc:
        raise CliError(str(exc)) from exc


@contextlib.contextmanager
def _settings(args: argparse.Namespace) -> Iterator[Settings]:
    """The run's settings; with ``--demo`` the demo server runs for the duration."""
    from siliconchat.config import resolve_settings
    from siliconchat.logs import setup_logging
    from siliconchat.runtime import demo_settings, start_demo_server

    config = _load_config()
    if getattr(args, "demo", False):
        server = start_demo_server()
        try:
            settings = demo_settings(config, server, model=args.model, system_prompt=args.system)
            setup_logging(settings.api_key)
            yield settings
        finally:
            server.stop()
        return
    try:
        settings = resolve_settings(
            config=config,
            model=args.model,
            base_url=args.base_url,
            region=args.region,
            system_prompt=args.system,
        )
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    if not settings.api_key:
        raise CliError(f"No API key. {settings.key_hint}")
    setup_logging(settings.api_key)
    yield settings


def _client(settings: Settings) -> ChatClient:
    from siliconchat.runtime import make_client

    return make_client(settings)


# -- ask -------------------------------------------------------------------------------------


def _read_prompt(args: argparse.Namespace, stdin: TextIO) -> str:
    prompt: str | None = args.prompt
    if prompt is None or prompt == "-":
        if prompt is None and stdin.isatty():
            raise CliError("No prompt: give it as an argument, or pipe it in (siliconchat ask - < file).")
        prompt = stdin.read()
    if not prompt.strip():
        raise CliError("The prompt is empty.")
    return prompt


class _Printer:
    """Writes answer text to stdout and reasoning to stderr as they arrive.

    Text bound for a terminal is sanitized (a model must not drive the terminal); text bound
    for a pipe or file is written exactly as received.
    """

    def __init__(self, out: TextIO, err: TextIO, *, show_reasoning: bool) -> None:
        from siliconchat.core.sanitize import sanitize

        self.out, self.err = out, err
        self.show_reasoning = show_reasoning
        self._clean_out = sanitize if out.isatty() else None
        self._clean_err = sanitize if err.isatty() else None
        self._dim = err.isatty()
        self.last_out = ""
        self.last_err = ""
        self._in_reasoning = False

    def answer(self, text: str) -> None:
        self._end_reasoning()
        if self._clean_out is not None:
            text = self._clean_out(text)
        if text:
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
        if self.last_out and not self.last_out.endswith("\n"):
            self.out.write("\n")
        self.out.flush()

    def problem(self, message: str) -> None:
        self.finish()
        from siliconchat.core.sanitize import sanitize_line

        self.err.write(f"siliconchat: {sanitize_line(message)}\n")
        self.err.flush()


async def _ask(settings: Settings, prompt: str, printer: _Printer) -> int:
    import asyncio

    from siliconchat.core.conversation import Conversation
    from siliconchat.core.events import AnswerDelta, ReasoningDelta
    from siliconchat.core.turn import TurnRecorder

    conversation = Conversation(system_prompt=settings.system_prompt, params=settings.params)
    conversation.add_user(prompt)
    request = conversation.request_messages()
    recorder = TurnRecorder(conversation.add_assistant(settings.model))
    client = _client(settings)
    try:
        async with contextlib.aclosing(client.stream(request, settings.model, settings.params)) as events:
            async for event in events:
                if isinstance(event, AnswerDelta):
                    printer.answer(event.text)
                elif isinstance(event, ReasoningDelta):
                    printer.reasoning(event.text)
                recorder.apply(event)
    except asyncio.CancelledError:
        recorder.stop()
        raise
    finally:
        await client.aclose()
    message = recorder.message
    if recorder.failure is not None:
        printer.problem(recorder.failure.message)
        return EXIT_FAILED
    if message.error:  # finished, but with nothing to show (reasoning used the whole budget)
        printer.problem(message.error)
        return EXIT_FAILED
    printer.finish()
    return EXIT_OK


def cmd_ask(args: argparse.Namespace) -> int:
    prompt = _read_prompt(args, sys.stdin)
    printer = _Printer(sys.stdout, sys.stderr, show_reasoning=args.reasoning == "show")
    import asyncio

    with _settings(args) as settings:
        try:
            return asyncio.run(_ask(settings, prompt, printer))
        except KeyboardInterrupt:
            printer.problem("Stopped (Ctrl+C); the partial answer above is all that arrived.")
            return EXIT_INTERRUPTED
        except BrokenPipeError:
            # The reader went away (`| head`): stop quietly, like any Unix tool. Point stdout at
            # devnull so the interpreter's last flush does not fail again.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return EXIT_BROKEN_PIPE


# -- models ----------------------------------------------------------------------------------


async def _models(settings: Settings) -> list[str]:
    client = _client(settings)
    try:
        return await client.list_models()
    finally:
        await client.aclose()


def cmd_models(args: argparse.Namespace) -> int:
    import asyncio

    from siliconchat.core.errors import ApiFailure
    from siliconchat.core.sanitize import sanitize_line

    with _settings(args) as settings:
        try:
            ids = asyncio.run(_models(settings))
        except ApiFailure as exc:
            raise CliError(exc.failure.message, EXIT_FAILED) from exc
    clean = sys.stdout.isatty()
    for model_id in ids:
        print(sanitize_line(model_id) if clean else model_id)
    return EXIT_OK


# -- the TUI ---------------------------------------------------------------------------------


def cmd_tui(args: argparse.Namespace) -> int:
    from siliconchat.ui.app import run

    return run(args)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handlers: dict[str | None, Callable[[argparse.Namespace], int]] = {
        "ask": cmd_ask,
        "models": cmd_models,
        None: cmd_tui,
    }
    try:
        return handlers[args.command](args)
    except CliError as exc:
        from siliconchat.core.sanitize import sanitize_line

        print(f"siliconchat: {sanitize_line(str(exc))}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
