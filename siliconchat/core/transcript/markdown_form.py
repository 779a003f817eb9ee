"""A conversation as a Markdown document, to read.

Every prompt, answer and reasoning is kept exactly as received, control characters included: a transcript is
a record, and Markdown from the model already is Markdown. Only the one-line labels composed here (title,
model ids, error lines) are sanitized. Whoever prints a transcript to a terminal sanitizes it there
(``siliconchat export`` does). The one addition: a code fence left open by a cut-off answer is closed after
it, so the turns that follow still render.

Images are not in the document itself: given ``images`` (each image's content hash to the name of a file
written beside the document, see ``new_files``), each one is linked where its message lists it
(``![cat.png](cat-1f2e3d4c5b6a.png)``); without, it is only listed.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from typing import Final
from urllib.parse import quote

from siliconchat import __version__
from siliconchat.core.conversation import Conversation, Message, MessageState
from siliconchat.core.sanitize import sanitize_line

_STATE_LABELS: Final = {
    MessageState.STOPPED: "Stopped",
    MessageState.INCOMPLETE: "Incomplete",
    MessageState.FAILED: "Failed",
    MessageState.STREAMING: "Still streaming",
}


def local_time(timestamp: float) -> _dt.datetime:
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
    when = local_time(message.created_at)
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


def image_link(name: str, file_name: str) -> str:
    """``![name](file_name)``: the alt text a sanitized line with its brackets escaped, the file name
    percent-encoded (a space or a parenthesis in it would end the link)."""
    alt = re.sub(r"([\\\[\]])", r"\\\1", sanitize_line(name))
    return f"![{alt}]({quote(file_name, safe='')})"


def _attachment_lines(message: Message, images: Mapping[str, str]) -> list[str]:
    """The attachments of a message: a list (name, kind, size), then each text file inline and each image
    written beside the document linked, in their order."""
    from siliconchat.core.attachments import text_block

    out = ["**Attachments:**", ""]
    out += [f"- {sanitize_line(a.summary)}" for a in message.attachments]
    out.append("")
    for attachment in message.attachments:
        if attachment.kind == "text":
            out += [text_block(attachment), ""]
        elif attachment.sha256 in images:
            out += [image_link(attachment.name, images[attachment.sha256]), ""]
    return out


def to_markdown(conversation: Conversation, images: Mapping[str, str] | None = None) -> str:
    """The conversation as a Markdown document (see the module notes for what is kept exactly). ``images``
    maps an image's content hash to the file beside the document that holds it, to link."""
    created = local_time(conversation.created_at)
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
        if message.attachments:
            out += _attachment_lines(message, images or {})
        elif message.role == "assistant" and message.state is not MessageState.FAILED:
            out += ["*(no answer text)*", ""]
        for line in (_state_line(message), _usage_line(message) if message.role == "assistant" else None):
            if line:
                out += [line, ""]
    return "\n".join(out).rstrip("\n") + "\n"
