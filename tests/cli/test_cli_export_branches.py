"""`siliconchat export --all-branches` as a user runs it: a conversation with branches made through the real
session against the demo server and saved to the history in the test's XDG folders, exported by a real process."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from branches_support import branchy, read_sections, triples_of, triples_read
from cli_support import siliconchat

from siliconchat.core.api import ChatClient
from siliconchat.core.conversation import Conversation
from siliconchat.core.history import HistoryStore
from siliconchat.core.models import ModelCatalogue
from siliconchat.core.session import ChatSession
from siliconchat.demo.server import DEMO_API_KEY, DemoServer


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer(pace=0) as running:
        yield running


def saved_tree(server: DemoServer) -> Conversation:
    """:func:`branchy`'s conversation, saved in the history; returns it as the history loads it."""

    async def make() -> Conversation:
        client = ChatClient(
            base_url=server.base_url, api_key=DEMO_API_KEY, catalogue=ModelCatalogue(None), max_retries=0
        )
        session = ChatSession(Conversation(title="Sky and sea"))
        try:
            await branchy(session, client)
        finally:
            await client.aclose()
        return session.conversation

    conversation = asyncio.run(make())
    with HistoryStore.open() as store:
        conversation_id = store.create_conversation(conversation)
        return store.load(conversation_id)


def test_export_all_branches_to_stdout_and_to_a_folder(server: DemoServer, tmp_path: Path) -> None:
    conversation = saved_tree(server)
    active = siliconchat("export", "--last")
    every = siliconchat("export", "--last", "--all-branches")
    assert active.returncode == every.returncode == 0, every.stderr
    assert every.stdout.startswith(active.stdout) and "# Other branches" not in active.stdout
    assert triples_read(every.stdout) == triples_of(conversation)
    assert len(read_sections(every.stdout)) == 6

    out = tmp_path / "notes"
    out.mkdir()
    written = siliconchat("export", "--last", "--all-branches", "-o", str(out))
    assert written.returncode == 0, written.stderr
    (markdown,) = out.glob("*.md")
    assert markdown.read_text(encoding="utf-8") == every.stdout
    json_too = siliconchat("export", "--last", "--all-branches", "--format", "json", "-o", str(out))
    assert json_too.returncode == 0  # JSON always holds every branch: the flag changes nothing there
    assert len(list(out.glob("*.json"))) == 1
