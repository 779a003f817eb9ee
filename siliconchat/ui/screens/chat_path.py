"""The active path of a conversation on the chat screen: what a reopening and a switch of branches show.

Only the last messages are shown at first (:func:`~siliconchat.ui.widgets.conversation_pages.page_length`),
under an "earlier messages" line; a focused message (a search result) is shown with the messages before it,
scrolled into view and highlighted for a moment. Each block of a message with siblings shows its place
among them (``‹ 2/3 ›``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual.widget import Widget

from siliconchat.core.conversation import Conversation, Message
from siliconchat.ui.document.conversation_blocks import AnswerBlock, EarlierBlock, UserBlock
from siliconchat.ui.document.document_view import Block
from siliconchat.ui.widgets.conversation_pages import PAGE, blocks_for, message_id_of, page_length

if TYPE_CHECKING:
    from siliconchat.ui.screens.chat_turns import TurnScreen
    from siliconchat.ui.widgets.conversation_view import ConversationView

__all__ = ["label_branches", "show_path"]

FOUND_SECONDS = 2.0  # how long a search result stays highlighted


def label_branches(view: ConversationView, conversation: Conversation) -> None:
    """Show on each block of the active path its place among its siblings (``‹ 2/3 ›``), where it has any."""
    from siliconchat.core.branches import branch_positions

    positions = branch_positions(conversation)
    for block in view.blocks:
        if isinstance(block, (UserBlock, AnswerBlock)) and block.message is not None:
            branch = positions.get(id(block.message))
            if block.branch != branch:
                block.branch = branch
                block.changed()


async def show_path(screen: TurnScreen, conversation: Conversation, *, focus: int | None = None) -> None:
    """Show the active path of ``conversation`` on ``screen`` (nothing streams there), as
    :func:`show_conversation` does: after a switch of branches, or before a new branch's first turn."""
    # One layout and one repaint for all of it: between the awaits below (clearing the view, mounting the
    # blocks, parsing each answer, the reasoning pane), the screen laid out and repainted what was done so far,
    # about ten times, each time measuring and drawing more of it.
    with screen.app.batch_update():
        await _show(screen, conversation, focus)


async def _show(screen: TurnScreen, conversation: Conversation, focus: int | None) -> None:
    screen.conversation = conversation
    if focus is not None and not any(m.id == focus for m in conversation.messages):
        found = next((m for m in conversation.tree if m.id == focus), None)
        if found is not None:  # a search result on another branch: that branch becomes the active one
            screen.session.choose(found)
    messages = list(conversation.messages)
    screen.selected = None
    view = screen.view
    view.clear()
    start = _first_page_start(messages, view)
    if focus is not None:
        index = next((i for i, m in enumerate(messages) if m.id == focus), None)
        if index is not None:
            start = min(start, max(0, index - 1))
    blocks = blocks_for(messages[start:])
    if start > 0:
        blocks.insert(0, EarlierBlock(messages[:start], PAGE))
    if blocks:
        view.clear_blocks()
        view.welcome = None
        view.add_blocks(blocks)
    last = next((m for m in reversed(messages) if m.role == "assistant" and (m.content or m.reasoning)), None)
    screen.selected = last
    screen.reasoning.show_message(last)
    screen.status.show_message(last)
    screen.status.show_totals(conversation)
    screen.refresh_header()
    label_branches(view, conversation)
    target = _find(view, focus) if focus is not None else None
    if isinstance(target, UserBlock):
        target.found = True
        target.changed()

        def unmark() -> None:
            target.found = False
            target.changed()

        screen.set_timer(FOUND_SECONDS, unmark)
        top = view.block_top(target)
        if top is not None:
            view.scroll_to(y=max(0, top - 1), animate=False, force=True, immediate=True)
    else:
        view.follow()  # at the end, also once the view is laid out (a reopen at start-up comes before that)


def _find(view: ConversationView, message_id: int) -> Block | None:
    for block in view.blocks:
        if message_id_of(block) == message_id:
            return block
    return None


def _first_page_start(messages: Sequence[Message], view: Widget) -> int:
    """Where the first page of ``messages`` starts (see :data:`FIRST_PAGE_SCREENS`)."""
    start = len(messages) - page_length(reversed(messages), view)
    if start > 0 and messages[start].role == "assistant" and messages[start - 1].role == "user":
        start -= 1  # a whole turn: never an answer without its prompt
    return start
