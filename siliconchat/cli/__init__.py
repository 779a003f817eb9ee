"""Command line: the TUI (default), ``ask``, ``models``, ``history``, ``export``, ``import``.

Heavy modules (``openai``, ``textual``, ``sqlite3``) are imported inside the commands that need them,
so ``siliconchat --version`` and ``--help`` start at once.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from siliconchat import __version__
from siliconchat.cli.common import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    clean_text_args,
    configured,
)

TUI_FPS = 120
"""Textual's screen updates per second at most (``TEXTUAL_FPS``, unless the environment sets it)."""
TUI_SWITCH_INTERVAL = 0.001
"""``sys.setswitchinterval`` in the TUI (Python's default is 0.005 s)."""


def _add_connection_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    # Sub-commands take the same options; SUPPRESS keeps a sub-parser from resetting a value
    # given before the sub-command name.
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument(
        "--model",
        "-m",
        type=_model_id,
        action=_ModelAction,
        default=default,
        metavar="ID",
        help="model id, e.g. Qwen/Qwen3-8B (ask: repeat it to compare 2 to 4 models)",
    )
    parser.add_argument(
        "--base-url", default=default, metavar="URL", help="API base URL (overrides --region)"
    )
    parser.add_argument(
        "--region", choices=("ap", "global", "cn"), default=default, help="SiliconFlow host preset"
    )
    parser.add_argument("--system", default=default, metavar="TEXT", help="system prompt")
    parser.add_argument(
        "--timeout",
        type=_positive_seconds,
        default=default,
        metavar="SECONDS",
        help="give up on a request whose answer has not started after SECONDS, retries included "
        "(default 60; also SILICONCHAT_TIMEOUT)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="use the built-in offline demo server (no key, no network)",
    )


MAX_CONVERSATION_ID = 2**63 - 1
"""The largest id SQLite can store: a larger one is no conversation (and would overflow the query)."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line (with where to look for the usage), not the usage and the line."""

    def error(self, message: str) -> NoReturn:
        from siliconchat.core.sanitize import sanitize_line

        self.exit(EXIT_USAGE, f"{self.prog}: {sanitize_line(message)} (see '{self.prog} --help')\n")


def _conversation_id(text: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a conversation id: {text[:40]!r} (ids are whole numbers, see 'siliconchat history')"
        ) from None
    if not 1 <= value <= MAX_CONVERSATION_ID:
        raise argparse.ArgumentTypeError(
            f"no conversation has the id {text[:40]} (see 'siliconchat history')"
        )
    return value


