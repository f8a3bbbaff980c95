"""One cell in a worker process: copies of its inputs in, the values it bound out.

``run_cell`` is what a process pool or a Dask worker calls. It runs the cell
with the same ``Executor`` as the main process (same output rule, same
captured streams, same traceback text), then checks that what it sends back
means the same in the main process as it did here. If not, the result is a
*fallback*: a reason, no values, and the cell runs again in the main process
at its sequential place. A fallback happens when:

- the cell changed an object it read (a call the lineage could only suspect,
  confirmed by fingerprints, as the main process does): the change was made
  to a copy;
- a value it bound is, holds, or views an object it read (``b = a``,
  ``pair = [a, 1]``, ``v = arr[:2]``): in the notebook it would be the same
  object as the input, and a later change to one would show in the other;
- a value it bound is a function made here (a closure from a notebook
  function): its globals would be a frozen copy of the notebook's;
- a value it bound is an instance of a class a notebook cell defined:
  unpickling it in the main process would reset that class from the copy;
- a value, or the cell's displayed output, cannot be pickled (a generator,
  a lock, an open file);
- it raised ``NameError``: the lineage gave it no value for a name it read,
  which the main process may hold.

A process runs one cell at a time (``_ONE_AT_A_TIME``): the executor
captures a cell's prints by swapping ``sys.stdout``, which threads share,
and a Dask worker may have several threads.

Values travel as one pickled blob per cell (so that names a cell bound to
one object still share it after the trip), and inputs as a list of such
blobs plus the names to take from each.
"""

from __future__ import annotations

import builtins
import io
import linecache
import os
import pickle
import sys
import threading
import time
import types
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cloudpickle

from reflow.runtime.changes import ChangeDetector
from reflow.runtime.errors import CellError
from reflow.runtime.executor import Executor
from reflow.runtime.fingerprint import DEFAULT_BUDGET, Budget, cannot_change

PROTOCOL = pickle.HIGHEST_PROTOCOL
_ONE_AT_A_TIME = threading.Lock()


@dataclass(frozen=True, slots=True)
class CellTask:
    cell: str
    code: str
    filename: str
    may_change: frozenset[str] = frozenset()
    budget: Budget = DEFAULT_BUDGET
    sources: tuple[tuple[str, str], ...] = ()
    """(filename, source) of the notebook's cells: tracebacks through notebook functions
    show their lines, as they do in the main process."""


@dataclass(frozen=True, slots=True)
class Inputs:
    """A pickled blob of values and the names to take from it (``None``: all)."""

    blob: Any  # bytes, or a Dask future of bytes
    names: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class CellResult:
    cell: str
    stdout: str = ""
    stderr: str = ""
    error: CellError | None = None
    output: bytes | None = None
    values: bytes | None = None
    bound: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    fallback: str | None = None
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    """Of ``seconds``, the CPU time the worker got: on a busy machine, less."""
    inputs_bytes: int = 0

    @property
    def shippable(self) -> bool:
        return self.fallback is None


class _SharesInput(Exception):
    pass


def dumps(value: Any) -> bytes:
    blob: bytes = cloudpickle.dumps(value, protocol=PROTOCOL)
    return blob


def dumps_inputs(values: dict[str, Any], namespace: dict[str, Any]) -> tuple[bytes, set[str]]:
    """Pickle a cell's inputs; also the globals that the notebook's functions among them
    read: cloudpickle sends those functions with a copy of those values, so the cell
    depends on them as if it read them itself."""
    buffer = io.BytesIO()
    pickler = _RecordingPickler(buffer, namespace)
    pickler.dump(values)
    return buffer.getvalue(), pickler.globals_read


class _RecordingPickler(cloudpickle.Pickler):  # type: ignore[misc]
    def __init__(self, file: io.BytesIO, namespace: dict[str, Any]) -> None:
        super().__init__(file, protocol=PROTOCOL)
        self._namespace = namespace
        self.globals_read: set[str] = set()

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, types.FunctionType) and obj.__globals__ is self._namespace:
            self.globals_read |= _names_in(obj.__code__) & self._namespace.keys()
        return super().reducer_override(obj)


