"""The family table decides who may be sent enable_thinking; the cache remembers what it learns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from siliconchat.core.models import ModelCatalogue, Thinking, thinking_of


@pytest.mark.parametrize(
    ("model", "kind"),
    [
        ("Qwen/Qwen3-8B", Thinking.HYBRID),
        ("Pro/Qwen/Qwen3-8B", Thinking.HYBRID),
        ("Qwen/Qwen3-235B-A22B", Thinking.HYBRID),
        ("Qwen/Qwen3-235B-A22B-Instruct-2507", Thinking.NEVER),
        ("Qwen/Qwen3-235B-A22B-Thinking-2507", Thinking.ALWAYS),
        ("deepseek-ai/DeepSeek-V3.1", Thinking.HYBRID),
        ("deepseek-ai/DeepSeek-V3", Thinking.NEVER),
        ("deepseek-ai/DeepSeek-R1", Thinking.ALWAYS),
        ("Pro/deepseek-ai/DeepSeek-R1", Thinking.ALWAYS),
        ("Qwen/QwQ-32B", Thinking.ALWAYS),
        ("zai-org/GLM-4.6", Thinking.HYBRID),
        ("tencent/Hunyuan-A13B-Instruct", Thinking.HYBRID),
        ("Qwen/Qwen2.5-7B-Instruct", Thinking.NEVER),
        ("someone/brand-new-model", Thinking.NEVER),
    ],
)
def test_families(model: str, kind: Thinking) -> None:
    assert thinking_of(model) is kind


def test_only_hybrid_models_accept_the_switch(tmp_path: Path) -> None:
    catalogue = ModelCatalogue(tmp_path / "models.json")
    assert catalogue.accepts_thinking_switch("Qwen/Qwen3-8B")
    assert not catalogue.accepts_thinking_switch("deepseek-ai/DeepSeek-R1")
    assert not catalogue.accepts_thinking_switch("unknown/model")


def test_a_rejection_is_remembered_across_runs(tmp_path: Path) -> None:
    cache = tmp_path / "cache" / "models.json"
    ModelCatalogue(cache).mark_rejects_thinking("Qwen/Qwen3-14B")
    assert not ModelCatalogue(cache).accepts_thinking_switch("Qwen/Qwen3-14B")
    assert ModelCatalogue(cache).accepts_thinking_switch("Qwen/Qwen3-8B")


def test_model_list_is_cached_per_base_url(tmp_path: Path) -> None:
    cache = tmp_path / "models.json"
    ModelCatalogue(cache).store("http://a/v1", ["x/one", "x/two"])
    cached = ModelCatalogue(cache).cached("http://a/v1")
    assert cached is not None and cached.ids == ["x/one", "x/two"] and cached.fresh
    assert ModelCatalogue(cache).cached("http://b/v1") is None


def test_corrupt_cache_is_treated_as_empty(tmp_path: Path) -> None:
    cache = tmp_path / "models.json"
    cache.write_text("{not json", encoding="utf-8")
    catalogue = ModelCatalogue(cache)
    assert catalogue.cached("http://a/v1") is None
    catalogue.store("http://a/v1", ["m"])
    assert json.loads(cache.read_text(encoding="utf-8"))["lists"]["http://a/v1"]["ids"] == ["m"]
