"""Transcripts: a conversation as Markdown (to read) and JSON (to keep or import back), saved as new files.

The package, by job:

* ``markdown_form``: :func:`to_markdown`, the active path, or with ``all_branches`` every branch after it.
  Every prompt, answer and reasoning is kept exactly as received; only the one-line labels siliconchat
  composes are sanitized.
* ``json_form``: :func:`to_dict`, :func:`to_json` and :func:`import_json`, which validates everything and
  raises :class:`TranscriptError` with the path of the bad field.
* ``new_files``: :func:`transcript_filename` and :func:`image_filename` (safe names), :func:`write_new_file`,
  :func:`write_images`, :func:`write_markdown` and :func:`save_transcript`: written atomically, never over
  an existing file; a Markdown transcript's images as files beside it.

Everything public is imported here.
"""

from __future__ import annotations

from siliconchat.core.transcript.json_form import (
    FORMAT,
    VERSION,
    TranscriptError,
    import_json,
    to_dict,
    to_json,
)
from siliconchat.core.transcript.markdown_form import to_markdown
from siliconchat.core.transcript.new_files import (
    image_filename,
    save_transcript,
    transcript_filename,
    write_images,
    write_markdown,
    write_new_file,
)

__all__ = [
    "FORMAT",
    "VERSION",
    "TranscriptError",
    "image_filename",
    "import_json",
    "save_transcript",
    "to_dict",
    "to_json",
    "to_markdown",
    "transcript_filename",
    "write_images",
    "write_markdown",
    "write_new_file",
]
