"""A small TOML writer: enough for any document ``tomllib`` returns, so that saving the config keeps
keys this version does not know. (The standard library reads TOML but does not write it, and the
config's flat schema is not worth a dependency.)"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

from siliconchat.core.sanitize import redact

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def _toml_string(text: str) -> str:
    """A TOML basic string on one line: ``"`` and ``\\`` escaped, control characters and Unicode line
    separators as short escapes or ``\\uXXXX``; lone surrogates (not valid in TOML or UTF-8) raise TypeError."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif code < 0x20 or 0x7F <= code <= 0x9F or code in (0x2028, 0x2029):  # C0, DEL, C1, line breaks
            out.append(f"\\u{code:04X}")
        elif 0xD800 <= code <= 0xDFFF:
            raise TypeError(f"cannot write a lone surrogate (U+{code:04X}) to a TOML file")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _toml_key(key: str) -> str:
    if not isinstance(key, str):
        raise TypeError(f"TOML keys must be strings, not {key!r}")
    return key if _BARE_KEY.match(key) else _toml_string(key)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, PurePath):
        return _toml_string(str(value))
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):  # datetime is a date subclass
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, Mapping):
        items = ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + items + " }" if items else "{}"
    raise TypeError(
        f"cannot write a value of type {type(value).__name__} to a TOML file: {redact(repr(value), None)[:60]}"
    )


def _ordered(data: Mapping[str, Any], order: tuple[str, ...]) -> list[str]:
    known = [key for key in order if key in data]
    return known + [key for key in data if key not in order]


def _toml_table(
    lines: list[str], data: Mapping[str, Any], prefix: tuple[str, ...], order: tuple[str, ...]
) -> None:
    keys = _ordered(data, order)
    tables = [key for key in keys if isinstance(data[key], Mapping)]
    for key in keys:
        if not isinstance(data[key], Mapping):
            lines.append(f"{_toml_key(key)} = {_toml_value(data[key])}")
    for key in tables:
        name = (*prefix, key)
        if lines:
            lines.append("")
        lines.append("[" + ".".join(_toml_key(part) for part in name) + "]")
        _toml_table(lines, data[key], name, ())


def toml_dumps(data: Mapping[str, Any], *, order: tuple[str, ...] = ()) -> str:
    """Serialize ``data`` as TOML: keys listed in ``order`` first, then the rest; tables after plain values.

    Handles strings, bools, ints, floats, dates and times, lists (written inline) and nested tables. Raises
    ``TypeError`` for anything else. ``tomllib.loads(toml_dumps(d)) == d`` for every ``d`` tomllib returns.
    """
    lines: list[str] = []
    _toml_table(lines, data, (), order)
    return "\n".join(lines) + "\n" if lines else ""
