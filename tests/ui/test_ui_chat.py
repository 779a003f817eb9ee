"""The chat screen against the real demo server: streaming into two panes, cancel, multi-turn, safety."""

from __future__ import annotations

from ui_support import (
    blocks_of,
    chat,
    chat_requests,
    click_block,
    last_chat,
    one,
    painted,
    rendered,
    send,
    type_at_once,
    wait_for,
    wait_turn,
)

from siliconchat.core.conversation import MessageState
from siliconchat.demo import scenarios as sc
from siliconchat.ui.document.conversation_blocks import AnswerBlock, ErrorBlock, UserBlock

SIZE = (120, 40)


async def test_reasoning_and_answer_land_in_their_own_panes(make_app, demo_server) -> None:
    app = make_app(model="deepseek-ai/DeepSeek-R1")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        assert screen.prompt.has_focus  # focused at start
        await send(pilot, "hello there")
        await wait_turn(pilot)

        canned = sc.pick_canned("hello there")
        message = screen.conversation.messages[-1]
        assert message.state is MessageState.COMPLETE
        assert message.model == "deepseek-ai/DeepSeek-R1"
        assert message.reasoning == sc.fill(canned.reasoning, "hello there")
        assert message.content.strip() == sc.fill(canned.answer, "hello there").strip()
        # Each pane shows its own text, in full, once streaming is over.
        block = one(screen, AnswerBlock)
        assert block.source.strip() == message.content.strip()
        assert screen.reasoning.body.source == message.reasoning
        assert "Hello" in rendered(app, block)
        assert "The user" in rendered(app, screen.reasoning)
        assert "thought for" in rendered(app, screen.reasoning)
        status = rendered(app, screen.status)
        assert f"reasoning {message.usage.reasoning_tokens}" in status and "stop" in status
        assert last_chat(demo_server).body["model"] == "deepseek-ai/DeepSeek-R1"
        assert last_chat(demo_server).body["stream"] is True
        # The prompt was emptied and can take the next turn.
        assert screen.prompt.text == ""


async def test_answer_only_model_leaves_the_reasoning_pane_empty(make_app) -> None:
    app = make_app(model="Qwen/Qwen2.5-7B-Instruct")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await send(pilot, "Explain recursion")
        await wait_turn(pilot)
        message = screen.conversation.messages[-1]
        assert message.state is MessageState.COMPLETE
        assert message.content.strip()
        assert message.reasoning == ""
        assert screen.reasoning.body.source == ""
        assert "no reasoning for this answer" in rendered(app, screen.reasoning)


async def test_multi_turn_never_sends_reasoning_back(make_app, demo_server) -> None:
    app = make_app(model="deepseek-ai/DeepSeek-R1")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await send(pilot, "hello")
        await wait_turn(pilot)
        first = screen.conversation.messages[-1]
        await send(pilot, "and now a second question")
        await wait_turn(pilot)
        body = last_chat(demo_server).body
        assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]
        assert all(set(m) == {"role", "content"} for m in body["messages"])
        assert body["messages"][1]["content"] == first.content
        assert first.reasoning not in str(body)
        assert len(blocks_of(screen, UserBlock)) == 2 and len(blocks_of(screen, AnswerBlock)) == 2


async def test_escape_stops_mid_stream_and_the_next_prompt_works(make_app, demo_server) -> None:
    app = make_app(model="demo/slow")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await send(pilot, "tell me a long story")
        turn = screen.turn
        assert turn is not None
        await wait_for(pilot, lambda: len(turn.core.recorder.reasoning) > 5, "some reasoning")
        await pilot.press("escape")
        await wait_turn(pilot)
        message = turn.message
        assert message.state is MessageState.STOPPED
        assert message.reasoning  # the partial reasoning is kept
        assert screen.reasoning.body.source == message.reasoning
        block = one(screen, AnswerBlock)
        assert "stopped" in rendered(app, block)
        view = screen.view
        bar = block.line(1, view.content_width, view.styles_for_blocks)
        assert next(iter(bar)).style == view.styles_for_blocks.bar_warning  # an amber bar
        # The next prompt works (and the worker of the first turn is gone).
        app.set_model("demo/echo")
        await send(pilot, "still there?")
        await wait_turn(pilot)
        assert screen.conversation.messages[-1].content == "still there?"
        assert last_chat(demo_server).body["model"] == "demo/echo"
        assert not [w for w in app.workers if w.group == "stream" and not w.is_finished]


