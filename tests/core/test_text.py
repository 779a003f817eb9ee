"""Text safety in the core: any str becomes one that encodes to UTF-8, and a stream's chunks, however they
are cut, give the text as sent with only lone surrogates replaced."""

from __future__ import annotations

import json
import timeit

from hypothesis import example, given, settings
from hypothesis import strategies as st
from text_strategies import HOSTILE_TEXT, ROBUST, cuts

from siliconchat.core.events import AnswerDelta, Failed, Finished, ReasoningDelta
from siliconchat.core.stream_reader import StreamReader
from siliconchat.core.text import REPLACEMENT, SurrogateJoiner, has_surrogates, safe_text

GRINNING = "\U0001f600"  # 😀, "\ud83d\ude00" in UTF-16


def expected(text: str) -> str:
    """The reference: decode UTF-16 with every surrogate written as such (the definition, code unit by code
    unit, independent of how safe_text does it)."""
    units = [ord(ch) for ch in text]
    out: list[str] = []
    i = 0
    while i < len(units):
        unit = units[i]
        if 0xD800 <= unit <= 0xDBFF and i + 1 < len(units) and 0xDC00 <= units[i + 1] <= 0xDFFF:
            out.append(chr(0x10000 + ((unit - 0xD800) << 10) + (units[i + 1] - 0xDC00)))
            i += 2
            continue
        out.append(REPLACEMENT if 0xD800 <= unit <= 0xDFFF else chr(unit))
        i += 1
    return "".join(out)


# -- safe_text -----------------------------------------------------------------------------------------------


def test_pairs_are_joined_and_lone_halves_replaced() -> None:
    assert safe_text("\ud83d\ude00") == GRINNING
    assert safe_text("a\ud800b") == "a\ufffdb"
    assert safe_text("\ude00\ud83d") == "\ufffd\ufffd"  # the wrong order is no pair
    assert safe_text("\ud83d\ud83d\ude00") == "\ufffd" + GRINNING
    assert safe_text("caf\udce9") == "caf\ufffd"  # b"caf\xe9" through surrogateescape


def test_clean_text_is_returned_as_is() -> None:
    for text in ("", "plain ASCII", "中文 and 🎉 and \ufeff", "\ufffd"):
        assert safe_text(text) is text
        assert not has_surrogates(text)


@ROBUST
@given(HOSTILE_TEXT)
@example("\ud83d\ude00\ud83d")
def test_safe_text_always_encodes_and_follows_the_definition(text: str) -> None:
    result = safe_text(text)
    result.encode("utf-8")  # never raises
    assert result == expected(text)
    assert safe_text(result) is result


def test_the_fast_check_costs_little() -> None:
    """The common case (no surrogates) must stay cheap on long text: the numbers are measured, not guessed,
    with a wide margin so that a busy machine does not fail the test (typical: ASCII ~0.1 µs, CJK ~8 µs)."""
    ascii_text = ("The quick brown fox jumps over the lazy dog. " * 300)[:10240]
    cjk_text = ("中文字符测试，这是一个句子。" * 300)[: 10240 // 3]  # 10 KB of UTF-8
    for text, limit in ((ascii_text, 5e-6), (cjk_text, 200e-6)):
        seconds = min(timeit.repeat(lambda text=text: safe_text(text), number=200, repeat=3)) / 200
        assert seconds < limit, (len(text), seconds)


# -- SurrogateJoiner -----------------------------------------------------------------------------------------


def test_a_pair_cut_in_two_comes_out_whole() -> None:
    joiner = SurrogateJoiner()
    assert joiner.feed("smile \ud83d") == "smile "
    assert joiner.feed("\ude00!") == GRINNING + "!"
    assert joiner.flush() == ""


def test_a_half_held_at_the_end_becomes_a_replacement() -> None:
    joiner = SurrogateJoiner()
    assert joiner.feed("end \ud83d") == "end "
    assert joiner.feed("") == ""  # still held: the other half may come next
    assert joiner.flush() == REPLACEMENT
    assert joiner.flush() == ""


@ROBUST
@given(HOSTILE_TEXT.flatmap(lambda text: cuts(text).map(lambda parts: (text, parts))))
def test_any_cutting_gives_the_safe_text_of_the_whole(case: tuple[str, list[str]]) -> None:
    text, parts = case
    joiner = SurrogateJoiner()
    out = [joiner.feed(part) for part in parts]
    out.append(joiner.flush())
    for piece in out:
        piece.encode("utf-8")
    assert "".join(out) == safe_text(text)


# -- the stream reader: parsed chunks to events -------------------------------------------------------------


def wire(reasoning: str | None, content: str | None) -> dict[str, object]:
    """A chunk as the SDK hands it over: JSON with surrogates escaped (as any JSON encoder writes them),
    parsed back."""
    chunk = {
        "id": "x",
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": {"content": content, "reasoning_content": reasoning}}],
    }
    parsed: dict[str, object] = json.loads(json.dumps(chunk))
    return parsed


def read_all(chunks: list[dict[str, object]]) -> tuple[str, str, list[object]]:
    reader = StreamReader()
    events: list[object] = []
    for chunk in chunks:
        events += reader.read(chunk)
    events += reader.read({"choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "stop"}]})
    events += reader.flush()
    reasoning = "".join(e.text for e in events if isinstance(e, ReasoningDelta))
    answer = "".join(e.text for e in events if isinstance(e, AnswerDelta))
    return reasoning, answer, events


# A stream: reasoning and answer text, each cut at random, the pieces sent in chunks that may carry either
# or both. The answer never opens with <think> here (that is the inline-reasoning format, tested apart).
STREAM = st.tuples(HOSTILE_TEXT, HOSTILE_TEXT.map(lambda text: "A" + text)).flatmap(
    lambda texts: st.tuples(st.just(texts), cuts(texts[0]), cuts(texts[1]))
)


@settings(ROBUST, max_examples=300)
@given(STREAM)
def test_any_chunking_of_any_text_streams_as_sent(case: tuple[tuple[str, str], list[str], list[str]]) -> None:
    (reasoning_text, answer_text), reasoning_parts, answer_parts = case
    width = max(len(reasoning_parts), len(answer_parts))
    chunks = [
        wire(
            reasoning_parts[i] if i < len(reasoning_parts) else None,
            answer_parts[i] if i < len(answer_parts) else None,
        )
        for i in range(width)
    ]
    reasoning, answer, events = read_all(chunks)
    assert events[-1] == Finished("stop")
    assert not any(isinstance(e, Failed) for e in events)
    for event in events:
        if isinstance(event, (ReasoningDelta, AnswerDelta)):
            assert event.text  # no empty deltas
            event.text.encode("utf-8")
    assert reasoning == safe_text(reasoning_text) == expected(reasoning_text)
    assert answer == safe_text(answer_text)


def test_inline_think_tags_with_a_pair_cut_across_them() -> None:
    chunks = [wire(None, "<think>hmm \ud83e"), wire(None, "\udd14</think>"), wire(None, "ok \ud83d")]
    reasoning, answer, _ = read_all(chunks)
    assert (reasoning, answer) == ("hmm \U0001f914", "ok \ufffd")
