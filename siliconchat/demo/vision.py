"""The demo's vision models and the images of a request: what a vision model received, said back.

``Qwen/Qwen2.5-VL-72B-Instruct`` (at the real service's pace) and ``demo/vision`` (at once) answer with a
description of the last user message: how many images, each one's pixel size and type (decoded from its
data URL with Pillow), and the names of the files fenced in its text. Every other model refuses a request
with ``image_url`` parts, as SiliconFlow's text models do (400, code 20015): see :func:`image_problem`.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from typing import Any, Final

from siliconchat.demo.error_bodies import json_error
from siliconchat.demo.script import (
    IMMEDIATE,
    REALISTIC,
    Builder,
    ChatRequest,
    ErrorReply,
    Model,
    Pacing,
    Reply,
    Script,
    SeenImage,
    reason_then_answer,
    split_deltas,
)

NOT_VISION: Final = "Value error, image input is not supported by this model."
BAD_IMAGE: Final = "Value error, image_url.url must be a data URL (data:image/...;base64,...) of an image."
_FENCE: Final = re.compile(r"^(`{3,})(\S*) (\S.*)$", re.MULTILINE)
_DATA_URL: Final = re.compile(r"^data:(image/[\w.+-]+);base64,(.*)$", re.DOTALL)


def _image_parts(content: object) -> list[dict[str, Any]]:
    if not isinstance(content, list):
        return []
    return [p for p in content if isinstance(p, dict) and p.get("type") == "image_url"]


def _decode(part: dict[str, Any]) -> SeenImage | None:
    """The image of an ``image_url`` part, or None when it is not a readable data URL of an image."""
    from PIL import Image, UnidentifiedImageError

    inner = part.get("image_url")
    url = inner.get("url") if isinstance(inner, dict) else None
    match = _DATA_URL.match(url) if isinstance(url, str) else None
    if match is None:
        return None
    try:
        data = base64.b64decode(match.group(2), validate=True)
        with Image.open(io.BytesIO(data)) as image:
            return SeenImage(match.group(1), image.width, image.height, len(data))
    except (binascii.Error, ValueError, UnidentifiedImageError, OSError):
        return None


def image_problem(model: Model, messages: list[dict[str, Any]]) -> ErrorReply | tuple[SeenImage, ...]:
    """The refusal of a request whose images the model cannot take (or cannot be read), else the images
    of the last user message."""
    parts = [(m, part) for m in messages for part in _image_parts(m.get("content"))]
    if not parts:
        return ()
    if not model.vision:
        return ErrorReply(400, json_error(20015, NOT_VISION))
    users = [m for m in messages if m.get("role") == "user"]
    seen: list[SeenImage] = []
    for message, part in parts:
        image = _decode(part)
        if image is None:
            return ErrorReply(400, json_error(20015, BAD_IMAGE))
        if users and message is users[-1]:
            seen.append(image)
    return tuple(seen)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def description(request: ChatRequest) -> str:
    """What the model says it received."""
    files = _FENCE.findall(request.last_user)
    lines = [f"I received **{_plural(len(request.images), 'image')}** and **{_plural(len(files), 'file')}**."]
    if request.images or files:
        lines.append("")
    for number, image in enumerate(request.images, 1):
        lines.append(
            f"- Image {number}: {image.width}×{image.height} pixels, {image.media_type}, {image.size} bytes"
        )
    for _fence, language, name in files:
        lines.append(f"- File `{name}` ({language or 'text'})")
    question = request.last_user.split("\n\n", 1)[0].strip() if not request.last_user.startswith("`") else ""
    if question:
        lines += ["", "You asked: " + question.splitlines()[0]]
    return "\n".join(lines)


def describe(pacing: Pacing) -> Builder:
    def build(request: ChatRequest) -> Reply:
        return Script(reason_then_answer(None, split_deltas(description(request))), pacing)

    return build


ROWS: Final = (
    Model("Qwen/Qwen2.5-VL-72B-Instruct", describe(REALISTIC), vision=True),
    Model("demo/vision", describe(IMMEDIATE), vision=True),
)
"""The registry rows of the vision models, listed by ``GET /models``."""
