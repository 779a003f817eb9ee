"""Build a large history database, reproducibly: by default 100,000 conversations and 2,000,000 messages.

Run: ``python benchmarks/gen_history.py PATH [--conversations N] [--messages N] [--long-turns 2000]
[--seed 20]`` (the defaults take a few minutes and about 3 GB on disk; ``--conversations 2000 --messages
40000`` for a quick one). PATH must not exist.

The file is what siliconchat writes: :meth:`HistoryStore.open` creates it (schema, migrations, the search
index and its triggers), and every row goes in through the store's own statements and row encoding
(``rows.INSERT_CONVERSATION`` / ``rows.INSERT_MESSAGE``, ``conversation_row`` / ``message_row``), so the
triggers index the text as they do in the app. Only the pace differs: large transactions and
``synchronous = OFF`` while it builds (the journal is WAL again at the end).

The text (seeded: the same arguments give the same file):

* conversations of 1 to 60 turns (most short, some long), 70 % in English-like prose (common English words
  and made-up words), 25 % in Chinese (common characters), 5 % mixing both; prompts of about 15-400
  characters, answers of about 200-4,000 in Markdown (headings, lists, code blocks), reasoning on 40 % of
  the answers;
* one conversation of ``--long-turns`` turns titled :data:`LONG_TITLE`, the newest one (the first in the
  sidebar), whose last answer ends with :data:`LONG_LAST_MARK` and first prompt starts with
  :data:`LONG_FIRST_MARK`;
* words whose frequency the benchmarks know: :data:`LATIN_WORD` in one message out of 2,000,
  :data:`CJK_WORD` (4 characters) in one out of 2,000, :data:`CJK_RARE` (2 characters) in one out of 50,000;
* a few conversations are taken up again weeks later (their last activity is not their creation).

Not collected by pytest (``testpaths = ["tests"]``).
"""

from __future__ import annotations

import argparse
import itertools
import random
import sqlite3
import sys
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path[:1]:
    sys.path.insert(0, str(REPO))  # this checkout's siliconchat, not another one installed

from siliconchat.core.conversation import Conversation, Message, MessageState, Timings, Usage  # noqa: E402
from siliconchat.core.history import HistoryStore  # noqa: E402
from siliconchat.core.history.rows import (  # noqa: E402
    INSERT_CONVERSATION,
    INSERT_MESSAGE,
    conversation_row,
    message_row,
)

LONG_TITLE = "The long conversation"
LONG_FIRST_MARK = "FIRST-TURN-MARK"
LONG_LAST_MARK = "LAST-TURN-MARK"
LATIN_WORD = "heliotrope"
CJK_WORD = "光合作用"
CJK_RARE = "麒麟"
END_TIME = 1_790_000_000.0  # the newest activity (fixed, so that the file is the same every time)
SPAN = 3 * 365 * 86400.0  # the history covers three years
MODELS = ("Qwen/Qwen3-8B", "deepseek-ai/DeepSeek-R1", "moonshotai/Kimi-K2-Instruct", "THUDM/GLM-4-9B")

_ENGLISH_WORDS = (
    "the of and to in is that it for on with as this be are by from or at an not which can you your when how "
    "what model answer data code python function error value list file time light energy system because "
    "if then use using we they will would should could more most some any each other new first last one two "
    "three example result results problem question way make see here there also just like than into about "
    "over after before between through during without within under again further once only own same so "
    "too very all both few many such no nor yes well good better best simple step steps case cases string "
    "number array table query index memory server client request response network test tests build run"
)
ENGLISH = _ENGLISH_WORDS.split()
CHINESE = (
    "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心"
    "多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将"
    "外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被"
    "走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员"
    "九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解"
    "各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流"
)
CODE = (
    "```python\ndef total(items):\n    return sum(item.price for item in items)\n```",
    "```js\nconst data = await fetch(url).then((r) => r.json());\nconsole.log(data.length);\n```",
    "```sql\nSELECT id, title FROM notes WHERE updated > ? ORDER BY updated DESC LIMIT 20;\n```",
    "```bash\nfind . -name '*.log' -mtime +7 -delete\n```",
    '```rust\nfn main() {\n    let v: Vec<u32> = (1..10).collect();\n    println!("{:?}", v);\n}\n```',
)


