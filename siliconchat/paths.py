"""Where siliconchat keeps its files.

Every location comes from :mod:`platformdirs` and is computed when the function is called, never at import
time, so tests (and demos) can point the ``XDG_*`` variables at temporary folders. Nothing here creates a
folder: call :func:`ensure_dir` right before writing.

This module must stay cheap to import (no Textual, no openai): the CLI's ``--version`` depends on it.
"""

from __future__ import annotations

import os
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
    "ensure_dir",
    "history_db",
    "log_dir",
]


def config_dir() -> Path:
    """The per-user configuration folder, e.g. ``~/.config/siliconchat``."""
    return platformdirs.user_config_path(APP_NAME, appauthor=False)


def config_file() -> Path:
    """The config file: ``$SILICONCHAT_CONFIG`` when set (not empty), else ``config_dir()/config.toml``."""
    override = os.environ.get(CONFIG_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    return config_dir() / CONFIG_FILE_NAME


def data_dir() -> Path:
    """The per-user data folder (history lives here), e.g. ``~/.local/share/siliconchat``."""
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def history_db() -> Path:
    """The SQLite history database."""
    return data_dir() / HISTORY_DB_NAME


def cache_dir() -> Path:
    """The per-user cache folder (model list cache), e.g. ``~/.cache/siliconchat``."""
    return platformdirs.user_cache_path(APP_NAME, appauthor=False)


def log_dir() -> Path:
    """The per-user log folder, e.g. ``~/.local/state/siliconchat/log``."""
    return platformdirs.user_log_path(APP_NAME, appauthor=False)


def default_transcript_dir() -> Path:
    """Where transcripts go unless the config says otherwise, e.g. ``~/Documents/siliconchat``."""
    return platformdirs.user_documents_path() / APP_NAME


def ensure_dir(path: Path) -> Path:
    """Create the folder ``path`` with mode 0700 if it does not exist (missing parents are created with
    the default mode, as they are general folders such as ``~/.local/share``); return it.

    An existing folder's mode is left alone: it may be a folder the user shares on purpose.
    """
    path = Path(path)
    if path.is_dir():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        if not path.is_dir():
            raise
        return path  # another process made it first
    path.chmod(0o700)  # mkdir's mode is filtered by the umask
    return path
