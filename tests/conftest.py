"""Shared fixtures. Every test runs with its own XDG folders and HOME, and without the user's key."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

# A shell runs a background job (`pytest &`, a script's `( ... & )`) with Ctrl+C ignored, and the siliconchat
# processes the tests start would inherit that: the Ctrl+C tests then waited for a whole slow answer. A
# Python handler is not inherited (a child starts with the default), so this one gives them their Ctrl+C back.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

_CLEARED_ENV = ("SILICONFLOW_API_KEY", "SILICONFLOW_BASE_URL", "SILICONCHAT_MODEL", "SILICONCHAT_CONFIG")
_XDG_DIRS = {
    "XDG_CONFIG_HOME": "config",
    "XDG_DATA_HOME": "data",
    "XDG_CACHE_HOME": "cache",
    "XDG_STATE_HOME": "state",
    "XDG_DOCUMENTS_DIR": "documents",
    "HOME": "home",
}


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Point XDG_* and HOME at subfolders of ``tmp_path`` and drop siliconchat's variables.

    Only HOME is created; the XDG folders are not, so tests can check what the code creates.

    Returns the folders by variable name, e.g. ``isolated_dirs["XDG_CONFIG_HOME"]``. platformdirs reads
    these variables on every call, so ``siliconchat.paths`` follows them.
    """
    folders: dict[str, Path] = {}
    for name, sub in _XDG_DIRS.items():
        folders[name] = tmp_path / "xdg" / sub
        monkeypatch.setenv(name, str(folders[name]))
    folders["HOME"].mkdir(parents=True)
    for name in _CLEARED_ENV:
        monkeypatch.delenv(name, raising=False)
    return folders


# ---------------------------------------------------------------------------------------------------------
# TUI fixtures: the real app against the real demo server over real HTTP (appended for the TUI tests).


@pytest.fixture(scope="session")
def demo_server():  # type: ignore[no-untyped-def]
    """One loopback demo server for the whole run (pace 0: every scenario streams at full speed)."""
    from siliconchat.demo.server import DemoServer

    server = DemoServer(pace=0, trace_id="5f1e" * 8).start()  # a fixed trace id keeps snapshots stable
    yield server
    server.stop()


@pytest.fixture
def make_app(demo_server):  # type: ignore[no-untyped-def]
    """Build the app in demo mode against ``demo_server``: ``make_app(model=..., favourites=...)``."""
    import dataclasses

    from siliconchat.config import Config
    from siliconchat.runtime import demo_settings
    from siliconchat.ui.app import SiliconChatApp

    def make(model: str = "deepseek-ai/DeepSeek-R1", favourites: tuple[str, ...] = (), **changes):  # type: ignore[no-untyped-def]
        settings = demo_settings(Config(), demo_server, model=model, system_prompt=None)
        settings = dataclasses.replace(settings, favourites=tuple(favourites), **changes)
        return SiliconChatApp(settings)

    return make


@pytest.fixture
async def client(server):  # type: ignore[no-untyped-def]
    """A ``ChatClient`` of the test module's ``server`` fixture (a DemoServer), with no retries."""
    from siliconchat.core.api import ChatClient
    from siliconchat.core.models import ModelCatalogue
    from siliconchat.demo.server import DEMO_API_KEY

    made = ChatClient(
        base_url=server.base_url, api_key=DEMO_API_KEY, catalogue=ModelCatalogue(None), max_retries=0
    )
    yield made
    await made.aclose()
