"""The siliconchat TUI: the app (settings, the API client, the model, the history link, start-up and
shutdown, its own keys) and the command palette. The chat screen's keys are in
:mod:`siliconchat.ui.screens.chat`, which lists every key.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import gc
import importlib
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from textual import events, work
from textual.app import SystemCommand
from textual.binding import Binding, BindingType, Keymap
from textual.driver import Driver
from textual.screen import Screen
from textual.theme import Theme

from siliconchat.config import REGIONS, Config, Settings
from siliconchat.core.conversation import Conversation, ModelParams
from siliconchat.core.models import Thinking, thinking_of
from siliconchat.core.waiting import within
from siliconchat.exit_signals import ExitSignals, cut_off_reason
from siliconchat.ui.history.link import HistoryLink
from siliconchat.ui.key_priority import KeyPriority, key_noting
from siliconchat.ui.model_choice import ModelChoices
from siliconchat.ui.screens.chat import ChatScreen
from siliconchat.ui.textual_seams import UnhandledErrorHookApp, quiet_input

if TYPE_CHECKING:
    from siliconchat.core.api import ChatClient
    from siliconchat.ui.host import ChatHost
    from siliconchat.ui.screens.setup import SetupResult, SetupScreen

# Imported in a thread after the first frame, in this order: the Markdown renderer (its parser is built too,
# see ``_ready``; the first answer needs them), the SDK (the first request needs it, ~0.5 s), and what the
# first turn imports.
WARM_UP_MODULES = (
    "siliconchat.ui.document.markdown_render",
    "openai",
    "siliconchat.core.api",
    "siliconchat.core.turn",
    "siliconchat.core.branches",
    "siliconchat.ui.screens.chat_path",
    "siliconchat.ui.widgets.conversation_pages",
)
# What the SDK's HTTP stack imports only when its first request is sent (~20 ms); skipped if absent.
FIRST_REQUEST_MODULES = ("anyio._backends._asyncio",)
DOUBLE_INTERRUPT_SECONDS = 1.0
"""A second Ctrl+C within this many seconds of one that stopped an answer quits."""


def _ready(client: ChatClient | None, settings: Settings) -> ChatClient:
    """In a thread: what the first request needs, and the client with its SDK client made (an SSL context)."""
    for name in WARM_UP_MODULES:
        importlib.import_module(name)
    from siliconchat.ui.document.markdown_render import warm_up

    warm_up()
    for name in FIRST_REQUEST_MODULES:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    if client is None:
        from siliconchat.runtime import make_client

        client = make_client(settings)
    client.prepare()
    return client


class SiliconChatApp(ModelChoices, UnhandledErrorHookApp[int]):
    """The chat client. ``settings`` come from :func:`siliconchat.config.resolve_settings`."""

    TITLE = "siliconchat"
    CSS_PATH = [  # noqa: RUF012 (typed by App as a list)
        "styles/app.tcss",
        "styles/chat.tcss",
        "styles/conversation.tcss",
        "styles/reasoning.tcss",
        "styles/history.tcss",
    ]
    ENABLE_COMMAND_PALETTE = True

    # The app's own keys; the chat screen has the rest (siliconchat.ui.screens.chat).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+p", "command_palette", "Commands", id="command_palette", show=False, priority=True),
        Binding("f1", "help", "Help", id="help"),
        # not priority: the footer lists the priority keys first, and nothing on the way binds ctrl+q
        Binding("ctrl+q", "quit", "Quit", id="quit"),
        # priority: the prompt (a TextArea) binds ctrl+c to copy (still done when text is selected, see
        # action_interrupt), and Textual's own ctrl+c only says how to quit
        Binding("ctrl+c", "interrupt", "Interrupt", id="interrupt", show=False, priority=True),
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        config: Config | None = None,
        client: ChatClient | None = None,
        continue_requested: bool = False,
    ) -> None:
        super().__init__()
        self.keymap: dict[str, str] = {}  # as given to set_keymap and update_keymap (see key_for)
        self.settings = settings
        self.config = config if config is not None else Config()
        self.model = settings.model
        self.favourites: list[str] = list(dict.fromkeys(settings.favourites))
        self.compare_models: list[str] = list(dict.fromkeys(settings.compare_models))
        self.balance: str | None = None
        self._client = client
        self._client_lock = asyncio.Lock()
        self.keys = KeyPriority()  # typed keys go before streaming frames (see on_event)
        self._continue_requested = continue_requested
        self._shut_down = False
        self._last_interrupt = -DOUBLE_INTERRUPT_SECONDS  # time.monotonic() of the last Ctrl+C
        self.exit_signal: int | None = None  # the signal that ended the app (see _on_exit_signal)
        self._signals = ExitSignals(self._on_exit_signal)
        self.crash_report: str | None = None  # what went wrong, for the CLI to print (see unhandled_error)
        self.history = HistoryLink(self)
        if self.config.theme and self.config.theme in self.available_themes:
            # Here, not once mounted: a theme set then re-parsed all the CSS before the first frame (~35 ms).
            self.theme = self.config.theme

    # -- state --------------------------------------------------------------------------------

    @property
    def client(self) -> ChatClient:
        if self._client is None:
            from siliconchat.runtime import make_client

            self._client = make_client(self.settings)
        return self._client

    async def ready_client(self) -> ChatClient:
        """The client, ready to send: the SDK is imported and its client made in a thread if they are not yet.

        On the event loop, importing the SDK held the screen for up to half a second when a prompt was sent
        right after launch, and making its client (an SSL context, the HTTP stack's imports) 0.1-0.15 s more.
        """
        async with self._client_lock:  # the balance request and the first prompt may both ask at once
            if self._client is None or not self._client.prepared:
                self._client = await asyncio.to_thread(_ready, self._client, self.settings)
        return self._client

    @property
    def chat_screen(self) -> ChatScreen | None:
        for screen in reversed(self.screen_stack):
            if isinstance(screen, ChatScreen):
                return screen
        return None

    def new_conversation(self) -> Conversation:
        return Conversation(system_prompt=self.settings.system_prompt, params=self.settings.params)

    def thinking_label(self, params: ModelParams) -> str:
        """What the header says about thinking for the current model."""
        kind = thinking_of(self.model)
        if kind is Thinking.HYBRID:
            if params.enable_thinking is False:
                return "thinking off"
            budget = f" ≤{params.thinking_budget}" if params.thinking_budget else ""
            return f"thinking on{budget}"
        if kind is Thinking.ALWAYS:
            return "reasoning model"
        return ""

    def notify_plain(
        self, message: str, *, severity: str = "information", timeout: float | None = None
    ) -> None:
        """A toast whose text is never read as markup."""
        self.notify(message, severity=severity, timeout=timeout, markup=False)  # type: ignore[arg-type]

    # -- start-up -------------------------------------------------------------------------------

    def on_mount(self) -> None:
        if not self.is_headless:  # a real terminal (tests under Pilot keep their process's handlers)
            self._signals.install()
        if note := self.settings.url_credentials_note:
            self.notify_plain(note, severity="warning", timeout=15)
        if self.config.keymap:
            self.set_keymap(self.config.keymap)
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        # What the first frame does not need waits for it, whichever screen it shows.
        if not self.settings.api_key and not self.settings.demo:
            self._open_setup().call_after_refresh(self._after_first_frame)
        else:
            self._start_chat().call_after_refresh(self._after_first_frame)

    def _after_first_frame(self) -> None:
        """After the first screen's first refresh: the garbage collector again, and the history."""
        if not gc.isenabled():  # the CLI turns it off for the start-up (see ``cli.cmd_tui``)
            gc.freeze()  # what start-up made lives as long as the app: later collections skip it
            gc.enable()
        if self.config.keymap:  # (it imports every screen: not before the first frame)
            from siliconchat.ui.keymap import warn_unknown_ids

            warn_unknown_ids(self, self.config.keymap)
        # The history opens in a thread (~0.2 s for a large one): the first frame never waits for it.
        self.run_worker(self.history.open(), group="history", exit_on_error=False)

    def _open_setup(self) -> SetupScreen:
        from siliconchat.ui.screens.setup import SetupScreen

        region = self.settings.region or "ap"
        custom = self.settings.base_url if self.settings.region is None else None
        screen = SetupScreen(region=region, test_key=self.test_key, base_url=custom)
        self.push_screen(screen, self._setup_done)
        return screen

    def _base_url_for(self, region: str) -> str:
        # A custom base URL (region None) is kept: the key is tested and used there.
        return self.settings.base_url if self.settings.region is None else REGIONS[region]

    async def test_key(self, key: str, region: str) -> str | None:
        """Try ``key`` with ``/user/info``: ``None`` when it works, else what is wrong."""
        from siliconchat.core.api import check_key

        return await check_key(self._base_url_for(region), key, region)

    def _setup_done(self, result: SetupResult | None) -> None:
        if result is None:
            self.exit(0)
            return
        base_url = self._base_url_for(result.region)
        self.settings = dataclasses.replace(
            self.settings,
            api_key=result.api_key,
            api_key_source="config" if result.saved else None,
            base_url=base_url,
            region=result.region if self.settings.region is not None else None,
        )
        self._client = None
        if result.saved:
            self.notify_plain("The key works and was saved. Ask away!")
        else:
            self.notify_plain("The key works; it is used for this session only (it was not saved).")
        self._start_chat()

    def _start_chat(self) -> ChatScreen:
        from siliconchat.core.session import ChatSession

        session = ChatSession(
            self.new_conversation(), self.history.saves, image_turns=self.settings.attachments.image_turns
        )
        host: ChatHost = self  # the protocol the chat screen sees the app through
        screen = ChatScreen(session, host.keys)
        self.push_screen(screen)
        # After the first frame: the balance request imports the SDK (~0.5 s; in a thread, see below).
        screen.call_after_refresh(self._fetch_balance)
        if self._continue_requested:
            self.history.continue_latest()
        return screen

    @work(group="balance", exclusive=True, exit_on_error=False)
    async def _fetch_balance(self) -> None:
        try:
            client = await self.ready_client()  # imports the SDK and more in a thread (see WARM_UP_MODULES)
            info = await client.user_info()
        except Exception:  # an ApiFailure, or anything else: never let the header take the app down
            self.balance = None
        else:
            self.balance = info.balance
        screen = self.chat_screen
        if screen is not None and screen.is_mounted:
            screen.header.set_balance(self.balance)

    # -- keys and commands ----------------------------------------------------------------------

    def get_driver_class(self) -> type[Driver]:
        # Notes each key as it is read (see KeyPriority), with an input thread that does not poll.
        return key_noting(quiet_input(super().get_driver_class()))

    async def on_event(self, event: events.Event) -> None:
        typed = isinstance(event, events.Key) and not event.is_forwarded
        await super().on_event(event)
        if typed:
            # The key now waits in the focused widget's queue. Until the refresh that shows what it did, a
            # streaming answer starts no new frame (ChatScreen._on_frame).
            number = self.keys.handled()
            (self.focused or self).call_after_refresh(self.keys.shown, number)

    def set_keymap(self, keymap: Keymap) -> None:
        super().set_keymap(keymap)
        self.keymap = dict(keymap)

    def update_keymap(self, keymap: Keymap) -> None:
        super().update_keymap(keymap)
        self.keymap = {**self.keymap, **keymap}

    def key_for(self, binding_id: str) -> str:
        """How the key of ``binding_id`` (one of the app's or the chat screen's bindings) is shown, after the
        user's keymap ("" when neither has it)."""
        from siliconchat.ui.keymap import key_label

        for owner in (type(self), ChatScreen):
            try:
                return key_label(self, owner, binding_id)
            except KeyError:
                continue
        return ""

    def _theme_changed(self, theme: Theme) -> None:
        """A theme was chosen (the command palette's "Theme"): it is the one the next start uses too,
        saved in the config (not in demo mode, which leaves the user's files alone)."""
        if theme.name != self.config.theme and not self.settings.demo:
            self.config.theme = theme.name
            self._save({"theme": theme.name})

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        if isinstance(screen, ChatScreen):
            for title, help_text, action in screen.commands():
                yield SystemCommand(title, help_text, functools.partial(screen.run_action, action))
        yield SystemCommand("Help", f"The keys and what they do ({self.key_for('help')})", self.action_help)
        for command in super().get_system_commands(screen):
            if command.title != "Quit":
                yield command
        yield SystemCommand("Quit", f"Quit siliconchat ({self.key_for('quit')})", self.action_quit)

    # -- actions --------------------------------------------------------------------------------

    async def action_interrupt(self) -> None:
        """Ctrl+C: stop the answer being streamed, as Escape does. Pressed again within
        :data:`DOUBLE_INTERRUPT_SECONDS`, or when no answer streams, it quits; but with text selected in
        the prompt it copies, as it does in any text field."""
        now = time.monotonic()
        again = now - self._last_interrupt <= DOUBLE_INTERRUPT_SECONDS
        self._last_interrupt = now
        if not again:
            screen = self.chat_screen
            if screen is not None and screen.streaming:
                screen.stop_answer()
                self.notify_plain(
                    f"Stopped. Ctrl+C again to quit ({self.key_for('quit')} quits at any time).", timeout=2
                )
                return
            focused = self.focused
            copy = getattr(focused, "action_copy", None)
            if getattr(focused, "selected_text", "") and callable(copy):
                copy()
                return
        await self.action_quit()

    # -- signals --------------------------------------------------------------------------------

    def _on_exit_signal(self, signum: int) -> None:
        """SIGTERM, or SIGHUP (the terminal window was closed): save the answer being streamed at once, marked
        stopped with the signal's name, then exit as a quit does (which restores the terminal) with status
        128 + ``signum``. The save comes first: after a SIGHUP the terminal is gone and the process may not
        get much further."""
        if self.exit_signal is not None:
            return
        self.exit_signal = signum
        screen = self.chat_screen
        if screen is not None:
            from siliconchat import crash

            with crash.logged("saving the turn in progress"):
                screen.cut_off(cut_off_reason(signum))
            screen.stop_answer()
        self.exit(return_code=128 + signum)

    def action_help(self) -> None:
        try:
            from siliconchat.ui.screens.help import HelpScreen
        except ImportError:
            self.notify_plain("The help screen is not available yet: Ctrl+P lists every command.")
            return
        if not any(isinstance(screen, HelpScreen) for screen in self.screen_stack):
            self.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        screen = self.chat_screen
        if screen is not None:
            screen.stop_answer()  # cancelling the worker closes the HTTP connection
        self.exit(0)

    def unhandled_error(self, error: Exception) -> None:
        """A bug: Textual exits with return code 1 and restores the terminal after this. What the user typed
        and received is kept, the traceback logged, and :attr:`crash_report` is the line the CLI prints."""
        from siliconchat import crash

        if self.crash_report is not None:
            crash.log(error)  # the first error is the one reported: the others are only logged
            return

        screen = self.chat_screen
        draft = ""
        if screen is not None:
            with crash.logged("saving the turn in progress"):
                screen.cut_off()  # as on quit (see shutdown)
            with crash.logged("reading the prompt"):
                draft = screen.prompt.full_text
        self.crash_report = crash.report(error, draft=draft)

    async def on_unmount(self) -> None:
        await self.shutdown()

    async def shutdown(self) -> None:
        """Stop streaming (closing the connection) and close the API client."""
        if self._shut_down:
            return
        self._shut_down = True
        self._signals.remove()
        workers = [worker for worker in self.workers if not worker.is_finished]
        for worker in workers:
            worker.cancel()
        for worker in workers:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await within(worker.wait(), 2)
        screen = self.chat_screen
        if screen is not None:
            screen.cut_off()  # quitting mid-stream: keep the partial answer, marked stopped
        self.history.close()
        if self._client is not None:
            with contextlib.suppress(Exception):
                await self._client.aclose()
