"""Hypothesis strategies for hostile text: any code point, lone surrogates included, and cuts of a text."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Text as a hostile server may send it: any code point (lone surrogates included, which is what st.text()
# leaves out), with surrogate halves, pairs, controls, bidi and zero-width characters made common.
TRICKY = st.sampled_from(
    [
        "\ud83d",
        "\ude00",
        "\ud83d\ude00",
        "\udcff",  # what surrogateescape makes of the byte 0xFF
        "\ud800",
        "\udfff",
        "\x1b[31m",
        "\x00",
        "\r\n",
        "\u202e",
        "\u2066",
        "\u200b",
        "\u200d",
        "\ufeff",
        "👨\u200d👩\u200d👧",
        "中文",
        "<think>",
    ]
)
# No deadline: a busy machine may pause any example longer than Hypothesis' default 200 ms, which it would
# report as a flaky failure; the examples themselves take microseconds.
ROBUST = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
ANY_CHAR = st.characters() | st.characters(categories=["Cs"])  # st.characters() alone has no surrogates
HOSTILE_TEXT = st.lists(st.one_of(TRICKY, st.text(ANY_CHAR, max_size=5), ANY_CHAR), max_size=12).map("".join)


def cuts(text: str) -> st.SearchStrategy[list[str]]:
    """``text`` cut into fragments at random places (empty fragments included)."""

    def cut_at(points: list[int]) -> list[str]:
        edges = [0, *sorted(points), len(text)]
        return [text[a:b] for a, b in itertools.pairwise(edges)]

    return st.lists(st.integers(0, len(text)), max_size=8).map(cut_at)
