"""Untrusted text loses every terminal control, and keeps everything a reader needs."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


# -- bidi controls, invisible characters, surrogates ----------------------------------------------------------

BIDI_AND_INVISIBLE = (
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings and overrides
    "\u2066\u2067\u2068\u2069"  # isolates
    "\u200e\u200f\u061c"  # marks
    "\u200b\u2060\u2061\u2062\u2063\u2064\ufeff"  # zero width space, word joiner, invisible operators, BOM
)


def test_bidi_controls_cannot_reorder_what_is_shown() -> None:
    # "Trojan Source": an override makes `rm -rf /; # safe` show in another order on a bidi terminal.
    assert sanitize("access\u202e\u2066 // check\u2069\u2066admin") == "access // checkadmin"
    assert sanitize("invoice\u202egpj.exe") == "invoicegpj.exe"
    assert sanitize_line("model\u200f\u061c-id") == "model-id"


def test_invisible_characters_that_hide_text_are_removed() -> None:
    assert sanitize("\ufeffpay\u200bpal\u2060.com") == "paypal.com"
    for char in BIDI_AND_INVISIBLE:
        assert sanitize(f"a{char}b") == "ab", hex(ord(char))


def test_joiners_are_kept_for_emoji_and_scripts_that_need_them() -> None:
    family = "👨\u200d👩\u200d👧"
    rainbow = "🏳\ufe0f\u200d🌈"
    persian = "می\u200cخواهم"  # the non-joiner is part of the spelling
    for text in (family, rainbow, persian, "क्\u200dष"):
        assert sanitize(text) is text


def test_lone_surrogates_become_replacement_characters() -> None:
    assert sanitize("a\ud800b\udcff") == "a\ufffdb\ufffd"
    assert sanitize("\ud83d\ude00") == "\U0001f600"
    assert sanitize_line("title \ud800") == "title \ufffd"


ANY_TEXT = st.lists(
    st.one_of(
        st.characters(),
        st.characters(categories=["Cs"]),
        st.sampled_from(
            ["\x1b", "\x1b[", "\x1b]0;", "\x07", "\x9b", "\x9d", "\r", "\r\n", "\u200d", "\u200c"]
        ),
        st.sampled_from(BIDI_AND_INVISIBLE),
    ),
    max_size=40,
).map("".join)
REMOVED_CHARS = set(BIDI_AND_INVISIBLE) | {chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]} - {
    "\n",
    "\t",
}


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ANY_TEXT)
def test_sanitize_never_raises_and_leaves_nothing_that_controls_the_terminal(text: str) -> None:
    shown = sanitize(text)
    shown.encode("utf-8")
    assert not REMOVED_CHARS & set(shown)
    assert sanitize(shown) == shown  # nothing left to do
    line = sanitize_line(text, 20)
    assert "\n" not in line and len(line) <= 20


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.text(st.characters(exclude_characters="\x1b\r" + "".join(map(chr, range(0x80, 0xA0))))), max_size=6
    )
)
def test_fragments_sanitized_apart_show_the_same_as_the_whole(fragments: list[str]) -> None:
    # The TUI sanitizes a streamed answer a fragment at a time; only escape sequences cut between two
    # fragments (left out here) may differ.
    assert "".join(map(sanitize, fragments)) == sanitize("".join(fragments))
