"""Transcripts: a conversation as Markdown (to read) and JSON (to keep or import back), and safe file names.

Decisions:

* **Exact text.** Both formats keep every prompt, answer and reasoning exactly as received, control
  characters included: a transcript is a record, and Markdown from the model already is Markdown. Only the
  one-line labels we compose (title, model ids, error lines) are sanitized. Whoever prints a transcript to a
  terminal sanitizes it there (``siliconchat export`` does). The one addition: a code fence left open by a
  cut-off answer is closed after it, so the turns that follow still render.
* **JSON** holds every field the history stores, with ``"format": "siliconchat.transcript"`` and a
  ``"version"``; times are Unix seconds (floats round-trip exactly). :func:`import_json` validates
  everything and raises :class:`TranscriptError` with the path of the bad field. Its texts go through
  :func:`~siliconchat.core.text.safe_text`: a lone surrogate escaped in the JSON becomes U+FFFD.
* **Files** are written atomically (a temporary file, then a hard link to the final name, which fails rather
  than replace an existing file), UTF-8, and never overwrite: ``name (2).md``, ``name (3).md`` …
"""

from __future__ import annotations

import datetime as _dt
import errno
import json
import math
import os
import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from siliconchat import __version__, paths
from siliconchat.core.conversation import (
    Conversation,
    Message,
    MessageState,
    ModelParams,
    Role,
    Timings,
    Usage,
)
from siliconchat.core.files import fsync_dir, write_temp
from siliconchat.core.sanitize import sanitize_line
from siliconchat.core.text import safe_text

__all__ = [
    "FORMAT",
    "VERSION",
    "TranscriptError",
    "import_json",
    "save_transcript",
    "to_dict",
    "to_json",
    "to_markdown",
    "transcript_filename",
    "write_new_file",
]

FORMAT: Final = "siliconchat.transcript"
VERSION: Final = 1
NAME_LIMIT: Final = 80  # characters in a file name's stem
NAME_BYTES: Final = 200  # and UTF-8 bytes (file systems allow 255)
FALLBACK_NAME: Final = "conversation"
FORMATS: Final = ("md", "json")
_WINDOWS_RESERVED: Final = frozenset(
    {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}
)
_BLANKED: Final = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"})  # unicodedata categories
_UNSAFE_CHARS = re.compile(r'[/\\:*?"<>|]')
_DOTS = re.compile(r"\.{2,}")
_ROLES: Final[dict[str, Role]] = {"system": "system", "user": "user", "assistant": "assistant"}
_STATE_LABELS: Final = {
    MessageState.STOPPED: "Stopped",
    MessageState.INCOMPLETE: "Incomplete",
    MessageState.FAILED: "Failed",
    MessageState.STREAMING: "Still streaming",
}


class TranscriptError(Exception):
    """A transcript cannot be read (malformed JSON, wrong format or version, a bad field) or written."""


# --------------------------------------------------------------------------------------------------------
# Markdown


def _local(timestamp: float) -> _dt.datetime:
    return _dt.datetime.fromtimestamp(timestamp).astimezone()


def _seconds(value: float) -> str:
    return f"{value:.1f} s" if value < 10 else f"{value:.0f} s"


def _models(conversation: Conversation) -> list[str]:
    seen: dict[str, None] = {}
    for message in conversation.messages:
        if message.role == "assistant" and message.model:
            seen.setdefault(message.model, None)
    return list(seen)


def _close_fences(text: str) -> str:
    """``text``, plus a closing fence if it leaves a fenced code block open (a cut-off answer)."""
    fence: str | None = None
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        if len(line) - len(stripped) > 3:
            continue
        match = re.match(r"(`{3,}|~{3,})", stripped)
        if match is None:
            continue
        marker = match.group(1)
        if fence is None:
            if marker[0] == "~" or "`" not in stripped[len(marker) :]:  # a ``` info string has no backtick
                fence = marker
        elif marker[0] == fence[0] and len(marker) >= len(fence) and not stripped[len(marker) :].strip():
            fence = None
    if fence is None:
        return text
    return text + ("" if text.endswith("\n") else "\n") + fence


def _blockquote(text: str) -> str:
    return "\n".join("> " + line if line else ">" for line in text.splitlines() or [""])


