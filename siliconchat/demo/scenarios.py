"""The scripted answers of the demo server, looked up by model id.

A model id maps to a :class:`Model`, whose ``build`` turns one request into either an :class:`ErrorReply`
(an HTTP error status with its body) or a :class:`Script`: a lazy sequence of stream events plus the pacing
they are sent at. The server knows how to put events on the wire; this module only says *what* is said,
so a new scenario is one function and one row in the registry, never a new branch in the server.

Realistic ids (``Qwen/Qwen3-8B``, ``deepseek-ai/DeepSeek-R1`` …) answer with canned, assistant-like Markdown
chosen by keywords of the last user message. ``demo/…`` ids reproduce one wire-level quirk or failure each,
for tests, screenshots and benchmarks; those that send invalid Unicode (surrogates) live in
:mod:`.text_scenarios`, found by :func:`find_model` but not listed.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

# --------------------------------------------------------------------------------------------------------------
# Events and replies
# --------------------------------------------------------------------------------------------------------------

# Events are slotted but not frozen: a blast builds 160,000 of them, and frozen dataclasses are several
# times slower to construct. Treat them as immutable all the same.


@dataclass(slots=True)
class Chunk:
    """One ``chat.completion.chunk`` with a choice. ``None`` fields go on the wire as ``null``.

    The server counts one completion token for each chunk carrying text, and keeps the usage running total.
    ``finish_reason`` may be ``""`` (seen mid-stream on SiliconFlow).
    """

    content: str | None = None
    reasoning: str | None = None
    finish_reason: str | None = None


@dataclass(slots=True)
class EmptyChoices:
    """A chunk with ``"choices": []`` that still carries the usage running total."""


@dataclass(slots=True)
class Raw:
    """Text written to the event stream as is (SSE comments, garbage, an error data line)."""

    text: str


@dataclass(slots=True)
class Pause:
    """Send nothing for ``seconds`` (interruptible: the server checks its stop event and the client)."""

    seconds: float


@dataclass(slots=True)
class Cut:
    """Drop the TCP connection in the middle of an HTTP chunk: no ``[DONE]``, no terminating chunk."""


@dataclass(slots=True)
class Done:
    """The ``data: [DONE]`` line. A script that omits it ends the body without it."""


Event = Chunk | EmptyChoices | Raw | Pause | Cut | Done
DONE = Done()


@dataclass(frozen=True, slots=True)
class Pacing:
    """When events are sent: ``latency`` before the first, ``delay`` between the others.

    Both are scaled by a random factor in ``1 ± jitter``. ``overridable=False`` keeps the pacing even when
    the server was given ``pace`` (``demo/slow`` must stay slow on a test server that blasts the rest).
    """

    latency: float = 0.0
    delay: float = 0.0
    jitter: float = 0.0
    overridable: bool = True


IMMEDIATE = Pacing()
# About 70-120 deltas/s after 150-300 ms, like the real service.
REALISTIC = Pacing(latency=0.22, delay=0.0115, jitter=0.3)
SLOW = Pacing(latency=0.2, delay=0.2, overridable=False)


@dataclass(frozen=True, slots=True)
class Script:
    """A streamed answer: ``events`` may be a generator (blast scenarios are built lazily)."""

    events: Iterable[Event]
    pacing: Pacing = IMMEDIATE


@dataclass(frozen=True, slots=True)
class ErrorReply:
    """An HTTP error answer: ``body`` is sent verbatim with ``content_type``."""

    status: int
    body: str
    content_type: str = "application/json"


Reply = Script | ErrorReply


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """What a scenario may look at in a validated ``/chat/completions`` request."""

    model: str
    last_user: str
    thinking: bool = True  # False only when the request said ``enable_thinking: false``


Builder = Callable[[ChatRequest], Reply]


@dataclass(frozen=True, slots=True)
class Model:
    """A row of the model registry: ``hybrid`` models accept ``enable_thinking``, others answer 400."""

    id: str
    build: Builder
    hybrid: bool = False
    type: str = "text"
    sub_type: str = "chat"


# --------------------------------------------------------------------------------------------------------------
# Error bodies (as SiliconFlow sends them)
# --------------------------------------------------------------------------------------------------------------


def json_error(code: int, message: str) -> str:
    """The usual SiliconFlow error object."""
    return json.dumps({"code": code, "message": message, "data": None})


MODEL_NOT_FOUND = json_error(20012, "Model does not exist. Please check it carefully.")
INVALID_TOKEN = json.dumps("Invalid token")
NOT_FOUND_TEXT = "404 page not found"
BALANCE = json_error(30001, "Sorry, your account balance is insufficient")
GATEWAY_TIMEOUT_HTML = (
    "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n"
    "<center><h1>504 Gateway Time-out</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)

ERRORS: dict[str, ErrorReply] = {
    "demo/error-400": ErrorReply(
        400,
        json_error(
            20015,
            "Context length exceeded: the input (40212 tokens) plus max_tokens (4096) is longer than "
            "the maximum context length of this model (32768 tokens). Please shorten the messages.",
        ),
    ),
    "demo/error-401": ErrorReply(401, json.dumps("Api key is invalid")),
    "demo/error-402": ErrorReply(402, BALANCE),
    "demo/error-403": ErrorReply(403, BALANCE),
    "demo/error-403-verify": ErrorReply(
        403,
        json_error(
            30011,
            "The model requires real-name verification. Please complete identity verification "
            "in your account settings and try again.",
        ),
    ),
    "demo/error-404": ErrorReply(404, NOT_FOUND_TEXT, "text/plain; charset=utf-8"),
    "demo/error-429": ErrorReply(
        429,
        json.dumps(
            {
                "message": "Request was rejected due to rate limiting. If you want more, please contact "
                "contact@siliconflow.cn. Details: TPM limit reached.",
                "data": None,
                "code": 50602,
            }
        ),
    ),
    "demo/error-500": ErrorReply(500, json.dumps("Internal Server Error")),
    "demo/error-503": ErrorReply(503, json_error(50505, "Model service overloaded. Please try again later.")),
    "demo/error-504": ErrorReply(504, GATEWAY_TIMEOUT_HTML, "text/html"),
}

# --------------------------------------------------------------------------------------------------------------
# Splitting text into token-like deltas
# --------------------------------------------------------------------------------------------------------------

# Newline runs; a word (≤ 8 letters) with one leading space, like BPE tokens; a number; a run of blanks;
# punctuation; any other character. The last alternative makes the split exhaustive: "".join(split) == text.
_TOKEN = re.compile(r"\n+| ?[^\W\d_]{1,8}| ?\d{1,3}|[ \t]+|[^\w\s]{1,2}|.", re.DOTALL)


@functools.lru_cache(maxsize=256)
def split_deltas(text: str) -> tuple[str, ...]:
    """Split ``text`` into deltas of a word or a few characters, like real tokens.

    Whitespace-only deltas are kept (``"\\n"``, ``" "``): clients must never drop them.
    """
    return tuple(_TOKEN.findall(text))


def _upto_sentence(deltas: Sequence[str], limit: int) -> tuple[str, ...]:
    """The first ``limit`` deltas at most, ending after the last full stop so the text reads finished."""
    head = tuple(deltas[:limit])
    for end in range(len(head), 0, -1):
        if head[end - 1].rstrip().endswith((".", ":", "!", "?")):
            return head[:end]
    return head


# --------------------------------------------------------------------------------------------------------------
# Event sequences shared by scenarios
# --------------------------------------------------------------------------------------------------------------


def reason_then_answer(
    reasoning: Iterable[str] | None, answer: Iterable[str], finish: str = "stop", *, done: bool = True
) -> Iterator[Event]:
    """The standard stream: opening chunk, reasoning deltas, ``"\\n"``, answer deltas, finish, [DONE].

    With ``reasoning=None`` it is a plain model's stream: ``reasoning_content`` is null throughout.
    """
    if reasoning is not None:
        yield Chunk(content=None, reasoning="")
        for delta in reasoning:
            yield Chunk(reasoning=delta)
        yield Chunk(content="\n")
    else:
        yield Chunk(content="")
    for delta in answer:
        yield Chunk(content=delta)
    yield Chunk(content="", finish_reason=finish)
    if done:
        yield DONE


# --------------------------------------------------------------------------------------------------------------
# Canned texts of the realistic models
# --------------------------------------------------------------------------------------------------------------

Q = "{question}"  # placeholder replaced by the (shortened) user question


@dataclass(frozen=True, slots=True)
class Canned:
    """A canned answer and the thinking that leads to it, chosen when ``pattern`` matches the question."""

    name: str
    reasoning: str
    answer: str
    pattern: re.Pattern[str] | None = None
    max_words: int | None = None  # match only short messages (greetings)


GREETING = Canned(
    name="greeting",
    pattern=re.compile(r"\b(hello|hi|hey|hiya|howdy|good (morning|afternoon|evening))\b", re.IGNORECASE),
    max_words=8,
    reasoning=(
        "The user just said hello. There is no real question yet, so a long answer would be out of place. "
        "I should greet them back warmly, keep it short, and offer a few concrete things I can help with "
        "so they know how to continue. A small list of examples works well here: explaining something, "
        "writing code, comparing options. No need for headings or tables. Friendly, brief, done."
    ),
    answer=(
        "Hello! 👋 How can I help you today?\n\n"
        "Here are a few things I can do:\n\n"
        "- **Explain** a concept step by step\n"
        "- **Write or review** code (Python, Rust, SQL, …)\n"
        "- **Compare** options and sum them up in a table\n\n"
        "Just type your question."
    ),
)

CODE = Canned(
    name="code",
    pattern=re.compile(
        r"\b(code|coding|python|function|script|program|implement|bug|debug|regex|class|algorithm)\b",
        re.IGNORECASE,
    ),
    reasoning=(
        "Okay, the user wants some code. Their message was: " + Q + ". Let me figure out what a useful, "
        "self-contained example would look like.\n\n"
        "Python is the safest default unless they named another language. I should keep the example short "
        "but realistic: type hints, a docstring, standard library only, so it runs as is. Counting the most "
        "common words in a file is a good illustration: it touches file reading, normalisation and "
        "collections.Counter.\n\n"
        'Wait, I should also handle punctuation around words, otherwise "end." and "end" count '
        "separately. Stripping a small set of characters is enough here.\n\n"
        "After the code I'll explain it in numbered steps, add a small table with the complexity, and "
        "suggest next steps like tests and a command-line interface. That should cover it."
    ),
    answer=(
        "## A small, idiomatic solution\n\n"
        "You asked:\n\n> " + Q + "\n\n"
        "Here is a compact, well-typed Python example you can adapt. It reads a text file and returns "
        "the most common words, using only the standard library:\n\n"
        "```python\n"
        "from __future__ import annotations\n\n"
        "from collections import Counter\n"
        "from pathlib import Path\n\n\n"
        "def top_words(path: Path, limit: int = 10) -> list[tuple[str, int]]:\n"
        '    """Return the `limit` most common words of a UTF-8 text file."""\n'
        '    text = path.read_text(encoding="utf-8")\n'
        '    words = (w.strip(".,;:!?\\"\'()[]").lower() for w in text.split())\n'
        "    return Counter(w for w in words if w).most_common(limit)\n\n\n"
        'if __name__ == "__main__":\n'
        '    for word, count in top_words(Path("README.md")):\n'
        '        print(f"{word:<15} {count:>5}")\n'
        "```\n\n"
        "### How it works\n\n"
        "1. `read_text` loads the whole file; for files of several gigabytes, iterate over lines instead.\n"
        "2. The generator expression strips surrounding punctuation and lower-cases each word, so "
        '`"End."` and `"end"` are counted together.\n'
        "3. `Counter.most_common` sorts by frequency and returns `(word, count)` pairs.\n\n"
        "### Complexity\n\n"
        "| Step | Time | Memory |\n"
        "|------|------|--------|\n"
        "| Reading | O(n) | O(n) |\n"
        "| Counting | O(n) | O(k) |\n"
        "| Ranking | O(k log k) | O(k) |\n\n"
        "Here *n* is the size of the file and *k* the number of distinct words.\n\n"
        "### Next steps\n\n"
        "- Add a test with `pytest` and a temporary file (`tmp_path`).\n"
        "- Expose it as a command with `argparse`, taking the path and the limit.\n"
        "- If you need real tokenisation (Unicode punctuation, contractions), use a regular expression "
        'such as `re.findall(r"\\w+", text)`.\n\n'
        "Let me know if you'd like the same thing in another language!"
    ),
)

COMPARE = Canned(
    name="compare",
    pattern=re.compile(
        r"\b(compare|comparison|versus|vs|difference|differences|better|table)\b", re.IGNORECASE
    ),
    reasoning=(
        "The user is asking for a comparison: " + Q + ". A table is the clearest format for this, with a "
        "short verdict first so they don't have to read everything.\n\n"
        "Which criteria matter? Usually performance, ease of use, ecosystem and cost. I shouldn't pretend "
        "one option wins everywhere; it depends on the use case, so I'll say when each one is the better "
        "choice.\n\n"
        "Hmm, I don't know their exact constraints. I'll keep the comparison general, note the trade-offs "
        "honestly, and end with a question about their situation so I can narrow it down."
    ),
    answer=(
        "## Comparison\n\n"
        "> " + Q + "\n\n"
        "**Short version:** neither option is better in every situation. Pick the one whose strengths match "
        "what you care about most.\n\n"
        "| Criterion | Option A | Option B |\n"
        "|-----------|----------|----------|\n"
        "| Performance | Excellent for heavy workloads | Good enough for most cases |\n"
        "| Learning curve | Steeper | Gentle |\n"
        "| Ecosystem | Mature, many integrations | Younger, growing fast |\n"
        "| Cost | Higher up-front | Pay as you go |\n\n"
        "### When to choose A\n\n"
        "- You expect **large volumes** and need predictable latency.\n"
        "- Your team already knows it, so the learning curve does not matter.\n\n"
        "### When to choose B\n\n"
        "- You want to **start quickly** and iterate.\n"
        "- Costs must scale with usage rather than being paid up front.\n\n"
        "### A practical way to decide\n\n"
        "1. Write down your three most important requirements.\n"
        "2. Build a tiny prototype with each option (an afternoon is usually enough).\n"
        "3. Measure what matters to *you*, not a generic benchmark.\n\n"
        "If you tell me more about your use case, I can make a concrete recommendation."
    ),
)

GENERAL = Canned(
    name="general",
    reasoning=(
        "Okay, the user asks: " + Q + ". Let me think about what they really need here.\n\n"
        "First, I should give a direct answer up front, then the details. People usually want the short "
        "version before the background. What are the key points? There's the core idea itself, the common "
        "pitfalls, and how to apply it in practice.\n\n"
        "Wait, I should double-check whether there's an ambiguity in the question. It could be read in a "
        "more general or a more specific way. I'll answer the general reading and mention how it changes "
        "for the specific case.\n\n"
        "A short example would make it concrete, and a summary list at the end helps. Headings will keep "
        "it scannable. I'll avoid overlong paragraphs. Alright, let me structure the answer: overview, key "
        "points, an example, common mistakes, summary."
    ),
    answer=(
        "## Overview\n\n"
        "You asked:\n\n> " + Q + "\n\n"
        "Here is a structured answer: the essentials first, then the details worth knowing.\n\n"
        "### The short answer\n\n"
        "In most cases the best approach is to **start simple, check the result, and refine**. A clear "
        "first version teaches you more than a perfect plan that never gets tested.\n\n"
        "### Key points\n\n"
        "1. **Understand the goal.** Write down in one sentence what success looks like.\n"
        "2. **Break it down.** Split the problem into steps small enough to finish in one sitting.\n"
        "3. **Verify each step.** Check assumptions early, while they are still cheap to change.\n"
        "4. **Iterate.** Improve what the results tell you to improve, not what merely looks elegant.\n\n"
        "### A concrete example\n\n"
        "Suppose you want to automate a weekly report. A first version can be as small as this:\n\n"
        "```bash\n"
        "# collect, summarise, send\n"
        "./collect.sh > data.csv && python summarise.py data.csv | mail -s 'Weekly report' team@example.com\n"
        "```\n\n"
        "Once it runs every week, you will know which part deserves more polish.\n\n"
        "### Common mistakes\n\n"
        "- Solving the general problem before the specific one.\n"
        "- Skipping the check step because the result *looks* right.\n"
        "- Changing several things at once, so you cannot tell which change helped.\n\n"
        "### Summary\n\n"
        "| Step | Question to ask |\n"
        "|------|-----------------|\n"
        "| Goal | What does success look like? |\n"
        "| Plan | What is the smallest next step? |\n"
        "| Check | How do I know it worked? |\n\n"
        "Would you like me to go deeper into any of these points?"
    ),
)

CANNED: tuple[Canned, ...] = (CODE, COMPARE, GREETING, GENERAL)


def pick_canned(question: str) -> Canned:
    """The first canned answer whose keywords match ``question`` (GENERAL when none does)."""
    for canned in CANNED:
        if canned.pattern is None:
            return canned
        if canned.max_words is not None and len(question.split()) > canned.max_words:
            continue
        if canned.pattern.search(question):
            return canned
    return GENERAL


def quote_question(question: str, limit: int = 120) -> str:
    """The question on one line, shortened, for quoting inside a canned answer."""
    line = " ".join(question.split())
    if not line:
        return "(your question)"
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def fill(template: str, question: str) -> str:
    """Put the quoted question into a canned text (str.replace: the code samples contain braces).

    A question that ends a sentence itself ("works?") takes the place of the template's full stop after it.
    """
    quoted = quote_question(question)
    if quoted[-1] in ".?!…":
        template = template.replace(Q + ".", Q)
    return template.replace(Q, quoted)


# --------------------------------------------------------------------------------------------------------------
# Builders of the realistic models
# --------------------------------------------------------------------------------------------------------------

ThinkingMode = Literal["always", "hybrid", "never"]


def realistic(mode: ThinkingMode, finish: str = "stop") -> Builder:
    """A builder for a real model id: reasoning (per ``mode``) then a canned Markdown answer."""

    def build(request: ChatRequest) -> Reply:
        canned = pick_canned(request.last_user)
        reasons = mode == "always" or (mode == "hybrid" and request.thinking)
        reasoning = split_deltas(fill(canned.reasoning, request.last_user)) if reasons else None
        answer = split_deltas(fill(canned.answer, request.last_user))
        return Script(reason_then_answer(reasoning, answer, finish), REALISTIC)

    return build


def not_chat(request: ChatRequest) -> Reply:
    """Embedding / reranker / image models are listed by /models but cannot chat."""
    return ErrorReply(400, json_error(20015, f"Model {request.model} does not support chat completions."))


# --------------------------------------------------------------------------------------------------------------
# Builders of the demo/… scenarios
# --------------------------------------------------------------------------------------------------------------


def echo(request: ChatRequest) -> Reply:
    """The last user message back verbatim in one delta: lets tests round-trip hostile text exactly."""
    return Script(reason_then_answer(None, (request.last_user,)))


THINK_INLINE_REASONING = (
    "\nOkay, the user wants a quick answer. This deployment sends my thinking inline in the content, "
    "wrapped in think tags, so the client has to split it out itself.\n"
)
THINK_INLINE_ANSWER = "## Answer\n\nThe reasoning above was sent **inline**, inside `<think>` tags."
THINK_INLINE_CONTENT = "<think>" + THINK_INLINE_REASONING + "</think>\n\n" + THINK_INLINE_ANSWER


def think_inline(request: ChatRequest) -> Reply:
    """Older R1 deployments: reasoning inline in ``content`` with the tags split across deltas."""
    deltas = (
        "<th",
        "ink>",
        *split_deltas(THINK_INLINE_REASONING),
        "</thi",
        "nk>",
        "\n\n",
        *split_deltas(THINK_INLINE_ANSWER),
    )
    return Script(reason_then_answer(None, deltas))


# None = a chunk whose content is null in the middle of the answer.
WHITESPACE_DELTAS: tuple[str | None, ...] = (
    "Leading",
    " words",
    "\n",
    "\n\n",
    "  ",
    "indented",
    "",
    " ",
    "text",
    None,
    "\n",
    "- ",
    "item",
    "\n\n",
    "```",
    "text",
    "\n",
    "a",
    "    ",
    "b",
    "\n",
    "```",
    "\n",
    " ",
    "\t",
    "end",
    "",
    " ",
)
WHITESPACE_ANSWER = "".join(delta for delta in WHITESPACE_DELTAS if delta)


def whitespace(request: ChatRequest) -> Reply:
    """Whitespace-only, empty and null deltas: the full answer must survive concatenation exactly."""
    events: list[Event] = [Chunk(content="")]
    events += [Chunk(content=delta) for delta in WHITESPACE_DELTAS]
    events += [Chunk(content="", finish_reason="stop"), DONE]
    return Script(events)


def _short_answer(request: ChatRequest) -> tuple[str, ...]:
    return split_deltas(fill(GREETING.answer, request.last_user))


def empty_choices(request: ChatRequest) -> Reply:
    """Usage-only chunks with ``"choices": []`` between the normal ones and after the last."""

    def events() -> Iterator[Event]:
        for event in reason_then_answer(None, _short_answer(request), done=False):
            yield event
            yield EmptyChoices()
        yield DONE

    return Script(events())


def eos(request: ChatRequest) -> Reply:
    """Ends with ``finish_reason: "eos"`` and sends ``""`` as finish_reason on some chunks before."""
    deltas = _short_answer(request)
    events: list[Event] = [Chunk(content="")]
    events += [Chunk(content=d, finish_reason="" if i % 3 == 0 else None) for i, d in enumerate(deltas)]
    events += [Chunk(content="", finish_reason="eos"), DONE]
    return Script(events)


def length(request: ChatRequest) -> Reply:
    """Reasoning exhausted max_tokens: an empty answer with ``finish_reason: "length"``."""
    reasoning = split_deltas(fill(GENERAL.reasoning, request.last_user))
    events: list[Event] = [Chunk(content=None, reasoning="")]
    events += [Chunk(reasoning=d) for d in reasoning]
    events += [Chunk(content="", finish_reason="length"), DONE]
    return Script(events)


# fmt: off
_BLAST_WORDS = (
    "the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog", "while", "tokens", "flow",
    "through", "the", "terminal", "and", "every", "word", "arrives", "as", "fast", "as", "it", "can",
)
# fmt: on
_BLAST_PERIOD = 2400  # a multiple of 400, 60, 80 and len(_BLAST_WORDS): the pattern repeats


def blast_delta(i: int) -> str:
    """Delta ``i`` of a blast: words and spaces, paragraphs, and a little Markdown so it renders as text."""
    if i % 400 == 0:
        return ("\n\n" if i else "") + f"## Part {i // 400 + 1}\n\n"
    if i % 60 == 59:
        return "end.\n\n"
    if i % 80 == 40:
        return "**bold** "
    return _BLAST_WORDS[i % len(_BLAST_WORDS)] + " "


def _blast_chunk(i: int, reasoning: bool) -> Chunk:
    text = blast_delta(i)
    return Chunk(reasoning=text.replace("## ", "")) if reasoning else Chunk(content=text)


@functools.lru_cache(maxsize=2)
def _blast_period(reasoning: bool) -> tuple[Chunk, ...]:
    """One period of blast chunks, built once and shared, so a blast costs no per-delta allocation."""
    return tuple(_blast_chunk(i, reasoning) for i in range(_BLAST_PERIOD))


def _blast_chunks(count: int, *, reasoning: bool) -> Iterator[Chunk]:
    period = _blast_period(reasoning)
    for i in range(count):
        yield period[i % _BLAST_PERIOD] if i % 400 else _blast_chunk(i, reasoning)  # numbered headings


def blast(count: int, *, reasoning: bool) -> Builder:
    """Exactly ``count`` answer deltas (after ``count`` reasoning deltas if asked), at pace 0, lazily."""

    def events() -> Iterator[Event]:
        if reasoning:
            yield Chunk(content=None, reasoning="")
            yield from _blast_chunks(count, reasoning=True)
        else:
            yield Chunk(content="")
        yield from _blast_chunks(count, reasoning=False)  # no "\n" separator: exactly N + N deltas
        yield Chunk(content="", finish_reason="stop")
        yield DONE

    return lambda request: Script(events())


def slow(request: ChatRequest) -> Reply:
    """Reasoning then answer at 5 deltas/s for about a minute (fixed pacing): for watching and cancelling."""
    reasoning = _upto_sentence(split_deltas(fill(GENERAL.reasoning, request.last_user)), 100)
    answer = _upto_sentence(split_deltas(fill(GENERAL.answer, request.last_user)), 200)
    return Script(reason_then_answer(reasoning, answer), SLOW)


HOSTILE_FRAGMENTS: tuple[str, ...] = (
    "Markup: [bold]bold?[/bold] and a stray [/] closer, ",
    "[@click=app.quit]quit[/] and [link=file:///etc/passwd]x[/link].\n",
    "ANSI: \x1b[31mred\x1b[0m, clear screen \x1b[2J, ",
    "title \x1b]0;pwned\x07, clipboard \x1b]52;c;aGk=\x07, ",
    "bell \x07, back\x08\x08spaces, C1 CSI \x9b31m, NUL \x00 end.\n",
)
HOSTILE_REASONING_DELTAS: tuple[str, ...] = ("Thinking with ", *HOSTILE_FRAGMENTS)
HOSTILE_ANSWER_DELTAS: tuple[str, ...] = (
    "## Hostile output\n\n",
    *HOSTILE_FRAGMENTS,
    "\n```text\n",
    "[bold]inside code[/] \x1b[1mbold\x1b[0m \x1b]52;c;aGk=\x07\n",
    "```\n",
)
HOSTILE_REASONING = "".join(HOSTILE_REASONING_DELTAS)
HOSTILE_ANSWER = "".join(HOSTILE_ANSWER_DELTAS)


def hostile(request: ChatRequest) -> Reply:
    """Rich markup and terminal escapes in reasoning and answer: clients must show them inertly.

    Each attack is one whole delta, so a sanitiser sees complete escape sequences.
    """
    return Script(reason_then_answer(HOSTILE_REASONING_DELTAS, HOSTILE_ANSWER_DELTAS))


def _partial(request: ChatRequest) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Some reasoning and some answer deltas, for the scenarios that break off."""
    reasoning = split_deltas(fill(GENERAL.reasoning, request.last_user))[:12]
    answer = split_deltas(fill(GENERAL.answer, request.last_user))[:12]
    return reasoning, answer


