"""The config file on disk: read (never modified) and saved (edited in place, atomically, mode 0600).

Reading uses :mod:`tomllib` (``tomli`` on Python 3.10) and checks every known key by its rule
(:mod:`.schema`); saving edits the file's text with ``tomlkit`` (:mod:`.toml_edit`), so the user's comments,
ordering and keys this version does not know survive. A file that cannot be read or parsed raises
:class:`~siliconchat.config.errors.ConfigError` naming the file and the line, and is never overwritten.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from pathlib import Path, PurePath
from typing import Any

from siliconchat import paths
from siliconchat.config.errors import ConfigError
from siliconchat.config.schema import CONFIG_KEYS, RULES, BadValue, Config

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
    for key, rule in RULES.items():
        if key not in raw:
            continue
        try:
            value = rule.parse(raw[key])
        except BadValue as exc:
            raise ConfigError(path, f"{key} {exc}", line=_key_line(text, key), key=key) from None
        setattr(config, key, value)
    return config


# --------------------------------------------------------------------------------------------------------
# Writing


def _to_raw(key: str, value: object) -> object:
    """Turn an update into what the file stores, validated and cleaned by its rule (ValueError names the key)."""
    if isinstance(value, PurePath):
        value = str(value)
    elif isinstance(value, tuple):
        value = list(value)
    rule = RULES.get(key)
    if rule is not None:
        try:
            rule.parse(value)
        except BadValue as exc:
            raise ValueError(f"{key} {exc}") from None
        if isinstance(value, str):
            value = rule.clean(value)
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
    from siliconchat.config.toml_edit import edited_toml  # only when saving: the TUI starts without tomlkit

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
