"""Whether a model takes images, guessed from its id, and what to say when it does not.

SiliconFlow's ``/models`` says nothing about input types, so the id decides: vision-language families
(``…-VL-…``, ``GLM-4.5V``, ``QVQ``, ``deepseek-vl2`` …) take images; the text families siliconchat knows
(Qwen3, DeepSeek-R1/V3, Kimi-K2 …) do not, and an image for one of them is refused before the request;
any other id is sent as it is, and a server that refuses is explained (:func:`refusal_hint`).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Final

from siliconchat.core.attachments.model import Attachment
from siliconchat.core.models import first_match, id_patterns

__all__ = ["SUGGESTED_VISION_MODEL", "ImageInput", "image_input", "images_refused", "refusal_hint"]

SUGGESTED_VISION_MODEL: Final = "Qwen/Qwen2.5-VL-72B-Instruct"


class ImageInput(str, Enum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


_VISION: Final = id_patterns(
    r"-vl(-|\b)",
    r"-vl\d",
    r"/glm-4(\.\d+)?v",
    r"/qvq-",
    r"vision",
    r"-omni",
    r"^stepfun-ai/step3$",
    r"^demo/vision$",
)
_TEXT_ONLY: Final = id_patterns(
    r"^qwen/qwen3-",
    r"^qwen/qwen2\.5-(\d+b|coder|math)",
    r"^qwen/qwq-",
    r"^deepseek-ai/deepseek-(r1|v2|v3|v4)",
    r"^moonshotai/kimi-k2",
    r"^(zai-org|thudm)/glm-(4\.5|4\.6|4\.7|5|4-|z1)",
    r"^tencent/hunyuan",
    r"^baidu/ernie",
    r"^minimaxai/",
)


def image_input(model: str) -> ImageInput:
    """Whether ``model`` takes images, as far as its id tells."""
    return first_match(model, ((_VISION, ImageInput.YES), (_TEXT_ONLY, ImageInput.NO)), ImageInput.UNKNOWN)


def _names(images: Sequence[Attachment]) -> str:
    shown = ", ".join(a.name for a in images[:3])
    return shown + (f" and {len(images) - 3} more" if len(images) > 3 else "")


def images_refused(model: str, attachments: Sequence[Attachment]) -> str | None:
    """The sentence that stops a message with images to a model known not to take them, else None."""
    images = [a for a in attachments if a.kind == "image"]
    if not images or image_input(model) is not ImageInput.NO:
        return None
    what = "an image" if len(images) == 1 else f"{len(images)} images"
    return (
        f"{model} does not take images, and this message has {what} ({_names(images)}). Switch to a "
        f"vision model (such as {SUGGESTED_VISION_MODEL}) or remove the image, then send again; "
        "nothing was sent."
    )


def refusal_hint(model: str) -> str:
    """What follows a server's refusal of a request that carried images."""
    return (
        f" The message has images: {model} may not take images. Switch to a vision model (such as "
        f"{SUGGESTED_VISION_MODEL}) or remove the images, then send again."
    )
