"""The Markdown transcript of every branch: a tree made through the real session (regenerate, a failed attempt,
an edited first prompt, a branch inside a branch) against the demo server over real HTTP, saved to and loaded
from a real SQLite history, then read back from the document alone."""

from __future__ import annotations

import io
from pathlib import Path

from attachment_support import encoded, photo
from branches_support import ACTIVE_PATH, INLINE, QWEN, branchy, read_sections, triples_of, triples_read
from session_support import queue, saved

from siliconchat.core.api import ChatClient
from siliconchat.core.attachments import Attachment, AttachmentLimits, attach_stream
from siliconchat.core.conversation import Conversation
from siliconchat.core.history import HistoryStore
from siliconchat.core.session import ChatSession
from siliconchat.core.transcript import save_transcript, to_markdown, write_markdown


async def branchy_saved(client: ChatClient, store: HistoryStore) -> Conversation:
    saves = queue(store)
    session = ChatSession(Conversation(title="Sky and sea"), saves)
    await branchy(session, client)
    return await saved(saves, store, session.conversation)


async def test_every_answer_once_under_its_prompt_and_the_active_path_as_before(
    client: ChatClient, store: HistoryStore
) -> None:
    conversation = await branchy_saved(client, store)
    assert len(conversation.tree) == 14
    active = to_markdown(conversation)
    every = to_markdown(conversation, all_branches=True)

    # The active path reads exactly as the transcript of the active path alone, and comes first.
    assert every.startswith(active) and "# Other branches" not in active
    sections = read_sections(every)
    path = sections[0].blocks
    assert [b.content for b in path][::2] == ACTIVE_PATH[::2]
    assert conversation.messages[1].model == INLINE and path[1].content == conversation.messages[
        1
    ].content.strip("\n")

    # The document alone gives back the tree: every message once, each after the message it follows.
    assert triples_read(every) == triples_of(conversation)
    answers = [m.content.strip("\n") for m in conversation.tree if m.role == "assistant" and m.content]
    assert len(answers) == len(set(answers)) == 8
    for answer in answers:
        blocks = [b for s in sections for b in s.blocks if b.role == "assistant" and b.content == answer]
        assert len(blocks) == 1

    # Each branch says where it leaves, with its place among its siblings as the chat counts them.
    assert [(s.number, s.depth, s.place, s.after) for s in sections[1:]] == [
        (2, 1, "prompt 2 of 2", None),
        (3, 2, "answer 1 of 3", 1),
        (4, 2, "answer 2 of 3", 1),
        (5, 2, "a failed attempt", 1),
        (6, 4, "answer 1 of 2", 2),  # the sea's first answer to "And at night?": a branch of branch 2
    ]
    qwen = next(m for m in conversation.tree if m.model == QWEN and m.parent is conversation.messages[0])
    assert [(b.role, b.content) for b in sections[3].blocks] == [  # branch 4: the Qwen answer, and after it
        ("assistant", qwen.content.strip("\n")),
        ("user", "Tell me more"),
        ("assistant", "Tell me more"),
    ]
    assert "*After message 1 (User · " in every and ") of the active path.*" in every
    assert "*After message 3 (User · " in every and ") of branch 2.*" in every


def test_a_conversation_without_branches_is_the_same_either_way() -> None:
    conversation = Conversation(title="one path")
    conversation.add_user("hello")
    conversation.add_assistant("m/a").content = "hi"
    assert to_markdown(conversation, all_branches=True) == to_markdown(conversation)


def test_an_answer_with_text_is_not_marked_empty() -> None:
    conversation = Conversation(title="answers")
    conversation.add_user("hello")
    conversation.add_assistant("m/a").content = "hi"
    conversation.add_user("and?")
    conversation.add_assistant("m/a")  # complete, but no text
    text = to_markdown(conversation)
    assert text.count("*(no answer text)*") == 1
    assert text.index("*(no answer text)*") > text.index("and?")


def test_untrusted_labels_stay_sanitized_in_the_branch_sections() -> None:
    conversation = Conversation(title="labels")
    prompt = conversation.add_user("hello")
    conversation.add_assistant("m/\x1b[31mred\x1b[0m").content = "one"
    del conversation.messages[1:]
    conversation.add_assistant("m/b").content = "two\x1b[2J"  # an answer's text is kept exactly
    assert conversation.messages[0] is prompt
    every = to_markdown(conversation, all_branches=True)
    assert "\x1b[31m" not in every and "## Branch 2: message 2, answer 1 of 2" in every
    assert "two\x1b[2J" in every


def image(name: str, width: int) -> Attachment:
    return attach_stream(io.BytesIO(encoded(photo(width, 48), "PNG")), AttachmentLimits(), name=name)


def test_the_images_of_every_branch_are_written_beside_it(tmp_path: Path) -> None:
    conversation = Conversation(title="images")
    conversation.add_user("look", [image("a.png", 64)])
    conversation.add_assistant("m/a").content = "a picture"
    first = conversation.messages[0]
    del conversation.messages[:]  # the next prompt: another first prompt, a sibling of this one
    conversation.add_user("look again", [image("b.png", 32)])
    conversation.add_assistant("m/a").content = "a smaller picture"
    assert first not in conversation.messages and first in conversation.tree

    (path_only,) = save_transcript(conversation, tmp_path / "path", ("md",))
    assert sorted(p.suffix for p in path_only.parent.iterdir()) == [".md", ".png"]
    (every,) = save_transcript(conversation, tmp_path / "all", ("md",), all_branches=True)
    pictures = sorted(every.parent.glob("*.png"))
    assert len(pictures) == 2
    text = every.read_text("utf-8")
    assert all(f"]({picture.name})" in text for picture in pictures)
    written = write_markdown(conversation, tmp_path / "all" / "again.md", all_branches=True)
    assert written.read_text("utf-8") == text  # the same pictures linked, none written again
    assert len(list(every.parent.iterdir())) == 4
