"""The fence around Textual's private names (``siliconchat/ui/textual_seams.py``).

Each seam is exercised against the installed Textual, so a private name that Textual renames or changes
breaks a test here rather than the app; the installed release must be in the tested range; and no other
module of the package uses a private Textual name.
"""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import inspect
import re
import sys
from pathlib import Path
from typing import ClassVar

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Input

import siliconchat
from siliconchat.ui import textual_seams
from siliconchat.ui.textual_seams import (
    TESTED_TEXTUAL,
    BlinkHookTextArea,
    FooterKey,
    UnhandledErrorHookApp,
    forward_event,
    mark_footer_bindings_ready,
    set_footer_key_enabled,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PACKAGE = Path(siliconchat.__file__).parent
TEXTUAL = Path(importlib.import_module("textual").__file__ or "").parent
SEAMS = PACKAGE / "ui" / "textual_seams.py"


# -- the version --------------------------------------------------------------------------------------------


def test_the_installed_textual_is_in_the_tested_range() -> None:
    installed = Version(importlib.metadata.version("textual"))
    tested = SpecifierSet(",".join(TESTED_TEXTUAL))
    assert installed in tested, (
        f"Textual {installed} is installed, but siliconchat is tested with textual{tested}: its private names "
        "(siliconchat/ui/textual_seams.py) may have changed. Install a tested release, or check every seam "
        "against this one (this file's tests) and widen TESTED_TEXTUAL and the pin in pyproject.toml together."
    )


def test_the_pin_in_pyproject_is_the_tested_range() -> None:
    pyproject = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    pins = [d for d in pyproject["project"]["dependencies"] if re.match(r"textual\b", d)]
    assert pins == [f"textual{','.join(TESTED_TEXTUAL)}"]


# -- the seams, against the real Textual --------------------------------------------------------------------


class _FooterApp(App[None]):
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [Binding("f6", "press", "Press")]

    def __init__(self, footer: Footer) -> None:
        super().__init__()
        self.footer = footer
        self.pressed = 0
        self.bells = 0

    def compose(self) -> ComposeResult:
        yield self.footer

    def action_press(self) -> None:
        self.pressed += 1

    def bell(self) -> None:
        self.bells += 1


class _FirstComposition(Footer):
    def __init__(self, ready: bool) -> None:
        super().__init__()
        self.first: list[object] | None = None
        if ready:
            mark_footer_bindings_ready(self)

    def compose(self) -> ComposeResult:
        widgets = list(super().compose())
        if self.first is None:
            self.first = widgets
        yield from widgets


@pytest.mark.parametrize("ready", [False, True])
async def test_a_footer_marked_ready_shows_its_keys_in_its_first_composition(ready: bool) -> None:
    footer = _FirstComposition(ready)
    async with _FooterApp(footer).run_test() as pilot:
        await pilot.pause()
    assert footer.first is not None
    keys = [widget for widget in footer.first if isinstance(widget, FooterKey)]
    # Unmarked, Textual's footer shows nothing until its bindings are ready (the seam's reason to be).
    assert [key.key for key in keys] == (["f6"] if ready else [])


async def test_a_footer_key_is_disabled_and_enabled_in_place() -> None:
    app = _FooterApp(Footer())
    async with app.run_test() as pilot:
        await pilot.pause()
        [key] = [key for key in app.query(FooterKey) if key.key == "f6"]
        set_footer_key_enabled(key, False)
        assert key.has_class("-disabled")
        await pilot.click(key)
        assert (app.pressed, app.bells) == (0, 1)  # a disabled key rings the bell
        set_footer_key_enabled(key, True)
        assert not key.has_class("-disabled")
        await pilot.click(key)
        assert (app.pressed, app.bells) == (1, 1)


class _Blinking(BlinkHookTextArea):
    restarts = 0

    def blink_restarted(self) -> None:
        self.restarts += 1


async def test_the_blink_hook_runs_on_focus_and_keys() -> None:
    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield _Blinking()

    app = Host()
    async with app.run_test() as pilot:
        area = app.query_one(_Blinking)
        area.focus()
        await pilot.pause()
        focused = area.restarts
        assert focused >= 1
        await pilot.press("a")
        assert area.restarts > focused
        assert area.text == "a"


async def test_a_forwarded_key_is_typed_where_it_is_given_and_bubbles_to_the_bindings_once() -> None:
    class Host(App[None]):
        BINDINGS: ClassVar[list[BindingType]] = [Binding("f6", "press", "Press")]
        pressed = 0

        def compose(self) -> ComposeResult:
            yield Input(id="one")
            yield Input(id="two")

        def action_press(self) -> None:
            self.pressed += 1

    app = Host()
    async with app.run_test() as pilot:
        one, two = app.query_one("#one", Input), app.query_one("#two", Input)
        one.focus()
        await pilot.pause()
        for key, character in (("f6", None), ("x", "x")):  # given to the input that has not the focus
            forward_event(two, events.Key(key, character))
        await pilot.pause()
        await pilot.pause()
        # Unmarked, the key that bubbled up to the app was taken for a new one from the terminal: its binding
        # did not run.
        assert (one.value, two.value, app.pressed) == ("", "x", 1)


class _Broken(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("f6", "break", "Break")]

    def action_break(self) -> None:
        raise ValueError("a bug")


class _Hooked(UnhandledErrorHookApp[None], _Broken):
    def __init__(self) -> None:
        super().__init__()
        self.errors: list[Exception] = []

    def unhandled_error(self, error: Exception) -> None:
        self.errors.append(error)


@pytest.mark.parametrize("hooked", [False, True])
async def test_an_unhandled_error_reaches_the_hook_and_textual_prints_nothing(
    hooked: bool, capfd: pytest.CaptureFixture[str]
) -> None:
    app = _Hooked() if hooked else _Broken()
    with pytest.raises(ValueError, match="a bug"):  # run_test raises it again, as without the hook
        async with app.run_test() as pilot:
            await pilot.press("f6")
            await pilot.pause()
    assert app.return_code == 1
    printed = capfd.readouterr().err
    if hooked:
        assert [str(error) for error in app.errors] == ["a bug"]  # type: ignore[attr-defined]
        assert printed == ""
    else:  # without the hook Textual prints its traceback: the hook is what stops it
        assert "a bug" in printed


async def test_a_failing_hook_still_ends_the_app_with_return_code_1() -> None:
    class Failing(_Hooked):
        def unhandled_error(self, error: Exception) -> None:
            raise RuntimeError("the report failed")

    app = Failing()
    with pytest.raises(ValueError, match="a bug"):
        async with app.run_test() as pilot:
            await pilot.press("f6")
            await pilot.pause()
    assert app.return_code == 1


def test_every_seam_is_tested_here() -> None:
    tested = {"TESTED_TEXTUAL", "BlinkHookTextArea", "FooterKey", "UnhandledErrorHookApp"}
    tested |= {"mark_footer_bindings_ready", "set_footer_key_enabled", "forward_event"}
    assert set(textual_seams.__all__) == tested, "a new seam needs a test in this file"


# -- the fence: no private Textual name anywhere else -------------------------------------------------------


def _textual_private_names() -> set[str]:
    """Every private name Textual defines: methods, class attributes and instance attributes."""
    names: set[str] = set()
    pattern = re.compile(
        r"def (_[a-z]\w*)|self\.(_[a-z]\w*)\s*(?::[^=\n]*)?=(?!=)|^\s+(_[a-z]\w*)\s*[:=]", re.M
    )
    for path in TEXTUAL.rglob("*.py"):
        for match in pattern.finditer(path.read_text(encoding="utf-8")):
            names.add(next(group for group in match.groups() if group))
    return names


def _checked_modules() -> list[Path]:
    return [path for path in sorted(PACKAGE.rglob("*.py")) if path != SEAMS]


def _defined_here(tree: ast.AST) -> set[str]:
    """The private names a module defines itself (methods, attributes it assigns)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("_"):
            names.add(node.name)
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Name)
            and node.value.id in ("self", "cls")
        ):
            names.add(node.attr)  # (``other._name = …`` sets someone else's attribute: not a definition)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def _private_textual_imports(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module]
            if node.module.split(".")[0] == "textual":
                found += [f"{node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
        for module in modules:
            parts = module.split(".")
            if parts[0] == "textual" and any(part.startswith("_") for part in parts):
                found.append(module)
    return found


STANDARD_MODULES = {"os", "sys"}
"""Modules whose private names are the standard library's, not Textual's (``os._exit``)."""


def test_private_textual_names_are_used_only_in_the_seams() -> None:
    """Imports from Textual's private modules, and ``something._name`` where Textual defines ``_name`` and the
    module does not (the name is Textual's), outside ``textual_seams.py`` and the modules being replaced."""
    textual_names = _textual_private_names()
    offenders = []
    for path in _checked_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = path.relative_to(PACKAGE).as_posix()
        offenders += [f"{where}: import {name}" for name in _private_textual_imports(tree)]
        own = _defined_here(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in textual_names
                and node.attr not in own
                and not node.attr.startswith("__")
                and not (isinstance(node.value, ast.Name) and node.value.id in STANDARD_MODULES)
            ):
                offenders.append(f"{where}:{node.lineno}: .{node.attr}")
    assert offenders == [], "private Textual names outside siliconchat/ui/textual_seams.py:\n" + "\n".join(
        offenders
    )


def test_no_class_overrides_or_shadows_a_private_textual_name() -> None:
    """A widget, screen, app or driver that defines ``_name`` which a Textual base class also defines
    overrides a private hook, or clobbers Textual's state (as an app's own ``_closing`` flag would)."""
    offenders = []
    for path in _checked_modules():
        module_name = ".".join(("siliconchat", *path.relative_to(PACKAGE).with_suffix("").parts))
        if not module_name.startswith("siliconchat.ui"):
            continue
        module = importlib.import_module(module_name)
        for cls in vars(module).values():
            if not inspect.isclass(cls) or cls.__module__ != module_name:
                continue
            bases = [base for base in cls.__mro__ if base.__module__.split(".")[0] == "textual"]
            if not bases:
                continue
            source = inspect.getsource(cls)
            own = set(re.findall(r"self\.(_[a-z]\w*)\s*(?::[^=\n]*)?=(?!=)", source))
            own |= set(re.findall(r"def (_[a-z]\w*)", source))
            own |= set(re.findall(r"^\s+(_[a-z]\w*)\s*[:=]", source, re.M))
            for base in bases:
                base_source = inspect.getsource(base)
                for name in sorted(own):
                    if re.search(rf"self\.{name}\b|def {name}\b|^\s+{name}\s*[:=]", base_source, re.M):
                        offenders.append(
                            f"{module_name}.{cls.__qualname__}.{name} (Textual's {base.__name__})"
                        )
    assert offenders == [], "private Textual names defined outside the seams:\n" + "\n".join(offenders)
