"""The presets a run falls back on: SiliconFlow's regions, the default model and idle timeout, and the names
of the environment variables that override the config file."""

from __future__ import annotations

from siliconchat import paths

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


def region_names() -> str:
    """``"ap, global, cn"``: the names a region may have, for messages."""
    return ", ".join(REGIONS)
