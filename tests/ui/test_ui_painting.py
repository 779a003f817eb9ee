"""The terminal shows what a full repaint would: streaming's partial screen updates never leave a stale cell.

A frame repaints only the lines that changed (the conversation and the reasoning are Line API documents). These tests paint
every update the app sends to the terminal onto a grid of cells, as a terminal would, and whenever the screen
has nothing left to repaint, compare the grid with a full render of the screen, cell by cell (text and style).
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from rich.cells import cell_len
from rich.segment import ControlType, Segment
from rich.style import Style
from textual._compositor import CompositorUpdate, LayoutUpdate
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from ui_support import blocks_of, chat, send, wait_for, wait_turn

from siliconchat.ui.document.conversation_blocks import AnswerBlock

Cell = tuple[str, Style | None]


class Terminal:
    """A grid of cells that Textual's updates are painted onto."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.rows: list[list[Cell]] = [[(" ", None)] * width for _ in range(height)]

    def paint(self, segments: Iterable[Segment], x: int = 0, y: int = 0) -> None:
        for segment in segments:
            if segment.control:
                for code in segment.control:
                    if code[0] is ControlType.CURSOR_MOVE_TO:
                        x, y = int(code[1]), int(code[2])
                continue
            if segment.text == "\n":  # between lines; every line starts with a move
                continue
            for char in segment.text:
                width = cell_len(char)
                if 0 <= y < self.height and 0 <= x < self.width:
                    self.rows[y][x] = (char, segment.style)
                    if width == 2 and x + 1 < self.width:
                        self.rows[y][x + 1] = ("", segment.style)
                x += width


def full_render(screen: Screen[object], width: int, height: int) -> Terminal:
    terminal = Terminal(width, height)
    for y, strip in enumerate(screen._compositor.render_strips()):
        terminal.paint(strip, 0, y)
    return terminal


class Watcher:
    """Paints every update the app displays, from the first full one (the terminal was blank before)."""

    def __init__(self, app: App[object]) -> None:
        self.app = app
        self.terminal = Terminal(app.size.width, app.size.height)
        self.started = False
        self.checks = 0
        display = app._display

        def watching_display(screen: Screen[object], renderable: object) -> None:
            display(screen, renderable)  # type: ignore[arg-type]
            if isinstance(renderable, CompositorUpdate) and not app._batch_count:
                self.painted(screen, renderable)

        app._display = watching_display  # type: ignore[method-assign]

    def painted(self, screen: Screen[object], update: CompositorUpdate) -> None:
        if isinstance(update, LayoutUpdate) and update.region == screen._compositor.size.region:
            self.started = True
        if self.started:
            console = self.app.console
            self.terminal.paint(update.__rich_console__(console, console.options))  # type: ignore[arg-type]

    async def check(self, pilot: Pilot[object]) -> None:
        """Once the screen has settled: the terminal shows what a full render shows, cell for cell.

        A repaint on its way (the prompt's cursor blinks twice a second) lands within a few frames; a stale cell
        stays stale. So a difference must last through three looks, 0.1 s apart, to count.
        """
        await pilot.pause(0.3)
        assert self.started, "no full update was displayed"
        self.checks += 1
        for _ in range(3):
            difference = self._difference()
            if difference is None:
                return
            await pilot.pause(0.1)
        raise AssertionError(f"check {self.checks}: {difference}")

    def _difference(self) -> str | None:
        expected = full_render(self.app.screen, self.terminal.width, self.terminal.height)
        for y, (shown, wanted) in enumerate(zip(self.terminal.rows, expected.rows, strict=True)):
            if shown != wanted:
                text = "".join(char for char, _ in shown)
                want = "".join(char for char, _ in wanted)
                if text != want:
                    return f"row {y}: a stale text\n  shown {text!r}\n  full  {want!r}"
                return f"row {y}: a stale style in {text!r}"
        return None


@pytest.mark.parametrize(
    ("model", "size", "prompts"),
    [
        # Reasoning and answer, sealed pieces, folding, a pane that scrolls: frame after frame of partial updates.
        ("demo/blast-reasoning-3000", (120, 40), 1),
        # Headings, lists, a quote and code in reasoning and answer, in two turns; the panes stacked.
        ("deepseek-ai/DeepSeek-R1", (80, 24), 2),
    ],
)
async def test_streamed_answers_leave_no_stale_cell(
    make_app, model: str, size: tuple[int, int], prompts: int
) -> None:
    app = make_app(model=model)
    async with app.run_test(size=size) as pilot:
        watcher = Watcher(app)
        for number in range(prompts):
            await send(pilot, f"question {number}")
            await wait_turn(pilot)
            await watcher.check(pilot)


async def test_an_answer_stopped_mid_stream_leaves_no_stale_cell(make_app) -> None:
    # Stopped while both panes grow (5 deltas/s): the screen as the frames left it, not after a final repaint.
    app = make_app(model="demo/slow")
    async with app.run_test(size=(120, 40)) as pilot:
        watcher = Watcher(app)
        await app.ready_client()
        for seconds in (1.0, 3.0):
            await send(pilot, "a long story")
            await pilot.pause(1.0)
            if seconds > 1:
                # A focused answer has a background of its own: the rows it grows by must be painted with it.
                screen = chat(app)
                screen.view.select(blocks_of(screen, AnswerBlock)[-1].message)
                await pilot.pause(seconds - 1.0)
            await pilot.press("escape")
            await wait_turn(pilot)
            await watcher.check(pilot)


async def test_a_focused_answer_grows_and_shrinks_with_its_own_background(make_app) -> None:
    # A focused answer has a background of its own: the rows it grows by, and gives back at the end (its blank
    # reserve), must be painted.
    app = make_app(model="demo/blast-1000")
    async with app.run_test(size=(120, 40)) as pilot:
        watcher = Watcher(app)
        screen = chat(app)
        await send(pilot, "go")
        await wait_for(pilot, lambda: bool(blocks_of(screen, AnswerBlock)), "the answer block")
        screen.view.select(blocks_of(screen, AnswerBlock)[-1].message)
        await wait_turn(pilot)
        await watcher.check(pilot)
