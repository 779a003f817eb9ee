"""Copy text to the clipboard: OSC 52 through Textual, plus a system clipboard tool when there is one.

OSC 52 works in most terminals (and through ssh), but not in every one (macOS Terminal, some tmux
setups); a local tool (wl-copy, xclip, xsel, pbcopy) covers those when it is installed.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App


def system_tool() -> list[str] | None:
    """The command that copies its stdin to the system clipboard here, if any."""
    candidates: list[list[str]] = []
    if sys.platform == "darwin":
        candidates.append(["pbcopy"])
    if os.environ.get("WAYLAND_DISPLAY"):
        candidates.append(["wl-copy"])
    if os.environ.get("DISPLAY"):
        candidates.append(["xclip", "-selection", "clipboard"])
        candidates.append(["xsel", "--clipboard", "--input"])
    for command in candidates:
        if shutil.which(command[0]):
            return command
    return None


def _run_tool(command: list[str], text: str) -> bool:
    try:
        subprocess.run(
            command,
            input=text.encode("utf-8"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=3,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return True


async def copy(app: App[Any], text: str) -> str:
    """Copy ``text``; return how, for a toast ("to the clipboard (terminal and xclip)")."""
    app.copy_to_clipboard(text)  # OSC 52: the terminal decides whether to honour it
    command = system_tool()
    if command is not None and await asyncio.to_thread(_run_tool, command, text):
        return f"to the clipboard (terminal and {command[0]})"
    return "to the clipboard (through the terminal)"
