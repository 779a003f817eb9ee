"""A user message with attachments as the API takes it: text files as fenced blocks, images as data URLs.

A message without images is one string: the prompt, then each text file as a fenced code block whose info
string is the language and the file name (`` ```python main.py``). A message with images is a list of
content parts: that text, then one ``image_url`` part per image, its URL a ``data:`` URL of the bytes. An
image left out (older turns, see :attr:`AttachmentLimits.image_turns`) leaves a line in the text instead,
so the model knows one was there.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from typing import Any, Final

from siliconchat.core.attachments.model import Attachment
from siliconchat.core.attachments.text_files import language_of

__all__ = ["DETAIL", "data_url", "fenced", "has_images", "text_block", "user_content"]

DETAIL: Final = "auto"
_INFO_UNSAFE: Final = re.compile(r"[`\s]+")


def fenced(text: str, info: str = "") -> str:
    """``text`` as a fenced code block, its fence longer than any run of backticks in it; ``info`` follows
    the opening fence (a language and a name)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text.rstrip(chr(10))}\n{fence}"


def _info_name(name: str) -> str:
    """A file name fit for a fence's info string (no backticks, no blanks: it is one word there)."""
    return _INFO_UNSAFE.sub("_", name) or "file"


def text_block(attachment: Attachment) -> str:
    """A text attachment as a fenced block: `` ```LANGUAGE NAME``, its text, the closing fence."""
    return fenced(attachment.text, f"{language_of(attachment.name)} {_info_name(attachment.name)}")


def data_url(attachment: Attachment) -> str:
    """The attachment's bytes as a ``data:`` URL."""
    return f"data:{attachment.media_type};base64,{base64.b64encode(attachment.data).decode('ascii')}"


def has_images(attachments: Sequence[Attachment]) -> bool:
    return any(a.kind == "image" for a in attachments)


def _omitted(image: Attachment) -> str:
    size = f", {image.width}×{image.height}" if image.width and image.height else ""
    return f"[image {image.name}{size}: sent with this message earlier, not repeated]"


def user_content(
    text: str, attachments: Sequence[Attachment], *, images: bool = True
) -> str | list[dict[str, Any]]:
    """The ``content`` of a user message: a string, or a list of parts when images go along."""
    pieces = [text] if text else []
    pieces += [text_block(a) for a in attachments if a.kind == "text"]
    sent = [a for a in attachments if a.kind == "image"]
    if not images:
        pieces += [_omitted(a) for a in sent]
        sent = []
    joined = "\n\n".join(pieces)
    if not sent:
        return joined
    parts: list[dict[str, Any]] = [{"type": "text", "text": joined}] if joined else []
    parts += [{"type": "image_url", "image_url": {"url": data_url(a), "detail": DETAIL}} for a in sent]
    return parts
