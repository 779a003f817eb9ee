"""The scrolling conversation: user turns, answers and errors, newest at the bottom, drawn as lines."""

from __future__ import annotations

from collections.abc import Callable

from siliconchat.core.conversation import Message
from siliconchat.ui.document.conversation_blocks import (
    AnswerBlock,
    EarlierBlock,
    ErrorBlock,
    LaterBlock,
    UserBlock,
    WelcomeBlock,
)
from siliconchat.ui.document.document_view import Block, DocumentView


class ConversationView(DocumentView):
    """The conversation pane. It follows the end while an answer streams unless the user scrolls up.

    Scrolling up at the top of a reopened conversation (Up, Page Up) shows its earlier messages, as a click on
    the "earlier messages" line does; Home goes to its first messages, and scrolling down onto the "more
    messages" line under them shows the next ones.
    """

    def _earlier_at_top(self) -> bool:
        """At the top, with earlier messages held back: ask for them (the screen shows the next page)."""
        if self.scroll_y > 0 or not self.blocks or not isinstance(self.blocks[0], EarlierBlock):
            return False
        self.post_message(self.Clicked(self, self.blocks[0]))
        return True

    def _later_in_view(self) -> None:
        """A "more messages" line scrolled into view: ask for the next page (the screen shows it)."""
        for block in self.blocks:
            if isinstance(block, LaterBlock):
                top = self.block_top(block)
                if top is not None and top < self.scroll_y + self.size.height:
                    self.post_message(self.Clicked(self, block))
                return

    def action_scroll_down(self) -> None:
        super().action_scroll_down()
        self.call_after_refresh(self._later_in_view)

    def action_page_down(self) -> None:
        super().action_page_down()
        self.call_after_refresh(self._later_in_view)

    def action_scroll_up(self) -> None:
        if not self._earlier_at_top():
            super().action_scroll_up()

    def action_page_up(self) -> None:
        if not self._earlier_at_top():
            super().action_page_up()

    def action_scroll_home(self) -> None:
        if self.blocks and isinstance(self.blocks[0], EarlierBlock):
            from siliconchat.ui.widgets.conversation_pages import show_first

            show_first(self, self.blocks[0])  # the first messages, not every one (see reopen.py)
            self.scroll_home(animate=False, immediate=True)  # the text changed under the view: no glide
            return
        super().action_scroll_home()

    def __init__(
        self, *, welcome: Callable[[], str] = str, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._welcome_text = welcome  # the hint of an empty conversation
        self.welcome: WelcomeBlock | None = WelcomeBlock(welcome())
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
        self.welcome = WelcomeBlock(self._welcome_text())
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
