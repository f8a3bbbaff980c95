"""The statuses the scheduler carries from run to run equal statuses decided afresh.

The scheduler keeps decided statuses between runs and edits and forgets only
the cells each change may affect (``Scheduler.forget_statuses``); a cell it
failed to forget would show a stale result as fresh. The property tests call
this after every step, before anything else asks about statuses. ``assert_runs_once``
checks that a step ran each cell at most once (the any_order property asks it).
"""

from __future__ import annotations

from reflow import Notebook, Run
from reflow.runtime.status import StatusBoard


def assert_carried_statuses_are_fresh(nb: Notebook) -> None:
    scheduler, session, graph = nb._scheduler, nb._session, nb._graph
    carried = scheduler.board()
    fresh = StatusBoard(graph, session.records, session.ledger)
    for cell in graph.cells:
        assert (carried.status(cell), carried.reason(cell)) == (
            fresh.status(cell),
            fresh.reason(cell),
        ), f"cell {cell}: carried status differs from a fresh decision"


def assert_runs_once(run: Run | None, step: str) -> None:
    """Convergence: one request (run, run_all, run_stale, a reactive delete) runs each
    cell at most once (docs/semantics.md, "The promise")."""
    if run is None:
        return
    twice = sorted({c for c in run.ran if run.ran.count(c) > 1})
    assert not twice, f"{step} ran {twice} more than once: {run.ran}"
