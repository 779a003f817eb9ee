"""Regenerate ``screenshots/*.svg`` from the real app in demo mode.

    python scripts/screenshots.py [--out screenshots]

Runs the app headless against the built-in demo server (no key, no network), with temporary config,
data and cache folders so that nothing of the user's is read or written, and with measured times
shown as dashes so that the pictures only change when the UI does (and the trace id of the error).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

Scene = Callable[..., Awaitable[None]]


async def _wait(pilot, condition, limit: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(limit / 0.02)):
        if condition():
            return
        await pilot.pause(0.02)
    raise TimeoutError("the app did not get there in time")


def _no_blink(app) -> None:  # type: ignore[no-untyped-def]
    from textual.widgets import Input, TextArea

    for widget in [*app.screen.query(TextArea), *app.screen.query(Input)]:
        widget.cursor_blink = False


async def _turn(pilot, prompt: str) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    await _wait(pilot, lambda: app.balance is not None)
    screen = app.screen
    screen.prompt.text = prompt
    await pilot.press("enter")
    await _wait(pilot, lambda: not screen.streaming)
    await pilot.pause()


async def shoot(out: Path) -> list[Path]:
    from siliconchat.config import Config
    from siliconchat.demo.server import DemoServer
    from siliconchat.runtime import demo_settings
    from siliconchat.ui.app import SiliconChatApp
    from siliconchat.ui.widgets.formatting import CLOCK

    CLOCK.frozen = True
    server = DemoServer(pace=0, trace_id="5f1e" * 8).start()
    written: list[Path] = []

    def app_for(model: str, **changes: object) -> SiliconChatApp:
        settings = demo_settings(Config(), server, model=model, system_prompt=None)
        return SiliconChatApp(dataclasses.replace(settings, **changes))  # type: ignore[arg-type]

    async def run(name: str, app: SiliconChatApp, size: tuple[int, int], scene: Scene) -> None:
        async with app.run_test(size=size) as pilot:
            await scene(pilot)
            _no_blink(app)
            await pilot.pause()
            path = out / f"{name}.svg"
            path.write_text(app.export_screenshot(title="siliconchat"), encoding="utf-8")
            written.append(path)

    async def code_turn(pilot) -> None:  # type: ignore[no-untyped-def]
        await _turn(pilot, "Write a Python function that merges two sorted lists")

    async def hello_turn(pilot) -> None:  # type: ignore[no-untyped-def]
        await _turn(pilot, "hello")

    async def picker(pilot) -> None:  # type: ignore[no-untyped-def]
        await _wait(pilot, lambda: pilot.app.balance is not None)
        await pilot.press("f2")
        await _wait(pilot, lambda: type(pilot.app.screen).__name__ == "ModelPickerScreen")
        await _wait(pilot, lambda: not pilot.app.screen._loading)
        await pilot.press(*"qwen3")

    def prepare_history() -> None:
        """A few saved conversations with fixed dates (noon UTC, 2024) for the sidebar picture."""
        from siliconchat.core.conversation import Conversation, Message
        from siliconchat.core.history import HistoryStore

        day, noon = 86400.0, 1_717_243_200.0
        saved = [
            ("What is Rayleigh scattering?", "Qwen/Qwen3-8B", "Short wavelengths scatter more: **blue**."),
            ("Merge two sorted lists in Python", "deepseek-ai/DeepSeek-R1", "Use `heapq.merge(a, b)`."),
            ("Plan a three-day trip to Kyoto", "Qwen/Qwen3-8B", "Day 1: Fushimi Inari early."),
            ("Explain how a hash map works", "deepseek-ai/DeepSeek-R1", "Keys are hashed into buckets."),
        ]
        with HistoryStore.open() as store:
            for number, (prompt, model, answer) in enumerate(saved):
                when = noon + number * day
                messages = [
                    Message("user", prompt, created_at=when - 60),
                    Message(
                        "assistant",
                        answer,
                        reasoning=f"The user asks: {prompt}. Keep it short.",
                        model=model,
                        finish_reason="stop",
                        created_at=when,
                    ),
                ]
                store.create_conversation(
                    Conversation(messages=messages, created_at=when - 60, updated_at=when)
                )

    async def sidebar(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        await _wait(pilot, lambda: app.balance is not None)
        await app.history.wait()
        await pilot.press("f9")
        await _wait(pilot, lambda: app.history.sidebar is not None and app.history.sidebar.loaded)
        bar = app.history.sidebar
        kyoto = next(cid for cid, s in bar.summaries.items() if s.title.startswith("Plan a three-day"))
        bar.list.highlighted = bar.list.get_option_index(str(kyoto))
        await pilot.press("enter")
        await _wait(pilot, lambda: app.screen.conversation.id == kyoto)
        app.history.sidebar.list.focus()
        await pilot.pause()

    async def setup(pilot) -> None:  # type: ignore[no-untyped-def]
        await _wait(pilot, lambda: type(pilot.app.screen).__name__ == "SetupScreen")

    async def stopped(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        await _wait(pilot, lambda: app.balance is not None)
        screen = app.screen
        screen.prompt.text = "Explain how a hash map works"
        await pilot.press("enter")
        # demo/slow thinks at 5 deltas/s: stop it while it is still thinking
        await _wait(pilot, lambda: screen.turn is not None and len(screen.turn.core.recorder.reasoning) > 120)
        await pilot.press("escape")
        await _wait(pilot, lambda: not screen.streaming)

    async def attachments(pilot) -> None:  # type: ignore[no-untyped-def]
        """A message sent with two files and a photo to the demo's vision model, and one more file in the
        tray for the next message."""
        from PIL import Image, ImageDraw

        app = pilot.app
        await _wait(pilot, lambda: app.balance is not None)
        folder = Path(tempfile.mkdtemp(prefix="siliconchat-files-"))
        (folder / "merge.py").write_text(
            "def merge(a: list[int], b: list[int]) -> list[int]:\n    return sorted(a + b)\n",
            encoding="utf-8",
        )
        (folder / "notes.md").write_text("# Notes\n\nMerge must stay stable.\n", encoding="utf-8")
        (folder / "todo.txt").write_text("benchmark heapq.merge\n", encoding="utf-8")
        picture = Image.linear_gradient("L").resize((4000, 3000)).convert("RGB")
        ImageDraw.Draw(picture).ellipse((1200, 700, 2800, 2300), fill=(220, 120, 40))
        picture.save(folder / "whiteboard.jpg", quality=90)
        screen = app.screen
        await screen.attach_files([folder / "merge.py", folder / "notes.md", folder / "whiteboard.jpg"])
        screen.prompt.text = "Does the code match the whiteboard and the notes?"
        await pilot.press("enter")
        await _wait(pilot, lambda: not screen.streaming)
        await screen.attach_files([folder / "todo.txt"])
        await pilot.pause()

    async def compare(pilot) -> None:  # type: ignore[no-untyped-def]
        """One prompt to three models (F8, two more marked with space, Enter), the second one highlighted."""
        app = pilot.app
        await _wait(pilot, lambda: app.balance is not None)
        screen = app.screen
        screen.prompt.text = "Which sorting algorithm should I use for nearly sorted data?"
        await pilot.press("f8")
        await _wait(pilot, lambda: type(app.screen).__name__ == "ModelPickerScreen")
        for model in ("Qwen/Qwen3-8B", "moonshotai/Kimi-K2-Instruct"):
            await pilot.press("ctrl+u", *model)
            await pilot.pause()
            await pilot.press("space")
        await pilot.press("enter")
        await _wait(pilot, lambda: screen.comparing is not None and not screen.comparing.streaming)
        await pilot.press("tab")
        await pilot.pause()

    try:
        prepare_history()  # first: the sidebar shows only these (fixed dates)
        await run("sidebar", app_for("deepseek-ai/DeepSeek-R1"), (120, 40), sidebar)
        await run("chat-wide", app_for("deepseek-ai/DeepSeek-R1"), (120, 40), code_turn)
        await run("chat-narrow", app_for("deepseek-ai/DeepSeek-R1"), (80, 24), hello_turn)
        await run("stopped", app_for("demo/slow"), (120, 40), stopped)
        await run("error", app_for("demo/error-402", max_retries=0), (120, 40), hello_turn)
        await run("attachments", app_for("demo/vision"), (120, 32), attachments)
        favourites = ("Qwen/Qwen3-8B", "deepseek-ai/DeepSeek-R1")
        await run(
            "model-picker", app_for("deepseek-ai/DeepSeek-R1", favourites=favourites), (120, 40), picker
        )
        from siliconchat.core.costs import Price

        prices = {
            "deepseek-ai/DeepSeek-R1": Price(4, 16),
            "Qwen/Qwen3-8B": Price(0, 0),
            "moonshotai/Kimi-K2-Instruct": Price(4, 16),
        }
        await run("compare", app_for("deepseek-ai/DeepSeek-R1", prices=prices), (140, 40), compare)
        await run("compare-narrow", app_for("deepseek-ai/DeepSeek-R1", prices=prices), (80, 24), compare)
        no_key = app_for("Qwen/Qwen3-8B", api_key=None, demo=False, api_key_source=None, region="ap")
        await run("setup", no_key, (100, 32), setup)
    finally:
        server.stop()
        CLOCK.frozen = False
    return written


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots", help="output folder")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="siliconchat-shots-") as home:
        for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
            os.environ[name] = str(Path(home) / name.lower())
        for name in (
            "SILICONFLOW_API_KEY",
            "SILICONFLOW_BASE_URL",
            "SILICONCHAT_MODEL",
            "SILICONCHAT_CONFIG",
        ):
            os.environ.pop(name, None)
        sys.path.insert(0, str(ROOT))
        for path in asyncio.run(shoot(args.out)):
            print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
