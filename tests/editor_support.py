"""A real editor for the tests of the prompt's ``$EDITOR``: a small Python program that edits the file it is given
as told by its arguments, and notes what it saw (the file's path, mode and bytes) in a log."""

from __future__ import annotations

import json
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

EDITOR = """\
import argparse, json, os, sys

parser = argparse.ArgumentParser()
parser.add_argument("--log", required=True)
parser.add_argument("--append", default="")
parser.add_argument("--replace-hex")
parser.add_argument("--status", type=int, default=0)
parser.add_argument("--interrupt", action="store_true")
parser.add_argument("file")
args = parser.parse_args()
with open(args.file, "rb") as file:
    before = file.read()
if args.interrupt:  # Ctrl+C in a terminal in its normal mode: SIGINT to the app as well
    import signal

    os.kill(os.getppid(), signal.SIGINT)
mode = os.stat(args.file).st_mode & 0o777
if args.replace_hex is not None:
    after = bytes.fromhex(args.replace_hex)
else:
    after = before + args.append.encode("utf-8") + b"\\n"  # editors end the file with a newline
with open(args.file, "wb") as file:
    file.write(after)
with open(args.log, "a", encoding="utf-8") as log:
    log.write(json.dumps({"path": args.file, "mode": mode, "before": before.hex()}) + "\\n")
sys.exit(args.status)
"""


@dataclass
class Seen:
    path: Path
    mode: int
    before: bytes


def editor(
    folder: Path, *, append: str = "", replace: bytes | None = None, status: int = 0, interrupt: bool = False
) -> str:
    """The command line of the editor (for ``$EDITOR``): it appends ``append`` (and a newline) to the file,
    or writes ``replace`` over it, then exits with ``status``; each run is noted in ``folder / "log"``. With
    ``interrupt`` it first sends SIGINT to the process that started it, as Ctrl+C in the terminal would."""
    program = folder / "editor.py"
    program.write_text(EDITOR, encoding="utf-8")
    words = [sys.executable, str(program), "--log", str(folder / "log"), "--status", str(status)]
    words += ["--append", append] if replace is None else ["--replace-hex", replace.hex()]
    words += ["--interrupt"] if interrupt else []
    return shlex.join(words)


def seen(folder: Path) -> list[Seen]:
    """What the editor saw, run by run."""
    log = folder / "log"
    if not log.exists():
        return []
    runs = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    return [Seen(Path(r["path"]), r["mode"], bytes.fromhex(r["before"])) for r in runs]
