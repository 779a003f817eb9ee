"""A conversation as a Markdown document, to read.

Every prompt, answer and reasoning is kept exactly as received, control characters included: a transcript is
a record, and Markdown from the model already is Markdown. Only the one-line labels composed here (title,
model ids, error lines) are sanitized. Whoever prints a transcript to a terminal sanitizes it there
(``siliconchat export`` does). The one addition: a code fence left open by a cut-off answer is closed after
it, so the turns that follow still render.

The document is the active path (what the chat shows). With ``all_branches`` every other branch follows it,
once, under "Other branches": the active path first, exactly as without, so that it reads the same; then
one section per branch not taken, ``## Branch 3: message 4, answer 2 of 3``, holding only the part that
differs: the message where it leaves an earlier branch (its place among its siblings, as the chat's
``‹ 2/3 ›``), and the messages below it along the path chosen last there, under a line naming the message it
follows (``After message 3 (User · 15:30:02) of the active path.``). A branch that leaves another branch
further down is a section of its own, after the ones before it. Sections rather than indentation: an
indented answer would turn into a code block, and its own headings and fences would break. Messages are
counted from the first prompt, as on any path through the tree.

Images are not in the document itself: given ``images`` (each image's content hash to the name of a file
written beside the document, see ``new_files``), each one is linked where its message lists it
(``![cat.png](cat-1f2e3d4c5b6a.png)``); without, it is only listed.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote

from siliconchat import __version__
from siliconchat.core.conversation import (
    Conversation,
    Message,
    MessageState,
    active_path,
    children_of,
    is_failed_attempt,
)
from siliconchat.core.sanitize import sanitize_line

_STATE_LABELS: Final = {
    MessageState.STOPPED: "Stopped",
    MessageState.INCOMPLETE: "Incomplete",
    MessageState.FAILED: "Failed",
    MessageState.STREAMING: "Still streaming",
}
BRANCHES_NOTE: Final = (
    "The conversation above is its active branch (branch 1), the one the chat shows. Each branch below leaves "
    "an earlier one after a message and holds the messages from there on: messages are counted from the "
    'first prompt, and "answer 2 of 3" is the place among its siblings that the chat shows as ‹ 2/3 ›.'
)


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


def _turn_label(message: Message, day: _dt.date) -> str:
    """``Assistant · deepseek-ai/DeepSeek-R1 · 15:30:02``: a message's heading without its ``#``."""
    when = local_time(message.created_at)
    clock = when.strftime("%H:%M:%S") if when.date() == day else when.strftime("%Y-%m-%d %H:%M:%S")
    if message.role == "assistant":
        return f"Assistant · {sanitize_line(message.model or 'unknown model')} · {clock}"
    return f"{message.role.capitalize()} · {clock}"


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


def _message_lines(
    message: Message, day: _dt.date, images: Mapping[str, str], level: int, *, rule: bool = True
) -> list[str]:
    """One message: a rule (unless not ``rule``), its heading (``level`` hashes), its reasoning folded, its
    text, attachments, state and usage."""
    out = ["---", ""] if rule else []
    out += [f"{'#' * level} {_turn_label(message, day)}", ""]
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
    if message.attachments:
        out += _attachment_lines(message, images)
    for line in (_state_line(message), _usage_line(message) if message.role == "assistant" else None):
        if line:
            out += [line, ""]
    return out


def to_markdown(
    conversation: Conversation, images: Mapping[str, str] | None = None, *, all_branches: bool = False
) -> str:
    """The conversation as a Markdown document (see the module notes for what is kept exactly): its active
    path, and with ``all_branches`` every other branch after it (see the module notes for their form).
    ``images`` maps an image's content hash to the file beside the document that holds it, to link."""
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
        out += _message_lines(message, day, images or {}, 2)
    text = "\n".join(out).rstrip("\n") + "\n"
    if not all_branches:
        return text
    sections = branch_sections(conversation)
    if len(sections) == 1:
        return text
    return (
        text
        + "\n"
        + "\n".join(_other_branches(conversation.tree, sections, day, images or {})).rstrip("\n")
        + "\n"
    )


# -- every branch ------------------------------------------------------------------------------------------


@dataclass
class BranchSection:
    """A part of the tree written as one section: ``messages`` go down from ``messages[0]``, which is the
    ``depth``-th message from the first prompt and follows message ``depth - 1`` of section ``after`` (the
    index of an earlier section; None for the active path, section 0, and for another first prompt)."""

    messages: list[Message]
    depth: int = 1
    after: int | None = None


def branch_sections(conversation: Conversation) -> list[BranchSection]:
    """The whole tree as sections, each message in exactly one: the active path first, then, in the order
    they leave the sections before them (from the top of each), every branch not taken, each with the path
    below its first message that was chosen last there."""
    children = children_of(conversation.tree)
    sections = [BranchSection(list(conversation.messages))]
    placed = {id(m) for m in conversation.messages}
    at = 0
    while at < len(sections):
        section = sections[at]
        # The messages this section holds, and for the active path the root above the first prompts (depth 0).
        parents: list[Message | None] = [None, *section.messages] if at == 0 else [*section.messages]
        top = section.depth if at else 0  # the depth of parents[0]
        for offset, parent in enumerate(parents):
            depth = top + offset + 1  # of parent's children
            for child in children.get(None if parent is None else id(parent), []):
                if id(child) in placed:
                    continue
                path = active_path(conversation.tree, child, children)
                placed.update(id(m) for m in path)
                sections.append(BranchSection(path, depth, None if parent is None else at))
        at += 1
    return sections


def _place(children: Mapping[int | None, list[Message]], message: Message) -> str:
    """``answer 2 of 3``: the message's place among its siblings (``children`` of its parent, in the order
    written) as the chat counts them; a failed attempt is no branch (``a failed attempt``)."""
    if is_failed_attempt(message):
        return "a failed attempt"
    parent = message.parent
    group = [m for m in children[None if parent is None else id(parent)] if not is_failed_attempt(m)]
    kind = "answer" if message.role == "assistant" else "prompt"
    return f"{kind} {next(i for i, m in enumerate(group) if m is message) + 1} of {len(group)}"


def _other_branches(
    tree: Sequence[Message], sections: list[BranchSection], day: _dt.date, images: Mapping[str, str]
) -> list[str]:
    children = children_of(tree)
    out = ["---", "", "# Other branches", "", BRANCHES_NOTE, ""]  # each branch: a rule, then its heading
    for number, section in enumerate(sections[1:], start=2):
        first = section.messages[0]
        out += ["---", "", f"## Branch {number}: message {section.depth}, {_place(children, first)}", ""]
        if section.after is None or first.parent is None:
            out += ["*Another first prompt of the conversation.*", ""]
        else:
            where = "the active path" if section.after == 0 else f"branch {section.after + 1}"
            label = _turn_label(first.parent, day)
            out += [f"*After message {section.depth - 1} ({label}) of {where}.*", ""]
        for at, message in enumerate(section.messages):
            out += _message_lines(message, day, images, 3, rule=at > 0)
    return out
