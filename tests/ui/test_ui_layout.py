"""Layout, keys, palette commands, keymap overrides, copying and shutdown."""

from __future__ import annotations

import dataclasses

from textual.app import App
from textual.color import Color
from textual.widgets import Footer
from ui_support import chat, rendered, send, wait_for, wait_turn

from siliconchat.config import Config
from siliconchat.runtime import demo_settings
from siliconchat.ui.app import SiliconChatApp
from siliconchat.ui.screens.chat import ChatScreen, last_code_block
from siliconchat.ui.widgets.prompt_input import PromptInput

DESIGN_KEYS = {
    "send": "enter",
    "newline": "ctrl+j,shift+enter",
    "stop": "escape",
    "new_conversation": "ctrl+n",
    "model_picker": "f2",
    "next_favourite": "f3",
    "previous_favourite": "shift+f3",
    "toggle_reasoning": "ctrl+r",
    "toggle_sidebar": "ctrl+b,f9",
    "search": "ctrl+f",
    "save_transcript": "ctrl+s",
    "copy_answer": "ctrl+y",
    "command_palette": "ctrl+p",
    "quit": "ctrl+q",
    "help": "f1",
}


def notifications(app: App[object]) -> list[str]:
    return [n.message for n in app._notifications]


def test_every_key_of_the_design_table_is_bound_with_an_id() -> None:
    owners = (SiliconChatApp, ChatScreen, PromptInput)
    every = [binding for owner in owners for binding in owner.BINDINGS]
    bindings = {b.id: b.key for b in every}  # type: ignore[union-attr]
    for binding_id, key in DESIGN_KEYS.items():
        assert bindings.get(binding_id) == key, binding_id
    assert all(b.id for b in every)  # type: ignore[union-attr]
    forbidden = {"ctrl+m", "ctrl+i", "ctrl+h", "ctrl+left_square_brace"}
    for binding in every:
        assert not forbidden & set(binding.key.split(",")), binding  # type: ignore[union-attr]


