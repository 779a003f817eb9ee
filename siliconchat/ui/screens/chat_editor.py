"""The chat screen's prompt in the user's own editor (F7, binding id ``open_editor``): ``$VISUAL``, else
``$EDITOR``, else ``vi``.

The prompt's text (large pastes unfolded) is written to a new temporary file that only the user can read
(``mkstemp``: mode 0600), the app hands the terminal over (Textual's ``App.suspend()``) and waits for the
editor, then comes back and deletes the file. The edited text takes the place of the prompt's, as one
change (undo brings the old text back); nothing is sent. Editing a picked earlier prompt works the same:
it is put in the prompt first, and sending it still makes a new branch.

Nothing changes when the editor cannot be run (none set and no ``vi``, a name not found) or exits with a
non-zero status (``:cq`` in vi): a toast says why. The file is read as UTF-8 with ``errors="replace"``: a
byte that is not UTF-8 becomes U+FFFD, as does a NUL (a text prompt never holds one), and Windows line ends
become ``\\n``; the final newline editors add is dropped.

The editor runs while the app is suspended, so the app waits for it; Ctrl+C meanwhile is the editor's and
does not end the app. While an answer streams the editor does not open (the stream would stall). In a
headless app (tests) there is no terminal to hand over: the editor runs without suspending. Where the
terminal cannot be handed over (Textual Web), a toast says so.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from siliconchat.core.sanitize import sanitize_line
from siliconchat.core.text import safe_text

if TYPE_CHECKING:
    from siliconchat.ui.screens.chat_branches import BranchScreen

__all__ = ["EditorError", "EditorRun", "edit_text", "editor_command", "open_editor"]

FALLBACK: Final = "vi"
SUFFIX: Final = ".md"  # editors colour the prompt as Markdown


class EditorError(Exception):
    """The editor could not be run, or did not end well: the message says why (the prompt is unchanged)."""


def editor_command(environ: Mapping[str, str] | None = None) -> list[str]:
    """The editor's command line, without the file: ``$VISUAL``, else ``$EDITOR`` (split as a shell would,
    so ``code --wait`` works), else ``vi``. EditorError when the one chosen cannot be found."""
    environ = os.environ if environ is None else environ
    source, value = next(
        ((name, environ[name]) for name in ("VISUAL", "EDITOR") if environ.get(name, "").strip()),
        ("", FALLBACK),
    )
    try:
        command = shlex.split(value)
    except ValueError:
        raise EditorError(f"${source} cannot be read as a command: {sanitize_line(value, 80)}") from None
    if not command:
        raise EditorError(f"${source} names no command")
    if shutil.which(command[0]) is None:
        if not source:
            raise EditorError("There is no editor to open: set $VISUAL or $EDITOR (vi is not installed)")
        raise EditorError(f"The editor {sanitize_line(command[0], 80)} (${source}) was not found")
    return command


def _read_back(data: bytes) -> str:
    text = data.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\x00", "\ufffd")
    return text.removesuffix("\n")


@dataclass
class EditorRun:
    """How the editor ended: its exit status, or the error that kept it from running."""

    status: int | None = None
    error: OSError | None = None


@contextmanager
def _keys_left_to_the_editor() -> Iterator[None]:
    """While the editor runs, Ctrl+C and Ctrl+\\ are the editor's: the terminal is in its own mode then, and
    sends SIGINT / SIGQUIT to this process too, which would end the app (as git does, they are ignored here
    meanwhile). Only the main thread can set signal handlers; elsewhere nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    names = [getattr(signal, name) for name in ("SIGINT", "SIGQUIT") if hasattr(signal, name)]
    saved = {number: signal.signal(number, signal.SIG_IGN) for number in names}
    try:
        yield
    finally:
        for number, handler in saved.items():
            signal.signal(number, signal.SIG_DFL if handler is None else handler)


def _run(command: Sequence[str]) -> EditorRun:
    """Run the editor and wait for it; never raises (the app may be suspended around it). The editor starts
    with the signals as they were; this process ignores Ctrl+C meanwhile (:func:`_keys_left_to_the_editor`)."""
    try:
        child = subprocess.Popen(list(command))
    except OSError as exc:
        return EditorRun(error=exc)
    with _keys_left_to_the_editor():
        return EditorRun(status=child.wait())


def edit_text(
    text: str, command: Sequence[str], hand_over: Callable[[Callable[[], EditorRun]], EditorRun] | None = None
) -> str:
    """``text`` as the editor ``command`` left it, from a temporary file (mode 0600, deleted afterwards).
    ``hand_over(run)`` runs the editor (``run()``) around whatever the terminal needs (the app suspended);
    by default it just runs it. EditorError when the editor cannot be run or exits with a non-zero status."""
    fd, name = tempfile.mkstemp(prefix="siliconchat-prompt-", suffix=SUFFIX)
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(safe_text(text).encode("utf-8"))
        ran = (hand_over or (lambda run: run()))(lambda: _run([*command, str(path)]))
        editor = sanitize_line(Path(command[0]).name, 40)
        if ran.error is not None:
            raise EditorError(f"The editor {editor} could not be run: {ran.error.strerror or ran.error}")
        if ran.status != 0:
            raise EditorError(f"The editor {editor} exited with status {ran.status}")
        try:
            return _read_back(path.read_bytes())
        except OSError as exc:
            raise EditorError(f"The edited file cannot be read: {exc.strerror or exc}") from None
    finally:
        path.unlink(missing_ok=True)


def open_editor(screen: BranchScreen) -> None:
    """F7: the prompt (or the picked earlier prompt, put in the prompt first) in the user's editor; its text
    replaces the prompt's. A toast says what happened."""
    from textual.app import SuspendNotSupported

    from siliconchat.ui.keymap import key_name
    from siliconchat.ui.widgets.prompt_input import PromptInput

    app = screen.chat_app
    if screen.streaming:
        app.notify_plain(
            f"An answer is still streaming: the editor opens when it ends (or stop it: {app.key_for('stop')}).",
            severity="warning",
        )
        return
    if screen.picked is not None:
        screen.action_edit_picked()
    prompt = screen.prompt
    before = prompt.full_text

    def hand_over(run: Callable[[], EditorRun]) -> EditorRun:
        if screen.app.is_headless:
            return run()
        with screen.app.suspend():
            ran = run()  # (never raises: an exception here would leave the app suspended)
        return ran

    try:
        command = editor_command()
        after = edit_text(before, command, hand_over)
    except EditorError as exc:
        app.notify_plain(f"{exc}. The prompt is unchanged.", severity="error", timeout=10)
        return
    except SuspendNotSupported:
        app.notify_plain("This terminal cannot be handed over to an editor.", severity="error")
        return
    finally:
        prompt.focus()
    if after == before:
        app.notify_plain("The editor left the prompt as it was.")
        return
    prompt.replace_all(after)
    send = key_name(screen.app, PromptInput, "send")
    app.notify_plain(f"The prompt holds the edited text: {send} sends it.")
