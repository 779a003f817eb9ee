"""`siliconchat ask` and `models` as a user runs them: real processes, real HTTP to the demo server."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import api_env, siliconchat, start_siliconchat

from siliconchat.cli.ask import Printer
from siliconchat.demo import scenarios
from siliconchat.demo.server import DemoServer

REAL_LOOKING_KEY = "sk-" + "q" * 48


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer(pace=0) as running:
        yield running


def assert_one_clear_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("siliconchat:")]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_answer_to_stdout_reasoning_to_stderr(server: DemoServer) -> None:
    result = siliconchat(
        "ask", "--model", "deepseek-ai/DeepSeek-R1", "Why is the sky blue?", env=api_env(server)
    )
    assert result.returncode == 0, result.stderr
    assert len(result.stdout) > 100 and len(result.stderr) > 50
    assert "siliconchat:" not in result.stderr
    assert result.stdout.endswith("\n")
    sent = server.requests[-1].body or {}
    assert sent["messages"] == [{"role": "user", "content": "Why is the sky blue?"}]


def test_reasoning_hidden(server: DemoServer) -> None:
    result = siliconchat(
        "ask", "-m", "deepseek-ai/DeepSeek-R1", "--reasoning", "hide", "hi", env=api_env(server)
    )
    assert result.returncode == 0 and result.stderr == "" and result.stdout


@pytest.mark.parametrize("args", [["ask"], ["ask", "-"]])
def test_prompt_from_stdin(server: DemoServer, args: list[str]) -> None:
    result = siliconchat(*args, "--model", "demo/echo", env=api_env(server), stdin="piped question\n")
    assert result.returncode == 0 and result.stdout == "piped question\n"


def test_system_prompt_and_model_flag(server: DemoServer) -> None:
    result = siliconchat("ask", "--system", "Be terse.", "-m", "demo/echo", "x", env=api_env(server))
    assert result.returncode == 0
    sent = server.requests[-1].body or {}
    assert sent["model"] == "demo/echo"
    assert sent["messages"][0] == {"role": "system", "content": "Be terse."}


def test_piped_output_with_raw_is_exactly_what_the_model_sent(server: DemoServer) -> None:
    result = siliconchat("ask", "--raw", "-m", "demo/hostile", "x", env=api_env(server))
    assert result.returncode == 0
    # the answer starts with the "\n" every reasoning model sends first; nothing is stripped or added
    assert result.stdout == "\n" + scenarios.HOSTILE_ANSWER


def test_terminal_output_is_sanitized() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    out, err = Terminal(), Terminal()
    printer = Printer(out, err, show_reasoning=True)
    printer.reasoning("think \x1b]0;pwned\x07")
    printer.answer("\x1b[2Jhello \x1b]52;c;aGk=\x07world")
    printer.finish()
    assert out.getvalue() == "hello world\n"
    assert "pwned" not in err.getvalue() and "\x1b]" not in err.getvalue()
    assert err.getvalue().startswith("\x1b[2m")  # reasoning is dim on a terminal


def test_demo_needs_no_key_and_no_environment() -> None:
    result = siliconchat("ask", "--demo", "-m", "demo/echo", "offline")
    assert result.returncode == 0 and result.stdout == "offline\n"


def test_models_lists_the_chat_models(server: DemoServer) -> None:
    result = siliconchat("models", env=api_env(server))
    assert result.returncode == 0
    ids = result.stdout.split()
    assert "Qwen/Qwen3-8B" in ids and "deepseek-ai/DeepSeek-R1" in ids


# -- bad input: one clear line, nothing lost -----------------------------------------------------


def test_no_key_says_how_to_set_one() -> None:
    result = siliconchat("ask", "hello")
    assert result.returncode == 2
    assert "SILICONFLOW_API_KEY" in assert_one_clear_line(result.stderr)


def test_no_prompt_on_a_terminal_is_a_usage_error(server: DemoServer) -> None:
    result = siliconchat("ask", "", env=api_env(server))
    assert result.returncode == 2 and "empty" in assert_one_clear_line(result.stderr)


def test_wrong_key_is_refused_and_never_printed(server: DemoServer) -> None:
    result = siliconchat("ask", "hello", env=api_env(server, REAL_LOOKING_KEY))
    assert result.returncode == 1
    line = assert_one_clear_line(result.stderr)
    assert "key was refused" in line and "trace id" in line
    assert REAL_LOOKING_KEY not in result.stdout + result.stderr


def test_unknown_model_is_passed_as_is_and_named(server: DemoServer) -> None:
    result = siliconchat("ask", "-m", "vendor/Not-A-Model", "hello", env=api_env(server))
    assert result.returncode == 1
    assert '"vendor/Not-A-Model" does not exist' in assert_one_clear_line(result.stderr)
    assert (server.requests[-1].body or {})["model"] == "vendor/Not-A-Model"


def test_wrong_base_url_path(server: DemoServer) -> None:
    env = api_env(server) | {"SILICONFLOW_BASE_URL": server.base_url.removesuffix("/v1") + "/nope"}
    result = siliconchat("ask", "hello", env=env)
    assert result.returncode == 1 and "base URL" in assert_one_clear_line(result.stderr)


def test_server_down(server: DemoServer) -> None:
    with DemoServer() as gone:
        base_url = gone.base_url
    result = siliconchat("ask", "hello", env=api_env(server) | {"SILICONFLOW_BASE_URL": base_url})
    assert result.returncode == 1 and "refused" in assert_one_clear_line(result.stderr)


def test_cut_stream_prints_the_partial_answer_then_the_problem(server: DemoServer) -> None:
    result = siliconchat("ask", "-m", "demo/cut", "hello", env=api_env(server))
    assert result.returncode == 1
    assert result.stdout.strip()  # what arrived is printed
    assert "broke off" in assert_one_clear_line(result.stderr)


def test_garbage_body(server: DemoServer) -> None:
    result = siliconchat("ask", "-m", "demo/garbage", "hello", env=api_env(server))
    assert result.returncode == 1 and "not a valid" in assert_one_clear_line(result.stderr)


def test_malformed_config_names_file_and_line(server: DemoServer, tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('model = "x"\nregion = = "ap"\n', encoding="utf-8")
    before = config.read_bytes()
    result = siliconchat("ask", "hello", env=api_env(server) | {"SILICONCHAT_CONFIG": str(config)})
    assert result.returncode == 2
    line = assert_one_clear_line(result.stderr)
    assert str(config) in line and "line 2" in line
    assert config.read_bytes() == before  # never overwritten


def test_ctrl_c_keeps_what_arrived_and_exits_130(server: DemoServer) -> None:
    process = start_siliconchat("ask", "-m", "demo/slow", "hello", env=api_env(server))
    assert process.stderr is not None
    first = process.stderr.read(1)  # the reasoning has started streaming
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=10)
    assert process.returncode == 130
    assert first and len(first + err) > len("siliconchat: Stopped")  # partial reasoning, then the line
    assert "Stopped" in assert_one_clear_line(err)


def test_reader_closing_the_pipe_is_not_a_crash(server: DemoServer) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "siliconchat", "ask", "-m", "demo/blast-20000", "x"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **api_env(server)},
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.read(100)  # like `| head -c 100`
    process.stdout.close()
    err = process.stderr.read().decode()
    assert process.wait(timeout=20) == 141
    assert "Traceback" not in err


def test_the_key_is_in_no_file_the_app_writes(tmp_path: Path) -> None:
    with DemoServer(pace=0, api_key=None) as any_key:  # accepts any key, so real turns happen
        env = api_env(any_key, REAL_LOOKING_KEY)
        assert siliconchat("ask", "-m", "deepseek-ai/DeepSeek-R1", "hi", env=env).returncode == 0
        assert siliconchat("ask", "-m", "demo/cut", "hi", env=env).returncode == 1
        assert siliconchat("models", env=env).returncode == 0
    failed = siliconchat("ask", "hi", env=env)  # the server is gone: a connection error is logged
    assert failed.returncode == 1
    written = [path for path in (tmp_path / "xdg").rglob("*") if path.is_file()]
    log = next(path for path in written if path.name == "siliconchat.log")
    assert "stream failed" in log.read_text(encoding="utf-8")  # the log really records failures
    for path in written:
        assert REAL_LOOKING_KEY.encode() not in path.read_bytes(), path
