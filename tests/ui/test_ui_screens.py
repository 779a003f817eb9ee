"""Pilot tests of the secondary screens: model picker, first-run setup, conversation settings, help.

Each test runs a tiny host app that pushes one screen and records what it dismisses with. The setup
screen is tested with a real ``test_key`` (the real ``ChatClient.user_info()`` over real HTTP against the
real demo server): no mocks. Config files go to the temporary XDG folders of ``conftest.isolated_dirs``.
"""

from __future__ import annotations

import asyncio
import stat
import sys
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Input, OptionList, Static, Switch, TextArea

from siliconchat import paths
from siliconchat.config import load_config
from siliconchat.core.api import check_key
from siliconchat.core.conversation import ModelParams
from siliconchat.core.errors import ApiFailure
from siliconchat.core.events import ErrorKind, Failed
from siliconchat.demo.server import DEMO_API_KEY, DemoServer
from siliconchat.ui.screens.help import HelpScreen
from siliconchat.ui.screens.model_picker import ModelPickerScreen, filter_models
from siliconchat.ui.screens.settings import ConversationSettingsScreen
from siliconchat.ui.screens.setup import SetupResult, SetupScreen

HOSTILE = "[bold]x[/] [@click=app.quit]boom[/] \x1b]0;title\x07\x1b[2J"
MODELS = [
    "Qwen/Qwen3-8B",
    "deepseek-ai/DeepSeek-R1",
    "deepseek-ai/DeepSeek-V3.1",
    "THUDM/GLM-4-9B-0414",
    "Qwen/QwQ-32B",
    "Qwen/Qwen2.5-7B-Instruct",
    "Pro/deepseek-ai/DeepSeek-R1",
    "moonshotai/Kimi-K2-Instruct",
    *(f"vendor/model-{i:03d}" for i in range(500)),
]


class Host(App[None]):
    """Pushes the screen made by ``make_screen`` and records every result it dismisses with."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+n", "noop", "New conversation", id="new_conversation"),
        Binding("f2", "noop", "Choose a model", id="model_picker"),
        Binding("ctrl+b,f9", "noop", "Show or hide the sidebar", id="toggle_sidebar"),
        Binding("ctrl+x", "noop", "Hidden but listed", id="hidden", show=False),
        Binding("f5", "chat_only", "Only on the main screen", id="chat_only"),
    ]

    def __init__(self, make_screen: Callable[[], Screen[Any]]) -> None:
        super().__init__()
        self.make_screen = make_screen
        self.results: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Static("host")

    def on_mount(self) -> None:
        self.push_screen(self.make_screen(), self.results.append)

    def action_noop(self) -> None:
        pass

    def action_chat_only(self) -> None:
        pass

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Like the real app: some actions only exist while the main screen is on top.
        if action == "chat_only":
            return self.screen is self.screen_stack[0]
        return True


async def wait_until(pilot: Any, condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Let the app run until ``condition()`` holds (the screens do their work in workers)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.02)


async def type_text(pilot: Any, text: str) -> None:
    await pilot.press(*text)


async def paste(pilot: Any, text: str) -> None:
    """Paste ``text`` into the focused widget, as a terminal's bracketed paste does (keys are pasted)."""
    focused = pilot.app.focused
    assert focused is not None
    focused.post_message(events.Paste(text))
    await pilot.pause()


def option_texts(screen: Screen[Any], selector: str = "#picker-list") -> list[str]:
    option_list = screen.query_one(selector, OptionList)
    return [str(getattr(option.prompt, "plain", option.prompt)) for option in option_list.options]


def static_text(screen: Screen[Any], selector: str) -> str:
    return str(getattr(screen.query_one(selector, Static).content, "plain", ""))


# --------------------------------------------------------------------------------------------------------------
# Model picker
# --------------------------------------------------------------------------------------------------------------


