"""Fixtures of the command-line and terminal tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pty_terminal import Terminal


@pytest.fixture
def terminal() -> Iterator[list[Terminal]]:
    """The pseudo-terminal apps a test starts (append them): killed and closed after it."""
    made: list[Terminal] = []
    yield made
    for one in made:
        one.close()