async def test_hostile_output_is_shown_literally_and_does_nothing(make_app) -> None:
    app = make_app(model="demo/hostile")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await send(pilot, "[bold]hi[/] [@click=app.quit]x[/] \x1b]0;pwned\x07")
        await wait_turn(pilot)
        assert app.is_running and app.screen is screen  # no crash, no quit
        message = screen.conversation.messages[-1]
        assert message.content.lstrip("\n") == sc.HOSTILE_ANSWER  # stored raw
        answer = rendered(app, one(screen, AnswerBlock))
        reasoning = rendered(app, screen.reasoning)
        user = rendered(app, one(screen, UserBlock))
        for text in (answer, reasoning, user):
            assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text
        assert "[@click=app.quit]quit[/]" in answer
        assert "stray [/] closer" in answer
        assert "[bold]inside code[/]" in answer
        assert "[bold]bold?[/bold]" in reasoning
        assert "[bold]hi[/] [@click=app.quit]x[/]" in user
        assert "pwned" not in user  # the whole OSC title sequence is dropped
        # Clicking the hostile text runs no action.
        await click_block(pilot, one(screen, AnswerBlock))
        await pilot.pause()
        assert app.is_running


async def test_hostile_error_text_and_model_ids_are_inert(make_app) -> None:
    app = make_app(model="demo/[@click=app.quit]x[/]\x1b]0;t\x07")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        header = rendered(app, screen.header)
        assert "demo/[@click=app.quit]x[/]" in header and "\x1b" not in header
        await send(pilot, "hello")
        await wait_turn(pilot, screen)
        # A model that does not exist opens the picker; closing it shows the error block.
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ModelPickerScreen", "the picker")
        await pilot.press("escape")
        await pilot.pause()
        error = one(screen, ErrorBlock)
        text = rendered(app, error)
        assert "does not exist" in text and "\x1b" not in text
        assert app.is_running


async def test_new_conversation_clears_the_screen(make_app) -> None:
    app = make_app(model="demo/echo")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await send(pilot, "first")
        await wait_turn(pilot)
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert screen.conversation.messages == []
        assert not blocks_of(screen, AnswerBlock)
        assert "Type a prompt" in rendered(app, screen.view)


async def test_selecting_an_earlier_answer_shows_its_reasoning(make_app) -> None:
    app = make_app(model="deepseek-ai/DeepSeek-R1")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await send(pilot, "hello")
        await wait_turn(pilot)
        await send(pilot, "Compare Python and Rust")
        await wait_turn(pilot)
        first, second = screen.conversation.messages[1], screen.conversation.messages[3]
        assert first.reasoning != second.reasoning
        assert screen.reasoning.body.source == second.reasoning
        await click_block(pilot, blocks_of(screen, AnswerBlock)[0])
        await wait_for(pilot, lambda: screen.reasoning.body.source == first.reasoning, "the first reasoning")


async def test_regenerate_resends_the_last_prompt(make_app, demo_server) -> None:
    app = make_app(model="demo/echo")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await send(pilot, "say it again")
        await wait_turn(pilot)
        count = len(chat_requests(demo_server))
        await chat(app).action_regenerate()
        await wait_turn(pilot)
        assert len(chat_requests(demo_server)) == count + 1
        body = last_chat(demo_server).body
        assert [m["content"] for m in body["messages"]] == ["say it again"]
        assert [m.role for m in screen.conversation.messages] == ["user", "assistant"]