def picker(
    models: list[str] | None = MODELS,
    *,
    current: str = "Qwen/Qwen3-8B",
    favourites: tuple[str, ...] = ("deepseek-ai/DeepSeek-R1",),
    load_models: Any = None,
    toggled: list[str] | None = None,
) -> Callable[[], ModelPickerScreen]:
    def make() -> ModelPickerScreen:
        return ModelPickerScreen(
            models,
            current=current,
            favourites=favourites,
            load_models=load_models,
            toggle_favourite=(toggled.append if toggled is not None else lambda model: None),
        )

    return make


def test_filter_models_substring_words_then_fuzzy() -> None:
    ids = ["Qwen/Qwen3-8B", "deepseek-ai/DeepSeek-R1", "Qwen/QwQ-32B", "THUDM/GLM-4-9B-0414"]
    assert [m for m, _ in filter_models("", ids)] == ids
    assert [m for m, _ in filter_models("QWEN", ids)] == ["Qwen/Qwen3-8B", "Qwen/QwQ-32B"]
    assert [m for m, _ in filter_models("qwen 8b", ids)] == ["Qwen/Qwen3-8B"]
    # Fuzzy (letters in order) after the substring matches.
    assert [m for m, _ in filter_models("dsr1", ids)] == ["deepseek-ai/DeepSeek-R1"]
    assert filter_models("r1", ids)[0] == ("deepseek-ai/DeepSeek-R1", [(21, 23)])


async def test_picker_lists_favourites_first_marks_current_and_filters() -> None:
    app = Host(picker())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, ModelPickerScreen)
        texts = option_texts(screen)
        assert len(texts) == len(MODELS)
        assert texts[0].startswith("★") and "deepseek-ai/DeepSeek-R1" in texts[0]
        assert not any(t.startswith("★") for t in texts[1:])
        # The rest is sorted case-insensitively; the current model is marked and highlighted.
        rest = [t[4:].split("  ")[0] for t in texts[1:]]
        assert rest == sorted(rest, key=str.lower)
        current = next(t for t in texts if "Qwen/Qwen3-8B" in t)
        assert "●" in current
        option_list = screen.query_one("#picker-list", OptionList)
        assert option_list.highlighted == texts.index(current)
        assert "hybrid thinking" in static_text(screen, "#picker-family")
        assert app.focused is screen.query_one("#picker-filter", Input)

        await type_text(pilot, "deepseek")
        texts = option_texts(screen)
        assert all("deepseek" in t.lower() for t in texts)
        assert len(texts) == 3
        assert texts[0].startswith("★")  # favourites stay first
        await type_text(pilot, "-r1")
        assert [t for t in option_texts(screen) if "R1" in t] == option_texts(screen)
        assert "thinks" in static_text(screen, "#picker-family")


async def test_picker_enter_returns_highlighted_and_arrows_move_it() -> None:
    app = Host(picker())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await type_text(pilot, "qwen")
        assert option_texts(screen)[0].endswith("Qwen/Qwen2.5-7B-Instruct")
        await pilot.press("down")
        assert app.focused is screen.query_one("#picker-filter", Input)  # focus stays in the filter
        await pilot.press("down", "up", "enter")
        assert app.results == ["Qwen/Qwen3-8B"]


async def test_picker_pages_through_a_long_list() -> None:
    app = Host(picker(current="deepseek-ai/DeepSeek-R1"))
    async with app.run_test(size=(80, 24)) as pilot:
        option_list = app.screen.query_one("#picker-list", OptionList)
        assert option_list.highlighted == 0
        await pilot.press("pagedown")
        page = option_list.highlighted
        assert page is not None and page > 3
        await pilot.press("pagedown", "pageup")
        assert option_list.highlighted == page
        expected = option_texts(app.screen)[page][4:].split("  ")[0]
        await pilot.press("enter")
        assert app.results == [expected]


async def test_picker_typed_unknown_id_is_used() -> None:
    app = Host(picker())
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, "acme/llm-9")
        texts = option_texts(app.screen)
        assert "use the id acme/llm-9" in texts[0]
        await pilot.press("enter")
        assert app.results == ["acme/llm-9"]


