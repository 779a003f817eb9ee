"""The settings one run uses, resolved from flags, environment, config file and defaults, in that order.

Precedence: command-line flags > environment (``SILICONFLOW_API_KEY``, ``SILICONFLOW_BASE_URL``,
``SILICONCHAT_MODEL``) > config file > defaults.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from siliconchat import paths
from siliconchat.config import defaults
from siliconchat.config.file import load_config
from siliconchat.config.schema import Config, normalize_base_url
from siliconchat.core.attachments import KB, MB, AttachmentLimits
from siliconchat.core.conversation import ModelParams
from siliconchat.core.costs import CURRENCY, Price
from siliconchat.core.sanitize import strip_userinfo
from siliconchat.core.text import safe_text


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
    compare_models: tuple[str, ...] = ()  # the last comparison's models
    demo: bool = False
    api_key_source: str | None = None  # "flag" | "env" | "config" | "demo"
    config_path: Path | None = field(default=None, compare=False)
    url_credentials_ignored: bool = False  # the base URL came with a user:password@, left out of base_url
    attachments: AttachmentLimits = field(default_factory=AttachmentLimits)
    prices: Mapping[str, Price] = field(default_factory=dict)  # model id -> price per million tokens
    currency: str = CURRENCY  # written before a cost

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
            f'Set the {defaults.API_KEY_ENV} environment variable or add api_key = "sk-…" to {config_path} '
            f"(create a key at https://{site}/account/ak)."
        )

    @property
    def api_key_origin(self) -> str:
        """Where the key came from, for messages: "the key from SILICONFLOW_API_KEY" and so on."""
        if self.api_key_source == "env":
            return f"the key from {defaults.API_KEY_ENV}"
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
    if key not in defaults.REGIONS:
        raise ValueError(f"unknown region {name!r} ({origin}): choose one of {defaults.region_names()}")
    return defaults.REGIONS[key]


def _region_of(base_url: str) -> str | None:
    for name, url in defaults.REGIONS.items():
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
        # A path: its bytes as they are.
        config_override = (env.get(defaults.CONFIG_ENV) or "").strip() or None
        config = load_config(Path(config_override).expanduser() if config_override else paths.config_file())

    # API key
    key: str | None = None
    source: str | None = None
    for candidate, origin in (
        (api_key, "flag"),
        (env.get(defaults.API_KEY_ENV), "env"),
        (config.api_key, "config"),
    ):
        if (cleaned := _clean(candidate)) is not None:
            key, source = cleaned, origin
            break

    # Base URL
    url: str
    if (flag_url := _clean(base_url)) is not None:
        url = _checked_url(flag_url, "--base-url")
    elif (flag_region := _clean(region)) is not None:
        url = _region_url(flag_region, "--region")
    elif (env_url := _clean(env.get(defaults.BASE_URL_ENV))) is not None:
        url = _checked_url(env_url, defaults.BASE_URL_ENV)
    elif (config_url := _clean(config.base_url)) is not None:
        url = _checked_url(config_url, f"base_url in {config.path or 'the config file'}")
    elif (config_region := _clean(config.region)) is not None:
        url = _region_url(config_region, f"region in {config.path or 'the config file'}")
    else:
        url = defaults.REGIONS[defaults.DEFAULT_REGION]

    shown_url = strip_userinfo(url)  # see Settings.url_credentials_note
    chosen_model = (
        _clean(model) or _clean(env.get(defaults.MODEL_ENV)) or _clean(config.model) or defaults.DEFAULT_MODEL
    )
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
    idle_timeout = config.idle_timeout if config.idle_timeout is not None else defaults.DEFAULT_IDLE_TIMEOUT
    return Settings(
        api_key=key,
        base_url=shown_url,
        region=_region_of(shown_url),
        model=chosen_model,
        system_prompt=prompt,
        params=params,
        idle_timeout=idle_timeout,
        favourites=tuple(config.favourites),
        compare_models=tuple(config.compare_models),
        api_key_source=source,
        config_path=config.path,
        url_credentials_ignored=shown_url != url,
        attachments=attachment_limits(config),
        prices=dict(config.prices),
        currency=config.currency if config.currency is not None else CURRENCY,
    )


def attachment_limits(config: Config) -> AttachmentLimits:
    """The limits on attachments: the config's, where it sets them, else the defaults."""
    limits = AttachmentLimits()
    changes: dict[str, int] = {}
    if config.attachment_max_mb is not None:
        changes["file_bytes"] = int(config.attachment_max_mb * MB)
    if config.message_max_mb is not None:
        changes["message_bytes"] = int(config.message_max_mb * MB)
    if config.text_attachment_max_kb is not None:
        changes["text_bytes"] = config.text_attachment_max_kb * KB
    if config.image_max_side is not None:
        changes["image_side"] = config.image_max_side
    if config.image_turns is not None:
        changes["image_turns"] = config.image_turns
    return dataclasses.replace(limits, **changes)


def _checked_url(url: str, origin: str) -> str:
    try:
        return normalize_base_url(url)
    except ValueError as exc:
        raise ValueError(f"{origin} {exc}") from None
