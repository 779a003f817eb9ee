"""The styles a document is drawn with, made from the app's theme (its CSS variables).

Blocks are drawn as lines, not as widgets, so the stylesheet does not reach them: their colours are read from
the theme's variables here, once per theme, with the same names and blends the stylesheet would use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from rich.style import Style
from textual.color import Color

from siliconchat.ui.document.markdown_render import MarkdownStyles


@dataclass(frozen=True)
class DocumentStyles:
    markdown: MarkdownStyles
    text: Style
    muted: Style
    label: Style
    label_model: Style
    bullet_label: Style
    label_note: Style
    bar: Style
    bar_warning: Style
    user_border: Style
    user_title: Style
    user_text: Style
    error_border: Style
    error_title: Style
    error_text: Style
    warning_border: Style
    warning_title: Style
    warning_text: Style
    found: Style
    button: Style


def _color(variables: Mapping[str, str], name: str, fallback: str = "#888888") -> Color:
    try:
        return Color.parse(variables.get(name, fallback))
    except Exception:  # a theme without the variable, or one Textual cannot parse
        return Color.parse(fallback)


def document_styles(variables: Mapping[str, str], *, muted: bool = False) -> DocumentStyles:
    return _styles(tuple(sorted(variables.items())), muted)


@lru_cache(maxsize=8)
def _styles(items: tuple[tuple[str, str], ...], muted: bool) -> DocumentStyles:
    variables = dict(items)
    background = _color(variables, "background", "#1e1e1e")
    surface = _color(variables, "surface", "#2a2a2a")
    foreground = _color(variables, "foreground", "#e0e0e0")
    accent = _color(variables, "accent", "#ffa62b")
    secondary = _color(variables, "secondary", "#0178d4")
    error = _color(variables, "error", "#ba3c5b")
    warning = _color(variables, "warning", "#ffa62b")
    primary = _color(variables, "primary", "#0178d4")
    text_muted = _color(variables, "text-muted", foreground.with_alpha(0.6).hex)
    muted_fg = surface.blend(text_muted.with_alpha(1.0), text_muted.a) if text_muted.a < 1 else text_muted
    boost = surface.blend(foreground, 0.04)
    text_color = muted_fg if muted else foreground

    def fg(
        color: Color,
        *,
        bg: Color | None = None,
        bold: bool | None = None,
        italic: bool | None = None,
        underline: bool | None = None,
        dim: bool | None = None,
    ) -> Style:
        return Style(
            color=color.rich_color,
            bgcolor=bg.rich_color if bg else None,
            bold=bold,
            italic=italic,
            underline=underline,
            dim=dim,
        )

    def over(color: Color, amount: float) -> Color:
        return surface.blend(color, amount)

    heading = fg(accent if not muted else muted_fg, bold=True)
    markdown = MarkdownStyles(
        text=fg(text_color),
        headings=(
            heading + Style(underline=True),
            heading,
            heading + Style(italic=True),
            fg(text_color, bold=True),
            fg(text_color, italic=True),
            fg(text_color, dim=True),
        ),
        code_inline=fg(accent.lighten(0.1) if not muted else muted_fg, bold=not muted),
        link=fg(primary.lighten(0.2), underline=True),
        quote=fg(over(secondary, 0.7)),
        bullet=fg(accent if not muted else muted_fg, bold=True),
        rule=fg(over(foreground, 0.3)),
        table_border=fg(over(foreground, 0.4)),
        table_header=Style(bold=True),
        code_theme="monokai" if background.brightness < 0.5 else "default",
        code_background=None,
    )
    error_bg = background.blend(error, 0.15)
    warning_bg = background.blend(warning, 0.15)
    return DocumentStyles(
        markdown=markdown,
        text=fg(text_color),
        muted=fg(muted_fg),
        label=fg(muted_fg),
        label_model=fg(foreground, bold=True),
        bullet_label=fg(accent),
        label_note=fg(warning),
        bar=fg(over(accent, 0.4)),
        bar_warning=fg(over(warning, 0.6)),
        user_border=fg(over(secondary, 0.6)),
        user_title=fg(secondary.lighten(0.15)),
        user_text=fg(foreground, bg=boost),
        error_border=fg(error, bg=error_bg),
        error_title=fg(error.lighten(0.2), bg=error_bg, bold=True),
        error_text=fg(error.lighten(0.25), bg=error_bg),
        warning_border=fg(warning, bg=warning_bg),
        warning_title=fg(warning, bg=warning_bg, bold=True),
        warning_text=fg(warning, bg=warning_bg),
        found=Style(bgcolor=over(accent, 0.3).rich_color),
        button=fg(primary.lighten(0.2), bold=True),
    )
