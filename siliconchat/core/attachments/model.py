"""What an attachment is once prepared, the limits that apply, and the one error every refusal raises.

An :class:`Attachment` holds the bytes that are sent and stored: a text file's text as UTF-8 (cut with a
visible marker when it was too long), or an image re-encoded at the size the model gets. The file on disk
is read once, when it is attached; from then on the attachment travels with its message (the request, the
history, transcripts) and never reads the file again.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from typing import Final, Literal

__all__ = [
    "KB",
    "MB",
    "Attachment",
    "AttachmentError",
    "AttachmentLimits",
    "Kind",
    "human_size",
]

KB: Final = 1024
MB: Final = 1024 * 1024

Kind = Literal["text", "image"]


class AttachmentError(Exception):
    """A file that cannot be attached, or a message whose attachments cannot be sent. The message names
    the file and says why (and which limit, where one was crossed); nothing was attached or sent."""


@dataclass(frozen=True)
class AttachmentLimits:
    """How much may be attached (the config's ``attachment_max_mb``, ``message_max_mb``,
    ``text_attachment_max_kb``, ``image_max_side`` and ``image_turns``)."""

    file_bytes: int = 20 * MB
    """The largest file read whole (an image); a larger one is refused by name."""
    text_bytes: int = 256 * KB
    """A text longer than this (in UTF-8) is cut there, with a marker saying so."""
    message_bytes: int = 8 * MB
    """All the attachments of one message, as they are sent."""
    image_side: int = 2048
    """An image's longest side, in pixels, after downscaling."""
    image_bytes: int = 1 * MB
    """An encoded image above this is encoded again smaller (lower JPEG quality, then fewer pixels): a
    base64 data URL of this size stays under 1.4 MB."""
    image_turns: int = 3
    """Images go with the last this many user turns of a request; older turns say only that an image was
    sent (their text files always go along)."""


def human_size(size: int) -> str:
    """``size`` bytes for people: ``512 B``, ``12.5 KB``, ``3.1 MB``."""
    if size < KB:
        return f"{size} B"
    if size < MB:
        return f"{size / KB:.1f} KB".replace(".0 KB", " KB")
    return f"{size / MB:.1f} MB".replace(".0 MB", " MB")


@dataclass(frozen=True)
class Attachment:
    """One attached file as it is sent. ``name`` is the file's name (no folders) as shown and sent;
    ``media_type`` is ``text/plain`` for every text, or the image's type; ``width``/``height`` are an
    image's size as sent; ``note`` says what was done to it ("4000×3000, downscaled", "cut at 256 KB of
    3.1 MB"), for the chips."""

    name: str
    media_type: str
    data: bytes = field(repr=False)
    width: int | None = None
    height: int | None = None
    note: str | None = None

    @property
    def kind(self) -> Kind:
        return "image" if self.media_type.startswith("image/") else "text"

    @property
    def size(self) -> int:
        return len(self.data)

    @functools.cached_property
    def sha256(self) -> str:
        """The content hash (hex) of :attr:`data`: the history stores each content once under it."""
        return hashlib.sha256(self.data).hexdigest()

    @property
    def text(self) -> str:
        """A text attachment's text (bytes that are not UTF-8, from an edited history, become U+FFFD)."""
        return self.data.decode("utf-8", "replace")

    @property
    def summary(self) -> str:
        """A one-line description for chips and lists: name, size, kind (an image's pixel size)."""
        parts = [self.name, human_size(self.size)]
        if self.kind == "image" and self.width and self.height:
            parts.append(f"{self.media_type.removeprefix('image/').upper()} {self.width}×{self.height}")
        else:
            parts.append("text")
        if self.note:
            parts.append(self.note)
        return " · ".join(parts)
