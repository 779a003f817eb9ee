"""Cells at the edges: nothing stray at the end of a narrow footer, and text cut for a one-line place (a model
id in the header) is never cut inside an emoji."""

from __future__ import annotations

import pytest
from ui_support import chat, rendered

from siliconchat.ui.widgets.key_footer import KeyFooter


@pytest.mark.parametrize("width", [40, 47, 50, 55, 60, 80])
async def test_a_narrow_footer_ends_with_the_command_palette_key(make_app, width: int) -> None:
    app = make_app(model="demo/echo")
    async with app.run_test(size=(width, 20)) as pilot:
        await pilot.pause()
        row = rendered(app, chat(app).query_one(KeyFooter))
        assert len(row) == width
        # The keys that do not fit are cut under the command palette's key; nothing of them shows after it.
        assert row.endswith("▏^p Commands "), repr(row)


@pytest.mark.parametrize(
    ("model", "shown"),
    [
        ("x" * 77 + "👨‍👩‍👧‍👦" + "-family", "x" * 77 + "…"),  # (joined by U+200D)
        ("x" * 78 + "👍🏽" + "-thumbs-up", "x" * 78 + "…"),
        ("x" * 77 + "👍🏽" + "-thumbs-up", "x" * 77 + "👍🏽…"),
        ("x" * 78 + "🇫🇷" + "-flag", "x" * 78 + "…"),
    ],
)
async def test_a_long_model_id_is_cut_between_emoji_not_inside_one(make_app, model: str, shown: str) -> None:
    app = make_app(model="demo/echo")
    async with app.run_test(size=(120, 10)) as pilot:
        app.set_model(model)
        await pilot.pause()
        header = rendered(app, chat(app).header)
        assert f" {shown} " in header, repr(header)
