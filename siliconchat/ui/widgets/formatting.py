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


def rate(tokens: int, elapsed: float | None) -> str:
    """Tokens per second, e.g. ``38.2 tok/s``."""
    if CLOCK.frozen or elapsed is None or elapsed <= 0 or tokens <= 0:
        return "– tok/s"
    per_second = tokens / elapsed
    return f"{per_second:.0f} tok/s" if per_second >= 100 else f"{per_second:.1f} tok/s"
