"""Transcripts: Markdown and JSON export, JSON import, safe names, atomic never-overwriting files."""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
from history_support import comparable, full_conversation

from siliconchat.core.conversation import Conversation, Message, MessageState, Timings
from siliconchat.core.history import HistoryStore
from siliconchat.core.transcript import (
    FORMAT,
    VERSION,
    TranscriptError,
    import_json,
    save_transcript,
    to_dict,
    to_json,
    to_markdown,
    transcript_filename,
    write_new_file,
)

CREATED = 1_795_000_000.0  # a fixed moment; names use local time, computed the same way below


def conversation_with_states() -> Conversation:
    conv = full_conversation()
    conv.title = "Why is the sky blue?"
    conv.add_user("fail please").created_at = conv.messages[-1].created_at + 1
    failed = conv.add_assistant("m/failing")
    failed.state, failed.error, failed.content = MessageState.FAILED, "HTTP 503: the service is busy.", ""
    conv.add_user("cut please")
    cut = conv.add_assistant("m/cut")
    cut.state, cut.error = MessageState.INCOMPLETE, "The stream broke off."
    cut.content = "Here is code:\n\n```python\nprint('unfinished"
    return conv


# -- Markdown ------------------------------------------------------------------------------------------


def test_markdown_header_and_turns() -> None:
    conv = conversation_with_states()
    conv.id = 42
    text = to_markdown(conv)
    assert text.startswith("# Why is the sky blue?\n")
    assert "- **Models:** `deepseek-ai/DeepSeek-R1`, `Qwen/Qwen3-8B`, `m/failing`, `m/cut`" in text
    assert "- **Conversation:** 42" in text and "- **Date:** " in text
    assert "## User · " in text and "## Assistant · deepseek-ai/DeepSeek-R1 · " in text
    assert "> Be terse.\n> Never use [bold]markup[/]." in text  # the system prompt, quoted


def test_markdown_keeps_the_text_exactly_and_folds_the_reasoning() -> None:
    conv = conversation_with_states()
    text = to_markdown(conv)
    answer = conv.messages[1]
    assert answer.content in text and conv.messages[0].content in text  # verbatim, control characters too
    assert (
        "<details>\n<summary>Reasoning (3.2 s)</summary>\n\n"
        + answer.reasoning
        + "\n\n</details>\n\n"
        + answer.content
    ) in text


def test_markdown_marks_partial_turns() -> None:
    text = to_markdown(conversation_with_states())
    assert "> **Stopped** — Stopped by the user." in text
    assert "> **Failed** — HTTP 503: the service is busy." in text
    assert "> **Incomplete** — The stream broke off." in text
    # the cut-off code block is closed, so the turns after it still render as Markdown
    assert "print('unfinished\n```\n" in text


def test_markdown_of_an_empty_untitled_conversation() -> None:
    assert to_markdown(Conversation(created_at=CREATED)).startswith("# Untitled conversation\n")


# -- JSON ------------------------------------------------------------------------------------------------


def test_json_round_trip_is_exact() -> None:
    conv = conversation_with_states()
    conv.id = 7
    data = json.loads(to_json(conv))
    assert (data["format"], data["version"]) == (FORMAT, VERSION)
    assert data["conversation"]["id"] == 7 and data["conversation"]["params"]["thinking_budget"] == 2048
    back = import_json(to_json(conv))
    assert back.id is None and all(m.id is None for m in back.messages)
    assert comparable(back) == comparable(conv)
    assert import_json(to_json(conv).encode("utf-8")) == back
    assert import_json(data) == back


def test_export_import_through_the_store(tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "h.db") as store:
        original = conversation_with_states()
        store.create_conversation(original)
        exported = to_json(store.load(original.id))  # type: ignore[arg-type]
        new_id = store.create_conversation(import_json(exported))
        assert new_id != original.id
        assert comparable(store.load(new_id)) == comparable(store.load(original.id))  # type: ignore[arg-type]


