"""The TUI's side of the history: the store, the sidebar, search, reopening, renaming, deleting, transcripts.

* The store is opened in a thread when the app starts (it takes a moment: never before the first frame).
  If it cannot be used (:class:`HistoryError`: unreadable, newer schema), the app runs without
  history, says so in the header for as long as it runs, and a toast names the file. The file is left
  exactly as it was. A damaged file is moved aside by the store (a new history starts): a toast says where.
* Writes go through a queue (:mod:`siliconchat.core.history.saves`, fed by the turns of
  :mod:`siliconchat.core.session`): each runs in a thread, in order, and one that fails (the history is
  busy) is retried with a growing pause until it succeeds, while the conversation stays in memory. Turns
  still unsaved when the app closes go to recovery files beside the history, imported at the next start
  (with a toast).
  Everything larger — opening, loading, listing, searching, transcripts — runs in a thread too.
* ``core.history`` (and ``sqlite3``) is imported in that thread too, not with this module: the methods that
  need its names import them once the store is open.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from siliconchat import paths
from siliconchat.core.conversation import Conversation
from siliconchat.core.history.saves import BUSY_MS, HistorySaves, SaveJob
from siliconchat.core.sanitize import sanitize_line

if TYPE_CHECKING:
    from siliconchat.core.history import HistoryError, HistoryStore, SearchHit
    from siliconchat.ui.app import SiliconChatApp
    from siliconchat.ui.screens.chat import ChatScreen
    from siliconchat.ui.widgets.sidebar import Sidebar

__all__ = ["HistoryLink"]

DISABLED_NOTE = "history off"
READ_WAIT = 2.0
"""How long reading a conversation waits for the queued writes (a busy history: it shows what it holds)."""


def _open_store() -> HistoryStore:
    """Import the store's module and open the store (in a thread)."""
    from siliconchat.core.history import HistoryStore

    return HistoryStore.open()


