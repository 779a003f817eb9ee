"""Turns that could not be saved in the history (it stayed busy, or the disk refused) survive in recovery
files beside the history, and the next start imports them.

A recovery file is a JSON transcript (:func:`siliconchat.core.transcript.to_dict`) of the whole
conversation, ids included: the ids say which messages the history already holds (they are updated) and
which it does not (they are added). A conversation the history does not hold (never saved, or deleted
since) is added as a new one. Files are written atomically with mode 0600, named
``unsaved-<time>-<n>.json``, and removed once imported.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final

from siliconchat.core.conversation import Conversation
from siliconchat.core.history.errors import ConversationNotFound, HistoryError
from siliconchat.core.history.store import HistoryStore

__all__ = ["RECOVERY_GLOB", "import_recovered", "write_recovery"]

RECOVERY_GLOB: Final = "unsaved-*.json"


def write_recovery(folder: Path, conversations: Iterable[Conversation]) -> list[Path]:
    """Write one recovery file per conversation into ``folder``; return their paths. Raises OSError."""
    from siliconchat.core.files import replace_atomically
    from siliconchat.core.transcript import to_dict

    stamp = time.strftime("%Y%m%d-%H%M%S")
    written = []
    for number, conversation in enumerate(conversations, start=1):
        path = folder / f"unsaved-{stamp}-{number}.json"
        while path.exists():
            number += 1000
            path = folder / f"unsaved-{stamp}-{number}.json"
        data = json.dumps(to_dict(conversation), ensure_ascii=False, indent=1, allow_nan=False)
        replace_atomically(path, data.encode("utf-8", errors="surrogatepass"))
        written.append(path)
    return written


def _ids(raw: Any) -> tuple[int | None, list[int | None]]:
    """The conversation's id and its messages' ids, as the file holds them."""

    def whole(value: object) -> int | None:
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    conversation = raw.get("conversation") if isinstance(raw, dict) else None
    messages = raw.get("messages") if isinstance(raw, dict) else None
    cid = whole(conversation.get("id")) if isinstance(conversation, dict) else None
    mids = [whole(m.get("id")) if isinstance(m, dict) else None for m in messages or []]
    return cid, mids


def _restore(
    store: HistoryStore, conversation: Conversation, cid: int | None, mids: list[int | None]
) -> None:
    if cid is not None:
        try:
            saved = store.load(cid)
        except ConversationNotFound:
            saved = None
        if saved is not None:
            held = {m.id for m in saved.tree}
            for message, mid in zip(conversation.tree, mids, strict=False):  # parents before children
                if mid is not None and mid in held:
                    message.id = mid
                    store.update_message(message)
                else:
                    store.add_message(cid, message, root=message.parent is None)
            return
    store.create_conversation(conversation)  # import_json gave its messages no ids: all are added


def import_recovered(store: HistoryStore, folder: Path) -> list[str]:
    """Import every recovery file in ``folder`` into ``store`` and remove it; return the titles of the
    conversations imported. A file that cannot be imported now (the history is busy again) stays for the next
    start; one that is not a transcript is renamed ``….bad`` (kept for the user, never read again)."""
    from siliconchat.core.transcript import TranscriptError, import_json

    titles = []
    for path in sorted(folder.glob(RECOVERY_GLOB)):
        try:
            raw = json.loads(path.read_bytes().decode("utf-8", errors="replace"))
            conversation = import_json(raw)
        except (OSError, ValueError, TranscriptError):
            with contextlib.suppress(OSError):
                path.rename(path.with_name(path.name + ".bad"))
            continue
        cid, mids = _ids(raw)
        try:
            _restore(store, conversation, cid, mids)
        except HistoryError:
            break  # busy again: this file and the rest wait for the next start
        path.unlink(missing_ok=True)
        titles.append(conversation.title)
    return titles
