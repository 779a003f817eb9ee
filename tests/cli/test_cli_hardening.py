"""The command line under everyday misuse and in pipes, as a user runs it: real processes, real HTTP to the
demo server."""

from __future__ import annotations

import fcntl
import json
import os
import select
import struct
import subprocess
import sys
import termios
from collections.abc import Iterator

import pytest
from cli_support import api_env, siliconchat

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


# -- ask in pipes -------------------------------------------------------------------------------------


def chunks_prompt(*pairs: tuple[str | None, str | None]) -> str:
    """A demo/chunks prompt: the server streams these (reasoning, content) pairs back."""
    return json.dumps([list(pair) for pair in pairs])


def test_piped_text_follows_the_prompt_as_a_fenced_block(server: DemoServer) -> None:
    notes = "# Notes\n\nsome ```code``` here\n"
    result = siliconchat("ask", "-m", "demo/echo", "Summarise", stdin=notes, env=api_env(server))
    assert result.returncode == 0, result.stderr
    sent = server.requests[-1].body["messages"][-1]["content"]
    assert sent == "Summarise\n\n````\n# Notes\n\nsome ```code``` here\n````"
    assert result.stdout.startswith("Summarise")


HOSTILE = chunks_prompt(
    ("think \x1b]0;pwned\x07 \u202e", None),
    (None, "red \x1b[31mtext\x1b[0m, bidi \u202eevil\u202c, zero\u200bwidth, title \x1b]0;pwned\x07 end"),
)


def test_ask_output_to_a_pipe_is_sanitized_unless_raw(server: DemoServer) -> None:
    result = siliconchat("ask", "-m", "demo/chunks", HOSTILE, env=api_env(server))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "red text, bidi evil, zerowidth, title  end\n"
    assert "\x1b" not in result.stderr and "\u202e" not in result.stderr  # the reasoning too
    raw = siliconchat("ask", "--raw", "-m", "demo/chunks", HOSTILE, env=api_env(server))
    assert "\x1b[31m" in raw.stdout and "\u202e" in raw.stdout and "\u200b" in raw.stdout


def run_in_terminal(*args: str, env: dict[str, str]) -> bytes:
    """``siliconchat ARGS`` with stdout and stderr a pseudo-terminal (stdin a closed pipe); all it wrote."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 80, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "siliconchat", *args],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
        env={**os.environ, "TERM": "xterm-256color", **env},
    )
    os.close(slave)
    out = bytearray()
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 20)
            assert ready, f"no output for 20 s: {bytes(out)!r}"
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the process is gone and the terminal closed
                break
            if not chunk:
                break
            out += chunk
        assert process.wait(timeout=20) == 0, bytes(out)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(master)
    return bytes(out)


MARKDOWN = chunks_prompt(("a thought", None), (None, "## Title\n\nSome **bold** "), (None, "words.\n"))


def test_on_a_terminal_ask_renders_markdown_and_no_markdown_prints_it_plain(server: DemoServer) -> None:
    shown = run_in_terminal("ask", "-m", "demo/chunks", MARKDOWN, env=api_env(server)).decode()
    assert "Title" in shown and "## Title" not in shown and "**bold**" not in shown
    assert "\x1b[2m" in shown  # the reasoning is dim
    plain = run_in_terminal("ask", "--no-markdown", "-m", "demo/chunks", MARKDOWN, env=api_env(server))
    assert "## Title" in plain.decode() and "**bold**" in plain.decode()


def test_no_color_means_no_colour_or_dim_codes(server: DemoServer) -> None:
    shown = run_in_terminal(
        "ask", "--no-markdown", "-m", "demo/chunks", MARKDOWN, env=api_env(server) | {"NO_COLOR": "1"}
    )
    assert b"\x1b[" not in shown, shown


def test_markdown_to_a_pipe_with_markdown_flag_renders_it(server: DemoServer) -> None:
    result = siliconchat("ask", "--markdown", "-m", "demo/chunks", MARKDOWN, env=api_env(server))
    assert result.returncode == 0, result.stderr
    assert "Title" in result.stdout and "## Title" not in result.stdout and "\x1b[" not in result.stdout


# -- one-line errors ---------------------------------------------------------------------------------


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


@pytest.mark.parametrize(
    "args",
    [
        ["ask", "--model", "", "hi"],
        ["ask", "--model", "  ", "hi"],
        ["--model", "", "ask", "hi"],
        ["--model", ""],
    ],
)
def test_an_empty_model_id_is_a_one_line_error(server: DemoServer, args: list[str]) -> None:
    line = one_error_line(siliconchat(*args, env=api_env(server)))
    assert "model id is empty" in line


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["ask", "--conversation", "99999999999999999999999", "hi"], "no conversation has the id"),
        (["ask", "--conversation", "abc", "hi"], "not a conversation id: 'abc'"),
        (["ask", "--conversation", "0", "hi"], "no conversation has the id 0"),
        (["export", "99999999999999999999999"], "no conversation has the id"),
        (["export", "1e3"], "not a conversation id"),
    ],
)
def test_huge_or_malformed_conversation_ids_are_a_one_line_error(
    server: DemoServer, args: list[str], says: str
) -> None:
    line = one_error_line(siliconchat(*args, env=api_env(server)))
    assert says in line and "siliconchat history" in line, line


@pytest.mark.parametrize(("args", "stdin"), [(["ask", " \n\t "], None), (["ask", "-"], "  \n")])
def test_a_blank_prompt_is_a_one_line_error(server: DemoServer, args: list[str], stdin: str | None) -> None:
    before = len(server.requests)
    line = one_error_line(siliconchat(*args, stdin=stdin, env=api_env(server)))
    assert line.startswith("siliconchat: The prompt is empty")
    assert len(server.requests) == before  # nothing was sent