def _names_in(code: types.CodeType) -> set[str]:
    """Every name a code object and the code nested in it may look up (a superset)."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names_in(const)
    return names


def run_cell(task: CellTask, inputs: Sequence[Inputs]) -> CellResult:
    for filename, source in task.sources:
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
    memo: dict[int, Any] = {}
    size = 0
    for part in inputs:
        size += len(part.blob)
        received, objects = _load(part.blob)
        memo.update(objects)
        names = received if part.names is None else part.names
        namespace.update((n, received[n]) for n in names if n in received)
    input_ids = {key: obj for key, obj in memo.items() if not cannot_change(obj)}

    detector = ChangeDetector(namespace, task.may_change, task.budget)
    with _ONE_AT_A_TIME:
        executor = Executor(namespace)
        start, cpu_start = time.perf_counter(), time.process_time()
        try:
            execution = executor.execute(task.code, task.filename)
        finally:
            executor.close()  # the event loop of a top-level await
        seconds = time.perf_counter() - start
        cpu_seconds = time.process_time() - cpu_start
    changes = detector.after(namespace, cut_off=lambda name: False, owned=lambda name: False)

    def fallback(reason: str) -> CellResult:
        return CellResult(
            task.cell, fallback=reason, seconds=seconds, cpu_seconds=cpu_seconds, inputs_bytes=size
        )

    if execution.error is not None and execution.error.type == "NameError":
        return fallback(f"raised NameError in the worker ({execution.error.message})")
    if changes.mutated:
        shown = ", ".join(f"`{n}`" for n in sorted(changes.mutated))
        return fallback(f"changed {shown} in place (in a worker, only a copy changes)")
    bound = {n: namespace[n] for n in changes.rebound if n != "__builtins__"}
    try:
        values = _dump_checked(bound, input_ids)
        output = None if execution.error else _dump_checked(execution.output, input_ids)
    except _SharesInput as shared:
        return fallback(str(shared))
    except Exception as problem:
        return fallback(f"a value it made cannot be pickled ({_problem(problem)})")
    return CellResult(
        task.cell,
        stdout=execution.stdout,
        stderr=execution.stderr,
        error=execution.error,
        output=output,
        values=values,
        bound=tuple(sorted(bound)),
        deleted=tuple(sorted(changes.deleted)),
        seconds=seconds,
        cpu_seconds=cpu_seconds,
        inputs_bytes=size,
    )


def load_values(blob: bytes) -> dict[str, Any]:
    values: dict[str, Any] = pickle.loads(blob)
    return values


def _load(blob: bytes) -> tuple[dict[str, Any], dict[int, Any]]:
    """The values, and every object the unpickling made (keyed by id): what came in."""
    unpickler = pickle.Unpickler(io.BytesIO(blob))
    values: dict[str, Any] = unpickler.load()
    objects = {id(obj): obj for obj in unpickler.memo.copy().values()}
    return values, objects


def _dump_checked(value: Any, inputs: dict[int, Any]) -> bytes:
    buffer = io.BytesIO()
    _CheckingPickler(buffer, inputs).dump(value)
    return buffer.getvalue()


class _CheckingPickler(cloudpickle.Pickler):  # type: ignore[misc]
    """Refuses what would not mean the same in the main process (see the module doc)."""

    def __init__(self, file: io.BytesIO, inputs: dict[int, Any]) -> None:
        super().__init__(file, protocol=PROTOCOL)
        self._inputs = inputs

    def persistent_id(self, obj: Any) -> None:
        inputs = self._inputs
        if id(obj) in inputs:
            if isinstance(obj, type):
                # Unpickled there, cloudpickle would reset the notebook's class from this
                # copy (methods whose globals are a copy of the notebook's): never.
                raise _SharesInput(f"a value it bound uses `{obj.__qualname__}`, a notebook class")
            raise _SharesInput(f"a value it bound holds an object it read ({_kind(obj)})")
        if type(obj).__module__.startswith(("numpy", "pandas")):
            base = getattr(obj, "base", None)
            for _ in range(8):
                if base is None or not hasattr(base, "base"):
                    break
                if id(base) in inputs:
                    raise _SharesInput(f"a value it bound views an array it read ({_kind(obj)})")
                base = base.base
        if isinstance(obj, types.FunctionType):
            home = sys.modules.get(obj.__module__ or "")
            if home is None or obj.__globals__ is not vars(home):
                raise _SharesInput(
                    f"it made a function (`{obj.__qualname__}`) whose globals must be the "
                    "notebook's"
                )
        return None


def _kind(obj: Any) -> str:
    return type(obj).__name__


def _problem(problem: BaseException) -> str:
    text = str(problem).split("\n", 1)[0]
    return f"{type(problem).__name__}: {text}" if text else type(problem).__name__


def exit_with(main_pid: int) -> None:
    """A pool worker's initializer: leave when the main process is gone.

    A worker blocked on its task queue does not notice its parent died (its
    siblings hold that pipe open too); left over, it would hold the parent's
    output pipes and memory. Polled once a second, on a daemon thread.
    """

    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(main_pid, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:
                pass  # alive, someone else's: pid reused, our main is gone
                # (cannot tell apart cheaply; staying is the safe side)

    threading.Thread(target=watch, name="reflow-exit-with-main", daemon=True).start()
