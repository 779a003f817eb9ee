"""A Markdown widget fed by a stream: fragments are appended through one ``MarkdownStream``.

The caller coalesces deltas and calls :meth:`LiveMarkdown.write` at most once per frame; at the end
:meth:`LiveMarkdown.finish` stops the stream and renders the whole text once (appending can leave a
slightly different block structure than a full parse). Every fragment is sanitized before display.
"""

from __future__ import annotations

from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownStream

from siliconchat.core.sanitize import sanitize


class LiveMarkdown(Markdown):
    """Markdown that can be streamed into, then finished with one full update."""

    def __init__(self, markdown: str = "", *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(sanitize(markdown), id=id, classes=classes)
        self._stream: MarkdownStream | None = None

    @property
    def streaming(self) -> bool:
        return self._stream is not None

    async def write(self, fragment: str) -> None:
        """Append ``fragment`` (raw model text: it is sanitized here)."""
        text = sanitize(fragment)
        if not text:
            return
        if self._stream is None:
            self._stream = Markdown.get_stream(self)
        await self._stream.write(text)

    async def finish(self, full_text: str) -> None:
        """Stop the stream and show ``full_text`` (raw) with one full parse."""
        await self.stop_stream()
        await self.update(sanitize(full_text))

    async def stop_stream(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            await stream.stop()

    async def show(self, text: str) -> None:
        """Replace the content outright (raw text, sanitized here)."""
        await self.stop_stream()
        await self.update(sanitize(text))
