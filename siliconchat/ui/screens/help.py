"""The help screen (F1): every key binding in force, read from the app, grouped by where it applies.

Bindings: escape, f1 or q close it; up / down / pageup / pagedown scroll.

The list is built from the active screen's ``active_bindings`` when the help screen is made (the
focused widget, its ancestors, the screen and the app, with the user's keymap applied, as the app's
``check_action`` sees them), so it shows the keys that really work, remapped ones included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar

from textual.app import App, ComposeResult, ScreenError
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from siliconchat.core.sanitize import sanitize_line
from siliconchat.ui.keymap import key_label

__all__ = ["HelpEntry", "HelpGroup", "HelpScreen", "collect_bindings"]


@dataclass
class HelpEntry:
    keys: list[str]  # as displayed, e.g. ["^b", "f9"]
    description: str
    enabled: bool = True
    tooltip: str = ""


@dataclass
class HelpGroup:
    title: str
    entries: list[HelpEntry] = field(default_factory=list)


def _humanize(name: str) -> str:
    """``PromptInput`` -> ``Prompt input``."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).split()
    if not words:
        return name
    return " ".join([words[0], *(w.lower() if not w.isupper() else w for w in words[1:])])


def _group_title(node: DOMNode, app: App[object]) -> str:
    if node is app:
        return "Everywhere"
    if isinstance(node, Screen):
        return "This screen"
    return _humanize(type(node).__name__)


def collect_bindings(app: App[object], screen: Screen[object]) -> list[HelpGroup]:
    """The bindings active on ``screen``, grouped by the node that defines them.

    App and screen bindings with a description are all listed (hidden ones too: the footer has
    no room for every key, the help screen does). A focused widget's own bindings are listed only
    when they are meant to be seen (``show``) or have an ``id`` (so a keymap may remap them):
    Textual's editing keys are left out.
    """
    groups: dict[int, HelpGroup] = {}
    entries: dict[tuple[int, str, str], HelpEntry] = {}
    nodes: dict[int, DOMNode] = {}
    for active in screen.active_bindings.values():
        node, binding, enabled = active.node, active.binding, active.enabled
        description = binding.description or ""
        if not description:
            continue
        widget_level = node is not app and not isinstance(node, Screen)
        if widget_level and not (binding.show or binding.id):
            continue
        node_key = id(node)
        if node_key not in groups:
            groups[node_key] = HelpGroup(_group_title(node, app))
            nodes[node_key] = node
        key_display = app.get_key_display(binding)
        entry_key = (node_key, binding.action, description)
        entry = entries.get(entry_key)
        if entry is None:
            tooltip = binding.tooltip if binding.tooltip != description else ""
            entry = HelpEntry([key_display], description, enabled, tooltip)
            entries[entry_key] = entry
            groups[node_key].entries.append(entry)
        elif key_display not in entry.keys:
            entry.keys.append(key_display)
    for node_key, group in groups.items():
        # In the order the node declares them (priority bindings would otherwise come first).
        declared = _declared_order(nodes[node_key])
        position = {id(entry): index for index, entry in enumerate(group.entries)}
        group.entries.sort(
            key=lambda entry: (declared.get(entry.description, len(declared)), position[id(entry)])
        )

    def rank(node_key: int) -> int:  # the app's keys first, then the screen's, then the focused widget's
        node = nodes[node_key]
        return 0 if node is app else 1 if isinstance(node, Screen) else 2

    return [groups[key] for key in sorted(groups, key=rank) if groups[key].entries]


def _declared_order(node: DOMNode) -> dict[str, int]:
    """Description -> position in the ``BINDINGS`` of ``node``'s class (and its bases, own first)."""
    order: dict[str, int] = {}
    for cls in type(node).__mro__:
        for binding in Binding.make_bindings(getattr(cls, "BINDINGS", []) or []):
            if binding.description and binding.description not in order:
                order[binding.description] = len(order)
    return order


