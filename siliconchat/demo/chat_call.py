"""A ``POST /chat/completions`` checked the way SiliconFlow checks it, and the limits it sets on a script.

:func:`validate_chat` answers a bad request with SiliconFlow's status, code and message, in the same order
of checks; a good one becomes a :class:`ChatCall`. :func:`limit_events` applies ``max_tokens`` and
``thinking_budget`` to the events a scenario scripted.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from siliconchat.demo import scenarios
from siliconchat.demo.error_bodies import MODEL_NOT_FOUND, json_error
from siliconchat.demo.script import DONE, ChatRequest, Chunk, ErrorReply, Event, Model
from siliconchat.demo.vision import image_problem

THINKING_BUDGET_MIN = 128
THINKING_BUDGET_MAX = 32768


@dataclass(frozen=True)
class ChatCall:
    """A validated ``POST /chat/completions``."""

    model: Model
    request: ChatRequest
    stream: bool
    max_tokens: int | None
    thinking_budget: int | None
    prompt_tokens: int


def _bad_parameter(message: str) -> ErrorReply:
    return ErrorReply(400, json_error(20015, message))


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def message_text(content: object) -> str:
    """The text of a message ``content``: a string, or the text parts of a list of parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(part.get("text", ""))
            for part in content
            if isinstance(part, dict) and part.get("type") == "text"
        )
    return ""


def prompt_tokens(messages: list[dict[str, Any]]) -> int:
    """A rough token count of the prompt: its words plus a few tokens of framing per message."""
    return sum(len(message_text(m.get("content")).split()) + 4 for m in messages)


def validate_chat(body: Any, reject_thinking: frozenset[str]) -> ChatCall | ErrorReply:
    """Check a chat request the way SiliconFlow does, in the same order and with the same codes."""
    if not isinstance(body, dict):
        return _bad_parameter("Invalid request body: expected a JSON object.")
    model_id = body.get("model")
    model = scenarios.find_model(model_id) if isinstance(model_id, str) else None
    if model is None:
        return ErrorReply(400, MODEL_NOT_FOUND)
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages or not all(isinstance(m, dict) for m in messages):
        return _bad_parameter("Value error, messages must be a non-empty list of message objects.")
    if any("reasoning_content" in m for m in messages):
        return _bad_parameter("Value error, reasoning_content is not allowed in input messages.")
    if "enable_thinking" in body and (not model.hybrid or model.id in reject_thinking):
        return _bad_parameter("Value error, enable_thinking is not supported by this model.")
    budget = body.get("thinking_budget")
    if budget is not None and not (_is_int(budget) and THINKING_BUDGET_MIN <= budget <= THINKING_BUDGET_MAX):
        return _bad_parameter(
            f"Value error, thinking_budget must be an integer between {THINKING_BUDGET_MIN} "
            f"and {THINKING_BUDGET_MAX}."
        )
    max_tokens = body.get("max_tokens")
    if max_tokens is not None and not (_is_int(max_tokens) and max_tokens >= 1):
        return _bad_parameter("Value error, max_tokens must be a positive integer.")
    images = image_problem(model, messages)
    if isinstance(images, ErrorReply):
        return images
    users = [m for m in messages if m.get("role") == "user"]
    last_user = message_text(users[-1].get("content")) if users else ""
    return ChatCall(
        model=model,
        request=ChatRequest(
            model.id, last_user, thinking=body.get("enable_thinking") is not False, images=images
        ),
        stream=body.get("stream") is True,
        max_tokens=max_tokens,
        thinking_budget=budget,
        prompt_tokens=prompt_tokens(messages),
    )


def limit_events(events: Iterable[Event], max_tokens: int | None, budget: int | None) -> Iterator[Event]:
    """Apply ``thinking_budget`` (drop reasoning deltas past it) and ``max_tokens`` to a script.

    ``max_tokens`` counts answer deltas only, as SiliconFlow does for reasoning models: the delta that would
    exceed it is replaced by the end of the answer with ``finish_reason: "length"``.
    """
    if max_tokens is None and budget is None:
        yield from events
        return
    reasoned = answered = 0
    for event in events:
        if isinstance(event, Chunk):
            if event.reasoning:
                if budget is not None and reasoned >= budget:
                    continue
                reasoned += 1
            elif event.content:
                if max_tokens is not None and answered >= max_tokens:
                    yield Chunk(content="", finish_reason="length")
                    yield DONE
                    return
                answered += 1
        yield event