async def test_long_answer_streams_and_ends_with_the_full_text(make_app) -> None:
    app = make_app(model="demo/blast-reasoning-3000")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await send(pilot, "go")
        await wait_turn(pilot)
        message = screen.conversation.messages[-1]
        assert message.state is MessageState.COMPLETE
        block = one(screen, AnswerBlock)
        assert block.source == message.content
        assert screen.reasoning.body.source == message.reasoning
        assert len(message.content) > 3000 and len(message.reasoning) > 3000


async def test_selecting_a_long_answer_keeps_the_readers_place(make_app) -> None:
    app = make_app(model="demo/blast-3000")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await send(pilot, "a long one")
        await wait_turn(pilot)
        view = screen.view
        await wait_for(pilot, lambda: view.max_scroll_y > 0 and view.scroll_y == view.max_scroll_y, "the end")
        end = view.scroll_y
        await click_block(pilot, one(screen, AnswerBlock))
        await pilot.pause(0.2)
        assert one(screen, AnswerBlock).selected
        assert view.scroll_y == end  # not thrown back to the answer's first line


async def test_the_labels_change_with_the_first_text_shown(make_app) -> None:
    app = make_app(model="demo/slow")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await app.ready_client()  # the reasoning then comes 0.2 s after Enter, well within a second
        await send(pilot, "tell me a long story")
        pane = screen.reasoning
        label = pane.query_one(".reasoning-status")
        await wait_for(pilot, lambda: pane.body.source.strip() != "", "the first reasoning on screen")
        await pilot.pause(0.1)  # the frame that showed it is done (the numbers change once a second)
        assert "waiting" not in rendered(app, label)
        assert "thinking" in rendered(app, label)
        status = rendered(app, screen.status)
        assert "ttft –" not in status and "ttft" in status
        await pilot.press("escape")
        await wait_turn(pilot)


async def test_text_in_the_conversation_can_be_selected_and_copied(make_app) -> None:
    app = make_app(model="Qwen/Qwen3-8B")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await send(pilot, "Write some python code")
        await wait_turn(pilot)
        screen.view.text_select_all()
        await pilot.pause()
        selected = screen.get_selected_text()
        assert selected is not None
        assert "Write some python code" in selected  # the user's turn
        assert "def " in selected  # the answer's code block, as shown
        assert "\x1b" not in selected
        # The selection is painted (the rows on screen change style, not text), and clearing it repaints them.
        selected_rows = painted(app, screen.view)
        screen.clear_selection()
        await pilot.pause()
        assert screen.get_selected_text() in (None, "")
        plain_rows = painted(app, screen.view)
        assert [text for text, _ in plain_rows] == [text for text, _ in selected_rows]
        assert plain_rows != selected_rows


async def test_typing_while_a_pane_has_focus_goes_to_the_prompt(make_app) -> None:
    app = make_app(model="demo/echo")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await send(pilot, "first")
        await wait_turn(pilot)
        screen.view.focus()
        await pilot.press("pageup", "h", "i")
        assert screen.prompt.has_focus
        assert screen.prompt.text == "hi"


async def test_what_is_typed_right_after_enter_stays_in_the_prompt(make_app, demo_server) -> None:
    """ "alpha⏎beta" typed in one burst: alpha is sent, and beta, typed while it was being sent, stays in the
    prompt (the prompt was emptied after the send, beta with it)."""
    app = make_app(model="demo/echo")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = chat(app)
        before = len(chat_requests(demo_server))
        type_at_once(app, "alpha", "enter", "beta")
        await wait_for(pilot, lambda: len(chat_requests(demo_server)) > before, "the request")
        await wait_turn(pilot)
        await wait_for(pilot, lambda: screen.prompt.text == "beta", "beta in the prompt")
        (request,) = chat_requests(demo_server)[before:]
        assert request.body["messages"][-1]["content"] == "alpha"
        assert screen.prompt.has_focus
