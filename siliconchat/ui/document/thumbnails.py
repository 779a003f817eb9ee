"""A small picture of an image attachment, drawn with half blocks: each cell is ``▀`` with the upper pixel as its
colour and the lower one as its background, so any terminal with colours shows it (Textual brings the colours
down to what the terminal has).

Terminal graphics protocols (Kitty, iTerm2, Sixel) draw a real picture, but the libraries that speak them ask
the terminal what it supports at start-up (with time-outs that cost every launch) and draw widgets, not lines
of the conversation's document; half blocks are lines like any other.
"""

from __future__ import annotations

import functools
import io

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from siliconchat.core.attachments import Attachment

__all__ = ["MAX_CELLS", "MAX_ROWS", "thumbnail_lines"]

MAX_CELLS = 24
"""The widest a thumbnail is, in cells."""
MAX_ROWS = 8
"""The tallest, in rows (two pixels each)."""
HALF_BLOCK = "▀"


def thumbnail_lines(attachment: Attachment, width: int) -> list[Strip]:
    """The thumbnail of an image attachment at most ``width`` cells wide ([] for a text, or an image that
    cannot be decoded)."""
    if attachment.kind != "image" or width < 2:
        return []
    return list(_thumbnail(attachment.sha256, attachment.data, min(width, MAX_CELLS)))


@functools.lru_cache(maxsize=64)
def _thumbnail(_sha256: str, data: bytes, cells: int) -> tuple[Strip, ...]:
    """Decoded once per image and width (the hash keys the cache; the bytes are what is decoded)."""
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (cells, MAX_ROWS * 2))  # JPEG: decode at a fraction of the size
            picture = image.convert("RGB")
    except Exception:  # a damaged or unknown image: its chip still says what it is
        return ()
    # A cell is about twice as tall as it is wide, and holds two pixels one above the other: pixels are square.
    picture.thumbnail((cells, MAX_ROWS * 2), Image.Resampling.BOX)
    columns, rows = picture.size
    pixels = picture.load()
    assert pixels is not None
    lines = []
    for y in range(0, rows, 2):
        segments = []
        for x in range(columns):
            top = pixels[x, y]
            bottom = pixels[x, y + 1] if y + 1 < rows else top
            style = Style(color=Color.from_rgb(*top[:3]), bgcolor=Color.from_rgb(*bottom[:3]))
            segments.append(Segment(HALF_BLOCK, style))
        lines.append(Strip(Segment.simplify(segments), columns))
    return tuple(lines)
