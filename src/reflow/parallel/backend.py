"""What the prefetcher needs from a pool of workers: submit, wait, fetch.

Two implementations: ``pool.ProcessBackend`` (local worker processes) and
``dask_backend.DaskBackend`` (a Dask cluster). A *handle* is whatever the
backend uses to follow one submitted cell; the prefetcher only passes it back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from reflow.parallel.worker import CellResult, CellTask, Inputs


class WorkerLost(Exception):
    """The process running a cell died (``os._exit``, a segfault, the OOM killer).

    ``culprit_known``: the backend knows this cell's task killed it (Dask does, having
    retried it elsewhere); a process pool only knows that its cells in flight were lost.
    """

    def __init__(self, message: str, *, culprit_known: bool) -> None:
        super().__init__(message)
        self.culprit_known = culprit_known


class Backend(Protocol):
    name: str
    slots: int
    """How many cells may be in flight at once."""

    def submit(self, task: CellTask, inputs: Sequence[Inputs]) -> Any: ...

    def wait(self, handles: Iterable[Any]) -> set[Any]:
        """Block until at least one of ``handles`` is done; return those that are."""

    def result(self, handle: Any) -> CellResult:
        """The cell's result without its values; raises ``WorkerLost``."""

    def values_ref(self, handle: Any) -> Any:
        """The cell's values as an input blob for another cell (bytes, or a future)."""

    def fetch(self, ref: Any) -> dict[str, Any]:
        """The values behind a ``values_ref``, in this process."""

    def recover(self) -> None:
        """After ``WorkerLost``: make the backend usable again."""

    def describe(self) -> str:
        """One line for the terminal: where cells run (and Dask's dashboard)."""

    def close(self) -> None: ...
