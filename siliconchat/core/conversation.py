"""Messages, conversations and model parameters, and the request built from them.

A conversation is a tree: every message has a parent (None for a first prompt), regenerating adds a sibling
answer and editing a prompt adds a sibling prompt; nothing is overwritten. :attr:`Conversation.tree` holds
every message; :attr:`Conversation.messages` is the active path, the one shown and sent. The path follows,
from the root down, the child chosen most recently (:attr:`Message.chosen_at`), so switching a message to a
sibling brings back the branch last used under it (branch operations: :mod:`siliconchat.core.branches`).

Reasoning is kept on each assistant message but never sent back to the API:
the request carries only ``role`` and ``content``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from siliconchat.core.attachments import Attachment

Role = Literal["system", "user", "assistant"]

CUT_OFF_MARK = "\n\n[This answer was cut off here.]"
"""Follows a cut-off answer's text in later requests (never on screen, in the history or in transcripts)."""

IMAGE_TURNS = 3
"""Images go with this many of the latest user turns of a request (``AttachmentLimits.image_turns``)."""

THINKING_BUDGET_MIN = 128
THINKING_BUDGET_MAX = 32768


class MessageState(str, Enum):
    """How an assistant message ended (user messages are always complete)."""

    STREAMING = "streaming"
    COMPLETE = "complete"
    STOPPED = "stopped"  # the user pressed Escape / Ctrl+C
    INCOMPLETE = "incomplete"  # the stream broke off or stalled
    FAILED = "failed"  # the request failed before or during the answer


@dataclass
class Usage:
    """Token counts. SiliconFlow sends a running total on every chunk: keep the last."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    total_tokens: int = 0

    @property
    def answer_tokens(self) -> int:
        return max(0, self.completion_tokens - self.reasoning_tokens)

    def to_dict(self) -> dict[str, int]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "reasoning_tokens": self.reasoning_tokens,
            "total_tokens": self.total_tokens,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Usage | None:
        if not data:
            return None
        return cls(
            prompt_tokens=int(data.get("prompt_tokens") or 0),
            completion_tokens=int(data.get("completion_tokens") or 0),
            reasoning_tokens=int(data.get("reasoning_tokens") or 0),
            total_tokens=int(data.get("total_tokens") or 0),
        )


@dataclass
class Timings:
    """Seconds measured on the client, relative to the moment the request was sent."""

    first_token: float | None = None  # first reasoning or answer text
    reasoning: float | None = None  # time spent thinking (first reasoning .. first answer)
    total: float | None = None

    def to_dict(self) -> dict[str, float | None]:
        return {"first_token": self.first_token, "reasoning": self.reasoning, "total": self.total}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Timings:
        data = data or {}
        return cls(
            first_token=data.get("first_token"), reasoning=data.get("reasoning"), total=data.get("total")
        )


@dataclass
class ModelParams:
    """Sampling and thinking parameters; ``None`` means "leave it to the server"."""

    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    enable_thinking: bool | None = None
    thinking_budget: int | None = None

    def __post_init__(self) -> None:
        if self.thinking_budget is not None and not (
            THINKING_BUDGET_MIN <= self.thinking_budget <= THINKING_BUDGET_MAX
        ):
            raise ValueError(
                f"thinking_budget must be between {THINKING_BUDGET_MIN} and {THINKING_BUDGET_MAX}, "
                f"not {self.thinking_budget}"
            )
        if self.temperature is not None and not (0.0 <= self.temperature <= 2.0):
            raise ValueError(f"temperature must be between 0 and 2, not {self.temperature}")
        if self.top_p is not None and not (0.0 < self.top_p <= 1.0):
            raise ValueError(f"top_p must be greater than 0 and at most 1, not {self.top_p}")
        if self.max_tokens is not None and self.max_tokens < 1:
            raise ValueError(f"max_tokens must be positive, not {self.max_tokens}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "temperature": self.temperature,
            "top_p": self.top_p,
            "max_tokens": self.max_tokens,
            "enable_thinking": self.enable_thinking,
            "thinking_budget": self.thinking_budget,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ModelParams:
        data = data or {}
        return cls(**{k: data.get(k) for k in cls().to_dict()})

    def merged(self, **changes: Any) -> ModelParams:
        return replace(self, **changes)


@dataclass
class Message:
    role: Role
    content: str = ""
    reasoning: str = ""
    model: str | None = None
    usage: Usage | None = None
    timings: Timings = field(default_factory=Timings)
    finish_reason: str | None = None
    error: str | None = None
    state: MessageState = MessageState.COMPLETE
    created_at: float = field(default_factory=time.time)
    id: int | None = None  # the history store's row id, once saved
    attachments: list[Attachment] = field(default_factory=list)
    """A user message's files and images, as sent (see :mod:`siliconchat.core.attachments`)."""
    parent: Message | None = field(default=None, repr=False, compare=False)
    """The message this one follows (None: a first prompt)."""
    chosen_at: float = 0.0
    """When this message was last put on the active path (0: when it was written)."""

    def __post_init__(self) -> None:
        if not self.chosen_at:
            self.chosen_at = self.created_at

    @property
    def is_partial(self) -> bool:
        return self.state in (MessageState.STOPPED, MessageState.INCOMPLETE, MessageState.FAILED)


