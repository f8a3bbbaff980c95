"""Running one cell of a reflow plan through IPython's ``run_cell``.

The Session asks for ``execute(source, filename)``; which cell that is comes
from the Flow's request (the observer is told before each cell runs). The
cell the user executed runs exactly as in ipykernel: history, the execution
count, magics, ``!cmd``, ``input()``, rich display, its result in its slot.
Any other cell of the plan re-runs untracked by IPython's history, its
output captured for its slot.

A cell with top-level ``await`` cannot be driven by the kernel's own event
loop from inside a synchronous plan, so its coroutine runs to completion on
a fresh loop in a helper thread, with the caller's context.

With every cell memoized (``%flow cache``), the executor is also the memo's
host: it records what a miss showed and shows a hit through IPython (memo.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from reflow.kernel.memo import plain_python, replaying
from reflow.kernel.outputs import capture_rerun, result_as_slot
from reflow.runtime.errors import CellError
from reflow.runtime.executor import Execution, stopped_at
from reflow.runtime.ipython import shell_runs_cells_alone

if TYPE_CHECKING:
    from reflow._types import CellId
    from reflow.cache.entry import Display
    from reflow.cache.memoize import Shown
    from reflow.kernel.flow import Flow, KernelCell, Request


_NOT_RUN = "its code was edited in the notebook since it last ran here; run the cell to use it"


class ShellExecutor:
    def __init__(self, flow: Flow) -> None:
        self._flow = flow
        self._shown: dict[CellId, Shown] = {}  # what a memoized cell's miss showed
        self._replaying = False

    def close(self) -> None:
        pass

    def runs_cells_alone(self) -> bool:
        return shell_runs_cells_alone(self._flow.shell)

    def slot_id(self, cell: CellId) -> str:
        """A display id per direct execution: a re-executed cell's old output is gone."""
        return f"reflow-{cell}-{self._flow.shell.execution_count}"

    def execute(self, source: str, filename: str) -> Execution:
        flow = self._flow
        request = flow.request
        cell = request.current if request is not None else None
        if request is None or cell is None:  # not from a kernel request: run what we got
            result = flow.plain_run_cell(source, store_history=False)
            return _execution(flow.shell, result, "")
        known = flow.cells.get(cell)
        if known is None or known.code != source:
            # The model's code came from the frontend extension (a comm edit), not from an
            # execute_request: the kernel never runs such code (docs/protocol.md).
            return Execution(None, "", "", CellError("NotRun", _NOT_RUN))
        self._shown.pop(cell, None)
        return self._through_ipython(cell, known, request)

    def _through_ipython(self, cell: CellId, known: KernelCell, request: Request) -> Execution:
        flow = self._flow
        with self._loop_runner(known.raw):
            if cell == request.target and request.result is None:
                return self._run_target(cell, known.raw)
            # Another cell's re-run, or the executed cell's own second run in this request
            # (a cell above it had to run again after it): captured for its slot, so that
            # its output, its execution count and its history show one execution.
            with capture_rerun(flow.shell) as capture:
                result = self._plain_run_cell(cell, known.raw, store_history=False)
            request.captures[cell] = capture
            return _execution(
                flow.shell, result, capture.stdout.getvalue(), "\n".join(capture.tracebacks)
            )

    def _plain_run_cell(self, cell: CellId, raw: str, **options: Any) -> Any:
        """IPython's run_cell; with every cell memoized, what it shows is kept for the memo."""
        flow = self._flow
        if flow.notebook.cache is None or self._replaying:
            return flow.plain_run_cell(raw, **options)
        from reflow.cache.ipython import recording

        with recording(flow.shell) as recorded:
            result = flow.plain_run_cell(raw, **options)
        self._shown[cell] = recorded.shown()
        return result

    # ---- the memo's host (reflow.cache.memoize.MemoHost), with %flow cache on ----------

    def memoizable(self, cell: CellId, body: str) -> bool:
        """A cell of the current request, with its own execute_request's code, plain Python.

        With ``%flow parallel`` on, only the executed cell (which always runs here): the
        others may have run ahead in a worker, whose results a hit would contradict.
        """
        flow = self._flow
        request = flow.request
        known = flow.cells.get(cell)
        return (
            request is not None
            and request.current == cell
            and (flow.parallel is None or cell == request.target)
            and known is not None
            and known.code == body
            and plain_python(known)
        )

    def shown(self, cell: CellId) -> Shown | None:
        return self._shown.pop(cell, None)

    def show_hit(
        self, cell: CellId, restored: Execution, displays: tuple[Display, ...]
    ) -> Execution:
        """The cell goes through IPython as a run would (history, count, slot, a re-run's
        capture), its code replaced by what the run left (memo.py)."""
        flow = self._flow
        request = flow.request
        assert request is not None  # memoizable() said so
        self._replaying = True
        try:
            with replaying(flow.shell, restored, displays):
                execution = self._through_ipython(cell, flow.cells[cell], request)
        finally:
            self._replaying = False
        if execution.error is not None:
            return execution
        # The session records the run restored: what it printed, not the replay's echo.
        return Execution(restored.output, restored.stdout, restored.stderr, None)

    def _run_target(self, cell: CellId, raw: str) -> Execution:
        flow = self._flow
        request = flow.request
        assert request is not None
        known = flow.cells[cell]
        if flow.widget_slots is not None and known.keyed:
            return self._run_target_in_widget(cell, known, raw)
        slot = flow.slots and known.keyed
        with result_as_slot(flow.shell, self.slot_id(cell)) if slot else _no_hook() as hook:
            result = self._plain_run_cell(
                cell, raw, store_history=request.store_history, cell_id=request.cell_id
            )
        request.result = result
        known.number = result.execution_count
        if hook is not None and hook.sent:
            known.slot, known.base = hook.display_id, hook.bundle
            known.shown = known.base
        else:
            known.slot = None  # a fresh execution: the old slot is gone from the frontend
        return _execution(flow.shell, result, "")

    def _run_target_in_widget(self, cell: CellId, known: KernelCell, raw: str) -> Execution:
        """An app's cell (widget_slots.py): what it prints, displays and returns goes into
        its slot, an Output widget; its error goes out as usual."""
        flow = self._flow
        request = flow.request
        assert request is not None and flow.widget_slots is not None
        with capture_rerun(flow.shell, tracebacks=False) as capture:
            result = self._plain_run_cell(
                cell, raw, store_history=request.store_history, cell_id=request.cell_id
            )
        request.result = result
        known.number = result.execution_count
        known.slot = None
        bundle = flow.slot_bundle(capture.content(""))
        if bundle:
            known.slot, known.base, known.shown = self.slot_id(cell), bundle, bundle
            flow.publish_slot(known.slot, bundle, update=False)
        return _execution(flow.shell, result, capture.stdout.getvalue())

    @contextlib.contextmanager
    def _loop_runner(self, raw: str) -> Iterator[None]:
        shell = self._flow.shell
        try:
            running = asyncio.get_running_loop() is not None
        except RuntimeError:
            running = False
        if not running:
            yield
            return
        if not self._flow.plain_should_run_async(raw):
            yield
            return
        previous = shell.loop_runner
        shell.loop_runner = _ThreadRunner(shell)
        try:
            yield
        finally:
            shell.loop_runner = previous


