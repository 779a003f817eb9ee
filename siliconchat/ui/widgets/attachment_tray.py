"""The attachments of the next message: a row of chips above the prompt, each one removable.

A chip reads ``📎 name · size · kind ✕`` (an image's kind has its pixel size: ``JPEG 2048×1536``). Clicking a
chip (or Enter/space on a focused one) removes it. The tray is hidden while it is empty. File names come
from outside: they are shown as plain text (``Content``), never as markup.
"""

from __future__ import annotations

from textual.containers import HorizontalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Button

from siliconchat.core.attachments import Attachment
from siliconchat.ui.document.attachment_chips import chip_text


class AttachmentChip(Button):
    """One attachment; pressing it removes it from the tray."""

    DEFAULT_CSS = """
    AttachmentChip {
        height: 1;
        min-width: 0;
        width: auto;
        border: none;
        margin: 0 1 0 0;
        padding: 0 1;
        background: $boost;
        color: $text;
        text-style: none;
    }
    AttachmentChip:hover, AttachmentChip:focus {
        background: $error 40%;
        text-style: none;
    }
    """

    def __init__(self, attachment: Attachment) -> None:
        super().__init__(
            Content(f"{chip_text(attachment)} ✕"), compact=True, tooltip="Remove this attachment"
        )
        self.attachment = attachment


class AttachmentTray(HorizontalScroll):
    """The chips of the attachments the next message takes."""

    DEFAULT_CSS = """
    AttachmentTray {
        height: 1;
        display: none;
        margin: 0 1;
        scrollbar-size: 0 0;
    }
    AttachmentTray.-filled {
        display: block;
    }
    """

    class Changed(Message):
        """The attachments changed (one added or removed)."""

    @property
    def attachments(self) -> list[Attachment]:
        return [chip.attachment for chip in self.query(AttachmentChip)]

    def add(self, attachment: Attachment) -> None:
        self.mount(AttachmentChip(attachment))
        self.add_class("-filled")
        self.post_message(self.Changed())

    def clear(self) -> None:
        self.remove_children(AttachmentChip)
        self.remove_class("-filled")
        self.post_message(self.Changed())

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        if isinstance(event.button, AttachmentChip):
            event.stop()
            await event.button.remove()
            self.set_class(bool(self.query(AttachmentChip)), "-filled")
            self.post_message(self.Changed())