class Text:
    """Seeded prose: English-like words (common ones and made-up ones, Zipf-like) and Chinese characters."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        syllables = [c + v for c in "bcdfghklmnprstvz" for v in ("a", "e", "i", "o", "u", "ou", "ai")]
        made_up = {"".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(30_000)}
        self.words = ENGLISH + sorted(made_up)
        self.word_weights = list(itertools.accumulate(1.0 / (rank + 8) for rank in range(len(self.words))))
        self.chars = list(CHINESE)
        self.char_weights = list(itertools.accumulate(1.0 / (rank + 4) for rank in range(len(self.chars))))
        self._english = [self._english_sentence() for _ in range(20_000)]
        self._chinese = [self._chinese_sentence() for _ in range(20_000)]

    def _english_sentence(self) -> str:
        words = self.rng.choices(self.words, cum_weights=self.word_weights, k=self.rng.randint(6, 24))
        return " ".join(words).capitalize() + self.rng.choice(".....?!")

    def _chinese_sentence(self) -> str:
        return (
            "".join(self.rng.choices(self.chars, cum_weights=self.char_weights, k=self.rng.randint(8, 40)))
            + "。"
        )

    def sentences(self, language: str, count: int) -> str:
        rng = self.rng
        out = []
        for _ in range(count):
            lang = language if language != "mixed" else rng.choice(("en", "zh"))
            out.append(rng.choice(self._english if lang == "en" else self._chinese))
        return ("" if language == "zh" else " ").join(out)

    def prompt(self, language: str) -> str:
        text = self.sentences(language, max(1, int(self.rng.lognormvariate(0.7, 0.7))))
        if self.rng.random() < 0.05:
            text += "\n\n" + self.rng.choice(CODE)
        return text

    def answer(self, language: str) -> str:
        rng = self.rng
        blocks = []
        for _ in range(max(1, int(rng.lognormvariate(1.2, 0.6)))):
            kind = rng.random()
            if kind < 0.1:
                blocks.append("## " + self.sentences(language, 1)[:40])
            elif kind < 0.25:
                blocks.append("\n".join("- " + self.sentences(language, 1) for _ in range(rng.randint(2, 6))))
            elif kind < 0.33:
                blocks.append(rng.choice(CODE))
            else:
                blocks.append(self.sentences(language, rng.randint(1, 5)))
        return "\n\n".join(blocks)

    def reasoning(self, language: str) -> str:
        return "\n\n".join(
            self.sentences(language, self.rng.randint(2, 6)) for _ in range(self.rng.randint(1, 3))
        )


def _inject(rng: random.Random, text: str, language: str) -> str:
    """Put the benchmark words in at their known frequencies."""
    if language != "zh" and rng.random() < 1 / 2000:
        text += f" The {LATIN_WORD} blooms."
    if language != "en" and rng.random() < 1 / 2000:
        text += f"{CJK_WORD}的过程。"
    if language != "en" and rng.random() < 1 / 50_000:
        text += f"{CJK_RARE}出现了。"
    return text


def _turn_counts(rng: random.Random, conversations: int, turns: int) -> list[int]:
    """``conversations`` turn counts between 1 and 60 that add up to ``turns`` (most short, some long)."""
    mean = turns / conversations
    counts = [min(60, max(1, round(rng.expovariate(1 / mean)))) for _ in range(conversations)]
    diff = turns - sum(counts)
    while diff:
        i = rng.randrange(conversations)
        step = 1 if diff > 0 else -1
        if 1 <= counts[i] + step <= 60:
            counts[i] += step
            diff -= step
    return counts


def _messages(text: Text, language: str, turns: int, start: float, gap: float) -> Iterator[Message]:
    rng = text.rng
    at = start
    for _ in range(turns):
        yield Message("user", _inject(rng, text.prompt(language), language), created_at=at)
        answer = _inject(rng, text.answer(language), language)
        reasoning = text.reasoning(language) if rng.random() < 0.4 else ""
        tokens = len(answer) // 3
        yield Message(
            "assistant",
            answer,
            reasoning=reasoning,
            model=rng.choice(MODELS),
            usage=Usage(len(answer) // 4, tokens + len(reasoning) // 3, len(reasoning) // 3, tokens * 2),
            timings=Timings(0.4, 1.0 if reasoning else None, 3.0),
            finish_reason="stop",
            state=MessageState.COMPLETE,
            created_at=at + 5,
        )
        at += gap * rng.uniform(0.5, 1.5)


def build(path: Path, conversations: int, messages: int, long_turns: int, seed: int) -> dict[str, float]:
    """Write the history at ``path`` (which must not exist); a few figures about it."""
    started = time.perf_counter()
    rng = random.Random(seed)
    text = Text(rng)
    HistoryStore.open(path).close()  # the schema, migrations, search index and triggers of this version
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = DELETE")  # no second copy of every page in a -wal while it builds
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -262144")  # 256 MB
    turns = (messages - 2 * long_turns) // 2
    counts = _turn_counts(rng, conversations - 1, turns)
    # Every message is a (time, conversation, position, Message) event; rows go in in time order, as the app
    # writes them (a conversation taken up again later gets higher message ids then).
    plans = []
    for index, count in enumerate(counts):
        language = rng.choices(("en", "zh", "mixed"), (70, 25, 5))[0]
        start = END_TIME - SPAN + SPAN * (index + rng.random()) / len(counts)
        later = rng.random() < 0.03 and count > 2
        plans.append((start, language, count, later))
    events: list[tuple[float, int, int]] = []  # (time, conversation index, turn)
    for index, (start, _language, count, later) in enumerate(plans):
        for turn in range(count):
            at = start + turn * 60
            if later and turn >= count - 2:
                at += rng.uniform(7, 60) * 86400
            events.append((min(at, END_TIME - 86400), index, turn))
    events.sort()
    first_at: dict[int, float] = {}
    last_at: dict[int, float] = {}
    for at, index, _turn in events:
        first_at.setdefault(index, at)
        last_at[index] = at + 5
    # Conversations by creation; ids follow creation.
    order = sorted(range(len(plans)), key=lambda i: first_at[i])
    ids: dict[int, int] = {}
    conn.execute("BEGIN")
    for index in order:
        conv = Conversation(created_at=first_at[index], updated_at=last_at[index])
        cursor = conn.execute(INSERT_CONVERSATION, conversation_row(conv))
        assert cursor.lastrowid is not None
        ids[index] = cursor.lastrowid
    conn.execute("COMMIT")
    titled: set[int] = set()
    batch: list[tuple[object, ...]] = []
    titles: list[tuple[str, str | None, int]] = []
    done = 0
    for at, index, turn in events:
        language = plans[index][1]
        prompt, answer = _messages(text, language, 1, at, 60)
        if index not in titled:
            titled.add(index)
            titles.append((prompt.content, None, ids[index]))
        batch.append(message_row(ids[index], 2 * turn, prompt))
        batch.append(message_row(ids[index], 2 * turn + 1, answer))
        if len(batch) >= 20_000:
            done += _flush(conn, batch)
            print(f"  {done:,} messages, {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    done += _flush(conn, batch)
    _set_titles(conn, titles)
    conn.execute(
        "UPDATE conversations SET model = (SELECT m.model FROM messages m WHERE"
        " m.conversation_id = conversations.id AND m.role = 'assistant' ORDER BY m.position DESC LIMIT 1)"
    )
    # The long conversation, the newest.
    long = Conversation(title=LONG_TITLE, created_at=END_TIME - 3600, updated_at=END_TIME)
    long_messages = list(_messages(text, "en", long_turns, END_TIME - 3600, 3600 / long_turns))
    long_messages[0].content = f"{LONG_FIRST_MARK} " + long_messages[0].content
    long_messages[-1].content += f"\n\n{LONG_LAST_MARK}"
    long_messages[-1].created_at = END_TIME
    long.messages = long_messages
    conn.execute("BEGIN")
    cursor = conn.execute(INSERT_CONVERSATION, conversation_row(long))
    assert cursor.lastrowid is not None
    conn.executemany(
        INSERT_MESSAGE, [message_row(cursor.lastrowid, i, m) for i, m in enumerate(long_messages)]
    )
    conn.execute("COMMIT")
    # Each message's parent is the one before it (linear conversations, as the tree migration makes them).
    conn.execute("BEGIN")
    conn.execute(
        "UPDATE messages SET parent_id = (SELECT p.id FROM messages p WHERE p.conversation_id ="
        " messages.conversation_id AND p.position = messages.position - 1) WHERE position > 0"
    )
    conn.execute("COMMIT")
    conn.execute("PRAGMA optimize")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    with HistoryStore.open(path) as store:  # as the app opens it: checked, WAL
        count = store.count()
    return {
        "seconds": time.perf_counter() - started,
        "conversations": count,
        "messages": done + len(long_messages),
        "mb": path.stat().st_size / 1e6,
    }


def _flush(conn: sqlite3.Connection, batch: list[tuple[object, ...]]) -> int:
    conn.execute("BEGIN")
    conn.executemany(INSERT_MESSAGE, batch)
    conn.execute("COMMIT")
    count = len(batch)
    batch.clear()
    return count


def _set_titles(conn: sqlite3.Connection, titles: list[tuple[str, str | None, int]]) -> None:
    from siliconchat.core.history import make_title

    conn.execute("BEGIN")
    conn.executemany(
        "UPDATE conversations SET title = ? WHERE id = ?", [(make_title(t), i) for t, _, i in titles]
    )
    conn.execute("COMMIT")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=2_000_000)
    parser.add_argument("--long-turns", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20)
    args = parser.parse_args()
    if args.path.exists():
        parser.error(f"{args.path} exists")
    if args.messages < 2 * args.long_turns + 2 * (args.conversations - 1):
        parser.error("too few messages for that many conversations (each has at least one turn)")
    args.path.parent.mkdir(parents=True, exist_ok=True)
    figures = build(args.path, args.conversations, args.messages, args.long_turns, args.seed)
    print(
        f"{args.path}: {figures['conversations']:,} conversations, {figures['messages']:,} messages, "
        f"{figures['mb']:,.0f} MB, built in {figures['seconds']:.0f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