def valid() -> dict[str, Any]:
    return to_dict(conversation_with_states())


def broken(change: Any) -> Any:
    data = copy.deepcopy(valid())
    change(data)
    return data


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ("{not json", "not valid JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
        ("[]", "must be an object"),
        (broken(lambda d: d.update(format="other")), "not a siliconchat transcript"),
        (broken(lambda d: d.pop("format")), "not a siliconchat transcript"),
        (broken(lambda d: d.update(version=VERSION + 1)), "newer"),
        (broken(lambda d: d.update(version="1")), "version must be a whole number"),
        (broken(lambda d: d.pop("conversation")), "transcript.conversation is missing"),
        (broken(lambda d: d.update(messages={})), "messages must be a list"),
        (
            broken(lambda d: d["conversation"].update(created="yesterday")),
            "conversation.created must be a number",
        ),
        (broken(lambda d: d["conversation"].update(title=5)), "conversation.title must be a string"),
        (broken(lambda d: d["conversation"]["params"].update(temperature=9)), "temperature"),
        (
            broken(lambda d: d["conversation"]["params"].update(api_key="sk-x")),
            "api_key is not a known parameter",
        ),
        (broken(lambda d: d["messages"][1].update(role="tool")), "messages[1].role"),
        (broken(lambda d: d["messages"][1].update(state="weird")), "messages[1].state must be one of"),
        (broken(lambda d: d["messages"][1].pop("content")), "messages[1].content is missing"),
        (broken(lambda d: d["messages"][1].update(content=None)), "messages[1].content must be a string"),
        (broken(lambda d: d["messages"][1]["usage"].update(total_tokens=-1)), "total_tokens"),
        (broken(lambda d: d["messages"][1]["timings"].update(total="x")), "timings.total must be a number"),
        (
            broken(lambda d: d["messages"].append(7)),
            f"messages[{len(valid()['messages'])}] must be an object",
        ),
    ],
)
def test_malformed_transcripts_are_refused_clearly(data: Any, words: str) -> None:
    with pytest.raises(TranscriptError) as caught:
        import_json(data)
    assert words in str(caught.value)


def test_a_transcript_saved_mid_stream_imports_as_incomplete() -> None:
    conv = Conversation()
    conv.add_user("q")
    conv.add_assistant("m").content = "partial"
    assert import_json(to_json(conv)).messages[1].state is MessageState.INCOMPLETE


# -- file names ----------------------------------------------------------------------------------------------


HOSTILE_TITLES = [
    "../../etc/passwd",
    "a/b\\c",
    "tab\tnew\nline\x00nul\x1b[31mred\x07",
    "x" * 500,
    "",
    ".hidden",
    "...",
    "CON",
    "con.txt",
    "LPT1",
    'what: is * this? "quoted" <a|b>',
    "evil\u202etxt.exe",  # a right-to-left override
    "\ud800 lone surrogate",
    "🌈" * 100,
    "  trailing dots and spaces . . ",
]


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_file_names_from_hostile_titles(title: str, tmp_path: Path) -> None:
    name = transcript_filename(title, CREATED, "md")
    stem = name[: -len(".md")]
    assert name.endswith(".md") and len(stem) <= 80 and len(name.encode("utf-8")) <= 255
    assert "/" not in name and "\\" not in name and ".." not in name
    assert not any(ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F or ch == "\u202e" for ch in name)
    assert not name.startswith(".") and stem == stem.strip(" .")
    assert stem.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL", "LPT1", "COM1"}
    path = tmp_path / name
    path.write_text("ok", encoding="utf-8")  # a real file can have this name
    assert path.parent == tmp_path


