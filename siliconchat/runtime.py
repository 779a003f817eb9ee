"""Wiring shared by the CLI and the TUI: settings for a run, the API client, the demo server."""

from __future__ import annotations

import dataclasses
import os
from typing import TYPE_CHECKING

from siliconchat import paths
from siliconchat.config import Config, Settings, resolve_settings
from siliconchat.core.models import ModelCatalogue

if TYPE_CHECKING:
    from siliconchat.core.api import ChatClient
    from siliconchat.demo.on_demand import OnDemandDemoServer
    from siliconchat.demo.server import DemoServer


def start_demo_server() -> OnDemandDemoServer:
    """The built-in SiliconFlow-compatible server, on a free loopback port, in a background thread.

    Its address is known at once; the server itself starts when the first request comes (see on_demand.py)."""
    from siliconchat.demo.on_demand import OnDemandDemoServer

    return OnDemandDemoServer()


def demo_settings(
    config: Config, server: OnDemandDemoServer | DemoServer, *, model: str | None, system_prompt: str | None
) -> Settings:
    """Settings that point at the demo server whatever the environment says (no real key is used)."""
    from siliconchat.demo.on_demand import DEMO_API_KEY

    settings = resolve_settings(
        config=config,
        env={},
        model=model,
        base_url=server.base_url,
        system_prompt=system_prompt,
        api_key=DEMO_API_KEY,
    )
    return dataclasses.replace(settings, demo=True, api_key_source="demo")


def model_catalogue() -> ModelCatalogue:
    return ModelCatalogue(paths.cache_dir() / "models.json")


def make_client(settings: Settings, catalogue: ModelCatalogue | None = None) -> ChatClient:
    # Imported here, not with this module: the TUI makes its client after its first frame.
    from siliconchat.core.api import ChatClient

    if not settings.api_key:
        raise ValueError("no API key")
    from siliconchat.core.retry import BUDGET_VARIABLE, DEFAULT_BUDGET, parse_budget

    budget = parse_budget(os.environ.get(BUDGET_VARIABLE))
    return ChatClient(
        budget=budget if budget is not None else DEFAULT_BUDGET,
        base_url=settings.base_url,
        api_key=settings.api_key,
        region=settings.region,
        idle_timeout=settings.idle_timeout,
        max_retries=settings.max_retries,
        catalogue=catalogue if catalogue is not None else model_catalogue(),
    )
