"""reflow attached to one IPython shell: every execution becomes a reactive run.

``Flow.install`` puts ``run_cell`` (and ``should_run_async``) on the shell instance,
so ipykernel's own ``do_execute`` (and terminal IPython) call into reflow
while building replies, counting executions and handling stdin as usual.
One execution of cell C is, in phases:

    model    C's source (IPython syntax turned into Python for analysis) is
             added to, or edited in, the reflow Notebook; a cell is known by
             the frontend's ``cellId``, else it is a new cell of its own;
    run      the Notebook plans pull, C, push (docs/semantics.md); each cell runs
             through ``ShellExecutor``, i.e. through IPython's run_cell;
    show     C's output goes to C as usual; a re-run cell's output replaces
             its slot (see ``outputs``); lazy mode marks stale slots; C's
             output ends with a line saying what else ran or went stale;
    tell     listeners (the comm) hear that the notebook changed.

Cells are in the order of their first execution: a kernel without the
frontend extension never sees the notebook, only the cells run in it.
"""

from __future__ import annotations
import __future__

import contextlib
import itertools
import re
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reflow._types import CellId
from reflow.analysis import keep_last_tree, take_tree
from reflow.kernel.bundles import Bundle, SlotContent, with_note
from reflow.kernel.executor import ShellExecutor
from reflow.kernel.outputs import RerunCapture, has_slots, publish, publish_slot
from reflow.kernel.widget_slots import WidgetSlots, for_environment
from reflow.notebook import Notebook
from reflow.runtime import input_transform
from reflow.runtime.errors import CellError
from reflow.runtime.rewrites import idle_set_aside
from reflow.runtime.scheduler import Run

if TYPE_CHECKING:
    from reflow.parallel.backend import Backend

_SHOWN_CODE = 40
# The note of an executed cell that ran, then was cancelled by the same run.
_UNDONE = "undone by the rest of the run"
# The slot of a cell whose own run failed, re-run without error: the traceback above the
# slot stays (a frontend replaces only displays), and an empty slot would leave the cell
# looking failed.
_RAN_WITHOUT_ERROR = "re-run after {trigger}, without error: the error above is from its own run"
_CELL_REF = re.compile(r"cell \[([^\]]+)\]")


@dataclass(slots=True)  # one per cell a session executed: kept small
class KernelCell:
    """What the kernel knows of a cell beyond the Notebook: its IPython source and
    where its output is."""

    raw: str  # the source an execute_request gave, the only code the kernel runs
    code: str  # its Python form, as the Notebook holds it
    keyed: bool  # has an output slot: known by a frontend's cellId, or in an app
    number: int | None = None  # execution count of its last direct run
    slot: str | None = None  # display id of the slot in that run's output
    base: Bundle = field(default_factory=dict)  # what the slot shows, marker aside
    shown: Bundle | None = None  # what the slot shows now
    failed: bool = False  # its last direct run showed an error, above its slot


@dataclass
class Request:
    """One execute request in progress, or (``target`` None) a run no request made:
    the readers of a widget the user moved."""

    target: CellId | None
    cell_id: str | None
    store_history: bool
    cause: str | None = None  # what started a run without a target, for the slots' notes
    current: CellId | None = None
    result: Any = None  # IPython's ExecutionResult of the target
    captures: dict[CellId, RerunCapture] = field(default_factory=dict)
    elsewhere: list[CellId] = field(default_factory=list)  # run in worker processes


Listener = Callable[[Run | None], None]
PlanListener = Callable[[list[CellId], str], None]


