"""The reasoning pane: the thinking of the turn in progress, live; otherwise that of the selected turn.

It has its own scroll, which follows the end while reasoning streams unless the user scrolls up,
and a status line: "thinking… N s" while the model thinks, then "thought for N s".

The Markdown body (and with it ``live_markdown``: markdown-it, Pygments, Textual's Markdown) is only made and
mounted when there is reasoning to show or a turn begins: at launch the pane shows its hint alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from siliconchat.core.conversation import Message, MessageState
from siliconchat.ui.widgets.conversation_view import keep_following
from siliconchat.ui.widgets.formatting import seconds
from siliconchat.ui.widgets.laid_out_once import LaidOutOnce

if TYPE_CHECKING:
    from siliconchat.ui.widgets.live_markdown import LiveDocument

IDLE_HINT = "The reasoning of the model appears here while it thinks."


class ReasoningScroll(LaidOutOnce, VerticalScroll):
    """The pane's scrolling part: scrolling up unfolds the reasoning (see ``LiveDocument.fold``)."""

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value < old_value and new_value < self.max_scroll_y:  # up, away from the end
            pane = self.parent
            if isinstance(pane, ReasoningPane) and pane._body is not None:
                pane._body.fold(False)


class ReasoningPane(Vertical):
    """Reasoning with a status line; see the module docstring."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = Content("Reasoning")
        self.status = Static(Content(IDLE_HINT), markup=False, classes="reasoning-status")
        self.scroller = ReasoningScroll(classes="reasoning-scroll", can_focus=True)
        self._body: LiveDocument | None = None  # made when first needed: see the module docstring
        self._status_text = ""
        self.message: Message | None = None  # the turn whose reasoning is shown
        self._following = False

    def compose(self) -> ComposeResult:
        yield self.status
        with self.scroller:
            if self._body is not None:
                yield self._body

    @property
    def body(self) -> LiveDocument:
        """The reasoning as Markdown (made on first use; see :meth:`_mounted_body`)."""
        if self._body is None:
            from siliconchat.ui.widgets.live_markdown import LiveDocument

            self._body = LiveDocument(classes="reasoning-body")
        return self._body

    async def _mounted_body(self) -> LiveDocument:
        """The body, mounted in the scroller (the first call mounts it)."""
        body = self.body
        if body.parent is None and self.scroller.is_attached:
            await self.scroller.mount(body)
        return body

    def set_status(self, text: str) -> None:
        if text != self._status_text:
            self._status_text = text
            self.status.update(Content(text), layout=False)  # one line, as wide as the pane

    # -- live --------------------------------------------------------------------------------

    async def begin(self, message: Message) -> None:
        """A new turn starts: empty the pane and follow its end."""
        self.message = message
        await (await self._mounted_body()).show("")
        self._set_empty(False)  # after emptying the body: a class change restyles every block in the pane
        self.set_status("waiting for the model…")
        self.scroller.anchor(False)
        self.scroller.scroll_home(animate=False, immediate=True)
        self._following = True

    def keep_following(self) -> None:
        """Called once per frame while streaming."""
        keep_following(self.scroller, self._following)

    async def write(self, fragment: str) -> None:
        await (await self._mounted_body()).write(fragment)

    def thinking(self, elapsed: float | None, answering: bool) -> None:
        """Per-frame status while streaming."""
        if elapsed is None:
            if answering:
                self.set_status("no reasoning for this answer")
            return
        if answering:
            self.set_status(f"thought for {seconds(elapsed)}")
        else:
            self.set_status(f"thinking… {seconds(elapsed)}")

    async def finish(self, message: Message) -> None:
        """The turn ended: show its whole reasoning once, and how long it took."""
        await (await self._mounted_body()).finish(message.reasoning)
        scroller = self.scroller
        # It followed the end, and the user did not scroll away (or the text overflowed only now): it ends at
        # its end once the last lines and the loss of the reserve are laid out.
        if self._following and (not scroller.is_anchored or scroller.is_vertical_scroll_end):
            scroller.call_after_refresh(scroller.scroll_end, animate=False, immediate=True)
        self._following = False
        self._show_status(message)

    # -- idle ---------------------------------------------------------------------------------

    async def show_message(self, message: Message | None) -> None:
        """Show the reasoning of ``message`` (the last or selected turn)."""
        self.message = message
        self._following = False
        self.scroller.anchor(False)
        if message is None:
            if self._body is not None:
                await self._body.show("")
            self._set_empty(True)
            self.set_status(IDLE_HINT)
            return
        body = await self._mounted_body()
        if self.has_class("-empty") != (not message.reasoning):
            await body.show("")
            self._set_empty(not message.reasoning)  # while the body is empty: see begin()
        await body.show(message.reasoning)
        self._show_status(message)
        self.scroller.scroll_home(animate=False, immediate=True)

    def _set_empty(self, empty: bool) -> None:
        self.set_class(empty, "-empty")

    def _show_status(self, message: Message) -> None:
        self._set_empty(not message.reasoning)
        if not message.reasoning:
            self.set_status("no reasoning for this answer")
            return
        spent = message.timings.reasoning
        if message.state is MessageState.STOPPED and not message.content:
            self.set_status(f"stopped after thinking for {seconds(spent)}")
        else:
            self.set_status(f"thought for {seconds(spent)}")

    async def clear(self) -> None:
        await self.show_message(None)