async def test_picker_escape_returns_none() -> None:
    app = Host(picker())
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, "qwen")
        await pilot.press("escape")
        assert app.results == [None]


async def test_picker_ctrl_t_toggles_favourite_at_once() -> None:
    toggled: list[str] = []
    app = Host(picker(toggled=toggled))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await type_text(pilot, "kimi")
        assert not option_texts(screen)[0].startswith("★")
        await pilot.press("ctrl+t")
        assert toggled == ["moonshotai/Kimi-K2-Instruct"]
        assert option_texts(screen)[0].startswith("★")
        assert "favourite" in static_text(screen, "#picker-family")
        # Clearing the filter re-sorts: the new favourite now comes first with the old one.
        await pilot.press(*["backspace"] * 4)
        texts = option_texts(screen)
        assert texts[0].startswith("★") and texts[1].startswith("★")
        assert "moonshotai/Kimi-K2-Instruct" in texts[1]
        await pilot.press("ctrl+t")  # the highlight is on the current model (not a favourite)
        assert toggled[-1] == "Qwen/Qwen3-8B"
        await pilot.press("home")  # Input's home: the filter keeps focus
        await type_text(pilot, "kimi")
        await pilot.press("ctrl+t")
        assert toggled[-1] == "moonshotai/Kimi-K2-Instruct"
        assert not option_texts(screen)[0].startswith("★")


async def test_picker_loads_models_in_a_worker() -> None:
    release = asyncio.Event()

    async def load() -> list[str]:
        await release.wait()
        return ["Qwen/Qwen3-8B", "zai-org/GLM-4.5", "deepseek-ai/DeepSeek-R1"]

    app = Host(picker(None, load_models=load))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert "Loading" in static_text(screen, "#picker-status")
        # Favourites and the current model are offered at once.
        assert len(option_texts(screen)) == 2
        release.set()
        await wait_until(pilot, lambda: len(option_texts(screen)) == 3)
        assert not screen.query_one("#picker-status", Static).display
        await type_text(pilot, "glm")
        await pilot.press("enter")
        assert app.results == ["zai-org/GLM-4.5"]


async def test_picker_load_failure_shows_message_and_allows_typed_id() -> None:
    message = "The API key was refused (401: Invalid token). Check the key."

    async def load() -> list[str]:
        raise ApiFailure(Failed(message, ErrorKind.AUTH, status=401))

    app = Host(picker(None, load_models=load))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await wait_until(pilot, lambda: "refused" in static_text(screen, "#picker-status"))
        assert message in static_text(screen, "#picker-status")
        assert screen.query_one("#picker-status", Static).has_class("-error")
        await type_text(pilot, "Qwen/Qwen3-32B")
        await pilot.press("enter")
        assert app.results == ["Qwen/Qwen3-32B"]


async def test_picker_shows_hostile_ids_literally() -> None:
    app = Host(picker([HOSTILE, "Qwen/Qwen3-8B"]))
    async with app.run_test(size=(80, 24)) as pilot:
        texts = option_texts(app.screen)
        hostile = next(t for t in texts if "boom" in t)
        assert "[bold]x[/] [@click=app.quit]boom[/]" in hostile
        assert "\x1b" not in hostile and "\x07" not in hostile
        await pilot.click("#picker-list", offset=(8, texts.index(hostile)))
        await pilot.pause()
        assert app.is_running
        assert app.results == [HOSTILE]  # the id itself is returned as is; the server decides


# --------------------------------------------------------------------------------------------------------------
# First-run setup, against the real demo server
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def setup_server() -> Iterator[DemoServer]:
    server = DemoServer(api_key=DEMO_API_KEY).start()
    yield server
    server.stop()


def real_test_key(server: DemoServer) -> Callable[[str, str], Any]:
    """What the app does (``check_key``: ``/user/info`` through the real SDK), against the demo server."""

    async def test_key(key: str, region: str) -> str | None:
        return await check_key(server.base_url, key, region)

    return test_key


