"""``reflow run --explain``: which cells run where, and why.

Before the run, the plan (``placement`` decides from the source and the
graph); after it, what only running could tell: cells sent back to the main
process (an unpicklable value, a changed argument, ...) and cells run again
because a cell they did not wait for changed what they had read.
"""

from __future__ import annotations

from collections.abc import Callable

from reflow.parallel.prefetch import Prefetcher
from reflow.parallel.tasks import TaskSpec

Namer = Callable[[str], str]


def plan_lines(specs: list[TaskSpec], name: Namer) -> list[str]:
    lines = ["where cells run:"]
    for spec in specs:
        placement = spec.placement
        waits = sorted({*spec.producers.values(), *spec.parents}, key=_rank(specs))
        after = f" (after {', '.join(waits)})" if waits and placement.where == "worker" else ""
        lines.append(f"  {name(spec.cell)}: {placement.where}{after}: {placement.reason}")
    return lines


def outcome_lines(prefetcher: Prefetcher, name: Namer) -> list[str]:
    lines = []
    for task in prefetcher.tasks.values():
        if task.spec.placement.where == "worker" and task.fallback is not None:
            lines.append(f"  {name(task.cell)}: ran in the main process instead: {task.fallback}")
        if task.reruns:
            times = "once" if task.reruns == 1 else f"{task.reruns} times"
            lines.append(
                f"  {name(task.cell)}: ran again {times}: a cell before it changed what it read"
            )
    return ["what running showed:", *lines] if lines else []


def _rank(specs: list[TaskSpec]) -> Callable[[str], int]:
    ranks: dict[str, int] = {spec.cell: spec.rank for spec in specs}
    return lambda cell: ranks.get(cell, -1)
