"""The figures the screen shows (``siliconchat/ui/widgets/formatting.py``, ``status_line.py``): thousands
separators wherever a count can pass 999, as in the totals."""

from __future__ import annotations

from siliconchat.ui.widgets.formatting import rate
from siliconchat.ui.widgets.status_line import _counts


def test_rates_of_thousands_have_separators_and_small_ones_a_decimal() -> None:
    assert rate(100_000, 5.0) == "20,000 tok/s"
    assert rate(450, 3.0) == "150 tok/s"
    assert rate(38, 2.0) == "19.0 tok/s"
    assert rate(10, 0.5) == "– tok/s"  # under the rate's window


def test_the_turns_token_counts_have_separators_long_and_short() -> None:
    assert _counts((12_345, 678, 46_216), short=False) == "prompt 12,345 · reasoning 678 · answer 46,216"
    assert _counts((12_345, 0, 46_216), short=True) == "p 12,345 · a 46,216"
