"""``ask``'s answer rendered as Markdown on a terminal while it streams (Rich).

Finished blocks (text up to a blank line outside a code fence) are printed once, for good; only the last,
unfinished block is redrawn, in a Rich ``Live`` region, as its text grows. A long answer thus costs one
render per block, and the part being redrawn is rarely taller than the screen.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.live import Live

_FENCE = re.compile(r"^ {0,3}(```|~~~)", re.MULTILINE)
REFRESH_PER_SECOND = 8


def split_finished(text: str) -> tuple[str, str]:
    """``text`` as (the finished blocks, the rest): cut at the last blank line that is outside a fenced
    code block (a blank line inside one does not end it)."""
    cut = len(text)
    while True:
        cut = text.rfind("\n\n", 0, cut)
        if cut < 0:
            return "", text
        head = text[:cut]
        if len(_FENCE.findall(head)) % 2 == 0:
            return head, text[cut + 2 :]


class MarkdownWriter:
    """Writes streamed Markdown to ``out`` (a terminal) with Rich; :meth:`finish` ends it."""

    def __init__(self, out: TextIO) -> None:
        from rich.console import Console

        self._console = Console(file=out)  # Rich honours NO_COLOR and the terminal's width itself
        self._pending = ""
        self._live: Live | None = None

    def write(self, text: str) -> None:
        from rich.markdown import Markdown

        self._pending += text
        done, self._pending = split_finished(self._pending)
        live = self._live
        if live is None:
            from rich.live import Live

            live = self._live = Live(
                console=self._console,
                refresh_per_second=REFRESH_PER_SECOND,
                vertical_overflow="ellipsis",  # while streaming; the last render shows it all
            )
            live.start()
        if done.strip():
            live.console.print(Markdown(done))  # above the live region, for good
        live.update(Markdown(self._pending))

    def finish(self) -> None:
        live = self._live
        if live is None:
            return
        from rich.markdown import Markdown
        from rich.text import Text

        self._live = None
        live.update(Markdown(self._pending) if self._pending.strip() else Text(""))
        live.vertical_overflow = "visible"
        live.stop()
