"""Runs worker cells ahead of the sequential scheduler, and hands their results over.

The run itself is the ordinary ``Scheduler.run``: it walks the cells in
execution order, one at a time, and records each in the session. This
module plugs in as ``Session.offload``: when the scheduler reaches a worker
cell, the cell has (usually) already run in a worker, and its values enter
the namespace then, at its sequential place. Out-of-order execution, in-order
commit, as a processor's reorder buffer does it. Hence, by construction:
outputs, errors, cancellations (a failing cell cancels its dependents only),
execution counts and the final namespace are the sequential run's.

Lifecycle of a task:

    waiting --dispatch--> running --done--> finished --commit--> committed
       ^                     |                 |
       +--- invalidated -----+-----------------+     (a cell it did not wait for
                             |                        changed what it read)
                             +--> fallback: runs in the main process at its place

``committed`` (told by the run's observer after each cell) checks every task
that ran ahead: if the committed cell wrote a name the task read from an
older source, the task's result is dropped and it runs again.
"""

from __future__ import annotations

import linecache
import pickle
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from reflow._types import CellId
from reflow.parallel.backend import Backend, WorkerLost
from reflow.parallel.placement import Where
from reflow.parallel.tasks import TaskSpec
from reflow.parallel.worker import CellResult, CellTask, Inputs, dumps, dumps_inputs
from reflow.runtime.errors import CellError
from reflow.runtime.executor import Execution
from reflow.runtime.versions import Version

if TYPE_CHECKING:
    from reflow.runtime.session import Session


class State(StrEnum):
    WAITING = "waiting"
    RUNNING = "running"
    FINISHED = "finished"
    FALLBACK = "fallback"
    COMMITTED = "committed"


class Events(Protocol):
    """What a progress display hears besides the scheduler's started/finished."""

    def dispatched(self, cell: CellId) -> None: ...

    def returned(self, cell: CellId, outcome: str) -> None: ...


class Remote:
    """A value that stays on the cluster; the main process fetches it when a cell here reads it.

    The namespace holds this stand-in meanwhile; no cell can change it in place (a cell
    that reads it gets the value), which the session's change detection is told.
    """

    __slots__ = ("name", "ref")
    __reflow_immutable__ = True

    def __init__(self, ref: Any, name: str) -> None:
        self.ref = ref
        self.name = name

    def __repr__(self) -> str:
        return f"<value of `{self.name}`, kept on the cluster>"


@dataclass
class Task:
    spec: TaskSpec
    state: State = State.WAITING
    handle: Any = None
    result: CellResult | None = None
    sources: dict[str, CellId | None] = field(default_factory=dict)
    fallback: str | None = None
    reruns: int = 0
    suspect: bool = False
    errored: bool = False

    @property
    def cell(self) -> CellId:
        return self.spec.cell

    @property
    def in_worker(self) -> bool:
        return self.spec.placement.where is Where.WORKER and self.fallback is None


