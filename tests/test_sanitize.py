"""Untrusted text loses every terminal control, and keeps everything a reader needs."""

from __future__ import annotations

import pytest

from siliconchat.core.sanitize import sanitize, sanitize_line

ATTACKS = [
    ("\x1b]0;pwned\x07title", "title"),  # OSC window title, BEL-terminated
    ("\x1b]0;pwned\x1b\\title", "title"),  # OSC, ST-terminated
    ("\x1b]52;c;aGk=\x07copy", "copy"),  # OSC 52 clipboard write
    ("\x1b[31mred\x1b[0m", "red"),  # SGR colours
    ("\x1b[2Jclear", "clear"),  # clear screen
    ("\x9b31mC1\x9b0m", "C1"),  # 8-bit CSI
    ("bell\x07", "bell"),
    ("back\x08\x08space", "backspace"),
    ("nul\x00byte", "nulbyte"),
    ("del\x7f", "del"),
    ("\x1bPdevice\x1b\\dcs", "dcs"),  # DCS string
    ("line\r\nnext", "line\nnext"),
    ("over\rwrite", "overwrite"),
    ("\x1b]8;;file:///etc/passwd\x07link\x1b]8;;\x07", "link"),  # OSC 8 hyperlink
]


@pytest.mark.parametrize(("raw", "shown"), ATTACKS)
def test_escape_sequences_and_controls_are_removed(raw: str, shown: str) -> None:
    assert sanitize(raw) == shown


def test_text_a_reader_needs_is_kept() -> None:
    text = "# Title\n\n\tindented `code` [bold]not markup[/] 中文 émoji 🎉\n"
    assert sanitize(text) is text  # nothing to strip: the same object, no copy


def test_unterminated_sequence_at_the_end_is_dropped() -> None:
    assert sanitize("safe\x1b]0;half a title") == "safe"
    assert "\x1b" not in sanitize("a\x1b[")


def test_sanitize_line_flattens_and_bounds() -> None:
    assert sanitize_line("a\nb\tc\x1b[1m d") == "a b c d"
    assert sanitize_line("x" * 50, 10) == "x" * 9 + "…"
