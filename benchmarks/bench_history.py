"""History store benchmark: builds a realistic database in a temporary folder and times what the UI does.

Run: ``python benchmarks/bench_history.py [--conversations 5000] [--repeats 7] [--quick] [--no-ui] [--json out.json]``

First the real TUI (``bench_history_ui.py``: Pilot at 120x40 over a prepared history: reopen, sidebar open,
arrow key, search, from the key press to the frame), then the store calls alone.

Targets: with 5,000 conversations of ~10 messages, ``list_conversations()`` ≤ 0.3 s
(the sidebar), ``search()`` ≤ 100 ms, loading a 500-turn (~1 MB) conversation well under 1 s. The script
prints a table and the same numbers as JSON; it asserts nothing (timings are not tests).

Not collected by pytest: the name does not match ``test_*.py`` and ``testpaths = ["tests"]``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from siliconchat.core.conversation import Conversation, Message, MessageState, Timings, Usage
from siliconchat.core.history import HistoryStore

COMMON = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "is",
    "that",
    "it",
    "for",
    "on",
    "with",
    "as",
    "this",
    "be",
    "are",
    "by",
    "from",
    "or",
    "at",
    "an",
    "not",
    "which",
    "can",
    "you",
    "your",
    "when",
    "how",
    "what",
    "model",
    "answer",
    "data",
    "code",
    "python",
    "function",
    "error",
    "value",
    "list",
    "file",
    "time",
    "light",
    "energy",
    "system",
]


def make_vocabulary(rng: random.Random, size: int = 6000) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(4, 10))) for _ in range(size)]


def text(rng: random.Random, vocab: list[str], words: int) -> str:
    # Mostly common words, some rare ones: roughly the shape of real prose for the FTS index.
    out = [rng.choice(COMMON) if rng.random() < 0.55 else rng.choice(vocab) for _ in range(words)]
    return " ".join(out)


def conversation(
    rng: random.Random, vocab: list[str], turns: int, at: float, answer_words: int
) -> Conversation:
    conv = Conversation(created_at=at, updated_at=at)
    for turn in range(turns):
        user = conv.add_user(text(rng, vocab, rng.randint(8, 40)))
        user.created_at = at + turn * 10
        answer = Message(
            role="assistant",
            content=text(rng, vocab, answer_words),
            reasoning=text(rng, vocab, answer_words // 2),
            model=rng.choice(("Qwen/Qwen3-8B", "deepseek-ai/DeepSeek-R1", "moonshotai/Kimi-K2-Instruct")),
            usage=Usage(120, 600, 200, 720),
            timings=Timings(0.3, 2.1, 6.4),
            finish_reason="stop",
            state=MessageState.COMPLETE,
            created_at=at + turn * 10 + 5,
        )
        conv.append(answer)
        conv.updated_at = answer.created_at
    return conv


def timed(fn: Callable[[], Any], repeats: int) -> dict[str, float]:
    fn()  # warm the page cache and SQLite's statement cache, as a running app would be
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return {
        "median_ms": statistics.median(samples) * 1000,
        "min_ms": min(samples) * 1000,
        "max_ms": max(samples) * 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=5000)
    parser.add_argument("--turns", type=int, default=5, help="turns per conversation (2 messages each)")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--quick", action="store_true", help="fewer repeats (3 UI runs, 3 store calls)")
    parser.add_argument("--no-ui", action="store_true", help="the store calls only")
    args = parser.parse_args()
    if args.quick:
        args.repeats = min(args.repeats, 3)

    timings: dict[str, dict[str, Any]] = {}
    ui: dict[str, Any] = {}
    if not args.no_ui:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import bench_history_ui

        ui = bench_history_ui.run(args.conversations, 3 if args.quick else 5)
        timings.update(ui.pop("timings"))

    rng = random.Random(5)
    vocab = make_vocabulary(rng)
    results: dict[str, Any] = {"python": sys.version.split()[0], **ui}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "history.db"
        store = HistoryStore.open(path)
        results["sqlite"] = __import__("sqlite3").sqlite_version
        results["fts5"] = store.fts

        start = time.perf_counter()
        base = 1_700_000_000.0
        for i in range(args.conversations):
            store.create_conversation(conversation(rng, vocab, args.turns, base + i * 60, answer_words=220))
        # One long conversation: 500 turns, about 1 MB of answer and reasoning text.
        long = conversation(rng, vocab, 500, base - 10_000, answer_words=220)
        store.create_conversation(long)
        results["build_s"] = time.perf_counter() - start
        store.close()
        results["db_mb"] = path.stat().st_size / 1e6
        results["messages"] = (args.conversations * args.turns + 500) * 2
        long_chars = sum(len(m.content) + len(m.reasoning) for m in long.messages)
        results["long_conversation_mb"] = long_chars / 1e6

        rare = vocab[1234]
        timings["store: open (incl. quick_check)"] = timed(
            lambda: HistoryStore.open(path).close(), args.repeats
        )
        store = HistoryStore.open(path)
        timings["store: list_conversations() all"] = timed(store.list_conversations, args.repeats)
        timings["store: list_conversations(100)"] = timed(
            lambda: store.list_conversations(limit=100), args.repeats
        )
        timings["store: count()"] = timed(store.count, args.repeats)
        timings["store: search rare word"] = timed(lambda: store.search(rare), args.repeats)
        timings["store: search common word"] = timed(lambda: store.search("energy"), args.repeats)
        timings["store: search two words"] = timed(lambda: store.search("python error"), args.repeats)
        timings["store: search prefix"] = timed(lambda: store.search(rare[:3]), args.repeats)
        timings["store: search + reasoning"] = timed(
            lambda: store.search(rare, include_reasoning=True), args.repeats
        )
        timings["store: search no match"] = timed(lambda: store.search("zzzzqqqq"), args.repeats)
        timings["store: search CJK (LIKE scan)"] = timed(
            lambda: store.search("天空"), max(1, args.repeats // 2)
        )
        assert long.id is not None
        long_id = long.id
        timings["store: load 500-turn conversation"] = timed(lambda: store.load(long_id), args.repeats)
        timings["store: latest()"] = timed(store.latest, args.repeats)

        # The cost of one streaming checkpoint (every 2 s): a 100 KB answer being re-saved and re-indexed.
        conv = Conversation()
        conv.add_user("checkpoint benchmark")
        store.create_conversation(conv)
        message = conv.add_assistant("m/x")
        store.add_message(conv.id, message)  # type: ignore[arg-type]
        message.content = text(rng, vocab, 16_000)
        message.reasoning = text(rng, vocab, 4_000)
        timings["store: checkpoint 100 KB answer"] = timed(
            lambda: store.update_message(message), args.repeats
        )
        timings["store: add_message (user prompt)"] = timed(
            lambda: store.add_message(conv.id, Message(role="user", content="a prompt")),  # type: ignore[arg-type]
            args.repeats,
        )
        store.close()
    results["timings"] = timings

    print(
        f"siliconchat history benchmark: {args.conversations} conversations, {results['messages']} messages, "
        f"{results['db_mb']:.1f} MB (built in {results['build_s']:.1f} s); long conversation "
        f"{results['long_conversation_mb']:.2f} MB; Python {results['python']}, SQLite {results['sqlite']}, "
        f"FTS5 {'yes' if results['fts5'] else 'no'}"
    )
    width = max(len(name) for name in timings)
    print(f"{'operation':<{width}}  {'median ms':>10}  {'min ms':>9}  {'max ms':>9}")
    for name, row in timings.items():
        print(f"{name:<{width}}  {row['median_ms']:>10.2f}  {row['min_ms']:>9.2f}  {row['max_ms']:>9.2f}")
    print(json.dumps(results, indent=2))
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
