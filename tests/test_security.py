"""Credentials never shown, stored or logged: a base URL's user:password@, the key (whole, cut, or anything
shaped like one). Real processes against the demo server, and the real setup screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import siliconchat

from siliconchat.core.sanitize import REDACTED, redact, strip_userinfo
from siliconchat.demo.server import DemoServer

KEY = "sk-" + "k7Qw2Zp9" * 6  # 51 characters, shaped like a SiliconFlow key


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer(pace=0, api_key=None) as running:  # any key (and any credentials) is accepted
        yield running


def written_files(tmp_path: Path) -> list[Path]:
    return [path for path in (tmp_path / "xdg").rglob("*") if path.is_file()]


def test_a_base_urls_credentials_are_in_no_message_file_or_log(server: DemoServer, tmp_path: Path) -> None:
    with_credentials = server.base_url.replace("http://", "http://alice:hunter2secret@")
    env = {"SILICONFLOW_API_KEY": KEY}
    results = [
        siliconchat("ask", "--base-url", with_credentials, "-m", "demo/echo", "hi", env=env),
        siliconchat("ask", "--base-url", with_credentials, "-m", "no-such/model", "hi", env=env),
        siliconchat(
            "ask", "--base-url", with_credentials.removesuffix("/v1"), "-m", "demo/echo", "hi", env=env
        ),
        siliconchat("models", "--base-url", with_credentials, env=env),
    ]
    # (httpx sends a URL's credentials as Basic auth, in place of the key: the server refuses the request)
    assert "401" in results[0].stderr and "401" in results[3].stderr
    assert "http://127.0.0.1" in results[2].stderr  # the 404 names the URL, without its credentials
    # a follow-up in a conversation keeps its failed turn in the history: the error is stored there
    siliconchat(
        "ask",
        "-m",
        "demo/echo",
        "first",
        env={"SILICONFLOW_API_KEY": KEY, "SILICONFLOW_BASE_URL": server.base_url},
    )
    stored = siliconchat(
        "ask", "--continue", "--base-url", with_credentials.removesuffix("/v1"), "x", env=env
    )
    assert stored.returncode == 1 and "404" in stored.stderr
    for result in results:
        assert "hunter2secret" not in result.stdout + result.stderr and "alice" not in result.stderr
    files = written_files(tmp_path)
    assert any(path.name == "siliconchat.log" for path in files)
    assert any(path.name == "history.db" for path in files)
    for path in files:
        data = path.read_bytes()
        assert b"hunter2secret" not in data and b"alice:" not in data, path


def test_a_cut_key_and_anything_shaped_like_a_key_are_redacted() -> None:
    cut = f"invalid token {KEY[:20]}… and then {KEY[30:]} end"
    shown = redact(cut, KEY)
    assert KEY[3:15] not in shown and KEY[30:42] not in shown and "end" in shown
    assert shown.count(REDACTED) == 2
    assert redact("my other key sk-abcdef123456 leaked", None) == f"my other key {REDACTED} leaked"
    assert redact("a desk-top and sk-short", None) == "a desk-top and sk-short"
    assert redact("short runs like k7Qw2Zp9 stay", KEY) == "short runs like k7Qw2Zp9 stay"
    assert (
        strip_userinfo("see https://u:p@example.com/v1 and http://h/x")
        == "see https://example.com/v1 and http://h/x"
    )


def test_a_cut_key_in_an_error_body_never_reaches_the_screen_or_the_log(tmp_path: Path) -> None:
    # The demo server refuses a wrong key and quotes nothing of it; a proxy might: check the log filter
    # and the message path with a key cut in half, as an error body would quote it.
    from siliconchat.core.errors import describe_status

    _, message = describe_status(
        401, {"message": f"bad key {KEY[:25]}"}, "", model=None, base_url="https://a:b@h/v1", region=None
    )
    assert redact(message, KEY).count(KEY[3:15]) == 0
