"""The scrolling conversation: user turns, answers and error blocks, newest at the bottom."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from siliconchat.core.conversation import Message
from siliconchat.ui.widgets.laid_out_once import LaidOutOnce
from siliconchat.ui.widgets.message_blocks import AnswerBlock, ErrorBlock, UserTurn


def keep_following(scroller: Widget, following: bool) -> None:
    """Anchor ``scroller`` to its end once its content overflows.

    Textual's ``anchor()`` keeps the end in view until the user scrolls away, but it also pins short
    content to the bottom of the pane; anchoring only once the content is taller than the pane keeps
    short content at the top.
    """
    if following and not scroller.is_anchored and scroller.max_scroll_y > 0:
        scroller.anchor()


WELCOME = (
    "Type a prompt below and press Enter to send it (Ctrl+J for a new line).\n"
    "F2 picks a model, F3 cycles your favourites, Ctrl+R shows or hides the reasoning, "
    "Escape stops an answer, Ctrl+P lists every command, F1 shows the keys."
)


class ConversationView(LaidOutOnce, VerticalScroll, can_focus=False):
    """The conversation pane. It follows the end while an answer streams unless the user scrolls up."""

    _following = False

    def compose(self) -> ComposeResult:
        yield Static(Content(WELCOME), markup=False, classes="welcome")

    async def _add(self, widget: Static | AnswerBlock) -> None:
        for welcome in self.query(".welcome"):
            await welcome.remove()
        await self.mount(widget)

    async def add_user(self, text: str) -> UserTurn:
        turn = UserTurn(text)
        await self._add(turn)
        return turn

    async def add_answer(self, message: Message) -> AnswerBlock:
        block = AnswerBlock(message)
        await self._add(block)
        return block

    async def add_error(self, text: str, *, title: str = "Error", warning: bool = False) -> ErrorBlock:
        block = ErrorBlock(text, title=title, warning=warning)
        await self._add(block)
        return block

    async def clear(self) -> None:
        self._following = False
        self.anchor(False)
        await self.remove_children()
        await self.mount(Static(Content(WELCOME), markup=False, classes="welcome"))

    def answer_blocks(self) -> list[AnswerBlock]:
        return list(self.query(AnswerBlock))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        # Scrolling up, away from the end, brings folded answers back whole (see LiveDocument.fold); a shorter
        # end (an answer's reserve of blank lines gone) is not a scroll up.
        if new_value < old_value and new_value < self.max_scroll_y:
            for block in self.query(AnswerBlock):
                block.body.fold(False)

    def follow(self) -> None:
        """Follow the end (again): called when a new turn starts. See :func:`keep_following`."""
        self._following = True
        if self.max_scroll_y > 0:
            self.anchor()
        else:
            self.anchor(False)

    def keep_following(self) -> None:
        """Called once per frame while streaming."""
        keep_following(self, self._following)