def _turn_heading(message: Message, day: _dt.date) -> str:
    when = _local(message.created_at)
    clock = when.strftime("%H:%M:%S") if when.date() == day else when.strftime("%Y-%m-%d %H:%M:%S")
    if message.role == "assistant":
        return f"## Assistant · {sanitize_line(message.model or 'unknown model')} · {clock}"
    return f"## {message.role.capitalize()} · {clock}"


def _usage_line(message: Message) -> str | None:
    parts: list[str] = []
    if message.finish_reason:
        parts.append(f"finish: {sanitize_line(message.finish_reason)}")
    usage = message.usage
    if usage is not None:
        parts.append(
            f"tokens: {usage.prompt_tokens} prompt, {usage.reasoning_tokens} reasoning, {usage.answer_tokens} answer"
        )
    if message.timings.total is not None:
        parts.append(_seconds(message.timings.total))
    return "*" + " · ".join(parts) + "*" if parts else None


def _state_line(message: Message) -> str | None:
    label = _STATE_LABELS.get(message.state)
    if label is None:
        if message.error:  # complete but with a problem (the reasoning used the whole budget)
            return f"> **No answer** — {sanitize_line(message.error)}"
        return None
    detail = sanitize_line(message.error) if message.error else "the answer may be partial."
    return f"> **{label}** — {detail}"


def to_markdown(conversation: Conversation) -> str:
    """The conversation as a Markdown document (see the module notes for what is kept exactly)."""
    created = _local(conversation.created_at)
    title = sanitize_line(conversation.title) or "Untitled conversation"
    out: list[str] = [f"# {title}", ""]
    out.append(f"- **Date:** {created.strftime('%Y-%m-%d %H:%M %z')}")
    models = _models(conversation)
    if models:
        label = "Model" if len(models) == 1 else "Models"
        out.append(f"- **{label}:** " + ", ".join(f"`{sanitize_line(m)}`" for m in models))
    if conversation.id is not None:
        out.append(f"- **Conversation:** {conversation.id}")
    out.append(f"- **Saved by:** siliconchat {__version__}")
    out.append("")
    if conversation.system_prompt:
        out += ["**System prompt:**", "", _blockquote(conversation.system_prompt), ""]
    day = created.date()
    for message in conversation.messages:
        out += ["---", "", _turn_heading(message, day), ""]
        if message.reasoning:
            seconds = message.timings.reasoning
            summary = f"Reasoning ({_seconds(seconds)})" if seconds is not None else "Reasoning"
            # Blank lines around the body: GitHub renders Markdown inside <details> only then.
            out += ["<details>", f"<summary>{summary}</summary>", "", _close_fences(message.reasoning), ""]
            out += ["</details>", ""]
        if message.content:
            out += [_close_fences(message.content), ""]
        elif message.role == "assistant" and message.state is not MessageState.FAILED:
            out += ["*(no answer text)*", ""]
        for line in (_state_line(message), _usage_line(message) if message.role == "assistant" else None):
            if line:
                out += [line, ""]
    return "\n".join(out).rstrip("\n") + "\n"


# --------------------------------------------------------------------------------------------------------
# JSON


def _finite(value: float | None) -> float | None:
    return value if value is None or math.isfinite(value) else None


def _message_dict(message: Message) -> dict[str, Any]:
    timings = message.timings
    return {
        "id": message.id,
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
        "messages": [_message_dict(m) for m in conversation.messages],
    }


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
    values: dict[str, int] = {}
    for key in ("prompt_tokens", "completion_tokens", "reasoning_tokens", "total_tokens"):
        value = reader.data.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise TranscriptError(f"{reader.where}.{key} must be a whole number >= 0, not {_kind(value)}")
        values[key] = value
    return Usage(**values)


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
    )


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
        messages=[_read_message(m, f"transcript.messages[{i}]") for i, m in enumerate(messages)],
        created_at=created,
        updated_at=updated if updated is not None else created,
    )


# --------------------------------------------------------------------------------------------------------
# Files


def _clean_name(title: str) -> str:
    """A title made safe as (part of) a file name on Linux, macOS and Windows."""
    text = unicodedata.normalize("NFC", title)
    # Control, format (bidi overrides, zero-width), surrogate and line/paragraph separator characters go;
    # other spaces become plain spaces.
    text = "".join(" " if unicodedata.category(char) in _BLANKED else char for char in text)
    text = _UNSAFE_CHARS.sub(" ", text)
    text = _DOTS.sub(".", text)  # no ".." anywhere
    text = " ".join(text.split())
    return text.strip(" .")  # no leading dot (hidden file), no trailing dot or space (Windows)


