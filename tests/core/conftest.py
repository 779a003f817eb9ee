"""Fixtures of the core's tests: a demo server on 127.0.0.1 (pace 0) and a history in the test's folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from siliconchat.core.history import HistoryStore
from siliconchat.demo.server import DemoServer


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer(pace=0) as running:
        yield running


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    opened = HistoryStore.open(tmp_path / "history.db")
    yield opened
    opened.close()
