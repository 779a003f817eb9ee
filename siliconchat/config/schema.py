"""What the config file may hold: each key's type, default and rule, declared once on :class:`Config`.

Every setting is a row of :class:`Config`: ``name: type = setting(kind, expected, …)``. The :class:`Rule` a
row carries says which TOML type the key takes (its :class:`Kind`), what a valid value is, how it is cleaned
and converted, and how a wrong value is described: every error reads ``KEY must be EXPECTED, not VALUE``.
One generic parser (:meth:`Rule.parse`) serves every key, both when the file is read and before an update is
written.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from siliconchat.config.defaults import DEFAULT_REGION, REGIONS, region_names
from siliconchat.core.conversation import THINKING_BUDGET_MAX, THINKING_BUDGET_MIN
from siliconchat.core.costs import Price
from siliconchat.core.sanitize import redact

URL_EXPECTED = f"an http(s) URL such as {REGIONS[DEFAULT_REGION]}"


class BadValue(Exception):
    """A config value of the wrong type or out of range; the message says what was expected."""


def _same(value: Any) -> Any:
    return value


def _always(value: Any) -> bool:
    return True


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass(frozen=True)
class Kind:
    """A TOML type a key accepts (``holds``), and how its value is taken (``take``: an int number as a float)."""

    holds: Callable[[object], bool]
    take: Callable[[Any], Any] = _same


TEXT = Kind(lambda value: isinstance(value, str))
"""A string; blank means "not set" (``None``)."""
NUMBER = Kind(_is_number, float)
WHOLE = Kind(lambda value: isinstance(value, int) and not isinstance(value, bool))
SWITCH = Kind(lambda value: isinstance(value, bool))
TEXT_LIST = Kind(lambda value: isinstance(value, list) and all(isinstance(item, str) for item in value))
TEXT_TABLE = Kind(lambda value: isinstance(value, dict) and all(isinstance(v, str) for v in value.values()))
TABLE = Kind(lambda value: isinstance(value, dict))


def describe(value: object) -> str:
    """A short, key-free description of a bad value for an error message."""
    text = redact(repr(value), None)
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True)
class Rule:
    """How one key's value is checked and turned into its :class:`Config` attribute.

    ``clean`` (text only) runs first, and is also what :func:`~siliconchat.config.file.save_config` writes;
    then ``valid`` must hold; ``convert`` makes the attribute. A ``secret`` value is never quoted in an
    error, only its type.
    """

    kind: Kind
    expected: str
    valid: Callable[[Any], bool] = _always
    clean: Callable[[str], str] = _same
    convert: Callable[[Any], Any] = _same
    secret: bool = False

    def parse(self, value: object) -> Any:
        """The attribute for ``value`` as the file holds it; :class:`BadValue` when it is not valid."""
        if self.kind.holds(value):
            if self.kind is TEXT:
                assert isinstance(value, str)
                if not value.strip():
                    return None
                taken = self.clean(value)
            else:
                taken = self.kind.take(value)
            if self.valid(taken):
                return self.convert(taken)
        shown = f"a {type(value).__name__}" if self.secret else describe(value)
        raise BadValue(f"must be {self.expected}, not {shown}")


RULE = "siliconchat.config.rule"  # the key of a Rule in a dataclass field's metadata


def setting(
    kind: Kind,
    expected: str,
    *,
    valid: Callable[[Any], bool] = _always,
    clean: Callable[[str], str] = _same,
    convert: Callable[[Any], Any] = _same,
    secret: bool = False,
    factory: Callable[[], Any] | None = None,
) -> Any:
    """A :class:`Config` field with its :class:`Rule`: unset (``None``), or ``factory()`` for a list or table."""
    metadata = {RULE: Rule(kind, expected, valid, clean, convert, secret)}
    if factory is not None:
        return field(default_factory=factory, metadata=metadata)
    return field(default=None, metadata=metadata, repr=not secret)


PRICES_EXPECTED = (
    'a table of model ids to prices, e.g. [prices] then "Qwen/Qwen3-8B" = { input = 0.5, output = 2 }'
)


def _price_number(model: str, name: str, value: object) -> float:
    if _is_number(value):
        number = float(value)  # type: ignore[arg-type]
        if math.isfinite(number) and number >= 0:
            return number
    raise BadValue(
        f"must be a number of at least 0 for {describe(model)} {name} (the price per million tokens), not "
        f"{describe(value)}"
    )


def prices_of(table: dict[str, Any]) -> dict[str, Price]:
    """``[prices]``: each model id's ``{ input = …, output = … }`` (per million tokens, numbers >= 0), checked
    one model at a time so that an error names the model and what is wrong with its price."""
    prices: dict[str, Price] = {}
    for model, entry in table.items():
        if not isinstance(entry, dict):
            raise BadValue(
                f"must be a table {{ input = …, output = … }} for {describe(model)}, not {describe(entry)}"
            )
        if set(entry) - {"input", "output"}:
            raise BadValue(
                f"must be a table of only input and output for {describe(model)}, not {describe(entry)}"
            )
        if not {"input", "output"} <= set(entry):
            raise BadValue(
                f"must be a table with both input and output for {describe(model)}, not {describe(entry)}"
            )
        prices[str(model).strip()] = Price(
            _price_number(model, "input", entry["input"]), _price_number(model, "output", entry["output"])
        )
    return prices


def is_http_url(text: str) -> bool:
    """Whether ``text`` is an http(s) URL with a host."""
    try:
        parts = urlsplit(text)
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. a malformed IPv6 host or port
        return False


def normalize_base_url(url: str) -> str:
    """Strip whitespace and trailing slashes; insist on an http(s) URL with a host (ValueError)."""
    text = url.strip().rstrip("/")
    if not is_http_url(text):
        raise ValueError(f"must be {URL_EXPECTED}, not {url!r}")
    return text


def unique_models(items: list[str]) -> list[str]:
    """Model ids stripped, without blanks and repeats, in their order."""
    result: list[str] = []
    for item in items:
        model = item.strip()
        if model and model not in result:
            result.append(model)
    return result


@dataclass
class Config:
    """What the config file holds. Every setting is optional; ``None`` means "not set in the file".

    The settings are written in this order (the ``prices`` and ``keymap`` tables last).
    """

    api_key: str | None = setting(TEXT, "a string", clean=str.strip, secret=True)
    region: str | None = setting(
        TEXT, f"one of {region_names()}", clean=lambda text: text.strip().lower(), valid=REGIONS.__contains__
    )
    base_url: str | None = setting(
        TEXT, URL_EXPECTED, clean=lambda text: text.strip().rstrip("/"), valid=is_http_url
    )
    model: str | None = setting(TEXT, "a model id", clean=str.strip)
    favourites: list[str] = setting(
        TEXT_LIST, "a list of strings (model ids)", convert=unique_models, factory=list
    )
    compare_models: list[str] = setting(
        TEXT_LIST, "a list of strings (model ids)", convert=unique_models, factory=list
    )
    system_prompt: str | None = setting(TEXT, "a string")
    temperature: float | None = setting(NUMBER, "a number between 0 and 2", valid=lambda x: 0.0 <= x <= 2.0)
    top_p: float | None = setting(
        NUMBER, "a number greater than 0 and at most 1", valid=lambda x: 0.0 < x <= 1.0
    )
    max_tokens: int | None = setting(WHOLE, "a positive whole number", valid=lambda n: n >= 1)
    enable_thinking: bool | None = setting(SWITCH, "true or false")
    thinking_budget: int | None = setting(
        WHOLE,
        f"a whole number from {THINKING_BUDGET_MIN} to {THINKING_BUDGET_MAX}",
        valid=lambda n: THINKING_BUDGET_MIN <= n <= THINKING_BUDGET_MAX,
    )
    idle_timeout: float | None = setting(
        NUMBER, "a positive number of seconds", valid=lambda x: math.isfinite(x) and x > 0
    )
    attachment_max_mb: float | None = setting(
        NUMBER, "a positive number of megabytes", valid=lambda x: math.isfinite(x) and x > 0
    )
    message_max_mb: float | None = setting(
        NUMBER, "a positive number of megabytes", valid=lambda x: math.isfinite(x) and x > 0
    )
    text_attachment_max_kb: int | None = setting(
        WHOLE, "a positive whole number of kilobytes", valid=lambda n: n >= 1
    )
    image_max_side: int | None = setting(
        WHOLE, "a whole number of pixels from 64 to 8192", valid=lambda n: 64 <= n <= 8192
    )
    image_turns: int | None = setting(WHOLE, "a whole number of turns, 0 or more", valid=lambda n: n >= 0)
    theme: str | None = setting(TEXT, "a string")
    transcript_dir: Path | None = setting(TEXT, "a folder path", convert=lambda text: Path(text).expanduser())
    currency: str | None = setting(
        TEXT,
        'a currency symbol of at most 8 characters, such as "$"',
        valid=lambda t: len(t) <= 8 and t.isprintable(),
    )
    # model id -> its price per million input and output tokens (SiliconFlow has no price endpoint)
    prices: dict[str, Price] = setting(TABLE, PRICES_EXPECTED, convert=prices_of, factory=dict)
    # binding id -> keys, for App.set_keymap
    keymap: dict[str, str] = setting(
        TEXT_TABLE,
        'a table of binding ids to keys, e.g. [keymap] then quit = "ctrl+q"',
        convert=lambda table: {str(k): v for k, v in table.items()},
        factory=dict,
    )
    path: Path | None = field(default=None, repr=False, compare=False)  # where it was loaded from


RULES: dict[str, Rule] = {f.name: f.metadata[RULE] for f in fields(Config) if RULE in f.metadata}
"""Each key siliconchat understands, with its rule, in the order they are written."""
CONFIG_KEYS: tuple[str, ...] = tuple(RULES)
