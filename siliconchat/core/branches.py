"""The branches of a conversation's tree: the active path, a message's siblings, switching between them.

A message's siblings are the messages with the same parent (the first prompts are siblings of one another),
in the order they were written; an answer whose request failed outright is none (it is an attempt, shown
where it happened, not a branch). The active path starts at the first prompt chosen most recently and goes
down, at each message, to the child chosen most recently (:attr:`~siliconchat.core.conversation.Message.
chosen_at`: when it was written, or last switched to). Switching to a sibling therefore brings back the whole
branch that was last used under it.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from siliconchat.core.conversation import Message, active_path, children_of, is_failed_attempt

if TYPE_CHECKING:
    from siliconchat.core.conversation import Conversation

__all__ = ["active_path", "branch_positions", "children_of", "choose", "siblings", "switch"]


def siblings(conversation: Conversation, message: Message) -> list[Message]:
    """``message`` and its siblings, in the order written (failed attempts other than ``message`` left out)."""
    parent = message.parent
    return [m for m in conversation.tree if m.parent is parent and (m is message or not is_failed_attempt(m))]


def branch_positions(conversation: Conversation) -> dict[int, tuple[int, int]]:
    """For each message of the active path that has siblings (by ``id()``): its place among them and their
    number, both counted from 1 (``‹ 2/3 ›``). One pass over the tree."""
    groups = children_of(m for m in conversation.tree if not is_failed_attempt(m))
    out: dict[int, tuple[int, int]] = {}
    for message in conversation.messages:
        parent = message.parent
        group = groups.get(None if parent is None else id(parent), [])
        if len(group) > 1 and message in group:
            out[id(message)] = (next(i for i, m in enumerate(group) if m is message) + 1, len(group))
    return out


def choose(conversation: Conversation, message: Message) -> list[Message]:
    """Put ``message`` (of the tree) on the active path: it and each of its ancestors become their parents'
    most recently chosen child, and the path below it follows the branch last used there. Returns the
    messages whose :attr:`~siliconchat.core.conversation.Message.chosen_at` changed (to be saved)."""
    changed: list[Message] = []
    now = time.time()
    children = children_of(conversation.tree)
    node: Message | None = message
    while node is not None:
        parent = node.parent
        others = [m for m in children.get(None if parent is None else id(parent), []) if m is not node]
        latest = max((m.chosen_at for m in others), default=0.0)
        if node.chosen_at <= latest:
            node.chosen_at = max(now, latest + 1e-6)
            changed.append(node)
        node = node.parent
    conversation.messages = active_path(conversation.tree)
    return changed


def switch(conversation: Conversation, message: Message, step: int) -> tuple[Message | None, list[Message]]:
    """The sibling ``step`` places after ``message`` (before, when negative; it wraps around) put on the active
    path (see :func:`choose`): that sibling and the messages to save, or None when it has no sibling."""
    group = siblings(conversation, message)
    if len(group) < 2:
        return None, []
    at = next(i for i, m in enumerate(group) if m is message)
    target = group[(at + step) % len(group)]
    return target, choose(conversation, target)
