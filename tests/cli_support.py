"""Running `siliconchat` as a user does, for the CLI tests: a real process, real HTTP to a demo server."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from siliconchat.demo.server import DEMO_API_KEY, DemoServer

REPO = Path(__file__).resolve().parent.parent
"""The checkout under test: a run in another working folder (``cwd``) imports siliconchat from here."""


def _in_folder(cwd: Path | None) -> dict[str, str]:
    return (
        {}
        if cwd is None
        else {"PYTHONPATH": os.pathsep.join(filter(None, (str(REPO), os.environ.get("PYTHONPATH"))))}
    )


def siliconchat(
    *args: str,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = 30,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m siliconchat ARGS`` with the test's environment plus ``env``, in ``cwd`` (default the
    current folder); stdin is closed unless given."""
    return subprocess.run(
        [sys.executable, "-m", "siliconchat", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **_in_folder(cwd), **(env or {})},
        cwd=cwd,
        timeout=timeout,
        stdin=None if stdin is not None else subprocess.DEVNULL,
    )


def api_env(server: DemoServer, key: str = DEMO_API_KEY) -> dict[str, str]:
    """The environment that points siliconchat at ``server`` with ``key``."""
    return {"SILICONFLOW_API_KEY": key, "SILICONFLOW_BASE_URL": server.base_url}


def siliconchat_bytes(
    *args: str | bytes,
    env: Mapping[str, str | bytes] | None = None,
    stdin: bytes | None = None,
    timeout: float = 30,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """:func:`siliconchat` with bytes where a user's system may have them: arguments, stdin and environment
    values that need not be UTF-8. The output is bytes too (decode it to check that it is UTF-8)."""
    return subprocess.run(
        [sys.executable, "-m", "siliconchat", *args],
        input=stdin,
        capture_output=True,
        env={**os.environ, **_in_folder(cwd), **(env or {})},
        cwd=cwd,
        timeout=timeout,
        stdin=None if stdin is not None else subprocess.DEVNULL,
    )


def start_siliconchat(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start ``python -m siliconchat ARGS`` (stdin closed, stdout and stderr piped as text), to signal it."""
    return subprocess.Popen(
        [sys.executable, "-m", "siliconchat", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