class Prefetcher:
    def __init__(
        self,
        session: Session,
        specs: list[TaskSpec],
        backend: Backend,
        events: Events | None = None,
    ) -> None:
        self.session = session
        self.backend = backend
        self.events = events
        self.tasks = {spec.cell: Task(spec) for spec in specs}
        self.order = [spec.cell for spec in specs]
        self._in_flight: dict[Any, Task] = {}
        self._sources = tuple(
            (session.filename(c), session.records[c].code) for c in session.records
        )
        self.shipped_bytes = 0
        # name -> (its version when a worker cell's values were committed, those values):
        # while the version stands, later cells get the blob as it came, not a new pickle.
        self._blobs: dict[str, tuple[Version, Any]] = {}

    # ---- the session's and the observer's hooks -----------------------------------

    def before(self, cell: CellId) -> None:
        """The scheduler is about to run ``cell`` (the session has not taken its snapshot).

        Keep the workers busy; if ``cell`` is a worker cell, wait until it is back (or
        known to need the main process); if it runs here, fetch the cluster's values it
        reads, now, so that the session does not count them as written by it.
        """
        self.pump(block=False)
        task = self.tasks.get(cell)
        if task is not None and task.in_worker:
            while task.state is State.WAITING or task.state is State.RUNNING:
                if task.state is State.WAITING and not (task.suspect and self._in_flight):
                    self._dispatch(task)  # at its place: nothing it reads can change now
                else:
                    self.pump(block=True)
        if task is None or not task.in_worker:
            names = None if task is None or task.spec.reads_everything else task.spec.reads
            self._fetch(names)

    def offload(self, cell: CellId) -> Execution | None:
        """The session's hook: a worker cell's values enter the namespace; ``None``: run here."""
        task = self.tasks.get(cell)
        if task is None or not task.in_worker or task.state is not State.FINISHED:
            return None
        return self._apply(task)

    def committed(self, cell: CellId, outcome: str) -> None:
        task = self.tasks.get(cell)
        if task is None:
            return
        task.state = State.COMMITTED
        task.errored = outcome != "ok"
        if outcome not in ("ok", "error"):
            return
        if task.in_worker and task.result is not None and task.result.bound:
            ref = self.backend.values_ref(task.handle)
            ledger = self.session.ledger
            for name in task.result.bound:
                version = ledger.current_for(name)  # of the whole or of any part
                if version is not None:
                    self._blobs[name] = (version, ref)
        # Every task that ran ahead and read a name this cell wrote, from the namespace or
        # from a cell committed before this one, read an older value than it will see.
        # (Not "later in the plan": a run that reveals new edges may reorder the rest.)
        wrote = {symbol.name for symbol in self.session.records[cell].wrote}
        for other in self.tasks.values():
            if other.state not in (State.RUNNING, State.FINISHED) or not other.sources:
                continue
            for name in wrote & other.sources.keys():
                source = other.sources[name]
                if source is None or (
                    source != cell and self.tasks[source].state is State.COMMITTED
                ):
                    self._invalidate(other)
                    break

    # ---- running ahead ---------------------------------------------------------------

    def pump(self, *, block: bool) -> None:
        """Dispatch what is ready; with ``block``, wait for one cell to come back."""
        suspects = [t for t in self.tasks.values() if t.suspect and t.state is State.WAITING]
        if suspects:  # after a worker died: one at a time, to find which cell kills it
            if not self._in_flight:
                self._dispatch(suspects[0])
        else:
            for cell in self.order:
                if len(self._in_flight) >= self.backend.slots:
                    break
                task = self.tasks[cell]
                if task.state is State.WAITING and task.in_worker and self._ready(task):
                    self._dispatch(task)
        if block and self._in_flight:
            for handle in self.backend.wait(list(self._in_flight)):
                self._returned(handle)

    def _ready(self, task: Task) -> bool:
        spec = task.spec
        if spec.barrier is not None and self.tasks[spec.barrier].state is not State.COMMITTED:
            return False
        for other in {*spec.producers.values(), *spec.parents}:
            upstream = self.tasks[other]
            if upstream.errored:
                return False  # it will be cancelled
            if upstream.state is State.COMMITTED:
                continue
            if upstream.state is State.FINISHED and upstream.in_worker:
                continue
            return False
        return True

    def _dispatch(self, task: Task) -> None:
        namespace = self.session.namespace
        spec = task.spec
        from_cells: dict[CellId, list[str]] = {}
        remote: dict[int, tuple[Any, list[str]]] = {}
        local: dict[str, Any] = {}
        sources: dict[str, CellId | None] = {}
        for name in sorted(spec.reads):
            producer = spec.producers.get(name)
            upstream = self.tasks[producer] if producer is not None else None
            if (
                upstream is not None
                and upstream.state is State.FINISHED
                and upstream.result is not None
                and name in upstream.result.bound
            ):
                from_cells.setdefault(upstream.cell, []).append(name)
                sources[name] = upstream.cell
                continue
            sources[name] = None
            if name not in namespace:
                continue
            value = namespace[name]
            shipped = self._blobs.get(name)
            if shipped is not None and shipped[0] == self.session.ledger.current_for(name):
                remote.setdefault(id(shipped[1]), (shipped[1], []))[1].append(name)
            elif isinstance(value, Remote):
                remote.setdefault(id(value.ref), (value.ref, []))[1].append(name)
            else:
                local[name] = value
        try:
            blob, through_functions = dumps_inputs(local, namespace)
            remote_globals = [n for n in through_functions if isinstance(namespace[n], Remote)]
            if remote_globals:  # a function travels with the values of the globals it reads
                self._fetch(remote_globals)
                blob, through_functions = dumps_inputs(local, namespace)
        except Exception:
            task.fallback = _unpicklable(local)
            task.state = State.FALLBACK
            return
        for name in through_functions:
            sources.setdefault(name, None)  # a commit that changes them must rerun the cell
        inputs = [Inputs(blob, None)]
        inputs += [Inputs(ref, tuple(names)) for ref, names in remote.values()]
        inputs += [
            Inputs(self.backend.values_ref(self.tasks[c].handle), tuple(names))
            for c, names in from_cells.items()
        ]
        self.shipped_bytes += len(blob)
        record = self.session.records[spec.cell]
        cell_task = CellTask(
            spec.cell,
            record.code,
            self.session.filename(spec.cell),
            spec.may_change,
            self.session.budget,
            self._sources,
        )
        task.sources = sources
        task.handle = self.backend.submit(cell_task, inputs)
        task.state = State.RUNNING
        self._in_flight[task.handle] = task
        if self.events is not None:
            self.events.dispatched(spec.cell)

    def _returned(self, handle: Any) -> None:
        task = self._in_flight.pop(handle, None)
        if task is None or task.handle is not handle:
            return  # invalidated while it ran: its result is of no use
        try:
            result = self.backend.result(handle)
        except WorkerLost as lost:
            self._worker_lost(task, lost)
            return
        task.suspect = False
        if result.fallback is not None:
            task.fallback = result.fallback
            task.state = State.FALLBACK
            outcome = "fallback"
        else:
            task.result = result
            task.state = State.FINISHED
            task.errored = result.error is not None
            outcome = "error" if task.errored else "ok"
        if self.events is not None:
            self.events.returned(task.cell, outcome)

    def _worker_lost(self, task: Task, lost: WorkerLost) -> None:
        """A worker died. Alone, or on a cluster that knows which task killed it: that cell
        fails. Among others: every cell then running is retried, one at a time."""
        if task.suspect or lost.culprit_known:
            task.suspect = False
            task.handle = None
            task.state = State.FINISHED
            task.errored = True
            task.result = CellResult(
                task.cell,
                error=CellError(
                    "WorkerLost",
                    f"the worker process running cell [{task.cell}] died ({lost})",
                ),
            )
            if not lost.culprit_known:
                self.backend.recover()
            if self.events is not None:
                self.events.returned(task.cell, "error")
            return
        self.backend.recover()
        for other in [task, *self._in_flight.values()]:
            other.suspect = True
            other.state = State.WAITING
            other.handle = None
        self._in_flight.clear()

    def _invalidate(self, task: Task) -> None:
        """Drop what ``task`` computed from stale inputs, and what others computed from it."""
        if task.state is State.RUNNING:
            self._in_flight.pop(task.handle, None)
        task.state = State.WAITING
        task.handle = None
        task.result = None
        task.sources = {}
        task.errored = False
        task.reruns += 1
        for other in self.tasks.values():
            if other.state in (State.RUNNING, State.FINISHED) and task.cell in (
                other.sources.values()
            ):
                self._invalidate(other)

    # ---- handing over -------------------------------------------------------------------

    def _apply(self, task: Task) -> Execution:
        result = task.result
        assert result is not None
        namespace = self.session.namespace
        for name in result.deleted:
            namespace.pop(name, None)
        if result.bound:
            if self.backend.name == "dask":
                ref = self.backend.values_ref(task.handle)
                namespace.update((name, Remote(ref, name)) for name in result.bound)
            else:
                namespace.update(self.backend.fetch(self.backend.values_ref(task.handle)))
        filename = self.session.filename(task.cell)
        code = self.session.records[task.cell].code
        linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
        output = pickle.loads(result.output) if result.output is not None else None
        return Execution(output, result.stdout, result.stderr, result.error)

    def _fetch(self, names: Iterable[str] | None) -> None:
        """Bring the cluster's values of ``names`` (all, for ``None``) into the namespace."""
        namespace = self.session.namespace
        wanted = namespace.keys() if names is None else names
        pending: dict[int, tuple[Any, list[str]]] = {}
        for name in list(wanted):
            value = namespace.get(name)
            if isinstance(value, Remote):
                pending.setdefault(id(value.ref), (value.ref, []))[1].append(name)
        for ref, _ in pending.values():
            values = self.backend.fetch(ref)
            # Every name still bound to this cell's values, so that names sharing an
            # object there share it here.
            for name, value in list(namespace.items()):
                if isinstance(value, Remote) and value.ref is ref and value.name in values:
                    namespace[name] = values[value.name]

    def fetch_all(self) -> None:
        self._fetch(None)

    def close(self) -> None:
        self._in_flight.clear()


def _unpicklable(values: dict[str, Any]) -> str:
    for name, value in values.items():
        try:
            dumps(value)
        except Exception as problem:
            kind = type(value).__name__
            return f"reads `{name}` ({kind}), which cannot be pickled ({type(problem).__name__})"
    return "its inputs cannot be pickled together"
