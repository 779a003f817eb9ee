"""The registry of the demo server's models: what each model id answers, found by :func:`find_model`.

A model id maps to a :class:`~siliconchat.demo.script.Model`, whose ``build`` turns one request into a reply
(see :mod:`.script`). A new scenario is one function in a family module and one row in that family's table,
never a new branch in the server. The families:

* the realistic ids (``Qwen/Qwen3-8B``, ``deepseek-ai/DeepSeek-R1`` …) of :mod:`.realistic`, listed:
  canned, assistant-like Markdown chosen by keywords of the last user message, with or without reasoning;
* the vision models of :mod:`.vision` (``Qwen/Qwen2.5-VL-72B-Instruct``, ``demo/vision``), listed: they
  describe the images and files they received;
* the ``demo/…`` ids of :mod:`.quirks`, each one wire-level quirk or failure, listed;
* ``demo/blast-N`` (:mod:`.blast`), listed with example sizes, accepted with any N;
* the ids of :mod:`.text_scenarios` (invalid Unicode) and :mod:`.structured` (long structured answers),
  found but not listed.

The texts and constants the tests compare with are imported here too, so that ``scenarios`` is the one
place to look them up.
"""

from __future__ import annotations

from collections.abc import Callable

from siliconchat.demo import blast, realistic, structured, text_scenarios, vision
from siliconchat.demo.canned import CANNED, CODE, COMPARE, GENERAL, GREETING, fill, pick_canned
from siliconchat.demo.error_bodies import ERRORS
from siliconchat.demo.quirks import (
    HOSTILE_ANSWER,
    HOSTILE_REASONING,
    SCENARIOS,
    THINK_INLINE_ANSWER,
    THINK_INLINE_CONTENT,
    THINK_INLINE_REASONING,
    WHITESPACE_ANSWER,
)
from siliconchat.demo.script import Model, split_deltas

__all__ = [
    "CANNED",
    "CODE",
    "COMPARE",
    "ERRORS",
    "GENERAL",
    "GREETING",
    "HOSTILE_ANSWER",
    "HOSTILE_REASONING",
    "MODELS",
    "SCENARIO_IDS",
    "THINK_INLINE_ANSWER",
    "THINK_INLINE_CONTENT",
    "THINK_INLINE_REASONING",
    "WHITESPACE_ANSWER",
    "fill",
    "find_model",
    "list_models",
    "pick_canned",
    "split_deltas",
]

FAMILIES: tuple[Callable[[str], Model | None], ...] = (
    blast.find_model,
    text_scenarios.UNLISTED.get,
    structured.find_model,  # demo/list, demo/table …: long structured answers
)
"""The lookups of the ids that are not rows of :data:`MODELS`, tried in order."""

MODELS: dict[str, Model] = {
    row.id: row
    for row in (
        *realistic.ROWS,
        *vision.ROWS,
        *(Model(model_id, build) for model_id, build in SCENARIOS.items()),
    )
}
LISTED: tuple[str, ...] = (*MODELS, *blast.BLAST_EXAMPLES)


def find_model(model_id: str) -> Model | None:
    """The registry row of ``model_id``, or ``None`` for an unknown id (the server answers 400/20012)."""
    model = MODELS.get(model_id)
    if model is not None:
        return model
    for family in FAMILIES:
        model = family(model_id)
        if model is not None:
            return model
    return None


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
