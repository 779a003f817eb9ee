"""``siliconchat history``, ``export`` and ``import``: the saved conversations from the shell."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

from siliconchat.cli.common import EXIT_OK, CliError

if TYPE_CHECKING:
    from siliconchat.core.costs import Price
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
    ids: list[int] = []
    totals: list[tuple[str, str]] = []
    prices = _prices_or_fail() if args.totals else None  # a broken config fails before the history is read
    with _history(create=False) as store:
        if store is not None and args.search is not None:
            for hit in store.search(args.search, include_reasoning=args.reasoning, limit=args.limit or 50):
                rows.append((str(hit.conversation_id), _when(hit.created), hit.model or "-", hit.title))
                snippets.append(("(reasoning) " if hit.in_reasoning else "") + hit.snippet)
                ids.append(hit.conversation_id)
        elif store is not None:
            for item in store.list_conversations(limit=args.limit):
                rows.append((str(item.id), _when(item.updated), item.model or "-", item.title))
                ids.append(item.id)
        if store is not None and prices is not None:
            totals = _totals(store, ids, *prices)
    if not rows:
        print(
            "No matching messages." if args.search is not None else "No saved conversations yet.",
            file=sys.stderr,
        )
        return EXIT_OK
    id_width = max(len(row[0]) for row in rows)
    model_width = min(40, max(len(row[2]) for row in rows))
    tokens_width = max((len(tokens) for tokens, _cost in totals), default=0)
    cost_width = max((len(cost) for _tokens, cost in totals), default=0)
    for index, (cid, when, model, title) in enumerate(rows):
        columns = f"{cid:>{id_width}}  {when}  {clean(model):<{model_width}}  "
        if totals:
            tokens, cost = totals[index]
            columns += f"{tokens:>{tokens_width}}  {cost:>{cost_width}}  "
        print(f"{columns}{clean(title) or '(untitled)'}")
        if snippets:
            print(f"{'':>{id_width}}  {clean(snippets[index])}")
    return EXIT_OK


def _prices_or_fail() -> tuple[Mapping[str, Price], str]:
    """The prices and the currency of the config file."""
    from siliconchat.cli.common import load_config_or_fail
    from siliconchat.core.costs import CURRENCY

    config = load_config_or_fail()
    return config.prices, config.currency if config.currency is not None else CURRENCY


def _totals(
    store: HistoryStore, ids: list[int], prices: Mapping[str, Price], currency: str
) -> list[tuple[str, str]]:
    """For each of ``ids``: its tokens (``12,345 tok``) and its cost (``¥0.012``; ``≥¥0.012`` when some answers
    have no price, ``-`` when none has), summed in SQL over the answers of those conversations only."""
    from siliconchat.core.costs import format_cost, format_tokens, totals_of

    sums = store.usage_by_model(ids)
    out = []
    for conversation_id in ids:
        totals = totals_of(sums.get(conversation_id, ()), prices)
        cost = (
            "-"
            if totals.cost is None
            else ("≥" if totals.partial else "") + format_cost(totals.cost, currency)
        )
        out.append((format_tokens(totals.tokens), cost))
    return out


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
