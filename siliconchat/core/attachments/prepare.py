"""From a path (or piped bytes) to an :class:`Attachment`, and the limit of one message's attachments.

What a file is comes from its bytes: an image signature makes it an image, text that decodes makes it a
text, a PDF gives its text where ``pypdf`` is installed (``pip install 'siliconchat[pdf]'``); anything
else is refused by name.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from typing import BinaryIO

from siliconchat.core.attachments.images import image_attachment, image_format
from siliconchat.core.attachments.model import Attachment, AttachmentError, AttachmentLimits, human_size
from siliconchat.core.attachments.reading import STDIN_NAME, RawFile, read_path, read_stream
from siliconchat.core.attachments.text_files import TEXT_TYPE, text_attachment

__all__ = ["attach_path", "attach_raw", "attach_stream", "check_message"]


def _pdf_attachment(raw: RawFile, limits: AttachmentLimits) -> Attachment:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PyPdfError
    except ImportError:
        raise AttachmentError(
            f"{raw.name} is a PDF: reading its text needs pypdf (pip install 'siliconchat[pdf]'); "
            "it was not attached."
        ) from None
    try:
        reader = PdfReader(io.BytesIO(raw.data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PyPdfError, OSError, ValueError, KeyError, TypeError) as exc:
        raise AttachmentError(f"{raw.name} is a PDF whose text cannot be read ({exc}).") from None
    text = "\n\n".join(page.strip() for page in pages if page.strip())
    if not text:
        raise AttachmentError(f"{raw.name} is a PDF without text (scanned pages?); it was not attached.")
    as_text = RawFile(raw.name, text.encode("utf-8"), len(text.encode("utf-8")), True)
    attachment = text_attachment(as_text, limits)
    assert attachment is not None and attachment.media_type == TEXT_TYPE
    return attachment


def attach_raw(raw: RawFile, limits: AttachmentLimits) -> Attachment:
    """The attachment made of ``raw``'s bytes; :class:`AttachmentError` when it cannot be one."""
    too_large = (
        f"{raw.name} is {human_size(raw.total)}, over the limit of {human_size(limits.file_bytes)} per "
        "attachment (attachment_max_mb); it was not attached."
    )
    if image_format(raw.data) is not None:
        if not raw.complete:
            raise AttachmentError(too_large)
        return image_attachment(raw.name, raw.data, limits)
    if raw.data.startswith(b"%PDF-"):
        if not raw.complete:
            raise AttachmentError(too_large)
        return _pdf_attachment(raw, limits)
    attachment = text_attachment(raw, limits)
    if attachment is None:
        raise AttachmentError(
            f"{raw.name} is neither text nor a PNG, JPEG, WebP or GIF image (it looks binary); "
            "it was not attached."
        )
    return attachment


def attach_path(
    path: str | os.PathLike[str], limits: AttachmentLimits, *, cwd: str | os.PathLike[str] | None = None
) -> Attachment:
    """Read and prepare the file at ``path`` (see :func:`~siliconchat.core.attachments.reading.read_path`)."""
    return attach_raw(read_path(path, limits, cwd=cwd), limits)


def attach_stream(stream: BinaryIO, limits: AttachmentLimits, name: str = STDIN_NAME) -> Attachment:
    """Read and prepare piped bytes (``ask -a -``)."""
    raw = read_stream(stream, limits, name)
    if not raw.data:
        raise AttachmentError(f"{name} was empty: nothing to attach.")
    return attach_raw(raw, limits)


def check_message(attachments: Sequence[Attachment], limits: AttachmentLimits) -> None:
    """Refuse a message whose attachments add up to more than the limit per message, naming the file that
    crosses it."""
    total = 0
    for attachment in attachments:
        total += attachment.size
        if total > limits.message_bytes:
            raise AttachmentError(
                f"{attachment.name} brings this message's attachments to {human_size(total)}, over the limit "
                f"of {human_size(limits.message_bytes)} per message (message_max_mb); nothing was sent."
            )
