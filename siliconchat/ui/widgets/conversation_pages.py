"""The blocks that show saved messages in the conversation view, and its "earlier messages" line, a page at a
time (a reopened conversation shows its last messages first; see :mod:`siliconchat.ui.history.reopen`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from siliconchat.core.conversation import Message, MessageState
from siliconchat.ui.document.conversation_blocks import AnswerBlock, EarlierBlock, ErrorBlock, UserBlock
from siliconchat.ui.document.document_view import Block

if TYPE_CHECKING:
    from siliconchat.ui.widgets.conversation_view import ConversationView

__all__ = ["PAGE", "blocks_for", "load_earlier", "message_id_of"]

PAGE = 10  # messages shown by each press of "earlier messages"


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
    """Show the last ``count`` of the messages ``earlier`` holds back, above the ones shown; the view keeps
    showing what it showed."""
    count = min(count, len(earlier.messages))
    if count <= 0 or earlier not in view.blocks:
        return
    page = earlier.messages[-count:]
    del earlier.messages[-count:]
    before = view.virtual_size.height
    index = view.blocks.index(earlier) + 1
    if not earlier.messages:
        view.remove_block(earlier)
        index -= 1
    view.add_blocks(blocks_for(page), before=index)
    grown = view.virtual_size.height - before
    view.scroll_to(y=view.scroll_y + grown, animate=False, force=True, immediate=True)