@dataclass
class Conversation:
    title: str = ""
    system_prompt: str | None = None
    params: ModelParams = field(default_factory=ModelParams)
    messages: list[Message] = field(default_factory=list)
    """The active path: what is shown and what the next request is made of."""
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)
    id: int | None = None
    tree: list[Message] = field(default_factory=list)
    """Every message, on the active path or not, in the order they were written."""

    def __post_init__(self) -> None:
        if self.tree and not self.messages:
            self.messages = active_path(self.tree)
            return
        previous: Message | None = None
        for message in self.messages:  # a linear conversation: each message follows the one before
            if message.parent is None and previous is not None:
                message.parent = previous
            previous = message
        known = {id(m) for m in self.tree}
        self.tree.extend(m for m in self.messages if id(m) not in known)

    def adopt(self) -> None:
        """Messages put on the active path directly (``conversation.messages.append(m)``) join the tree, each
        after the message before it on the path, so that saving them does not leave them out."""
        known = {id(m) for m in self.tree}
        previous: Message | None = None
        for message in self.messages:
            if id(message) not in known:
                if message.parent is None and previous is not None:
                    message.parent = previous
                self.tree.append(message)
                known.add(id(message))
            previous = message

    def append(self, message: Message) -> Message:
        """Add ``message`` after the active path's last message (to the path and the tree)."""
        message.parent = self.messages[-1] if self.messages else None
        self.messages.append(message)
        self.tree.append(message)
        self.updated_at = message.created_at
        return message

    def add_user(self, text: str, attachments: list[Attachment] | None = None) -> Message:
        """A new prompt after the active path's last message."""
        return self.append(Message(role="user", content=text, attachments=list(attachments or ())))

    def add_assistant(self, model: str) -> Message:
        """A new answer after the active path's last message."""
        return self.append(Message(role="assistant", model=model, state=MessageState.STREAMING))

    def last(self, role: Role) -> Message | None:
        for message in reversed(self.messages):
            if message.role == role:
                return message
        return None

    def request_messages(self, image_turns: int = IMAGE_TURNS) -> list[dict[str, Any]]:
        """The ``messages`` of the next request, made of the active path: role and content only, never
        reasoning.

        A user message's attachments go with it (:func:`~siliconchat.core.attachments.user_content`): its
        text files always, its images only in the last ``image_turns`` user turns (older ones leave a line
        saying an image was sent).

        A failed attempt (a prompt whose request failed, and its failed answer) is left out: the history
        keeps it, but the prompt was sent again or another one instead. Failed answers and empty partial
        answers are left out too: they are not something the model said, and sending them would only confuse
        the next turn. An answer that was cut off (stopped, or the stream broke) goes with
        :data:`CUT_OFF_MARK` after it, so that the model knows it ended there.
        """
        out: list[dict[str, Any]] = []
        if self.system_prompt:
            out.append({"role": "system", "content": self.system_prompt})
        messages = self.messages
        users = [m for m in messages if m.role == "user"]
        with_images = {id(m) for m in users[-image_turns:]} if image_turns > 0 else set()
        for at, message in enumerate(messages):
            content: str | list[dict[str, Any]] = message.content
            if message.role == "user" and at + 1 < len(messages) and is_failed_attempt(messages[at + 1]):
                continue
            if message.attachments:
                from siliconchat.core.attachments import user_content

                content = user_content(
                    message.content, message.attachments, images=id(message) in with_images
                )
            elif message.role == "assistant":
                if message.state in (MessageState.FAILED, MessageState.STREAMING) or not content:
                    continue
                if message.state in (MessageState.STOPPED, MessageState.INCOMPLETE):
                    content = f"{message.content}{CUT_OFF_MARK}"
            out.append({"role": message.role, "content": content})
        return out


def is_failed_attempt(message: Message) -> bool:
    """An answer whose request failed outright: its prompt is left out of later requests, and it is no
    branch of its own (it is not counted among its siblings)."""
    return message.role == "assistant" and message.state is MessageState.FAILED


def children_of(tree: Iterable[Message]) -> dict[int | None, list[Message]]:
    """Each message's children (by ``id()`` of the parent; None: the first prompts), in the order written."""
    children: dict[int | None, list[Message]] = {}
    for message in tree:
        parent = message.parent
        children.setdefault(None if parent is None else id(parent), []).append(message)
    return children


def _latest(messages: Sequence[Message]) -> Message:
    best = messages[0]
    for message in messages[1:]:
        if message.chosen_at >= best.chosen_at:  # a tie: the one written later
            best = message
    return best


def active_path(
    tree: Sequence[Message],
    start: Message | None = None,
    children: Mapping[int | None, list[Message]] | None = None,
) -> list[Message]:
    """The path through ``tree`` that follows the most recently chosen child at each step: from the root, or
    (with ``start``) from ``start`` down. ``children``: :func:`children_of` the tree, when the caller has it
    (following many paths through one tree)."""
    if children is None:
        children = children_of(tree)
    path: list[Message] = []
    if start is None:
        roots = children.get(None)
        if not roots:
            return path
        start = _latest(roots)
    node: Message | None = start
    while node is not None:
        path.append(node)
        below = children.get(id(node))
        node = _latest(below) if below else None
    return path
