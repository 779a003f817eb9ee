"""Long structured answers, streamed as fast as possible: the scenarios of the structured-answer benchmark.

Five shapes, each a plain model's answer (no reasoning) in realistic Markdown, generated lazily from a fixed
seed so every request streams the same text:

=====================  ==================  ==========================================================
id                     default size        the answer
=====================  ==================  ==========================================================
``demo/list``          5,000 items         a bullet list, items with bold labels and inline code
``demo/table``         2,000 rows          a table with a header and an alignment row
``demo/code``          20,000 lines        one fenced ``python`` code block (after an intro line)
``demo/paragraphs``    20,000 paragraphs   short paragraphs of one or two sentences
``demo/longline``      1,000,000 chars     one line of base64 characters, without spaces or newline
=====================  ==================  ==========================================================

``demo/SHAPE-N`` (e.g. ``demo/list-50``) streams the same shape at size N, for quick runs. The ids are
accepted but not listed by ``GET /models`` (like ``demo/blast-N``), so the model picker stays as it is.

Deltas are cut like a real model's: token-like pieces (a word with its leading space, a number, a run of
punctuation or blanks) merged into deltas of about 4 to 8 characters; the long line is cut into pieces of
4 to 8 characters. Every answer ends with its shape's ``marker``: text that occurs once, in its last line,
which the benchmark looks for on screen to know that the end of the answer is shown.

No text contains ``stop`` or ``answer`` followed by a number (the benchmark reads the status line's finish
reason and token count) nor any of the characters the benchmark types as key probes (only ASCII is used).
"""

from __future__ import annotations

import base64
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from siliconchat.demo.script import Model, Script, reason_then_answer

SEED = 15  # the same text at every request
MAX_SIZE = 10_000_000

# fmt: off
_NOUNS = (
    "cache", "index", "parser", "schema", "worker", "queue", "session", "token", "buffer", "module",
    "config", "handler", "request", "logger", "plugin", "bucket", "report", "widget", "client", "layout",
)
_VERBS = (
    "validate", "refresh", "rename", "measure", "document", "compress", "rotate", "migrate", "inspect",
    "register", "archive", "flush", "reload", "profile", "trim", "verify",
)
_ADJECTIVES = (
    "small", "stale", "shared", "nested", "optional", "default", "remote", "local", "cached", "pending",
    "public", "private", "slow", "fast", "empty", "unused",
)
_IDENTS = (
    "user_id", "max_retries", "load_config()", "dict[str, int]", "None", "--verbose", "timeout=30",
    "os.environ", "Path.home()", "json.loads", "__init__.py", "async with", "self.items", "yield from",
)
_LICENSES = ("MIT", "Apache-2.0", "BSD-3-Clause", "MPL-2.0", "ISC")
_STATES = ("ok", "**outdated**", "ok", "pinned", "ok", "*deprecated*")
# fmt: on

_TOKEN = re.compile(r"\n+| ?[^\W\d_]{1,8}| ?\d{1,3}|[ \t]+|[^\w\s]{1,2}|.", re.DOTALL)


# --------------------------------------------------------------------------------------------------------------
# Cutting text into deltas
# --------------------------------------------------------------------------------------------------------------


def token_deltas(pieces: Iterator[str], rng: random.Random) -> Iterator[str]:
    """Token-like pieces of ``pieces``' text, merged into deltas of about 4 to 8 characters."""
    pending = ""
    limit = rng.randint(4, 8)
    for text in pieces:
        for token in _TOKEN.findall(text):
            if pending and len(pending) + len(token) > limit:
                yield pending
                pending = ""
                limit = rng.randint(4, 8)
            pending += token
    if pending:
        yield pending


def sliced_deltas(text: str, rng: random.Random) -> Iterator[str]:
    """``text`` in slices of 4 to 8 characters (for a line without spaces, where tokens do not help)."""
    start = 0
    while start < len(text):
        end = start + rng.randint(4, 8)
        yield text[start:end]
        start = end


# --------------------------------------------------------------------------------------------------------------
# The shapes
# --------------------------------------------------------------------------------------------------------------


def _sentence(rng: random.Random) -> str:
    """A short technical sentence, sometimes with inline code, bold or italics."""
    noun, other = rng.choice(_NOUNS), rng.choice(_NOUNS)
    verb, adjective = rng.choice(_VERBS), rng.choice(_ADJECTIVES)
    form = rng.randrange(6)
    if form == 0:
        return f"{verb.capitalize()} the {adjective} {noun} before the {other} reads it."
    if form == 1:
        return f"The {noun} keeps `{rng.choice(_IDENTS)}` until the {other} is ready."
    if form == 2:
        return f"A **{adjective}** {noun} makes the {other} easier to {verb}."
    if form == 3:
        return f"Each {noun} can {verb} its own {other}, *if* it is {adjective}."
    if form == 4:
        return f"Use `{rng.choice(_IDENTS)}` to {verb} the {noun}."
    return f"The {adjective} {noun} is {rng.randint(2, 99)} times smaller than the {other}."


