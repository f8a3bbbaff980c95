"""Independent cells at the same time: worker processes or a Dask cluster (issue 10).

``run_parallel(notebook, backend)`` is a run-all whose worker cells run ahead
in ``backend`` while the ordinary scheduler commits every cell at its
sequential place (``prefetch``), so that what it leaves (outputs, errors,
cancellations, execution counts, the namespace) is what
``notebook.run_all()`` leaves.

How the pieces fit:

    placement  where a cell may run, and why (--explain): a worker only if all
               it does is read names and bind names
    tasks      what each cell waits for: the last writer of each name it
               reads (read-after-write edges, the graph's mutation edges),
               and the last barrier (a cell that reaches outside)
    worker     one cell in a worker: copies in, the values it bound out, or
               a *fallback* when what it made cannot mean the same here
    prefetch   runs cells ahead, commits them in order, re-runs a cell whose
               inputs a commit changed under it
    pool, dask_backend   where the workers are

Why the results are the sequential run's:

- every cell's effects reach the namespace in sequential order (in-order
  commit), so write-after-read and write-after-write hazards cannot happen;
- a worker reads copies taken when it starts; if a cell before it commits a
  change to a name it read from an older source (a change through an alias,
  a call that turned out to mutate), its result is dropped and it runs again,
  as is every result computed from it;
- in-place changes: a cell known to change an object it did not create
  (``x.append``, ``m.fit``) runs in the main process, on the notebook's object,
  so every name holding that object sees the change; a cell that only *may*
  change one (a call the lineage cannot see into) runs in a worker, which
  fingerprints those objects before and after, as the main process does;
  if one changed, the cell runs again in the main process at its place;
- identity: a value a worker binds that is, holds or views one of its
  inputs (``b = a``, ``[a]``, ``arr[1:]``), a function it made (whose globals
  would be a copy) or an instance of a notebook class comes back as a
  fallback, not as a copy, so ``b is a`` stays true;
- unpicklable values: a cell whose inputs cannot be pickled, or that binds
  or shows a value that cannot, runs in the main process at its place; its
  values stay there (cells reading them run there too);
- the outside world (files, the terminal, module-global state such as a
  random seed): such cells run in the main process, and no later cell
  starts before they are done. This is a deny-list (``world.py``) of names;
  effects hidden inside a library are not seen: ``# reflow: main`` pins a cell.

A worker crash (``os._exit``, a segfault) fails that cell only, with
``WorkerLost``, even when it happens while another cell is being handed to the
pool: the process pool retries the cells it lost one at a time, to find the
one that kills its worker; Dask retries the task on another worker once, then
reports ``KilledWorker``.

For a kernel's reactive wave, ``Parallel(notebook, backend).run(cells, run, main=...)``
takes the cells the wave may run (the executed cell included: the cells that
read it wait for it), a callable that runs it (e.g. ``lambda observer:
notebook.run(cell, observer=observer)``) and the cells that must run in the
main process (the executed cell, through IPython); cells of the wave that
were not planned simply run in the main process.

Needs the ``parallel`` extra (cloudpickle); ``dask_backend`` the ``dask`` extra.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from reflow._types import CellId
from reflow.parallel.backend import Backend, WorkerLost
from reflow.parallel.placement import Placement, Where, place
from reflow.parallel.tasks import TaskSpec, task_graph

if TYPE_CHECKING:
    from reflow.notebook import Notebook
    from reflow.parallel.prefetch import Events, Prefetcher
    from reflow.runtime.scheduler import CellObserver, Run

__all__ = [
    "Backend",
    "Parallel",
    "Placement",
    "TaskSpec",
    "Where",
    "WorkerLost",
    "place",
    "plan",
    "run_parallel",
]


def plan(
    notebook: Notebook,
    cells: Iterable[CellId] | None = None,
    main: Mapping[CellId, str] | None = None,
) -> list[TaskSpec]:
    """The tasks of a run of ``cells`` (default: all), in execution order, with placements;
    ``main``: cells kept in the main process, each with the reason."""
    chosen = notebook.execution_order() if cells is None else list(cells)
    code = {CellId(c.id): c.code for c in notebook.cells}
    return task_graph(notebook._graph, code, chosen, main)


class Parallel:
    """Installs a prefetcher on a notebook's session for the length of one run."""

    def __init__(self, notebook: Notebook, backend: Backend, events: Events | None = None) -> None:
        self.notebook = notebook
        self.backend = backend
        self.events = events
        self.prefetcher: Prefetcher | None = None

    def run(
        self,
        cells: Iterable[CellId],
        runner: Callable[[CellObserver], Run],
        observer: CellObserver | None = None,
        main: Mapping[CellId, str] | None = None,
    ) -> Run:
        """``cells``: every cell the run may run, the cells whose writes others wait for
        included, even those kept in the main process (``main``, with the reasons)."""
        from reflow.parallel.prefetch import Prefetcher

        session = self.notebook._session
        specs = plan(self.notebook, cells, main)
        prefetcher = self.prefetcher = Prefetcher(session, specs, self.backend, self.events)
        session.offload = prefetcher.offload
        try:
            return runner(_Observer(prefetcher, observer))
        finally:
            session.offload = None
            prefetcher.close()

    def run_all(self, observer: CellObserver | None = None) -> Run:
        return self.run(
            self.notebook.execution_order(),
            lambda watcher: self.notebook.run_all(observer=watcher),
            observer,
        )

    def fetch_namespace(self) -> None:
        """Bring every value still kept on a cluster into the notebook's namespace."""
        if self.prefetcher is not None:
            self.prefetcher.fetch_all()


def run_parallel(
    notebook: Notebook,
    backend: Backend,
    observer: CellObserver | None = None,
    *,
    events: Events | None = None,
    fetch_namespace: bool = True,
) -> Run:
    """``notebook.run_all()`` with worker cells in ``backend``; the namespace ends up local
    unless ``fetch_namespace`` is false (Dask: values the main process never needed stay)."""
    parallel = Parallel(notebook, backend, events)
    run = parallel.run_all(observer)
    if fetch_namespace:
        parallel.fetch_namespace()
    return run


class _Observer:
    """The scheduler's observer: tells the prefetcher, then whoever else listens."""

    def __init__(self, prefetcher: Prefetcher, outer: CellObserver | None) -> None:
        self.prefetcher = prefetcher
        self.outer = outer

    def started(self, cell: CellId) -> None:
        self.prefetcher.before(cell)
        if self.outer is not None:
            self.outer.started(cell)

    def finished(self, cell: CellId, outcome: str) -> None:
        self.prefetcher.committed(cell, outcome)
        if self.outer is not None:
            self.outer.finished(cell, outcome)
