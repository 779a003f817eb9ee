"""Hypothesis strategies for Markdown answers as models write them, hostile characters included."""

from __future__ import annotations

from hypothesis import strategies as st

# Letters and the characters Markdown gives a meaning to, with wide, combining and zero-width characters,
# terminal controls and bidi overrides: what a model may send.
PLAIN = "abcdefghij klmnop qrstuvwxyz ABC 0123456789 .,;:!?'\""
MARKUP = "*_`[]()<>#|-+~\\!"
UNICODE = "中文字符한국어😀👋🏽é\u0301\u200b\u200d\u202e\u2066\t"
CONTROL = "\x1b\x07\x9b\x00\r"

word = st.text(alphabet=PLAIN + MARKUP + UNICODE + CONTROL, min_size=1, max_size=12)
plain_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz中文😀", min_size=1, max_size=10)


@st.composite
def inline(draw: st.DrawFn, max_words: int = 14) -> str:
    words = draw(st.lists(st.one_of(word, plain_word, plain_word), min_size=1, max_size=max_words))
    text = " ".join(words)
    style = draw(st.sampled_from(["", "**", "*", "`", "~~", "["]))
    if style == "[":
        return f"[{text}](https://example.com/{draw(plain_word)})"
    return f"{style}{text}{style}"


@st.composite
def paragraph(draw: st.DrawFn) -> str:
    return "\n".join(draw(st.lists(inline(), min_size=1, max_size=3)))


@st.composite
def listing(draw: st.DrawFn) -> str:
    ordered = draw(st.booleans())
    items = draw(st.lists(inline(6), min_size=1, max_size=12))
    lines = []
    for index, item in enumerate(items, start=1):
        marker = f"{index}." if ordered else draw(st.sampled_from("-*+"))
        lines.append(f"{marker} {item}")
        if draw(st.integers(0, 5)) == 0:
            lines.append(f"   - {draw(inline(4))}")
    return "\n".join(lines)


@st.composite
def code(draw: st.DrawFn) -> str:
    language = draw(st.sampled_from(["python", "js", "", "rust", "nolanguage"]))
    lines = draw(st.lists(st.text(alphabet=PLAIN + MARKUP + "\t中😀", max_size=50), min_size=0, max_size=25))
    return f"```{language}\n" + "\n".join(lines) + "\n```"


@st.composite
def table(draw: st.DrawFn) -> str:
    columns = draw(st.integers(1, 4))
    rows = draw(st.integers(0, 8))
    header = "| " + " | ".join(draw(plain_word) for _ in range(columns)) + " |"
    rule = "|" + "|".join(draw(st.sampled_from(["---", ":--", "--:", ":-:"])) for _ in range(columns)) + "|"
    body = ["| " + " | ".join(draw(inline(3)) for _ in range(columns)) + " |" for _ in range(rows)]
    return "\n".join([header, rule, *body])


block = st.one_of(
    paragraph(),
    paragraph(),
    listing(),
    code(),
    table(),
    inline().map(lambda text: f"{'#' * 2} {text}"),
    paragraph().map(lambda text: "> " + text.replace("\n", "\n> ")),
    st.just("---"),
    st.sampled_from(["<div>box</div>", "<details><summary>more</summary>", "List<String> and <br>"]),
)


@st.composite
def markdown(draw: st.DrawFn, max_blocks: int = 8) -> str:
    blocks = draw(st.lists(block, min_size=1, max_size=max_blocks))
    out = blocks[0]
    for item in blocks[1:]:
        out += draw(st.sampled_from(["\n\n", "\n\n", "\n"])) + item
    return out + draw(st.sampled_from(["", "\n"]))


@st.composite
def chunked(draw: st.DrawFn, text: str) -> list[str]:
    """``text`` cut into deltas at random places (as a stream might cut it)."""
    sizes = draw(st.lists(st.integers(1, 30), min_size=1, max_size=20))
    deltas, pos, index = [], 0, 0
    while pos < len(text):
        size = sizes[index % len(sizes)]
        deltas.append(text[pos : pos + size])
        pos += size
        index += 1
    return deltas
