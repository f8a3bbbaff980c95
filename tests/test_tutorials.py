"""The bundled tutorials run top to bottom, and fail exactly where they say they do.

A cell tagged ``raises-exception`` (the Jupyter convention nbclient and nbval
read) shows an error on purpose; every other cell must run cleanly.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reflow import Notebook, formats

TUTORIALS = sorted((Path(__file__).parent.parent / "src/reflow/tutorials").glob("*.py"))


def test_there_are_tutorials() -> None:
    assert {path.stem for path in TUTORIALS} >= {"dataflow", "mutations"}


@pytest.mark.parametrize("path", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_tutorial_runs_top_to_bottom(path: Path) -> None:
    expected_errors = {
        cell.id
        for cell in formats.read(path).code_cells
        if "raises-exception" in cell.metadata.get("tags", [])
    }
    nb = Notebook.open(path)
    run = nb.run_all()
    assert set(run.errors) == expected_errors, {c: e.message for c, e in run.errors.items()}
    assert not nb.stale()
    outputs = [cell for cell in nb.cells if cell.stdout or cell.output is not None]
    assert len(outputs) >= len(nb.cells) // 2  # a tutorial shows what it explains
