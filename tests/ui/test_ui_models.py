"""Switching models: F2 picker, F3 / Shift+F3 favourites, F4 favourite toggle, thinking switch."""

from __future__ import annotations

from ui_support import blocks_of, chat, last_chat, rendered, send, wait_for, wait_turn

from siliconchat.config import load_config
from siliconchat.ui.document.conversation_blocks import AnswerBlock

SIZE = (120, 40)


def picker_open(app) -> bool:  # type: ignore[no-untyped-def]
    return type(app.screen).__name__ == "ModelPickerScreen"


async def test_f2_picker_choice_is_used_by_the_next_request(make_app, demo_server) -> None:
    app = make_app(model="deepseek-ai/DeepSeek-R1")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await send(pilot, "hello")
        await wait_turn(pilot)
        assert last_chat(demo_server).body["model"] == "deepseek-ai/DeepSeek-R1"
        await pilot.press("f2")
        await wait_for(pilot, lambda: picker_open(app), "the picker")
        await pilot.press(*"qwen2.5-7b")
        await pilot.pause()
        for _ in range(5):  # the filtered list also holds the Pro/ variant
            if app.screen._highlighted_model() == "Qwen/Qwen2.5-7B-Instruct":
                break
            await pilot.press("down")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen, "the picker to close")
        assert app.model == "Qwen/Qwen2.5-7B-Instruct"
        assert "Qwen/Qwen2.5-7B-Instruct" in rendered(app, screen.header)
        await send(pilot, "and now?")
        await wait_turn(pilot)
        assert last_chat(demo_server).body["model"] == "Qwen/Qwen2.5-7B-Instruct"
        # Each message records the model that wrote it.
        models = [m.model for m in screen.conversation.messages if m.role == "assistant"]
        assert models == ["deepseek-ai/DeepSeek-R1", "Qwen/Qwen2.5-7B-Instruct"]
        labels = [rendered(app, block).split("\n")[0] for block in blocks_of(screen, AnswerBlock)]
        assert "DeepSeek-R1" in labels[0] and "Qwen2.5-7B-Instruct" in labels[1]


async def test_f3_and_shift_f3_cycle_the_favourites(make_app, demo_server) -> None:
    favourites = ("demo/echo", "Qwen/Qwen2.5-7B-Instruct")
    app = make_app(model="deepseek-ai/DeepSeek-R1", favourites=favourites)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        assert app.model == "demo/echo"
        await send(pilot, "ping")
        await wait_turn(pilot)
        assert last_chat(demo_server).body["model"] == "demo/echo"
        await pilot.press("f3")
        assert app.model == "Qwen/Qwen2.5-7B-Instruct"
        await pilot.press("f3")
        assert app.model == "demo/echo"  # the current model (not a favourite) left the ring
        await pilot.press("shift+f3")
        assert app.model == "Qwen/Qwen2.5-7B-Instruct"
        await send(pilot, "pong")
        await wait_turn(pilot)
        assert last_chat(demo_server).body["model"] == "Qwen/Qwen2.5-7B-Instruct"


async def test_model_choice_and_favourites_are_saved_outside_demo_mode(make_app, demo_server) -> None:
    app = make_app(model="demo/echo", demo=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4")  # mark demo/echo as a favourite
        assert app.favourites == ["demo/echo"]
        app.set_model("Qwen/Qwen3-8B")
        await pilot.pause()
        config = load_config()
        assert config.model == "Qwen/Qwen3-8B"
        assert config.favourites == ["demo/echo"]
        await pilot.press("f3")
        assert app.model == "demo/echo"
        await pilot.press("f4")  # unmark
        assert load_config().favourites == []


async def test_demo_mode_keeps_favourites_in_memory(make_app, isolated_dirs) -> None:
    app = make_app(model="demo/echo")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4")
        app.set_model("Qwen/Qwen3-8B")
        assert app.favourites == ["demo/echo"]
        assert not (isolated_dirs["XDG_CONFIG_HOME"] / "siliconchat" / "config.toml").exists()


async def test_thinking_switch_for_hybrid_models(make_app, demo_server) -> None:
    app = make_app(model="Qwen/Qwen3-8B")
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        assert "thinking on" in rendered(app, screen.header)
        await send(pilot, "hello")
        await wait_turn(pilot)
        assert screen.conversation.messages[-1].reasoning  # thinks by default
        await pilot.press("ctrl+t")
        assert "thinking off" in rendered(app, screen.header)
        await send(pilot, "hello again")
        await wait_turn(pilot)
        assert last_chat(demo_server).body["enable_thinking"] is False
        assert screen.conversation.messages[-1].reasoning == ""
        # Not offered for models without a switch: nothing is sent to them.
        app.set_model("Qwen/Qwen2.5-7B-Instruct")
        await pilot.press("ctrl+t")
        await send(pilot, "plain")
        await wait_turn(pilot)
        assert "enable_thinking" not in last_chat(demo_server).body


async def test_part_of_an_id_with_a_slash_highlights_the_first_match_not_the_id_as_typed(make_app) -> None:
    """ "demo/s" is part of ids in the list: the first of them is highlighted (Enter or space now takes it),
    with "use the id as typed" offered last; it was that row that was highlighted, so Enter chose the model
    "demo/s"."""
    app = make_app(model="demo/echo")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f2")
        await wait_for(pilot, lambda: picker_open(app), "the picker")
        picker = app.screen
        await pilot.press(*"demo/s")
        await pilot.pause()
        assert picker._shown[-1] == "demo/s"  # offered, last
        highlighted = picker._highlighted_model()
        assert (
            highlighted == picker._shown[0] and highlighted != "demo/s" and highlighted.startswith("demo/s")
        )
        await pilot.press(*"low")  # the whole id: that one
        await pilot.pause()
        assert picker._highlighted_model() == "demo/slow"
