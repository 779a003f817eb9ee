"""Helpers for the TUI tests (imported by tests/test_ui_*.py and tests/test_snapshots.py)."""

from __future__ import annotations

from textual.app import App
from textual.pilot import Pilot
from textual.widget import Widget

from siliconchat.demo.server import DemoServer, RecordedRequest
from siliconchat.ui.screens.chat import ChatScreen

POLL_LIMIT = 500  # x 0.02 s: 10 s at most, but a demo turn takes a fraction of a second


async def send(pilot: Pilot[object], text: str) -> None:
    """Type ``text`` into the prompt and press Enter."""
    screen = chat(pilot.app)
    screen.prompt.text = text
    await pilot.press("enter")


def chat_requests(server: DemoServer) -> list[RecordedRequest]:
    """The chat requests the server received (the balance request may come before or after them)."""
    return [request for request in server.requests if request.path.endswith("/chat/completions")]


def last_chat(server: DemoServer) -> RecordedRequest:
    requests = chat_requests(server)
    assert requests, "no chat request was sent"
    return requests[-1]


def chat(app: App[object]) -> ChatScreen:
    screen = app.screen
    assert isinstance(screen, ChatScreen), f"the active screen is {screen!r}"
    return screen


async def wait_for(pilot: Pilot[object], condition, what: str = "condition") -> None:  # type: ignore[no-untyped-def]
    for _ in range(POLL_LIMIT):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"timed out waiting for {what}")


async def wait_turn(pilot: Pilot[object], screen: ChatScreen | None = None) -> None:
    """Wait until no answer is streaming and the turn is shown in full."""
    screen = screen or chat(pilot.app)
    await wait_for(pilot, lambda: not screen.streaming, "the turn to end")
    await pilot.pause()


def rendered(app: App[object], widget: Widget) -> str:
    """The text the screen shows inside ``widget``'s region (what a user would read)."""
    region = widget.region
    strips = app.screen._compositor.render_strips()
    lines = []
    for strip in strips[region.y : region.bottom]:
        lines.append(strip.crop(region.x, region.right).text)
    return "\n".join(lines)
