"""A bug is never silent: its traceback goes to the log file, the user gets one line, and what they typed
is kept.

Used by the TUI (``SiliconChatApp.unhandled_error``, once the terminal is restored), by ``ask``, and as the
process's last resort (:func:`install_excepthook`) for anything raised outside those. Cheap to import (the
CLI installs the hook before it parses the arguments): logging and the log's set-up are imported only
when a crash happens.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

EXIT_CRASHED = 1
"""A bug's exit status (as Textual's and Python's own for an unhandled exception)."""
DRAFT_NAME = "draft.txt"
"""The unsent prompt of a crashed TUI, in the data folder (``draft-2.txt`` and so on when it exists)."""
LOGGER = "siliconchat.crash"


def report(error: BaseException, *, draft: str = "") -> str:
    """Log ``error``'s traceback and save ``draft`` (the prompt's text) if it is not blank; return the line
    that tells the user (without the ``siliconchat:`` prefix)."""
    path = log(error)
    saved = save_draft(draft) if draft.strip() else None
    line = f"crashed ({type(error).__name__})"
    if path is not None:
        line += f"; details in {path}"
    else:
        line += "; the log file could not be written"
    if saved is not None:
        line += f"; your unsent prompt is in {saved}"
    elif draft.strip():
        line += "; your unsent prompt could not be saved"
    return line


def log(error: BaseException) -> Path | None:
    """Write ``error``'s traceback to the log file; the file's path, or None when there is none."""
    import logging

    from siliconchat.logs import log_file

    path = None
    with contextlib.suppress(Exception):  # reporting a crash must not crash
        path = log_file()
        logging.getLogger(LOGGER).error(
            "unhandled %s", type(error).__name__, exc_info=(type(error), error, error.__traceback__)
        )
    return path


@contextlib.contextmanager
def logged(what: str) -> Iterator[None]:
    """Run a step of a crash's clean-up: a failure of it is logged (``what`` says which step), not raised."""
    try:
        yield
    except Exception:
        import logging

        logging.getLogger(LOGGER).exception("while crashing, %s failed", what)


def save_draft(text: str) -> Path | None:
    """Write ``text`` to a new file in the data folder (readable by the user only); its path, or None."""
    from siliconchat import paths

    try:
        folder = paths.ensure_dir(paths.data_dir())
        stem, suffix = DRAFT_NAME.rsplit(".", 1)
        for number in range(1, 1000):
            path = folder / (DRAFT_NAME if number == 1 else f"{stem}-{number}.{suffix}")
            try:
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                continue  # an earlier crash's draft: never overwritten
            with open(descriptor, "w", encoding="utf-8") as file:
                file.write(text)
            return path
    except OSError:
        pass
    return None


def excepthook(kind: type[BaseException], error: BaseException, traceback: TracebackType | None) -> None:
    """``sys.excepthook``: an exception that nothing caught is reported in one line (Python then exits with
    status 1). Ctrl+C and the like keep Python's own handling."""
    if not issubclass(kind, Exception):
        sys.__excepthook__(kind, error, traceback)
        return
    if error.__traceback__ is None:
        error = error.with_traceback(traceback)
    print(f"siliconchat: {report(error)}", file=sys.stderr)


def install_excepthook() -> None:
    """Make :func:`excepthook` the process's last resort."""
    sys.excepthook = excepthook
