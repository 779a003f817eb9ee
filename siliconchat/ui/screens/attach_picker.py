"""The file picker of attachments (Ctrl+O, or "Attach files" in the palette): the files under the working
folder, filtered as you type; several can be marked, as in fzf.

Bindings (while the filter input has focus):

| key | action |
|---|---|
| up / down, pageup / pagedown | move the highlight in the list |
| tab | mark / unmark the highlighted file (several can be marked) |
| enter | attach the marked files (or the highlighted one, or the path typed) |
| escape | close without attaching |

File names are untrusted: they are sanitized and shown as ``Content``, never as markup.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from siliconchat.core.sanitize import sanitize_line
from siliconchat.ui.widgets.closing_input import ClosingInput

__all__ = ["AttachPickerScreen", "list_files"]

MAX_FILES = 5000
"""The most files listed (a home folder has far more): typing a path attaches any file all the same."""
SKIPPED_FOLDERS = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv", ".tox"})
SHOWN = 200  # options in the list at once


def list_files(root: Path, limit: int = MAX_FILES) -> list[str]:
    """The files under ``root`` (relative paths, hidden and build folders skipped), at most ``limit``,
    nearest first. Links are not followed."""
    found: list[str] = []
    for folder, folders, files in os.walk(root):
        folders[:] = sorted(f for f in folders if f not in SKIPPED_FOLDERS and not f.startswith("."))
        relative = Path(folder).relative_to(root)
        for name in sorted(files):
            if not name.startswith("."):
                found.append(str(relative / name) if relative != Path(".") else name)
                if len(found) >= limit:
                    return found
    return found


def _matches(query: str, paths: list[str]) -> list[str]:
    words = query.lower().split()
    return [p for p in paths if all(w in p.lower() for w in words)]


class AttachPickerScreen(ModalScreen[list[Path] | None]):
    """Pick files to attach; dismissed with their paths (None when closed)."""

    DEFAULT_CSS = """
    AttachPickerScreen { align: center middle; }
    AttachPickerScreen > Vertical {
        width: 80%; max-width: 100; height: 80%; border: round $accent; background: $surface; padding: 0 1;
    }
    AttachPickerScreen OptionList { height: 1fr; border: none; }
    AttachPickerScreen .hint { color: $text-muted; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Close", id="attach_picker.close"),
        # The filter input handles these in the order the keys were typed (see compose); the bindings name
        # them for the help and a keymap.
        Binding("tab", "toggle_mark", "Mark", id="attach_picker.mark"),
        Binding("up", "cursor('up')", "Up", show=False),
        Binding("down", "cursor('down')", "Down", show=False),
        Binding("pageup", "cursor('page_up')", "Page up", show=False),
        Binding("pagedown", "cursor('page_down')", "Page down", show=False),
    ]

    def __init__(self, root: Path | None = None) -> None:
        super().__init__()
        self.root = root if root is not None else Path.cwd()
        self.files = list_files(self.root)
        self.marked: list[str] = []
        self._shown: list[str] = []
        self._filtered: str | None = None  # the filter the list shows

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(f"Attach files from {sanitize_line(str(self.root), 80)}"), markup=False)
            yield ClosingInput(
                placeholder="Type to filter, or a path",
                on_enter=self._choose_files,
                on_keys={
                    "tab": self._typed(self.action_toggle_mark),
                    "up": self._typed(lambda: self.action_cursor("up")),
                    "down": self._typed(lambda: self.action_cursor("down")),
                    "pageup": self._typed(lambda: self.action_cursor("page_up")),
                    "pagedown": self._typed(lambda: self.action_cursor("page_down")),
                },
                id="attach-filter",
            )
            yield OptionList(id="attach-list", markup=False)
            yield Static(
                "↑↓ move · Tab mark several · Enter attach · Esc close", classes="hint", markup=False
            )

    def on_mount(self) -> None:
        self._refresh("")
        self.query_one(ClosingInput).focus()

    @property
    def _list(self) -> OptionList:
        return self.query_one("#attach-list", OptionList)

    def _option(self, path: str) -> Option:
        mark = "✓ " if path in self.marked else "  "
        return Option(Content(mark + sanitize_line(path, 200)), id=path)

    def _typed(self, action: Callable[[], object]) -> Callable[[str], None]:
        """``action`` for a key the filter input handles in the order typed: first the list catches up with
        the keys typed before it (the filter's change message may not have come yet)."""

        def run(typed: str) -> None:
            self._catch_up(typed)
            action()

        return run

    def _catch_up(self, typed: str) -> None:
        if typed != self._filtered:
            self._list.highlighted = 0
            self._refresh(typed)

    def _refresh(self, query: str) -> None:
        self._filtered = query
        matches = _matches(query, self.files)
        self._shown = matches[:SHOWN]
        options = self._list
        highlighted = options.highlighted
        options.clear_options()
        options.add_options([self._option(p) for p in self._shown])
        if self._shown:
            options.highlighted = min(highlighted or 0, len(self._shown) - 1)

    @on(Input.Changed, "#attach-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._catch_up(self.query_one(ClosingInput).value)  # as it is now (see ModelPickerScreen)

    @on(OptionList.OptionSelected)
    def _option_selected(self, event: OptionList.OptionSelected) -> None:
        self._toggle(event.option_index)

    def _toggle(self, index: int | None) -> None:
        if index is None or not 0 <= index < len(self._shown):
            return
        path = self._shown[index]
        if path in self.marked:
            self.marked.remove(path)
        else:
            self.marked.append(path)
        self._list.replace_option_prompt_at_index(index, self._option(path).prompt)

    def action_toggle_mark(self) -> None:
        self._toggle(self._list.highlighted)
        self.action_cursor("down")

    def action_cursor(self, where: str) -> None:
        options = self._list
        getattr(options, f"action_cursor_{where}")()

    def _choose_files(self, typed: str) -> bool:
        self._catch_up(typed)  # Enter came before the list caught up with the last keys typed
        chosen = list(self.marked)
        if not chosen:
            index = self._list.highlighted
            if index is not None and 0 <= index < len(self._shown):
                chosen = [self._shown[index]]
            elif typed.strip():
                chosen = [typed.strip()]
        if not chosen:
            return False
        self.dismiss([self.root / path for path in chosen])
        return True

    def action_cancel(self) -> None:
        self.dismiss(None)
