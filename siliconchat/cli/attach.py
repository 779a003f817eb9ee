"""``ask -a/--attach PATH``: the files (``-``: stdin) read and checked before anything is sent or saved."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, BinaryIO, TextIO

from siliconchat.cli.common import CliError

if TYPE_CHECKING:
    from siliconchat.core.attachments import Attachment, AttachmentLimits

STDIN = "-"


def read_attachments(
    paths: Sequence[str], limits: AttachmentLimits, *, stdin: BinaryIO | None, err: TextIO = sys.stderr
) -> list[Attachment]:
    """The attachments of ``paths`` in their order; a file cut or downscaled gets a line on ``err``. Raises
    :class:`CliError` naming the first file that cannot be attached (nothing is sent then)."""
    from siliconchat.core.attachments import AttachmentError, attach_path, attach_stream, check_message
    from siliconchat.core.sanitize import sanitize_line

    if list(paths).count(STDIN) > 1:
        raise CliError("--attach - (stdin) can be given once.")
    attachments: list[Attachment] = []
    try:
        for path in paths:
            if path == STDIN:
                if stdin is None:
                    raise CliError("--attach - reads stdin, but nothing is piped in.")
                attachments.append(attach_stream(stdin, limits))
            else:
                attachments.append(attach_path(path, limits))
        check_message(attachments, limits)
    except AttachmentError as exc:
        raise CliError(str(exc)) from exc
    for attachment in attachments:
        if attachment.note:
            err.write(f"siliconchat: {sanitize_line(attachment.name)}: {sanitize_line(attachment.note)}\n")
    return attachments
