"""The built-in demo server: SiliconFlow's chat API on 127.0.0.1, with scripted answers.

``siliconchat --demo``, the tests, the screenshots and the benchmarks all talk to it through the real
``openai`` SDK. Run it alone with ``python -m siliconchat.demo``.

The server module is imported on first use of its names here: ``siliconchat --demo`` starts without it
(see :mod:`.on_demand`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from siliconchat.demo.key import DEMO_API_KEY

if TYPE_CHECKING:
    from siliconchat.demo.server import DemoServer, RecordedRequest

__all__ = ["DEMO_API_KEY", "DemoServer", "RecordedRequest"]


def __getattr__(name: str) -> Any:
    if name in ("DemoServer", "RecordedRequest"):
        return getattr(importlib.import_module("siliconchat.demo.server"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
