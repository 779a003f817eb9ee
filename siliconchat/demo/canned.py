"""The canned answers of the realistic model ids, and the thinking that leads to each.

A question picks its answer by keywords (:func:`pick_canned`); the answer quotes the question (:func:`fill`).
The texts are assistant-like Markdown: headings, lists, a table and a code block, so that ``--demo`` shows
what a real model's answer looks like.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
