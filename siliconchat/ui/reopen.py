"""Showing a saved conversation on the chat screen, fast however long it is.

Only the last messages are mounted at first, about :data:`FIRST_PAGE_SCREENS` views of their text (a 500-turn
conversation would otherwise parse and lay out 500 Markdown answers before its last screen appears); an
"earlier messages" button at the top mounts the previous :data:`PAGE` messages. Opening at a search result mounts back far enough to include the message, then
scrolls it into view and highlights it for a moment.

Each saved message becomes the blocks the live turn left on screen: a user turn, an answer (unless the
request failed before any text), and an error block for a failed or cut-off answer. The screen's
conversation — the context of the next request — leaves out failed attempts, as a live session does
before a retry (:func:`request_context`); the history keeps them, marked failed.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual.content import Content
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Button

from siliconchat.core.conversation import Conversation, Message, MessageState
from siliconchat.ui.widgets.message_blocks import AnswerBlock, ErrorBlock, UserTurn

if TYPE_CHECKING:
    from siliconchat.ui.screens.chat import ChatScreen
    from siliconchat.ui.widgets.conversation_view import ConversationView

__all__ = [
    "FIRST_PAGE_SCREENS",
    "PAGE",
    "EarlierMessages",
    "message_id_of",
    "request_context",
    "show_conversation",
]

FIRST_PAGE_SCREENS = 1.5
"""A conversation opens with its last messages whose text fills the view about this many times (an answer
costs about 50 ms to parse and lay out: long ones fill the view in fewer), between :data:`FIRST_PAGE_MIN` and
:data:`FIRST_PAGE_MAX` messages."""
FIRST_PAGE_MIN = 2
FIRST_PAGE_MAX = 30
PAGE = 10  # messages mounted by each press of "earlier messages"
FOUND_SECONDS = 2.0  # how long a search result stays highlighted
_MESSAGE_ID = "_siliconchat_message_id"


def request_context(messages: Sequence[Message]) -> list[Message]:
    """The messages that make up the context of the next request: every failed attempt (a prompt whose
    answer failed) is left out, as ``ChatScreen._drop_failed_attempt`` does during a live session."""
    out: list[Message] = []
    for message in messages:
        if (
            message.role == "assistant"
            and message.state is MessageState.FAILED
            and out
            and out[-1].role == "user"
        ):
            out.pop()
            continue
        out.append(message)
    return out


def message_id_of(widget: Widget) -> int | None:
    """The history id of the message a block shows (blocks of a reopened conversation only)."""
    value = getattr(widget, _MESSAGE_ID, None)
    return value if isinstance(value, int) else None


def _tag(widget: Widget, message: Message) -> Widget:
    setattr(widget, _MESSAGE_ID, message.id)
    return widget


def blocks_for(messages: Sequence[Message]) -> tuple[list[Widget], list[AnswerBlock]]:
    """The widgets showing ``messages`` (and the answer blocks among them, to fill once mounted)."""
    widgets: list[Widget] = []
    answers: list[AnswerBlock] = []
    for message in messages:
        if message.role == "user":
            widgets.append(_tag(UserTurn(message.content), message))
            continue
        if message.role != "assistant":
            continue
        if not (message.state is MessageState.FAILED and not message.content):
            block = AnswerBlock(message)
            answers.append(block)
            widgets.append(_tag(block, message))
        if message.error and message.state in (MessageState.FAILED, MessageState.INCOMPLETE):
            widgets.append(_tag(ErrorBlock(message.error), message))
        elif message.error and message.state is MessageState.COMPLETE:
            widgets.append(_tag(ErrorBlock(message.error, title="No answer", warning=True), message))
    return widgets, answers


class EarlierMessages(Button):
    """At the top of a reopened conversation: mounts the previous page of messages when pressed."""

    def __init__(self, messages: Sequence[Message]) -> None:
        super().__init__(classes="earlier-messages")
        self.messages = list(messages)
        self._refresh_label()

    def _refresh_label(self) -> None:
        count = len(self.messages)
        self.label = Content(f"▲ {count} earlier message{'s' if count != 1 else ''}: show {min(PAGE, count)}")

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        await self.load(PAGE)

    async def load(self, count: int) -> None:
        """Mount the last ``count`` of the hidden messages above the visible ones."""
        count = min(count, len(self.messages))
        if count <= 0:
            return
        page = self.messages[-count:]
        del self.messages[-count:]
        widgets, answers = blocks_for(page)
        view = self.parent
        assert isinstance(view, Widget)
        with self.app.batch_update():  # one layout for the page (see show_conversation)
            await view.mount_all(widgets, after=self)
            await _fill(answers)
            if self.messages:
                self._refresh_label()
            else:
                await self.remove()


async def _fill(answers: Sequence[AnswerBlock]) -> None:
    if answers:
        await asyncio.gather(*(block.finish() for block in answers))


def _find(view: ConversationView, message_id: int) -> Widget | None:
    for widget in view.children:
        if message_id_of(widget) == message_id:
            return widget
    return None


async def show_conversation(
    screen: ChatScreen, conversation: Conversation, *, focus: int | None = None
) -> None:
    """Show ``conversation`` (as loaded from the history) on ``screen`` and make it the current one.

    ``focus`` is the id of a message to scroll into view and highlight (a search result); otherwise the
    view shows the end, and the reasoning pane the last answer's reasoning.
    """
    await screen.stop_and_wait()
    # One layout and one repaint for all of it: between the awaits below (clearing the view, mounting the
    # blocks, parsing each answer, the reasoning pane), the screen laid out and repainted what was done so far,
    # about ten times, each time measuring and drawing more of it.
    with screen.app.batch_update():
        await _show(screen, conversation, focus)


async def _show(screen: ChatScreen, conversation: Conversation, focus: int | None) -> None:
    messages = list(conversation.messages)
    screen.conversation = dataclasses.replace(conversation, messages=request_context(messages))
    screen.selected = None
    view = screen.view
    await view.clear()
    start = _first_page_start(messages, view)
    if focus is not None:
        index = next((i for i, m in enumerate(messages) if m.id == focus), None)
        if index is not None:
            start = min(start, max(0, index - 1))
    widgets, answers = blocks_for(messages[start:])
    if start > 0:
        widgets.insert(0, EarlierMessages(messages[:start]))
    if widgets:
        for welcome in view.query(".welcome"):
            await welcome.remove()
        await view.mount_all(widgets)
        await _fill(answers)
    last = next((m for m in reversed(messages) if m.role == "assistant" and (m.content or m.reasoning)), None)
    screen.selected = last
    await screen.reasoning.show_message(last)
    screen.status.show_message(last)
    screen.refresh_header()
    target = _find(view, focus) if focus is not None else None
    if target is not None:
        target.add_class("-found")
        screen.set_timer(FOUND_SECONDS, lambda: target.remove_class("-found"))
        screen.call_after_refresh(view.scroll_to_widget, target, animate=False, top=True)
    elif _surely_taller(messages[start:], view):
        # Anchored, the view's first layout scrolls to the end: the first frame shows it (scrolling after the
        # refresh showed the top for a frame first, and laid out and painted the pane twice). The anchor goes
        # after that layout, so that the "earlier messages" button does not pull the view back down.
        view.anchor()
        screen.call_after_refresh(view.anchor, False)
    else:
        screen.call_after_refresh(view.scroll_end, animate=False, immediate=True)


def _view_size(view: Widget) -> Size:
    """The view's size, or the app's before the view is first laid out (``--continue``): never smaller."""
    return view.size if view.size.area else view.app.size


def _text_lines(message: Message, view: Widget) -> int:
    """The fewest lines ``message`` takes in ``view``: its text wrapped, and its block's border (Markdown only
    adds more: margins, headings, code blocks)."""
    width = max(20, _view_size(view).width - 8)  # the blocks' borders and padding
    return 2 + sum(1 + len(line) // width for line in message.content.split("\n"))


def _first_page_start(messages: Sequence[Message], view: Widget) -> int:
    """Where the first page of ``messages`` starts (see :data:`FIRST_PAGE_SCREENS`)."""
    enough = FIRST_PAGE_SCREENS * _view_size(view).height
    start, lines = len(messages), 0
    while start > 0 and len(messages) - start < FIRST_PAGE_MAX:
        if lines >= enough and len(messages) - start >= FIRST_PAGE_MIN:
            break
        start -= 1
        lines += _text_lines(messages[start], view)
    if start > 0 and messages[start].role == "assistant" and messages[start - 1].role == "user":
        start -= 1  # a whole turn: never an answer without its prompt
    return start


def _surely_taller(messages: Sequence[Message], view: Widget) -> bool:
    """Whether ``messages`` take more lines than ``view`` shows. An anchored view pins content shorter than
    itself to its bottom, so only what is certain to overflow is anchored."""
    return sum(_text_lines(message, view) for message in messages) > _view_size(view).height
