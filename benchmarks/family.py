"""A family of figures, and the run the families share.

A :class:`Family` is one part of the suite (``--only`` names it): how it measures, the rows it adds to the
table and what the JSON keeps of it. ``run.py`` lists the families in :data:`run.FAMILIES`, in the order of
their rows. The :class:`Run` holds the options, the shared demo server, the launch times every app run adds,
and each family's measurements.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from harness import Server, log
from table import Row


@dataclass
class Run:
    """One run of the suite: its options, the shared pace-0 demo server, and what was measured."""

    quick: bool
    repeats: int  # per workload
    repeats_80k: int
    paced_seconds: float  # the 100 deltas/s window
    scale: float  # every timeout is multiplied by it
    launch_repeats: int
    version_repeats: int
    parts: set[str]
    started: float = field(default_factory=time.perf_counter)
    server: Server | None = None  # while the families marked ``shared_server`` measure
    launches: list[float] = field(default_factory=list)  # launch -> first frame, from every app run
    results: dict[str, Any] = field(default_factory=dict)  # each family's measurements, by part

    def progress(self, message: str) -> None:
        """A progress line on stderr, after the time since the start."""
        log(f"[{time.perf_counter() - self.started:6.1f}s] {message}")

    def shared(self) -> Server:
        """The shared pace-0 demo server (there only while the families marked ``shared_server`` measure)."""
        assert self.server is not None, "only families marked shared_server measure on the shared server"
        return self.server


@dataclass(frozen=True)
class Family:
    """One part of the suite.

    ``measure`` runs when the part is chosen; what it returns is kept in ``run.results[part]``. ``rows`` and
    ``raw`` are called for every family, measured or not: a family that was not measured adds no row (or
    says "not run") and the JSON's ``raw`` still has its keys. Families marked ``shared_server`` measure
    first, on the pace-0 demo server ``run.server``; the others measure after it is closed.
    """

    part: str
    measure: Callable[[Run], Any]
    rows: Callable[[Run], list[Row]]
    raw: Callable[[Run], dict[str, Any]]
    shared_server: bool = False
    default: bool = True  # measured when ``--only`` is not given