class HistoryLink:
    """Owned by the app (``app.history``)."""

    def __init__(self, app: SiliconChatApp) -> None:
        self.app = app
        self.store: HistoryStore | None = None
        self.error: HistoryError | None = None
        self._ready: asyncio.Event | None = None
        self._warned: set[str] = set()
        self.saves = HistorySaves(self.wait, self._notify_saves)

    def _notify_saves(self, text: str, severity: str) -> None:
        self.app.notify_plain(text, severity=severity, timeout=10)

    # -- the store ------------------------------------------------------------------------------

    @property
    def note(self) -> str:
        """What the header says about the history ("" when all is well)."""
        return DISABLED_NOTE if self.error is not None else ""

    def _event(self) -> asyncio.Event:
        if self._ready is None:
            self._ready = asyncio.Event()
        return self._ready

    async def open(self) -> None:
        """Open the store in a thread (the app runs this as a worker at start)."""
        ready = self._event()
        try:
            self.store = await asyncio.to_thread(_open_store)
            self.store.set_busy_timeout(BUSY_MS)  # the queue retries: no write waits long for a lock
        except Exception as exc:
            from siliconchat.core.history import HistoryError

            if isinstance(exc, HistoryError):
                self.error = exc
            else:  # never let the history take the app down
                self.error = HistoryError(paths.history_db(), f"cannot open it ({type(exc).__name__}: {exc})")
        finally:
            ready.set()
        if self.error is not None:
            self.app.notify_plain(
                f"{self.error} The history is off for this session: nothing will be saved.",
                severity="error",
                timeout=20,
            )
        elif self.store is not None and self.store.notice is not None:  # a damaged file was moved aside
            self.app.notify_plain(self.store.notice, severity="warning", timeout=30)
        if self.store is not None:
            await self._import_recovered(self.store)
        screen = self.app.chat_screen
        if screen is not None and screen.is_mounted:
            screen.header.set_history_note(self.note)
        if self.store is not None:
            await self.prepare_sidebar()

    async def wait(self) -> HistoryStore | None:
        """The store once it is open (None when the history is off)."""
        await self._event().wait()
        return self.store

    def close(self) -> None:
        """Save what is queued (or, when the history stayed busy, write it to recovery files); close."""
        store, self.store = self.store, None
        if store is not None:
            self.saves.close(store)
            store.close()

    async def _import_recovered(self, store: HistoryStore) -> None:
        """Import the turns an earlier session could not save (recovery files beside the history)."""
        titles = await self.saves.import_recovered(store)
        if titles:
            names = ", ".join(sanitize_line(t, 40) or "(untitled)" for t in titles)
            self.app.notify_plain(
                f"Saved {len(titles)} conversation(s) that the last session could not save (the history was "
                f"busy): {names}.",
                timeout=15,
            )
            self.refresh_sidebar()

    def report(self, exc: HistoryError) -> None:
        """A write failed: say so once per kind of failure (the conversation goes on, unsaved)."""
        text = str(exc)
        if text in self._warned:
            return
        self._warned.add(text)
        self.app.notify_plain(f"Not saved in the history: {text}", severity="warning", timeout=10)

    # -- saving -------------------------------------------------------------------------------------

    def refresh_when_saved(self, job: SaveJob | None, *, hidden_too: bool = True) -> None:
        """Show the new activity in the sidebar once ``job`` (a turn's save) is done; with ``hidden_too``
        False, only if the sidebar is shown now (a hidden one is read again when shown)."""
        if job is None:
            return
        if not hidden_too:
            sidebar = self.sidebar
            if sidebar is None or not sidebar.display:
                return

        async def refresh() -> None:
            await job.done.wait()
            self.refresh_sidebar()

        self.app.run_worker(refresh(), group="history-refresh", exit_on_error=False)

    def save_settings(self, conversation: Conversation) -> None:
        """Save a conversation's system prompt and parameters (F5). A conversation not saved yet needs
        nothing: its first message saves them with it."""
        if self.store is not None and conversation.id is not None:
            self.saves.save_settings(conversation)

    # -- opening conversations ----------------------------------------------------------------------

    def _screen(self) -> ChatScreen | None:
        screen = self.app.chat_screen
        return screen if screen is not None and screen.is_mounted else None

    def _disabled(self) -> bool:
        if self.store is not None:
            return False
        if self.error is not None:
            self.app.notify_plain(f"The history is off: {self.error}", severity="warning")
        else:
            self.app.notify_plain("The history is still opening: try again in a moment.")
        return True

    def open_conversation(self, conversation_id: int, *, focus: int | None = None) -> None:
        self.app.run_worker(
            self._open(conversation_id, focus), group="history-open", exclusive=True, exit_on_error=False
        )

    async def _open(self, conversation_id: int, focus: int | None) -> None:
        store = await self.wait()
        screen = self._screen()
        if store is None or screen is None:
            return
        from siliconchat.core.history import ConversationNotFound, HistoryError

        await self._stop_streaming(screen)
        await self.saves.drained(READ_WAIT)  # what was just written is what is read
        try:
            conversation = await asyncio.to_thread(store.load, conversation_id)
        except ConversationNotFound:
            self.app.notify_plain(
                "That conversation is gone (deleted by another siliconchat?).", severity="warning"
            )
            self.refresh_sidebar()
            return
        except HistoryError as exc:
            self.app.notify_plain(str(exc), severity="error")
            return
        await self.show(screen, conversation, focus=focus)

    @staticmethod
    async def _stop_streaming(screen: ChatScreen | None) -> None:
        """Stop the answer streaming on ``screen`` before a conversation is read to replace it: read while it
        streamed, the answer (this very conversation, opened again from the sidebar or a search) came back
        half-saved and marked as cut off by a closing siliconchat; stopped first, it is read as stopped."""
        if screen is not None and screen.streaming:
            await screen.stop_and_wait()

    async def show(self, screen: ChatScreen, conversation: Conversation, *, focus: int | None = None) -> None:
        from siliconchat.ui.history.reopen import show_conversation

        await show_conversation(screen, conversation, focus=focus)
        sidebar = self.sidebar
        if sidebar is not None:
            sidebar.set_current(conversation.id)
        if focus is None:
            screen.prompt.focus()

    def continue_latest(self, *, quiet_when_empty: bool = False) -> None:
        """Reopen the conversation with the latest activity (``--continue``; "Open latest" in the palette)."""
        self.app.run_worker(
            self._continue(quiet_when_empty), group="history-open", exclusive=True, exit_on_error=False
        )

    async def _continue(self, quiet_when_empty: bool) -> None:
        store = await self.wait()
        if store is None:
            return  # the toast at start already said why
        from siliconchat.core.history import HistoryError

        await self._stop_streaming(self._screen())
        await self.saves.drained(READ_WAIT)
        try:
            conversation = await asyncio.to_thread(store.latest)
        except HistoryError as exc:
            self.app.notify_plain(str(exc), severity="error")
            return
        if conversation is None:
            if not quiet_when_empty:
                self.app.notify_plain("There is no saved conversation to continue yet.")
            return
        for _ in range(200):  # the chat screen is pushed at start; wait until it is on screen
            if self._screen() is not None:
                break
            await asyncio.sleep(0.01)
        screen = self._screen()
        if screen is not None:
            await self.show(screen, conversation)

    # -- the sidebar --------------------------------------------------------------------------

    @property
    def sidebar(self) -> Sidebar | None:
        from siliconchat.ui.widgets.sidebar import Sidebar

        screen = self._screen()
        if screen is None:
            return None
        found = screen.query(Sidebar)
        return found.first() if found else None

    async def _mount_sidebar(self, screen: ChatScreen, *, shown: bool) -> Sidebar:
        from siliconchat.ui.widgets.sidebar import Sidebar

        sidebar = Sidebar(id="sidebar")
        sidebar.display = shown
        await screen.query_one("#body").mount(sidebar, before=0)
        return sidebar

    async def prepare_sidebar(self) -> None:
        """Mount the sidebar hidden and fill it, once the store is open (after the first frame): F9 then
        only shows it (one frame; mounting it and its first rows took two). Kept filled while hidden
        (``refresh_sidebar``)."""
        screen = self._screen()
        if screen is None or self.sidebar is not None:
            return  # the setup screen is up (F9 mounts it later), or F9 came first
        sidebar = await self._mount_sidebar(screen, shown=False)
        self._run_fill(sidebar)

    async def toggle_sidebar(self) -> None:
        screen = self._screen()
        if screen is None:
            return
        sidebar = self.sidebar
        if sidebar is None:
            sidebar = await self._mount_sidebar(screen, shown=True)
        elif sidebar.display:
            sidebar.display = False
            screen.prompt.focus()
            return
        sidebar.display = True
        sidebar.list.focus()
        # The rows read while it was hidden are on screen in this frame; they are read again after it.
        sidebar.loaded = False
        self.refresh_sidebar()

    def close_sidebar(self) -> None:
        sidebar = self.sidebar
        screen = self._screen()
        if sidebar is not None and screen is not None:
            sidebar.display = False
            screen.prompt.focus()

    def refresh_sidebar(self) -> None:
        """Read the list again (in a thread), hidden or shown (a page: about a millisecond)."""
        sidebar = self.sidebar
        if sidebar is not None:
            self._run_fill(sidebar)

    def _run_fill(self, sidebar: Sidebar) -> None:
        # The work as a function, not a coroutine: a fill replaced by the next one (exclusive) before it began
        # is never called, where a coroutine made for it was left never awaited (a RuntimeWarning).
        async def fill() -> None:
            await self._fill_sidebar(sidebar)

        # (Textual types a work function's coroutine as Coroutine[None, None, T]: an async def's is Any, Any.)
        self.app.run_worker(fill, group="sidebar", exclusive=True, exit_on_error=False)  # type: ignore[arg-type]

    async def _fill_sidebar(self, sidebar: Sidebar) -> None:
        """The sidebar reads its rows from the store, a page at a time (see ``Sidebar.fill``)."""
        store = await self.wait()
        if store is None:
            sidebar.show_disabled(f"The history is off.\n\n{self.error}")
            return
        from siliconchat.core.history import HistoryError

        screen = self._screen()
        try:
            await sidebar.fill(
                lambda limit, after: store.list_conversations(limit, after=after),
                screen.conversation.id if screen is not None else None,
            )
        except HistoryError as exc:
            sidebar.show_disabled(str(exc))

    # -- rename, delete -----------------------------------------------------------------------------

    def _target(
        self, conversation_id: int | None, title: str | None, unsaved: str
    ) -> tuple[int, str | None] | None:
        """The conversation a rename or delete is about: the one given, or the one on screen (None, with
        ``unsaved`` said, when that one was never saved)."""
        screen = self._screen()
        if self._disabled() or screen is None:
            return None
        if conversation_id is None:
            conversation_id, title = screen.conversation.id, screen.conversation.title
            if conversation_id is None:
                self.app.notify_plain(unsaved)
                return None
        return conversation_id, title

    def rename(self, conversation_id: int | None = None, title: str | None = None) -> None:
        """Ask for a new title of a conversation (default: the one on screen) and save it."""
        from siliconchat.ui.screens.dialogs import RenameScreen

        target = self._target(
            conversation_id, title, "This conversation is not saved yet: send a prompt first."
        )
        if target is None:
            return
        conversation_id, title = target

        def done(new_title: str | None) -> None:
            if new_title is None or self.store is None:
                return
            from siliconchat.core.history import HistoryError

            try:
                saved = self.store.rename(conversation_id, new_title)
            except HistoryError as exc:
                self.app.notify_plain(str(exc), severity="error")
                return
            current = self._screen()
            if current is not None and current.conversation.id == conversation_id:
                current.conversation.title = saved
            self.app.notify_plain(f"Renamed: {saved}")
            self.refresh_sidebar()

        self.app.push_screen(RenameScreen(title or ""), done)

    def delete(self, conversation_id: int | None = None, title: str | None = None) -> None:
        """Delete a conversation (default: the one on screen) after a confirmation."""
        from siliconchat.ui.screens.dialogs import ConfirmScreen

        target = self._target(
            conversation_id, title, "This conversation is not saved: there is nothing to delete."
        )
        if target is None:
            return
        conversation_id, title = target

        async def done(confirmed: bool | None) -> None:
            if not confirmed or self.store is None:
                return
            from siliconchat.core.history import HistoryError

            current = self._screen()
            if current is not None and current.conversation.id == conversation_id:
                await current.stop_and_wait()
            try:
                self.store.delete(conversation_id)
            except HistoryError as exc:
                self.app.notify_plain(str(exc), severity="error")
                return
            if current is not None and current.conversation.id == conversation_id:
                await current.new_conversation(self.app.new_conversation())
                sidebar = self.sidebar
                if sidebar is not None and sidebar.display:
                    sidebar.list.focus()
            self.app.notify_plain(f"Deleted: {sanitize_line(title or '', 60) or 'the conversation'}")
            self.refresh_sidebar()

        self.app.push_screen(
            ConfirmScreen("Delete this conversation and all its messages?", title or "(untitled)"), done
        )

    # -- search ---------------------------------------------------------------------------------------

    def search(self) -> None:
        from siliconchat.ui.screens.search import LIMIT, SearchScreen

        if self._disabled():
            return
        store = self.store
        assert store is not None

        def find(text: str, include_reasoning: bool, stop: Callable[[], bool]) -> Sequence[SearchHit]:
            return store.search(text, include_reasoning=include_reasoning, limit=LIMIT, stop=stop)

        def done(result: tuple[int, int] | None) -> None:
            if result is not None:
                self.open_conversation(result[0], focus=result[1])

        self.app.push_screen(SearchScreen(find), done)

    # -- transcripts ----------------------------------------------------------------------------------

    def transcript_folder(self) -> Path:
        folder = self.app.config.transcript_dir
        return Path(folder) if folder is not None else paths.default_transcript_dir()

    def save_transcript(self, *, all_branches: bool = False) -> None:
        """Save the conversation on screen as Markdown (``all_branches``: every branch, not only the one shown)
        and JSON (the whole tree) in the transcript folder."""
        screen = self._screen()
        if screen is None:
            return
        conversation = screen.conversation
        if not conversation.messages and conversation.id is None:
            self.app.notify_plain("There is nothing to save yet: the conversation is empty.")
            return
        self.app.run_worker(
            self._save_transcript(conversation, all_branches), group="transcript", exit_on_error=False
        )

    async def _save_transcript(self, conversation: Conversation, all_branches: bool) -> None:
        from siliconchat.core.transcript import TranscriptError, save_transcript

        folder = self.transcript_folder()
        store = self.store
        streaming = (screen := self._screen()) is not None and screen.streaming

        def write() -> list[Path]:
            from siliconchat.core.history import HistoryError

            record = conversation
            if store is not None and conversation.id is not None and not streaming:
                try:  # the full record, failed attempts included
                    record = store.load(conversation.id)
                except HistoryError:
                    record = conversation
            if not record.title:
                from siliconchat.core.history import make_title

                first = next((m for m in record.messages if m.role == "user"), None)
                record.title = make_title(first.content) if first is not None else ""
            return save_transcript(record, folder, ("md", "json"), all_branches=all_branches)

        await self.saves.drained(READ_WAIT)
        try:
            written = await asyncio.to_thread(write)
        except (TranscriptError, OSError) as exc:
            self.app.notify_plain(
                f"The transcript was not saved: {exc}. The conversation is unchanged.",
                severity="error",
                timeout=15,
            )
            return
        names = " and ".join(sanitize_line(path.name) for path in written)
        self.app.notify_plain(f"Saved {names} in {sanitize_line(str(folder))}", timeout=10)
