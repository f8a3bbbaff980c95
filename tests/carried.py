"""The statuses the scheduler carries from run to run equal statuses decided afresh.

The scheduler keeps decided statuses between runs and edits and forgets only
the cells each change may affect (``Scheduler.forget_statuses``); a cell it
failed to forget would show a stale result as fresh. The property tests call
this after every step, before anything else asks about statuses.
"""

from __future__ import annotations

from reflow import Notebook
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