def cut(request: ChatRequest) -> Reply:
    """Reasoning and answer, then the connection drops in the middle of an HTTP chunk."""
    reasoning, answer = _partial(request)
    events = list(reason_then_answer(reasoning, answer))[:-2]  # no finish chunk, no [DONE]
    return Script([*events, Cut()])


def cut_clean(request: ChatRequest) -> Reply:
    """Answer deltas, then a properly ended body without ``[DONE]`` and without any finish_reason."""
    _, answer = _partial(request)
    return Script(list(reason_then_answer(None, answer))[:-2])


STREAM_ERROR = json.dumps(
    {
        "error": {
            "message": "Internal error while generating the response",
            "type": "server_error",
            "code": 50500,
        }
    }
)


def error_midstream(request: ChatRequest) -> Reply:
    """Answer deltas, then an ``{"error": …}`` data line, then the end of the body."""
    _, answer = _partial(request)
    return Script([*list(reason_then_answer(None, answer))[:-2], Raw(f"data: {STREAM_ERROR}\n\n")])


STALL_SECONDS = 600.0


def stall(request: ChatRequest) -> Reply:
    """The opening chunk and one reasoning delta, then ten minutes of silence (for idle timeouts)."""
    reasoning, answer = _partial(request)
    events = list(reason_then_answer(reasoning, answer))
    return Script([*events[:2], Pause(STALL_SECONDS), *events[2:]])