class Flow:
    def __init__(
        self, shell: Any, mode: str = "reactive", direction: str = "in_order", cache: str = "off"
    ) -> None:
        self.shell = shell
        self.slots = has_slots(shell)
        # Under Voilà: slots are Output widgets, and cells without a cellId have them too.
        self.widget_slots: WidgetSlots | None = for_environment() if self.slots else None
        self.cells: dict[CellId, KernelCell] = {}
        self._marked: set[CellId] = set()  # cells whose slot shows a stale marker
        self.frontend_runs_plan = False  # a frontend extension runs pushed cells itself
        self.listeners: list[Listener] = []
        # Told of the cells to run after a change no execution made (a widget moved),
        # when a frontend runs plans: (cells, cause).
        self.plan_listeners: list[PlanListener] = []
        self.request: Request | None = None
        self.pending_settings: dict[str, str] = {}  # %flow mode/direction, after the run
        self.parallel: Backend | None = None  # %flow parallel on: worker processes
        self._plain_run_cell: Callable[..., Any] = shell.run_cell
        self._plain_should_run_async: Callable[..., Any] = shell.should_run_async
        self._plain_transform: Callable[[str], str] = shell.transform_cell
        self._plain_transform_ast: Callable[[Any], Any] = shell.transform_ast
        self._plain_ast_parse: Callable[..., Any] = shell.compile.ast_parse
        self._transformed: tuple[str, str] | None = None  # see transform_cell
        self._anonymous = itertools.count(1)
        self._warned_fallback = False
        self.executor = ShellExecutor(self)
        # Where every-cell caching stores (%flow cache disk): the directory the kernel
        # started in, the notebook's, as %%memoize and `reflow run --cache` do.
        self.cache_dir = Path.cwd() / ".reflow" / "cache"
        self.notebook = Notebook(
            mode,
            direction,
            namespace=shell.user_ns,
            executor=self.executor,
            cache=_notebook_cache(cache),
            cache_dir=self.cache_dir,
        )
        self.notebook.history.numbering = self._numbering
        self._private_names = self.notebook.private_names()  # registered by install()

    # ---- installation --------------------------------------------------------------

    def install(self) -> None:
        self.shell.run_cell = self.run_cell
        self.shell.should_run_async = self.should_run_async
        self.shell.transform_cell = self.transform_cell
        self.shell.transform_ast = self.transform_ast
        self.shell.compile.ast_parse = self.ast_parse
        input_transform.install(self.shell)
        keep_last_tree(True)
        # any_order: each cell's private names are its own (runtime.private).
        self.shell.ast_transformers.append(self._private_names)

    def uninstall(self) -> None:
        for name in ("run_cell", "should_run_async", "transform_cell", "transform_ast"):
            if name in vars(self.shell):
                delattr(self.shell, name)
        if "ast_parse" in vars(self.shell.compile):
            del self.shell.compile.ast_parse
        input_transform.uninstall(self.shell)
        keep_last_tree(False)
        if self._private_names in self.shell.ast_transformers:
            self.shell.ast_transformers.remove(self._private_names)

    def plain_run_cell(self, raw: str, **kwargs: Any) -> Any:
        """IPython's own run_cell, as it was before reflow was installed."""
        return self._plain_run_cell(raw, **{k: v for k, v in kwargs.items() if v is not None})

    def plain_should_run_async(self, raw: str) -> bool:
        """Whether IPython needs an event loop for this cell (top-level ``await``)."""
        if not input_transform.may_await(raw):
            return False  # no transform needed to tell (it costs as much as a small cell)
        try:
            transformed = self.shell.transform_cell(raw)
        except Exception:
            return False  # IPython reports the cell's problem when it runs it
        return bool(self._plain_should_run_async(raw, transformed_cell=transformed))

    # ---- the shell's entry points --------------------------------------------------

    def transform_cell(self, raw_cell: str) -> str:
        """IPython's input transform, done once per execute request: ipykernel asks for
        it before running the cell, the model of the cell needs it, and IPython's run
        asks again, each time as costly as running a small cell. The answer is kept
        until the request's ``run_cell`` returns, so no later state of the shell (a
        magic defined since) meets an old answer."""
        kept = self._transformed
        if kept is not None and kept[0] == raw_cell:
            return kept[1]
        transformed = self._plain_transform(raw_cell)
        self._transformed = (raw_cell, transformed)
        return transformed

    def ast_parse(self, source: str, filename: str = "<unknown>", symbol: str = "exec") -> Any:
        """IPython's parse of the cell it runs: the tree the model of the cell parsed from
        the same text, if it was the last analysed (``analysis.take_tree``), so a cell
        is parsed once. Not under ``from __future__ import barry_as_FLUFL`` (it parses
        ``<>``), nor for text without its last newline (IPython's flags then refuse
        what ``ast.parse`` takes)."""
        tree = None
        if symbol == "exec" and source.endswith("\n") and not self.shell.compile.flags & _BARRY:
            tree = take_tree(source)
        return tree if tree is not None else self._plain_ast_parse(source, filename, symbol)

    def transform_ast(self, node: Any) -> Any:
        """IPython's AST transforms, reflow's own that would leave this tree as it is set
        aside meanwhile (``runtime.rewrites``): with any transformer registered, IPython
        walks the whole tree once more (``ast.fix_missing_locations``), besides each
        transformer's own walk, costs as large as the cell that ipykernel does not pay."""
        with idle_set_aside(self.shell.ast_transformers, node):
            return self._plain_transform_ast(node)

    def run_cell(
        self,
        raw_cell: str,
        store_history: bool = False,
        silent: bool = False,
        shell_futures: bool = True,
        cell_id: str | None = None,
        cell_meta: dict[str, Any] | None = None,
    ) -> Any:
        try:
            if silent or not shell_futures or self.request is not None:
                # Tooling (silent), or a cell calling run_cell: plain IPython, untracked.
                return self.plain_run_cell(
                    raw_cell,
                    store_history=store_history,
                    silent=silent,
                    shell_futures=shell_futures,
                    cell_id=cell_id,
                    cell_meta=cell_meta,
                )
            return self.execute(raw_cell, store_history=store_history, cell_id=cell_id)
        finally:
            self._transformed = None  # see transform_cell

    def should_run_async(
        self,
        raw_cell: str,
        *,
        transformed_cell: str | None = None,
        preprocessing_exc_tuple: Any = None,
    ) -> bool:
        """Outside a reflow run, never: ipykernel then calls ``run_cell``, which reflow
        owns, for top-level ``await`` too (the executor gives such cells a loop)."""
        if self.request is None:
            return False
        return input_transform.should_run_async(
            self._plain_should_run_async, raw_cell, transformed_cell, preprocessing_exc_tuple
        )

    # ---- one execution ---------------------------------------------------------------

    def execute(self, raw: str, *, store_history: bool, cell_id: str | None) -> Any:
        cell = self.model_cell(raw, cell_id)
        error = self.notebook.cell(cell).error
        if error is not None and error.unparsed:
            # IPython reports it as usual; the cell stays in the model, reading nothing.
            result = self.plain_run_cell(raw, store_history=store_history, cell_id=cell_id)
            self.cells[cell].number = result.execution_count
            self.cells[cell].failed = True
            self._tell(None)
            return result
        request = Request(cell, cell_id, store_history)
        self.request = request
        run: Run | None = None
        problem: Exception | None = None
        try:
            run = self._run(cell)
        except Exception as failure:  # reflow's own failure: the user's cell still runs
            problem = failure
        finally:
            self.request = None
        if problem is not None:
            self._warn_once(problem)
            if request.result is None:
                request.result = self.plain_run_cell(
                    raw, store_history=store_history, cell_id=cell_id
                )
        result = request.result
        if result is None:
            # Not run (cancelled, refused), a fresh execution all the same: its outputs
            # replace the cell's, and the old slot with them. Left pointing there, the
            # slot took the updates of its later re-runs out of sight, and the cell
            # showed the error for good.
            self.cells[cell].slot = None
            result = self._not_run(raw, store_history, cell_id, cell, run)
        self.cells[cell].failed = not result.success
        self._apply_settings()
        if run is not None:
            self._show(run, request)
        self._tell(run)
        return result

    def _run(self, cell: CellId) -> Run:
        """The reactive run of ``cell``; with ``%flow parallel on``, the other cells of its
        wave that a worker can run faithfully run ahead in worker processes, their values
        committed at their sequential places (``reflow.parallel``)."""
        if self.frontend_runs_plan:
            if self.notebook.cell(cell).status == "stale":
                # From a plan: the frontend ran what plans list, but a cell stale for what
                # no plan can list (a writer above it that must run again, the value a
                # dropped store left) needs its own run's pull: lazy, nothing past it.
                with self.mode_for("lazy"):
                    return self.notebook.run(cell, observer=self)
            return self.notebook.run(cell, alone=True, observer=self)
        if self.parallel is None:
            return self.notebook.run(cell, observer=self)
        from reflow.parallel import Parallel

        downstream = self.notebook.downstream(cell)
        pulled = self.notebook.pull(cell)
        if not (downstream or pulled):
            return self.notebook.run(cell, observer=self)
        wave = [*pulled, cell, *downstream]
        main = {
            c: "a cell with IPython syntax runs through IPython" for c in wave if self._ipython(c)
        }
        main[cell] = "the executed cell runs in the kernel, through IPython"
        return Parallel(self.notebook, self.parallel).run(
            wave, lambda observer: self.notebook.run(cell, observer=observer), self, main=main
        )

    def _ipython(self, cell: CellId) -> bool:
        """Whether the cell's source is more than Python (``%%time``, ``!ls``): the model
        holds its Python form, which a worker would run without the magic."""
        known = self.cells.get(cell)
        return known is None or known.raw.strip() != known.code.strip()

    def set_parallel(self, workers: int | None) -> str:
        """``%flow parallel on N`` / ``off``: a process pool for reactive waves, or none."""
        if self.parallel is not None:
            self.parallel.close()
            self.parallel = None
        if workers is None:
            return "parallel: off (every cell runs in the kernel)"
        from reflow.parallel.pool import ProcessBackend

        self.parallel = ProcessBackend(workers)
        return (
            f"parallel: on, {self.parallel.describe()}: the independent cells of a reactive "
            "run go to workers (cells that touch files, the terminal, global state or "
            "objects in place stay in the kernel)"
        )

    def outside_change(self, changes: dict[str, frozenset[str] | None], cause: str) -> Run:
        """Globals' objects changed between executions (widgets.py): their readers re-run
        with their outputs replaced in their slots (reactive), or go stale (lazy).

        A frontend that runs plans is sent the readers to execute instead, as
        ordinary executions in their own cells.
        """
        if self.frontend_runs_plan:
            with self.mode_for("lazy"):
                run = self.notebook.changed_outside(changes)
            self._tell(None)
            if self.notebook.mode == "reactive" and run.stale:
                for listener in list(self.plan_listeners):
                    listener(run.stale, cause)
            return run
        request = Request(None, None, store_history=False, cause=cause)
        self.request = request
        try:
            run = self.notebook.changed_outside(changes, observer=self)
        finally:
            self.request = None
        if self.slots:
            self._mark_stale()
        self._tell(run)
        return run

    def _apply_settings(self) -> None:
        for what, value in self.pending_settings.items():
            setattr(self if what == "cache" else self.notebook, what, value)
        self.pending_settings.clear()

    @property
    def cache(self) -> str:
        """``%flow cache``: ``off`` (only ``%%memoize`` cells), ``memory`` or ``disk``."""
        return self.notebook.cache or "off"

    @cache.setter
    def cache(self, cache: str) -> None:
        self.notebook.cache = _notebook_cache(cache)

    def model_cell(self, raw: str, cell_id: str | None) -> CellId:
        """Add or edit the cell in the Notebook; its IPython syntax is analysed as Python."""
        cell = CellId(cell_id) if cell_id else CellId(f"anonymous-{next(self._anonymous)}")
        code = self.python_source(raw, keep=True)
        known = self.cells.get(cell)
        if known is None:
            if self.notebook.has_cell(cell):
                self.notebook.edit(cell, code)  # synced by the extension, never run here
            else:
                self.notebook.add(code, id=cell)
            keyed = cell_id is not None or self._widget_slot(cell)
            self.cells[cell] = KernelCell(raw, code, keyed=keyed)
        else:
            known.raw, known.code = raw, code
            self.notebook.edit(cell, code)
        return cell

    def _widget_slot(self, cell: CellId) -> bool:
        """Whether an app's cell gets a slot: once a widget can exist, if it reads a name
        (a cell that reads none is never re-run to show something new)."""
        slots = self.widget_slots
        return slots is not None and slots.active() and not self.notebook.self_contained(cell)

    def python_source(self, raw: str, *, keep: bool = False) -> str:
        """The cell as Python (IPython's transforms, line magics inlined). ``keep``: the
        request being executed asks, so the transform is shared (``transform_cell``)."""
        from reflow.kernel.magics import inline_line_magics, magic_body

        body = magic_body(raw)
        if body is not None:
            raw = body  # %%time and the like: the body is what links the cell
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                transform = self.transform_cell if keep else self._plain_transform
                return inline_line_magics(str(transform(raw)))
        except Exception:
            return raw

    # ---- CellObserver ------------------------------------------------------------------

    def started(self, cell: CellId) -> None:
        if self.request is not None:
            self.request.current = cell

    def finished(self, cell: CellId, outcome: str) -> None:
        request = self.request
        if request is None or (cell == request.target and cell not in request.captures):
            return  # the executed cell's own run shows as usual
        known = self.cells.get(cell)
        if known is None or known.slot is None or not self.slots:
            return
        trigger = self.label(request.target) if request.target is not None else request.cause
        capture = request.captures.get(cell)
        if capture is not None:
            note = ""
            if outcome != "ok":
                note = f"re-run after {trigger} failed"
            elif known.failed and cell != request.target:
                note = _RAN_WITHOUT_ERROR.format(trigger=trigger)
            known.base = self.slot_bundle(capture.content(note))
        elif outcome in ("ok", "error"):  # it ran, but not through IPython: in a worker
            request.elsewhere.append(cell)
            known.base = self._ran_elsewhere(cell, trigger if outcome == "error" else "")
        else:
            error = self.notebook.cell(cell).error
            known.base = self.with_note({}, self.relabel(f"not run after {trigger}: {error}"))
        self._update_slot(known, known.base)

    def _ran_elsewhere(self, cell: CellId, failed_after: str | None) -> Bundle:
        """The slot of a cell whose run did not go through IPython (a worker process ran
        it): what it printed, its error and its result, formatted here."""
        view = self.notebook.cell(cell)
        content = SlotContent(
            note=f"re-run after {failed_after} failed" if failed_after else "",
            stdout=view.stdout + view.stderr,
            error=(view.error.traceback or str(view.error)) if view.error else "",
        )
        if view.output is not None:
            data, _ = self.shell.display_formatter.format(view.output)
            content.result = data
        return self.slot_bundle(content)

    def slot_bundle(self, content: SlotContent) -> Bundle:
        if self.widget_slots is not None:
            return self.widget_slots.bundle(content)
        return content.bundle()

    def with_note(self, base: Bundle, note: str) -> Bundle:
        if self.widget_slots is not None:
            return self.widget_slots.with_note(base, note)
        return with_note(base, note)

    def publish_slot(self, slot: str, bundle: Bundle, *, update: bool) -> None:
        if self.widget_slots is not None:
            self.widget_slots.publish(self.shell, slot, bundle, update=update)
        else:
            publish_slot(self.shell, slot, bundle, update=update)

    # ---- showing -------------------------------------------------------------------------

    def label(self, cell: CellId) -> str:
        known = self.cells.get(cell)
        code = known.raw if known is not None else self.notebook.cell(cell).code
        first = next((line.strip() for line in code.splitlines() if line.strip()), "")
        if len(first) > _SHOWN_CODE:
            first = first[: _SHOWN_CODE - 3] + "..."
        if known is not None and known.number is not None:
            return f"In [{known.number}] `{first}`"
        return f"cell {self.notebook.cell(cell).index + 1} `{first}`"

    def relabel(self, text: str) -> str:
        """``cell [id]`` in reflow's messages becomes what the user sees: ``In [n] `code```."""

        def name(match: re.Match[str]) -> str:
            cell = CellId(match.group(1))
            return self.label(cell) if cell in self.cells else match.group(0)

        return _CELL_REF.sub(name, text)

    def _show(self, run: Run, request: Request) -> None:
        assert request.target is not None  # an execution's request
        target = self.cells[request.target]
        if (
            self.slots
            and target.keyed
            and target.slot is None
            and self._needs_slot(request.target, run)
        ):
            # No result to carry the slot (or the cell did not run): an empty one, or what
            # its second run in this request showed (``ShellExecutor`` captured it).
            target.slot = f"reflow-{request.target}-{target.number}"
            target.base, target.shown = {}, {}
            self.publish_slot(target.slot, {}, update=False)
            again = request.captures.get(request.target)
            if again is not None:
                target.base = self.slot_bundle(again.content(""))
                self._update_slot(target, target.base)
        if self.slots:
            self._mark_undone(run)
            self._mark_stale()
        summary = self.summary(run, request.target, request.elsewhere)
        if summary and self.widget_slots is None:  # an app's page shows the cells alone
            publish(self.shell, {"text/plain": summary}, {}, update=False)

    def _mark_undone(self, run: Run) -> None:
        """Cells this run ran, then cancelled (it went on to a cell they depend on, which
        failed: what they left may be gone), the executed cell too: their slots show
        that run's output, so they say so, as the slot of any cell a run cancelled."""
        ran = set(run.ran)
        for cell in dict.fromkeys(run.cancelled):
            known = self.cells.get(cell)
            if cell not in ran or known is None or known.slot is None:
                continue
            if not self.notebook.has_cell(cell):
                continue
            error = self.notebook.cell(cell).error
            note = f"{_UNDONE}: {error}" if error is not None else _UNDONE
            known.base = self.with_note(known.base, self.relabel(note))
            self._update_slot(known, known.base)

    def _needs_slot(self, cell: CellId, run: Run) -> bool:
        """Whether a cell that showed nothing needs an empty slot for later updates.

        An import, a definition or a constant that ran without error in reactive mode
        does not: run again (its writes overwritten from above), it shows nothing new,
        and in reactive mode it does not stay stale. Every such cell (most of a
        notebook's first cells) would otherwise carry an empty output into the file,
        and the message was the largest part of reflow's cost for such a cell. In
        lazy mode stale markers need slots; if a reactive run is interrupted before
        such a cell re-ran, the executed cell's summary names it.
        """
        known = self.cells[cell]
        return not (
            self.notebook.mode == "reactive"
            and cell in run.ran
            and cell not in run.errors
            and known.raw.strip() == known.code.strip()  # no magic to print again
            and self.notebook.self_contained(cell)
        )

    def _mark_stale(self) -> None:
        """Markers on the slots of stale cells, off those no longer stale. Only those
        two sets are visited: every other slot shows its base already, and a kernel
        with hundreds of cells must not pay for each of them on every execution."""
        stale = set(self.notebook.stale())
        for cell_id in stale | self._marked:
            known = self.cells.get(cell_id)
            if known is None or known.slot is None or not self.notebook.has_cell(cell_id):
                self._marked.discard(cell_id)
                continue
            note = ""
            if cell_id in stale:
                reason = self.notebook.cell(cell_id).stale_reason or ""
                note = self.relabel(f"stale: {reason}" if reason else "stale")
                self._marked.add(cell_id)
            else:
                self._marked.discard(cell_id)
            self._update_slot(known, self.with_note(known.base, note))

    def _update_slot(self, known: KernelCell, bundle: Bundle) -> None:
        if known.slot is not None and bundle != known.shown:
            self.publish_slot(known.slot, bundle, update=True)
            known.shown = bundle

    def summary(self, run: Run, target: CellId, elsewhere: Sequence[CellId] = ()) -> str:
        """What the executed cell's output says about the rest of the run."""
        lines = []
        position = run.ran.index(target) if target in run.ran else len(run.ran)
        before, after = run.ran[:position], run.ran[position + 1 :]
        if before:
            lines.append("ran first (upstream): " + ", ".join(map(self.label, before)))
        if after:
            lines.append("re-ran: " + ", ".join(map(self.label, after)))
        for cell, error in run.errors.items():
            if cell != target:
                lines.append(f"failed: {self.label(cell)}: {self.relabel(str(error))}")
        cancelled = [c for c in run.cancelled if c != target]
        if cancelled:
            lines.append(
                "not run, a cell they depend on failed: " + ", ".join(map(self.label, cancelled))
            )
        stale = [c for c in run.stale if c != target]
        if self.frontend_runs_plan and self.notebook.mode == "reactive":
            stale = []  # the frontend runs them next, each in its own cell
        if stale:
            lines.append(
                f"now stale ({self.notebook.mode} mode): " + ", ".join(map(self.label, stale))
            )
        if run.unpulled:
            lines.append("out of date upstream: " + ", ".join(map(self.label, run.unpulled)))
        notebook = self.notebook
        restored = [c for c in run.ran if notebook.has_cell(c) and notebook.cell(c).from_cache]
        if restored:
            lines.append("restored from the cache: " + ", ".join(map(self.label, restored)))
        if elsewhere:
            lines.append("ran in worker processes: " + ", ".join(map(self.label, elsewhere)))
        if run.interrupted and target in run.ran:
            lines.append("interrupted: the rest of the run did not happen")
        return "\n".join("reflow: " + line for line in lines)

    # ---- when the target did not run -----------------------------------------------

    def _not_run(
        self, raw: str, store_history: bool, cell_id: str | None, cell: CellId, run: Run | None
    ) -> Any:
        """A result for a cell reflow refused or cancelled, reported as IPython would."""
        from IPython.core.interactiveshell import ExecutionInfo, ExecutionResult

        from reflow.kernel.errors import as_exception

        error = self.notebook.cell(cell).error
        if error is None:
            interrupted = run is not None and run.interrupted
            error = CellError("KeyboardInterrupt" if interrupted else "ReflowError", "not run")
        exception = as_exception(error.type, self.relabel(error.message))
        shell = self.shell
        result = ExecutionResult(ExecutionInfo(raw, store_history, False, True, cell_id))
        result.error_in_exec = exception
        if store_history:
            shell.history_manager.store_inputs(shell.execution_count, raw, raw)
            shell.execution_count += 1
        result.execution_count = shell.execution_count - 1 if store_history else None
        self.cells[cell].number = result.execution_count or self.cells[cell].number
        shell._showtraceback(type(exception), exception, [f"{error.type}: {exception}"])
        return result

    def _warn_once(self, problem: Exception) -> None:
        """reflow failed: say so once; the kernel carries on (the cell runs as plain IPython)."""
        if self._warned_fallback:
            return
        self._warned_fallback = True
        self.shell.display_pub.publish(
            data={
                "text/plain": f"reflow: dependency tracking failed ({type(problem).__name__}: "
                f"{problem}); this cell ran as plain IPython. reflow's view of the "
                "notebook may be out of date until the cells involved run again."
            },
            metadata={},
        )

    # ---- numbering and listeners ---------------------------------------------------

    def _numbering(self, cell: CellId) -> tuple[int, CellId | None]:
        request = self.request
        count = int(self.shell.execution_count)
        if request is None or cell == request.target:
            return (count - 1 if request is None or request.store_history else count), None
        if request.target is None:  # a widget's readers: after the last execution
            return count - 1, None
        # A pulled cell runs before the target has its number; a pushed one after.
        return (count if request.result is None else count - 1), request.target

    def _tell(self, run: Run | None) -> None:
        for listener in list(self.listeners):
            listener(run)

    @contextlib.contextmanager
    def mode_for(self, mode: str) -> Iterator[None]:
        """Run something under another mode (a comm delete must never run code)."""
        before = self.notebook.mode
        self.notebook.mode = mode
        try:
            yield
        finally:
            self.notebook.mode = before


_BARRY = __future__.barry_as_FLUFL.compiler_flag


def _notebook_cache(setting: str) -> str | None:
    """``%flow cache``'s word as ``Notebook.cache`` says it (``off`` is ``None``)."""
    if setting not in ("off", "memory", "disk"):
        raise ValueError(f"cache must be 'off', 'memory' or 'disk', got {setting!r}")
    return None if setting == "off" else setting
