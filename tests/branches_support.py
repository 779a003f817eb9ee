"""A conversation with branches made through the real session, and a reader of the Markdown transcript of all
its branches that rebuilds the tree from the document alone (for the core, CLI and TUI tests of the export)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from session_support import run

from siliconchat.core.api import ChatClient
from siliconchat.core.conversation import Conversation, Message
from siliconchat.core.session import ChatSession

ECHO = "demo/echo"  # answers with the last prompt
QWEN = "Qwen/Qwen2.5-7B-Instruct"  # a canned answer that quotes the prompt
INLINE = "demo/think-inline"  # a fixed answer (its reasoning inline)

ACTIVE_PATH = ["Why is the sky blue?", None, "And at sunset?", "And at sunset?"]
"""The active path's texts once :func:`branchy` is done (None: the inline-thinking answer)."""


async def branchy(session: ChatSession, client: ChatClient) -> None:
    """Three answers and a failed attempt to the first prompt; a turn after two of them; the first prompt
    edited, with two turns and its last answer regenerated; the active path back on the third answer:

    sky ─┬─ echo
         ├─ qwen ── "Tell me more" ── echo
         ├─ inline ── "And at sunset?" ── echo        (the active path)
         └─ failed attempt
    sea ── echo ── "And at night?" ─┬─ echo
                                    └─ qwen
    """
    conversation = session.conversation
    await run(session.begin("Why is the sky blue?", ECHO), client)
    for model in (QWEN, INLINE, "demo/error-500"):  # the failed one leaves the inline answer on the path
        turn = session.regenerate(model)
        assert turn is not None
        await run(turn, client)
    inline = conversation.messages[1]
    assert inline.model == INLINE
    await run(session.begin("And at sunset?", ECHO), client)
    session.switch(inline, -1)  # the Qwen answer
    await run(session.begin("Tell me more", ECHO), client)
    await run(session.edit(conversation.messages[0], "Why is the sea blue?", ECHO), client)
    await run(session.begin("And at night?", ECHO), client)
    again = session.regenerate(QWEN)
    assert again is not None
    await run(again, client)
    session.choose(inline)  # back to the sky, on the third answer: "And at sunset?" below it
    assert [m.content for m in conversation.messages][2:] == ACTIVE_PATH[2:]


# -- reading the transcript back -------------------------------------------------------------------------

_MESSAGE = re.compile(r"^#{2,3} (User|Assistant) · ")
_BRANCH = re.compile(r"^## Branch (\d+): message (\d+), (.+)$")
_AFTER = re.compile(r"^\*After message (\d+) \(.*\) of (the active path|branch (\d+))\.\*$")
_FIRST = "*Another first prompt of the conversation.*"


@dataclass
class Block:
    role: str
    lines: list[str] = field(default_factory=list)

    @property
    def content(self) -> str:
        """The message's text: after the heading (and the folded reasoning), up to its state or usage line."""
        lines = list(self.lines)
        if "</details>" in lines:
            lines = lines[lines.index("</details>") + 1 :]
        end = next(
            (i for i, line in enumerate(lines) if line.startswith(("*finish:", "> **", "*(no answer"))),
            len(lines),
        )
        body = lines[:end]
        while body and body[-1] in ("", "---"):
            body.pop()
        return "\n".join(body).strip("\n")


@dataclass
class Section:
    number: int
    depth: int  # of its first message, from the first prompt
    place: str  # "answer 2 of 3"
    after: int | None  # the branch it leaves (1: the active path), None for another first prompt
    blocks: list[Block] = field(default_factory=list)


def read_sections(markdown: str) -> list[Section]:
    """The sections of a Markdown transcript of all branches (the active path is branch 1)."""
    sections = [Section(1, 1, "", None)]
    for line in markdown.splitlines():
        if line == "# Other branches":
            sections.append(Section(0, 0, "", None))  # the note: no message
        elif match := _BRANCH.match(line):
            sections.append(Section(int(match[1]), int(match[2]), match[3], None))
        elif match := _AFTER.match(line):
            sections[-1].after = 1 if match[3] is None else int(match[3])
        elif match := _MESSAGE.match(line):
            sections[-1].blocks.append(Block(match[1].lower()))
        elif sections[-1].blocks:
            sections[-1].blocks[-1].lines.append(line)
    return [s for s in sections if s.number]


def triples_read(markdown: str) -> Counter[tuple[str, str, str | None]]:
    """Each message of the document as (role, text, the text of the message it follows), found through the
    document's own references: the block before it in its section, else message ``depth - 1`` of the branch
    its section leaves."""
    sections = {s.number: s for s in read_sections(markdown)}
    out: Counter[tuple[str, str, str | None]] = Counter()
    for section in sections.values():
        for at, block in enumerate(section.blocks):
            if at > 0:
                parent: str | None = section.blocks[at - 1].content
            elif section.after is None:
                parent = None
            else:
                source = sections[section.after]
                parent = source.blocks[section.depth - 1 - source.depth].content
            out[(block.role, block.content, parent)] += 1
    return out


def triples_of(conversation: Conversation) -> Counter[tuple[str, str, str | None]]:
    """Each message of the tree as (role, text, the text of its parent)."""

    def text(message: Message | None) -> str | None:
        return None if message is None else message.content.strip("\n")

    return Counter((m.role, text(m) or "", text(m.parent)) for m in conversation.tree)
