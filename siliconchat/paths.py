"""Where siliconchat keeps its files.

Every location comes from :mod:`platformdirs` and is computed when the function is called, never at import
time, so tests (and demos) can point the ``XDG_*`` variables at temporary folders. Nothing here creates a
folder: call :func:`ensure_dir` right before writing.

``siliconchat --demo`` runs inside :func:`demo_profile`: every location then lies in the demo's own folder
(:func:`demo_dir`), so a demo neither reads nor writes the user's config, history, cache, logs or documents.

This module must stay cheap to import (no Textual, no openai): the CLI's ``--version`` depends on it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import platformdirs

APP_NAME = "siliconchat"
CONFIG_ENV = "SILICONCHAT_CONFIG"
CONFIG_FILE_NAME = "config.toml"
HISTORY_DB_NAME = "history.db"

__all__ = [
    "APP_NAME",
    "CONFIG_ENV",
    "cache_dir",
    "config_dir",
    "config_file",
    "data_dir",
    "default_transcript_dir",
    "demo_dir",
    "demo_profile",
    "ensure_dir",
    "history_db",
    "log_dir",
]


_profile: Path | None = None
"""The folder every location lies in while :func:`demo_profile` is in force, else None."""


def demo_dir() -> Path:
    """The demo's own folder, e.g. ``~/.local/state/siliconchat/demo``: its config, history, cache, log
    and transcripts, apart from the user's."""
    return platformdirs.user_state_path(APP_NAME, appauthor=False) / "demo"


@contextlib.contextmanager
def demo_profile() -> Iterator[Path]:
    """Within this block every location is in :func:`demo_dir` (``$SILICONCHAT_CONFIG`` too is ignored);
    yields that folder."""
    global _profile
    previous, _profile = _profile, demo_dir()
    try:
        yield _profile
    finally:
        _profile = previous


def config_dir() -> Path:
    """The per-user configuration folder, e.g. ``~/.config/siliconchat``."""
    if _profile is not None:
        return _profile
    return platformdirs.user_config_path(APP_NAME, appauthor=False)


def config_file() -> Path:
    """The config file: ``$SILICONCHAT_CONFIG`` when set (not empty), else ``config_dir()/config.toml``."""
    override = "" if _profile is not None else os.environ.get(CONFIG_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    return config_dir() / CONFIG_FILE_NAME


def data_dir() -> Path:
    """The per-user data folder (history lives here), e.g. ``~/.local/share/siliconchat``."""
    if _profile is not None:
        return _profile
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def history_db() -> Path:
    """The SQLite history database."""
    return data_dir() / HISTORY_DB_NAME


def cache_dir() -> Path:
    """The per-user cache folder (model list cache), e.g. ``~/.cache/siliconchat``."""
    if _profile is not None:
        return _profile / "cache"
    return platformdirs.user_cache_path(APP_NAME, appauthor=False)


def log_dir() -> Path:
    """The per-user log folder, e.g. ``~/.local/state/siliconchat/log``."""
    if _profile is not None:
        return _profile / "log"
    return platformdirs.user_log_path(APP_NAME, appauthor=False)


def default_transcript_dir() -> Path:
    """Where transcripts go unless the config says otherwise, e.g. ``~/Documents/siliconchat``."""
    if _profile is not None:
        return _profile / "transcripts"
    return platformdirs.user_documents_path() / APP_NAME


def ensure_dir(path: Path) -> Path:
    """Create the folder ``path`` with mode 0700 if it does not exist (missing parents are created with
    the default mode, as they are general folders such as ``~/.local/share``); return it.

    An existing folder's mode is left alone: it may be a folder the user shares on purpose.
    """
    path = Path(path)
    if path.is_dir():
        return path
    if _profile is not None and _profile in path.parents:
        ensure_dir(_profile)  # the demo's folder holds its history and config: 0700 like theirs
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        if not path.is_dir():
            raise
        return path  # another process made it first
    path.chmod(0o700)  # mkdir's mode is filtered by the umask
    return path
