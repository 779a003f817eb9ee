"""Widgets that grow while an answer streams, without a second layout for each growth.

After a layout, Textual stores each widget's new virtual size through a reactive declared with
``layout=True``: every widget that grew then asks for another full layout, and a repaint of all of itself, on
the next refresh, although the layout that measured it has just been done. While an answer streams, its last
Markdown block and every container around it (the piece, the document, the answer block, the scrolling view)
grow every frame, so each frame was laid out and painted twice: about a fifth of the app's CPU at a
realistic 100 deltas/s. These widgets take the size the layout gave them as it is (what Textual itself does
when only scrolling moved them); their scrollbars are still updated.

Only for widgets whose virtual size is always the one their layout computes: not for ``ScrollView``s, which
set their own.

Likewise, a widget that asks for a layout before it is in the DOM (a Markdown block sets its text as it is
built, then is mounted) is not laid out again once mounted: the mount lays out its parent, and the widget
with it. Otherwise each new block asked for a second full layout a frame later.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, ClassVar, TypeVar

from textual.geometry import Region, Size
from textual.widget import Widget

if TYPE_CHECKING:
    from typing_extensions import Self

    _Base = Widget
else:
    _Base = object

W = TypeVar("W", bound=Widget)


class LaidOutOnce(_Base):
    """Mix in before a Widget class: see the module docstring."""

    REPAINT_ON_LAYOUT: ClassVar[bool] = True
    """False for a container that draws nothing of its own: a layout refresh does not repaint it."""

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        resized = False
        if not self.REPAINT_ON_LAYOUT and size.width == self._size.width and size != self._size:
            # Only its height changed: its rows are the same (the compositor paints the rows gained or lost).
            # Textual would mark every line of it dirty, a set as large as a long answer, at every frame.
            self._size = size
            resized = True
        updated = super()._size_updated(size, virtual_size, container_size, layout=False)
        return updated or resized

    def refresh(
        self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False
    ) -> Self:
        layout = layout and self.parent is not None  # not in the DOM yet: its mount lays it out
        if layout and not self.REPAINT_ON_LAYOUT and not regions:
            repaint = False  # its own cells stay as they are; its children repaint themselves
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)


@cache
def laid_out_once(widget_class: type[W]) -> type[W]:
    """``widget_class`` with :class:`LaidOutOnce` mixed in, under the same name (so CSS type selectors match)."""
    return type(widget_class.__name__, (LaidOutOnce, widget_class), {"__module__": __name__})
