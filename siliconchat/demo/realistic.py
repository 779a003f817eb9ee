"""The realistic model ids (``Qwen/Qwen3-8B``, ``deepseek-ai/DeepSeek-R1`` …) and what they answer.

Each thinks as its real family does (always, on request, never) and answers with a canned Markdown text
(:mod:`.canned`) at the real service's pace. Embedding, reranker and image ids are listed but cannot chat.
"""

from __future__ import annotations

from typing import Literal

from siliconchat.demo.canned import fill, pick_canned
from siliconchat.demo.error_bodies import json_error
from siliconchat.demo.script import (
    REALISTIC,
    Builder,
    ChatRequest,
    ErrorReply,
    Model,
    Reply,
    Script,
    reason_then_answer,
    split_deltas,
)

ThinkingMode = Literal["always", "hybrid", "never"]


def realistic(mode: ThinkingMode, finish: str = "stop") -> Builder:
    """A builder for a real model id: reasoning (per ``mode``) then a canned Markdown answer."""

    def build(request: ChatRequest) -> Reply:
        canned = pick_canned(request.last_user)
        reasons = mode == "always" or (mode == "hybrid" and request.thinking)
        reasoning = split_deltas(fill(canned.reasoning, request.last_user)) if reasons else None
        answer = split_deltas(fill(canned.answer, request.last_user))
        return Script(reason_then_answer(reasoning, answer, finish), REALISTIC)

    return build


def not_chat(request: ChatRequest) -> Reply:
    """Embedding / reranker / image models are listed by /models but cannot chat."""
    return ErrorReply(400, json_error(20015, f"Model {request.model} does not support chat completions."))


ALWAYS_THINKING = (
    "deepseek-ai/DeepSeek-R1",
    "Qwen/QwQ-32B",
    "moonshotai/Kimi-K2-Thinking",
    "Pro/deepseek-ai/DeepSeek-R1",
)
HYBRID = (
    "Qwen/Qwen3-8B",
    "Qwen/Qwen3-14B",
    "Qwen/Qwen3-32B",
    "Qwen/Qwen3-30B-A3B",
    "Qwen/Qwen3-235B-A22B",
    "deepseek-ai/DeepSeek-V3.1",
    "deepseek-ai/DeepSeek-V3.2",
    "zai-org/GLM-4.6",
    "tencent/Hunyuan-A13B-Instruct",
    "Pro/deepseek-ai/DeepSeek-V3.1",
)
PLAIN = (
    "Qwen/Qwen2.5-7B-Instruct",
    "Qwen/Qwen2.5-72B-Instruct",
    "deepseek-ai/DeepSeek-V3",
    "moonshotai/Kimi-K2-Instruct",
    "Pro/Qwen/Qwen2.5-7B-Instruct",
    "Pro/deepseek-ai/DeepSeek-V3",
)
EOS_MODELS = ("THUDM/GLM-4-9B-0414",)  # a plain model whose answers end with finish_reason "eos"
NON_CHAT: tuple[tuple[str, str, str], ...] = (
    ("BAAI/bge-m3", "text", "embedding"),
    ("BAAI/bge-reranker-v2-m3", "text", "reranker"),
    ("Kwai-Kolors/Kolors", "image", "text-to-image"),
)

ROWS: tuple[Model, ...] = (
    *(Model(model_id, realistic("always")) for model_id in ALWAYS_THINKING),
    *(Model(model_id, realistic("hybrid"), hybrid=True) for model_id in HYBRID),
    *(Model(model_id, realistic("never")) for model_id in PLAIN),
    *(Model(model_id, realistic("never", finish="eos")) for model_id in EOS_MODELS),
    *(Model(model_id, not_chat, type=kind, sub_type=sub) for model_id, kind, sub in NON_CHAT),
)
"""The registry rows of these ids, in the order ``GET /models`` lists them."""
