"""Pasted text that is only paths of files (what a terminal pastes for a dropped file), and text that is not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from siliconchat.core.attachments import pasted_files
from siliconchat.core.attachments.pasted import MAX_PASTED_FILES


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "my cat (1).png").write_bytes(b"png")
    (tmp_path / "notes.md").write_text("# Notes\n", encoding="utf-8")
    (tmp_path / "it's.txt").write_text("quote\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    os.mkfifo(tmp_path / "pipe")
    return tmp_path


def test_each_way_a_terminal_pastes_a_dropped_file(folder: Path) -> None:
    cat = folder / "my cat (1).png"
    assert pasted_files(str(cat)) == [cat]  # as it is (kitty, some Linux terminals)
    assert pasted_files(f"'{cat}'") == [cat]  # quoted (GNOME Terminal, Konsole)
    assert pasted_files(f'"{cat}" ') == [cat]
    assert pasted_files(str(cat).replace(" ", "\\ ").replace("(", "\\(").replace(")", "\\)")) == [
        cat
    ]  # iTerm2
    assert pasted_files(f"file://{folder}/my%20cat%20%281%29.png\r\n") == [cat]  # a file URL
    assert pasted_files(f"'{folder}/it'\\''s.txt'") == [folder / "it's.txt"]  # a quote inside quotes


def test_several_files_one_per_line_or_side_by_side(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cat, notes = folder / "my cat (1).png", folder / "notes.md"
    assert pasted_files(f"{cat}\n{notes}\n") == [cat, notes]
    assert pasted_files(f"'{cat}' '{notes}' '{cat}'") == [cat, notes]  # each once
    assert pasted_files("./notes.md", base=folder) == [notes]  # relative, with a folder in it
    monkeypatch.setenv("HOME", str(folder))
    assert pasted_files("~/notes.md") == [notes]


@pytest.mark.parametrize(
    "text",
    [
        "notes.md",  # a bare name is a word in a prompt, even when the file exists
        "{folder}/notes.md and more",  # a path in a sentence
        "{folder}/notes.md\nwhat is this?",
        "{folder}/missing.md",
        "{folder}/sub",  # a folder
        "{folder}/pipe",  # a FIFO: not a regular file, and never opened
        "'{folder}/notes.md",  # an unclosed quote
        "file://elsewhere{folder}/notes.md",  # another host
        "",
        "\n \n",
        "{folder}/notes.md\x00",
    ],
)
def test_text_that_is_not_only_files_is_text(folder: Path, text: str) -> None:
    assert pasted_files(text.format(folder=folder), base=folder) == []


def test_too_many_files_are_text(folder: Path) -> None:
    names = []
    for n in range(MAX_PASTED_FILES + 1):
        (folder / f"f{n}.txt").write_text("x", encoding="utf-8")
        names.append(str(folder / f"f{n}.txt"))
    assert len(pasted_files("\n".join(names[:MAX_PASTED_FILES]))) == MAX_PASTED_FILES
    assert pasted_files("\n".join(names)) == []
