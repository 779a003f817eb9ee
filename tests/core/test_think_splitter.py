"""Inline <think>…</think> reasoning is split out, however the tags are cut across deltas."""

from __future__ import annotations

import pytest

from siliconchat.core.think import ThinkSplitter


def split(deltas: list[str]) -> tuple[str, str]:
    splitter = ThinkSplitter()
    reasoning, answer = [], []
    for delta in deltas:
        r, a = splitter.feed(delta)
        reasoning.append(r)
        answer.append(a)
    r, a = splitter.flush()
    return "".join(reasoning) + r, "".join(answer) + a


TEXT = "<think>Let me think.</think>\n\nThe answer."


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 8, 100])
def test_tags_cut_at_every_position(size: int) -> None:
    deltas = [TEXT[i : i + size] for i in range(0, len(TEXT), size)]
    assert split(deltas) == ("Let me think.", "\n\nThe answer.")


def test_leading_whitespace_before_the_tag() -> None:
    assert split(["\n", "<th", "ink>why</th", "ink>because"]) == ("why", "because")


def test_plain_answer_passes_through_unchanged() -> None:
    assert split(["Hello", " ", "world"]) == ("", "Hello world")


def test_tag_mentioned_later_is_not_reasoning() -> None:
    answer = "Use the <think> tag like this: <think>x</think>"
    assert split([answer[:10], answer[10:]]) == ("", answer)


def test_partial_tag_that_turns_out_not_to_be_a_tag() -> None:
    assert split(["<th", "at is a table>"]) == ("", "<that is a table>")


def test_unclosed_reasoning_is_flushed_as_reasoning() -> None:
    assert split(["<think>still thinking</thi"]) == ("still thinking</thi", "")


def test_whitespace_only_answer_is_kept() -> None:
    assert split(["  "]) == ("", "  ")
