"""Showing a saved conversation on the chat screen, fast however long it is.

Only the last messages are shown at first, about :data:`~siliconchat.ui.widgets.conversation_pages.FIRST_PAGE_SCREENS` views of their text (a 2,000-turn
conversation would otherwise parse and draw 2,000 Markdown answers before its last screen appears); an
"earlier messages" line at the top shows the previous :data:`PAGE` messages when clicked. Home shows the first
messages (as many, from the start) above a "more messages" line that holds the rest back the same way
(:func:`show_first`): going to the top never draws the whole conversation either. Opening at a search
result goes back far enough to include the message, then scrolls it into view and highlights it for a moment.

Each saved message becomes the blocks the live turn left on screen: a user turn, an answer (unless the
request failed before any text), and an error block for a failed or cut-off answer. What is shown is the
conversation's active path; a message with siblings shows its place among them (``‹ 2/3 ›``). The request
leaves out failed attempts (``Conversation.request_messages``), live or reopened alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from siliconchat.ui.screens.chat_path import show_path

if TYPE_CHECKING:
    from siliconchat.core.conversation import Conversation
    from siliconchat.ui.screens.chat import ChatScreen

__all__ = ["show_conversation"]


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
        await show_path(screen, conversation, focus=focus)
    finally:
        screen.frames.resume_gc_later()
