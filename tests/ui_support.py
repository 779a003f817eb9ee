"""Helpers for the TUI tests (imported by tests/test_ui_*.py and tests/test_snapshots.py)."""

from __future__ import annotations

from typing import TypeVar

from textual import events
from textual.app import App
from textual.pilot import Pilot
from textual.widget import Widget

from siliconchat.demo.server import DemoServer, RecordedRequest
from siliconchat.ui.document.document_view import Block
from siliconchat.ui.screens.chat import ChatScreen

B = TypeVar("B", bound=Block)
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


def blocks_of(screen: ChatScreen, kind: type[B]) -> list[B]:
    """The conversation's blocks of ``kind``, top to bottom."""
    return [block for block in screen.view.blocks if isinstance(block, kind)]


def one(screen: ChatScreen, kind: type[B]) -> B:
    found = blocks_of(screen, kind)
    assert len(found) == 1, f"{len(found)} blocks of {kind.__name__}"
    return found[0]


def rendered(app: App[object], widget: Widget | Block) -> str:
    """The text the screen shows inside ``widget``'s region (what a user would read); for a block of the
    conversation, all of its lines as the view draws them."""
    if isinstance(widget, Block):
        view = widget.view
        assert view is not None, "the block is not in a view"
        return widget.text(view.content_width, view.styles_for_blocks)
    region = widget.region
    strips = app.screen._compositor.render_strips()
    lines = []
    for strip in strips[region.y : region.bottom]:
        lines.append(strip.crop(region.x, region.right).text)
    return "\n".join(lines)


async def click_block(pilot: Pilot[object], block: Block) -> None:
    """Click the first visible line of ``block`` (scrolled into view first if none is), as a user would."""
    view = block.view
    assert view is not None, "the block is not in a view"
    top = view.block_top(block)
    assert top is not None
    bottom = top + block.height(view.content_width, view.styles_for_blocks)
    shown = int(view.scroll_y), int(view.scroll_y) + view.scrollable_content_region.height
    if bottom <= shown[0] or top >= shown[1]:
        view.scroll_to(y=top, animate=False, force=True, immediate=True)
        await pilot.pause()
    await pilot.click(view, offset=(4, max(top, int(view.scroll_y)) - int(view.scroll_y)))


def block_words(app: App[object], block: Block) -> str:
    """A block's text as one line of words: what its lines say, without the box around them or the wrapping."""
    return " ".join(rendered(app, block).translate(str.maketrans("│╭╮╰╯─▌", "       ")).split())


def painted(app: App[object], widget: Widget) -> list[tuple[str, list[object]]]:
    """Each row the screen shows inside ``widget``'s region: its text and the style of each segment."""
    region = widget.region
    rows = []
    for strip in app.screen._compositor.render_strips()[region.y : region.bottom]:
        row = strip.crop(region.x, region.right)
        rows.append((row.text, [segment.style for segment in row]))
    return rows


NAMED = {"up": None, "down": None, "tab": "\t"}
"""Keys ``type_at_once`` sends by name (any other string is typed character by character)."""


def type_at_once(app: App[object] | Widget, *keys: str) -> None:
    """Post ``keys`` to the app all at once, as the terminal driver does with what a fast typist (or tmux
    send-keys) typed between two reads; Pilot's ``press`` waits for each key to be handled. Posted to a
    widget, they are all in its queue before it handles the first (as when the app forwarded them faster)."""
    for key in keys:
        if key == "enter":
            app.post_message(events.Key("enter", "\r"))
        elif key in NAMED:
            app.post_message(events.Key(key, NAMED[key]))
        else:
            for character in key:
                app.post_message(events.Key("space" if character == " " else character, character))
