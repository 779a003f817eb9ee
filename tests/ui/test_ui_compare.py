"""Comparing models in the TUI, as a user drives it: F8 opens the model picker with marks (space), Enter sends
the prompt to the marked models at once, their answers stream side by side (tabs when narrow), Tab highlights
one, Enter in the empty prompt picks it (the active branch, the others its siblings), Escape stops one, a
failing model fails only its column, and the comparison set is remembered. The real app, the demo server (its
recorded requests), a real SQLite history."""

from __future__ import annotations

from textual.app import App
from textual.pilot import Pilot
from ui_support import blocks_of, chat, chat_requests, rendered, wait_for

from siliconchat.config import load_config
from siliconchat.core.conversation import MessageState
from siliconchat.ui.document.conversation_blocks import AnswerBlock
from siliconchat.ui.screens.chat import ChatScreen
from siliconchat.ui.screens.chat_compare import ShownComparison
from siliconchat.ui.screens.model_picker import ModelPickerScreen

WIDE = (140, 40)
NARROW = (80, 24)
PROMPT = "Compare these please"


async def _mark(pilot: Pilot[object], *models: str) -> None:
    """In the open picker: filter to each of ``models`` and mark it with space."""
    picker = pilot.app.screen
    assert isinstance(picker, ModelPickerScreen)
    for model in models:
        await pilot.press("ctrl+u", *model, "space")  # at once: the space marks what was typed before it
    await pilot.press("ctrl+u")


async def _compare(pilot: Pilot[object], *models: str) -> ChatScreen:
    """Type the prompt, open the compare picker (F8), mark ``models`` (the current model comes marked) and
    press Enter; wait until every answer has ended."""
    screen = chat(pilot.app)
    screen.prompt.text = PROMPT
    await pilot.press("f8")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ModelPickerScreen), "the picker")
    await _mark(pilot, *models)
    await pilot.press("enter")
    await wait_for(pilot, lambda: screen.comparing is not None, "the comparison")
    await _ended(pilot, screen)
    return screen


async def _ended(pilot: Pilot[object], screen: ChatScreen) -> None:
    comparing = screen.comparing
    assert comparing is not None
    await wait_for(pilot, lambda: not comparing.streaming, "every answer to end")
    await pilot.pause()


async def test_compare_three_models_then_pick_the_second(make_app, demo_server) -> None:
    app = make_app(model="demo/echo")
    before = len(chat_requests(demo_server))
    async with app.run_test(size=WIDE) as pilot:
        screen = await _compare(pilot, "Qwen/Qwen2.5-7B-Instruct", "deepseek-ai/DeepSeek-R1")
        comparing = screen.comparing
        assert comparing is not None
        models = [answer.message.model for answer in comparing.answers]
        assert models == ["demo/echo", "Qwen/Qwen2.5-7B-Instruct", "deepseek-ai/DeepSeek-R1"]
        # One request per model, each with the same conversation: the prompt alone.
        requests = chat_requests(demo_server)[before:]
        assert sorted(r.body["model"] for r in requests) == sorted(models)
        assert all([m["content"] for m in r.body["messages"]] == [PROMPT] for r in requests)
        # Every column shows its model's whole answer and how it ended, side by side.
        columns = screen.panel.columns
        assert len(columns) == 3 and all(column.display for column in columns)
        assert len({column.region.x for column in columns}) == 3
        for answer in comparing.answers:
            assert answer.message.state is MessageState.COMPLETE and answer.message.content
            assert answer.column.answer.source == answer.message.content
            title = rendered(app, answer.column.title)
            assert "done" in title and answer.column.number == columns.index(answer.column) + 1
            assert "tok/s" in rendered(app, answer.column.numbers)
        assert "compared 3 models: 3 of 3 done" in rendered(app, screen.status)
        # Tab highlights the second answer; Enter in the empty prompt picks it.
        await pilot.press("tab")
        assert screen.panel.current is columns[1] and columns[1].has_class("-highlighted")
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.comparing is None, "the comparison to close")
        picked = comparing.answers[1].message
        assert screen.conversation.messages[-1] is picked
        (block,) = blocks_of(screen, AnswerBlock)
        assert block.message is picked and "‹ 2/3 ›" in rendered(app, block)
        # The others are its siblings: Alt+Right visits the third.
        await pilot.press("alt+right")
        await pilot.pause()
        (block,) = blocks_of(screen, AnswerBlock)
        assert block.message is comparing.answers[2].message


async def _start(app: App[object], models: list[str]) -> tuple[ChatScreen, ShownComparison]:
    """Compare the prompt on ``models`` at once (no picker): the screen and the comparison on it."""
    screen = chat(app)
    screen.prompt.text = PROMPT
    await screen.compare(models)
    comparing = screen.comparing
    assert comparing is not None
    return screen, comparing


