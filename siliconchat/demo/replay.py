"""``demo/replay``: streams exactly the deltas a script in the user's message lists.

The differential tests of the screen send an answer in chunks they choose (where a delta ends decides what
a client must join), and compare what the app shows with a fresh render of what it saved. The message is
JSON::

    {"reasoning": ["Let", " me", ...] | null, "answer": ["# Ti", "tle\\n", ...],
     "pause": {"after": 12, "seconds": 0.3}}

``reasoning`` null makes it a plain model's stream; ``pause`` (optional) holds the stream after that many
answer deltas, so that a test can act while an answer is half shown. A message that is not such a script
gets a 400 that says what is expected.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from siliconchat.demo.scenarios import (
    DONE,
    ChatRequest,
    Chunk,
    ErrorReply,
    Event,
    Pause,
    Reply,
    Script,
    json_error,
)

USAGE = 'demo/replay streams a JSON script: {"reasoning": [deltas] or null, "answer": [deltas]}.'


def _deltas(value: object) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    return None


def replay(request: ChatRequest) -> Reply:
    try:
        script = json.loads(request.last_user)
    except ValueError:
        script = None
    if not isinstance(script, dict):
        return ErrorReply(400, json_error(20015, USAGE))
    answer = _deltas(script.get("answer"))
    reasoning = _deltas(script.get("reasoning")) if script.get("reasoning") is not None else None
    if answer is None or (script.get("reasoning") is not None and reasoning is None):
        return ErrorReply(400, json_error(20015, USAGE))
    pause = script.get("pause")
    after, seconds = -1, 0.0
    if isinstance(pause, dict):
        after = int(pause.get("after", -1))
        seconds = min(5.0, float(pause.get("seconds", 0.0)))
    return Script(_events(reasoning, answer, after, seconds))


def _events(reasoning: list[str] | None, answer: list[str], after: int, seconds: float) -> Iterator[Event]:
    if reasoning is not None:
        yield Chunk(content=None, reasoning="")
        for delta in reasoning:
            yield Chunk(reasoning=delta)
    else:
        yield Chunk(content="")
    for index, delta in enumerate(answer):
        if index == after:
            yield Pause(seconds)
        yield Chunk(content=delta)
    yield Chunk(content="", finish_reason="stop")
    yield DONE
