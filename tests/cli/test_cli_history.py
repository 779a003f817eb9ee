"""`ask` logging, `history`, `export` and `import` as a user runs them: real processes, real HTTP to the demo
server, the real SQLite file under the isolated XDG folders."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import api_env, siliconchat
from history_support import comparable

from siliconchat import paths
from siliconchat.config import load_config
from siliconchat.core.conversation import MessageState
from siliconchat.core.history import HistoryStore
from siliconchat.core.transcript import import_json
from siliconchat.demo.server import DemoServer

REAL_LOOKING_KEY = "sk-" + "z" * 48


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer(pace=0) as running:
        yield running


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("siliconchat:")]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


def ask(server: DemoServer, *args: str) -> subprocess.CompletedProcess[str]:
    return siliconchat("ask", *args, env=api_env(server))


# -- ask logs its turn -----------------------------------------------------------------------------------


def test_ask_logs_the_turn_and_continue_sends_it_as_context(server: DemoServer) -> None:
    first = ask(server, "-m", "deepseek-ai/DeepSeek-R1", "Why is the sky blue?")
    assert first.returncode == 0, first.stderr
    with HistoryStore.open() as store:
        conv = store.latest()
        assert conv is not None and conv.title == "Why is the sky blue?"
        user, answer = conv.messages
        assert (user.role, user.content) == ("user", "Why is the sky blue?")
        assert answer.content == first.stdout.removesuffix("\n") or answer.content == first.stdout
        assert answer.reasoning and answer.state is MessageState.COMPLETE and answer.finish_reason == "stop"
        assert answer.model == "deepseek-ai/DeepSeek-R1" and answer.usage and answer.timings.total

    second = ask(server, "-m", "demo/echo", "--continue", "And at sunset?")
    assert second.returncode == 0, second.stderr
    assert server.requests[-1].body["messages"] == [
        {"role": "user", "content": "Why is the sky blue?"},
        {"role": "assistant", "content": answer.content},  # the answer, never the reasoning
        {"role": "user", "content": "And at sunset?"},
    ]
    with HistoryStore.open() as store:
        assert store.count() == 1
        assert [m.content for m in store.load(conv.id).messages][2:] == ["And at sunset?", "And at sunset?"]

    third = ask(server, "-m", "demo/echo", "--conversation", str(conv.id), "Third")
    assert third.returncode == 0
    assert len(server.requests[-1].body["messages"]) == 5


def test_ask_no_log_writes_no_history(server: DemoServer) -> None:
    result = ask(server, "-m", "demo/echo", "--no-log", "private")
    assert result.returncode == 0 and result.stdout == "private\n"
    assert not paths.history_db().exists()


def test_continue_needs_a_conversation(server: DemoServer) -> None:
    result = ask(server, "-m", "demo/echo", "--continue", "x")
    assert result.returncode == 2 and "history is empty" in one_line(result.stderr)
    result = ask(server, "-m", "demo/echo", "--conversation", "99", "x")
    assert result.returncode == 2 and "No conversation 99" in one_line(result.stderr)


def test_cut_and_failed_turns_are_logged_with_their_reason(server: DemoServer) -> None:
    assert ask(server, "-m", "demo/cut", "cut me").returncode == 1
    assert ask(server, "-m", "demo/echo", "first").returncode == 0
    assert ask(server, "-m", "vendor/Not-A-Model", "--continue", "fail me").returncode == 1
    with HistoryStore.open() as store:
        cut, failed = (store.load(c.id) for c in reversed(store.list_conversations()))
    assert cut.messages[1].state is MessageState.INCOMPLETE and cut.messages[1].content
    assert "broke off" in (cut.messages[1].error or "")
    assert failed.messages[3].state is MessageState.FAILED and "does not exist" in (
        failed.messages[3].error or ""
    )
    assert failed.messages[2].content == "fail me"  # in a conversation, the prompt is kept: it can be retried


def test_a_failed_ask_with_no_answer_leaves_no_empty_conversation(server: DemoServer) -> None:
    assert ask(server, "-m", "vendor/Not-A-Model", "fail me").returncode == 1
    assert ask(server, "-m", "demo/error-500", "fail me too").returncode == 1
    with HistoryStore.open() as store:
        assert store.list_conversations() == []
    assert ask(server, "-m", "demo/cut", "cut me").returncode == 1  # a partial answer is kept
    with HistoryStore.open() as store:
        assert len(store.list_conversations()) == 1


def test_ctrl_c_saves_the_partial_answer_as_stopped(server: DemoServer) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "siliconchat", "ask", "-m", "demo/slow", "hello"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **api_env(server)},
    )
    assert process.stderr is not None
    process.stderr.read(20)  # some reasoning arrived
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=10)
    assert process.returncode == 130
    with HistoryStore.open() as store:
        answer = store.latest().messages[1]  # type: ignore[union-attr]
    assert answer.state is MessageState.STOPPED and answer.reasoning and answer.error


def test_a_broken_history_costs_one_warning_not_the_answer(server: DemoServer) -> None:
    db = paths.history_db()
    db.parent.mkdir(parents=True)
    newer = sqlite3.connect(db)  # a history from a newer siliconchat: refused, never changed
    newer.execute("CREATE TABLE future (x)")
    newer.execute("PRAGMA user_version = 99")
    newer.commit()
    newer.close()
    before = db.read_bytes()
    result = ask(server, "-m", "demo/echo", "still answered")
    assert result.returncode == 0 and result.stdout == "still answered\n"
    warning = one_line(result.stderr)
    assert "warning" in warning and str(db) in warning and "disabled" in warning
    refused = ask(server, "-m", "demo/echo", "--continue", "x")
    assert refused.returncode == 2 and str(db) in one_line(refused.stderr)
    history = siliconchat("history")
    assert history.returncode == 2 and str(db) in one_line(history.stderr)
    assert db.read_bytes() == before


def test_a_damaged_history_is_moved_aside_and_ask_says_where(server: DemoServer) -> None:
    db = paths.history_db()
    db.parent.mkdir(parents=True)
    garbage = b"this is not a database" * 100
    db.write_bytes(garbage)
    result = ask(server, "-m", "demo/echo", "saved anew")
    assert result.returncode == 0 and result.stdout == "saved anew\n"
    [moved] = db.parent.glob("history.damaged-*.db")
    warning = one_line(result.stderr)
    assert "warning" in warning and str(db) in warning and str(moved) in warning
    assert moved.read_bytes() == garbage
    listing = siliconchat("history")
    assert listing.returncode == 0 and "saved anew" in listing.stdout


# -- kill -9 in the middle of a stream ---------------------------------------------------------------------


def test_kill_9_mid_stream_keeps_everything_but_the_last_two_seconds(server: DemoServer) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "siliconchat", "ask", "-m", "demo/slow", "Tell me about the kill test"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,  # the reasoning streams here, exactly as received (not a terminal)
        env={**os.environ, **api_env(server)},
    )
    assert process.stderr is not None
    received: list[tuple[float, bytes]] = []

    def read() -> None:
        while chunk := os.read(process.stderr.fileno(), 4096):  # type: ignore[union-attr]
            received.append((time.monotonic(), chunk))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + 20
    while not received and time.monotonic() < deadline:
        time.sleep(0.02)
    assert received, "no reasoning arrived"
    time.sleep(4.5)  # > 2 s of reasoning at 5 deltas/s, so at least two checkpoints are due
    process.send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    process.wait(timeout=10)
    reader.join(timeout=5)
    everything = b"".join(chunk for _, chunk in received).decode()
    before_margin = b"".join(chunk for t, chunk in received if t <= killed_at - 2.5).decode()

    with HistoryStore.open() as store:
        conv = store.latest()
        assert conv is not None
        user, answer = conv.messages
        assert user.content == "Tell me about the kill test"
        assert answer.state is MessageState.INCOMPLETE and answer.error
        assert answer.model == "demo/slow"
        assert everything.startswith(answer.reasoning)  # consistent: nothing that did not arrive
        assert answer.reasoning.startswith(before_margin) and len(answer.reasoning) >= len(before_margin) > 0
    conn = sqlite3.connect(paths.history_db())
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    assert siliconchat("export", "--last").returncode == 0


# -- history, export, import ------------------------------------------------------------------------------


def test_history_lists_and_searches(server: DemoServer) -> None:
    empty = siliconchat("history")
    assert empty.returncode == 0 and empty.stdout == "" and "No saved conversations" in empty.stderr
    assert not paths.history_db().exists()  # looking does not create anything
    assert ask(server, "-m", "demo/echo", "first \x1b]0;evil\x07 question about comets").returncode == 0
    assert ask(server, "-m", "deepseek-ai/DeepSeek-R1", "second question").returncode == 0
    listing = siliconchat("history")
    assert listing.returncode == 0
    lines = listing.stdout.splitlines()
    assert len(lines) == 2
    assert (
        lines[0].split()[0] == "2" and "deepseek-ai/DeepSeek-R1" in lines[0] and "second question" in lines[0]
    )
    assert (
        lines[1].split()[0] == "1" and "demo/echo" in lines[1] and "first question about comets" in lines[1]
    )
    assert "\x1b" not in listing.stdout  # titles are stored sanitized
    assert siliconchat("history", "--limit", "1").stdout.count("\n") == 1
    found = siliconchat("history", "--search", "comets")
    assert found.returncode == 0 and found.stdout.splitlines()[0].startswith("1 ")
    assert "comets" in found.stdout


PRICES = """
currency = "$"

