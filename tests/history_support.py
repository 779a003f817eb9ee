"""Conversations for the history and transcript tests: one with every field set, and a form to compare."""

from __future__ import annotations

import dataclasses

from siliconchat.core.conversation import Conversation, Message, MessageState, ModelParams, Timings, Usage


def full_conversation() -> Conversation:
    """Every field set, with text that is hard to store: NUL, escapes, emoji, CJK, markup."""
    conv = Conversation(
        title="",
        system_prompt="Be terse.\nNever use [bold]markup[/].",
        params=ModelParams(
            temperature=0.7, top_p=0.9, max_tokens=4096, enable_thinking=True, thinking_budget=2048
        ),
        created_at=1_700_000_000.25,
        updated_at=1_700_000_100.5,
    )
    conv.add_user("Why is the sky blue? \x1b]0;pwned\x07 天空 🌈\x00 [/]")
    conv.messages[-1].created_at = 1_700_000_001.125
    answer = Message(
        role="assistant",
        content="## Rayleigh\n\nShort waves scatter more.\r\n\x1b[31mred\x1b[0m",
        reasoning="Let me think… about λ⁻⁴.",
        model="deepseek-ai/DeepSeek-R1",
        usage=Usage(prompt_tokens=12, completion_tokens=300, reasoning_tokens=200, total_tokens=312),
        timings=Timings(first_token=0.4, reasoning=3.25, total=7.5),
        finish_reason="stop",
        error=None,
        state=MessageState.COMPLETE,
        created_at=1_700_000_002.0,
    )
    stopped = Message(
        role="assistant",
        content="partial",
        reasoning="",
        model="Qwen/Qwen3-8B",
        usage=None,
        timings=Timings(first_token=0.1, reasoning=None, total=1.0),
        finish_reason=None,
        error="Stopped by the user.",
        state=MessageState.STOPPED,
        created_at=1_700_000_003.0,
    )
    conv.append(answer)
    conv.add_user("and at sunset?").created_at = 1_700_000_004.0
    conv.append(stopped)
    conv.updated_at = 1_700_000_100.5
    return conv


def comparable(conv: Conversation) -> dict[str, object]:
    """Every field but the ids; the tree as each message's parent (its index in the tree)."""
    plain = dataclasses.replace(conv, messages=[], tree=[])
    data = dataclasses.asdict(plain)
    data["id"] = None
    at = {id(m): i for i, m in enumerate(conv.tree)}

    def fields(message: Message) -> dict[str, object]:
        parent = message.parent
        values = {f.name: getattr(message, f.name) for f in dataclasses.fields(message)}
        return {**values, "id": None, "parent": None if parent is None else at[id(parent)]}

    data["messages"] = [fields(m) for m in conv.messages]
    data["tree"] = [fields(m) for m in conv.tree]
    return data
