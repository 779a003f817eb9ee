"""The user's keys and theme: the theme chosen in the command palette is saved (comments kept) and used at the
next start; unknown ids in ``[keymap]`` are named once at start; every hint names the key actually bound."""

from __future__ import annotations

import dataclasses
import logging
import re
from pathlib import Path

import pytest
from ui_support import chat, rendered, wait_for

from siliconchat import paths
from siliconchat.config import Config, load_config
from siliconchat.runtime import demo_settings
from siliconchat.ui.app import SiliconChatApp
from siliconchat.ui.keymap import known_binding_ids
from siliconchat.ui.widgets.key_footer import KeyFooter

SIZE = (120, 40)
README = Path(__file__).parents[2] / "README.md"
CONFIG = """\
# my siliconchat settings
model = "demo/echo"   # the echo, for trying things

[keymap]
help = "f10"   # f1 is taken by my terminal
"""


def _app(demo_server, config: Config, *, demo: bool = True) -> SiliconChatApp:  # type: ignore[no-untyped-def]
    settings = demo_settings(config, demo_server, model="demo/echo", system_prompt=None)
    return SiliconChatApp(dataclasses.replace(settings, demo=demo), config=config)


def _words(text: str) -> str:
    return " ".join(text.split())


async def _choose_theme(pilot, name: str) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: type(app.screen).__name__ == "CommandPalette", "the command palette")
    await pilot.press(*"theme")
    await pilot.pause(0.3)
    await pilot.press("enter")  # "Theme": the palette lists the themes
    await pilot.pause(0.3)
    await pilot.press(*name)
    await pilot.pause(0.3)
    await pilot.press("enter")
    await wait_for(pilot, lambda: app.theme == name, f"the theme {name}")


async def test_the_theme_chosen_in_the_palette_is_saved_and_used_at_the_next_start(demo_server) -> None:
    path = paths.config_file()
    path.parent.mkdir(parents=True)
    path.write_text(CONFIG, encoding="utf-8")
    app = _app(demo_server, load_config(), demo=False)
    async with app.run_test(size=SIZE) as pilot:
        assert app.theme != "nord"
        await _choose_theme(pilot, "nord")
        await pilot.pause()
    saved = path.read_text(encoding="utf-8")
    assert 'theme = "nord"' in saved
    for line in CONFIG.splitlines():  # the user's comments, order and keys are all kept
        assert line in saved
    again = _app(demo_server, load_config(), demo=False)
    async with again.run_test(size=SIZE):
        assert again.theme == "nord"


async def test_demo_mode_does_not_save_the_theme(demo_server) -> None:
    app = _app(demo_server, Config())
    async with app.run_test(size=SIZE) as pilot:
        await _choose_theme(pilot, "nord")
        await pilot.pause()
    assert not paths.config_file().exists()


async def test_unknown_keymap_ids_are_named_once_at_start(
    demo_server, caplog: pytest.LogCaptureFixture
) -> None:
    config = Config(keymap={"help": "f10", "modle_picker": "f8", "sidebar.rename": "e", "no-such": "f12"})
    app = _app(demo_server, config)
    with caplog.at_level(logging.WARNING):
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await wait_for(pilot, lambda: bool(app._notifications), "the warning")
            await pilot.pause(0.2)
            warnings = [n.message for n in app._notifications if "keymap" in n.message]
            assert len(warnings) == 1
            assert "modle_picker" in warnings[0] and "no-such" in warnings[0]
            assert "help" not in warnings[0].split(":")[-1] and "sidebar.rename" not in warnings[0]
            assert "modle_picker" in rendered(app, app.screen)  # a toast the user sees
    logged = [r.getMessage() for r in caplog.records if "keymap" in r.getMessage()]
    assert len(logged) == 1 and "modle_picker" in logged[0]


async def test_a_keymap_that_names_only_known_ids_warns_of_nothing(demo_server) -> None:
    app = _app(demo_server, Config(keymap={"help": "f10", "search.reasoning": "ctrl+e", "send": "enter"}))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause(0.5)
        assert not [n.message for n in app._notifications if "keymap" in n.message]


async def test_hints_name_the_keys_bound_after_the_keymap(demo_server) -> None:
    keymap = {"model_picker": "f12", "help": "f10", "newline": "ctrl+o", "toggle_reasoning": "ctrl+g"}
    keymap |= {"help.close": "f10,escape", "model_picker.favourite": "ctrl+k"}
    app = _app(demo_server, Config(keymap=keymap))
    async with app.run_test(size=SIZE) as pilot:
        screen = chat(app)
        await pilot.pause()
        welcome = _words(rendered(app, screen.view))
        assert "F12 picks a model" in welcome and "F10 shows the keys" in welcome, welcome
        assert "Ctrl+O for a new line" in welcome and "Ctrl+G shows or hides the reasoning" in welcome
        assert "Ctrl+O new line" in rendered(app, screen.prompt)  # the placeholder
        footer = rendered(app, screen.query_one(KeyFooter))
        assert "f12 Model" in footer and "f10 Help" in footer and "f2" not in footer
        await pilot.press("f10")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HelpScreen", "the help screen")
        await pilot.pause()
        help_text = rendered(app, app.screen)
        assert "f10 / esc to close" in help_text
        assert "f12 " in help_text
        await pilot.press("pagedown")  # the prompt's keys come last
        await pilot.pause()
        assert "^o" in rendered(app, app.screen)
        await pilot.press("escape")
        await pilot.press("f12")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ModelPickerScreen", "the picker")
        await pilot.pause()
        assert "^k favourite" in rendered(app, app.screen)


def test_every_binding_id_the_readme_names_is_known(demo_server) -> None:
    keys = README.read_text(encoding="utf-8").split("\n## Keys", 1)[1].split("\n## ", 1)[0]
    named = {
        name for row in keys.splitlines() if row.startswith("| ") for name in re.findall(r"`([\w.]+)`", row)
    }
    named |= set(re.findall(r"\(`([\w.]+)`\)", keys))  # "`r` (`sidebar.rename`)"
    known = known_binding_ids(_app(demo_server, Config()))
    assert {"send", "newline", "unfold", "sidebar.rename", "search.reasoning"} <= named
    assert named <= known, named - known
