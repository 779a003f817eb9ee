"""Demo scenarios whose text is not valid Unicode on its own: surrogates sent as JSON escapes.

JSON may escape any UTF-16 code unit, so a stream can carry a lone surrogate (``"\\ud800"``) or the two
halves of a pair in two chunks (``"\\ud83d"``, then ``"\\ude00"``: U+1F600). The server writes a
surrogate in a delta as such an escape. These ids are not listed by ``GET /models`` (they are for tests,
and the model picker's list stays the one users see), but the server answers them like any other.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from siliconchat.demo.script import (
    DONE,
    Builder,
    ChatRequest,
    Chunk,
    Event,
    Model,
    Pause,
    Reply,
    Script,
    reason_then_answer,
)

# 🤔 (U+1F914) cut in two reasoning deltas.
SURROGATE_REASONING_DELTAS: tuple[str, ...] = ("Thinking ", "\ud83e", "\udd14", " done.")
SURROGATE_ANSWER_DELTAS: tuple[str, ...] = (
    "Smile \ud83d",  # 😀 (U+1F600) cut in two deltas, inside longer text
    "\ude00, lone ",
    "\ud800",  # a high half that nothing follows
    ", escaped byte \udcff",  # what surrogateescape makes of the byte 0xFF
    ", end ",
    "\ud83d",  # a high half at the very end of the stream
)
SURROGATE_REASONING = "Thinking \U0001f914 done."
"""What a client should show of the reasoning: the pair joined."""
SURROGATE_ANSWER = "\nSmile \U0001f600, lone \ufffd, escaped byte \ufffd, end \ufffd"
"""What a client should show of the answer (after the ``"\\n"`` delta that follows the reasoning)."""


def surrogates(request: ChatRequest) -> Reply:
    """Reasoning and answer with surrogate pairs cut across deltas and lone surrogates."""
    return Script(reason_then_answer(SURROGATE_REASONING_DELTAS, SURROGATE_ANSWER_DELTAS))


def chunks(request: ChatRequest) -> Reply:
    """Replays the chunks that the last user message spells as JSON: a list of ``[reasoning, content]``
    pairs (each a string or null), one chunk per pair, then the finish chunk and ``[DONE]``. An item
    ``{"pause": seconds}`` holds the stream there (at most 5 s), so that a test can act on a half-shown answer.

    ASCII JSON (``json.dumps``'s default) carries any text, lone surrogates included, in a request that
    the client can encode, so a test can send any chunking of any text through the real stream.
    """
    try:
        pairs = json.loads(request.last_user)
    except ValueError:
        pairs = []

    def events() -> Iterator[Event]:
        yield Chunk(content="")
        for pair in pairs if isinstance(pairs, list) else []:
            if isinstance(pair, dict) and isinstance(pair.get("pause"), (int, float)):
                yield Pause(min(5.0, float(pair["pause"])))
            elif isinstance(pair, list) and len(pair) == 2:
                reasoning, content = pair
                yield Chunk(
                    content=content if isinstance(content, str) else None,
                    reasoning=reasoning if isinstance(reasoning, str) else None,
                )
        yield Chunk(content="", finish_reason="stop")
        yield DONE

    return Script(events())


SCENARIOS: dict[str, Builder] = {
    "demo/surrogates": surrogates,
    "demo/chunks": chunks,
}
UNLISTED: dict[str, Model] = {model_id: Model(model_id, build) for model_id, build in SCENARIOS.items()}
