"""``reflow run --parallel N`` and ``--dask [ADDRESS]``: the backend, the plan, the run."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from reflow._types import CellId
from reflow.cli.common import CommandFailed, cell_name

if TYPE_CHECKING:
    from reflow.cli.progress import Reporter
    from reflow.notebook import Notebook
    from reflow.parallel.backend import Backend
    from reflow.runtime.scheduler import Run


def run_in_parallel(
    notebook: Notebook, args: argparse.Namespace, reporter: Reporter
) -> tuple[Run, list[str]]:
    """The run, and what ``--explain`` has to say after it."""
    from reflow.parallel import Parallel, plan

    backend = _backend(args)
    main = _ipython_syntax(notebook)
    try:
        if not args.quiet:
            print(f"cells run in {backend.describe()}", flush=True)
        if args.explain:
            from reflow.parallel.explain import plan_lines

            print("\n".join(plan_lines(plan(notebook, main=main), _namer(notebook))), flush=True)
        parallel = Parallel(notebook, backend, events=reporter)
        run = parallel.run(
            notebook.execution_order(),
            lambda observer: notebook.run_all(observer=observer),
            reporter,
            main,
        )
    finally:
        backend.close()
    if args.explain and parallel.prefetcher is not None:
        from reflow.parallel.explain import outcome_lines

        return run, outcome_lines(parallel.prefetcher, _namer(notebook))
    return run, []


def _backend(args: argparse.Namespace) -> Backend:
    try:
        if args.dask is not None:
            from reflow.parallel.dask_backend import DaskBackend

            return DaskBackend(args.dask or None, workers=os.cpu_count() or 1)
        from reflow.parallel.pool import ProcessBackend

        return ProcessBackend(args.parallel)
    except ImportError as missing:
        extra = "dask" if args.dask is not None else "parallel"
        raise CommandFailed(
            f"{missing.name or 'a module'} is not installed: pip install 'reflow[{extra}]'"
        ) from None
    except OSError as problem:
        raise CommandFailed(f"cannot reach the Dask scheduler {args.dask}: {problem}") from None


def _ipython_syntax(notebook: Notebook) -> dict[CellId, str]:
    """Cells of IPython syntax (``%time``, ``!ls``): only this process runs them through
    IPython; a worker runs plain Python."""
    from reflow.analysis.magics import ipython_line, is_python

    return {
        CellId(cell.id): "IPython syntax: runs through IPython, here"
        for cell in notebook.cells
        if not is_python(cell.code) and ipython_line(cell.code) is not None
    }


def _namer(notebook: Notebook) -> Callable[[str], str]:
    return lambda cell: cell_name(notebook, CellId(cell))