def test_file_name_format_and_fallback() -> None:
    import datetime

    stamp = datetime.datetime.fromtimestamp(CREATED).strftime("%Y-%m-%d %H%M")
    assert transcript_filename("Why is the sky blue?", CREATED, "md") == f"{stamp} Why is the sky blue.md"
    assert transcript_filename("", CREATED, "json") == f"{stamp} conversation.json"
    assert transcript_filename("../../etc/passwd", CREATED, "md") == f"{stamp} etc passwd.md"
    assert transcript_filename(".hidden", CREATED, "md") == f"{stamp} hidden.md"
    assert transcript_filename("CON", CREATED, "md") == f"{stamp} CON conversation.md"
    long_name = transcript_filename("word " * 100, CREATED, "md")
    assert long_name.endswith("word.md")  # cut at a word boundary
    with pytest.raises(ValueError):
        transcript_filename("x", CREATED, "../md")


# -- saving files -----------------------------------------------------------------------------------------------


def test_save_writes_both_formats_in_utf8_into_a_private_folder(tmp_path: Path) -> None:
    conv = conversation_with_states()
    folder = tmp_path / "docs" / "siliconchat"
    written = save_transcript(conv, folder)
    assert [p.suffix for p in written] == [".md", ".json"]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert written[0].read_bytes() == to_markdown(conv).encode("utf-8")
    assert import_json(written[1].read_bytes()) == import_json(to_json(conv))
    assert sorted(os.listdir(folder)) == sorted(p.name for p in written)  # no temporary files left


def test_default_folder(isolated_dirs: dict[str, Path]) -> None:
    written = save_transcript(conversation_with_states(), formats=("md",))
    assert written[0].parent == isolated_dirs["XDG_DOCUMENTS_DIR"] / "siliconchat"


def test_saving_never_overwrites(tmp_path: Path) -> None:
    conv = conversation_with_states()
    first = save_transcript(conv, tmp_path)
    contents = [p.read_bytes() for p in first]
    second = save_transcript(conv, tmp_path)
    assert [p.name for p in second] == [p.name.replace(p.suffix, f" (2){p.suffix}") for p in first]
    assert [p.read_bytes() for p in first] == contents
    # a stray file that takes only one format's name: both formats move on to the same free number
    (tmp_path / first[0].name.replace(".md", " (3).md")).write_text("mine", encoding="utf-8")
    third = save_transcript(conv, tmp_path)
    assert [p.name for p in third] == [p.name.replace(p.suffix, f" (4){p.suffix}") for p in first]
    assert (tmp_path / first[0].name.replace(".md", " (3).md")).read_text(encoding="utf-8") == "mine"


def test_concurrent_saves_never_overwrite(tmp_path: Path) -> None:
    tmp_path = tmp_path / "out"
    conv = conversation_with_states()
    results: list[Path] = []
    lock = threading.Lock()

    def save() -> None:
        paths = save_transcript(conv, tmp_path, formats=("json",))
        with lock:
            results.extend(paths)

    threads = [threading.Thread(target=save) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 12 and len(os.listdir(tmp_path)) == 12


def test_write_new_file_refuses_an_existing_file(tmp_path: Path) -> None:
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    target = tmp_path / "out.md"
    target.write_text("precious", encoding="utf-8")
    with pytest.raises(FileExistsError):
        write_new_file(target, b"new")
    assert target.read_text(encoding="utf-8") == "precious" and os.listdir(tmp_path) == ["out.md"]
    assert write_new_file(target, b"new", numbered=True).name == "out (2).md"


def test_json_has_every_stored_field() -> None:
    message = dataclasses.fields(Message)
    data = to_dict(conversation_with_states())
    stored = {
        "id",
        "role",
        "content",
        "reasoning",
        "model",
        "usage",
        "timings",
        "finish_reason",
        "error",
        "state",
    }
    assert stored | {"created", "chosen", "parent"} == set(data["messages"][0])
    # attachments are written for the messages that have some (tests/test_history_attachments.py)
    assert {f.name for f in message} == stored | {"created_at", "attachments", "chosen_at", "parent"}
    assert set(data["conversation"]) == {"id", "title", "created", "updated", "system_prompt", "params"}
    assert data["messages"][3]["timings"] == dataclasses.asdict(Timings(0.1, None, 1.0))
