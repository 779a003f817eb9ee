"""The prompt's cursor blinks while the user is typing, and stays still (and shown) otherwise."""

from __future__ import annotations

import pytest
from ui_support import chat, send, wait_for, wait_turn

from siliconchat.ui.widgets import prompt_input

SIZE = (120, 40)


def blinking(prompt: prompt_input.PromptInput) -> bool:
    return prompt.cursor_blink and prompt.blink_timer._active.is_set()


async def test_the_cursor_stops_blinking_when_nothing_is_typed_for_a_while(
    make_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(prompt_input, "BLINK_SECONDS", 1.0)
    app = make_app(model="demo/echo")
    async with app.run_test(size=SIZE) as pilot:
        prompt = chat(app).prompt
        await wait_for(pilot, lambda: not blinking(prompt), "the blinking to stop after start-up")
        assert prompt.has_focus and prompt._cursor_visible  # still, and shown
        await pilot.press("a")
        assert blinking(prompt)
        await wait_for(pilot, lambda: not blinking(prompt), "the blinking to stop after a key")
        assert prompt._cursor_visible
        await pilot.press("b")
        await wait_for(pilot, lambda: blinking(prompt), "blinking again")
        assert prompt.text == "ab"


async def test_the_cursor_is_still_while_an_answer_streams_and_blinks_after_it(
    make_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(prompt_input, "BLINK_SECONDS", 30)  # a key's blinking would outlast the test
    monkeypatch.setattr(prompt_input, "ANSWER_BLINK_SECONDS", 0.5)
    app = make_app(model="demo/slow")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        prompt = screen.prompt
        await send(pilot, "hello")
        await wait_for(pilot, lambda: screen.streaming, "the answer")
        assert not blinking(prompt) and prompt._cursor_visible
        await pilot.press("n", "e", "x", "t")  # typing the next prompt meanwhile: still no blinking
        assert screen.streaming and not blinking(prompt)
        await pilot.press("escape")
        await wait_turn(pilot)
        assert blinking(prompt)  # your turn
        await wait_for(pilot, lambda: not blinking(prompt), "the blinking to stop (a short while)")
