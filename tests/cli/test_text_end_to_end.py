"""Text that is not valid Unicode, from every way in, as a user meets it: a stream that cuts a surrogate pair
or sends a lone one, bytes that are not UTF-8 on stdin, in argv and in the environment, a transcript with
``"\\ud800"``, a history row written by another program. Real HTTP to the demo server, real processes, the
real SQLite file; each ends with U+FFFD where the bad text was, never a traceback."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cli_support import api_env, siliconchat, siliconchat_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from text_strategies import HOSTILE_TEXT, cuts

from siliconchat import paths
from siliconchat.core.api import ChatClient
from siliconchat.core.conversation import Conversation, MessageState
from siliconchat.core.events import AnswerDelta, Failed, Finished, ReasoningDelta, StreamEvent
from siliconchat.core.history import HistoryStore
from siliconchat.core.models import ModelCatalogue
from siliconchat.core.text import safe_text
from siliconchat.core.transcript import to_json
from siliconchat.demo import text_scenarios
from siliconchat.demo.server import DEMO_API_KEY, DemoServer

Pairs = list[list[str | None]]


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer(pace=0) as running:
        yield running


def no_traceback(result_stderr: bytes | str) -> str:
    text = result_stderr.decode("utf-8") if isinstance(result_stderr, bytes) else result_stderr
    assert "Traceback" not in text and "UnicodeEncodeError" not in text, text
    return text


def last_exported() -> dict[str, object]:
    """The latest conversation as `siliconchat export --last --format json` prints it (strict UTF-8)."""
    result = siliconchat_bytes("export", "--last", "--format", "json")
    assert result.returncode == 0, no_traceback(result.stderr)
    exported: dict[str, object] = json.loads(result.stdout.decode("utf-8"))
    return exported


def contents(exported: dict[str, object]) -> list[tuple[str, str, str]]:
    messages = exported["messages"]
    assert isinstance(messages, list)
    return [(m["role"], m["content"], m.get("reasoning", "")) for m in messages]


# -- the stream, over real HTTP ------------------------------------------------------------------------------


async def stream_text(client: ChatClient, model: str, prompt: str) -> tuple[str, str, list[StreamEvent]]:
    conversation = Conversation()
    conversation.add_user(prompt)
    events: list[StreamEvent] = []
    async with contextlib.aclosing(client.stream(conversation.request_messages(), model)) as stream:
        async for event in stream:
            events.append(event)
    reasoning = "".join(e.text for e in events if isinstance(e, ReasoningDelta))
    answer = "".join(e.text for e in events if isinstance(e, AnswerDelta))
    return reasoning, answer, events


@pytest.fixture(scope="module")
def streamer(server: DemoServer) -> Iterator[Callable[[str, str], tuple[str, str, list[StreamEvent]]]]:
    """Streams with one client on one event loop for the whole module (a client per example would spend
    most of the time making SSL contexts)."""
    loop = asyncio.new_event_loop()
    client = ChatClient(
        base_url=server.base_url,
        api_key=DEMO_API_KEY,
        max_retries=0,
        idle_timeout=5.0,
        catalogue=ModelCatalogue(None),
    )
    yield lambda model, prompt: loop.run_until_complete(stream_text(client, model, prompt))
    loop.run_until_complete(client.aclose())
    loop.close()


def test_pairs_cut_across_deltas_and_lone_surrogates_over_http(
    streamer: Callable[[str, str], tuple[str, str, list[StreamEvent]]],
) -> None:
    reasoning, answer, events = streamer("demo/surrogates", "hello")
    assert events[-1] == Finished("stop")
    assert reasoning == text_scenarios.SURROGATE_REASONING == "Thinking 🤔 done."
    assert answer == text_scenarios.SURROGATE_ANSWER


def test_a_lone_surrogate_in_the_conversation_is_sent_as_a_replacement(
    streamer: Callable[[str, str], tuple[str, str, list[StreamEvent]]],
) -> None:
    _, answer, events = streamer("demo/echo", "pasted \ud800 text \ud83d\ude00")
    assert events[-1] == Finished("stop")
    assert answer == "pasted \ufffd text 😀"  # echoed: what the request carried


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.tuples(HOSTILE_TEXT, HOSTILE_TEXT.map(lambda text: "A" + text)).flatmap(
        lambda texts: st.tuples(st.just(texts), cuts(texts[0]), cuts(texts[1]))
    )
)
def test_any_chunking_of_any_text_over_http(
    streamer: Callable[[str, str], tuple[str, str, list[StreamEvent]]],
    case: tuple[tuple[str, str], list[str], list[str]],
) -> None:
    (reasoning_text, answer_text), reasoning_parts, answer_parts = case
    width = max(len(reasoning_parts), len(answer_parts))
    pairs: Pairs = [
        [
            reasoning_parts[i] if i < len(reasoning_parts) else None,
            answer_parts[i] if i < len(answer_parts) else None,
        ]
        for i in range(width)
    ]
    # ASCII JSON: the request carries lone surrogates as escapes; the server sends them back as escapes.
    reasoning, answer, events = streamer("demo/chunks", json.dumps(pairs))
    assert events[-1] == Finished("stop"), events[-1]
    assert not any(isinstance(e, Failed) for e in events)
    (reasoning + answer).encode("utf-8")
    assert reasoning == safe_text(reasoning_text)
    assert answer == safe_text(answer_text)


# -- siliconchat ask ---------------------------------------------------------------------------------------


def test_ask_shows_and_saves_a_cut_pair_and_lone_surrogates(server: DemoServer) -> None:
    result = siliconchat_bytes("ask", "-m", "demo/surrogates", "faces please", env=api_env(server))
    stderr = no_traceback(result.stderr)
    assert result.returncode == 0, stderr
    assert result.stdout.decode("utf-8") == text_scenarios.SURROGATE_ANSWER + "\n"
    assert "Thinking 🤔 done." in stderr
    [user, answer] = contents(last_exported())
    assert user == ("user", "faces please", "")
    assert answer == ("assistant", text_scenarios.SURROGATE_ANSWER, text_scenarios.SURROGATE_REASONING)


@pytest.mark.parametrize("stdin_errors", ["strict", "surrogateescape"])
def test_ask_reads_bytes_that_are_not_utf8_on_stdin(server: DemoServer, stdin_errors: str) -> None:
    # A UTF-8 locale reads stdin strictly, the C locale with surrogateescape: both end the same way.
    env = {**api_env(server), "PYTHONIOENCODING": f"utf-8:{stdin_errors}"}
    result = siliconchat_bytes("ask", "-m", "demo/echo", "-", stdin=b"caf\xe9 \xff\xfe ok\n", env=env)
    assert result.returncode == 0, no_traceback(result.stderr)
    assert result.stdout.decode("utf-8") == "caf\ufffd \ufffd\ufffd ok\n"  # echoed back, so it was sent so
    [user, answer] = contents(last_exported())
    assert user == ("user", "caf\ufffd \ufffd\ufffd ok\n", "")
    assert answer[1] == "caf\ufffd \ufffd\ufffd ok\n"


def test_ask_takes_bytes_that_are_not_utf8_in_argv(server: DemoServer) -> None:
    result = siliconchat_bytes(
        "ask", "-m", "demo/echo", "--system", b"be \xff brief", b"na\xefve \xe9t\xe9", env=api_env(server)
    )
    assert result.returncode == 0, no_traceback(result.stderr)
    assert result.stdout.decode("utf-8") == "na\ufffdve \ufffdt\ufffd\n"
    exported = last_exported()
    assert contents(exported)[0] == ("user", "na\ufffdve \ufffdt\ufffd", "")
    conversation = exported["conversation"]
    assert isinstance(conversation, dict) and conversation["system_prompt"] == "be \ufffd brief"
    listed = siliconchat_bytes("history", "--search", b"na\xefve")
    assert listed.returncode == 0, no_traceback(listed.stderr)
    assert "na\ufffdve" in listed.stdout.decode("utf-8")


def test_a_model_id_with_bad_bytes_in_the_environment_is_one_clear_error(server: DemoServer) -> None:
    env = {**api_env(server), "SILICONCHAT_MODEL": b"demo/ech\xf6"}
    result = siliconchat_bytes("ask", "hello", env=env)
    stderr = no_traceback(result.stderr)
    assert result.returncode == 1
    [line] = [line for line in stderr.splitlines() if line.startswith("siliconchat:")]
    assert "demo/ech\ufffd" in line


# -- import and the history file ---------------------------------------------------------------------------


def test_import_of_a_transcript_with_a_lone_surrogate(tmp_path: Path) -> None:
    conversation = Conversation(title="TITLE", system_prompt="SYSTEM")
    conversation.add_user("USER")
    conversation.add_assistant("MODEL").content = "ANSWER"
    text = to_json(conversation)
    for word in ("TITLE", "SYSTEM", "USER", "ANSWER"):  # as JSON escapes: what another tool may write
        text = text.replace(word, word.lower() + " \\ud800 \\udcff end")
    path = tmp_path / "odd.json"
    path.write_text(text, encoding="utf-8")

    result = siliconchat("import", str(path))
    assert result.returncode == 0 and result.stdout.strip() == "1", no_traceback(result.stderr)
    exported = last_exported()
    assert [c[:2] for c in contents(exported)] == [
        ("user", "user \ufffd \ufffd end"),
        ("assistant", "answer \ufffd \ufffd end"),
    ]
    conv = exported["conversation"]
    assert isinstance(conv, dict)
    assert (conv["title"], conv["system_prompt"]) == ("title \ufffd \ufffd end", "system \ufffd \ufffd end")
    listed = siliconchat("history")
    assert listed.returncode == 0 and "title \ufffd \ufffd end" in listed.stdout


def test_a_history_row_with_bytes_that_are_not_utf8_is_shown_not_hidden(server: DemoServer) -> None:
    first = siliconchat("ask", "-m", "demo/echo", "hello there", env=api_env(server))
    assert first.returncode == 0, first.stderr
    # Another program (or a damaged page) left bytes that are not UTF-8 in a TEXT column: SQLite never checks.
    with contextlib.closing(sqlite3.connect(paths.history_db())) as conn:
        conn.execute(
            "UPDATE messages SET content = CAST(? AS TEXT) WHERE role = 'assistant'", (b"bad \xff\xfe bytes",)
        )
        conn.execute("UPDATE conversations SET title = CAST(? AS TEXT)", (b"title \xc3",))
        conn.commit()

    with HistoryStore.open() as store:
        conversation = store.latest()
        assert conversation is not None and conversation.title == "title \ufffd"
        assert [m.content for m in conversation.messages] == ["hello there", "bad \ufffd\ufffd bytes"]
        [hit] = store.search("bytes")
        assert "\ufffd" in hit.snippet
    assert [c[1] for c in contents(last_exported())] == ["hello there", "bad \ufffd\ufffd bytes"]
    listed = siliconchat("history")
    assert listed.returncode == 0 and "title \ufffd" in listed.stdout
    again = siliconchat("ask", "-m", "demo/echo", "--continue", "and again", env=api_env(server))
    assert again.returncode == 0, no_traceback(again.stderr)


# -- the TUI -----------------------------------------------------------------------------------------------


async def test_the_tui_streams_and_saves_a_cut_pair_and_lone_surrogates(make_app) -> None:  # type: ignore[no-untyped-def]
    from ui_support import chat, send, wait_turn

    app = make_app(model="demo/surrogates")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = chat(app)
        await send(pilot, "faces please")
        await wait_turn(pilot)
        message = screen.conversation.messages[-1]
        assert message.state is MessageState.COMPLETE
        assert message.reasoning == text_scenarios.SURROGATE_REASONING
        assert message.content == text_scenarios.SURROGATE_ANSWER
        await send(pilot, "and the next turn works")
        await wait_turn(pilot)
        assert screen.conversation.messages[-1].state is MessageState.COMPLETE
    with HistoryStore.open() as store:
        saved = store.latest()
    assert saved is not None
    assert [m.content for m in saved.messages][:2] == ["faces please", text_scenarios.SURROGATE_ANSWER]


# -- the log file ------------------------------------------------------------------------------------------


def test_a_lone_surrogate_in_a_log_record_is_written_escaped(capfd: pytest.CaptureFixture[str]) -> None:
    import logging

    from siliconchat.logs import setup_logging

    handler = setup_logging(None)
    assert handler is not None
    # The record goes to the app's handler alone: pytest's own log capture would carry the surrogate into
    # the test report, which pytest-xdist cannot send between processes.
    logging.getLogger().removeHandler(handler)
    logger = logging.getLogger("siliconchat.test.surrogate")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        logger.warning("odd text %s", "a\ud800b")
    finally:
        logger.removeHandler(handler)
        handler.close()
    assert "Logging error" not in capfd.readouterr().err
    assert "odd text a\\ud800b" in (paths.log_dir() / "siliconchat.log").read_text(encoding="utf-8")
