"""The config file, and the settings one run resolves from flags, environment, config file and defaults.

Precedence: command-line flags > environment (``SILICONFLOW_API_KEY``, ``SILICONFLOW_BASE_URL``,
``SILICONCHAT_MODEL``) > config file > defaults.

The config file is TOML. Reading uses :mod:`tomllib` (``tomli`` on Python 3.10); saving edits the file's
text with ``tomlkit`` (see :mod:`siliconchat.config_edit`), so the user's comments, ordering and keys this
version does not know survive. A file that cannot be read or parsed raises :class:`ConfigError` and is never
overwritten. Saving replaces the file atomically with mode 0600.

This module must stay cheap to import (no Textual, no openai): the CLI's ``--version`` depends on it.
"""

from __future__ import annotations

import math
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import urlsplit

from siliconchat import paths
from siliconchat.core.conversation import THINKING_BUDGET_MAX, THINKING_BUDGET_MIN, ModelParams
from siliconchat.core.sanitize import redact, strip_userinfo
from siliconchat.core.text import safe_text

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

REGIONS: dict[str, str] = {
    "ap": "https://api.ap.siliconflow.com/v1",
    "global": "https://api.siliconflow.com/v1",
    "cn": "https://api.siliconflow.cn/v1",
}
DEFAULT_REGION = "ap"
DEFAULT_MODEL = "Qwen/Qwen3-8B"
DEFAULT_IDLE_TIMEOUT = 120.0

API_KEY_ENV = "SILICONFLOW_API_KEY"
BASE_URL_ENV = "SILICONFLOW_BASE_URL"
MODEL_ENV = "SILICONCHAT_MODEL"
CONFIG_ENV = paths.CONFIG_ENV  # "SILICONCHAT_CONFIG"


# The keys siliconchat understands, in the order they are written (tables last).
CONFIG_KEYS: tuple[str, ...] = (
    "api_key",
    "region",
    "base_url",
    "model",
    "favourites",
    "system_prompt",
    "temperature",
    "top_p",
    "max_tokens",
    "enable_thinking",
    "thinking_budget",
    "idle_timeout",
    "theme",
    "transcript_dir",
    "keymap",
)


class ConfigError(Exception):
    """The config file cannot be read (or written): unreadable, malformed TOML, or a value of the wrong type.

    ``str()`` always names the file, and the line (and column) when known, e.g.
    ``Cannot read config file /home/me/.config/siliconchat/config.toml (line 3, column 7): Invalid value``.
    """

    path: Path
    line: int | None
    column: int | None
    key: str | None
    reason: str

    def __init__(
        self,
        path: Path,
        reason: str,
        *,
        line: int | None = None,
        column: int | None = None,
        key: str | None = None,
        action: str = "read",
    ) -> None:
        self.path = Path(path)
        self.reason = reason
        self.line = line
        self.column = column
        self.key = key
        self.action = action
        where = ""
        if line is not None:
            where = f" (line {line}, column {column})" if column is not None else f" (line {line})"
        super().__init__(f"Cannot {action} config file {self.path}{where}: {reason}")


@dataclass
class Config:
    """What the config file holds. Every setting is optional; ``None`` means "not set in the file"."""

    api_key: str | None = field(default=None, repr=False)
    region: str | None = None  # "ap" | "global" | "cn"
    base_url: str | None = None
    model: str | None = None
    favourites: list[str] = field(default_factory=list)
    system_prompt: str | None = None
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    enable_thinking: bool | None = None
    thinking_budget: int | None = None
    idle_timeout: float | None = None
    theme: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)  # binding id -> keys, for App.set_keymap
    transcript_dir: Path | None = None  # "~" expanded
    path: Path | None = field(default=None, repr=False, compare=False)  # where it was loaded from


# --------------------------------------------------------------------------------------------------------
# Validation of single values (shared by load_config and save_config)


class _BadValue(Exception):
    """A config value of the wrong type or out of range; the message says what was expected."""


def _describe(value: object) -> str:
    """A short, key-free description of a bad value for an error message."""
    text = redact(repr(value), None)
    return text if len(text) <= 60 else text[:57] + "..."


