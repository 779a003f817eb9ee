"""After a failure or a cut-off answer the prompt comes back to be sent again, and typing never adds to it."""

from __future__ import annotations

from textual.pilot import Pilot
from ui_support import chat, send, wait_turn

from siliconchat.ui.screens.chat import ChatScreen

SIZE = (100, 30)


async def _failed(pilot: Pilot[object], prompt: str) -> ChatScreen:
    screen = chat(pilot.app)
    await send(pilot, prompt)
    await wait_turn(pilot)
    return screen


async def test_typing_after_a_cut_off_answer_replaces_the_prompt_that_came_back(make_app) -> None:
    app = make_app(model="demo/cut", max_retries=0)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _failed(pilot, "first question")
        assert screen.prompt.text == "first question"  # back, to send again
        await pilot.press(*"new one")
        assert screen.prompt.text == "new one"  # not "first questionnew one"


async def test_an_arrow_key_keeps_the_prompt_that_came_back_to_edit_it(make_app) -> None:
    app = make_app(model="demo/error-503", max_retries=0)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _failed(pilot, "try me")
        await pilot.press("end", *" again")
        await pilot.press("home", "delete", "T")
        assert screen.prompt.text == "Try me again"  # (Enter sends it: tests/test_ui_errors.py)


async def test_keys_typed_while_the_answer_fails_are_not_glued_to_the_prompt(make_app) -> None:
    app = make_app(model="demo/cut", max_retries=0)
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await send(pilot, "first question")
        await pilot.press(*"next")  # typed while the answer streams, fails, and the prompt comes back
        await wait_turn(pilot)
        assert screen.prompt.text == "next"
