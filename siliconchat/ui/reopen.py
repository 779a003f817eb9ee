"""Showing a saved conversation on the chat screen, fast however long it is.

Only the last messages are shown at first, about :data:`FIRST_PAGE_SCREENS` views of their text (a 2,000-turn
conversation would otherwise parse and draw 2,000 Markdown answers before its last screen appears); an
"earlier messages" line at the top shows the previous :data:`PAGE` messages when clicked. Opening at a search
result goes back far enough to include the message, then scrolls it into view and highlights it for a moment.

Each saved message becomes the blocks the live turn left on screen: a user turn, an answer (unless the
request failed before any text), and an error block for a failed or cut-off answer. What is shown is the
conversation's active path; a message with siblings shows its place among them (``‹ 2/3 ›``). The request
leaves out failed attempts (``Conversation.request_messages``), live or reopened alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual.geometry import Size
from textual.widget import Widget

from siliconchat.core.conversation import Conversation, Message, MessageState
from siliconchat.ui.document.conversation_blocks import AnswerBlock, EarlierBlock, ErrorBlock, UserBlock
from siliconchat.ui.document.document_view import Block

if TYPE_CHECKING:
    from siliconchat.ui.screens.chat import ChatScreen
    from siliconchat.ui.screens.chat_turns import TurnScreen
    from siliconchat.ui.widgets.conversation_view import ConversationView

__all__ = [
    "FIRST_PAGE_SCREENS",
    "PAGE",
    "label_branches",
    "load_earlier",
    "message_id_of",
    "show_conversation",
    "show_path",
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
    # One layout and one repaint for all of it: between the awaits below (clearing the view, mounting the
    # blocks, parsing each answer, the reasoning pane), the screen laid out and repainted what was done so far,
    # about ten times, each time measuring and drawing more of it.
    await show_path(screen, conversation, focus=focus)


async def show_path(screen: TurnScreen, conversation: Conversation, *, focus: int | None = None) -> None:
    """Show the active path of ``conversation`` on ``screen`` (nothing streams there), as
    :func:`show_conversation` does: after a switch of branches, or before a new branch's first turn."""
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