[prices]
"deepseek-ai/DeepSeek-R1" = { input = 4, output = 16 }
"Qwen/Qwen2.5-7B-Instruct" = { input = 0.5, output = 1 }
"""


def test_history_totals_count_every_answer_of_every_branch_at_the_configured_prices(
    server: DemoServer,
) -> None:
    from siliconchat.core.costs import conversation_totals, format_tokens, totals_cost

    config = paths.config_file()
    config.parent.mkdir(parents=True)
    config.write_text(PRICES, encoding="utf-8")
    # Two answers side by side (siblings: both were paid for), then one by a model without a price.
    compared = ask(
        server, "-m", "deepseek-ai/DeepSeek-R1", "-m", "Qwen/Qwen2.5-7B-Instruct", "Why is the sky blue?"
    )
    assert compared.returncode == 0, compared.stderr
    assert ask(server, "-m", "Qwen/Qwen2.5-7B-Instruct", "priced only").returncode == 0
    assert ask(server, "-m", "demo/echo", "--continue", "and an unpriced answer").returncode == 0
    listing = siliconchat("history", "--totals")
    assert listing.returncode == 0, listing.stderr
    newest, older = listing.stdout.splitlines()
    with HistoryStore.open() as store:
        first, second = store.load(1), store.load(2)
    prices = load_config(config).prices
    both = conversation_totals(first, prices)
    assert both.answers == 2 and both.priced == 2  # the sibling off the active path counts too
    assert (
        f"  {format_tokens(both.tokens)}  " in older and f" {totals_cost(both, '$')}  Why is the sky" in older
    )
    partial = conversation_totals(second, prices)
    assert partial.partial and f" {format_tokens(partial.tokens)}  ≥$" in newest
    assert f" {totals_cost(partial, '$')}  priced only" in newest
    # The columns line up, and without --totals the listing is as before.
    assert newest.index("tok") == older.index("tok")
    assert "tok" not in siliconchat("history").stdout
    limited = siliconchat("history", "--totals", "--limit", "1")
    assert limited.stdout.split() == newest.split()  # the same row (its columns as wide as it needs)

    config.write_text(PRICES.replace("output = 16", "output = -16"), encoding="utf-8")
    broken = siliconchat("history", "--totals")
    assert broken.returncode == 2 and broken.stdout == ""
    assert "prices must be a number of at least 0 for 'deepseek-ai/DeepSeek-R1' output" in one_line(
        broken.stderr
    )
    assert siliconchat("history").returncode == 0  # only --totals reads the prices


def test_history_totals_without_prices_show_tokens_only(server: DemoServer) -> None:
    assert ask(server, "-m", "deepseek-ai/DeepSeek-R1", "hello").returncode == 0
    line = siliconchat("history", "--totals").stdout.splitlines()[0]
    with HistoryStore.open() as store:
        answer = store.load(1).messages[-1]
    assert answer.usage is not None
    tokens = answer.usage.prompt_tokens + answer.usage.completion_tokens
    assert f"  {tokens:,} tok  -  hello" in line


def test_export_and_import(server: DemoServer, tmp_path: Path) -> None:
    assert siliconchat("export", "--last").returncode == 2
    assert ask(server, "-m", "demo/hostile", "hostile please").returncode == 0
    markdown = siliconchat("export", "--last")
    assert markdown.returncode == 0 and markdown.stdout.startswith("# hostile please\n")
    assert "\x1b]52" in markdown.stdout  # piped: the exact text, as in the file
    assert "<details>" in markdown.stdout

    out = tmp_path / "exports"
    out.mkdir()
    target = out / "chat.json"
    saved = siliconchat("export", "1", "--format", "json", "-o", str(target))
    assert saved.returncode == 0 and target.exists()
    before = target.read_bytes()
    again = siliconchat("export", "1", "--format", "json", "-o", str(target))
    assert again.returncode == 2 and "already exists" in one_line(again.stderr)
    assert target.read_bytes() == before

    into_folder = siliconchat("export", "--last", "-o", str(out))
    assert into_folder.returncode == 0
    named = [p for p in out.iterdir() if p.suffix == ".md"]
    assert len(named) == 1 and named[0].name.endswith(" hostile please.md")

    imported = siliconchat("import", str(target))
    assert imported.returncode == 0 and imported.stdout.strip() == "2"
    with HistoryStore.open() as store:
        original, copy = store.load(1), store.load(2)
    assert comparable(copy) == comparable(import_json(before)) == comparable(original)
    assert siliconchat("export", "7").returncode == 2


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("{oops", "not valid JSON"),
        ('{"format": "other"}', "not a siliconchat transcript"),
        ('{"format": "siliconchat.transcript", "version": 1, "messages": []}', "conversation is missing"),
    ],
)
def test_import_refuses_malformed_files(tmp_path: Path, content: str, words: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    result = siliconchat("import", str(bad))
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert str(bad) in line and words in line


# -- no secrets --------------------------------------------------------------------------------------------


def test_the_key_is_in_no_file_after_all_of_it(tmp_path: Path) -> None:
    documents = tmp_path / "xdg" / "documents"
    with DemoServer(pace=0, api_key=None) as any_key:
        env = api_env(any_key, REAL_LOOKING_KEY)
        assert siliconchat("ask", "-m", "deepseek-ai/DeepSeek-R1", "hi", env=env).returncode == 0
        assert siliconchat("ask", "-m", "demo/cut", "--continue", "more", env=env).returncode == 1
        assert siliconchat("ask", "-m", "demo/echo", "--conversation", "1", "again", env=env).returncode == 0
    assert siliconchat("ask", "hi", env=env).returncode == 1  # the server is gone: an error is saved
    documents.mkdir(parents=True)
    assert siliconchat("export", "--last", "-o", str(documents)).returncode == 0
    assert siliconchat("export", "--last", "--format", "json", "-o", str(documents)).returncode == 0
    exported = next(documents.glob("*.json"))
    assert siliconchat("import", str(exported)).returncode == 0
    written = [path for path in (tmp_path / "xdg").rglob("*") if path.is_file()]
    assert {p.name for p in written} >= {"history.db", "siliconchat.log"}
    for path in written:
        assert REAL_LOOKING_KEY.encode() not in path.read_bytes(), path