def _optional_str(value: object, what: str = "a string") -> str | None:
    if not isinstance(value, str):
        raise _BadValue(f"must be {what}, not {_describe(value)}")
    return value if value.strip() else None


def _parse_api_key(value: object) -> str | None:
    if not isinstance(value, str):  # never echo what may be a secret
        raise _BadValue(f"must be a string, not a {type(value).__name__}")
    return value.strip() or None


def _parse_region(value: object) -> str | None:
    text = _optional_str(value, f"one of {_region_names()}")
    if text is None:
        return None
    name = text.strip().lower()
    if name not in REGIONS:
        raise _BadValue(f"must be one of {_region_names()}, not {_describe(value)}")
    return name


def _parse_base_url(value: object) -> str | None:
    text = _optional_str(value, "an http(s) URL")
    if text is None:
        return None
    try:
        return _normalize_base_url(text)
    except ValueError as exc:
        raise _BadValue(str(exc)) from None


def _parse_model(value: object) -> str | None:
    text = _optional_str(value, "a model id")
    return text.strip() if text is not None else None


def _parse_text(value: object) -> str | None:
    return _optional_str(value)


def _parse_favourites(value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _BadValue(f"must be a list of strings (model ids), not {_describe(value)}")
    result: list[str] = []
    for item in value:
        model = item.strip()
        if model and model not in result:
            result.append(model)
    return result


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _parse_temperature(value: object) -> float:
    if not _is_number(value) or not 0.0 <= float(value) <= 2.0:  # type: ignore[arg-type]
        raise _BadValue(f"must be a number between 0 and 2, not {_describe(value)}")
    return float(value)  # type: ignore[arg-type]


def _parse_top_p(value: object) -> float:
    if not _is_number(value) or not 0.0 < float(value) <= 1.0:  # type: ignore[arg-type]
        raise _BadValue(f"must be a number greater than 0 and at most 1, not {_describe(value)}")
    return float(value)  # type: ignore[arg-type]


def _parse_max_tokens(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise _BadValue(f"must be a positive whole number, not {_describe(value)}")
    return value


def _parse_bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise _BadValue(f"must be true or false, not {_describe(value)}")
    return value


def _parse_thinking_budget(value: object) -> int:
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or not THINKING_BUDGET_MIN <= value <= THINKING_BUDGET_MAX
    ):
        raise _BadValue(
            f"must be a whole number from {THINKING_BUDGET_MIN} to {THINKING_BUDGET_MAX}, "
            f"not {_describe(value)}"
        )
    return value


def _parse_idle_timeout(value: object) -> float:
    if not _is_number(value) or not math.isfinite(value) or value <= 0:  # type: ignore[arg-type,operator]
        raise _BadValue(f"must be a positive number of seconds, not {_describe(value)}")
    return float(value)  # type: ignore[arg-type]


def _parse_keymap(value: object) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise _BadValue(
            'must be a table of binding ids to keys, e.g. [keymap] then quit = "ctrl+q", '
            f"not {_describe(value)}"
        )
    return {str(k): v for k, v in value.items()}


def _parse_transcript_dir(value: object) -> Path | None:
    text = _optional_str(value, "a folder path")
    return Path(text).expanduser() if text is not None else None


_PARSERS: dict[str, Callable[[object], Any]] = {
    "api_key": _parse_api_key,
    "region": _parse_region,
    "base_url": _parse_base_url,
    "model": _parse_model,
    "favourites": _parse_favourites,
    "system_prompt": _parse_text,
    "temperature": _parse_temperature,
    "top_p": _parse_top_p,
    "max_tokens": _parse_max_tokens,
    "enable_thinking": _parse_bool,
    "thinking_budget": _parse_thinking_budget,
    "idle_timeout": _parse_idle_timeout,
    "theme": _parse_text,
    "keymap": _parse_keymap,
    "transcript_dir": _parse_transcript_dir,
}


def _region_names() -> str:
    return ", ".join(REGIONS)


def _normalize_base_url(url: str) -> str:
    """Strip whitespace and trailing slashes; insist on an http(s) URL with a host."""
    text = url.strip().rstrip("/")
    try:
        parts = urlsplit(text)
        valid = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. a malformed IPv6 host or port
        valid = False
    if not valid:
        raise ValueError(f"must be an http(s) URL such as {REGIONS[DEFAULT_REGION]}, not {url!r}")
    return text


# --------------------------------------------------------------------------------------------------------
# Reading


_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_END = re.compile(r"\s*\(at end of document\)\s*$")


def _read_raw(path: Path) -> tuple[dict[str, Any], str] | None:
    """The file's parsed contents and text, ``None`` when it does not exist; ConfigError otherwise."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise ConfigError(path, "it is a folder, not a file") from None
    except PermissionError:
        raise ConfigError(path, "permission denied") from None
    except OSError as exc:
        raise ConfigError(path, exc.strerror or str(exc)) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        raise ConfigError(
            path,
            "the file is not valid UTF-8 text",
            line=data.count(b"\n", 0, exc.start) + 1,
            column=exc.start - line_start + 1,
        ) from None
    # Imported here: without a config file (a first run) nothing needs the parser (~5 ms of regexes).
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _decode_error(path, exc, text) from None
    return raw, text


def _decode_error(path: Path, exc: ValueError, text: str) -> ConfigError:
    message = str(exc).strip()
    line: int | None = getattr(exc, "lineno", None)
    column: int | None = getattr(exc, "colno", None)
    reason = getattr(exc, "msg", None)
    if match := _TOML_POSITION.search(message):
        line = line if line is not None else int(match.group(1))
        column = column if column is not None else int(match.group(2))
        message = message[: match.start()]
    elif _TOML_END.search(message):
        message = _TOML_END.sub("", message) + " at the end of the file"
        if line is None:
            line = text.count("\n") + 1
    if not isinstance(reason, str) or not reason:
        reason = message
    return ConfigError(path, f"invalid TOML: {reason}", line=line, column=column)


def _key_line(text: str, key: str) -> int | None:
    """Best effort: the line where top-level ``key`` (or its ``[key]`` table) is set."""
    pattern = re.compile(rf'^\s*(?:{re.escape(key)}|"{re.escape(key)}"|\'{re.escape(key)}\')\s*=')
    header = re.compile(rf"^\s*\[\s*{re.escape(key)}\s*\]")
    in_table = False
    for number, line in enumerate(text.splitlines(), start=1):
        if header.match(line):
            return number
        if re.match(r"^\s*\[", line):
            in_table = True
        if not in_table and pattern.match(line):
            return number
    return None


def load_config(path: Path | None = None) -> Config:
    """Read the config file (default :func:`siliconchat.paths.config_file`). Never modifies it.

    A missing file gives an empty :class:`Config` (with ``path`` set). An unreadable file, malformed TOML or
    a known key with a value of the wrong type raises :class:`ConfigError`. Keys this version does not know
    are ignored here (and kept by :func:`save_config`). An empty string means "not set".
    """
    path = Path(path) if path is not None else paths.config_file()
    result = _read_raw(path)
    config = Config(path=path)
    if result is None:
        return config
    raw, text = result
    for key in CONFIG_KEYS:
        if key not in raw:
            continue
        try:
            value = _PARSERS[key](raw[key])
        except _BadValue as exc:
            raise ConfigError(path, f"{key} {exc}", line=_key_line(text, key), key=key) from None
        setattr(config, key, value)
    return config


# --------------------------------------------------------------------------------------------------------
# Writing


def _to_raw(key: str, value: object) -> object:
    """Turn an update into what the file stores, validating known keys (ValueError names the key)."""
    if isinstance(value, PurePath):
        value = str(value)
    elif isinstance(value, tuple):
        value = list(value)
    if key == "api_key" and isinstance(value, str):
        value = value.strip()
    elif key in ("base_url", "region", "model") and isinstance(value, str):
        value = value.strip()
        if key == "base_url":
            value = value.rstrip("/")
        elif key == "region":
            value = value.lower()
    if key in _PARSERS:
        try:
            _PARSERS[key](value)
        except _BadValue as exc:
            raise ValueError(f"{key} {exc}") from None
    return value


def save_config(updates: Mapping[str, object], path: Path | None = None) -> Path:
    """Merge ``updates`` into the config file and write it atomically; return the file's path.

    A value of ``None`` removes the key; a table (``keymap``) gets exactly the keys given. The rest of the
    file is kept as the user wrote it: comments, blank lines, the order of keys and keys this version does
    not know. A new key goes after the last plain key of the top level, known keys in their usual order. The
    file is written to a temporary file in the same folder (mode 0600 before any secret is written), fsynced
    and moved into place with :func:`os.replace`; a new folder gets mode 0700.

    Raises :class:`ConfigError` when the existing file cannot be read or parsed (it is left untouched) or
    the new one cannot be written, ``ValueError`` for an invalid value of a known key and ``TypeError`` for
    a value TOML cannot hold. In every error case the existing file is unchanged.
    """
    path = Path(path) if path is not None else paths.config_file()
    # Keep a dotfiles symlink a symlink: write the file it points at.
    target = path.resolve() if path.is_symlink() else path
    result = _read_raw(target)  # validates the file (ConfigError) before tomlkit sees it
    merged: dict[str, Any] = dict(result[0]) if result is not None else {}
    changes: dict[str, object] = {}
    for key, value in updates.items():
        if not isinstance(key, str):
            raise TypeError(f"config keys must be strings, not {key!r}")
        if value is None:
            merged.pop(key, None)
            changes[key] = None
        else:
            merged[key] = changes[key] = _to_raw(key, value)
    from siliconchat.config_edit import edited_toml  # only when saving: the TUI starts without tomlkit

    text = edited_toml(result[1] if result is not None else "", changes, merged, order=CONFIG_KEYS)
    _atomic_write(target, text.encode("utf-8"))
    return path


def _atomic_write(path: Path, data: bytes) -> None:
    from siliconchat.core.files import replace_atomically

    try:
        paths.ensure_dir(path.parent)
        replace_atomically(path, data)
    except OSError as exc:
        raise ConfigError(path, exc.strerror or str(exc), action="write") from None


# --------------------------------------------------------------------------------------------------------
# Resolved settings


@dataclass(frozen=True)
class Settings:
    """The resolved settings one run uses."""

    api_key: str | None = field(repr=False)
    base_url: str
    region: str | None  # None when a custom base URL is in force
    model: str
    system_prompt: str | None
    params: ModelParams
    idle_timeout: float
    favourites: tuple[str, ...]
    max_retries: int = 2
    demo: bool = False
    api_key_source: str | None = None  # "flag" | "env" | "config" | "demo"
    config_path: Path | None = field(default=None, compare=False)
    url_credentials_ignored: bool = False  # the base URL came with a user:password@, left out of base_url

    @property
    def url_credentials_note(self) -> str | None:
        """One sentence for a base URL that came with credentials, else None. They are never sent: the
        HTTP client would send them as Basic auth in place of the key's Bearer header, and the server
        would refuse both. The sentence never repeats them."""
        if not self.url_credentials_ignored:
            return None
        said = "The user name and password in the base URL are ignored"
        if self.api_key:
            return f"{said}: requests authenticate with {self.api_key_origin}."
        return f"{said}: SiliconFlow authenticates with an API key only."

    @property
    def key_hint(self) -> str:
        """One sentence on how to set a key."""
        config_path = self.config_path if self.config_path is not None else paths.config_file()
        site = "cloud.siliconflow.cn" if self.region == "cn" else "cloud.siliconflow.com"
        return (
            f'Set the {API_KEY_ENV} environment variable or add api_key = "sk-…" to {config_path} '
            f"(create a key at https://{site}/account/ak)."
        )

    @property
    def api_key_origin(self) -> str:
        """Where the key came from, for messages: "the key from SILICONFLOW_API_KEY" and so on."""
        if self.api_key_source == "env":
            return f"the key from {API_KEY_ENV}"
        if self.api_key_source == "config":
            return f"the key in {self.config_path if self.config_path is not None else paths.config_file()}"
        if self.api_key_source == "flag":
            return "the key given on the command line"
        if self.api_key_source == "demo":
            return "the demo key"
        return "the API key"


def _clean(value: str | None) -> str | None:
    """Strip whitespace; empty means unset. The text is made safe (:func:`safe_text`): environment
    variables and flags come decoded with ``surrogateescape``, so a non-UTF-8 byte is a lone surrogate
    there. (Values of the file need nothing: TOML is UTF-8 and forbids surrogate escapes, and
    ``tomllib`` rejects both.) Not for paths, which must keep their bytes."""
    if value is None:
        return None
    value = safe_text(value.strip())
    return value or None


def _region_url(name: str, origin: str) -> str:
    key = name.strip().lower()
    if key not in REGIONS:
        raise ValueError(f"unknown region {name!r} ({origin}): choose one of {_region_names()}")
    return REGIONS[key]


def _region_of(base_url: str) -> str | None:
    for name, url in REGIONS.items():
        if url == base_url:
            return name
    return None


def resolve_settings(
    *,
    config: Config | None = None,
    env: Mapping[str, str] | None = None,
    model: str | None = None,
    base_url: str | None = None,
    region: str | None = None,
    system_prompt: str | None = None,
    api_key: str | None = None,
) -> Settings:
    """Combine flags (the keyword arguments), environment, config file and defaults, in that order.

    Base URL: ``--base-url`` > ``--region`` > ``$SILICONFLOW_BASE_URL`` > config ``base_url`` > config
    ``region`` > the ``ap`` preset. ``env`` defaults to :data:`os.environ`; empty values count as unset
    and whitespace around values (pasted keys) is stripped. ``config`` defaults to :func:`load_config` of
    the file named by ``$SILICONCHAT_CONFIG`` in ``env``, else the default location (this may raise
    :class:`ConfigError`). ``system_prompt=""`` means "no system prompt", overriding the config file.
    Raises ``ValueError`` for an unknown region name or a base URL that is not an http(s) URL.
    """
    env = os.environ if env is None else env
    if config is None:
        config_override = (env.get(CONFIG_ENV) or "").strip() or None  # a path: its bytes as they are
        config = load_config(Path(config_override).expanduser() if config_override else paths.config_file())

    # API key
    key: str | None = None
    source: str | None = None
    for candidate, origin in ((api_key, "flag"), (env.get(API_KEY_ENV), "env"), (config.api_key, "config")):
        if (cleaned := _clean(candidate)) is not None:
            key, source = cleaned, origin
            break

    # Base URL
    url: str
    if (flag_url := _clean(base_url)) is not None:
        url = _checked_url(flag_url, "--base-url")
    elif (flag_region := _clean(region)) is not None:
        url = _region_url(flag_region, "--region")
    elif (env_url := _clean(env.get(BASE_URL_ENV))) is not None:
        url = _checked_url(env_url, BASE_URL_ENV)
    elif (config_url := _clean(config.base_url)) is not None:
        url = _checked_url(config_url, f"base_url in {config.path or 'the config file'}")
    elif (config_region := _clean(config.region)) is not None:
        url = _region_url(config_region, f"region in {config.path or 'the config file'}")
    else:
        url = REGIONS[DEFAULT_REGION]

    shown_url = strip_userinfo(url)  # see Settings.url_credentials_note
    chosen_model = _clean(model) or _clean(env.get(MODEL_ENV)) or _clean(config.model) or DEFAULT_MODEL
    if system_prompt is not None:
        prompt = system_prompt if system_prompt.strip() else None
    else:
        prompt = config.system_prompt

    params = ModelParams(
        temperature=config.temperature,
        top_p=config.top_p,
        max_tokens=config.max_tokens,
        enable_thinking=config.enable_thinking,
        thinking_budget=config.thinking_budget,
    )
    return Settings(
        api_key=key,
        base_url=shown_url,
        region=_region_of(shown_url),
        model=chosen_model,
        system_prompt=prompt,
        params=params,
        idle_timeout=config.idle_timeout if config.idle_timeout is not None else DEFAULT_IDLE_TIMEOUT,
        favourites=tuple(config.favourites),
        api_key_source=source,
        config_path=config.path,
        url_credentials_ignored=shown_url != url,
    )


def _checked_url(url: str, origin: str) -> str:
    try:
        return _normalize_base_url(url)
    except ValueError as exc:
        raise ValueError(f"{origin} {exc}") from None
