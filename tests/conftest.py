"""Shared fixtures. Every test runs with its own XDG folders and HOME, and without the user's key."""

from __future__ import annotations

from pathlib import Path

import pytest

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
