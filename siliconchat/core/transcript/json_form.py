"""A conversation as JSON, to keep or import back.

The JSON holds every field the history stores, with ``"format": "siliconchat.transcript"`` and a
``"version"``; times are Unix seconds (floats round-trip exactly). ``"messages"`` is the whole tree, in the
order written: each message's ``"parent"`` is the index of its parent in that list (null for a first prompt)
and ``"chosen"`` when it was last put on the active path, which is therefore the same after an import. A
version 1 transcript (before trees) is one linear path. :func:`import_json` validates everything
and raises :class:`TranscriptError` with the path of the bad field. Its texts go through
:func:`~siliconchat.core.text.safe_text`: a lone surrogate escaped in the JSON becomes U+FFFD. A message's
attachments are embedded whole (``"data"`` in base64, with its ``"sha256"``), so that an import gives back
exactly what was sent.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Mapping
from typing import Any, Final

from siliconchat import __version__
from siliconchat.core.attachments import Attachment
from siliconchat.core.conversation import (
    Conversation,
    Message,
    MessageState,
    ModelParams,
    Role,
    Timings,
    Usage,
)
from siliconchat.core.text import safe_text

FORMAT: Final = "siliconchat.transcript"
VERSION: Final = 2
_ROLES: Final[dict[str, Role]] = {"system": "system", "user": "user", "assistant": "assistant"}


class TranscriptError(Exception):
    """A transcript cannot be read (malformed JSON, wrong format or version, a bad field) or written."""


def _finite(value: float | None) -> float | None:
    return value if value is None or math.isfinite(value) else None


def _attachment_dict(attachment: Attachment) -> dict[str, Any]:
    return {
        "name": attachment.name,
        "media_type": attachment.media_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "width": attachment.width,
        "height": attachment.height,
        "note": attachment.note,
        "data": base64.b64encode(attachment.data).decode("ascii"),
    }


def _message_dict(message: Message, parent: int | None) -> dict[str, Any]:
    timings = message.timings
    extra = {"attachments": [_attachment_dict(a) for a in message.attachments]} if message.attachments else {}
    return {
        "id": message.id,
        "parent": parent,
        "role": message.role,
        "content": message.content,
        "reasoning": message.reasoning,
        "model": message.model,
        "usage": message.usage.to_dict() if message.usage is not None else None,
        "timings": {
            "first_token": _finite(timings.first_token),
            "reasoning": _finite(timings.reasoning),
            "total": _finite(timings.total),
        },
        "finish_reason": message.finish_reason,
        "error": message.error,
        "state": message.state.value,
        "created": message.created_at,
        "chosen": _finite(message.chosen_at),
        **extra,
    }


def to_dict(conversation: Conversation) -> dict[str, Any]:
    """The JSON transcript as a dict."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "generator": f"siliconchat {__version__}",
        "conversation": {
            "id": conversation.id,
            "title": conversation.title,
            "created": conversation.created_at,
            "updated": conversation.updated_at,
            "system_prompt": conversation.system_prompt,
            "params": conversation.params.to_dict(),
        },
        "messages": _tree_dicts(conversation),
    }


def _tree_dicts(conversation: Conversation) -> list[dict[str, Any]]:
    at: dict[int, int] = {}
    out = []
    for index, message in enumerate(conversation.tree):
        parent = message.parent
        out.append(_message_dict(message, None if parent is None else at.get(id(parent))))
        at[id(message)] = index
    return out


