"""Attachments: files, images and piped text sent with a prompt, read and checked before anything is sent.

The package, by job:

* ``model``: :class:`Attachment` (the bytes as sent), :class:`AttachmentLimits`, :class:`AttachmentError`.
* ``reading``: a path read safely (no hanging on a FIFO or device, no link out of the working folder).
* ``text_files``: text by content (UTF-8, a byte-order mark, a detected encoding), cut with a marker.
* ``images``: PNG, JPEG, WebP, GIF first frame, downscaled and encoded again with Pillow.
* ``prepare``: a path or a stream to an attachment; the limit per message.
* ``content``: the ``content`` of a user message: fenced text files, ``image_url`` data URLs.
* ``vision``: whether a model takes images, and the sentence when it does not.
* ``pasted``: whether pasted text is only the paths of files (a file dropped on the terminal).

Everything public is imported here.
"""

from __future__ import annotations

from siliconchat.core.attachments.content import data_url, fenced, has_images, text_block, user_content
from siliconchat.core.attachments.model import (
    KB,
    MB,
    Attachment,
    AttachmentError,
    AttachmentLimits,
    human_size,
)
from siliconchat.core.attachments.pasted import pasted_files
from siliconchat.core.attachments.prepare import attach_path, attach_raw, attach_stream, check_message
from siliconchat.core.attachments.reading import STDIN_NAME, RawFile
from siliconchat.core.attachments.vision import ImageInput, image_input, images_refused, refusal_hint

__all__ = [
    "KB",
    "MB",
    "STDIN_NAME",
    "Attachment",
    "AttachmentError",
    "AttachmentLimits",
    "ImageInput",
    "RawFile",
    "attach_path",
    "attach_raw",
    "attach_stream",
    "check_message",
    "data_url",
    "fenced",
    "has_images",
    "human_size",
    "image_input",
    "images_refused",
    "pasted_files",
    "refusal_hint",
    "text_block",
    "user_content",
]
