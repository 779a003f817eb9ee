"""Fixtures of the TUI's tests (the app itself, ``make_app``, is shared with the CLI's: ``tests/conftest.py``)."""

from __future__ import annotations

import pytest


@pytest.fixture
def frozen_clock():  # type: ignore[no-untyped-def]
    """Measured times show as dashes (for snapshots)."""
    from siliconchat.ui.widgets.formatting import CLOCK

    CLOCK.frozen = True
    yield CLOCK
    CLOCK.frozen = False