def to_json(conversation: Conversation) -> str:
    """The JSON transcript: UTF-8 text (not ASCII-escaped), indented, ending with a newline."""
    return json.dumps(to_dict(conversation), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


class _Reader:
    """Typed access to one JSON object, with errors that say where."""

    def __init__(self, data: object, where: str) -> None:
        if not isinstance(data, dict):
            raise TranscriptError(f"{where} must be an object, not {_kind(data)}")
        self.data: dict[str, Any] = data
        self.where = where

    def _get(self, key: str, required: bool) -> Any:
        if key not in self.data:
            if required:
                raise TranscriptError(f"{self.where}.{key} is missing")
            return None
        return self.data[key]

    def _bad(self, key: str, expected: str, value: object) -> TranscriptError:
        return TranscriptError(f"{self.where}.{key} must be {expected}, not {_kind(value)}")

    def text(self, key: str, *, required: bool = True) -> str | None:
        value = self._get(key, required)
        if value is None and not required:
            return None
        if not isinstance(value, str):
            raise self._bad(key, "a string", value)
        return safe_text(value)  # JSON can escape a lone surrogate ("\\ud800"); UTF-8 cannot hold one

    def number(self, key: str, *, required: bool = True) -> float | None:
        value = self._get(key, required)
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise self._bad(key, "a number", value)
        return float(value)

    def object(self, key: str, *, required: bool = True) -> _Reader | None:
        value = self._get(key, required)
        if value is None and not required:
            return None
        return _Reader(value, f"{self.where}.{key}")


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _read_usage(reader: _Reader | None) -> Usage | None:
    if reader is None:
        return None
    keys = ("prompt_tokens", "completion_tokens", "reasoning_tokens", "total_tokens")
    return Usage(**{key: _read_whole(reader, key) or 0 for key in keys})


def _read_timings(reader: _Reader | None) -> Timings:
    if reader is None:
        return Timings()
    return Timings(
        first_token=reader.number("first_token", required=False),
        reasoning=reader.number("reasoning", required=False),
        total=reader.number("total", required=False),
    )


def _read_params(reader: _Reader) -> ModelParams:
    known = ModelParams().to_dict()
    for key in reader.data:
        if key not in known:
            raise TranscriptError(f"{reader.where}.{key} is not a known parameter")
    values: dict[str, Any] = {}
    for key, value in reader.data.items():
        if value is None:
            continue
        if key == "enable_thinking":
            ok = isinstance(value, bool)
        elif key in ("max_tokens", "thinking_budget"):
            ok = isinstance(value, int) and not isinstance(value, bool)
        else:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not ok:
            raise TranscriptError(f"{reader.where}.{key} has the wrong type ({_kind(value)})")
        values[key] = value
    try:
        return ModelParams(**values)
    except (TypeError, ValueError) as exc:
        raise TranscriptError(f"{reader.where}: {exc}") from None


def _read_whole(reader: _Reader, key: str) -> int | None:
    value = reader.data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TranscriptError(f"{reader.where}.{key} must be a whole number >= 0, not {_kind(value)}")
    return value


def _read_attachment(data: object, where: str) -> Attachment:
    reader = _Reader(data, where)
    encoded = reader.text("data") or ""
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise TranscriptError(f"{where}.data is not valid base64") from None
    attachment = Attachment(
        name=reader.text("name") or "file",
        media_type=reader.text("media_type") or "application/octet-stream",
        data=raw,
        width=_read_whole(reader, "width"),
        height=_read_whole(reader, "height"),
        note=reader.text("note", required=False),
    )
    digest = reader.text("sha256", required=False)
    if digest is not None and digest != attachment.sha256:
        raise TranscriptError(f"{where}.data does not match its sha256 (the file was changed or cut)")
    return attachment


def _read_attachments(reader: _Reader) -> list[Attachment]:
    items = reader.data.get("attachments")
    if items is None:
        return []
    if not isinstance(items, list):
        raise TranscriptError(f"{reader.where}.attachments must be a list, not {_kind(items)}")
    return [_read_attachment(item, f"{reader.where}.attachments[{i}]") for i, item in enumerate(items)]


def _read_message(data: object, where: str) -> Message:
    reader = _Reader(data, where)
    role_text = reader.text("role")
    role = _ROLES.get(role_text or "")
    if role is None:
        raise TranscriptError(f"{where}.role must be user, assistant or system, not {role_text!r}")
    state_text = reader.text("state", required=False) or MessageState.COMPLETE.value
    try:
        state = MessageState(state_text)
    except ValueError:
        names = ", ".join(s.value for s in MessageState)
        raise TranscriptError(f"{where}.state must be one of {names}, not {state_text!r}") from None
    error = reader.text("error", required=False)
    if state is MessageState.STREAMING:  # saved mid-stream: as far as anyone can tell now, it broke off
        state = MessageState.INCOMPLETE
    created = reader.number("created")
    assert created is not None
    chosen = reader.number("chosen", required=False)
    return Message(
        role=role,
        content=reader.text("content") or "",
        reasoning=reader.text("reasoning", required=False) or "",
        model=reader.text("model", required=False),
        usage=_read_usage(reader.object("usage", required=False)),
        timings=_read_timings(reader.object("timings", required=False)),
        finish_reason=reader.text("finish_reason", required=False),
        error=error,
        state=state,
        created_at=created,
        chosen_at=chosen or 0.0,
        attachments=_read_attachments(reader),
    )


def _read_tree(raw: list[Any], version: int) -> list[Message]:
    """The messages, each linked to its parent (version 1: each follows the one before)."""
    tree: list[Message] = []
    for index, data in enumerate(raw):
        where = f"transcript.messages[{index}]"
        message = _read_message(data, where)
        parent = data.get("parent") if version >= 2 else index - 1 if index else None
        if parent is not None:
            if isinstance(parent, bool) or not isinstance(parent, int) or not 0 <= parent < index:
                raise TranscriptError(
                    f"{where}.parent must be the index of an earlier message, not {_kind(parent)}"
                )
            message.parent = tree[parent]
        tree.append(message)
    return tree


def import_json(data: str | bytes | Mapping[str, Any]) -> Conversation:
    """A conversation from a JSON transcript (text, bytes or the parsed object). It has no ids: saving it
    (``HistoryStore.create_conversation``) gives it new ones. Raises :class:`TranscriptError`."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise TranscriptError("the file is not UTF-8 text") from None
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise TranscriptError(f"the file is not valid JSON ({exc})") from None
    root = _Reader(data, "transcript")
    if root.data.get("format") != FORMAT:
        raise TranscriptError(f'not a siliconchat transcript (its "format" is not "{FORMAT}")')
    version = root.data.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise TranscriptError(f"transcript.version must be a whole number, not {_kind(version)}")
    if version > VERSION:
        raise TranscriptError(
            f"this transcript has format version {version}, newer than this siliconchat reads ({VERSION}): "
            "upgrade siliconchat"
        )
    if version < 1:
        raise TranscriptError(f"transcript.version {version} is not a valid version")
    conv = root.object("conversation")
    assert conv is not None
    messages = root.data.get("messages")
    if not isinstance(messages, list):
        raise TranscriptError(f"transcript.messages must be a list, not {_kind(messages)}")
    params = conv.object("params", required=False)
    created = conv.number("created")
    updated = conv.number("updated", required=False)
    assert created is not None
    return Conversation(
        title=conv.text("title", required=False) or "",
        system_prompt=conv.text("system_prompt", required=False),
        params=_read_params(params) if params is not None else ModelParams(),
        tree=_read_tree(messages, version),
        created_at=created,
        updated_at=updated if updated is not None else created,
    )
