"""How many cells a reactive step runs, against the fewest that could reach run-all.

Random in_order notebooks over a few names (ints, lists, item stores, appends,
`+=`, a notebook function) and random reactive steps (edit and run, run again,
add and run, delete, move then `run_stale`). After each step:

- **ran**: the cells the step executed (a cell run twice counts twice);
- **needed**: a lower bound on what any scheduler must run to reach the state a
  fresh run-all gives: the cells whose output or error (each cell shows the
  repr of the name it is about) differs between the state before the step and
  that run-all, plus the cell the step asks for when its code is new;
- **converged**: whether, after the step, no cell is stale and every fresh
  cell shows what the run-all shows (a stale cell may be one no run can bring
  up to date, such as a reader of a name no cell defines any more).

A step's ratio is ran / needed where needed > 0. This is not a timing: the
numbers are the same on any machine for the same seed.

    python benchmarks/convergence.py [--sequences N] [--seed S] [--append RESULTS.md]
"""

from __future__ import annotations

import argparse
import random
import statistics
from dataclasses import dataclass, field
from typing import Any

from reflow import Notebook

INTS, LISTS = ["a", "c"], ["b", "d"]
BINDERS = ["a = 0\nrepr(a)", "b = [0, 0]\nrepr(b)", "c = 1\nrepr(c)", "d = [1, 1]\nrepr(d)"]


def cell_source(rng: random.Random) -> str:
    """A cell over ints `a`, `c` and lists `b`, `d` that keeps each name's kind, so that
    most run-alls raise nowhere; the last line shows the name it is about."""
    i, j = rng.choice(INTS), rng.choice(INTS)
    m, n = rng.choice(LISTS), rng.choice(LISTS)
    k = rng.randrange(4)
    target, statement = rng.choice(
        [
            (i, f"{i} = {k}"),
            (i, f"{i} = {j} + {k}"),
            (i, f"{i} += {k}"),
            (i, f"{i} = len({m})"),
            (i, f"{i} = {m}[0] + {k}"),
            (i, f"{i} = f()"),
            (m, f"{m} = [{k}, {k}]"),
            (m, f"{m} = list({n})"),
            (m, f"{m} = {n}"),
            (m, f"{m}.append({k})"),
            (m, f"{m}[0] = {k}"),
            (m, f"{m}[1] += {k}"),
            (i, f"def f():\n    return {j} + {k}"),
        ]
    )
    return f"{statement}\nrepr({target})"


def run_all_outputs(sources: list[str]) -> list[tuple[str, Any]]:
    """What each cell shows after a fresh run-all: its output, or the error it raises."""
    namespace: dict[str, Any] = {}
    outputs: list[tuple[str, Any]] = []
    for source in sources:
        body, _, last = source.rpartition("\n")
        try:
            exec(body, namespace)
            outputs.append(("ok", eval(last, namespace)))
        except Exception as error:
            outputs.append(("error", type(error).__name__))
    return outputs


def shown(cell: Any) -> tuple[str, Any] | None:
    """What a cell shows now: its output, or its error; None before it ever ran."""
    if cell.error is not None:
        return ("error", cell.error.type)
    return ("ok", cell.output) if cell.last_run is not None else None


@dataclass
class Tally:
    ran: list[int] = field(default_factory=list)
    needed: list[int] = field(default_factory=list)
    steps: int = 0
    converged: int = 0  # of the steps counted (a run-all without errors)
    unsound: list[list[str]] = field(default_factory=list)  # a fresh cell shows another value


def step(nb: Notebook, rng: random.Random, tally: Tally) -> None:
    cells = nb.cells
    before = {c.id: shown(c) for c in cells}
    verb = rng.choice(["edit", "rerun", "add", "delete", "move"])
    target = rng.choice(cells)
    asked_new = None
    if verb == "edit":
        nb.edit(target, cell_source(rng))
        run = nb.run(target)
        asked_new = target.id
    elif verb == "rerun":
        run = nb.run(target)
    elif verb == "add":
        added = nb.add(cell_source(rng), rng.randrange(len(cells) + 1))
        run = nb.run(added)
        asked_new = added.id
    elif verb == "delete" and len(cells) > 1:
        run = nb.delete(target)
    else:
        nb.move(target, rng.randrange(len(cells)))
        run = nb.run_stale()
    expected = run_all_outputs([c.code for c in nb.cells])
    needed = {c.id for c, out in zip(nb.cells, expected, strict=True) if before.get(c.id) != out}
    if asked_new is not None:
        needed.add(asked_new)
    tally.steps += 1
    if any(kind == "error" for kind, _ in expected):
        return  # where a run-all fails, reflow cancels or keeps cells stale on purpose
    tally.ran.append(len(run.ran))
    tally.needed.append(len(needed))
    wrong = [
        c.id
        for c, out in zip(nb.cells, expected, strict=True)
        if c.status == "fresh" and shown(c) != out
    ]
    if wrong:
        tally.unsound.append([c.code for c in nb.cells])
    elif not nb.stale():
        tally.converged += 1


def measure(sequences: int, seed: int) -> Tally:
    rng = random.Random(seed)
    tally = Tally()
    for _ in range(sequences):
        nb = Notebook()
        for source in [*BINDERS, "def f():\n    return 0\nrepr(f())"]:
            nb.add(source)
        for _ in range(rng.randrange(2, 7)):
            nb.add(cell_source(rng))
        nb.run_all()
        for _ in range(rng.randrange(1, 8)):
            step(nb, rng, tally)
        nb.close()
    return tally


def render(tally: Tally, sequences: int, seed: int) -> str:
    pairs = [(r, n) for r, n in zip(tally.ran, tally.needed, strict=True) if n > 0]
    ratios = [r / n for r, n in pairs]
    return "\n".join(
        [
            "## Convergence: cells run per reactive step",
            "",
            f"`benchmarks/convergence.py --sequences {sequences} --seed {seed}`: "
            f"{tally.steps} reactive steps over random in_order notebooks (ints and lists bound "
            "at the top, then item stores, appends, `+=`, aliases, copies, a notebook "
            "function; edits, re-runs, adds, deletes, "
            f"moves then run_stale), of which the {len(tally.ran)} after which a run-all "
            "raises nowhere are counted. *needed* is a lower bound: the cells whose output a "
            "run-all changes, and a cell whose code is new.",
            "",
            "| measure | value |",
            "|---|---|",
            f"| cells run per step, mean | {statistics.mean(tally.ran):.2f} |",
            f"| lower bound per step, mean | {statistics.mean(tally.needed):.2f} |",
            f"| run / lower bound, median over steps that need a run | "
            f"{statistics.median(ratios):.2f} |",
            f"| run / lower bound, mean | {statistics.mean(ratios):.2f} |",
            f"| steps that ran nothing and needed nothing | "
            f"{sum(1 for r, n in zip(tally.ran, tally.needed, strict=True) if r == n == 0)} |",
            f"| steps after which no cell is stale and every fresh cell shows the run-all's | "
            f"{tally.converged} of {len(tally.ran)} |",
            f"| steps after which a fresh cell shows another value than the run-all's | "
            f"{len(tally.unsound)} |",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sequences", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--append", help="append the table to this Markdown file")
    args = parser.parse_args()
    tally = measure(args.sequences, args.seed)
    text = render(tally, args.sequences, args.seed)
    print(text)
    if args.append:
        with open(args.append, "a", encoding="utf-8") as out:
            out.write("\n" + text)


if __name__ == "__main__":
    main()
