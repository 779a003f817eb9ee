"""Branches in the TUI, as a user drives them: regenerate keeps every answer and Alt+Left/Alt+Right visit them
(``‹ i/n ›`` on the answer); Up in an empty prompt picks a prompt, Enter (or e) edits it, sending makes a new
branch whose request is that branch alone; switching back sends the old branch; reopening (``--continue``)
shows the same active path. The real app, the demo server (its recorded requests), a real SQLite history."""

from __future__ import annotations

from textual.pilot import Pilot
from ui_support import blocks_of, chat, last_chat, rendered, send, wait_for, wait_turn

from siliconchat.ui.app import SiliconChatApp
from siliconchat.ui.document.conversation_blocks import AnswerBlock, UserBlock

SIZE = (120, 40)
MODELS = ("demo/echo", "Qwen/Qwen2.5-7B-Instruct", "deepseek-ai/DeepSeek-R1", "THUDM/GLM-4-9B-0414")


async def _history_ready(pilot: Pilot[object]) -> None:
    app = pilot.app
    assert isinstance(app, SiliconChatApp)
    await wait_for(
        pilot, lambda: app.history._ready is not None and app.history._ready.is_set(), "the history"
    )


def _sent(demo_server) -> list[str]:  # type: ignore[no-untyped-def]
    return [m["content"] for m in last_chat(demo_server).body["messages"]]


def _shown(pilot: Pilot[object]) -> list[str]:
    """The texts of the prompts and answers on screen, top to bottom."""
    screen = chat(pilot.app)
    return [
        block.body if isinstance(block, UserBlock) else block.source
        for block in screen.view.blocks
        if isinstance(block, (UserBlock, AnswerBlock))
    ]


async def test_regenerate_three_times_and_visit_every_answer(make_app, demo_server) -> None:
    app = make_app(model=MODELS[0])
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await send(pilot, "Tell me about tides")
        await wait_turn(pilot)
        for model in MODELS[1:]:
            app.set_model(model)
            await screen.action_regenerate()
            await wait_turn(pilot)
            assert _sent(demo_server) == ["Tell me about tides"]
        answers = blocks_of(screen, AnswerBlock)
        assert len(answers) == 1 and answers[0].message.model == MODELS[3]  # one answer shown: the active one
        assert "‹ 4/4 ›" in rendered(app, answers[0])
        seen = []
        for _ in range(4):
            await pilot.press("alt+right")
            await pilot.pause()
            (block,) = blocks_of(screen, AnswerBlock)
            seen.append((block.message.model, block.branch))
        assert seen == [(MODELS[0], (1, 4)), (MODELS[1], (2, 4)), (MODELS[2], (3, 4)), (MODELS[3], (4, 4))]
        await pilot.press("alt+left", "alt+left")
        await pilot.pause()
        (block,) = blocks_of(screen, AnswerBlock)
        assert block.message.model == MODELS[1] and "‹ 2/4 ›" in rendered(app, block)
        assert screen.conversation.messages[-1] is block.message
        assert screen.reasoning.message is block.message  # the shown answer is the selected one


async def test_edit_the_first_prompt_then_switch_back_and_reopen(make_app, demo_server) -> None:
    app = make_app(model="demo/echo")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await _history_ready(pilot)
        for n in range(1, 5):
            await send(pilot, f"prompt {n}")
            await wait_turn(pilot)
        old = [f"prompt {n // 2 + 1}" for n in range(8)]
        assert _shown(pilot) == old
        await pilot.press("up", "up", "up", "up")  # the last prompt, then up to the first
        assert screen.picked is not None and screen.picked.content == "prompt 1"
        first = blocks_of(screen, UserBlock)[0]
        assert first.found  # highlighted
        await pilot.press("e")
        await pilot.pause()
        assert screen.prompt.text == "prompt 1" and screen.focused is screen.prompt
        screen.prompt.insert(", rephrased")
        await pilot.press("enter")
        await wait_turn(pilot)
        assert _sent(demo_server) == ["prompt 1, rephrased"]  # the new branch alone
        assert _shown(pilot) == ["prompt 1, rephrased"] * 2
        assert "‹ 2/2 ›" in rendered(app, blocks_of(screen, UserBlock)[0])
        await send(pilot, "prompt 2b")
        await wait_turn(pilot)
        assert _sent(demo_server) == ["prompt 1, rephrased", "prompt 1, rephrased", "prompt 2b"]

        # Back to the old branch: pick the first prompt, Alt+Left.
        await pilot.press("up", "up", "alt+left")
        await pilot.pause()
        assert _shown(pilot) == old
        assert screen.picked is not None and screen.picked.content == "prompt 1"
        await pilot.press("escape")  # stop picking
        assert screen.picked is None and screen.focused is screen.prompt
        await send(pilot, "prompt 5")
        await wait_turn(pilot)
        assert _sent(demo_server) == [*old, "prompt 5"]
        path = _shown(pilot)
        await wait_for(pilot, lambda: not app.history.saves.pending, "the saves")

    again = SiliconChatApp(app.settings, continue_requested=True)  # siliconchat --continue
    async with again.run_test(size=SIZE) as pilot:
        screen = chat(again)
        await wait_for(pilot, lambda: _shown(pilot) == path, "the same active path")
        assert "‹ 1/2 ›" in rendered(again, blocks_of(screen, UserBlock)[0])
        await send(pilot, "prompt 6")
        await wait_turn(pilot)
        assert _sent(demo_server) == [*path, "prompt 6"]


async def test_a_regenerated_answer_that_fails_shows_the_old_answer_again(make_app, demo_server) -> None:
    app = make_app(model="demo/echo")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await send(pilot, "keep me")
        await wait_turn(pilot)
        app.set_model("demo/error-500")
        await screen.action_regenerate()
        await wait_turn(pilot)
        (block,) = blocks_of(screen, AnswerBlock)
        assert block.source == "keep me" and block.branch is None  # the failed attempt is no branch
        assert [m.content for m in screen.conversation.messages] == ["keep me", "keep me"]