def list_marker(n: int) -> str:
    return f"the end of the list of {n:,} items."


def list_text(n: int, rng: random.Random) -> Iterator[str]:
    """An intro line, then ``n`` bullet items (the last one fixed: it ends with :func:`list_marker`)."""
    yield f"Here is the full checklist, {n:,} items in the order you asked for:\n\n"
    for i in range(1, n):
        form = rng.randrange(4)
        noun, verb = rng.choice(_NOUNS), rng.choice(_VERBS)
        if form == 0:
            yield f"- **{noun.capitalize()} {i}**: {verb} the `{rng.choice(_IDENTS)}` entry.\n"
        elif form == 1:
            yield f"- {_sentence(rng)}\n"
        elif form == 2:
            yield f"- {verb.capitalize()} `{noun}_{i}` and check the {rng.choice(_NOUNS)} again.\n"
        else:
            yield f"- {rng.choice(_ADJECTIVES).capitalize()} {noun} for item {i} *({verb})*.\n"
    yield f"- **Item {n:,}**: {list_marker(n)}"


def table_marker(n: int) -> str:
    return "last-row"  # short: narrow columns truncate their cells


def table_text(n: int, rng: random.Random) -> Iterator[str]:
    """An intro line, a header and its alignment row, then ``n`` rows (the last one holds the marker)."""
    yield f"Here are the {n:,} packages of the lock file, with their licence and status:\n\n"
    yield "| # | Package | Version | Licence | Downloads | Status |\n"
    yield "|--:|:--------|:-------:|:--------|----------:|:-------|\n"
    for i in range(1, n):
        name = f"{rng.choice(_ADJECTIVES)}-{rng.choice(_NOUNS)}"
        if rng.randrange(5) == 0:
            name = f"`{name}`"
        version = f"{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 99)}"
        downloads = f"{rng.randint(100, 9_999_999):,}"
        yield f"| {i} | {name} | {version} | {rng.choice(_LICENSES)} | {downloads} | {rng.choice(_STATES)} |\n"
    yield f"| {n} | `{table_marker(n)}` | 1.0.0 | MIT | 1 | ok |"


def code_marker(n: int) -> str:
    return "SystemExit(run_all_checks())"


_CODE_TAIL = ('if __name__ == "__main__":', f"    raise {code_marker(0)}")


def _code_block(rng: random.Random, k: int) -> list[str]:
    """One top-level definition (a function, a dataclass or a constant table) and two blank lines."""
    noun, other, verb = rng.choice(_NOUNS), rng.choice(_NOUNS), rng.choice(_VERBS)
    form = rng.randrange(3)
    if form == 0:
        return [
            f"def {verb}_{noun}_{k}(items: list[str], limit: int = {rng.randint(2, 64)}) -> dict[str, int]:",
            f'    """{verb.capitalize()} the {noun} entries, counting each {other} at most `limit` times."""',
            "    counts: dict[str, int] = {}",
            "    for item in items[:limit]:",
            "        key = item.strip().lower()",
            "        if not key:",
            "            continue  # blank lines carry nothing",
            f"        counts[key] = counts.get(key, 0) + {rng.randint(1, 3)}",
            "    return counts",
            "",
            "",
        ]
    if form == 1:
        name = f"{noun.capitalize()}{other.capitalize()}{k}"
        return [
            "@dataclass(frozen=True)",
            f"class {name}:",
            f'    """A {rng.choice(_ADJECTIVES)} {noun} with its {other}."""',
            "",
            "    name: str",
            f"    size: int = {rng.randint(0, 4096)}",
            "    tags: tuple[str, ...] = ()",
            "",
            f"    def {verb}(self) -> str:",
            f'        return f"{{self.name}}:{{self.size}}"  # {rng.choice(_ADJECTIVES)} form',
            "",
            "",
        ]
    return [_constant(rng, k), "", ""]


def _constant(rng: random.Random, k: int) -> str:
    """A one-line table of constants."""
    values = ", ".join(f'"{rng.choice(_NOUNS)}": {rng.randint(0, 999)}' for _ in range(3))
    return f"{rng.choice(_NOUNS).upper()}_{rng.choice(_NOUNS).upper()}_{k} = {{{values}}}"