async def test_escape_stops_the_highlighted_answer_and_the_others_go_on(make_app, demo_server) -> None:
    app = make_app(model="demo/slow")
    async with app.run_test(size=WIDE) as pilot:
        screen, comparing = await _start(app, ["demo/slow", "demo/echo"])
        await wait_for(
            pilot, lambda: comparing.answers[0].message.state is MessageState.STREAMING, "streaming"
        )
        await pilot.press("escape")  # the highlighted one: the first
        await _ended(pilot, screen)
        slow, echo = (answer.message for answer in comparing.answers)
        assert slow.state is MessageState.STOPPED
        assert echo.state is MessageState.COMPLETE and echo.content
        assert "stopped" in rendered(app, comparing.answers[0].column.title)
        # Nothing streams now: Escape closes the comparison, keeping the first answer on the active path.
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen.comparing is None, "the comparison to close")
        assert screen.conversation.messages[-1] is slow
        assert screen.query_one("#body").display and not screen.panel.display


async def test_a_failing_model_fails_its_column_only(make_app, demo_server) -> None:
    app = make_app(model="demo/error-400")
    async with app.run_test(size=WIDE) as pilot:
        screen, comparing = await _start(app, ["demo/error-400", "demo/echo"])
        await _ended(pilot, screen)
        failed, fine = comparing.answers
        assert failed.message.state is MessageState.FAILED
        assert fine.message.state is MessageState.COMPLETE and fine.column.answer.source
        error = failed.column.error
        assert error is not None and error.body == failed.message.error
        assert "failed" in rendered(app, failed.column.title)
        # The failed first answer is not kept on the active path: the one that completed is.
        assert screen.conversation.messages[-1] is fine.message


async def test_narrow_screens_show_one_answer_under_tabs(make_app, demo_server) -> None:
    app = make_app(model="demo/echo")
    async with app.run_test(size=NARROW) as pilot:
        screen, _comparing = await _start(
            app, ["demo/echo", "Qwen/Qwen2.5-7B-Instruct", "THUDM/GLM-4-9B-0414"]
        )
        await _ended(pilot, screen)
        panel = screen.panel
        assert panel.tabs.display
        assert [column.display for column in panel.columns] == [True, False, False]
        tabs = rendered(app, panel.tabs)
        assert "1 ✓ echo" in tabs and "2 ✓" in tabs and "3 ✓" in tabs
        await pilot.press("tab", "tab")
        await pilot.pause()
        assert [column.display for column in panel.columns] == [False, False, True]
        await pilot.press("shift+tab")
        await pilot.pause()
        assert [column.display for column in panel.columns] == [False, True, False]


async def test_a_hidden_column_whose_stream_is_over_is_shown_whole_at_once(make_app, demo_server) -> None:
    """Under tabs, a long answer in a hidden column is not written frame by frame once its stream is over:
    turned to, it showed text seconds old under a title that said "done"."""
    app = make_app(model="demo/slow")
    async with app.run_test(size=NARROW) as pilot:
        screen, comparing = await _start(app, ["demo/blast-20000", "demo/slow", "demo/code"])
        hidden = comparing.answers[2]
        assert not hidden.column.display
        await wait_for(pilot, lambda: hidden.received, "the code's stream to end")
        await pilot.pause()
        await pilot.pause()
        assert hidden.ended and hidden.column.answer.source == hidden.message.content
        screen.stop_answer()
        await _ended(pilot, screen)


async def test_the_picker_marks_at_most_four_and_remembers_the_set(make_app, demo_server) -> None:
    app = make_app(model="demo/echo", demo=False, api_key_source="flag")
    async with app.run_test(size=WIDE) as pilot:
        screen = chat(app)
        await pilot.pause()
        before = len(chat_requests(demo_server))
        await pilot.press("f8")  # no prompt yet: the set is still chosen and remembered
        await wait_for(pilot, lambda: isinstance(app.screen, ModelPickerScreen), "the picker")
        picker = app.screen
        assert isinstance(picker, ModelPickerScreen)
        assert picker._marked == ["demo/echo"]  # the current model comes marked
        await pilot.press("enter")  # one model: not a comparison
        assert app.screen is picker
        extra = ("Qwen/Qwen2.5-7B-Instruct", "deepseek-ai/DeepSeek-R1", "THUDM/GLM-4-9B-0414", "demo/slow")
        await _mark(pilot, *extra)
        assert picker._marked == ["demo/echo", *extra[:3]]  # the fifth is refused
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen and screen.comparing is None  # nothing sent without a prompt
        assert load_config().compare_models == ["demo/echo", *extra[:3]]
        assert len(chat_requests(demo_server)) == before
        # Shift+F8 compares on the remembered set at once.
        screen.prompt.text = PROMPT
        await pilot.press("shift+f8")
        await wait_for(pilot, lambda: screen.comparing is not None, "the comparison")
        await _ended(pilot, screen)
        assert len(chat_requests(demo_server)) == before + 4