async def test_setup_wrong_key_then_fixed_key_saves_config(setup_server: DemoServer) -> None:
    app = Host(lambda: SetupScreen(region="cn", test_key=real_test_key(setup_server)))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, SetupScreen)
        key_input = screen.query_one("#setup-key", Input)
        assert key_input.password and app.focused is key_input
        assert screen.selected_region == "cn"

        wrong = "sk-" + "x" * 48
        await paste(pilot, wrong)
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.query_one("#setup-message", Static).has_class("-error"))
        error = static_text(screen, "#setup-message")
        assert "refused" in error and "401" in error
        assert "cloud.siliconflow.com" in error  # the hint names the other platform
        assert wrong not in error
        assert not paths.config_file().exists()
        assert app.results == []

        # Fix it in place: pick another region, paste the right key.
        await pilot.press("tab", "tab", "up")
        assert screen.selected_region == "global"
        await pilot.press("shift+tab", "shift+tab")
        assert app.focused is key_input
        key_input.clear()
        await paste(pilot, f"  {DEMO_API_KEY}\n")  # pasted with whitespace around it
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(app.results))
        assert app.results == [SetupResult(api_key=DEMO_API_KEY, region="global")]

    config_file = paths.config_file()
    assert config_file.exists()
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o600 or sys.platform == "win32"
    assert DEMO_API_KEY in config_file.read_text(encoding="utf-8")
    config = load_config()
    assert config.api_key == DEMO_API_KEY and config.region == "global"


async def test_setup_warns_on_key_shape_and_reveals_on_request(setup_server: DemoServer) -> None:
    app = Host(lambda: SetupScreen(region="ap", test_key=real_test_key(setup_server)))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await type_text(pilot, "not-a-key")
        assert "sk- and 48 lowercase letters" in static_text(screen, "#setup-key-note")
        key_input = screen.query_one("#setup-key", Input)
        assert key_input.password
        await pilot.press("ctrl+r")
        assert not key_input.password
        await pilot.press("ctrl+r")
        assert key_input.password
        key_input.clear()
        await paste(pilot, "sk-" + "a" * 48)
        assert static_text(screen, "#setup-key-note") == ""
        await pilot.press("escape")
        assert app.results == [None]
    assert not paths.config_file().exists()


async def test_setup_empty_key_and_config_error_keep_everything(setup_server: DemoServer) -> None:
    config_file = paths.config_file()
    config_file.parent.mkdir(parents=True)
    config_file.write_text("api_key = [\n", encoding="utf-8")  # malformed: never overwritten
    app = Host(lambda: SetupScreen(region="ap", test_key=real_test_key(setup_server)))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await pilot.press("enter")
        assert "Paste your API key" in static_text(screen, "#setup-message")
        await paste(pilot, DEMO_API_KEY)
        await pilot.press("enter")
        await wait_until(pilot, lambda: "could not be saved" in static_text(screen, "#setup-message"))
        message = static_text(screen, "#setup-message")
        assert str(config_file) in message and DEMO_API_KEY not in message
        assert screen.query_one("#setup-key", Input).value == DEMO_API_KEY
        assert app.results == []
        assert not screen.query_one("#setup-save").disabled
    assert config_file.read_text(encoding="utf-8") == "api_key = [\n"


# --------------------------------------------------------------------------------------------------------------
# Conversation settings
# --------------------------------------------------------------------------------------------------------------


def settings(
    model: str = "Qwen/Qwen3-8B", params: ModelParams | None = None, system_prompt: str | None = None
) -> Callable[[], ConversationSettingsScreen]:
    return lambda: ConversationSettingsScreen(
        model=model, params=params or ModelParams(), system_prompt=system_prompt
    )


async def set_field(pilot: Any, screen: Screen[Any], selector: str, text: str) -> None:
    field = screen.query_one(selector, Input)
    field.focus()
    field.clear()
    await pilot.pause()
    await type_text(pilot, text)


