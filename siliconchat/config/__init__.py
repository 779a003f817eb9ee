"""The config file, and the settings one run resolves from flags, environment, config file and defaults.

Precedence: command-line flags > environment (``SILICONFLOW_API_KEY``, ``SILICONFLOW_BASE_URL``,
``SILICONCHAT_MODEL``) > config file > defaults.

The package, by job: ``defaults`` (regions, default model, environment variable names), ``schema`` (what
the file may hold: :class:`Config`, each key declared once with its type, default and rule, and the one
parser of every key), ``errors`` (:class:`ConfigError`), ``file`` (reading and saving the file; the TOML
text is edited by ``toml_edit``), ``settings`` (:class:`Settings` and :func:`resolve_settings`). Everything
public is imported here.

The config file is TOML. Reading uses :mod:`tomllib` (``tomli`` on Python 3.10); saving edits the file's
text with ``tomlkit``, so the user's comments, ordering and keys this version does not know survive. A file
that cannot be read or parsed raises :class:`ConfigError` and is never overwritten. Saving replaces the file
atomically with mode 0600.

This package must stay cheap to import (no Textual, no openai, no tomlkit): the CLI's ``--version``
depends on it.
"""

from __future__ import annotations

from siliconchat.config.defaults import (
    API_KEY_ENV,
    BASE_URL_ENV,
    CONFIG_ENV,
    DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MODEL,
    DEFAULT_REGION,
    MODEL_ENV,
    REGIONS,
)
from siliconchat.config.errors import ConfigError
from siliconchat.config.file import load_config, save_config
from siliconchat.config.schema import CONFIG_KEYS, Config
from siliconchat.config.settings import Settings, resolve_settings

__all__ = [
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "CONFIG_ENV",
    "CONFIG_KEYS",
    "DEFAULT_IDLE_TIMEOUT",
    "DEFAULT_MODEL",
    "DEFAULT_REGION",
    "MODEL_ENV",
    "REGIONS",
    "Config",
    "ConfigError",
    "Settings",
    "load_config",
    "resolve_settings",
    "save_config",
]
