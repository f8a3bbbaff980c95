"""Settling runs only what running can bring up to date (docs/semantics.md, step 5).

A reader of a name no cell defines any more (its binder edited away, not run), a
reader of a value only a cell below makes (`x.append(2)` moved above `x = [1]`), and
what waits on either stay stale whatever runs: a run that ran them left them stale,
and the settle loop found them again, pulled them again, then replayed the stretch
around them (the reader ran 3 times per call, a cell changing the object 6). One row
per scenario, in the step language of ``scenarios.py``: the cells the last step ran,
in order, and what it leaves, with the reason each cell left stale gives.

Rows marked "twin" (``ORPHAN_TWINS``, ``MOVE_TWINS``) pass on the scheduler before
the fix too: they hold the other side of the rule, cells running can bring up to date
still run (the binder runs; a reader of a name only a cell below binds reads it once
that binder has run). So does ``run-all-after-the-edit``: a run-all runs the edited
binder, so its reader fails with a NameError, once, as before.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pytest

from scenarios import Case, Scenario

ORPHAN = {"a": "P = 1", "b": "pt = P", "c": "s = str(pt)", "d": "s = 1"}
"""``b`` reads ``P`` from ``a``; ``c`` reads ``b``; ``d`` writes ``s`` after ``c``."""

MOVED = {
    "a": "x = [1]",
    "b": "x.append(2)",
    "c": "y = len(x)",
    "d": "x.append(3)",
    "e": "z = y + len(x)",
}
"""Moving ``a`` to the bottom leaves ``b`` changing a list only ``a`` (below) binds."""

NO_DEFINER = "reads `P`, which no cell above defines any more"


@dataclass
class Row:
    case: Case
    reasons: dict[str, str] = field(default_factory=dict)
    """Stale cells and the reason each gives (its ``stale_reason``, exactly)."""


ORPHANS = [
    Row(
        Case(
            "run-a-writer-below-an-orphaned-reader",  # the report: d ran 4 times, b and c 3
            ORPHAN,
            ["run_all", "edit a: zz = 0", "run d"],
            ran=["d"],
            status={"a": "dirty", "b": "stale", "c": "stale", "d": "fresh"},
            ns={"s": 1},
        ),
        reasons={"b": NO_DEFINER, "c": "reads `pt` from cell [b], which is stale"},
    ),
    Row(
        Case(
            "run-stale-lazy-a-writer-below-an-orphaned-reader",  # ran 11 cells
            {**ORPHAN, "d": "q = 1", "e": "s = q"},
            ["run_all", "mode lazy", "edit a: zz = 0", "edit d: q = 2", "run d", "run_stale"],
            ran=["e"],
            status={"a": "dirty", "b": "stale", "c": "stale", "d": "fresh", "e": "fresh"},
            ns={"s": 2},
        ),
        reasons={"b": NO_DEFINER, "c": "reads `pt` from cell [b], which is stale"},
    ),
    Row(
        Case(
            "run-all-after-the-edit",  # passes before: the binder runs, b fails once
            ORPHAN,
            ["run_all", "edit a: zz = 0", "run_all"],
            ran=["a", "b", "d"],
            status={"a": "fresh", "b": "error", "c": "error", "d": "fresh"},
            errors={"b": "NameError", "c": "Cancelled"},
            absent=["P"],
        ),
    ),
]

ORPHAN_TWINS = [
    Row(
        Case(
            "twin-the-edited-binder-still-binds",  # d runs again: `s = 1` is written last
            ORPHAN,
            ["run_all", "edit a: P = 2", "run d"],
            ran=["d", "a", "b", "c", "d"],
            status={"a": "fresh", "b": "fresh", "c": "fresh", "d": "fresh"},
            ns={"pt": 2, "s": 1},
        )
    ),
    Row(
        Case(
            "twin-a-new-binder-runs",
            ORPHAN,
            ["run_all", "edit a: zz = 0", "run d", "add p@1: P = 3", "run d"],
            ran=["d", "p", "b", "c", "d"],
            status={"a": "dirty", "p": "fresh", "b": "fresh", "c": "fresh", "d": "fresh"},
            ns={"pt": 3, "s": 1},
        )
    ),
]

# After a move puts the binder below its readers, what run_stale leaves, and why.
MOVED_THEN_RUN_STALE = {
    "b": "reads `x`, which no cell above defines any more",
    "c": "reads `x` from cell [b], which is stale",
    "d": "reads `x` from cell [b], which is stale",
    "e": "reads `x` from cell [d], which is stale",
}

MOVES = [
    Row(
        Case(
            "run-all-after-moving-the-binder-below",  # c, e ran 3 times, d 6
            MOVED,
            ["run_all", "move a 4", "run_all"],
            # b changes `x`, which only a, below, binds: a run-all's run of it fails (its
            # read of `x` is hidden), and the readers of what it did not write are
            # cancelled, as they fail there too; each cell runs once, none is left stale.
            ran=["b", "a"],
            status={"b": "error", "c": "error", "d": "error", "e": "error", "a": "fresh"},
            errors={"b": "NameError", "c": "Cancelled", "d": "Cancelled", "e": "Cancelled"},
        ),
    ),
    Row(
        Case(
            "run-all-again-after-moving-the-binder-below",  # the same 16 runs every call
            MOVED,
            ["run_all", "move a 4", "run_all", "run_all"],
            # b changes `x`, which only a, below, binds: a run-all's run of it fails (its
            # read of `x` is hidden), and the readers of what it did not write are
            # cancelled, as they fail there too; each cell runs once, none is left stale.
            ran=["b", "a"],
            status={"b": "error", "c": "error", "d": "error", "e": "error", "a": "fresh"},
            errors={"b": "NameError", "c": "Cancelled", "d": "Cancelled", "e": "Cancelled"},
        ),
    ),
    Row(
        Case(
            "run-stale-after-moving-the-binder-below",  # ran 12 cells
            MOVED,
            ["run_all", "move a 4", "run_stale"],
            ran=["a"],
            status={"b": "stale", "c": "stale", "d": "stale", "e": "stale", "a": "fresh"},
        ),
        reasons=MOVED_THEN_RUN_STALE,
    ),
    Row(
        Case(
            "run-stale-lazy-after-moving-the-binder-below",
            MOVED,
            ["run_all", "mode lazy", "move a 4", "run_stale"],
            ran=["a"],
            status={"b": "stale", "c": "stale", "d": "stale", "e": "stale", "a": "fresh"},
        ),
        reasons=MOVED_THEN_RUN_STALE,
    ),
]

MOVE_TWINS = [
    Row(
        Case(
            "twin-the-binder-moved-back",
            MOVED,
            ["run_all", "move a 4", "run_all", "move a 0", "run_all"],
            ran=["a", "b", "c", "d", "e"],
            status={c: "fresh" for c in MOVED},
            ns={"x": [1, 2, 3], "y": 2, "z": 5},
        )
    ),
    Row(
        Case(
            # An out-of-order reader binding anew: `y = x` reads `x` from below, so `c`'s
            # change through `y` is none a run-all makes (which fails at b and at c), and
            # neither runs again to make it again: `x` and `z` are a run-all's. (Once b ran
            # again after a, and c with it, leaving `x == [1, 2]` and `z == 2` fresh.)
            "twin-an-out-of-order-reader-binding-anew-still-runs",
            {"a": "x = [1]", "b": "y = x", "c": "y.append(2)", "d": "z = len(x)"},
            ["run_all", "move a 1", "run_all"],
            ran=["b", "a", "c", "d"],
            status={"a": "fresh", "b": "stale", "c": "stale", "d": "fresh"},
            ns={"x": [1], "z": 1},
        )
    ),
]

STORED_BELOW = {
    "a": "import json",
    "b": "s = getattr(json, 'rf_settle', None)",
    "c": "json.rf_settle = 3",
}
"""``c`` stores into the module ``b`` read; an import gives the same module, holding it."""

FROM_A_STORE_BELOW = "reads `json`, which holds what cell [c] wrote; it runs after it"

MODULE_STORES = [
    Row(
        Case(
            "run-all-again-with-a-store-into-a-module-below",  # b was fresh with 3
            STORED_BELOW,
            ["run_all", "run_all", "run_all"],
            ran=["a", "b", "c"],
            status={"a": "fresh", "b": "stale", "c": "fresh"},
        ),
        reasons={"b": FROM_A_STORE_BELOW},
    ),
    Row(
        Case(
            "run-the-reader-of-a-store-into-a-module-below",  # the import is not pulled
            STORED_BELOW,
            ["run_all", "run_all", "run b"],
            ran=["b"],
            status={"a": "fresh", "b": "stale", "c": "fresh"},
        ),
        reasons={"b": FROM_A_STORE_BELOW},
    ),
    Row(
        Case(
            "run-stale-with-a-store-into-a-module-below",
            STORED_BELOW,
            ["run_all", "run_all", "mode lazy", "run_stale"],
            ran=[],
            status={"a": "fresh", "b": "stale", "c": "fresh"},
        ),
        reasons={"b": FROM_A_STORE_BELOW},
    ),
]

ROWS = ORPHANS + ORPHAN_TWINS + MOVES + MOVE_TWINS + MODULE_STORES


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.case.id)
def test_settle_runs_only_what_it_can_bring_up_to_date(row: Row) -> None:
    scenario = Scenario(row.case)
    scenario.play()
    scenario.check()
    nb = scenario.nb
    for label, reason in row.reasons.items():
        cell = nb.cell(scenario.ids[label])
        assert (cell.status, cell.stale_reason) == ("stale", reason), label
    stale = {scenario.label(c) for c in nb.stale()}
    assert stale == {label for label, s in row.case.status.items() if s == "stale"}


@pytest.mark.parametrize("row", ORPHANS + MOVES + MODULE_STORES, ids=lambda row: row.case.id)
def test_no_cell_runs_twice_where_none_can_be_brought_up_to_date(row: Row) -> None:
    scenario = Scenario(row.case)
    scenario.play()
    assert scenario.last is not None
    twice = [scenario.label(c) for c, n in Counter(scenario.last.ran).items() if n > 1]
    assert twice == []
