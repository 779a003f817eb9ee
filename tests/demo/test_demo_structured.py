"""The structured-answer scenarios (demo/list, demo/table …) read through the openai SDK from a real server.

At full size each answer is read through the SDK's streaming response (its HTTP client and chunked event
stream), each ``data:`` line decoded with ``json``: the SDK's typed chunks cost about 120 µs each, over a
minute for these 600,000 deltas. The typed path (``async for chunk in stream``, what clients see) is
checked at small sizes to give the same deltas. The assembled text is checked for the shape the benchmark
promises.
"""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Iterator
from typing import Any

import pytest
from openai import AsyncOpenAI

from siliconchat.demo import DEMO_API_KEY, DemoServer
from siliconchat.demo import scenarios as sc
from siliconchat.demo import structured as st

MESSAGES: Any = [{"role": "user", "content": "benchmark"}]


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer(pace=0) as demo:
        yield demo
    assert demo._errors == []


def client(server: DemoServer) -> AsyncOpenAI:
    return AsyncOpenAI(base_url=server.base_url, api_key=DEMO_API_KEY, max_retries=0, timeout=60)


async def stream(server: DemoServer, model: str) -> tuple[list[str], str | None, int]:
    """(the content deltas, the last finish_reason, the last usage's completion_tokens), from the raw events."""
    deltas: list[str] = []
    finish: str | None = None
    tokens = 0
    async with client(server) as sdk:
        create = sdk.chat.completions.with_streaming_response.create
        async with create(model=model, messages=MESSAGES, stream=True) as response:
            assert response.headers["content-type"] == "text/event-stream"
            async for line in response.iter_lines():
                if not line.startswith("data: ") or line == "data: [DONE]":
                    continue
                chunk = json.loads(line[len("data: ") :])
                tokens = chunk["usage"]["completion_tokens"]
                for choice in chunk["choices"]:
                    assert choice["delta"]["reasoning_content"] is None
                    if choice["delta"]["content"]:
                        deltas.append(choice["delta"]["content"])
                    finish = choice["finish_reason"] or finish
    return deltas, finish, tokens


async def typed_stream(server: DemoServer, model: str) -> tuple[list[str], str | None]:
    """The content deltas and the last finish_reason, as ``async for chunk in stream`` gives them."""
    deltas: list[str] = []
    finish: str | None = None
    async with client(server) as sdk:
        response = await sdk.chat.completions.create(model=model, messages=MESSAGES, stream=True)
        async for chunk in response:
            for choice in chunk.choices:
                if choice.delta.content:
                    deltas.append(choice.delta.content)
                finish = choice.finish_reason or finish
    return deltas, finish


async def full_answer(server: DemoServer, name: str) -> str:
    """Stream ``demo/NAME`` and check what every shape shares; returns the text."""
    shape = st.SHAPES[name]
    deltas, finish, tokens = await stream(server, f"demo/{name}")
    text = "".join(deltas)
    assert finish == "stop" and tokens == len(deltas)
    assert text == st.answer_text(shape, shape.default)  # the same at every request
    sizes = [len(delta) for delta in deltas]
    assert 4 <= statistics.mean(sizes) <= 8 and max(sizes) <= 16  # like a real model's deltas
    marker = shape.marker(shape.default)
    assert text.count(marker) == 1 and marker in text.rstrip("`\n").rsplit("\n", 1)[-1]
    # What the benchmark reads on screen must not be faked by the answer: the finish reason, the token
    # count and its key probes (non-ASCII characters).
    assert "stop" not in text and not re.search(r"answer \d", text) and text.isascii()
    return text


async def test_list_has_5000_items(server: DemoServer) -> None:
    text = await full_answer(server, "list")
    intro, items = text.split("\n\n", 1)
    assert intro.endswith(":") and "5,000 items" in intro
    lines = items.split("\n")
    assert len(lines) == 5000 and all(line.startswith("- ") for line in lines)
    assert sum("`" in line for line in lines) > 500 and sum("**" in line for line in lines) > 500
    assert lines[-1] == "- **Item 5,000**: the end of the list of 5,000 items."


async def test_table_has_a_header_an_alignment_row_and_2000_rows(server: DemoServer) -> None:
    text = await full_answer(server, "table")
    intro, table = text.split("\n\n", 1)
    assert intro.endswith(":")
    header, alignment, *rows = table.split("\n")
    assert header == "| # | Package | Version | Licence | Downloads | Status |"
    assert re.fullmatch(r"\|(:?-+:?\|){6}", alignment)
    assert len(rows) == 2000
    for number, row in enumerate(rows, 1):
        cells = row.split(" | ")
        assert row.startswith("| ") and row.endswith(" |") and len(cells) == 6
        assert cells[0] == f"| {number}"
    assert sum("`" in row for row in rows) > 200


async def test_code_is_one_python_block_of_20000_lines(server: DemoServer) -> None:
    text = await full_answer(server, "code")
    intro, block = text.split("\n\n", 1)
    assert intro.endswith(":")
    lines = block.split("\n")
    assert lines[0] == "```python" and lines[-1] == "```" and text.count("```") == 2
    code = lines[1:-1]
    assert len(code) == 20_000
    assert code[-2:] == ['if __name__ == "__main__":', "    raise SystemExit(run_all_checks())"]
    compile("\n".join(code), "generated.py", "exec")  # valid Python


async def test_paragraphs_are_20000_short_paragraphs(server: DemoServer) -> None:
    text = await full_answer(server, "paragraphs")
    paragraphs = text.split("\n\n")
    assert len(paragraphs) == 20_000
    assert all(paragraph and "\n" not in paragraph and len(paragraph) < 200 for paragraph in paragraphs)
    assert paragraphs[-1] == "That was paragraph 20,000, the last one."


async def test_longline_is_one_line_of_a_million_characters_without_spaces(server: DemoServer) -> None:
    text = await full_answer(server, "longline")
    assert len(text) == 1_000_000 and not re.search(r"\s", text)
    assert re.fullmatch(r"[A-Za-z0-9+/]+", text)


def test_sizes_are_parameterised_and_the_ids_are_not_listed() -> None:
    for name, shape in st.SHAPES.items():
        assert st.parse_id(f"demo/{name}") == (shape, shape.default)
        assert st.parse_id(f"demo/{name}-7") == (shape, 7)
        assert st.shape_id(shape) == f"demo/{name}" and st.shape_id(shape, 7) == f"demo/{name}-7"
        assert sc.find_model(f"demo/{name}-12") is not None
        assert f"demo/{name}" not in sc.list_models()  # the model picker stays as it is
    assert sc.find_model("demo/list-0") is None and sc.find_model("demo/lists") is None
    small = st.answer_text(st.SHAPES["code"], 3)
    assert small.split("```python\n", 1)[1].count("\n") == 3  # even 3 lines are exactly 3
    assert len(st.answer_text(st.SHAPES["longline"], 5)) == 5


@pytest.mark.parametrize("name", list(st.SHAPES))
async def test_typed_chunks_give_the_same_deltas(server: DemoServer, name: str) -> None:
    shape = st.SHAPES[name]
    deltas, finish = await typed_stream(server, st.shape_id(shape, 60))
    assert deltas == list(st.deltas(shape, 60)) and finish == "stop"
    assert deltas == (await stream(server, f"demo/{name}-60"))[0]
