"""The first-run setup screen: paste a key, pick a region, test the key, save it.

Bindings:

| key | action |
|---|---|
| enter | test the key and save it (from the key field, the region list or the button) |
| ctrl+r | show / hide the key |
| tab / shift+tab | next / previous field |
| escape | leave without saving |

The key is masked unless the user reveals it; it is never logged. Error text (from the server, through
``test_key``) is untrusted and is shown as plain ``Content``, never as markup.

Saving the config runs in a thread of its own, with a time limit (a config file on a stalled network drive,
or a pipe in its place, would otherwise freeze the screen). When it fails, the message says why and a button
offers to use the key for this session only (``SetupResult.saved`` is then False).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import urlsplit

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from siliconchat import paths
from siliconchat.config import REGIONS, ConfigError, save_config
from siliconchat.core.sanitize import sanitize_line, strip_userinfo
from siliconchat.core.waiting import within

__all__ = ["KEY_PATTERN", "SetupResult", "SetupScreen"]

KEY_PATTERN = re.compile(r"sk-[a-z]{48}")
"""What a SiliconFlow key looks like. A key that does not match only gets a warning."""

_REGION_NOTES = {
    "ap": "international account · default",
    "global": "international account",
    "cn": "China platform account",
}


SAVE_SECONDS = 5.0
"""How long saving the config may take before the screen says so and offers to go on without it."""


@dataclass
class SetupResult:
    api_key: str
    region: str
    saved: bool = True  # False: the config could not be written; the key is for this session only


def _host(url: str) -> str:
    url = strip_userinfo(url)
    return urlsplit(url).netloc or url


class _RegionList(OptionList):
    """The region presets; the highlighted one is the chosen one."""


class SetupScreen(Screen[SetupResult | None]):
    """First run: ask for the API key and region, test them with ``test_key``, save them.

    ``test_key(key, region)`` returns ``None`` when the key works, else one sentence saying what
    is wrong (for a 401, a hint naming the other platform's region).
    """

    CSS_PATH = "../styles/screens.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Quit setup", id="setup.cancel"),
        Binding("ctrl+r", "toggle_reveal", "Show key", id="setup.reveal"),
    ]

    def __init__(
        self,
        *,
        region: str,
        test_key: Callable[[str, str], Awaitable[str | None]],
        base_url: str | None = None,
    ) -> None:
        """``base_url``: a custom base URL the key is tested against (and used with), whatever the region."""
        super().__init__()
        self._regions = list(REGIONS)
        self._region = region if region in REGIONS else self._regions[0]
        self._test_key = test_key
        self._base_url = base_url
        self._testing = False
        self._unsaved: SetupResult | None = None  # a tested key whose config could not be written

    # -- compose ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="setup-dialog", classes="dialog") as dialog:
            dialog.border_title = "Welcome to siliconchat"
            yield Static(self._welcome(), id="setup-welcome", markup=False)
            yield Label("API key", classes="setup-label")
            with Horizontal(id="setup-key-row"):
                yield Input(
                    placeholder="Paste your key: sk-…",
                    password=True,
                    id="setup-key",
                    select_on_focus=False,
                )
                yield Button("Show", id="setup-reveal", compact=True)
            yield Static(id="setup-key-note", markup=False)
            yield Label("Region", classes="setup-label")
            yield _RegionList(*self._region_options(), id="setup-region", markup=False)
            yield Static(id="setup-message", markup=False)
            with Horizontal(id="setup-actions"):
                yield Button("Use for this session only", id="setup-session", compact=True)
                yield Button("Test and save", variant="primary", id="setup-save", compact=True)
        yield Static(self._keys_hint(), id="setup-keys", classes="hint", markup=False)

    def _welcome(self) -> Content:
        return Content.assemble(
            ("siliconchat", "bold $text-accent"),
            " chats with SiliconFlow's models in your terminal and shows their reasoning and answers live.\n",
            "It needs an API key: create one at ",
            ("cloud.siliconflow.com", "bold"),
            " (international) or ",
            ("cloud.siliconflow.cn", "bold"),
            " (China), under API keys.",
        )

    def _keys_hint(self) -> Content:
        parts: list[str | tuple[str, str]] = []
        for key, what in (
            ("enter", "test and save"),
            ("tab", "next field"),
            ("ctrl+r", "show key"),
            ("esc", "quit"),
        ):
            if parts:
                parts.append("  ")
            parts.extend([(key, "bold $accent"), " ", what])
        return Content.assemble(*parts)

    def _region_options(self) -> list[Option]:
        width = max(len(name) for name in self._regions) + 2
        host_width = max(len(_host(url)) for url in REGIONS.values()) + 2
        options = []
        for name in self._regions:
            chosen = name == self._region
            options.append(
                Option(
                    Content.assemble(
                        ("● " if chosen else "○ ", "$text-success" if chosen else "dim"),
                        (name.ljust(width), "bold"),
                        _host(REGIONS[name]).ljust(host_width),
                        (_REGION_NOTES.get(name, ""), "dim"),
                    )
                )
            )
        return options

    def on_mount(self) -> None:
        regions = self.query_one("#setup-region", _RegionList)
        regions.highlighted = self._regions.index(self._region)
        self.query_one("#setup-message", Static).display = False
        self.query_one("#setup-session", Button).display = False
        self.query_one("#setup-key", Input).focus()

    # -- state --------------------------------------------------------------------------

    @property
    def selected_region(self) -> str:
        """The region preset chosen in the list."""
        return self._region

    def _show_message(self, text: str | None, kind: str = "error") -> None:
        message = self.query_one("#setup-message", Static)
        message.set_class(False, "-error", "-busy", "-ok")
        if text is None:
            message.display = False
            message.update(Content())
            return
        icon = {"error": "✖ ", "busy": "… ", "ok": "✔ "}.get(kind, "")
        message.update(Content.assemble((icon, "bold"), sanitize_line(text)))
        message.add_class(f"-{kind}")
        message.display = True

    def _set_testing(self, testing: bool) -> None:
        self._testing = testing
        button = self.query_one("#setup-save", Button)
        button.disabled = testing
        button.label = "Testing…" if testing else "Test and save"

    # -- events -------------------------------------------------------------------------

    @on(Input.Changed, "#setup-key")
    def _key_changed(self, event: Input.Changed) -> None:
        key = event.value.strip()
        note = self.query_one("#setup-key-note", Static)
        if key and not KEY_PATTERN.fullmatch(key):
            note.update(
                Content.assemble(
                    ("⚠ ", "bold"), "Keys are usually sk- and 48 lowercase letters: check it or just test it."
                )
            )
        else:
            note.update(Content())

    @on(Input.Submitted, "#setup-key")
    def _key_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_test_and_save()

    @on(OptionList.OptionHighlighted, "#setup-region")
    def _region_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        region = self._regions[event.option_index]
        if region != self._region:
            self._region = region
            regions = self.query_one("#setup-region", _RegionList)
            for index, option in enumerate(self._region_options()):
                regions.replace_option_prompt_at_index(index, option.prompt)

    @on(OptionList.OptionSelected, "#setup-region")
    def _region_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_test_and_save()

    @on(Button.Pressed, "#setup-save")
    def _save_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_test_and_save()

    @on(Button.Pressed, "#setup-session")
    def _session_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if self._unsaved is not None:
            self.dismiss(self._unsaved)

    @on(Button.Pressed, "#setup-reveal")
    def _reveal_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_toggle_reveal()

    # -- actions ------------------------------------------------------------------------

    def action_toggle_reveal(self) -> None:
        key_input = self.query_one("#setup-key", Input)
        key_input.password = not key_input.password
        self.query_one("#setup-reveal", Button).label = "Show" if key_input.password else "Hide"

    def action_cancel(self) -> None:
        self.workers.cancel_group(self, "setup")
        self.dismiss(None)

    def action_test_and_save(self) -> None:
        if self._testing:
            return
        key = self.query_one("#setup-key", Input).value.strip()
        if not key:
            self._show_message("Paste your API key first.")
            self.query_one("#setup-key", Input).focus()
            return
        region = self._region
        self._set_testing(True)
        self._unsaved = None
        self.query_one("#setup-session", Button).display = False
        where = self._base_url if self._base_url is not None else REGIONS[region]
        self._show_message(f"Testing the key against {_host(where)}…", "busy")
        self.run_worker(self._test_and_save(key, region), group="setup", exclusive=True)

    async def _test_and_save(self, key: str, region: str) -> None:
        try:
            problem = await self._test_key(key, region)
        except Exception as exc:  # a test_key that raises must not take the app down
            problem = f"The key could not be tested: {type(exc).__name__}: {exc}".replace(key, "sk-…")
        if problem is not None:
            self._set_testing(False)
            self._show_message(problem)
            self.query_one("#setup-key", Input).focus()
            return
        self._show_message("The key works; saving it…", "busy")
        problem = await self._save({"api_key": key, "region": region})
        self._set_testing(False)
        if problem is not None:
            self._unsaved = SetupResult(api_key=key, region=region, saved=False)
            self._show_message(
                f"The key works, but it could not be saved: {problem}".replace(key, "sk-…")
                + " You can fix that and try again, or use the key for this session only."
            )
            session = self.query_one("#setup-session", Button)
            session.display = True
            session.focus()
            return
        self.dismiss(SetupResult(api_key=key, region=region))

    async def _save(self, updates: dict[str, object]) -> str | None:
        """Save the config in a thread of its own: None when saved, else why not (an error, or no end within
        :data:`SAVE_SECONDS`). The thread is a daemon: one stuck in the file system never holds up the exit."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[str | None] = loop.create_future()

        def finish(outcome: str | None) -> None:
            if not done.done():
                done.set_result(outcome)

        def run() -> None:
            outcome: str | None = None
            try:
                save_config(updates)
            except (ConfigError, ValueError, TypeError, OSError) as exc:
                outcome = str(exc)
            except Exception as exc:  # whatever happens in the thread, the screen must hear of it
                outcome = f"{type(exc).__name__}: {exc}"
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
                loop.call_soon_threadsafe(finish, outcome)

        threading.Thread(target=run, name="save-config", daemon=True).start()
        try:
            return await within(asyncio.shield(done), SAVE_SECONDS)
        except asyncio.TimeoutError:
            return (
                f"writing {paths.config_file()} did not finish within {SAVE_SECONDS:g} s "
                "(is it on a network drive that stopped answering, or not a regular file?)."
            )
