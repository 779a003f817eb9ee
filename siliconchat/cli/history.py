"""``siliconchat history``, ``export`` and ``import``: the saved conversations from the shell."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from siliconchat.cli.common import EXIT_OK, CliError

if TYPE_CHECKING:
    from siliconchat.core.history import HistoryStore


# -- history, export, import -----------------------------------------------------------------


@contextlib.contextmanager
def _history(*, create: bool = True) -> Iterator[HistoryStore | None]:
    """The history store; None when there is no history file yet and ``create`` is false."""
    from siliconchat import paths
    from siliconchat.core.history import HistoryError, HistoryStore

    path = paths.history_db()
    if not create and not path.exists():
        yield None
        return
    try:
        store = HistoryStore.open(path)
    except HistoryError as exc:
        raise CliError(str(exc)) from exc
    if store.notice is not None:  # a damaged file was moved aside: say where
        from siliconchat.core.sanitize import sanitize_line

        print(f"siliconchat: warning: {sanitize_line(store.notice)}", file=sys.stderr)
    try:
        yield store
    except HistoryError as exc:
        raise CliError(str(exc)) from exc
    finally:
        store.close()


def _when(timestamp: float) -> str:
    import datetime

    return datetime.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")


def cmd_history(args: argparse.Namespace) -> int:
    from siliconchat.core.sanitize import sanitize_line

    # Titles and models are labels that the model or an import may have chosen: clean them for a terminal.
    clean: Callable[[str], str] = sanitize_line if sys.stdout.isatty() else (lambda text: text)
    rows: list[tuple[str, str, str, str]] = []
    snippets: list[str] = []
    with _history(create=False) as store:
        if store is not None and args.search is not None:
            for hit in store.search(args.search, include_reasoning=args.reasoning, limit=args.limit or 50):
                rows.append((str(hit.conversation_id), _when(hit.created), hit.model or "-", hit.title))
                snippets.append(("(reasoning) " if hit.in_reasoning else "") + hit.snippet)
        elif store is not None:
            for item in store.list_conversations(limit=args.limit):
                rows.append((str(item.id), _when(item.updated), item.model or "-", item.title))
    if not rows:
        print(
            "No matching messages." if args.search is not None else "No saved conversations yet.",
            file=sys.stderr,
        )
        return EXIT_OK
    id_width = max(len(row[0]) for row in rows)
    model_width = min(40, max(len(row[2]) for row in rows))
    for index, (cid, when, model, title) in enumerate(rows):
        print(f"{cid:>{id_width}}  {when}  {clean(model):<{model_width}}  {clean(title) or '(untitled)'}")
        if snippets:
            print(f"{'':>{id_width}}  {clean(snippets[index])}")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from siliconchat.core.history import ConversationNotFound
    from siliconchat.core.transcript import (
        TranscriptError,
        save_transcript,
        to_json,
        to_markdown,
        write_markdown,
        write_new_file,
    )

    output = Path(args.output).expanduser() if args.output not in (None, "-") else None
    fmt = args.format or ("json" if output is not None and output.suffix.lower() == ".json" else "md")
    branches: bool = args.all_branches
    if output is not None and output.exists() and not output.is_dir():
        raise CliError(
            f"{output} already exists: siliconchat never overwrites a file (give a new name or a folder)."
        )
    with _history(create=False) as store:
        if store is None:
            raise CliError("The history is empty: there is nothing to export.")
        try:
            if args.last:
                conversation = store.latest()
                if conversation is None:
                    raise CliError("The history is empty: there is nothing to export.")
            else:
                conversation = store.load(args.id)
        except ConversationNotFound as exc:
            raise CliError(
                f"No conversation {exc.conversation_id} in the history (see 'siliconchat history')."
            ) from exc
    if output is None:  # on stdout, images are listed only (they are written beside a Markdown file)
        text = to_json(conversation) if fmt == "json" else to_markdown(conversation, all_branches=branches)
        if sys.stdout.isatty():  # the file keeps the exact text; a terminal must not obey escapes in it
            from siliconchat.core.sanitize import sanitize

            text = sanitize(text)
        sys.stdout.write(text)
        sys.stdout.flush()
        return EXIT_OK
    try:
        if output.is_dir():
            written = save_transcript(conversation, output, formats=(fmt,), all_branches=branches)[0]
        elif fmt == "md":
            written = write_markdown(conversation, output, all_branches=branches)
        else:
            written = write_new_file(output, to_json(conversation).encode("utf-8"))
    except FileExistsError:
        raise CliError(f"{output} already exists: siliconchat never overwrites a file.") from None
    except (TranscriptError, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise CliError(f"Cannot write {output}: {reason}") from exc
    print(written, file=sys.stderr)
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from siliconchat.core.transcript import TranscriptError, import_json

    try:
        if args.file == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(args.file, "rb") as file:
                data = file.read()
    except OSError as exc:
        raise CliError(f"Cannot read {args.file}: {exc.strerror or exc}") from exc
    try:
        conversation = import_json(data)
    except TranscriptError as exc:
        raise CliError(f"Cannot import {args.file}: {exc}") from exc
    with _history() as store:
        assert store is not None
        conversation_id = store.create_conversation(conversation)
    print(conversation_id)
    return EXIT_OK