KEEPALIVE = Raw(": keep-alive\n\n")


def keepalive(request: ChatRequest) -> Reply:
    """SSE comment lines before and between the events: clients must ignore them."""
    reasoning, answer = _partial(request)

    def events() -> Iterator[Event]:
        yield KEEPALIVE
        for event in reason_then_answer(reasoning, answer):
            yield event
            if event is not DONE:
                yield KEEPALIVE

    return Script(events())


def garbage(request: ChatRequest) -> Reply:
    """200 ``text/event-stream`` whose data line is HTML, not JSON."""
    return Script([Raw("data: <html>oops</html>\n\n")])


def error_reply(reply: ErrorReply) -> Builder:
    """A builder that always answers ``reply`` (the ``demo/error-STATUS`` ids)."""
    return lambda request: reply


# --------------------------------------------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------------------------------------------

ALWAYS_THINKING = (
    "deepseek-ai/DeepSeek-R1",
    "Qwen/QwQ-32B",
    "moonshotai/Kimi-K2-Thinking",
    "Pro/deepseek-ai/DeepSeek-R1",
)
HYBRID = (
    "Qwen/Qwen3-8B",
    "Qwen/Qwen3-14B",
    "Qwen/Qwen3-32B",
    "Qwen/Qwen3-30B-A3B",
    "Qwen/Qwen3-235B-A22B",
    "deepseek-ai/DeepSeek-V3.1",
    "deepseek-ai/DeepSeek-V3.2",
    "zai-org/GLM-4.6",
    "tencent/Hunyuan-A13B-Instruct",
    "Pro/deepseek-ai/DeepSeek-V3.1",
)
PLAIN = (
    "Qwen/Qwen2.5-7B-Instruct",
    "Qwen/Qwen2.5-72B-Instruct",
    "deepseek-ai/DeepSeek-V3",
    "moonshotai/Kimi-K2-Instruct",
    "Pro/Qwen/Qwen2.5-7B-Instruct",
    "Pro/deepseek-ai/DeepSeek-V3",
)
EOS_MODELS = ("THUDM/GLM-4-9B-0414",)  # a plain model whose answers end with finish_reason "eos"

