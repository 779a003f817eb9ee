"""Attachments across turns: the core session against the demo server over real HTTP (what each request
carries, what a text model refuses, what the server says to a bad image)."""

from __future__ import annotations

import base64
import io
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from attachment_support import encoded, photo

from siliconchat.core.api import ChatClient
from siliconchat.core.attachments import Attachment, AttachmentError, AttachmentLimits, attach_stream
from siliconchat.core.conversation import Conversation, MessageState
from siliconchat.core.session import ChatSession
from siliconchat.demo.server import DEMO_API_KEY, DemoServer
from siliconchat.demo.vision import BAD_IMAGE, NOT_VISION

LIMITS = AttachmentLimits()


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer(pace=0) as running:
        yield running


def image(name: str, width: int = 64, height: int = 48) -> Attachment:
    return attach_stream(io.BytesIO(encoded(photo(width, height), "PNG")), LIMITS, name=name)


def text(name: str, body: str) -> Attachment:
    return attach_stream(io.BytesIO(body.encode()), LIMITS, name=name)


def last_body(server: DemoServer) -> dict[str, Any]:
    body = server.requests[-1].body
    assert isinstance(body, dict)
    return body


async def test_images_go_with_the_last_turns_and_text_files_with_every_turn(
    server: DemoServer, client: ChatClient
) -> None:
    session = ChatSession(Conversation(), image_turns=1)
    first = session.begin("First", "demo/vision", attachments=[image("one.png"), text("a.md", "alpha")])
    await first.run(client, lambda event: None)
    assert first.message.content.startswith("I received **1 image** and **1 file**.")
    second = session.begin("Second", "demo/vision", attachments=[image("two.png", 32, 32)])
    await second.run(client, lambda event: None)
    messages = last_body(server)["messages"]
    assert messages[0]["content"] == (
        "First\n\n```markdown a.md\nalpha\n```\n\n[image one.png, 64×48: sent with this message earlier, not repeated]"
    )
    assert [part["type"] for part in messages[2]["content"]] == ["text", "image_url"]
    assert second.message.content.startswith(
        "I received **1 image** and **0 files**.\n\n- Image 1: 32×32 pixels"
    )


async def test_an_image_for_a_text_model_leaves_the_conversation_as_it_was(
    server: DemoServer, client: ChatClient
) -> None:
    session = ChatSession(Conversation())
    sent = len(server.requests)
    with pytest.raises(
        AttachmentError, match=r"^Qwen/Qwen3-8B does not take images, and this message has 2 images"
    ):
        session.begin("Look", "Qwen/Qwen3-8B", attachments=[image("a.png"), image("b.png")])
    assert session.conversation.messages == [] and len(server.requests) == sent


async def test_regenerate_sends_the_attachments_again(server: DemoServer, client: ChatClient) -> None:
    session = ChatSession(Conversation())
    await session.begin("Look", "demo/vision", attachments=[image("a.png")]).run(client, lambda event: None)
    with pytest.raises(AttachmentError):  # a text model: the old turn stays
        session.regenerate("deepseek-ai/DeepSeek-R1")
    assert [m.role for m in session.conversation.messages] == ["user", "assistant"]
    again = session.regenerate("Qwen/Qwen2.5-VL-72B-Instruct")
    assert again is not None
    assert [a.name for a in again.user.attachments] == ["a.png"]
    assert last_body(server)["messages"][-1]["content"][1]["type"] == "image_url"


async def test_a_server_refusal_keeps_the_prompt_and_its_attachments(
    server: DemoServer, client: ChatClient
) -> None:
    session = ChatSession(Conversation())
    turn = session.begin("Look", "demo/echo", attachments=[image("a.png")])
    await turn.run(client, lambda event: None)
    assert turn.message.state is MessageState.FAILED
    assert NOT_VISION.rstrip(".") in (turn.message.error or "")
    assert "The message has images: demo/echo may not take images." in (turn.message.error or "")
    assert [a.name for a in turn.user.attachments] == ["a.png"]


def test_the_demo_refuses_an_image_it_cannot_read(server: DemoServer) -> None:
    bad = {
        "type": "image_url",
        "image_url": {"url": "data:image/png;base64," + base64.b64encode(b"junk").decode()},
    }
    body = {"model": "demo/vision", "messages": [{"role": "user", "content": [bad]}]}
    request = urllib.request.Request(
        server.base_url + "/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {DEMO_API_KEY}", "Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert caught.value.code == 400
    assert json.loads(caught.value.read()) == {"code": 20015, "message": BAD_IMAGE, "data": None}
