"""Saving the config file: its text is edited with ``tomlkit``, not written anew, so what the user wrote
(comments, blank lines, the order of keys, keys this version does not know) stays as it was."""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import tomlkit
from tomlkit.container import Container
from tomlkit.items import InlineTable, Item, KeyType, SingleKey, Table

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = ["edited_toml"]

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_TABLE_HEADER = re.compile(r"[ \t]*\[")
_BLANK_OR_COMMENT = re.compile(r"[ \t]*(#.*)?")


def _escaped(text: str) -> str:
    """The body of a TOML basic string on one line: control characters (C0, DEL, C1) and the Unicode line
    separators as escapes, so that the file shows one line per key whatever the value holds. A lone
    surrogate (not valid in TOML or UTF-8) raises ValueError."""
    out = []
    for char in text:
        code = ord(char)
        if char == '"' or char == "\\":
            out.append("\\" + char)
        elif code < 0x20 or 0x7F <= code <= 0x9F or code in (0x2028, 0x2029):
            out.append(f"\\u{code:04X}")
        elif 0xD800 <= code <= 0xDFFF:
            raise ValueError(f"cannot write a lone surrogate (U+{code:04X}) to a TOML file")
        else:
            out.append(char)
    return "".join(out)


def _value(value: object, *, inline: bool = False) -> object:
    """``value`` with its strings and keys written as :func:`_escaped` says (a mapping inside a list is an
    inline table)."""
    if isinstance(value, str):
        return tomlkit.string(_escaped(value), escape=False)
    if isinstance(value, Mapping):
        table: Table | InlineTable = tomlkit.inline_table() if inline else tomlkit.table()
        for key, inner in value.items():
            table.add(_key(key), _value(inner, inline=inline))
        return table
    if isinstance(value, (list, tuple)):
        return [_value(v, inline=True) for v in value]
    if isinstance(value, (bytes, bytearray, set, frozenset)) or value is None:
        raise TypeError(f"cannot write a value of type {type(value).__name__} to a TOML file")
    return value  # numbers, booleans, dates: tomlkit raises TypeError for what TOML cannot hold


def _key(key: object) -> str | SingleKey:
    if not isinstance(key, str):
        raise TypeError(f"TOML keys must be strings, not {type(key).__name__}")
    if _BARE_KEY.match(key):
        return key
    return SingleKey(key, t=KeyType.Basic, original=f'"{_escaped(key)}"')


def _last_plain_key(container: Container) -> str | None:
    """The last key of the top level that holds a plain value (not a table or an array of tables)."""
    last = None
    for key, item in container.body:
        if key is not None and not isinstance(item, Table) and not _is_table_array(item):
            last = key.key
    return last


def _after_plain_keys(text: str, lines: str) -> str:
    """``text`` with ``lines`` after its last top-level plain key: before the blank lines and comments that
    lead into the first table (``# my tables`` above ``[keymap]`` stays with it). tomlkit's public API
    adds a plain value after such a comment; its private insertion is gone in tomlkit 0.15.3. The first table
    is the first line that opens one with everything above it whole TOML (not a line of a multi-line string or
    array); the caller parses the result again and compares it with what the file must hold."""
    body = text.splitlines(keepends=True)
    for first_table, line in enumerate(body):
        if _TABLE_HEADER.match(line) and _whole("".join(body[:first_table])):
            break
    else:
        return text + ("" if not text or text.endswith("\n") else "\n") + lines
    at = first_table
    while at > 0 and _BLANK_OR_COMMENT.fullmatch(body[at - 1].rstrip("\r\n")):
        at -= 1
    if at and body[at - 1].endswith("\r\n"):
        lines = lines.replace("\n", "\r\n")
    return "".join(body[:at]) + lines + "".join(body[at:])


def _whole(text: str) -> bool:
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return False
    return True


def _is_table_array(item: Item) -> bool:
    return type(item).__name__ == "AoT"


def edited_toml(
    text: str, changes: Mapping[str, object], expected: Mapping[str, Any], *, order: Sequence[str] = ()
) -> str:
    """``text`` (a TOML document) with ``changes`` made: ``None`` removes a key, a mapping replaces a table's
    keys (keeping the comments of the keys it keeps), anything else sets a value in place. New keys come
    in ``order`` (then the others). The result is parsed again and must equal ``expected`` (what the file
    is meant to hold): any difference raises ValueError, before anything touches the disk."""
    document = tomlkit.parse(text)
    late: dict[str, Any] = {}  # new plain keys, written as text after the last plain key
    rank = {key: index for index, key in enumerate(order)}
    for key in sorted(changes, key=lambda k: rank.get(k, len(rank))):
        value = changes[key]
        if value is None:
            if key in document:
                del document[key]
            continue
        new = _value(value)
        current = document.get(key)
        if isinstance(current, Table) and isinstance(new, Table):
            for old_key in [k for k in current if k not in new]:
                del current[old_key]
            for inner_key, inner in new.value.body:
                if inner_key is None:
                    continue
                if inner_key.key in current:
                    current[inner_key.key] = inner
                else:
                    current.add(inner_key, inner)
        elif key in document or isinstance(new, Table):
            document[key] = new  # in place; a new table goes at the end
        elif _last_plain_key(document) is not None and any(isinstance(v, Table) for _, v in document.body):
            late[key] = new  # after the last plain key (below)
        else:
            document.add(key, new)  # at the end, or before the tables of a file without plain keys
    result = tomlkit.dumps(document)
    if late:
        added = tomlkit.document()
        for key, new in late.items():
            added.add(key, new)
        result = _after_plain_keys(result, tomlkit.dumps(added))
    if _comparable(tomllib.loads(result)) != _comparable(expected):  # pragma: no cover - a tomlkit bug
        raise ValueError("the config file could not be edited faithfully; it was left unchanged")
    return result


def _comparable(value: object) -> object:
    """``value`` with NaN (which equals nothing, itself included) as a marker, for comparing documents."""
    if isinstance(value, float) and math.isnan(value):
        return "<nan>"
    if isinstance(value, Mapping):
        return {k: _comparable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_comparable(v) for v in value]
    return value
