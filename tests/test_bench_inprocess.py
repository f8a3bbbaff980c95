"""The in-process corpus benchmark cannot rot (issue 24).

``benchmarks/corpus_inprocess.py`` runs in ``make bench``; here one small notebook of
the corpus goes through both systems (the floor: reflow's IPython shell alone; reflow:
``Notebook.open`` and ``run_all``) for one round, in child processes as the benchmark
runs them. Nothing here is timed: the numbers are the benchmark's business.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import corpus_inprocess

NOTEBOOK = "wtop-09-Errors-and-Exceptions"  # small, and some of its cells raise on purpose


def test_a_corpus_notebook_runs_through_both_systems_alike() -> None:
    (path,) = corpus_inprocess.notebooks(NOTEBOOK)
    result = corpus_inprocess.measure(path, rounds=1)
    floor, reflow = result.floor[0], result.reflow[0]
    cells = len(result.sources)
    assert cells > 10 and result.cells == cells
    for sample in (floor, reflow):
        assert sample.ran == cells  # every cell ran: none cancelled, none skipped
        assert len(sample.spans) == cells and all(span >= 0 for span in sample.spans)
        assert 0 <= sample.before < sample.seconds
        assert sample.before + sum(sample.spans) == pytest.approx(sample.seconds)
    assert reflow.errors == floor.errors and result.same
    assert any(error is not None for error in floor.errors)  # the failures were compared
    row = result.row()
    assert row["notebook"] == f"`{NOTEBOOK}`" and row["code cells"] == str(cells)
    assert row["ratio"].endswith(")") and "differs" not in row["ratio"]
    assert row["target"].endswith("met")
    (line,) = corpus_inprocess.summary([result])
    assert "over the 1 notebooks whose cells fail alike" in line


def test_cells_that_fail_differently_are_reported_not_timed() -> None:
    def sample(errors: list[str | None]) -> corpus_inprocess.Sample:
        return corpus_inprocess.Sample(1.0, 0.1, [0.3] * len(errors), errors, len(errors))

    result = corpus_inprocess.Result(
        "x",
        [{"floor": sample([None, "NameError"]), "reflow": sample([None, "Cancelled"])}],
        ["a = 1", "b"],
    )
    assert not result.same and result.differing() == [1]
    assert result.row()["ratio"] == "differs: cells 2 fail differently"
    assert result.row()["target"] == "-"
    assert "Cells fail differently, not timed: `x`." in corpus_inprocess.summary([result])[0]