SCENARIOS: dict[str, Builder] = {
    "demo/echo": echo,
    "demo/think-inline": think_inline,
    "demo/whitespace": whitespace,
    "demo/empty-choices": empty_choices,
    "demo/eos": eos,
    "demo/length": length,
    "demo/slow": slow,
    "demo/hostile": hostile,
    "demo/cut": cut,
    "demo/cut-clean": cut_clean,
    "demo/error-midstream": error_midstream,
    "demo/stall": stall,
    "demo/keepalive": keepalive,
    "demo/garbage": garbage,
    **{model_id: error_reply(reply) for model_id, reply in ERRORS.items()},
}

# Parameterised ids: listed in /models with these example sizes, accepted with any N up to MAX_BLAST.
MAX_BLAST = 10_000_000
BLAST_EXAMPLES = ("demo/blast-2000", "demo/blast-20000", "demo/blast-reasoning-20000")
PATTERNS: tuple[tuple[re.Pattern[str], Callable[[int], Builder]], ...] = (
    (re.compile(r"demo/blast-(\d{1,8})"), lambda n: blast(n, reasoning=False)),
    (re.compile(r"demo/blast-reasoning-(\d{1,8})"), lambda n: blast(n, reasoning=True)),
)

NON_CHAT: tuple[tuple[str, str, str], ...] = (
    ("BAAI/bge-m3", "text", "embedding"),
    ("BAAI/bge-reranker-v2-m3", "text", "reranker"),
    ("Kwai-Kolors/Kolors", "image", "text-to-image"),
)


