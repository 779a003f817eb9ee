"""Snapshots (pytest-textual-snapshot) of the model picker and the first-run setup screen at 80x24.

Deterministic: fixed model list, no network (the setup snapshot's ``test_key`` answers at once with a
fixed sentence), cursor blink off. Update with ``pytest tests/test_snapshots_screens.py --snapshot-update``
after checking the new SVGs by eye.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Input, Static

from siliconchat.ui.screens.model_picker import ModelPickerScreen
from siliconchat.ui.screens.setup import SetupScreen

SIZE = (80, 24)
MODELS = [
    "Qwen/Qwen3-8B",
    "Qwen/Qwen3-32B",
    "Qwen/QwQ-32B",
    "Qwen/Qwen2.5-72B-Instruct",
    "deepseek-ai/DeepSeek-R1",
    "deepseek-ai/DeepSeek-V3.1",
    "Pro/deepseek-ai/DeepSeek-R1",
    "THUDM/GLM-4-9B-0414",
    "zai-org/GLM-4.5",
    "moonshotai/Kimi-K2-Instruct",
    "tencent/Hunyuan-A13B-Instruct",
    "baidu/ERNIE-4.5-300B-A47B",
    "[bold]not markup[/]",
]
WRONG_KEY_MESSAGE = (
    "The API key was refused (401: Invalid token). Check the key; a key from the China platform "
    "(cloud.siliconflow.cn) needs --region cn, since keys work only on their own platform."
)


class SnapshotHost(App[None]):
    def __init__(self, make_screen: Callable[[], Screen[Any]]) -> None:
        super().__init__()
        self.make_screen = make_screen

    def compose(self) -> ComposeResult:
        yield Static("siliconchat")

    def on_mount(self) -> None:
        self.push_screen(self.make_screen())


async def no_blink(pilot: Any) -> None:
    await pilot.pause()
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


def picker() -> ModelPickerScreen:
    return ModelPickerScreen(
        MODELS,
        current="Qwen/Qwen3-8B",
        favourites=["deepseek-ai/DeepSeek-R1", "Qwen/Qwen3-8B"],
        load_models=None,
        toggle_favourite=lambda model: None,
    )


async def wrong_key(key: str, region: str) -> str | None:
    return WRONG_KEY_MESSAGE


def test_snapshot_model_picker(snap_compare: Any) -> None:
    assert snap_compare(SnapshotHost(picker), terminal_size=SIZE, run_before=no_blink)


def test_snapshot_model_picker_filtered(snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await no_blink(pilot)
        await pilot.press(*"qwen3", "down")

    assert snap_compare(SnapshotHost(picker), terminal_size=SIZE, run_before=run_before)


def test_snapshot_setup(snap_compare: Any) -> None:
    def setup() -> SetupScreen:
        return SetupScreen(region="ap", test_key=wrong_key)

    assert snap_compare(SnapshotHost(setup), terminal_size=SIZE, run_before=no_blink)


def test_snapshot_setup_wrong_key(snap_compare: Any) -> None:
    def setup() -> SetupScreen:
        return SetupScreen(region="ap", test_key=wrong_key)

    async def run_before(pilot: Any) -> None:
        await no_blink(pilot)
        await pilot.press(*"sk-wrong", "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(SnapshotHost(setup), terminal_size=SIZE, run_before=run_before)
