"""Every cell memoized in the kernel (``%flow cache memory|disk``): what the executor adds.

The Notebook's memo decides hits and misses, with the keys it makes for
``Notebook(cache="disk")`` (the lineage's inputs and the parts they are read
at). What only the kernel knows is how a cell is shown, so ``ShellExecutor``
is the memo's host (``reflow.cache.memoize.MemoHost``), using this module:

- ``plain_python``: which cells it memoizes. Not a cell with IPython syntax
  (``%matplotlib``, ``!pip``, ``%%time``, ``%flow`` itself; a ``%%memoize``
  cell memoizes itself) nor one calling ``get_ipython()``: what they do to
  the shell is no value a hit could restore;
- a miss records what its run printed and displayed (``reflow.cache.ipython.
  recording``): the executed cell's output goes straight to the frontend;
- ``replaying``: a hit still goes through IPython's ``run_cell``, so history,
  the execution count, ``Out``, the cell's slot and a re-run's capture are as
  for a run, with the cell's code replaced (after IPython stored it in the
  history) by one call that prints what the run printed, publishes what it
  displayed and returns its result.
"""

from __future__ import annotations

import ast
import contextlib
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from reflow.cache.entry import Display
from reflow.cache.ipython import show_displays
from reflow.runtime.executor import Execution

if TYPE_CHECKING:
    from reflow.kernel.flow import KernelCell

REPLAY = "__reflow_replay__"
"""The name the replay function has in the user's namespace, during a hit only."""


def plain_python(known: KernelCell) -> bool:
    """Whether every-cell memoization may take the cell: plain Python that leaves the shell
    alone (see the module docstring)."""
    return known.raw.strip() == known.code.strip() and "get_ipython" not in known.code


class _Replaced(ast.NodeTransformer):
    """The whole cell becomes ``__reflow_replay__()``, its last expression: IPython shows
    what it returns as the cell's result (unless the cell's source ends with ``;``)."""

    def visit_Module(self, node: ast.Module) -> ast.Module:
        call = ast.Call(ast.Name(REPLAY, ast.Load()), [], [])
        return ast.fix_missing_locations(ast.Module(body=[ast.Expr(call)], type_ignores=[]))


@contextlib.contextmanager
def replaying(
    shell: Any, restored: Execution, displays: tuple[Display, ...] = ()
) -> Iterator[None]:
    """While inside, a run of any cell through the shell shows ``restored`` instead."""

    def replay() -> Any:
        sys.stdout.write(restored.stdout)
        sys.stderr.write(restored.stderr)
        show_displays(shell, displays)
        return restored.output

    transformer = _Replaced()
    shell.user_ns[REPLAY] = replay
    shell.ast_transformers.append(transformer)  # last: it sees the others' tree, and drops it
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            shell.ast_transformers.remove(transformer)
        shell.user_ns.pop(REPLAY, None)
