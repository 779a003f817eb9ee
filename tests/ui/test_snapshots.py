"""Snapshots of the main screens (pytest-textual-snapshot). Update with ``pytest --snapshot-update``.

Deterministic by construction: the demo server streams at pace 0, the content is canned, measured
times show as dashes (``frozen_clock``), and the cursor does not blink.
"""

from __future__ import annotations

import dataclasses

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, TextArea
from ui_support import chat, send, wait_for, wait_turn

from siliconchat.config import Config
from siliconchat.runtime import demo_settings
from siliconchat.ui.app import SiliconChatApp

WIDE = (120, 40)
NARROW = (80, 24)


@pytest.fixture(autouse=True)
def _frozen(frozen_clock):  # type: ignore[no-untyped-def]
    return frozen_clock


def _no_blink(pilot: Pilot[object]) -> None:
    for widget in pilot.app.screen.query(TextArea):
        widget.cursor_blink = False
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False


async def _ready(pilot: Pilot[object]) -> None:
    app = pilot.app
    assert isinstance(app, SiliconChatApp)
    await wait_for(pilot, lambda: app.balance is not None, "the balance")
    _no_blink(pilot)


def _turn(prompt: str):  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot[object]) -> None:
        await _ready(pilot)
        await send(pilot, prompt)
        await wait_turn(pilot)
        screen = chat(pilot.app)
        # Both panes end at their end (the reasoning pane scrolls there once its reserve is gone).
        await wait_for(pilot, lambda: screen.reasoning.scroller.is_vertical_scroll_end, "the reasoning's end")
        screen.prompt.focus()
        _no_blink(pilot)
        await pilot.pause()

    return run_before


def test_main_screen_wide(snap_compare, make_app) -> None:
    app = make_app(model="deepseek-ai/DeepSeek-R1")
    assert snap_compare(app, terminal_size=WIDE, run_before=_turn("hello"))


def test_main_screen_narrow(snap_compare, make_app) -> None:
    app = make_app(model="deepseek-ai/DeepSeek-R1")
    assert snap_compare(app, terminal_size=NARROW, run_before=_turn("hello"))


def test_error_block(snap_compare, make_app) -> None:
    # demo_server gives every response the same trace id, so the error text is stable
    app = make_app(model="demo/error-429", max_retries=0)
    assert snap_compare(app, terminal_size=WIDE, run_before=_turn("hello"))


def test_model_picker(snap_compare, make_app) -> None:
    app = make_app(model="deepseek-ai/DeepSeek-R1", favourites=("Qwen/Qwen3-8B", "demo/echo"))

    async def run_before(pilot: Pilot[object]) -> None:
        await _ready(pilot)
        await pilot.press("f2")
        screen_name = lambda: type(pilot.app.screen).__name__  # noqa: E731
        await wait_for(pilot, lambda: screen_name() == "ModelPickerScreen", "the picker")
        await wait_for(pilot, lambda: not pilot.app.screen._loading, "the model list")
        _no_blink(pilot)
        await pilot.pause()

    assert snap_compare(app, terminal_size=WIDE, run_before=run_before)


def test_setup_screen(snap_compare, demo_server) -> None:
    settings = demo_settings(Config(), demo_server, model="Qwen/Qwen3-8B", system_prompt=None)
    settings = dataclasses.replace(settings, api_key=None, demo=False, api_key_source=None, region="ap")
    app = SiliconChatApp(settings)

    async def run_before(pilot: Pilot[object]) -> None:
        await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "SetupScreen", "setup")
        _no_blink(pilot)
        await pilot.pause()

    assert snap_compare(app, terminal_size=WIDE, run_before=run_before)
