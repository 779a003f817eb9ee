"""What we know about models: the account's list (cached) and, per family, how each one thinks.

SiliconFlow's ``/models`` gives ids only, so the client keeps a small table of families.
Sending ``enable_thinking`` to a model that does not take it is a 400 even with ``false``,
so it is sent only to models the table knows are hybrid, and a model the server says
rejects it is remembered (in the cache file) and never sent it again.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

from siliconchat.core.files import replace_atomically
from siliconchat.core.text import safe_text

CACHE_MAX_AGE = 24 * 3600.0
T = TypeVar("T")


class Thinking(str, Enum):
    HYBRID = "hybrid"  # thinks unless told ``enable_thinking: false``
    ALWAYS = "always"  # a reasoning model: always thinks, takes no switch
    NEVER = "never"  # plain, or unknown: never send ``enable_thinking``


def id_patterns(*patterns: str) -> tuple[re.Pattern[str], ...]:
    """Patterns of model ids (case does not matter), for :func:`id_matches`."""
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


def first_match(model: str, table: tuple[tuple[tuple[re.Pattern[str], ...], T], ...], default: T) -> T:
    """The value of the first row of ``table`` (patterns, value) one of whose patterns matches ``model``
    without its ``Pro/`` prefix; ``default`` when none does."""
    name = base_id(model)
    return next((value for patterns, value in table if any(p.search(name) for p in patterns)), default)


# Matched against the id without its ``Pro/`` prefix. Instruct/Thinking-2507 Qwen3 releases are
# not hybrid, so the Qwen3 pattern names the hybrid sizes exactly.
_HYBRID = id_patterns(
    r"^qwen/qwen3-(0\.6b|1\.7b|4b|8b|14b|32b|30b-a3b|235b-a22b)$",
    r"^deepseek-ai/deepseek-v3\.[12](-terminus|-exp)?$",
    r"^deepseek-ai/deepseek-v4",
    r"^zai-org/glm-(4\.5|4\.6|4\.7|5)(-air)?$",
    r"^tencent/hunyuan-a13b-instruct$",
)
_ALWAYS = id_patterns(
    r"deepseek-r1",
    r"/qwq-",
    r"-thinking",
    r"glm-z1",
    r"^thudm/glm-4\.1v-9b-thinking$",
)


def base_id(model: str) -> str:
    """The id without the ``Pro/`` prefix of paid variants."""
    return model[4:] if model.startswith("Pro/") else model


def thinking_of(model: str) -> Thinking:
    return first_match(model, ((_HYBRID, Thinking.HYBRID), (_ALWAYS, Thinking.ALWAYS)), Thinking.NEVER)


@dataclass(frozen=True)
class CachedModels:
    ids: list[str]
    fetched_at: float

    @property
    def age(self) -> float:
        return max(0.0, time.time() - self.fetched_at)

    @property
    def fresh(self) -> bool:
        return self.age < CACHE_MAX_AGE


class ModelCatalogue:
    """The model list per base URL and the models found to reject ``enable_thinking``.

    Backed by one JSON file in the user cache folder. A missing or corrupt cache is
    simply empty: it is a cache, and the next fetch rewrites it.
    """

    def __init__(self, cache_file: Path | None) -> None:
        self.cache_file = cache_file
        self._data: dict[str, Any] = self._read()

    def _read(self) -> dict[str, Any]:
        if self.cache_file is None:
            return {}
        try:
            data = json.loads(self.cache_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write(self) -> None:
        if self.cache_file is None:
            return
        # A cache that cannot be written only costs a refetch next time.
        with contextlib.suppress(OSError):
            self.cache_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            replace_atomically(self.cache_file, json.dumps(self._data).encode("utf-8"))

    def cached(self, base_url: str) -> CachedModels | None:
        entry = self._data.get("lists", {}).get(base_url)
        if not isinstance(entry, dict):
            return None
        ids, fetched_at = entry.get("ids"), entry.get("fetched_at")
        if not isinstance(ids, list) or not isinstance(fetched_at, (int, float)):
            return None
        # The file is JSON, which can escape a lone surrogate ("\\ud800"): ids are made safe as they are read.
        return CachedModels([safe_text(str(i)) for i in ids], float(fetched_at))

    def store(self, base_url: str, ids: list[str]) -> None:
        self._data.setdefault("lists", {})[base_url] = {"ids": list(ids), "fetched_at": time.time()}
        self._write()

    def accepts_thinking_switch(self, model: str) -> bool:
        """True when ``enable_thinking``/``thinking_budget`` may be sent to ``model``."""
        return thinking_of(model) is Thinking.HYBRID and model not in self._data.get("rejects_thinking", [])

    def mark_rejects_thinking(self, model: str) -> None:
        rejects = self._data.setdefault("rejects_thinking", [])
        if model not in rejects:
            rejects.append(model)
            self._write()
