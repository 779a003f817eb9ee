"""The ``demo/…`` scenarios: each reproduces one wire-level quirk or failure of the real service.

For tests, screenshots and benchmarks: whitespace-only deltas, ``<think>`` tags inline, usage-only chunks,
``finish_reason`` oddities, hostile text, a connection cut mid-chunk, an error inside the stream, a stall,
keep-alive comments, garbage. :data:`SCENARIOS` maps each id to its builder.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from siliconchat.demo.canned import GENERAL, GREETING, fill
from siliconchat.demo.error_bodies import ERRORS
from siliconchat.demo.script import (
    DONE,
    SLOW,
    Builder,
    ChatRequest,
    Chunk,
    Cut,
    EmptyChoices,
    ErrorReply,
    Event,
    Pause,
    Raw,
    Reply,
    Script,
    reason_then_answer,
    split_deltas,
    upto_sentence,
)


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


def slow(request: ChatRequest) -> Reply:
    """Reasoning then answer at 5 deltas/s for about a minute (fixed pacing): for watching and cancelling."""
    reasoning = upto_sentence(split_deltas(fill(GENERAL.reasoning, request.last_user)), 100)
    answer = upto_sentence(split_deltas(fill(GENERAL.answer, request.last_user)), 200)
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
