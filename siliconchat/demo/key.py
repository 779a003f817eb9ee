"""The key the demo server accepts by default: a fixed string of the shape of a real key, never a real one.

A module of its own so that the on-demand server (which ``siliconchat --demo`` imports at start) and the
full server share it without importing each other.
"""

from __future__ import annotations

DEMO_API_KEY = "sk-" + "demo" * 12
