"""The chips of a message's attachments, as the conversation draws them under the message and the tray above
the prompt labels them: ``📎 name · size · kind`` (an image's kind has its pixel size: ``JPEG 2048×1536``).

File names come from outside: each is one sanitized line, drawn as plain segments (never markup).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from siliconchat.core.attachments import Attachment, human_size
from siliconchat.core.sanitize import sanitize_line

__all__ = ["chip_lines", "chip_text"]


def chip_text(attachment: Attachment) -> str:
    """What a chip says: name, size, kind (an image's type and pixel size)."""
    if attachment.kind == "image" and attachment.width and attachment.height:
        kind = (
            f"{attachment.media_type.removeprefix('image/').upper()} {attachment.width}×{attachment.height}"
        )
    else:
        kind = "text"
    return f"📎 {sanitize_line(attachment.name, 40)} · {human_size(attachment.size)} · {kind}"


def chip_lines(attachments: Sequence[Attachment], width: int, style: Style) -> list[Strip]:
    """The chips packed into lines of ``width`` cells (one space between two); a chip wider than a line is
    cut to it."""
    lines: list[list[Segment]] = []
    used = width  # start a new line for the first chip
    for attachment in attachments:
        label = f" {chip_text(attachment)} "
        size = cell_len(label)
        if size > width:
            label, size = set_cell_size(label, max(0, width)), max(0, width)
        if used + 1 + size > width:
            lines.append([])
            used = 0
        elif used:
            lines[-1].append(Segment(" "))
            used += 1
        lines[-1].append(Segment(label, style))
        used += size
    return [Strip(segments) for segments in lines]