@contextlib.contextmanager
def _no_hook() -> Iterator[None]:
    yield None


class _ThreadRunner:
    """IPython's ``loop_runner`` for one cell: its coroutine on a loop in a helper thread.

    ipykernel's message hooks are per thread: the calling thread's are carried
    over, so the cell's result still lands in its slot.
    """

    def __init__(self, shell: Any) -> None:
        self._shell = shell

    def __call__(self, coroutine: Any) -> Any:
        context = contextvars.copy_context()
        hooks = [
            (publisher, list(publisher._hooks))
            for publisher in (self._shell.displayhook, self._shell.display_pub)
            if hasattr(publisher, "_hooks")
        ]
        outcome: dict[str, Any] = {}

        def main() -> None:
            for publisher, registered in hooks:
                for hook in registered:
                    publisher.register_hook(hook)
            try:
                outcome["value"] = context.run(asyncio.run, coroutine)
            except BaseException as exc:
                outcome["error"] = exc

        thread = threading.Thread(target=main, name="reflow-await", daemon=True)
        thread.start()
        thread.join()
        if "error" in outcome:
            raise outcome["error"]
        return outcome.get("value")


def _execution(shell: Any, result: Any, stdout: str, traceback: str | None = None) -> Execution:
    error = result.error_before_exec or result.error_in_exec
    if error is None:
        return Execution(result.result, stdout, "", None)
    if traceback is None:
        traceback = "\n".join(getattr(shell, "_last_traceback", None) or [])
    cell_error = CellError(type(error).__name__, str(error), traceback)
    return Execution(
        None,
        stdout,
        "",
        cell_error,
        interrupted=isinstance(error, KeyboardInterrupt),
        stopped_at=stopped_at(error, shell.user_global_ns),
    )
