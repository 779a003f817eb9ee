"""Start-up: the first frame imports and mounts only what it shows; the rest comes after it.

No timings here (benchmarks/run.py measures the launch): these pin the shape that keeps it fast.
"""

from __future__ import annotations

import gc
import subprocess
import sys

import pytest
from ui_support import chat, rendered, send, wait_for, wait_turn

from siliconchat import cli
from siliconchat.ui.app import SiliconChatApp
from siliconchat.ui.widgets.reasoning_pane import IDLE_HINT

SIZE = (120, 40)
# Loaded after the first frame, when something needs them (the first answer, the history, the sidebar, the SDK).
DEFERRED = (
    "markdown_it",
    "pygments",
    "sqlite3",
    "openai",
    "siliconchat.core.api",
    "siliconchat.core.events",
    "siliconchat.core.turn",
    "siliconchat.core.history.store",  # the package is imported (its write queue is made at start), not the store
    "siliconchat.core.history.schema",
    "siliconchat.core.session",
    "siliconchat.ui.widgets.sidebar",
    "siliconchat.ui.clipboard",
)


def test_the_tui_imports_nothing_its_first_frame_does_not_need() -> None:
    code = (
        "import sys, siliconchat.cli, siliconchat.cli.common, siliconchat.config, siliconchat.logs, "
        "siliconchat.runtime, siliconchat.ui.app\n"
        f"print(sorted(m for m in {DEFERRED!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


async def test_the_first_frame_has_no_markdown_until_there_is_some(make_app) -> None:
    app = make_app(model="deepseek-ai/DeepSeek-R1")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await pilot.pause()
        assert screen.reasoning.body.markdown is None  # nothing parsed or drawn before there is text
        assert IDLE_HINT[:30] in rendered(app, screen.reasoning)  # one line: cut at the pane's width
        await send(pilot, "hello")
        await wait_turn(pilot)
        message = screen.conversation.messages[-1]
        assert message.reasoning and screen.reasoning.body.source == message.reasoning
        assert screen.reasoning.body.view is screen.reasoning.scroller
        assert IDLE_HINT[:30] not in rendered(app, screen.reasoning)


async def test_the_sidebar_messages_reach_the_app(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await app.history.wait()
        await pilot.press("f9")
        await wait_for(pilot, lambda: app.history.sidebar is not None and app.history.sidebar.loaded)
        sidebar = app.history.sidebar
        assert sidebar is not None and sidebar.list.has_focus
        await pilot.press("escape")  # the sidebar's own key: Sidebar.Closed, handled by the app
        await wait_for(pilot, lambda: not sidebar.display and screen.prompt.has_focus, "the sidebar closed")


async def test_the_collector_is_back_on_after_the_first_frame(make_app) -> None:
    gc.disable()  # as ``siliconchat`` (cli.cmd_tui) starts the app
    try:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, gc.isenabled, "the garbage collector")
    finally:
        gc.unfreeze()  # the app froze this test run's objects: give them back to the collector
        gc.enable()


def test_the_tui_command_starts_the_app_with_the_collector_off(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []

    def run(self: SiliconChatApp) -> int:
        seen.append(gc.isenabled())
        return 0

    monkeypatch.setattr(SiliconChatApp, "run", run)
    monkeypatch.setattr(cli, "stdin_is_terminal", lambda: True)  # pytest's stdin is not a terminal
    monkeypatch.setattr("siliconchat.logs.setup_logging", lambda *args, **kwargs: None)
    assert cli.main([]) == 0
    assert seen == [False]
    assert gc.isenabled()  # also when the app never showed a frame
