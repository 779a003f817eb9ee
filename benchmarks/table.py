"""The results table: one :class:`Row` per figure (median, min and max over its samples, a target and
PASS/FAIL), printed as text or Markdown."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class Row:
    figure: str
    unit: str
    values: list[float] | None  # samples; None: not measured
    target: str | None = None
    passed: bool | None = None
    note: str = ""
    lower_bound: float | None = None  # "> N" when a run timed out
    override: tuple[Any, Any, Any] | None = None  # (median, min, max) given directly

    def stats(self) -> tuple[float | None, float | None, float | None]:
        if self.override is not None:
            return self.override
        if not self.values:
            return None, None, None
        return statistics.median(self.values), min(self.values), max(self.values)

    def as_dict(self) -> dict[str, Any]:
        med, lo, hi = self.stats()
        out = asdict(self)
        out.update(median=med, min=lo, max=hi, result=self.result())
        return out

    def result(self) -> str:
        if self.passed is None:
            return "" if self.target is None else "n/a"
        return "PASS" if self.passed else "FAIL"


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "s":
        return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
    if unit == "ms":
        ms = value * 1000
        return f"{ms:.0f} ms" if ms >= 10 else f"{ms:.2f} ms"
    if unit == "MB":
        return f"{value / 1e6:.0f} MB"
    if unit == "KB":
        return f"{value / 1e3:.0f} KB"
    if unit == "×":
        return f"{value:.2f}×"
    if unit == "%":
        return f"{value * 100:.1f} %"
    if unit == "/s":
        return f"{value:.0f}/s"
    return f"{value:g}"


def render(rows: list[Row], markdown: bool) -> str:
    header = ["figure", "median", "min", "max", "n", "target", "result", "note"]
    lines = []
    for row in rows:
        med, lo, hi = row.stats()
        if row.lower_bound is not None:
            text = f"> {row.lower_bound:.0f} s" if row.unit == "s" else f"> {fmt(row.lower_bound, row.unit)}"
            cells = [text, "", ""]
        else:
            cells = [fmt(med, row.unit), fmt(lo, row.unit), fmt(hi, row.unit)]
        n = str(len(row.values)) if row.values else ("" if row.override else "0")
        lines.append([row.figure, *cells, n, row.target or "", row.result(), row.note])
    if markdown:
        out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        out += ["| " + " | ".join(cell.replace("|", "\\|") for cell in line) + " |" for line in lines]
        return "\n".join(out)
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    widths[-1] = len(header[-1])  # the note runs free
    fmt_line = "  ".join(f"{{:{'<' if i in (0, 5, 6, 7) else '>'}{w}}}" for i, w in enumerate(widths))
    out = [fmt_line.format(*header), "  ".join("-" * w for w in widths)]
    out += [fmt_line.format(*line).rstrip() for line in lines]
    return "\n".join(out)
