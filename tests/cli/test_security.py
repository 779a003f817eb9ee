"""Credentials never shown, stored or logged: a base URL's user:password@, the key (whole, cut, or anything
shaped like one). Real processes against the demo server, and the real setup screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import siliconchat

from siliconchat.core.sanitize import REDACTED, redact, strip_userinfo
from siliconchat.demo.server import DEMO_API_KEY, DemoServer

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
    assert results[0].returncode == 0 and results[3].returncode == 0  # the credentials are left out
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


IGNORED = "The user name and password in the base URL are ignored"


def test_a_base_urls_credentials_are_ignored_and_the_key_authenticates_ask() -> None:
    # httpx would send a URL's user:password@ as Basic auth in place of the key's Bearer header: the server
    # (this one accepts the demo key only) would refuse the request.
    with DemoServer(pace=0) as strict:
        with_credentials = strict.base_url.replace("http://", "http://alice:hunter2secret@")
        answered = siliconchat(
            "ask",
            "--base-url",
            with_credentials,
            "-m",
            "demo/echo",
            "hi",
            env={"SILICONFLOW_API_KEY": DEMO_API_KEY},
        )
        assert answered.returncode == 0 and answered.stdout == "hi\n", answered.stderr
        assert (
            answered.stderr
            == f"siliconchat: {IGNORED}: requests authenticate with the key from SILICONFLOW_API_KEY.\n"
        )
        assert [request.authorized for request in strict.requests] == [True]
        # No key: nothing from the URL stands in for one.
        refused = siliconchat("ask", "--base-url", with_credentials, "-m", "demo/echo", "hi")
        assert refused.returncode == 2
        lines = refused.stderr.splitlines()
        assert lines[0] == f"siliconchat: {IGNORED}: SiliconFlow authenticates with an API key only."
        assert lines[1].startswith("siliconchat: No API key.") and len(lines) == 2
        assert len(strict.requests) == 1  # no request was sent
    for result in (answered, refused):
        assert "hunter2secret" not in result.stdout + result.stderr and "alice" not in result.stderr


async def test_a_base_urls_credentials_are_ignored_and_the_key_authenticates_tui() -> None:
    from ui_support import chat, last_chat, send, wait_turn

    from siliconchat.config import Config, resolve_settings
    from siliconchat.ui.app import SiliconChatApp

    with DemoServer(pace=0) as strict:
        settings = resolve_settings(
            config=Config(),
            env={"SILICONFLOW_API_KEY": DEMO_API_KEY},
            base_url=strict.base_url.replace("http://", "http://alice:hunter2secret@"),
            model="demo/echo",
        )
        assert settings.base_url == strict.base_url
        app = SiliconChatApp(settings)
        async with app.run_test(size=(100, 30)) as pilot:
            await send(pilot, "hello")
            await wait_turn(pilot)
            assert chat(app).conversation.messages[-1].content == "hello"
            assert last_chat(strict).authorized
            toasts = [n.message for n in app._notifications]
    said = [toast for toast in toasts if IGNORED in toast]
    assert said == [f"{IGNORED}: requests authenticate with the key from SILICONFLOW_API_KEY."], toasts
    assert not any("hunter2secret" in toast or "alice" in toast for toast in toasts)


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
    assert strip_userinfo("https://u:p@ss@example.com/v1?a=b@c") == "https://example.com/v1?a=b@c"


def test_a_cut_key_in_an_error_body_never_reaches_the_screen_or_the_log(tmp_path: Path) -> None:
    # The demo server refuses a wrong key and quotes nothing of it; a proxy might: check the log filter
    # and the message path with a key cut in half, as an error body would quote it.
    from siliconchat.core.errors import describe_status

    _, message = describe_status(
        401, {"message": f"bad key {KEY[:25]}"}, "", model=None, base_url="https://a:b@h/v1", region=None
    )
    assert redact(message, KEY).count(KEY[3:15]) == 0


# -- the setup screen, in the real app ---------------------------------------------------------------------


def _needs_setup(make_app, base_url: str):  # type: ignore[no-untyped-def]
    return make_app(demo=False, api_key=None, api_key_source=None, base_url=base_url, region=None)


async def _paste_key_and_enter(pilot, key: str) -> None:  # type: ignore[no-untyped-def]
    from textual.widgets import Input

    key_input = pilot.app.screen.query_one("#setup-key", Input)
    key_input.value = key
    await pilot.press("enter")


def _message(app) -> str:  # type: ignore[no-untyped-def]
    from textual.widgets import Static

    return str(app.screen.query_one("#setup-message", Static).render())


async def test_setup_names_the_custom_host_it_tests_against(make_app) -> None:
    from net_support import RawServer, silent

    with RawServer([silent], get=silent) as server:
        app = _needs_setup(make_app, server.base_url.replace("http://", "http://u:p@"))
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            assert type(app.screen).__name__ == "SetupScreen"
            await _paste_key_and_enter(pilot, KEY)
            message = _message(app)
            assert f"Testing the key against 127.0.0.1:{server.port}" in message, message
            assert "siliconflow" not in message and "u:p" not in message
            await pilot.press("escape")


async def test_setup_that_cannot_write_the_config_says_why_and_offers_this_session_only(
    make_app, demo_server: DemoServer, isolated_dirs: dict[str, Path]
) -> None:
    from ui_support import chat, send, wait_for, wait_turn

    from siliconchat.demo.server import DEMO_API_KEY

    config_home = isolated_dirs["XDG_CONFIG_HOME"]
    config_home.parent.mkdir(parents=True, exist_ok=True)
    config_home.write_text("a file where the config folder should be\n", encoding="utf-8")
    app = _needs_setup(make_app, demo_server.base_url)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await _paste_key_and_enter(pilot, DEMO_API_KEY)
        await wait_for(pilot, lambda: "could not be saved" in _message(app), "the save to fail")
        message = _message(app)
        assert str(config_home) in message and "this session only" in message and DEMO_API_KEY not in message
        await pilot.press("enter")  # the focused button: use the key for this session
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ChatScreen", "the chat screen")
        await send(pilot, "hello")
        await wait_turn(pilot)
        assert chat(app).conversation.messages[-1].content  # the key works for this session
    assert config_home.read_text(encoding="utf-8").startswith("a file")


async def test_setup_does_not_hang_on_a_config_file_that_blocks(
    make_app, demo_server: DemoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from ui_support import wait_for

    from siliconchat import paths
    from siliconchat.demo.server import DEMO_API_KEY
    from siliconchat.ui.screens import setup

    monkeypatch.setattr(setup, "SAVE_SECONDS", 1.0)
    config = paths.config_file()
    config.parent.mkdir(parents=True)
    os.mkfifo(config)  # opening it to read waits for a writer: forever
    app = _needs_setup(make_app, demo_server.base_url)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await _paste_key_and_enter(pilot, DEMO_API_KEY)
            await wait_for(pilot, lambda: "did not finish within 1 s" in _message(app), "the time limit")
            assert str(config) in _message(app) and app.screen.query_one("#setup-session").display
    finally:
        descriptor = os.open(config, os.O_WRONLY | os.O_NONBLOCK)  # let the stuck thread go
        os.close(descriptor)
