"""Images (PNG, JPEG, WebP, GIF's first frame) made the size a model can use, with Pillow.

An image is known by its first bytes, not its name. It is turned upright (EXIF orientation), downscaled so
that its longest side is at most :attr:`AttachmentLimits.image_side`, and encoded again: JPEG for photos,
PNG for images with transparency and for PNG/GIF graphics that stay small that way. Encoding again also
leaves out the file's metadata (EXIF: camera, GPS position). An encoding over
:attr:`AttachmentLimits.image_bytes` is made again at a lower JPEG quality, then with fewer pixels.

A 12 MP JPEG takes about 0.2 s here (the decoder skips what downscaling would throw away: ``draft``) and
becomes about 0.3-0.9 MB.
"""

from __future__ import annotations

import io
import warnings
from typing import TYPE_CHECKING, Final

from siliconchat.core.attachments.model import Attachment, AttachmentError, AttachmentLimits

if TYPE_CHECKING:
    from PIL import Image as PILImage

__all__ = ["IMAGE_FORMATS", "image_attachment", "image_format", "image_size"]

IMAGE_FORMATS: Final = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}
JPEG_QUALITIES: Final = (85, 72, 60)
_ORIENTATION: Final = 0x0112
SHRINK: Final = 0.75
"""Each further try at an image still over the byte budget keeps this share of its sides."""


def image_format(data: bytes) -> str | None:
    """The image format of ``data`` by its signature (a key of :data:`IMAGE_FORMATS`), or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def image_size(data: bytes) -> tuple[int, int] | None:
    """The pixel size of an encoded image (its header only), or None when it cannot be read."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            return int(image.width), int(image.height)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None


def _fitted(width: int, height: int, side: int) -> tuple[int, int]:
    longest = max(width, height)
    if longest <= side:
        return width, height
    scale = side / longest
    return max(1, round(width * scale)), max(1, round(height * scale))


def _has_alpha(image: PILImage.Image) -> bool:
    if image.mode not in ("RGBA", "LA", "PA"):
        return False
    low = image.getchannel("A").getextrema()[0]  # one band: (low, high)
    return isinstance(low, (int, float)) and low < 255


def _turned(image: PILImage.Image) -> bool:
    """Whether the file says the image is stored turned or mirrored (EXIF orientation other than 1)."""
    return image.getexif().get(_ORIENTATION, 1) not in (0, 1)


def _normalized(image: PILImage.Image) -> PILImage.Image:
    """RGB, or RGBA when some pixel is transparent."""
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    elif image.mode not in ("RGB", "RGBA", "LA", "L"):
        image = image.convert("RGBA" if image.mode.endswith("A") else "RGB")
    if image.mode in ("RGBA", "LA"):
        return image.convert("RGBA") if _has_alpha(image) else image.convert("RGB")
    return image.convert("RGB") if image.mode != "RGB" else image


def _encode(image: PILImage.Image, kind: str, quality: int) -> bytes:
    out = io.BytesIO()
    if kind == "PNG":
        image.save(out, "PNG", compress_level=6)
    else:
        if image.mode != "RGB":
            from PIL import Image

            flat = Image.new("RGB", image.size, "white")
            flat.paste(image, mask=image.getchannel("A") if image.mode == "RGBA" else None)
            image = flat
        image.save(out, "JPEG", quality=quality, optimize=False)
    return out.getvalue()


def _smallest_fit(image: PILImage.Image, lossless: bool, budget: int) -> tuple[bytes, str, PILImage.Image]:
    """The encoding of ``image`` within ``budget`` bytes: PNG first when ``lossless`` (kept if it fits),
    then JPEG at falling qualities, then smaller. Returns (bytes, format, the image as encoded)."""
    from PIL import Image

    if lossless:
        data = _encode(image, "PNG", 0)
        if len(data) <= budget:
            return data, "PNG", image
    while True:
        for quality in JPEG_QUALITIES:
            data = _encode(image, "JPEG", quality)
            if len(data) <= budget:
                return data, "JPEG", image
        if max(image.size) <= 64:  # cannot happen with a sane budget; never loop forever
            return data, "JPEG", image
        smaller = (max(1, int(image.width * SHRINK)), max(1, int(image.height * SHRINK)))
        image = image.resize(smaller, Image.Resampling.BICUBIC)


def image_attachment(name: str, data: bytes, limits: AttachmentLimits) -> Attachment:
    """``data`` (a PNG, JPEG, WebP or GIF file) as an image attachment the model can use. Raises
    :class:`AttachmentError` for an image that cannot be read or has too many pixels."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    kind = image_format(data)
    if kind is None:
        raise AttachmentError(f"{name} is not a PNG, JPEG, WebP or GIF image; it was not attached.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[kind]) as opened:
                width, height = opened.size
                target = _fitted(width, height, limits.image_side)
                if kind == "JPEG":
                    opened.draft("RGB", target)  # decode at 1/2, 1/4 … when that is still big enough
                upright = ImageOps.exif_transpose(opened) if _turned(opened) else opened
                if (upright.width > upright.height) != (width > height):  # turned a quarter
                    width, height = height, width
                upright.load()  # decodes now, while the file is open
                image = _normalized(upright)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise AttachmentError(f"{name} has too many pixels to be read safely; it was not attached.") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        raise AttachmentError(f"{name} looks like a {kind} image but cannot be read ({exc}).") from None
    fitted = _fitted(image.width, image.height, limits.image_side)
    if fitted != image.size:
        # Bicubic: half the time of Lanczos, and no difference a model would see at these sizes.
        image = image.resize(fitted, Image.Resampling.BICUBIC, reducing_gap=3.0)
    lossless = kind in ("PNG", "GIF") or image.mode == "RGBA"
    encoded, out_kind, sent = _smallest_fit(image, lossless, limits.image_bytes)
    note = f"{width}×{height}, downscaled" if sent.size != (width, height) else None
    return Attachment(name, IMAGE_FORMATS[out_kind], encoded, width=sent.width, height=sent.height, note=note)