async def test_settings_blocks_invalid_temperature_then_saves_valid_values() -> None:
    app = Host(settings(params=ModelParams(temperature=0.7, max_tokens=1024), system_prompt="Be terse."))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert screen.query_one("#settings-temperature", Input).value == "0.7"
        assert screen.query_one("#settings-system", TextArea).text == "Be terse."

        await set_field(pilot, screen, "#settings-temperature", "3")
        await pilot.press("ctrl+s")
        assert app.results == []
        assert "Temperature must be from 0 to 2" in static_text(screen, "#settings-error")
        assert screen.query_one("#settings-temperature", Input).has_class("-invalid")

        await set_field(pilot, screen, "#settings-temperature", "0.2")
        await set_field(pilot, screen, "#settings-top-p", "0")
        await pilot.press("ctrl+s")
        assert "Top p must be above 0" in static_text(screen, "#settings-error")
        await set_field(pilot, screen, "#settings-top-p", "0.9")
        await set_field(pilot, screen, "#settings-max-tokens", "")
        screen.query_one("#settings-system", TextArea).text = "You are a pirate."
        await pilot.press("ctrl+s")
        assert app.results == [
            (ModelParams(temperature=0.2, top_p=0.9, max_tokens=None), "You are a pirate.")
        ]


async def test_settings_thinking_fields_for_hybrid_models_only() -> None:
    app = Host(settings("Qwen/Qwen3-8B", ModelParams(thinking_budget=4096)))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        switch = screen.query_one("#settings-thinking", Switch)
        assert switch.value is True
        await set_field(pilot, screen, "#settings-thinking-budget", "100")
        await pilot.press("enter")  # Enter in a field saves too, when everything is valid
        assert "Thinking budget must be from 128 to 32768" in static_text(screen, "#settings-error")
        await set_field(pilot, screen, "#settings-thinking-budget", "2048")
        switch.focus()
        await pilot.press("space")
        assert switch.value is False
        assert screen.query_one("#settings-thinking-budget", Input).disabled
        await pilot.press("ctrl+s")
        assert app.results == [(ModelParams(enable_thinking=False, thinking_budget=2048), None)]

    for model in ("deepseek-ai/DeepSeek-R1", "THUDM/GLM-4-9B-0414"):
        kept = ModelParams(temperature=1.0, enable_thinking=True, thinking_budget=1024)
        app = Host(settings(model, kept, "  "))
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert not screen.query("#settings-thinking") and not screen.query("#settings-thinking-budget")
            await pilot.press("ctrl+s")
            assert app.results == [(kept, None)]  # unchanged, and a blank prompt is no prompt


async def test_settings_escape_cancels() -> None:
    app = Host(settings())
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, "changed")
        await pilot.press("escape")
        assert app.results == [None]


# --------------------------------------------------------------------------------------------------------------
# Help
# --------------------------------------------------------------------------------------------------------------


async def test_help_lists_the_host_bindings_and_closes() -> None:
    app = Host(HelpScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        text = static_text(app.screen, "#help-bindings")
        assert "New conversation" in text and "^n" in text
        assert "^b / f9" in text and "Show or hide the sidebar" in text
        assert "Hidden but listed" in text
        assert "Only on the main screen" in text  # read before the help screen covered the main one
        assert "Everywhere" in text
        assert "command palette" in static_text(app.screen, "#help-palette")
        for key in ("escape", "f1", "q"):
            await pilot.press(key)
            assert app.results[-1] is None
            assert not isinstance(app.screen, HelpScreen)
            app.push_screen(HelpScreen(), app.results.append)
            await pilot.pause()
        assert len(app.results) == 3


async def test_help_follows_the_keymap() -> None:
    app = Host(HelpScreen)
    app.set_keymap({"new_conversation": "ctrl+g"})
    async with app.run_test(size=(80, 24)):
        text = static_text(app.screen, "#help-bindings")
        line = next(line for line in text.splitlines() if "New conversation" in line)
        assert "^g" in line and "^n" not in line
