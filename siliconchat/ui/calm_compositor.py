"""A compositor that repaints the cells a layout changed, not every widget whose geometry it touched.

After each layout, Textual's compositor repaints the whole visible region of every widget whose geometry
changed in any way. While an answer streams, most of those widgets show exactly the same cells as before:

- mounting a Markdown block renumbers the paint order of every block before it;
- a piece that grows changes the clip of every block inside it, although each is wholly visible before and
  after;
- the containers around the growing text (the piece, the document, the answer block) grow at the bottom: only
  their new rows are new.

So nearly every frame repainted the whole pane: 10-17 ms of a 20-28 ms frame on a 2-core machine at a realistic
100 deltas/s. :class:`CalmCompositor` marks, for each widget whose geometry changed:

- nothing, if it shows the same cells in the same place (only its paint order or its clip changed);
- only the rows gained or lost, if it is a container that draws nothing but its background and side borders
  (see :func:`draws_rows_alike`) and it stayed where it was, as wide as it was;
- its old and new visible regions otherwise, as Textual does.

What a widget draws is not concerned: a widget whose content changes is refreshed, and so repainted, on its own,
whatever the layout did. Paint order only matters where widgets overlap; a new block is numbered after the ones
before it, so their order relative to each other, and to every other widget, stays as it was.
"""

from __future__ import annotations

from textual._compositor import Compositor, ReflowResult
from textual.geometry import Region, Size
from textual.map_geometry import MapGeometry
from textual.widget import Widget

_NO_EDGE = ("", "none")


def draws_rows_alike(widget: Widget) -> bool:
    """Whether each row ``widget`` draws itself is the same whatever its height.

    True of a container drawn as Textual draws one by default (its background), with no bottom border or outline
    (a side border is the same on every row; the top one does not move when the widget grows at the bottom).
    """
    styles = widget.styles
    kind = type(widget)
    return (
        widget.is_container
        and kind.render is Widget.render
        and kind.render_line is Widget.render_line
        and kind.render_lines is Widget.render_lines
        and str(styles.keyline[0]) == "none"  # (typed without "none", which it is by default)
        and styles.border_bottom[0] in _NO_EDGE
        and styles.outline_bottom[0] in _NO_EDGE
    )


def changed_cells(widget: Widget, old: MapGeometry, new: MapGeometry) -> list[Region]:
    """The screen regions to repaint because ``widget``'s geometry went from ``old`` to ``new``."""
    visible, old_visible = new.visible_region, old.visible_region
    if old._replace(order=new.order, clip=new.clip) == new and old_visible == visible:
        return []  # renumbered or re-clipped: the same cells in the same place
    region, old_region = new.region, old.region
    if (
        region.offset == old_region.offset
        and region.width == old_region.width
        and visible.x == old_visible.x
        and visible.width == old_visible.width
        and draws_rows_alike(widget)
    ):
        # The rows shown both before and after are the same cells: repaint the rows gained or lost.
        x, width = visible.x, visible.width
        top, old_top = visible.y, old_visible.y
        bottom, old_bottom = visible.bottom, old_visible.bottom
        return [
            Region(x, min(top, old_top), width, abs(top - old_top)),
            Region(x, min(bottom, old_bottom), width, abs(bottom - old_bottom)),
        ]
    return [visible, old_visible]


class CalmCompositor(Compositor):
    """Textual's compositor; a layout marks only the cells it changed (see the module docstring)."""

    def reflow(self, parent: Widget, size: Size) -> ReflowResult:
        old_map = self._full_map
        dirty = self._dirty_regions
        # Textual's reflow marks whole widgets: let it mark a scratch set, then mark the cells that changed.
        self._dirty_regions = set()
        try:
            result = super().reflow(parent, size)
        finally:
            self._dirty_regions = dirty
        if size.region in dirty:  # the whole screen is repainted anyway
            return result
        new_map = self._full_map
        regions: list[Region] = []
        for widget, geometry in new_map.items():
            old = old_map.get(widget)
            if old is None:
                regions.append(geometry.visible_region)
            elif old != geometry:
                regions.extend(changed_cells(widget, old, geometry))
        for widget in old_map.keys() - new_map.keys():
            regions.append(old_map[widget].visible_region)
        dirty.update(region for region in regions if region)
        return result
