"""When to try a request again: ``Retry-After``, exponential backoff with jitter, and the plan a waiting
request shows ("retrying once at 30 s").

Pure functions: :class:`siliconchat.core.api.ChatClient` does the waiting and the requests.
"""

from __future__ import annotations

import email.utils
import random
import time

DEFAULT_BUDGET = 60.0
"""Seconds a request may take before its answer starts, retries and waits included (``SILICONCHAT_TIMEOUT``)."""
BUDGET_VARIABLE = "SILICONCHAT_TIMEOUT"
"""The environment variable that sets the budget (the CLI's ``--timeout`` sets it for its run)."""
MIN_BUDGET = 1.0
BACKOFF_BASE = 1.0
"""The first wait before retrying a 429 or 5xx that said nothing about when (SiliconFlow never does)."""
BACKOFF_CAP = 30.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
"""Worth another try: a rate limit, or the service (or a proxy before it) failing for now."""


def retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: a number of seconds or an HTTP date; None when absent
    or not understood."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


def backoff(retry: int, *, rng: random.Random | None = None) -> float:
    """The wait before retry number ``retry`` (1 for the first): doubling from :data:`BACKOFF_BASE` up to
    :data:`BACKOFF_CAP`, each drawn between half and all of it, so that many clients told off at once do not
    all come back at once."""
    ceiling: float = min(BACKOFF_CAP, BACKOFF_BASE * 2.0 ** max(0, retry - 1))
    draw: float = (rng or random).random()
    return ceiling * (0.5 + 0.5 * draw)


def parse_budget(value: str | None) -> float | None:
    """``SILICONCHAT_TIMEOUT`` as seconds (at least :data:`MIN_BUDGET`); None when unset or not a number."""
    if value is None or not value.strip():
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    if seconds != seconds or seconds in (float("inf"), float("-inf")):
        return None
    return max(MIN_BUDGET, seconds)
