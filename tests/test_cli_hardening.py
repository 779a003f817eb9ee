"""The command line under everyday misuse and in pipes, as a user runs it: real processes, real HTTP to the
demo server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cli_support import siliconchat

from siliconchat.demo.server import DemoServer


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer(pace=0) as running:
        yield running


def one_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("siliconchat: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_the_tui_with_stdin_a_pipe_refuses_in_one_line_and_exits_2() -> None:
    result = siliconchat("--demo", stdin="hi\n", timeout=20)
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert "stdin is not" in line and "siliconchat ask" in line
    assert result.stdout == ""  # no TUI was drawn
