"""Where each cell runs, a worker process or the main one, and why (``--explain``).

A cell may run in a worker only if what it does is all in what it reads and
what it binds: the worker gets copies of the values it reads and sends back
the values it bound. The rules, in the order they are tried (the first that
applies names the reason):

1. the graph refuses it (a syntax error, a clash, a cycle): it never runs;
2. ``# reflow: main`` in the cell: the user says so;
3. ``exec``/``eval``/``globals()`` or ``import *``: it may read and bind any
   name, so no list of inputs is complete; also a barrier;
4. it reaches past its namespace (files, the terminal, module-global state
   such as a random seed; ``world.py``), itself or through a notebook
   function it calls: the outside world must see the sequential order of
   events; also a barrier. If it changes process-wide state (a seed, a
   library option, warning filters, ``sys.path``), every later cell runs in
   the main process too: worker processes do not have that state;
5. it changes an object it did not create (``x.append(1)``, ``m.fit(X)``): a
   worker would change its own copy; the notebook's object, and every other
   name holding it, must change;
6. it defines functions or classes: their globals must be the notebook's
   namespace (a function made in a worker would read a frozen copy); cheap
   to run anyway;
7. it only imports: modules are imported where they are used.

Everything else goes to a worker. What only running can tell (an input or a
result that cannot be pickled, a call that changed an argument after all, a
result that shares an object with an input) sends the cell back to the main
process, at its sequential place: ``fallbacks`` in the plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from reflow._types import CellId
from reflow.graph.graph import DataflowGraph
from reflow.parallel import world


class Where(StrEnum):
    WORKER = "worker"
    MAIN = "main"


@dataclass(frozen=True, slots=True)
class Placement:
    where: Where
    reason: str
    barrier: bool = False
    """No later cell starts before this one is done (rules 3 and 4)."""
    sets_process_state: bool = False
    """Every later cell runs in the main process too (rule 4, ``world.PROCESS_STATE``)."""


def place(graph: DataflowGraph, code: Mapping[CellId, str], cell: CellId) -> Placement:
    refused = graph.errors().get(cell)
    if refused is not None:
        return Placement(Where.MAIN, f"refused by the graph: {refused.message}")
    source = code[cell]
    if world.pinned_to_main(source):
        return Placement(Where.MAIN, "pinned by `# reflow: main`", barrier=True)
    analysis = graph.effects(cell).analysis
    expanded = graph.expanded(cell)
    if analysis.dynamic or expanded.reads_all:
        return Placement(
            Where.MAIN, "uses exec/eval/globals(): any name may be read or bound", barrier=True
        )
    if analysis.star_import:
        return Placement(Where.MAIN, "`import *` binds names no one can list", barrier=True)
    state = world.process_state_reasons(source)
    if state:
        return Placement(Where.MAIN, "changes process-wide state: " + "; ".join(state), True, True)
    outside = world.outside_reasons(source) + _outside_through_functions(graph, code, cell)
    if outside:
        return Placement(Where.MAIN, "reaches outside the notebook: " + "; ".join(outside), True)
    mutated = sorted(expanded.mutates & graph.effects(cell).mutates)  # not mere suspicions
    if mutated:
        shown = ", ".join(f"`{n}`" for n in mutated)
        return Placement(Where.MAIN, f"changes {shown} in place: the notebook's object must change")
    if analysis.functions:
        shown = ", ".join(f"`{n}`" for n in sorted(analysis.functions))
        return Placement(Where.MAIN, f"defines {shown}: its globals are the notebook's namespace")
    if analysis.defs and analysis.defs <= analysis.imports:
        return Placement(Where.MAIN, "only imports")
    return Placement(Where.WORKER, "reads and binds only names reflow tracks")


def _outside_through_functions(
    graph: DataflowGraph, code: Mapping[CellId, str], cell: CellId
) -> list[str]:
    """Rule 4 through the notebook functions the cell calls (refs are already transitive)."""
    found = []
    for name in sorted(graph.expanded(cell).refs):
        for definer in graph.writers(name):
            if definer != cell and name in graph.effects(definer).functions:
                reasons = world.outside_reasons(code[definer])
                if reasons:
                    found.append(f"calls `{name}`, which " + reasons[0].split(": ", 1)[1])
                    break
    return found
