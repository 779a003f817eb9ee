"""The conversation view's pages of saved messages: the blocks that show them, the "earlier messages" line
above the messages shown, and the "more messages" line below the first ones (Home in a long conversation).

A reopened conversation (:mod:`siliconchat.ui.history.reopen`) shows about :data:`FIRST_PAGE_SCREENS` views of
its last messages; each press of a line shows :data:`PAGE` more. Going to the top never draws the whole
conversation either: :func:`show_first` puts the first messages there, the rest held back under them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from textual.geometry import Size
from textual.widget import Widget

from siliconchat.core.conversation import Message, MessageState
from siliconchat.ui.document.conversation_blocks import (
    AnswerBlock,
    EarlierBlock,
    ErrorBlock,
    LaterBlock,
    UserBlock,
)
from siliconchat.ui.document.document_view import Block

if TYPE_CHECKING:
    from siliconchat.ui.widgets.conversation_view import ConversationView

__all__ = [
    "FIRST_PAGE_SCREENS",
    "PAGE",
    "blocks_for",
    "load_earlier",
    "message_id_of",
    "page_length",
    "show_first",
]

FIRST_PAGE_SCREENS = 1.5
"""A conversation opens with its last messages whose text fills the view about this many times (an answer
costs about 50 ms to parse and lay out: long ones fill the view in fewer), between :data:`FIRST_PAGE_MIN` and
:data:`FIRST_PAGE_MAX` messages."""
FIRST_PAGE_MIN = 2
FIRST_PAGE_MAX = 30
PAGE = 10  # messages mounted by each press of "earlier messages"


def message_id_of(block: Block) -> int | None:
    """The history id of the message a block shows."""
    message = getattr(block, "message", None)
    return message.id if isinstance(message, Message) and isinstance(message.id, int) else None


def blocks_for(messages: Sequence[Message]) -> list[Block]:
    """The blocks showing ``messages``, as a live session left them."""
    blocks: list[Block] = []
    for message in messages:
        if message.role == "user":
            blocks.append(UserBlock(message.content, message))
            continue
        if message.role != "assistant":
            continue
        if not (message.state is MessageState.FAILED and not message.content):
            blocks.append(AnswerBlock(message))
        if message.error and message.state in (MessageState.FAILED, MessageState.INCOMPLETE):
            blocks.append(ErrorBlock(message.error, message=message))
        elif message.error and message.state is MessageState.COMPLETE:
            blocks.append(ErrorBlock(message.error, title="No answer", warning=True, message=message))
    return blocks


def load_earlier(view: ConversationView, earlier: EarlierBlock, count: int = PAGE) -> None:
    """Show ``count`` of the messages ``earlier`` holds back next to it: the last ones above an "earlier
    messages" line, the first ones above a "more messages" line (:class:`LaterBlock`). The view keeps
    showing what it showed."""
    count = min(count, len(earlier.messages))
    if count <= 0 or earlier not in view.blocks:
        return
    later = isinstance(earlier, LaterBlock)
    page = earlier.messages[:count] if later else earlier.messages[-count:]
    del earlier.messages[slice(None, count) if later else slice(-count, None)]
    top = view.block_top(earlier)
    before = view.virtual_size.height
    index = view.blocks.index(earlier)
    if not earlier.messages:
        view.remove_block(earlier)
    elif not later:
        index += 1  # under the "earlier messages" line
    view.add_blocks(blocks_for(page), before=index)
    if later and top is not None and top >= view.scroll_y:
        return  # what grew is under the top of the view: nothing on screen moved
    grown = view.virtual_size.height - before
    view.scroll_to(y=view.scroll_y + grown, animate=False, force=True, immediate=True)


def show_first(view: ConversationView, earlier: EarlierBlock) -> None:
    """Put the first messages that ``earlier`` (at the top) holds back in its place, about
    :data:`FIRST_PAGE_SCREENS` views of them, with the rest under them in a :class:`LaterBlock`."""
    messages = earlier.messages
    end = page_length(messages, view)
    if 0 < end < len(messages) and messages[end].role == "assistant" and messages[end - 1].role == "user":
        end += 1  # a whole turn: never a prompt without its answer
    index = view.blocks.index(earlier)
    view.remove_block(earlier)
    blocks = blocks_for(messages[:end])
    if end < len(messages):
        blocks.append(LaterBlock(messages[end:], PAGE))
    view.add_blocks(blocks, before=index)


def _view_size(view: Widget) -> Size:
    """The view's size, or the app's before the view is first laid out (``--continue``): never smaller."""
    return view.size if view.size.area else view.app.size


def _text_lines(message: Message, view: Widget) -> int:
    """The fewest lines ``message`` takes in ``view``: its text wrapped, and its block's border (Markdown only
    adds more: margins, headings, code blocks)."""
    width = max(20, _view_size(view).width - 8)  # the blocks' borders and padding
    return 2 + sum(1 + len(line) // width for line in message.content.split("\n"))


def page_length(messages: Iterable[Message], view: Widget) -> int:
    """How many of ``messages``, taken in this order, make a first page (see :data:`FIRST_PAGE_SCREENS`)."""
    enough = FIRST_PAGE_SCREENS * _view_size(view).height
    count, lines = 0, 0
    for message in messages:
        if count >= FIRST_PAGE_MAX or (lines >= enough and count >= FIRST_PAGE_MIN):
            break
        count += 1
        lines += _text_lines(message, view)
    return count
