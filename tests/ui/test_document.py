"""The conversation's document: streamed Markdown draws the same lines as the same text drawn afresh.

Property tests of the Line API document (``siliconchat.ui.document``): random Markdown, cut into random deltas
and drawn at random widths as it arrives (a frame can come after any delta, and the pane can be resized
between frames), ends as the same cells (text and style) as the whole text drawn once at the final width.
The chunk sizes are made small here, so that a few hundred characters already cross every kind of cut.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_strategies import chunked, markdown
from rich.segment import Segment
from textual.strip import Strip

from siliconchat.ui.document import chunks
from siliconchat.ui.document.markdown_render import MarkdownStyles, render_markdown
from siliconchat.ui.document.markdown_text import MarkdownText

STYLES = MarkdownStyles()


def cells(lines: list[Strip]) -> list[list[tuple[str, object]]]:
    """Each line as its cells: (text, style) per character, however the segments are cut."""
    return [[(char, segment.style) for segment in line for char in segment.text] for line in lines]


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chunks, "MIN_CHUNK", 60)
    monkeypatch.setattr(chunks, "FENCE_LINES", 4)
    monkeypatch.setattr(chunks, "LONG_LINE", 90)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), width=st.integers(8, 160))
def test_streamed_markdown_draws_as_the_whole_text_does(
    small_chunks: None, data: st.DataObject, width: int
) -> None:
    text = data.draw(markdown())
    deltas = data.draw(chunked(text))
    frames = data.draw(st.lists(st.booleans(), min_size=len(deltas), max_size=len(deltas)))
    widths = data.draw(st.lists(st.integers(4, 200), min_size=1, max_size=4))
    streamed = MarkdownText(STYLES)
    for index, (delta, frame) in enumerate(zip(deltas, frames, strict=True)):
        streamed.append(delta)
        if frame:  # a frame of a view that shows the last 30 rows at some width
            shown = widths[index % len(widths)]
            rows = streamed.height(shown)
            streamed.materialize(max(0, rows - 30), rows, shown)
    assert streamed.source == text
    fresh = MarkdownText(STYLES, text)
    assert cells(streamed.all_lines(width)) == cells(fresh.all_lines(width))
    # Every line fits the width it was drawn at.
    assert all(line.cell_length <= width for line in fresh.all_lines(width))


def test_raw_html_is_shown_as_written() -> None:
    lines = render_markdown("wrap it in <div>box</div>, or use List<String> and <br>", 80, STYLES)
    assert lines[0].text == "wrap it in <div>box</div>, or use List<String> and <br>"
    block = render_markdown("<details>\n<summary>More</summary>\n\nhidden?\n</details>", 80, STYLES)
    assert [line.text for line in block] == ["<details> <summary>More</summary>", "", "hidden? </details>"]


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The text of every chunk drawn from now on, in order."""
    import siliconchat.ui.document.markdown_text as markdown_text

    texts: list[str] = []
    real = markdown_text.render_chunk

    def counting(
        text: str, chunk: chunks.Chunk, width: int, styles: MarkdownStyles, before: str = ""
    ) -> list[Strip]:
        texts.append(text)
        return real(text, chunk, width, styles, before)

    monkeypatch.setattr(markdown_text, "render_chunk", counting)
    return texts


def test_a_long_answer_is_drawn_in_chunks_each_once(drawn: list[str]) -> None:
    """Only the last chunk is drawn again as text arrives: a frame costs the same late in a long answer."""
    document = MarkdownText(STYLES)
    for index in range(1_500):
        document.append(f"- item {index} with **bold** text\n")
        rows = document.height(80)
        document.materialize(max(0, rows - 40), rows, 80)
    assert len(document.all_lines(80)) == 1_500
    # A frame draws the last chunk at most (a line past MIN_CHUNK), however long the answer is: 45 KB here.
    assert len(document.source) > 45_000
    assert max(map(len, drawn)) <= chunks.MIN_CHUNK + 64


def test_a_cut_never_changes_what_a_line_shows() -> None:
    """A tight list cut in two is drawn as one list; a code block cut in two as one block."""
    items = "".join(f"{index}. item number {index}\n" for index in range(1, 400))
    whole = render_markdown(items, 60, STYLES)
    assert [line.text for line in MarkdownText(STYLES, items).all_lines(60)] == [line.text for line in whole]
    code = "```python\n" + "".join(f"x_{index} = {index}\n" for index in range(900)) + "```\n\nAfter.\n"
    lines = [line.text.rstrip() for line in MarkdownText(STYLES, code).all_lines(40)]
    assert lines[:2] == [" x_0 = 0", " x_1 = 1"] and lines[899] == " x_899 = 899"
    assert lines[900:] == ["", "After."]


def test_segments_carry_no_markup() -> None:
    """Model text that looks like Textual or Rich markup is drawn as text, never interpreted."""
    lines = render_markdown("[bold]x[/] [@click=app.quit]quit[/] stray [/] closer", 80, STYLES)
    assert lines[0].text == "[bold]x[/] [@click=app.quit]quit[/] stray [/] closer"
    assert all(
        (isinstance(segment, Segment) and not segment.style) or not segment.style.meta for segment in lines[0]
    )


def test_a_long_answer_draws_only_what_is_seen(drawn: list[str]) -> None:
    """Reopened (or resized), a 20,000-paragraph answer draws the chunks in view, not all of them."""
    text = "\n\n".join(f"Paragraph {index} is short." for index in range(20_000))
    document = MarkdownText(STYLES, text)
    rows = document.height(100)
    document.materialize(rows - 40, rows, 100)
    assert sum(map(len, drawn)) < 5 * chunks.MIN_CHUNK
    end = [document.line(y, 100).text for y in range(document.height(100) - 3, document.height(100))]
    assert end == ["Paragraph 19998 is short.", "", "Paragraph 19999 is short."]
    # Drawn in full, the rows are the same as the estimate said for this text, and each is right.
    assert [line.text for line in document.all_lines(100)][:3] == [
        "Paragraph 0 is short.",
        "",
        "Paragraph 1 is short.",
    ]
    assert len(document.all_lines(100)) == 39_999
