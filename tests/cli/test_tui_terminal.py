"""The real TUI in a pseudo-terminal (``python -m siliconchat --demo``): what reaches the terminal, and when."""

from __future__ import annotations

import os
import re
import select
import time

from pty_terminal import Terminal


def test_the_prompt_sent_reaches_the_terminal_at_once_when_the_answer_is_slow_to_start(
    terminal: list[Terminal],
) -> None:
    """After Enter the screen waits a moment (50 ms) for the answer's first words, to paint them with the
    prompt in one frame. A slow model's first words come later: the prompt sent must be painted when the
    moment is over, not when something else happens to repaint the screen (it came 0.4 s later, when the end
    of the wait did not wake the screen). Driven by Pilot, the test app's own
    messages repaint the screen anyway: only a real terminal shows it."""
    app = Terminal("--model", "demo/slow")
    terminal.append(app)
    app.read_until(b"Ask anything")
    time.sleep(1.0)  # the start-up's work is done
    app.write(b"question for a slow model")
    app.read_until(b"question for a slow model")
    start = len(app.out)
    sent = time.monotonic()
    app.write(b"\r")
    box = re.compile(rb"You\b")  # the title of the prompt's box in the conversation
    while not box.search(bytes(app.out[start:])):
        waited = time.monotonic() - sent
        # 50 ms and a frame; without the wake-up it came with the next status update, about 0.4 s later.
        assert waited < 0.3, f"the prompt sent was not painted after {waited:.2f} s"
        if select.select([app.master], [], [], 0.01)[0]:
            app.out += os.read(app.master, 65536)
    assert b"Okay" not in app.out[start:]  # before the first words ("Okay, the user asks…")
