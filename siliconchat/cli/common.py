"""What every command shares: exit codes, the one-line error, config and settings for a run."""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from siliconchat.config import Config, Settings

EXIT_OK = 0
EXIT_FAILED = 1  # the API or the network failed
EXIT_USAGE = 2  # bad arguments, no key, unreadable config
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # what a shell reports for a writer killed by SIGPIPE


class CliError(Exception):
    """A problem to report in one line, with an exit code."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


# -- text from the command line ------------------------------------------------------------

PATH_ARGUMENTS = frozenset({"file", "output"})
"""Arguments that name files: they keep the bytes Python decoded with ``surrogateescape``, so that a
file with a non-UTF-8 name can still be opened."""


def clean_text_args(args: argparse.Namespace) -> None:
    """Make every text argument safe (:func:`siliconchat.core.text.safe_text`), in place.

    Python decodes argv with ``surrogateescape``: a byte that is not UTF-8 becomes a lone surrogate, which
    the request, the history and the terminal cannot encode. Here it becomes U+FFFD, like any bad text.
    """
    from siliconchat.core.text import safe_text

    for name, value in vars(args).items():
        if isinstance(value, str) and name not in PATH_ARGUMENTS:
            setattr(args, name, safe_text(value))


def read_text_stdin(stdin: TextIO) -> str:
    """All of stdin as text, read as ``stdin`` reads it (its encoding and newlines), except that bytes
    that do not decode become U+FFFD instead of an exception or lone surrogates."""
    from siliconchat.core.text import safe_text

    if isinstance(stdin, io.TextIOWrapper):
        stdin.reconfigure(errors="replace")  # strict in a UTF-8 locale, surrogateescape in the C locale
    return safe_text(stdin.read())


# -- settings ------------------------------------------------------------------------------


def load_config_or_fail() -> Config:
    from siliconchat.config import ConfigError, load_config

    try:
        return load_config()
    except ConfigError as exc:
        raise CliError(str(exc)) from exc


@contextlib.contextmanager
def configured(args: argparse.Namespace, *, require_key: bool = True) -> Iterator[tuple[Config, Settings]]:
    """The config and the run's settings, with logging set up; with ``--demo`` the demo server
    runs for the duration, and the demo's own files stand in for the user's (:func:`paths.demo_profile`).
    ``require_key`` is off for the TUI, which asks for a key itself and shows notes on screen; otherwise a
    note on the settings (:attr:`Settings.url_credentials_note`) goes to stderr."""
    from siliconchat import paths
    from siliconchat.config import resolve_settings
    from siliconchat.logs import setup_logging
    from siliconchat.runtime import demo_settings, start_demo_server

    if getattr(args, "demo", False):
        with paths.demo_profile():
            config = load_config_or_fail()
            server = start_demo_server()
            try:
                settings = demo_settings(config, server, model=args.model, system_prompt=args.system)
                setup_logging(settings.api_key)
                yield config, settings
            finally:
                server.stop()
        return
    config = load_config_or_fail()
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
    if require_key and (note := settings.url_credentials_note):  # the TUI shows it on screen
        print(f"siliconchat: {note}", file=sys.stderr)
    if require_key and not settings.api_key:
        raise CliError(f"No API key. {settings.key_hint}")
    setup_logging(settings.api_key)
    yield config, settings


@contextlib.contextmanager
def settings_for(args: argparse.Namespace) -> Iterator[Settings]:
    with configured(args) as (_, settings):
        yield settings
