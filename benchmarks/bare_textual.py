#!/usr/bin/env python3
"""The launch floor: the least Textual app that draws what siliconchat's first frame draws (a header, an
empty conversation, a prompt with its placeholder, a footer of keys), run by ``part_startup.py`` in the same
pty and the same way as the app. Its launch to first frame is what Python and Textual cost before any of
siliconchat's own code; the app's launch is reported beside it.

Arguments are accepted and ignored (the harness passes the app's ``--model``)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Static, TextArea


class Bare(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "bell", "Stop"),
        Binding("f2", "bell", "Model"),
        Binding("f9", "bell", "History"),
        Binding("ctrl+n", "bell", "New"),
    ]
    CSS = "VerticalScroll { height: 1fr; } TextArea { height: 3; }"

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            yield Static("A new conversation.")
        yield TextArea(placeholder="Ask anything…")
        yield Footer()


if __name__ == "__main__":
    Bare().run()