def _bounded(text: str, limit: int, max_bytes: int) -> str:
    if len(text) <= limit and len(text.encode("utf-8")) <= max_bytes:
        return text
    cut = text[:limit]
    while len(cut.encode("utf-8")) > max_bytes:
        cut = cut[:-1]
    space = cut.rfind(" ")
    if space >= len(cut) // 2:
        cut = cut[:space]
    return cut.rstrip(" .")


def transcript_filename(title: str, created: float | _dt.datetime, ext: str) -> str:
    """``"2026-11-24 1530 Why is the sky blue.md"``: the local date and time, then the sanitized title (no
    path separators, ``..``, control characters, leading dot or Windows device name; at most 80 characters
    in all before the extension), or "conversation" when nothing is left."""
    if not re.fullmatch(r"[A-Za-z0-9]{1,10}", ext):
        raise ValueError(f"not a file extension: {ext!r}")
    when = created if isinstance(created, _dt.datetime) else _local(created)
    stamp = when.strftime("%Y-%m-%d %H%M")
    name = _clean_name(title)
    if name.split(".")[0].upper() in _WINDOWS_RESERVED:
        name = f"{name} conversation"
    name = _bounded(name, NAME_LIMIT - len(stamp) - 1, NAME_BYTES) or FALLBACK_NAME
    return f"{stamp} {name}.{ext}"


def _numbered(name: str, n: int) -> str:
    if n == 1:
        return name
    stem, dot, ext = name.rpartition(".")
    return f"{stem} ({n}).{ext}" if dot else f"{name} ({n})"


def _publish(tmp: Path, target: Path) -> bool:
    """Give the finished temporary file its final name unless that name exists; False if it does."""
    try:
        os.link(tmp, target)  # atomic, and fails instead of replacing an existing file
        return True
    except FileExistsError:
        return False
    except OSError:
        pass  # no hard links on this file system: reserve the name exclusively, then replace our own file
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        return False
    os.close(fd)
    os.replace(tmp, target)
    return True


def write_new_file(path: Path, data: bytes, *, numbered: bool = False) -> Path:
    """Write ``data`` to a new file atomically and return its path. An existing file is never
    overwritten: with ``numbered`` the name gets " (2)", " (3)" …; without, FileExistsError."""
    path = Path(path)
    return _write_new(path.parent, path.name, data, start=1, numbered=numbered)


def _write_new(folder: Path, name: str, data: bytes, *, start: int, numbered: bool) -> Path:
    tmp = write_temp(folder, name, data)
    try:
        n = start
        while True:
            target = folder / _numbered(name, n)
            if _publish(tmp, target):
                break
            if not numbered:
                raise FileExistsError(errno.EEXIST, "File exists", str(target))
            n += 1
            if n > start + 10_000:
                raise FileExistsError(errno.EEXIST, "Too many files with this name", str(folder / name))
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(folder)
    return target


def save_transcript(
    conversation: Conversation, folder: Path | None = None, formats: Sequence[str] = FORMATS
) -> list[Path]:
    """Save the conversation as new files in ``folder`` (default ``paths.default_transcript_dir()``,
    created with mode 0700): one per format, "md" and/or "json". Returns the paths written; formats
    share a name (and a number, when a name was taken). Raises TranscriptError (OSError inside)."""
    folder = Path(folder) if folder is not None else paths.default_transcript_dir()
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ValueError(f"formats must be among {FORMATS}, not {list(formats)!r}")
    rendered = {
        fmt: (to_markdown if fmt == "md" else to_json)(conversation).encode("utf-8") for fmt in formats
    }
    names = {fmt: transcript_filename(conversation.title, conversation.created_at, fmt) for fmt in formats}
    try:
        paths.ensure_dir(folder)
        # The first number free for every format, so that "x (2).md" goes with "x (2).json".
        n = 1
        while any(os.path.lexists(folder / _numbered(names[fmt], n)) for fmt in formats):
            n += 1
        written = []
        for fmt in formats:
            written.append(_write_new(folder, names[fmt], rendered[fmt], start=n, numbered=True))
    except OSError as exc:
        raise TranscriptError(f"cannot save the transcript in {folder}: {exc.strerror or exc}") from None
    return written
