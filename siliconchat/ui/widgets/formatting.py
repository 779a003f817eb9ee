"""Small text helpers shared by the widgets that show times and rates.

``CLOCK.frozen`` replaces every measured time with a dash: snapshot tests and screenshots set it so
that their output does not depend on how fast the machine is.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class _Clock:
    frozen: bool = False


CLOCK = _Clock()


def seconds(value: float | None, *, precise: bool = False) -> str:
    """``3 s`` (or ``0.42 s`` when ``precise``); a dash when unknown or the clock is frozen."""
    if value is None or CLOCK.frozen:
        return "– s"
    if precise and value < 10:
        return f"{value:.2f} s"
    return f"{value:.0f} s"


RATE_WINDOW_SECONDS = 1.0
"""A rate is shown only once the tokens were counted over at least this long: deltas often come in bursts (a
proxy or the server holds them back, then sends them together), and a burst of 300 tokens in 20 ms read as
15,000 tok/s. Until then the rate is a dash."""


def rate(tokens: int, elapsed: float | None) -> str:
    """Tokens per second over ``elapsed`` seconds, e.g. ``38.2 tok/s``; a dash under
    :data:`RATE_WINDOW_SECONDS`."""
    if CLOCK.frozen or elapsed is None or elapsed < RATE_WINDOW_SECONDS or tokens <= 0:
        return "– tok/s"
    per_second = tokens / elapsed
    return f"{per_second:,.0f} tok/s" if per_second >= 100 else f"{per_second:.1f} tok/s"
