"""The kernel benchmarks on real notebooks and long sessions cannot rot (issue 24).

``benchmarks/corpus_kernels.py`` and ``benchmarks/long_session.py`` run in
``make bench``; here they run small: one notebook of the corpus through both
kernels, whose outputs must read the same, and a short session. Nothing here is
timed: the numbers are the benchmarks' business.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kernel_driver import ipython_dir

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import corpus_kernels
import long_session

pytest.importorskip("nbclient")


@pytest.fixture(autouse=True)
def _own_ipython_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IPYTHONDIR", ipython_dir())


def test_a_corpus_notebook_runs_on_both_kernels_with_the_same_outputs() -> None:
    (path,) = corpus_kernels.notebooks("wtop-08-Defining-Functions")
    samples, executed = corpus_kernels.one_round(path, "reflow", block=3)
    ipykernel, reflow = samples["python3"], samples["reflow"]
    for sample in (ipykernel, reflow):
        assert sample.start > 0 and sample.cells > 0 and sample.rss > 0
    assert len(reflow.errors) == 20 and reflow.errors == ipykernel.errors
    shown = corpus_kernels.outputs(executed["reflow"])
    assert shown == corpus_kernels.outputs(executed["python3"])
    assert any(output for output in shown)  # the notebook printed and showed results


def test_the_outputs_compared_are_what_a_user_reads() -> None:
    """reflow's result is a display with an id where ipykernel sends a result, and a
    cell without one may get an empty slot: both read the same."""
    import nbformat

    def notebook(outputs: list[dict[str, object]]) -> object:
        cell = nbformat.v4.new_code_cell("x")
        cell.outputs = [nbformat.from_dict(o) for o in outputs]
        return nbformat.v4.new_notebook(cells=[cell])

    text = {"text/plain": "1"}
    ours = notebook(
        [
            {"output_type": "stream", "name": "stdout", "text": "a"},
            {"output_type": "stream", "name": "stdout", "text": "b\n"},
            {"output_type": "display_data", "data": text, "metadata": {}},
            {"output_type": "display_data", "data": {}, "metadata": {}},
        ]
    )
    theirs = notebook(
        [
            {"output_type": "stream", "name": "stdout", "text": "ab\n"},
            {"output_type": "execute_result", "data": text, "metadata": {}, "execution_count": 1},
        ]
    )
    assert corpus_kernels.outputs(ours) == corpus_kernels.outputs(theirs)
    assert corpus_kernels.outputs(ours) == [[("stdout", "ab\n"), ("result", "1")]]


def test_a_short_long_session_runs_on_both_kernels() -> None:
    measured = long_session.session(cells=40)
    for times, rss in measured.values():
        assert len(times) == 40 and all(t > 0 for t in times) and rss > 0
