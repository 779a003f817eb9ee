"""Showing a saved conversation on the chat screen, fast however long it is.

Only the last messages are shown at first, about :data:`~siliconchat.ui.widgets.conversation_pages.FIRST_PAGE_SCREENS` views of their text (a 2,000-turn
conversation would otherwise parse and draw 2,000 Markdown answers before its last screen appears); an
"earlier messages" line at the top shows the previous :data:`PAGE` messages when clicked. Home shows the first
messages (as many, from the start) above a "more messages" line that holds the rest back the same way
(:func:`show_first`): going to the top never draws the whole conversation either. Opening at a search
result goes back far enough to include the message, then scrolls it into view and highlights it for a moment.

Each saved message becomes the blocks the live turn left on screen: a user turn, an answer (unless the
request failed before any text), and an error block for a failed or cut-off answer. The screen's
conversation — the context of the next request — leaves out failed attempts, as a live session does
before a retry (:func:`request_context`); the history keeps them, marked failed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual.widget import Widget

from siliconchat.core.conversation import Conversation, Message, MessageState
from siliconchat.ui.document.conversation_blocks import EarlierBlock, UserBlock
from siliconchat.ui.document.document_view import Block
from siliconchat.ui.widgets.conversation_pages import PAGE, blocks_for, message_id_of, page_length

if TYPE_CHECKING:
    from siliconchat.ui.screens.chat import ChatScreen
    from siliconchat.ui.widgets.conversation_view import ConversationView

__all__ = ["request_context", "show_conversation"]

FOUND_SECONDS = 2.0  # how long a search result stays highlighted


def request_context(messages: Sequence[Message]) -> list[Message]:
    """The messages that make up the context of the next request: every failed attempt (a prompt whose
    answer failed) is left out, as :meth:`Conversation.drop_failed_attempt` does before each live turn."""
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


def _find(view: ConversationView, message_id: int) -> Block | None:
    for block in view.blocks:
        if message_id_of(block) == message_id:
            return block
    return None


async def show_conversation(
    screen: ChatScreen, conversation: Conversation, *, focus: int | None = None
) -> None:
    """Show ``conversation`` (as loaded from the history) on ``screen`` and make it the current one.

    ``focus`` is the id of a message to scroll into view and highlight (a search result); otherwise the
    view shows the end, and the reasoning pane the last answer's reasoning.
    """
    await screen.stop_and_wait()
    # No full garbage collection until a moment after the first frame, as while an answer streams: a
    # conversation of thousands of messages has just been read, and a collection walking them all (and
    # the app) delayed that frame by 150-250 ms, one reopening in two.
    screen.frames.pause_gc()
    try:
        # One layout and one repaint for all of it: between the awaits below (clearing the view, mounting
        # the blocks, parsing each answer, the reasoning pane), the screen laid out and repainted what was
        # done so far, about ten times, each time measuring and drawing more of it.
        with screen.app.batch_update():
            await _show(screen, conversation, focus)
    finally:
        screen.frames.resume_gc_later()


async def _show(screen: ChatScreen, conversation: Conversation, focus: int | None) -> None:
    messages = list(conversation.messages)
    screen.conversation = dataclasses.replace(conversation, messages=request_context(messages))
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
    screen.refresh_header()
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


def _first_page_start(messages: Sequence[Message], view: Widget) -> int:
    """Where the first page of ``messages`` starts (see :data:`FIRST_PAGE_SCREENS`)."""
    start = len(messages) - page_length(reversed(messages), view)
    if start > 0 and messages[start].role == "assistant" and messages[start - 1].role == "user":
        start -= 1  # a whole turn: never an answer without its prompt
    return start