async def test_ctrl_r_hides_and_shows_the_reasoning_pane(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = chat(app)
        assert screen.reasoning.display and screen.reasoning.region.width > 0
        conversation_width = screen.view.region.width
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert screen.reasoning.region.width == 0
        assert screen.view.region.width > conversation_width
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert screen.reasoning.region.width > 0


async def test_wide_is_side_by_side_and_80_columns_stack(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = chat(app)
        reasoning, view = screen.reasoning.region, screen.view.region
        assert reasoning.x > view.x and reasoning.y == view.y  # beside the conversation
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert screen.has_class("-narrow")
        reasoning, view = screen.reasoning.region, screen.view.region
        assert reasoning.bottom <= view.y  # above the conversation
        assert reasoning.width == view.width == 80
        assert view.height >= 8  # the conversation stays usable
        await send(pilot, "hello")
        await wait_turn(pilot)
        assert "Hello" in rendered(app, screen.view)
        assert screen.prompt.region.height >= 3
        footer = rendered(app, screen.query_one(Footer))
        assert "f1 Help" in footer and "^p Commands" in footer  # every key fits in 80 columns


async def test_palette_lists_every_command_with_its_key(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)):
        commands = {c.title: c.help for c in app.get_system_commands(app.screen)}
        for title in (
            "Stop the answer",
            "New conversation",
            "Choose a model",
            "Next favourite model",
            "Previous favourite model",
            "Toggle favourite model",
            "Conversation settings",
            "Thinking on/off",
            "Show/hide reasoning",
            "Regenerate last answer",
            "Copy last answer",
            "Copy last code block",
            "Copy reasoning",
            "Show/hide sidebar",
            "Search conversations",
            "Save transcript",
            "Help",
            "Quit",
        ):
            assert title in commands, title
        assert "(f2)" in commands["Choose a model"].lower()


async def test_keymap_from_the_config_remaps_keys(demo_server) -> None:
    config = Config(keymap={"model_picker": "f10", "toggle_reasoning": "f12"})
    app = SiliconChatApp(
        demo_settings(config, demo_server, model="demo/echo", system_prompt=None), config=config
    )
    async with app.run_test(size=(120, 40)) as pilot:
        screen = chat(app)
        await pilot.press("f12")
        await pilot.pause()
        assert not screen.reasoning_visible
        await pilot.press("ctrl+r")  # no longer bound
        assert not screen.reasoning_visible
        await pilot.press("f10")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ModelPickerScreen", "the picker")
        assert "(f10)" in {c.title: c.help for c in app.get_system_commands(screen)}["Choose a model"].lower()


async def test_the_theme_from_the_config_colours_the_first_frame(demo_server) -> None:
    config = Config(theme="nord")
    app = SiliconChatApp(
        demo_settings(config, demo_server, model="demo/echo", system_prompt=None), config=config
    )
    nord = app.get_theme("nord")
    assert nord is not None and nord.background is not None
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.theme == "nord"
        assert chat(app).styles.background == Color.parse(nord.background)


async def test_history_keys_do_the_real_thing(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await app.history.wait()
        for key in ("ctrl+b", "f9"):  # both toggle the sidebar
            await pilot.press(key)
            await pilot.pause()
            sidebar = app.history.sidebar
            assert sidebar is not None and sidebar.display == (key == "ctrl+b")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "nothing to save" in notifications(app)[-1]
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert type(app.screen).__name__ == "SearchScreen"
        assert not any("not available" in message for message in notifications(app))


async def test_copy_answer_code_and_reasoning(make_app) -> None:
    app = make_app(model="deepseek-ai/DeepSeek-R1")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen = chat(app)
        await pilot.press("ctrl+y")
        assert "no last answer" in notifications(app)[-1]
        await send(pilot, "Write a Python function that adds two numbers")
        await wait_turn(pilot)
        message = screen.conversation.messages[-1]
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert app.clipboard == message.content
        assert "Copied the last answer" in notifications(app)[-1]
        await chat(app).action_copy_code()
        code = last_code_block(message.content)
        assert code and app.clipboard == code
        await chat(app).action_copy_reasoning()
        assert app.clipboard == message.reasoning


def test_last_code_block() -> None:
    text = "a\n```python\nx = 1\n```\nb\n~~~\nlast\n~~~\n"
    assert last_code_block(text) == "last\n"
    assert last_code_block("no code") is None


async def test_quitting_mid_stream_cancels_and_closes_the_client(make_app) -> None:
    app = make_app(model="demo/slow")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = chat(app)
        await send(pilot, "a long one")
        await wait_for(
            pilot, lambda: screen.turn is not None and screen.turn.core.recorder.reasoning, "reasoning"
        )
        client = app.client
        worker = screen.turn.worker
        assert client._client is not None and worker is not None
        await pilot.press("ctrl+q")
    assert app.return_value == 0
    assert worker.is_cancelled
    assert client._client is None  # closed


async def test_setup_screen_without_a_key(demo_server, isolated_dirs) -> None:
    from siliconchat.demo.server import DEMO_API_KEY

    settings = demo_settings(Config(), demo_server, model="demo/echo", system_prompt=None)
    settings = dataclasses.replace(settings, api_key=None, demo=False, api_key_source=None)
    app = SiliconChatApp(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        assert type(app.screen).__name__ == "SetupScreen"
        key_input = app.screen.query_one("#setup-key")
        key_input.value = "sk-" + "x" * 48
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: "refused" in str(app.screen.query_one("#setup-message").render()), "hint"
        )
        assert type(app.screen).__name__ == "SetupScreen"  # fixed in place
        key_input.value = DEMO_API_KEY
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen), "the chat screen")
        config_file = isolated_dirs["XDG_CONFIG_HOME"] / "siliconchat" / "config.toml"
        assert DEMO_API_KEY in config_file.read_text()
        assert config_file.stat().st_mode & 0o777 == 0o600
        await send(pilot, "it works")
        await wait_turn(pilot)
        assert chat(app).conversation.messages[-1].content == "it works"


async def test_f1_help_and_f5_conversation_settings_open(make_app) -> None:
    app = make_app(model="Qwen/Qwen3-8B")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = chat(app)
        for key, name in (("f1", "HelpScreen"), ("f5", "ConversationSettingsScreen")):
            await pilot.press(key)
            await wait_for(pilot, lambda name=name: type(app.screen).__name__ == name, name)
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is screen, "the chat screen")


async def test_a_focused_reasoning_pane_looks_focused(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = chat(app).reasoning
        unfocused = pane.styles.border.top
        pane.scroller.focus()
        await pilot.pause()
        assert pane.styles.border.top != unfocused  # the border says where the scroll keys go
        chat(app).prompt.focus()
        await pilot.pause()
        assert pane.styles.border.top == unfocused


async def test_a_shorter_balance_leaves_nothing_of_the_longer_one_in_the_header(make_app) -> None:
    # Reported: "balance 88." stayed in the header after the balance got shorter.
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        header = chat(app).header
        await wait_for(pilot, lambda: app.balance is not None, "the balance")  # then nothing else sets it
        header.set_balance("1288.88")
        await pilot.pause()
        assert "balance 1288.88" in rendered(app, header)
        header.set_balance("5")
        await pilot.pause()
        line = rendered(app, header)
        assert line.rstrip().endswith("balance 5") and "88" not in line