def _registry() -> dict[str, Model]:
    rows: list[Model] = []
    rows += [Model(model_id, realistic("always")) for model_id in ALWAYS_THINKING]
    rows += [Model(model_id, realistic("hybrid"), hybrid=True) for model_id in HYBRID]
    rows += [Model(model_id, realistic("never")) for model_id in PLAIN]
    rows += [Model(model_id, realistic("never", finish="eos")) for model_id in EOS_MODELS]
    rows += [Model(model_id, not_chat, type=kind, sub_type=sub) for model_id, kind, sub in NON_CHAT]
    rows += [Model(model_id, build) for model_id, build in SCENARIOS.items()]
    return {row.id: row for row in rows}


MODELS: dict[str, Model] = _registry()
LISTED: tuple[str, ...] = (*MODELS, *BLAST_EXAMPLES)


def find_model(model_id: str) -> Model | None:
    """The registry row of ``model_id``, or ``None`` for an unknown id (the server answers 400/20012)."""
    model = MODELS.get(model_id)
    if model is not None:
        return model
    for pattern, make in PATTERNS:
        match = pattern.fullmatch(model_id)
        if match and int(match.group(1)) <= MAX_BLAST:
            return Model(model_id, make(int(match.group(1))))
    from siliconchat.demo.text_scenarios import UNLISTED  # imported here: it builds on this module

    model = UNLISTED.get(model_id)
    if model is not None:
        return model
    from siliconchat.demo import structured  # imports this module: loaded when first needed

    return structured.find_model(model_id)  # demo/list, demo/table …: long structured answers


def list_models(type_: str | None = None, sub_type: str | None = None) -> list[str]:
    """The ids ``GET /models`` lists, filtered like SiliconFlow by ``type`` and ``sub_type``."""
    ids: list[str] = []
    for model_id in LISTED:
        model = find_model(model_id)
        assert model is not None
        if type_ and model.type != type_:
            continue
        if sub_type and model.sub_type != sub_type:
            continue
        ids.append(model_id)
    return ids


SCENARIO_IDS: tuple[str, ...] = tuple(model_id for model_id in LISTED if model_id.startswith("demo/"))
