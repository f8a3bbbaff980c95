"""Graph build and re-plan after one edit: reflow against marimo's dataflow graph, same sources.

The peer is marimo's ``DirectedGraph`` (``marimo._runtime.dataflow``) fed with
``compile_cell`` results, which is what marimo's kernel does when a notebook
is opened or a cell is edited (``Kernel._maybe_register_cell``): compile the
cell (parse, find its definitions and references) and register it, linking it
to the cells that define what it reads and read what it defines.

- build: every cell analysed and added, empty graph to full;
- re-plan after one edit: what happens between an edit and the run starting,
  the new source analysed, the graph updated, the edited cell's parents and
  children and the graph's errors looked up (marimo: delete the cell, compile
  and register the new code, children, parents, multiply-defined names);
- all dependents: the transitive closure a reactive run covers.

The floor is ``ast.parse`` of the same sources: nobody can know the edges faster.
"""

from __future__ import annotations

import ast
import gc
import time
from collections.abc import Callable
from typing import Any

from timing import timed
from workloads import Samples

SHAPES = ("chain", "star")


def sources(shape: str, n: int) -> list[str]:
    if shape == "chain":
        return ["v0 = 1"] + [f"v{i} = v{i - 1} + 1" for i in range(1, n)]
    return ["v0 = 1"] + [f"v{i} = v0 + {i}" for i in range(1, n)]


def edit_target(shape: str, n: int) -> tuple[str, Callable[[int], str]]:
    """The cell a user edits (chain: the middle; star: the hub) and its k-th new source."""
    if shape == "star":
        return "c0", lambda k: f"v0 = {k}"
    mid = n // 2
    return f"c{mid}", lambda k: f"v{mid} = v{mid - 1} + {k}"


class ReflowGraph:
    def __init__(self) -> None:
        from reflow import Notebook

        self.nb = Notebook()

    def build(self, srcs: list[str]) -> None:
        for i, source in enumerate(srcs):
            self.nb.add(source, id=f"c{i}")

    def replan(self, cell: str, source: str) -> None:
        self.nb.edit(cell, source)
        graph = self.nb._graph
        graph.children(cell)  # type: ignore[arg-type]
        graph.parents(cell)  # type: ignore[arg-type]
        graph.errors()

    def dependents(self, cell: str) -> int:
        return len(self.nb._graph.descendants([cell]))  # type: ignore[list-item]


class MarimoGraph:
    def __init__(self) -> None:
        from marimo._runtime import dataflow

        self.dataflow = dataflow
        self.graph: Any = dataflow.DirectedGraph()

    def _compile(self, cell: str, source: str) -> Any:
        from marimo._ast.compiler import compile_cell

        return compile_cell(source, cell)  # type: ignore[arg-type]

    def build(self, srcs: list[str]) -> None:
        for i, source in enumerate(srcs):
            cid = f"c{i}"
            self.graph.register_cell(cid, self._compile(cid, source))

    def replan(self, cell: str, source: str) -> None:
        self.graph.delete_cell(cell)
        self.graph.register_cell(cell, self._compile(cell, source))
        self.graph.children[cell]
        self.graph.parents[cell]
        self.graph.get_multiply_defined()

    def dependents(self, cell: str) -> int:
        closure = self.dataflow.transitive_closure(self.graph, {cell}, inclusive=False)
        return len(closure)


SYSTEMS: dict[str, Callable[[], Any]] = {"reflow": ReflowGraph, "marimo": MarimoGraph}


def measure(system: str, shape: str, n: int, repeats: int) -> Samples:
    srcs = sources(shape, n)
    make = SYSTEMS[system]
    out: Samples = {f"parse:{shape}:{n}": timed(lambda: [ast.parse(s) for s in srcs], repeats)}
    builds = []
    graph: Any = None
    for _ in range(repeats):  # the last graph built is the one edited: no extra build
        graph = make()
        gc.collect()
        begin = time.perf_counter()
        graph.build(srcs)
        builds.append(time.perf_counter() - begin)
    out[f"build:{shape}:{n}"] = builds
    cell, new_source = edit_target(shape, n)
    edits = iter(range(2, 10**9))
    out[f"replan:{shape}:{n}"] = timed(lambda: graph.replan(cell, new_source(next(edits))), 20)
    expected = n - 1 if shape == "star" else n - 1 - n // 2
    found = graph.dependents(cell)
    if found != expected:
        raise AssertionError(f"{system} {shape} {n}: {found} dependents, expected {expected}")
    out[f"dependents:{shape}:{n}"] = timed(lambda: graph.dependents(cell), repeats)
    return out


def run(system: str, sizes: list[int], repeats: int, budget: float = 150.0) -> Samples:
    """Every shape and size, within a time budget (marimo's chain build is quadratic).

    The next size's build time is predicted from this one's, growth taken as
    quadratic: over ``budget / 5`` s for all repeats, it builds once; over
    ``budget`` s for one build, it is not run, and ``predicted:*`` says how long
    it would have taken.
    """
    out: Samples = {}
    for shape in SHAPES:
        reps = repeats
        for i, n in enumerate(sizes):
            out.update(measure(system, shape, n, reps))
            if i + 1 == len(sizes):
                break
            nxt = sizes[i + 1]
            predicted = min(out[f"build:{shape}:{n}"]) * (nxt / n) ** 2
            if predicted > budget:
                for later in sizes[i + 1 :]:
                    out[f"predicted:{shape}:{later}"] = [predicted * (later / nxt) ** 2]
                break
            reps = 1 if predicted * repeats > budget / 5 else repeats
    return out
