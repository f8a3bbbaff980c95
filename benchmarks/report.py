"""Pure helpers for the peer comparison: summaries of samples, ratios to a floor, markdown tables.

Kept free of any system under test so ``tests/test_bench_harness.py`` can check
them in milliseconds.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Summary:
    """Median and spread of repeated measurements (seconds, or bytes for memory)."""

    median: float
    low: float
    high: float
    n: int

    @classmethod
    def of(cls, samples: Sequence[float]) -> Summary:
        if not samples:
            raise ValueError("no samples to summarise")
        return cls(statistics.median(samples), min(samples), max(samples), len(samples))

    def text(self, unit: float = 1e-3, digits: int = 2) -> str:
        """``median (min-max)`` in ``unit``; a single sample prints alone."""
        med = f"{self.median / unit:,.{digits}f}"
        if self.n == 1:
            return med
        return f"{med} ({self.low / unit:,.{digits}f}-{self.high / unit:,.{digits}f})"


def ratio(value: Summary | None, floor: Summary | None) -> str:
    """``value / floor`` of the medians, as ``12.34x``; ``-`` when either is missing or zero."""
    if value is None or floor is None or floor.median <= 0:
        return "-"
    return f"{value.median / floor.median:,.2f}x"


def ratio_with_min(value: Summary | None, floor: Summary | None) -> str:
    """The ratio of medians, then of minimums: under CPU contention the minimums are the
    runs least disturbed, so a gap between the two says the median ratio is noise."""
    if value is None or floor is None or floor.median <= 0 or floor.low <= 0:
        return "-"
    return f"{value.median / floor.median:,.2f}x (min {value.low / floor.low:,.2f}x)"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub markdown table; every row must have one cell per header column."""
    for row in rows:
        if len(row) != len(header):
            raise ValueError(f"row {list(row)} has {len(row)} cells, header has {len(header)}")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def section(title: str, intro: Sequence[str], table: str, notes: Sequence[str] = ()) -> str:
    parts = [f"## {title}", "", *intro, "", table, ""]
    if notes:
        parts += [*notes, ""]
    return "\n".join(parts)


def samples_of(results: Mapping[str, object], key: str) -> Summary | None:
    """The summary stored under ``key`` in a system's JSON results, if that system ran it."""
    value = results.get(key)
    if not isinstance(value, list) or not value:
        return None
    return Summary.of([float(v) for v in value])
