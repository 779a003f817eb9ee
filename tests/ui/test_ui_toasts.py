"""Toasts never cover the prompt or what is typed in it, in the narrow and the wide layout."""

from __future__ import annotations

import pytest
from ui_support import chat, rendered, wait_for


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_toasts_leave_the_prompt_and_what_is_typed_visible(make_app, size: tuple[int, int]) -> None:
    app = make_app(model="demo/echo")
    async with app.run_test(size=size, notifications=True) as pilot:  # (off by default in tests)
        screen = chat(app)
        typed = "a question typed across the whole width of the prompt, " * 3
        screen.prompt.insert(typed)
        for number in range(6):  # a pile of them
            app.notify_plain(f"Toast {number}: something happened, and here is a sentence about it.")
        await wait_for(pilot, lambda: len(screen.query("Toast")) >= 6, "the toasts")
        await pilot.pause()
        assert "Toast 0" in rendered(app, screen)  # they are shown
        prompt = rendered(app, screen.prompt)  # as the screen shows it, toasts over it included
        assert "Toast" not in prompt and "▌" not in prompt  # (a toast's left edge)
        words = " ".join(prompt.replace("▊", " ").replace("▎", " ").split())
        assert " ".join(typed.split()) in words
        assert "Toast" not in rendered(app, screen.status)
