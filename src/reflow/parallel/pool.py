"""Local worker processes: ``reflow run --parallel N``.

Processes start with ``forkserver`` where the platform has it, ``spawn``
elsewhere, never ``fork``: a forked child inherits the parent's threads'
locks in whatever state they were (a logging or an import lock held by
another thread deadlocks the child), and the notebook's namespace, which
must reach a cell only through its inputs. The fork server preloads
reflow's worker module, so that each new worker starts without importing
it again.

Workers never import the parent's ``__main__``: multiprocessing would run
the script that called reflow again in every worker (a script without an
``if __name__ == "__main__"`` guard would start over), and a worker needs
nothing from it, cells' functions travelling by value.

Values stay in the main process as the pickled blobs the workers sent: a
blob goes to the next worker as it came, and is unpickled here only when the
main process needs the values (a commit, a cell that runs here).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import types
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from reflow.parallel.backend import WorkerLost
from reflow.parallel.worker import (
    CellResult,
    CellTask,
    Inputs,
    exit_with,
    load_values,
    run_cell,
)


def start_method() -> str:
    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


class ProcessBackend:
    name = "processes"

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError(f"--parallel needs at least one worker, got {workers}")
        self.slots = workers
        self._context = multiprocessing.get_context(start_method())
        if start_method() == "forkserver":
            self._context.set_forkserver_preload(["reflow.parallel.worker"])
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.slots,
            mp_context=self._context,
            initializer=exit_with,
            initargs=(os.getpid(),),
        )

    def submit(self, task: CellTask, inputs: Sequence[Inputs]) -> Future[CellResult]:
        try:
            with _main_hidden():  # the pool starts its processes as cells are submitted
                return self._pool.submit(run_cell, task, list(inputs))
        except (BrokenProcessPool, OSError) as lost:
            # A worker died and no result has said so yet: this cell is lost with the
            # others in flight, and the prefetcher hears it as it hears theirs. The pool
            # can also break during the submit: its manager thread tears it down without
            # the submit's lock, and the worker the submit then starts fails on what was
            # closed (OSError: "handle is closed", EBADF, the fork server's connection
            # refused; seen with Python 3.11 under load).
            if isinstance(lost, OSError) and not getattr(self._pool, "_broken", False):
                raise  # not a broken pool (no public API before 3.14)
            failed: Future[CellResult] = Future()
            failed.set_exception(
                lost if isinstance(lost, BrokenProcessPool) else BrokenProcessPool(str(lost))
            )
            return failed

    def wait(self, handles: Iterable[Any]) -> set[Any]:
        done, _ = wait(list(handles), return_when=FIRST_COMPLETED)
        return set(done)

    def result(self, handle: Future[CellResult]) -> CellResult:
        try:
            return handle.result()
        except BrokenProcessPool as lost:
            raise WorkerLost(str(lost), culprit_known=False) from lost

    def values_ref(self, handle: Future[CellResult]) -> bytes:
        blob = handle.result().values
        assert blob is not None, "values of a fallback"
        return blob

    def fetch(self, ref: bytes) -> dict[str, Any]:
        return load_values(ref)

    def recover(self) -> None:
        broken = self._pool
        # Its surviving workers may still be running a cell that is lost anyway.
        processes = getattr(broken, "_processes", None) or {}  # no public API before 3.14
        for process in list(processes.values()):
            process.terminate()
        # Wait for its manager thread to finish closing the pool's pipes before a new pool
        # opens its own: closing them while the new pool starts workers through the
        # forkserver raced with it (a file descriptor closed under the new pool's feet),
        # and a manager thread left behind kept the process from exiting.
        broken.shutdown(wait=True, cancel_futures=True)
        self._pool = self._new_pool()

    def describe(self) -> str:
        return f"{self.slots} worker processes ({start_method()})"

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


@contextlib.contextmanager
def _main_hidden() -> Iterator[None]:
    """Processes started in here do not import the parent's ``__main__`` (see the module doc)."""
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main