class _ModelAction(argparse.Action):
    """``--model``: the last one given is the model; all of them, in order, are ``models`` (``ask -m A -m B``
    compares them)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[object] | None,
        option_string: str | None = None,
    ) -> None:
        setattr(namespace, self.dest, values)
        namespace.models = [*(getattr(namespace, "models", None) or ()), values]


def _model_id(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("the model id is empty (e.g. --model Qwen/Qwen3-8B)")
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
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
        "prompt",
        nargs="?",
        help="the prompt; '-' or absent reads stdin when it is not a terminal; "
        "with a prompt, piped text follows it as a fenced block",
    )
    ask.add_argument(
        "-a",
        "--attach",
        action="append",
        metavar="PATH",
        help="send a file with the prompt (repeat for several; '-' reads stdin): text files go as fenced "
        "blocks, images (PNG, JPEG, WebP, GIF) downscaled, for vision models",
    )
    ask.add_argument(
        "--reasoning", choices=("show", "hide"), default="show", help="print the reasoning to stderr"
    )
    ask.add_argument("--no-log", action="store_true", help="do not save this turn in the history")
    ask.add_argument(
        "--raw",
        action="store_true",
        help="write the model's text exactly as received (by default terminal escapes, bidi and "
        "zero-width controls are removed, also in a pipe)",
    )
    ask.add_argument(
        "--markdown",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="render the answer as Markdown (default: when stdout is a terminal)",
    )
    ask.add_argument(
        "--json",
        action="store_true",
        help="with several models: one JSON object per answer on stdout, as each ends (see README)",
    )
    follow_up = ask.add_mutually_exclusive_group()
    follow_up.add_argument(
        "--continue",
        dest="continue_",
        action="store_true",
        default=argparse.SUPPRESS,  # `siliconchat --continue ask …` means the same
        help="append to the latest conversation (its earlier turns are sent as context)",
    )
    follow_up.add_argument(
        "--conversation",
        type=_conversation_id,
        metavar="ID",
        help="append to conversation ID (see 'siliconchat history')",
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
    history.add_argument(
        "--totals",
        action="store_true",
        help="add each conversation's tokens and cost (every answer, all branches; prices from [prices] in the "
        "config, '≥' when some models have none, '-' when none has)",
    )

    export = commands.add_parser(
        "export",
        help="a conversation as Markdown or JSON, to stdout or a file",
        description="Write a saved conversation as a transcript: Markdown (default) or JSON. Markdown holds "
        "the active branch (--all-branches: then every other branch, each as a section from where it leaves "
        "another); JSON the whole tree. A Markdown file's images are written as files beside it and linked; "
        "on stdout they are only listed.",
    )
    which = export.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "id", nargs="?", type=_conversation_id, help="the conversation's id (see 'siliconchat history')"
    )
    which.add_argument("--last", action="store_true", help="the latest conversation")
    export.add_argument(
        "--format", choices=("md", "json"), help="md (default; json when PATH ends in .json) or json"
    )
    export.add_argument(
        "--all-branches",
        action="store_true",
        help="Markdown: every branch, after the active one (JSON always holds every branch)",
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


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 1 <= value < 1e9:
        raise argparse.ArgumentTypeError(f"must be at least 1 second, not {text}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


# -- the TUI ---------------------------------------------------------------------------------


def stdin_is_terminal() -> bool:
    """Whether the keyboard can reach the TUI: with stdin a pipe or a file, no key would (not even Ctrl+Q)."""
    try:
        return os.isatty(sys.stdin.fileno())
    except (AttributeError, ValueError, OSError):  # closed, or not a real file
        return False


def cmd_tui(args: argparse.Namespace) -> int:
    if not stdin_is_terminal():
        raise CliError(
            "The chat needs a terminal for its keys, but stdin is not one; "
            "to send piped text, use: siliconchat ask - (or siliconchat ask PROMPT)"
        )
    # Start-up makes tens of thousands of objects that live as long as the app (modules, classes, widgets):
    # collecting garbage meanwhile finds none and delays the first frame. The app turns the collector back
    # on after its first frame (``SiliconChatApp._after_first_frame``).
    gc.disable()
    # Key presses during a blast (see siliconchat/ui/key_priority.py): a repaint asked for waits for the screen's
    # next update tick, 1/60 s apart by default (read when Textual is imported); and the threads that read the
    # keyboard and write the screen wait for the busy event loop to hand over the GIL, 5 ms at a time by
    # default. Both were most of what a key waited once the loop itself let it go first.
    os.environ.setdefault("TEXTUAL_FPS", str(TUI_FPS))
    sys.setswitchinterval(TUI_SWITCH_INTERVAL)
    try:
        with configured(args, require_key=False) as (config, settings):
            from siliconchat.ui.app import SiliconChatApp

            app = SiliconChatApp(settings, config=config, continue_requested=bool(args.continue_))
            result = app.run()
    finally:
        gc.enable()
    # The terminal is restored by now. A bug (an exception no handler caught) ended the app: say so in one
    # line (the traceback is in the log) and exit with the app's return code, 1.
    if app.crash_report is not None:
        print(f"siliconchat: {app.crash_report}", file=sys.stderr)
    elif app.exit_signal is not None:
        import signal

        # After a SIGHUP the terminal is gone: the line is for SIGTERM, and writing it may fail.
        with contextlib.suppress(OSError, ValueError):
            name = signal.Signals(app.exit_signal).name
            print(f"siliconchat: ended by {name}; the answer in progress was saved.", file=sys.stderr)
    if app.return_code:
        return app.return_code
    return result if isinstance(result, int) else EXIT_OK


def _handler(command: str | None) -> Callable[[argparse.Namespace], int]:
    """The function of ``command`` (None: the TUI); only its own module is imported."""
    if command is None:
        return cmd_tui
    if command == "ask":
        from siliconchat.cli.ask_command import cmd_ask

        return cmd_ask
    if command == "models":
        from siliconchat.cli.ask import cmd_models

        return cmd_models
    from siliconchat.cli import history

    handlers: dict[str, Callable[[argparse.Namespace], int]] = {
        "history": history.cmd_history,
        "export": history.cmd_export,
        "import": history.cmd_import,
    }
    return handlers[command]


def run() -> NoReturn:
    """The ``siliconchat`` command: :func:`main`, then leave at once.

    Everything is saved and closed when :func:`main` returns (the TUI saves its turn and closes the history
    as it quits). Python would then free every object of the session one by one, a long answer's lines
    among them: about a second after quitting a long conversation, in which the terminal shows nothing.
    """
    code = main()
    logging = sys.modules.get("logging")
    if logging is not None:
        logging.shutdown()  # the log file's last lines
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more can be said there
            stream.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    from siliconchat.crash import install_excepthook

    install_excepthook()  # the last resort: a bug anywhere is reported in one line, its traceback logged
    parser = build_parser()
    args = parser.parse_args(argv)
    clean_text_args(args)  # argv comes decoded with surrogateescape
    if getattr(args, "timeout", None) is not None:
        from siliconchat.core.retry import BUDGET_VARIABLE

        os.environ[BUDGET_VARIABLE] = str(args.timeout)  # read where the client is made (runtime.make_client)
    try:
        return _handler(args.command)(args)
    except CliError as exc:
        from siliconchat.core.sanitize import sanitize_line

        print(f"siliconchat: {sanitize_line(str(exc))}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
