"""The chat screen's branches: switching a message to a sibling, and editing an earlier prompt.

- Alt+Left / Alt+Right switch the selected message to its previous / next sibling (it wraps around): the
  prompt picked for editing, else the selected answer (the last one, or the one clicked). The conversation is
  shown again along the new active path, which follows the branch last used below the sibling.
- Up in an empty prompt picks the last prompt of the active path (its box is highlighted); Up and Down move
  between the prompts; ``e`` or Enter puts the picked prompt's text in the prompt, to be changed and sent:
  sent, it becomes a sibling of the prompt it was taken from, and the conversation goes on from there (a new
  branch; the old one stays, a key away). Escape (the ``stop`` key) leaves the picking, or the editing (emptying the
  prompt).
  Up does not recall earlier prompts shell-style: picking one and pressing Enter, then Enter again, resends it,
  as a new branch in its place.

The bindings are :class:`~siliconchat.ui.screens.chat.ChatScreen`'s (each with an id); this class holds
what they do and when they apply (:meth:`branch_key_applies`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual import on
from textual.widgets import TextArea

from siliconchat.core.attachments import AttachmentError
from siliconchat.ui.document.conversation_blocks import UserBlock
from siliconchat.ui.screens.chat_compare import CompareScreen

if TYPE_CHECKING:
    from siliconchat.core.attachments import Attachment
    from siliconchat.core.conversation import Message

__all__ = ["BRANCH_ACTIONS", "BranchScreen"]

PICKING_KEYS = frozenset({"pick_down", "edit_picked"})
"""Actions of keys that act only while a prompt is picked (else they go to the prompt, as typed)."""
BRANCH_ACTIONS = frozenset({"pick_up", "previous_branch", "next_branch", *PICKING_KEYS})
"""The actions of the branch keys."""


class BranchScreen(CompareScreen):
    """Switching branches and editing earlier prompts (the keys: the module's docstring)."""

    picked: Message | None = None
    """The prompt picked with Up (its block highlighted), until Escape, typing, or ``e``."""
    editing: Message | None = None
    """The prompt whose text was put in the prompt to edit: sending makes a sibling of it."""

    def branch_key_applies(self, action: str) -> bool | None:
        """Whether the key of ``action`` (a branch action) acts now; None: not now, the key goes on."""
        if action == "pick_up":
            empty = self.focused is self.prompt and not self.prompt.text
            return (
                True
                if self.picked is not None or (empty and self._prompts() and not self.streaming)
                else None
            )
        if action in PICKING_KEYS:
            return True if self.picked is not None else None
        return True

    def _prompts(self) -> list[Message]:
        return [m for m in self.conversation.messages if m.role == "user"]

    def _block_of(self, message: Message) -> UserBlock | None:
        return next((b for b in self.view.blocks if isinstance(b, UserBlock) and b.message is message), None)

    def _mark(self, message: Message | None) -> None:
        """Pick ``message`` (None: none): highlight its box and bring it into view. While a prompt is picked
        the conversation has the focus (``e`` is a key there, not a letter typed in the prompt; another
        letter goes to the prompt and ends the picking)."""
        before = self._block_of(self.picked) if self.picked is not None else None
        if before is not None:
            before.found = False
            before.changed()
        self.picked = message
        block = self._block_of(message) if message is not None else None
        if block is None:
            if self.focused is self.view:
                self.prompt.focus()
            return
        self.view.focus()
        block.found = True
        block.changed()
        view = self.view
        view.follow(False)
        top = view.block_top(block)
        if (
            top is not None
            and not view.scroll_y <= top < view.scroll_y + view.scrollable_content_region.height
        ):
            view.scroll_to(y=max(0, top - 1), animate=False, force=True, immediate=True)

    # -- the keys ------------------------------------------------------------------------------------

    def action_pick_up(self) -> None:
        self._step_pick(-1)

    def action_pick_down(self) -> None:
        self._step_pick(1)

    def _step_pick(self, step: int) -> None:
        prompts = self._prompts()
        if not prompts:
            return
        if self.picked is None or not any(m is self.picked for m in prompts):
            self._mark(prompts[-1])
            return
        at = next(i for i, m in enumerate(prompts) if m is self.picked) + step
        if at >= len(prompts):
            self._mark(None)  # Down past the last prompt: back to the prompt
        else:
            self._mark(prompts[max(0, at)])

    def action_pick_prompt(self) -> None:
        """The palette's "Edit an earlier prompt": pick the last prompt."""
        prompts = self._prompts()
        if not prompts:
            self.chat_app.notify_plain("There is no prompt to edit yet.")
            return
        self.prompt.focus()
        self._mark(prompts[-1])

    def action_edit_picked(self) -> None:
        message = self.picked
        if message is None:
            return
        self._mark(None)
        self.editing = message
        prompt = self.prompt
        prompt.load_text(message.content)
        prompt.move_cursor(prompt.document.end)
        prompt.focus()
        cancel = self.chat_app.key_for("stop")
        self.chat_app.notify_plain(
            f"Editing an earlier prompt: sent, it starts a new branch there (the old one stays). {cancel} cancels."
        )

    def cancel_pick(self) -> bool:
        """Escape: stop picking, else stop editing (emptying the prompt); False when neither was going on."""
        if self.picked is not None:
            self._mark(None)
        elif self.editing is not None:
            self.editing = None
            self.prompt.clear()
        else:
            return False
        return True

    @on(TextArea.Changed, "#prompt")
    def _prompt_changed(self, event: TextArea.Changed) -> None:
        if self.picked is not None and event.text_area.text:
            self._mark(None)  # typing ends the picking

    async def send(self, text: str, attachments: Sequence[Attachment] = ()) -> bool:
        """Send ``text``: as a new branch in place of the prompt being edited (with ``attachments``, or
        without any, those of the prompt edited), else as the next turn. False when refused (see
        :meth:`TurnScreen.send`)."""
        editing = self.editing
        if self.turn is not None:
            return False
        if editing is None or not any(m is editing for m in self.conversation.messages):
            self.editing = None
            return await super().send(text, attachments)
        try:
            turn = self.session.edit(
                editing, text, self.chat_app.model, attachments=list(attachments) or None
            )
        except AttachmentError as exc:
            self.notify(str(exc), title="Not sent", severity="error", markup=False, timeout=8)
            return False
        self.editing = None
        await self.show_path()  # the path up to the new prompt, and the answer's block
        self._show(turn)
        return True

    async def compare(self, models: Sequence[str]) -> bool:
        """As :meth:`CompareScreen.compare`, which sends a new prompt at the end: not while editing one."""
        if self.editing is not None:
            self.chat_app.notify_plain(
                f"A comparison sends a new prompt: leave the edit first ({self.chat_app.key_for('stop')}).",
                severity="warning",
            )
            return False
        self.cancel_pick()
        return await super().compare(models)

    # -- switching branches --------------------------------------------------------------------------

    async def switch_branch(self, step: int) -> None:
        """Switch the picked prompt, else the selected (or last) answer, ``step`` siblings on."""
        if self.streaming:
            key = self.chat_app.key_for("stop")
            self.chat_app.notify_plain(
                f"An answer is still streaming: stop it first ({key}).", severity="warning"
            )
            return
        message = self.picked or self.selected or self.last_answer()
        if message is None or not any(m is message for m in self.conversation.messages):
            message = self.last_answer()
        target = self.session.switch(message, step) if message is not None else None
        if target is None:
            self.chat_app.notify_plain("This message has no other branch.")
            return
        picking = target.role == "user" and self.picked is not None
        self.picked = None
        await self.show_path()
        if picking:
            self._mark(target)
        elif target.role == "assistant":
            self.select_answer(target)

    async def action_previous_branch(self) -> None:
        await self.switch_branch(-1)

    async def action_next_branch(self) -> None:
        await self.switch_branch(1)