def code_text(n: int, rng: random.Random) -> Iterator[str]:
    """An intro line, then a ``python`` fence of exactly ``n`` lines ending ``raise SystemExit(...)``."""
    yield f"Here is the generated module, {n:,} lines:\n\n```python\n"
    head = [
        '"""Checks generated from the inventory: one function per table."""',
        "",
        "from __future__ import annotations",
        "",
        "from dataclasses import dataclass",
        "",
        "",
    ]
    left = max(0, n - len(_CODE_TAIL))  # lines of the body still to write
    block, k = head, 0
    while left:
        if len(block) > left:  # the last lines: one-line constants, then the blank lines before the tail
            block = [_constant(rng, k + i) for i in range(left - min(left, 2))] + [""] * min(left, 2)
        for line in block:
            yield line + "\n"
        left -= len(block)
        k += 1
        block = _code_block(rng, k)
    yield "\n".join(_CODE_TAIL[len(_CODE_TAIL) - min(n, len(_CODE_TAIL)) :]) + "\n```"


def paragraphs_marker(n: int) -> str:
    return f"paragraph {n:,}, the last one."


def paragraphs_text(n: int, rng: random.Random) -> Iterator[str]:
    """``n`` one-line paragraphs of one or two short sentences; the last one ends with the marker."""
    for _ in range(n - 1):
        yield _sentence(rng) + (" " + _sentence(rng) if rng.randrange(6) == 0 else "") + "\n\n"
    yield f"That was {paragraphs_marker(n)}"


def longline_text(n: int, rng: random.Random) -> str:
    """``n`` base64 characters on one line (an encoded file, as a model pastes one)."""
    raw = base64.b64encode(rng.randbytes(n * 3 // 4 + 3)).decode("ascii")[:n]
    return raw.replace("stop", "st0p")  # the benchmark reads "stop" as the finish reason


def longline_marker(n: int) -> str:
    return longline_text(n, random.Random(SEED))[-16:]


@dataclass(frozen=True, slots=True)
class Shape:
    """One structured answer: its default size (the issue's), what that size counts, and its text."""

    name: str
    default: int
    unit: str
    marker: Callable[[int], str]
    deltas: Callable[[int, random.Random], Iterator[str]]


def _tokens(
    make: Callable[[int, random.Random], Iterator[str]],
) -> Callable[[int, random.Random], Iterator[str]]:
    return lambda n, rng: token_deltas(make(n, rng), rng)


SHAPES: dict[str, Shape] = {
    shape.name: shape
    for shape in (
        Shape("list", 5_000, "items", list_marker, _tokens(list_text)),
        Shape("table", 2_000, "rows", table_marker, _tokens(table_text)),
        Shape("code", 20_000, "lines", code_marker, _tokens(code_text)),
        Shape("paragraphs", 20_000, "paragraphs", paragraphs_marker, _tokens(paragraphs_text)),
        Shape(
            "longline",
            1_000_000,
            "characters",
            longline_marker,
            lambda n, rng: sliced_deltas(longline_text(n, rng), rng),
        ),
    )
}

_ID = re.compile(r"demo/(list|table|code|paragraphs|longline)(?:-(\d{1,8}))?")


def parse_id(model_id: str) -> tuple[Shape, int] | None:
    """The shape and size of a ``demo/SHAPE`` or ``demo/SHAPE-N`` id (N from 1 to MAX_SIZE), else None."""
    match = _ID.fullmatch(model_id)
    if match is None:
        return None
    size = int(match.group(2)) if match.group(2) else SHAPES[match.group(1)].default
    return (SHAPES[match.group(1)], size) if 1 <= size <= MAX_SIZE else None


def deltas(shape: Shape, size: int) -> Iterator[str]:
    """The answer's deltas, lazily (the same at every call)."""
    return shape.deltas(size, random.Random(SEED))


def answer_text(shape: Shape, size: int) -> str:
    """The whole answer, as a client assembles it."""
    return "".join(deltas(shape, size))


def shape_id(shape: Shape, size: int | None = None) -> str:
    """``demo/SHAPE`` at the default size, else ``demo/SHAPE-N``."""
    return f"demo/{shape.name}" if size in (None, shape.default) else f"demo/{shape.name}-{size}"


def find_model(model_id: str) -> Model | None:
    """The registry row of a structured-answer id, or None."""
    parsed = parse_id(model_id)
    if parsed is None:
        return None
    shape, size = parsed
    return Model(model_id, lambda request: Script(reason_then_answer(None, deltas(shape, size))))
