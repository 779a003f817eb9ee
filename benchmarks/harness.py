"""What every benchmark shares: paths, the child processes (always killed), the demo servers, the app's
command and environment, this checkout on the import path, and the machine's description.

The siliconchat measured is this checkout's: the repository goes first on ``PYTHONPATH`` for every child
(an editable install of another checkout, such as a git worktree's main tree, would otherwise win). The demo
servers run in separate processes (so they do not compete for the app's GIL).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import platform
import re
import select
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
COLS, ROWS = 120, 40
PROMPT = "benchmark"
PACED_WARMUP = 2.0  # seconds after Enter (or the request) before the 100 deltas/s window starts

# --------------------------------------------------------------------------------------------------------------
# Child processes: registered so that they are always killed
# --------------------------------------------------------------------------------------------------------------

CHILDREN: list[subprocess.Popen[Any]] = []
TEMP_DIRS: list[str] = []


def kill(proc: subprocess.Popen[Any], grace: float = 2.0) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(5)
    with contextlib.suppress(ValueError):
        CHILDREN.remove(proc)


def cleanup() -> None:
    for proc in list(CHILDREN):
        kill(proc, grace=0.5)
    for path in TEMP_DIRS:
        shutil.rmtree(path, ignore_errors=True)
    TEMP_DIRS.clear()


def on_signal(signum: int, _frame: object) -> None:
    cleanup()
    raise SystemExit(128 + signum)


def spawn(argv: Sequence[str], **kwargs: Any) -> subprocess.Popen[Any]:
    proc = subprocess.Popen(list(argv), **kwargs)
    CHILDREN.append(proc)
    return proc


def temp_dir(prefix: str) -> str:
    path = tempfile.mkdtemp(prefix=prefix)
    TEMP_DIRS.append(path)
    return path


# --------------------------------------------------------------------------------------------------------------
# Demo servers
# --------------------------------------------------------------------------------------------------------------


def demo_key() -> str:
    from siliconchat.demo.server import DEMO_API_KEY

    return DEMO_API_KEY


class Server:
    """``python -m siliconchat.demo --port 0 --pace P`` in its own process."""

    def __init__(self, pace: float) -> None:
        self.pace = pace
        self.proc = spawn(
            [sys.executable, "-m", "siliconchat.demo", "--port", "0", "--pace", str(pace)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=REPO,
        )
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        line = self.proc.stdout.readline() if ready else ""
        match = re.search(r"listening on (\S+)", line)
        if not match:
            kill(self.proc)
            raise RuntimeError(f"the demo server did not start: {line!r}")
        self.url = match.group(1)

    def close(self) -> None:
        kill(self.proc)


# --------------------------------------------------------------------------------------------------------------
# This checkout, and the app's command and environment
# --------------------------------------------------------------------------------------------------------------


def use_this_tree() -> None:
    """Put this checkout first on the import path of this process and of every child it starts."""
    if sys.path[:1] != [str(REPO)]:
        sys.path.insert(0, str(REPO))
    paths = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    if paths[:1] != [str(REPO)]:
        os.environ["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, paths)])


def compile_app() -> None:
    """Bytecode for the siliconchat being measured (the one ``import siliconchat`` finds), as pip makes it."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("siliconchat")
    for location in (spec.submodule_search_locations or []) if spec is not None else []:
        compileall.compile_dir(location, quiet=1)


def app_command() -> list[str]:
    """The installed ``siliconchat`` script next to this interpreter (not a pyenv shim), else ``-m``."""
    script = Path(sys.executable).with_name("siliconchat")
    if script.exists():
        return [str(script)]
    found = shutil.which("siliconchat")
    if found and "shims" not in found:
        return [found]
    return [sys.executable, "-m", "siliconchat"]


def app_env(base_url: str, home: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SILICONCHAT_", "SILICONFLOW_", "TEXTUAL", "XDG_", "PYTHONPROFILE"))
        and k not in ("NO_COLOR", "TMUX", "STY", "COLUMNS", "LINES")
    }
    for name in ("CONFIG", "DATA", "CACHE", "STATE"):
        path = os.path.join(home, name.lower())
        os.makedirs(path, exist_ok=True)
        env[f"XDG_{name}_HOME"] = path
    env.update(
        TERM="xterm-256color",
        COLORTERM="truecolor",
        COLUMNS=str(COLS),
        LINES=str(ROWS),
        SILICONFLOW_API_KEY=demo_key(),
        SILICONFLOW_BASE_URL=base_url,
    )
    return env


# --------------------------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    cpu = "?"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions = {}
    for package in ("siliconchat", "textual", "openai", "httpx", "httpx2", "rich"):
        with contextlib.suppress(PackageNotFoundError):
            versions[package] = version(package)
    commit = ""
    with contextlib.suppress(Exception):
        commit = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--", "siliconchat"],
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
        commit += " (+ uncommitted changes)" if dirty else ""
    mem = _proc_meminfo_total()
    return {
        "date": _dt.datetime.now(_dt.timezone.utc).astimezone().isoformat(timespec="seconds"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory_gb": round(mem / 2**30, 1) if mem else None,
        "load_average_at_start": os.getloadavg(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
        "commit": commit,
        "terminal": f"pty {COLS}x{ROWS}, TERM=xterm-256color, COLORTERM=truecolor",
        "app_command": app_command(),
    }


def _proc_meminfo_total() -> int | None:
    with contextlib.suppress(OSError), open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    return None


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def secs(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}s"


def megabytes(value: int | None) -> str:
    return "–" if value is None else f"{value / 1e6:.0f}MB"
