"""benchmarks/convergence.py cannot rot: a short run counts what it says it counts."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import convergence


def test_a_short_run_counts_steps_and_finds_no_fresh_cell_wrong() -> None:
    tally = convergence.measure(sequences=20, seed=3)
    assert tally.steps >= 20 and len(tally.ran) == len(tally.needed) <= tally.steps
    assert tally.unsound == []  # a fresh cell showing another value than run-all's
    assert tally.converged <= len(tally.ran)
    text = convergence.render(tally, 20, 3)
    assert "| cells run per step, mean |" in text and "--seed 3" in text
