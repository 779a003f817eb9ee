"""The scrolling conversation: user turns, answers and errors, newest at the bottom, drawn as lines."""

from __future__ import annotations

from typing import Any

from textual.app import App

from siliconchat.core.conversation import Message
from siliconchat.ui.document.conversation_blocks import (
    AnswerBlock,
    EarlierBlock,
    ErrorBlock,
    UserBlock,
    WelcomeBlock,
)
from siliconchat.ui.document.document_view import Block, DocumentView
from siliconchat.ui.keymap import key_name
from siliconchat.ui.widgets.prompt_input import PromptInput

WELCOME = (
    "Type a prompt below and press {send} to send it ({newline} for a new line).\n"
    "{model_picker} picks a model, {next_favourite} cycles your favourites, {toggle_reasoning} shows or hides "
    "the reasoning, {stop} stops an answer, {command_palette} lists every command, {help} shows the keys."
)
"""The hint in an empty conversation; each ``{binding id}`` is the key bound to it (after the user's keymap)."""


def welcome_text(app: App[Any]) -> str:
    keys = {binding_id: key_name(app, PromptInput, binding_id) for binding_id in ("send", "newline")}
    for binding_id in (
        "model_picker",
        "next_favourite",
        "toggle_reasoning",
        "stop",
        "command_palette",
        "help",
    ):
        keys[binding_id] = key_name(app, type(app), binding_id)
    return WELCOME.format(**keys)


class ConversationView(DocumentView):
    """The conversation pane. It follows the end while an answer streams unless the user scrolls up.

    Scrolling up at the top of a reopened conversation (Up, Page Up, Home) shows its earlier messages, as a
    click on the "earlier messages" line does.
    """

    def _earlier_at_top(self) -> bool:
        """At the top, with earlier messages held back: ask for them (the screen shows the next page)."""
        if self.scroll_y > 0 or not self.blocks or not isinstance(self.blocks[0], EarlierBlock):
            return False
        self.post_message(self.Clicked(self, self.blocks[0]))
        return True

    def action_scroll_up(self) -> None:
        if not self._earlier_at_top():
            super().action_scroll_up()

    def action_page_up(self) -> None:
        if not self._earlier_at_top():
            super().action_page_up()

    def action_scroll_home(self) -> None:
        if not self._earlier_at_top():
            super().action_scroll_home()

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.welcome: WelcomeBlock | None = WelcomeBlock(welcome_text(self.app))
        self.add_block(self.welcome)

    def _drop_welcome(self) -> None:
        if self.welcome is not None:
            self.remove_block(self.welcome)
            self.welcome = None

    def _add(self, block: Block) -> Block:
        self._drop_welcome()
        return self.add_block(block)

    def add_user(self, text: str, message: Message | None = None) -> UserBlock:
        block = UserBlock(text, message)
        self._add(block)
        return block

    def add_answer(self, message: Message) -> AnswerBlock:
        block = AnswerBlock(message)
        self._add(block)
        return block

    def add_error(
        self, text: str, *, title: str = "Error", warning: bool = False, message: Message | None = None
    ) -> ErrorBlock:
        block = ErrorBlock(text, title=title, warning=warning, message=message)
        self._add(block)
        return block

    def clear(self) -> None:
        self.follows = False
        self.clear_blocks()
        self.welcome = WelcomeBlock(welcome_text(self.app))
        self.add_block(self.welcome)

    def on_document_view_clicked(self, event: DocumentView.Clicked) -> None:
        """A click on the chip of a folded message shows it all (or folds it again)."""
        block = event.block
        if isinstance(block, UserBlock) and event.row == block.chip_row and block.toggle_fold():
            event.stop()

    def toggle_fold(self) -> bool:
        """Unfold (or fold again) the last folded message in view, else the last one; False if there is none."""
        foldable = [block for block in self.blocks if isinstance(block, UserBlock) and block.fold is not None]
        if not foldable:
            return False
        top, bottom = int(self.scroll_y), int(self.scroll_y) + self.scrollable_content_region.height
        width, styles = self.content_width, self.styles_for_blocks
        for block in reversed(foldable):
            start = self.block_top(block)
            if start is not None and start < bottom and start + block.height(width, styles) > top:
                return block.toggle_fold()
        return foldable[-1].toggle_fold()

    def answer_blocks(self) -> list[AnswerBlock]:
        return [block for block in self.blocks if isinstance(block, AnswerBlock)]

    def select(self, message: Message | None) -> None:
        """Mark the answer of ``message`` as the selected turn (its bar is brighter)."""
        for block in self.answer_blocks():
            selected = block.message is message
            if block.selected != selected:
                block.selected = selected
                block.changed()
