"""Every failure of the API table shows an error block, gives the prompt back, and leaves the app usable."""

from __future__ import annotations

from ui_support import block_words, blocks_of, chat, last_chat, one, rendered, send, wait_turn

from siliconchat.core.conversation import MessageState
from siliconchat.core.turn import LENGTH_NO_ANSWER
from siliconchat.ui.document.conversation_blocks import AnswerBlock, ErrorBlock

SIZE = (120, 40)

# model id -> words the error block must show
ERRORS = {
    "demo/error-400": "rejected (400",
    "demo/error-401": "API key was refused (401",
    "demo/error-402": "balance is insufficient",
    "demo/error-403": "balance is insufficient",
    "demo/error-403-verify": "real-name verification",
    "demo/error-404": "base URL",
    "demo/error-429": "Rate limit",
    "demo/error-500": "service failed (500",
    "demo/error-503": "overloaded",
    "demo/error-504": "service failed (504",
    "demo/error-midstream": "error during the answer",
    "demo/cut": "broke off",
    "demo/cut-clean": "ended before the answer was complete",
}


async def test_each_error_class_shows_an_error_block_and_gives_the_prompt_back(make_app, demo_server) -> None:
    app = make_app(model="demo/echo", max_retries=0)
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        for index, (model, words) in enumerate(ERRORS.items(), start=1):
            app.set_model(model)
            prompt = f"question {index} for {model}"
            await send(pilot, prompt)
            await wait_turn(pilot, screen)
            errors = blocks_of(screen, ErrorBlock)
            assert len(errors) == index, model
            shown = block_words(app, errors[-1])
            assert words in shown, (model, shown)
            assert "Traceback" not in shown
            if model.removeprefix("demo/error-")[:3].isdigit():  # an HTTP status
                assert "trace id:" in shown, (model, shown)  # users quote it to support
            assert errors[-1].title == "Error"
            assert screen.prompt.text == prompt, model  # back in the input, ready to retry
            screen.prompt.clear()
        # The last error block is on screen (the conversation follows the end).
        assert "Error" in rendered(app, screen.view)
        # Partial answers of broken streams are kept and marked; failed requests leave no empty answer.
        states = [m.state for m in screen.conversation.messages if m.role == "assistant"]
        assert MessageState.INCOMPLETE in states
        # Still usable: a normal turn works, and failed prompts are not sent as context.
        app.set_model("demo/echo")
        await send(pilot, "all good?")
        await wait_turn(pilot, screen)
        assert screen.conversation.messages[-1].content == "all good?"
        body = last_chat(demo_server).body
        assert "question 1 for demo/error-400" not in str(body["messages"])


async def test_retry_after_a_failure_sends_the_prompt_once(make_app, demo_server) -> None:
    app = make_app(model="demo/error-503", max_retries=0)
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await send(pilot, "try me")
        await wait_turn(pilot)
        assert screen.prompt.text == "try me"
        app.set_model("demo/echo")
        await pilot.press("enter")  # the prompt came back: Enter retries it
        await wait_turn(pilot)
        body = last_chat(demo_server).body
        assert [m["content"] for m in body["messages"]] == ["try me"]
        assert screen.conversation.messages[-1].content == "try me"


async def test_stalled_stream_times_out_with_a_message(make_app) -> None:
    app = make_app(model="demo/stall", max_retries=0, idle_timeout=0.5)
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await send(pilot, "hello?")
        await wait_turn(pilot)
        assert "stalled" in block_words(app, one(screen, ErrorBlock))
        assert screen.prompt.text == "hello?"


async def test_reasoning_that_uses_the_whole_budget_says_so(make_app) -> None:
    app = make_app(model="demo/length")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await send(pilot, "think hard")
        await wait_turn(pilot)
        message = screen.conversation.messages[-1]
        assert message.finish_reason == "length"
        block = one(screen, ErrorBlock)
        assert LENGTH_NO_ANSWER in block_words(app, block)
        assert "finish reason: length" in rendered(app, one(screen, AnswerBlock))


async def test_model_not_found_opens_the_picker(make_app) -> None:
    app = make_app(model="no-such/model")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await send(pilot, "hello")
        await wait_turn(pilot, screen)
        await pilot.pause()
        assert type(app.screen).__name__ == "ModelPickerScreen"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        assert "does not exist" in block_words(app, one(screen, ErrorBlock))
