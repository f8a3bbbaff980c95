"""A Dask cluster as the workers: ``reflow run --dask [ADDRESS]``.

With no address, a ``LocalCluster`` on this machine (processes, one thread
each, bound to localhost); with one, an existing cluster's scheduler.

Values stay on the cluster: each cell's task returns its result there, and
the prefetcher gets two futures from it, the small part (streams, error,
displayed output) that it gathers, and the pickled values, which it passes
as they are to the cells that read them. The main process fetches values
only for a cell that runs there (and, if asked, for the final namespace).

A worker that dies while running a cell is Dask's to handle: the scheduler
gives the task to another worker, once (``allowed-failures``), and then
reports ``KilledWorker`` for that task, which names the cell.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from reflow.parallel.backend import WorkerLost
from reflow.parallel.worker import CellResult, CellTask, Inputs, load_values, run_cell

ALLOWED_FAILURES = 1


@dataclass(eq=False, frozen=True, slots=True)
class _Handle:
    cell: str
    meta: Any  # Future[CellResult] without values
    values: Any  # Future[bytes | None]


class DaskBackend:
    name = "dask"

    def __init__(
        self,
        address: str | None = None,
        *,
        workers: int = 2,
        threads_per_worker: int = 1,
        processes: bool = True,
    ) -> None:
        import dask
        from distributed import Client, LocalCluster

        dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES})
        self._cluster: Any = None
        if address is None:
            # Processes listen on localhost only; threads talk in-process, no sockets.
            where = {"host": "127.0.0.1"} if processes else {}
            self._cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=threads_per_worker,
                processes=processes,
                dashboard_address="127.0.0.1:0",
                silence_logs=logging.ERROR,
                **where,
            )
            self.client = Client(self._cluster)
        else:
            self.client = Client(address)  # waits distributed.comm.timeouts.connect
        threads = self.client.nthreads()
        self.slots = max(1, sum(threads.values()))

    def submit(self, task: CellTask, inputs: Sequence[Inputs]) -> _Handle:
        client = self.client
        parts = [(part.blob, part.names) for part in inputs]
        key = f"reflow-cell-{task.cell}-{uuid.uuid4().hex[:8]}"
        whole = client.submit(_run, task, parts, key=key, pure=False)
        meta = client.submit(_meta, whole, key=f"{key}-meta", pure=False)
        values = client.submit(_values, whole, key=f"{key}-values", pure=False)
        return _Handle(task.cell, meta, values)

    def wait(self, handles: Iterable[Any]) -> set[Any]:
        from distributed import wait

        by_future = {handle.meta: handle for handle in handles}
        done, _ = wait(list(by_future), return_when="FIRST_COMPLETED")
        return {by_future[future] for future in done}

    def result(self, handle: _Handle) -> CellResult:
        try:
            result: CellResult = handle.meta.result()
        except Exception as lost:  # KilledWorker, or the cluster went away
            raise WorkerLost(f"{type(lost).__name__}: {lost}", culprit_known=True) from lost
        return result

    def values_ref(self, handle: _Handle) -> Any:
        return handle.values

    def fetch(self, ref: Any) -> dict[str, Any]:
        return load_values(ref.result())

    def recover(self) -> None:
        pass  # the cluster replaces its workers itself

    @property
    def dashboard(self) -> str:
        return str(self.client.dashboard_link)

    def describe(self) -> str:
        where = "a local Dask cluster" if self._cluster is not None else "the Dask cluster"
        address = self.client.scheduler.address
        return f"{where} at {address} ({self.slots} threads); dashboard: {self.dashboard}"

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


def _run(task: CellTask, parts: list[tuple[bytes, tuple[str, ...] | None]]) -> CellResult:
    return run_cell(task, [Inputs(blob, names) for blob, names in parts])


def _meta(result: CellResult) -> CellResult:
    import dataclasses

    return dataclasses.replace(result, values=None)


def _values(result: CellResult) -> bytes | None:
    return result.values