class HelpScreen(ModalScreen[None]):
    """Lists the keys of the app and of the screen below. Closes on Escape, F1 or Q."""

    CSS_PATH = "../styles/screens.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "close", "Close help", id="help.close"),
        Binding("up", "scroll('up')", "Scroll up", show=False),
        Binding("down", "scroll('down')", "Scroll down", show=False),
        Binding("pageup", "scroll('page_up')", "Page up", show=False),
        Binding("pagedown", "scroll('page_down')", "Page down", show=False),
        Binding("home", "scroll('home')", "Top", show=False),
        Binding("end", "scroll('end')", "Bottom", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        # Read the bindings now, while the screen below is still the active one: an app's
        # ``check_action`` may hide its actions while another screen (this one) is on top.
        self._groups: list[HelpGroup] | None = None
        try:
            app = self.app
            self._groups = collect_bindings(app, app.screen)
        except (RuntimeError, ScreenError):  # made outside a running app: read them on mount
            self._groups = None

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog", classes="dialog") as dialog:
            dialog.border_title = "Keys"
            dialog.border_subtitle = f"{key_label(self.app, HelpScreen, 'help.close', every=True)} to close"
            with VerticalScroll(id="help-body", can_focus=False):
                yield Static(id="help-bindings", markup=False)
            yield Static(self._palette_line(), id="help-palette", markup=False)

    def _palette_line(self) -> Content:
        key = "ctrl+p"
        if self.app.ENABLE_COMMAND_PALETTE:
            key = self.app.get_key_display(Binding(self.app.COMMAND_PALETTE_BINDING, "command_palette"))
        return Content.assemble(
            (key, "bold $accent"),
            "  command palette: every action above and more, by name",
        )

    def _screen_below(self) -> Screen[object] | None:
        stack = self.app.screen_stack
        if self in stack:
            index = stack.index(self)
            return stack[index - 1] if index > 0 else None
        return stack[-1] if stack and stack[-1] is not self else None

    def on_mount(self) -> None:
        groups = self._groups
        if groups is None:
            below = self._screen_below()
            groups = collect_bindings(self.app, below) if below is not None else []
        self.query_one("#help-bindings", Static).update(self.render_groups(groups))
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        """Let the list scroll inside a dialog of at most 90% of the screen's height."""
        chrome = 6  # the dialog's border, the list's margins, the palette line and its margin
        self.query_one("#help-body", VerticalScroll).styles.max_height = max(
            3, int(self.size.height * 0.9) - chrome
        )

    @staticmethod
    def render_groups(groups: list[HelpGroup]) -> Content:
        """The groups as one ``Content``: a heading per group, then a key column and descriptions."""
        if not groups:
            return Content.styled("No key bindings are active.", "dim")
        width = max(len(" / ".join(e.keys)) for g in groups for e in g.entries)
        width = min(max(width, 8), 24)
        parts: list[str | Content | tuple[str, str]] = []
        for number, group in enumerate(groups):
            if number:
                parts.append("\n")
            parts.append((sanitize_line(group.title), "bold $text-primary"))
            parts.append("\n")
            for entry in group.entries:
                keys = " / ".join(entry.keys)
                key_style = "bold $accent" if entry.enabled else "$text-muted"
                text_style = "" if entry.enabled else "$text-muted"
                parts.append(("  " + sanitize_line(keys).ljust(width) + "  ", key_style))
                parts.append((sanitize_line(entry.description), text_style))
                if entry.tooltip:
                    parts.append(("  " + sanitize_line(entry.tooltip), "$text-muted"))
                parts.append("\n")
        return Content.assemble(*parts).rstrip()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_scroll(self, where: str) -> None:
        body = self.query_one("#help-body", VerticalScroll)
        actions = {
            "up": body.scroll_up,
            "down": body.scroll_down,
            "page_up": body.scroll_page_up,
            "page_down": body.scroll_page_down,
            "home": body.scroll_home,
            "end": body.scroll_end,
        }
        if where in actions:
            actions[where]()
