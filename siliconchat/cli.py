"""Command line: the TUI (default), ``ask``, ``models``, ``history``, ``export``, ``import``.

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
    from siliconchat.core.conversation import Conversation
    from siliconchat.core.history import HistoryStore

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
    ask.add_argument("--no-log", action="store_true", help="do not save this turn in the history")
    follow_up = ask.add_mutually_exclusive_group()
    follow_up.add_argument(
        "--continue",
        dest="continue_",
        action="store_true",
        default=argparse.SUPPRESS,  # `siliconchat --continue ask …` means the same
        help="append to the latest conversation (its earlier turns are sent as context)",
    )
    follow_up.add_argument(
        "--conversation", type=int, metavar="ID", help="append to conversation ID (see 'siliconchat history')"
    )
    _add_connection_options(ask, suppress=True)

    models = commands.add_parser("models", help="list the account's chat models")
    _add_connection_options(models, suppress=True)

    history = commands.add_parser(
        "history",
        help="list saved conversations (id, date, model, title)",
        description="List saved conversations, newest first, or search them.",
    )
    history.add_argument("--search", metavar="TEXT", help="only messages containing every word of TEXT")
    history.add_argument("--reasoning", action="store_true", help="with --search: search the reasoning too")
    history.add_argument("--limit", type=_positive_int, metavar="N", help="show at most N (default: all)")

    export = commands.add_parser(
        "export",
        help="a conversation as Markdown or JSON, to stdout or a file",
        description="Write a saved conversation as a transcript: Markdown (default) or JSON.",
    )
    which = export.add_mutually_exclusive_group(required=True)
    which.add_argument("id", nargs="?", type=int, help="the conversation's id (see 'siliconchat history')")
    which.add_argument("--last", action="store_true", help="the latest conversation")
    export.add_argument(
        "--format", choices=("md", "json"), help="md (default; json when PATH ends in .json) or json"
    )
    export.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="a new file, or a folder to save into under a name made from the title (never overwrites)",
    )

    importer = commands.add_parser(
        "import",
        help="add a JSON transcript to the history (prints the new id)",
        description="Add a conversation saved as a JSON transcript back into the history.",
    )
    importer.add_argument("file", metavar="FILE.json", help="a JSON transcript ('-' reads stdin)")
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


# -- settings ------------------------------------------------------------------------------


def _load_config() -> Config:
    from siliconchat.config import ConfigError, load_config

    try:
        return load_config()
    except ConfigError as exc:
        raise CliError(str(exc)) from exc


@contextlib.contextmanager
def _configured(args: argparse.Namespace, *, require_key: bool = True) -> Iterator[tuple[Config, Settings]]:
    """The config and the run's settings, with logging set up; with ``--demo`` the demo server
    runs for the duration. ``require_key`` is off for the TUI, which asks for a key itself."""
    from siliconchat.config import resolve_settings
    from siliconchat.logs import setup_logging
    from siliconchat.runtime import demo_settings, start_demo_server

    config = _load_config()
    if getattr(args, "demo", False):
        server = start_demo_server()
        try:
            settings = demo_settings(config, server, model=args.model, system_prompt=args.system)
            setup_logging(settings.api_key)
            yield config, settings
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
    if require_key and not settings.api_key:
        raise CliError(f"No API key. {settings.key_hint}")
    setup_logging(settings.api_key)
    yield config, settings


@contextlib.contextmanager
def _settings(args: argparse.Namespace) -> Iterator[Settings]:
    with _configured(args) as (_, settings):
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


class _TurnLog:
    """How ``ask`` keeps its turn in the history, like the TUI: the user message is committed before the
    request, the answer is checkpointed every 2 s while it streams and saved once more at the end. A
    history problem costs one warning line, never the answer."""

    def __init__(self, args: argparse.Namespace, err: TextIO) -> None:
        self.err = err
        self.store: HistoryStore | None = None
        self.log = not args.no_log
        self.follow_up = bool(getattr(args, "continue_", False) or args.conversation is not None)
        self.warned = False

    def open(self) -> None:
        """Open the history; raises CliError only when the turn depends on it (--continue/--conversation)."""
        if not (self.log or self.follow_up):
            return
        from siliconchat.core.history import HistoryError, HistoryStore

        try:
            self.store = HistoryStore.open()
        except HistoryError as exc:
            if self.follow_up:
                raise CliError(str(exc)) from exc
            self.warn(exc, "history is disabled for this answer")

    def warn(self, exc: Exception, what: str = "the answer was not saved in the history") -> None:
        if self.warned:
            return
        from siliconchat.core.sanitize import sanitize_line

        self.warned = True
        self.err.write(f"siliconchat: warning: {what}: {sanitize_line(str(exc))}\n")
        self.err.flush()

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None


def _conversation(args: argparse.Namespace, settings: Settings, turn_log: _TurnLog) -> Conversation:
    """A new conversation, or the one to continue (with a failed last attempt left out of the context,
    as the TUI does before a retry)."""
    from siliconchat.core.conversation import Conversation, MessageState
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
    messages = conversation.messages
    if (
        len(messages) >= 2
        and messages[-1].role == "assistant"
        and messages[-1].state is MessageState.FAILED
        and messages[-2].role == "user"
    ):
        del messages[-2:]  # only from the context: the history keeps the attempt
    return conversation


async def _ask(
    settings: Settings, prompt: str, printer: _Printer, turn_log: _TurnLog, args: argparse.Namespace
) -> int:
    import asyncio

    from siliconchat.core.events import AnswerDelta, ReasoningDelta
    from siliconchat.core.history import HistoryError, StreamingSaver
    from siliconchat.core.turn import TurnRecorder

    conversation = _conversation(args, settings, turn_log)
    user = conversation.add_user(prompt)
    store = turn_log.store if turn_log.log else None
    if store is not None:
        try:
            store.append(conversation, user)  # committed before the request is sent
        except HistoryError as exc:
            turn_log.warn(exc)
            store = None
    request = conversation.request_messages()
    recorder = TurnRecorder(conversation.add_assistant(settings.model))
    saver: StreamingSaver | None = None
    if store is not None and conversation.id is not None:
        saver = StreamingSaver(store, conversation.id, recorder, on_error=turn_log.warn)
        saver.start()
    tick = saver.tick if saver is not None else None
    client = _client(settings)
    try:
        async with contextlib.aclosing(client.stream(request, settings.model, conversation.params)) as events:
            async for event in events:
                if isinstance(event, AnswerDelta):
                    printer.answer(event.text)
                elif isinstance(event, ReasoningDelta):
                    printer.reasoning(event.text)
                recorder.apply(event)
                if tick is not None:
                    tick()
    except asyncio.CancelledError:
        recorder.stop()
        raise
    finally:
        if not recorder.done:  # Ctrl+C, a closed pipe: keep what arrived, marked stopped
            recorder.stop()
        if saver is not None:
            saver.finish()
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
        turn_log = _TurnLog(args, sys.stderr)
        turn_log.open()
        try:
            return asyncio.run(_ask(settings, prompt, printer, turn_log, args))
        except KeyboardInterrupt:
            printer.problem("Stopped (Ctrl+C); the partial answer above is all that arrived.")
            return EXIT_INTERRUPTED
        except BrokenPipeError:
            # The reader went away (`| head`): stop quietly, like any Unix tool. Point stdout at
            # devnull so the interpreter's last flush does not fail again.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return EXIT_BROKEN_PIPE
        finally:
            turn_log.close()


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


# -- history, export, import -----------------------------------------------------------------


@contextlib.contextmanager
def _history(*, create: bool = True) -> Iterator[HistoryStore | None]:
    """The history store; None when there is no history file yet and ``create`` is false."""
    from siliconchat import paths
    from siliconchat.core.history import HistoryError, HistoryStore

    path = paths.history_db()
    if not create and not path.exists():
        yield None
        return
    try:
        store = HistoryStore.open(path)
    except HistoryError as exc:
        raise CliError(str(exc)) from exc
    try:
        yield store
    except HistoryError as exc:
        raise CliError(str(exc)) from exc
    finally:
        store.close()


def _when(timestamp: float) -> str:
    import datetime

    return datetime.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")


def cmd_history(args: argparse.Namespace) -> int:
    from siliconchat.core.sanitize import sanitize_line

    # Titles and models are labels that the model or an import may have chosen: clean them for a terminal.
    clean: Callable[[str], str] = sanitize_line if sys.stdout.isatty() else (lambda text: text)
    rows: list[tuple[str, str, str, str]] = []
    snippets: list[str] = []
    with _history(create=False) as store:
        if store is not None and args.search is not None:
            for hit in store.search(args.search, include_reasoning=args.reasoning, limit=args.limit or 50):
                rows.append((str(hit.conversation_id), _when(hit.created), hit.model or "-", hit.title))
                snippets.append(("(reasoning) " if hit.in_reasoning else "") + hit.snippet)
        elif store is not None:
            for item in store.list_conversations(limit=args.limit):
                rows.append((str(item.id), _when(item.updated), item.model or "-", item.title))
    if not rows:
        print(
            "No matching messages." if args.search is not None else "No saved conversations yet.",
            file=sys.stderr,
        )
        return EXIT_OK
    id_width = max(len(row[0]) for row in rows)
    model_width = min(40, max(len(row[2]) for row in rows))
    for index, (cid, when, model, title) in enumerate(rows):
        print(f"{cid:>{id_width}}  {when}  {clean(model):<{model_width}}  {clean(title) or '(untitled)'}")
        if snippets:
            print(f"{'':>{id_width}}  {clean(snippets[index])}")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from siliconchat.core.history import ConversationNotFound
    from siliconchat.core.transcript import (
        TranscriptError,
        save_transcript,
        to_json,
        to_markdown,
        write_new_file,
    )

    output = Path(args.output).expanduser() if args.output not in (None, "-") else None
    fmt = args.format or ("json" if output is not None and output.suffix.lower() == ".json" else "md")
    if output is not None and output.exists() and not output.is_dir():
        raise CliError(
            f"{output} already exists: siliconchat never overwrites a file (give a new name or a folder)."
        )
    with _history(create=False) as store:
        if store is None:
            raise CliError("The history is empty: there is nothing to export.")
        try:
            if args.last:
                conversation = store.latest()
                if conversation is None:
                    raise CliError("The history is empty: there is nothing to export.")
            else:
                conversation = store.load(args.id)
        except ConversationNotFound as exc:
            raise CliError(
                f"No conversation {exc.conversation_id} in the history (see 'siliconchat history')."
            ) from exc
    text = to_json(conversation) if fmt == "json" else to_markdown(conversation)
    if output is None:
        if sys.stdout.isatty():  # the file keeps the exact text; a terminal must not obey escapes in it
            from siliconchat.core.sanitize import sanitize

            text = sanitize(text)
        sys.stdout.write(text)
        sys.stdout.flush()
        return EXIT_OK
    try:
        if output.is_dir():
            written = save_transcript(conversation, output, formats=(fmt,))[0]
        else:
            written = write_new_file(output, text.encode("utf-8"))
    except FileExistsError:
        raise CliError(f"{output} already exists: siliconchat never overwrites a file.") from None
    except (TranscriptError, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise CliError(f"Cannot write {output}: {reason}") from exc
    print(written, file=sys.stderr)
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from siliconchat.core.transcript import TranscriptError, import_json

    try:
        if args.file == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(args.file, "rb") as file:
                data = file.read()
    except OSError as exc:
        raise CliError(f"Cannot read {args.file}: {exc.strerror or exc}") from exc
    try:
        conversation = import_json(data)
    except TranscriptError as exc:
        raise CliError(f"Cannot import {args.file}: {exc}") from exc
    with _history() as store:
        assert store is not None
        conversation_id = store.create_conversation(conversation)
    print(conversation_id)
    return EXIT_OK


# -- the TUI ---------------------------------------------------------------------------------


def cmd_tui(args: argparse.Namespace) -> int:
    with _configured(args, require_key=False) as (config, settings):
        from siliconchat.ui.app import SiliconChatApp

        app = SiliconChatApp(settings, config=config, continue_requested=bool(args.continue_))
        result = app.run()
    return result if isinstance(result, int) else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handlers: dict[str | None, Callable[[argparse.Namespace], int]] = {
        "ask": cmd_ask,
        "models": cmd_models,
        "history": cmd_history,
        "export": cmd_export,
        "import": cmd_import,
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
