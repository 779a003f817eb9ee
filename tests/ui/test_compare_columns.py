"""A comparison's column alone (``siliconchat/ui/widgets/compare_columns.py``), in a small app: its numbers'
line when numbers come between a resize and the redraw that follows it."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from ui_support import rendered

from siliconchat.core.conversation import Message
from siliconchat.ui.widgets import compare_columns as columns_module
from siliconchat.ui.widgets.compare_columns import CompareColumn

STYLES = Path(columns_module.__file__).parent.parent / "styles"


class Host(App[None]):
    CSS_PATH = STYLES / "chat.tcss"

    def compose(self) -> ComposeResult:
        yield CompareColumn(Message("assistant", "", model="demo/echo"), 1)


async def test_numbers_shown_right_after_a_resize_are_the_ones_that_stay() -> None:
    """The column redraws its numbers at its new width after a resize; numbers shown before that redraw (the
    answer ended as the window changed) must not be replaced by the ones it had at the resize."""
    app = Host()
    async with app.run_test(size=(60, 20)) as pilot:
        column = app.query_one(CompareColumn)
        column.show_numbers("3 s · 12 tok")
        await pilot.pause()
        assert "3 s · 12 tok" in rendered(app, column.numbers)
        await pilot.resize_terminal(70, 20)
        column.show_numbers("5 s · 40 tok · 8.0 tok/s")  # before the resize's redraw
        await pilot.pause()
        await pilot.pause()
        assert "5 s · 40 tok · 8.0 tok/s" in rendered(app, column.numbers)


async def test_numbers_wider_than_the_column_wrap_between_figures_and_unwrap_when_it_widens() -> None:
    app = Host()
    text = "12 s · 1,234 tok · 98.7 tok/s · ¥0.0123"
    async with app.run_test(size=(30, 20)) as pilot:
        column = app.query_one(CompareColumn)
        column.show_numbers(text)
        await pilot.pause()
        assert column.numbers.size.height == 2
        assert "¥0.0123" in rendered(app, column.numbers) and text not in rendered(app, column.numbers)
        await pilot.resize_terminal(80, 20)
        await pilot.pause()
        await pilot.pause()
        assert column.numbers.size.height == 1 and text in rendered(app, column.numbers)
