"""An idle app wakes for nothing: once an answer is on screen and the cursor has stopped blinking, no timer
of the app runs (a timer that ticks while nothing changes costs CPU for as long as the app stays open)."""

from __future__ import annotations

import pytest
from ui_support import chat, send, wait_for, wait_turn

from siliconchat.ui.textual_seams import running_timers
from siliconchat.ui.widgets import prompt_input


async def test_no_timer_runs_once_a_finished_answer_is_on_screen(
    make_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(prompt_input, "BLINK_SECONDS", 0.3)  # the blink rests sooner than 10 s
    app = make_app(model="deepseek-ai/DeepSeek-R1")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = chat(app)
        await send(pilot, "hello")
        await wait_turn(pilot)
        assert screen.conversation.messages[-1].content  # an answer is on screen
        await wait_for(pilot, lambda: not running_timers(app), "no running timer")
        assert not screen.prompt.cursor_blink  # the cursor stays on, still
        # A key wakes the cursor (it blinks for a while), and it rests again.
        await pilot.press("x")
        assert screen.prompt.cursor_blink and any(t.startswith("PromptInput") for t in running_timers(app))
        await wait_for(pilot, lambda: not running_timers(app), "no running timer after the key")
