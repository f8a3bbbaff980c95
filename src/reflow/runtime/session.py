"""One notebook's live state: the namespace, the version ledger and each cell's record.

A cell's run has two phases here, ``execute`` and ``record``: the scheduler
decides what runs; this module runs it and writes down what it read and wrote.
"""

from __future__ import annotations

import ast
import builtins
import threading
import time
import types
from collections.abc import Callable, Iterable, Mapping, MutableSequence
from dataclasses import dataclass, replace
from typing import Any

from reflow._types import EMPTY, EMPTY_MAP, CellId, Direction, freeze, or_empty
from reflow.analysis import analyze, analyze_completed
from reflow.analysis.effects import BindingKind, CellAnalysis, MutationKind, PartStore, PathPart
from reflow.analysis.magics import MemoizeDirective, split_memoize
from reflow.graph.effects import builtins_stores
from reflow.graph.graph import DataflowGraph
from reflow.graph.names import is_private, links_cells
from reflow.runtime.carried import carried_summaries
from reflow.runtime.changes import (
    MISSING,
    ChangeDetector,
    Changes,
    changed_by_use,
    changed_parts,
    holding,
    plain_data,
    receiver_call_changes,
    seeded_generators,
    share_an_object,
)
from reflow.runtime.context import CURRENT_CELL, CellContext
from reflow.runtime.draws import seeding, undetermined_draw
from reflow.runtime.executor import CellExecutor, Execution, Executor, from_host
from reflow.runtime.fingerprint import (
    DEFAULT_BUDGET,
    UNKNOWN,
    Budget,
    cannot_change,
    fingerprint,
    generator_changed,
    global_generator,
    immutable_print,
)
from reflow.runtime.history import Entry, ExecutionLog
from reflow.runtime.main_module import MainModule
from reflow.runtime.memo import CellMemo, MemoAttempt, MemoRequest
from reflow.runtime.parts import bound, home_module, module_paths, resolve_keys, trusted_paths
from reflow.runtime.private import original, unmangled
from reflow.runtime.records import CellRecord
from reflow.runtime.replaced import replaces, stores_first, stores_into
from reflow.runtime.state import StateQueries
from reflow.runtime.status import failing_reads, read_names, stored_parts
from reflow.runtime.versions import Paths, Symbol, Version, VersionLedger

_UNBOUND: Any = object()
_BUILTINS = builtins.__dict__  # where a name no global binds is looked up


@dataclass(frozen=True, slots=True)
class Outcome:
    """A cell's run: what it printed or raised, and the names whose version it changed."""

    execution: Execution
    changed: frozenset[str]


class Session:
    def __init__(
        self,
        graph: DataflowGraph,
        budget: Budget = DEFAULT_BUDGET,
        *,
        namespace: dict[str, Any] | None = None,
        executor: CellExecutor | None = None,
        memo: CellMemo | None = None,
    ) -> None:
        """``namespace`` and ``executor`` let a host (the Jupyter kernel) share its own
        globals and run cells its own way; by default reflow owns both. ``memo``: a
        cache of cell runs (``reflow.cache``), consulted before each run."""
        self.graph = graph
        self.memo = memo
        self.budget = budget
        main = None
        if namespace is None:
            # A real module, installed as __main__ while cells run: their functions pickle.
            main = MainModule()
            namespace = main.namespace
        self.namespace: dict[str, Any] = namespace
        self.ledger = VersionLedger()
        self.records: dict[CellId, CellRecord] = {}
        self.blocked: set[CellId] = set()  # refused by the graph; they run once it allows
        self.astray_cells: set[CellId] = set()
        """The cells whose last run changed objects as no run-all does (``CellRecord.astray``):
        whether they count so (``status.astray_now``) turns on the notebook's order, not on
        their decisions, so the decisions that asked about them are forgotten with any
        change (``Scheduler.forget_statuses``)."""
        self.marked: set[str] = set()
        """Names runs marked as holding a change an edit dropped (``_kept_dropped_changes``),
        for the scheduler to take: the statuses of their users change."""
        if executor is None:
            executor = Executor(namespace, main)
        self.executor: CellExecutor = executor
        self.state = StateQueries(graph, self)
        self.log = ExecutionLog()
        # The host's threads, not a cell's (and those of the host's own classes, started
        # later: ipykernel's parent poller).
        self._threads = frozenset(threading.enumerate())
        # What the builtins module held at each name a cell stored into it or deleted
        # from it, before the first such run (``MISSING``: nothing): a binding the cells
        # no longer make there is taken back (``_unbind``), and all of them on ``close``.
        self._builtins_original: dict[str, Any] = {}
        # Of the parts of imported modules runs changed in place, the fingerprint each
        # version left (``_stacked_on_changes``): whether a run again changed the value.
        self._module_prints: dict[Symbol, tuple[Version | None, Any]] = {}
        # The module each name a run bound to one held last (``VersionLedger.reinstate``).
        self._bound_modules: dict[str, types.ModuleType] = {}
        self.offload: Callable[[CellId], Execution | None] | None = None
        """Runs a cell elsewhere (``reflow.parallel``): it puts what the cell bound into the
        namespace and returns the execution, or returns ``None`` to run the cell here. Called
        between the snapshot and the record, so change detection sees what it binds."""

    def close(self) -> None:
        self.executor.close()
        for name in list(self._builtins_original):
            self._restore_builtin(name)

    def _restore_builtin(self, name: str) -> None:
        """Give the builtins module back what it held at ``name`` before a cell changed it:
        a run-all from a restart starts from that."""
        original = self._builtins_original.pop(name, MISSING)
        if original is MISSING:
            _BUILTINS.pop(name, None)
        else:
            _BUILTINS[name] = original

    def python_source(self, code: str) -> str:
        """The Python a cell's code is analysed as: for IPython cells run through IPython,
        after its input transformation (``%time f(x)`` reads ``f`` and ``x``); raises
        ``IPythonMissing`` for IPython code without IPython."""
        python_source = getattr(self.executor, "python_source", None)
        return code if python_source is None else str(python_source(code))

    def filename(self, cell: CellId) -> str:
        return f"<cell {cell}>"

    def run_cell(self, cell: CellId, hide: frozenset[str] = frozenset()) -> Outcome:
        """Run ``cell`` and record what it did. ``hide``: names set aside for the run, as a
        run-all does not have them there (``Scheduler._read_from_below_hidden``): a read
        fails with a NameError, and the values are put back after it."""
        record = self.records[cell]
        seen, read_paths, seen_writes = self._versions_seen(cell)
        shapes = shapes_seen(self.ledger, cell, record.analysis)
        stamp = self.ledger.tick()
        expanded = self.graph.expanded(cell)
        threads = set(threading.enumerate())
        memoized = split_memoize(record.code)  # a `%%memoize` line is not Python: blanked
        candidates = _with_partners(expanded.may_change, record.analysis.shares) | changed_by_use(
            self.namespace, expanded.refs
        )
        if expanded.receiver_calls:  # `np.put(a, ...)`: `a` may change if `np` is a module
            candidates |= receiver_call_changes(expanded.receiver_calls, self.namespace)
        if expanded.reads_all or self._reads_strays(cell, seen):
            # `exec('xs.append(1)')`, `globals()['xs'].append(1)`, or a function some other
            # cell than the one the graph expects bound: code the analysis did not read
            # may change any global's object.
            candidates |= {name for name in self.namespace if links_cells(name)}
        detector = ChangeDetector(
            self.namespace,
            candidates,
            self.budget,
            binds_only=self._binds_only(record.analysis, memoized.directive, threads),
        )
        leftovers = self._own_leftovers(cell, record.analysis)
        if leftovers:
            detector.set_aside(self.namespace, leftovers)
            seen = {symbol: v for symbol, v in seen.items() if symbol.name not in leftovers}
            for name in leftovers:
                read_paths.pop(name, None)
                seen_writes.pop(name, None)
        hidden = (
            self._unbound_above(cell, record.analysis.refs | leftovers)
            if expanded.reads_all
            else frozenset()
        )
        hide = hide - leftovers  # (set aside already)
        if hide:
            hidden |= hide
            # (Read as unbound, as in a run-all: no read of what the cells below wrote.)
            seen = {symbol: v for symbol, v in seen.items() if symbol.name not in hide}
            for name in hide:
                read_paths.pop(name, None)
                seen_writes.pop(name, None)
        if hidden:
            detector.set_aside(self.namespace, hidden)
        context = CellContext(
            cell,
            tuple(sorted(self.graph.refs(cell))),
            tuple(sorted(self.graph.defs(cell))),
            self.state,
        )
        own = self._own_module_changes(cell, record.analysis)
        own_imported = self._own_imported_changes(record) if record.imported_left else None
        attempt = self._memo_attempt(cell, memoized.body, memoized.directive)
        token = CURRENT_CELL.set(context)
        started = time.perf_counter()
        try:
            execution = attempt.restored if attempt is not None else None
            if execution is None and self.offload is not None:
                execution = self.offload(cell)
            if execution is None:
                execution = self.executor.execute(memoized.body, self.filename(cell))
        finally:
            CURRENT_CELL.reset(token)
            if attempt is not None and attempt.restored is None:
                attempt.after_run()
        seconds = time.perf_counter() - started
        if hidden:
            # Those it did not bind are as their binders left them: no change of its.
            detector.put_back(self.namespace, hidden)
            execution = _explain_hidden(execution, hidden - hide)
            execution = _explain_hidden_from_below(execution, hide)
        unbound: frozenset[str] = frozenset()
        if leftovers and execution.error is not None:
            # It failed (`x += 1` read `x` before binding it, as in a run-all): the value
            # its last run left is kept, not destroyed, and the cell shows the error. The
            # run did not bind it (`for v in xs: last = v` completed, binding nothing):
            # it is no write of this run, whatever its code may bind.
            unbound = detector.put_back(self.namespace, leftovers)
            execution = _explain_set_aside(execution, leftovers)
        execution = _warn_about_threads(execution, threads)
        if execution.error is not None and self.graph.direction is Direction.ANY_ORDER:
            execution = replace(execution, error=unmangled(execution.error, cell))
        changes = detector.after(
            self.namespace,
            cut_off=self.graph.is_read,
            # The ledger is written only in _record below: it still holds the versions
            # as they were when the cell started.
            owned=lambda name: self.ledger.owned_by(name, cell),
            declared=(
                *context.declared_mutations,
                *_changed_in_modules(
                    record.analysis, self.namespace, self.graph.expanded(cell).called_stores
                ),
            ),
            seeded=seeded_generators(record.analysis.receiver_calls, self.namespace)
            if record.analysis.receiver_calls
            else (),
        )
        # Set aside, and the run did not bind it, where a cell above binds it (a loop's
        # target `i`, bound by `i = 5` above): a run-all leaves that cell's value, which
        # this run cannot give back. Gone, by no cell's write (as when a cell is deleted):
        # the cell above is pulled for the readers, and rebinds it.
        restore = frozenset(
            name
            for name in changes.deleted & leftovers
            if self.graph.reaching_writer(cell, name) is not None
        )
        if restore:
            changes = replace(changes, deleted=changes.deleted - restore)
        # (The aliases added below are bound above the cell: never out of order.)
        record.out_of_order = self._out_of_order_reads(cell, seen)
        record.astray = astray = self._changed_out_of_order(cell, record.out_of_order, changes)
        if astray:
            self.astray_cells.add(cell)
        else:
            self.astray_cells.discard(cell)
        for name in changes.mutated:
            # Changed through an alias: the cell depends on that name's binding too, as
            # far as a cell above binds it (else the alias is an out-of-order usage).
            # Not the object of a name it read out of order: that change is none a
            # run-all makes (``VersionLedger.changed_above``), and no read of the alias.
            if (
                Symbol(name) in seen
                or name in astray
                or not self.graph.reaches_once_read(cell, name)
            ):
                continue
            seen[Symbol(name)] = self.ledger.current_for(name, frozenset())
            read_paths[name] = EMPTY
        record.reads_own = leftovers
        record.shapes_seen = shapes
        record.read_paths = or_empty(read_paths)
        if record.analysis.reads_own_imports:
            self._taken_from_modules(record.analysis, seen_writes)
        record.seen_writes = or_empty(seen_writes)
        stacked = self._stacked_changes(cell, own, record.code) if own else frozenset()
        stacked_on: list[Any] = []
        prints: dict[Symbol, Any] = {}
        if changes.mutated:
            stacked_on, prints = self._stacked_on_changes(cell, record.code, changes, stacked)
        changed = self._record(
            cell,
            record,
            changes,
            seen,
            stamp,
            execution,
            unbound,
            astray,
            stacked,
            own_imported,
            stacked_on,
        )
        for symbol, now in prints.items():
            self._module_prints[symbol] = (self.ledger.current(symbol), now)
        for name in restore:
            # Gone by no cell's write: its own record keeps no removal of it, so that the
            # readers' chains of writers go past it to the cell above (``left_alone``).
            record.wrote.pop(Symbol(name), None)
            self.ledger.write(Symbol(name), None, deleted=True)
        self._note_widened_reads(cell, record, stamp)
        number, trigger = self.log.next_number(cell)
        self.log.add(
            Entry(
                number, cell, record.code, record.output, execution.stdout, execution.error, trigger
            )
        )
        record.from_cache = attempt is not None and attempt.restored is not None
        if attempt is not None and not record.from_cache and execution.error is None:
            self._memo_store(attempt, record, execution, seconds)
        return Outcome(execution, changed)

    def _reads_strays(self, cell: CellId, seen: Mapping[Symbol, Version | None]) -> bool:
        """Whether the cell is about to read a value that the writer the graph expects
        (the nearest above) did not leave: one a cell below wrote (`f` a cell below bound,
        run alone first), or an older one, the expected writer not having run its code.
        The graph reads the cell's calls as that writer's code defines them; what runs
        is the other's. (A newer write above, of a part, is no stray.) Only a value that
        carries notebook code counts (``carried_summaries``): what a cell does with an
        array or a number some other cell bound runs library code only, whose effects the
        analysis reads the same whoever bound it. (Every stray once did: a cell moved
        below another `a = np.array(...)` then counted as changing every global it could
        not tell by value, `func` holding `np.cos`, a file, a figure, for good.)"""
        graph, records = self.graph, self.records
        rank = graph.rank(cell)
        for symbol, version in seen.items():
            if version is None or version.cell == cell:
                continue
            writer = version.cell
            stray = writer is not None and writer in graph and graph.rank(writer) > rank
            if not stray:
                expected = graph.reaching_writer(cell, symbol.name)
                if expected is not None and expected != writer:
                    record = records.get(expected)
                    stray = record is None or not record.has_run or record.dirty
            if stray and carried_summaries([symbol.name], self.namespace):
                return True
        return False

    def _own_leftovers(self, cell: CellId, analysis: CellAnalysis) -> frozenset[str]:
        """Names holding the cell's own earlier binding that a run-all does not have when
        the cell starts, or that the cell cannot tell from unbound: they are set aside for
        the run, so that what it finds, and what it leaves, is what a run-all's would.

        - A name it may read before binding it, that no cell above binds (`for i in xs:
          last = i` then `print(last)`, `x += 1`): the read finds this run's own binding
          or fails as a run-all's would (the value is put back then). Left bound, every
          re-run read its own last value, which no cell above wrote.
        - A name it may bind and may not (a loop's target, an `if` branch, a function's
          `global` write, `exec`/`globals()` seen binding it last time), that no cell
          above binds or that it does not read: a run that does not bind it must not
          leave the last run's value (a run-all has none), and one that binds it to the
          same object (`globals()['gv'] = 2` again) must count as binding it. Present
          after the run, it was bound (``Changes.bound_again``); absent, it is gone (where
          a cell above binds it, by no cell's write, so that cell runs again: ``run_cell``).
          Likewise where a cell below bound it last and the cell does not read it (`x +=
          1` below `for i in range(n): x = i`): a run binding nothing would have kept
          that value as its own write, one a run-all does not have here.

        A name a cell above binds and this cell reads stays: the pull ran that cell first
        (``Scheduler.pull``), so it holds that cell's binding, not this one's.

        Cost: a look at the names in ``refs & defs`` and in ``maybe_unbound`` plus the
        graph's other bindings of the cell; for most cells all three are empty."""
        expanded = self.graph.expanded(cell)
        # (A cell using `exec`, `eval` or `globals()` may read any of its own names before
        # it binds them: `a = sorted(globals())` lists `a` only if something bound it.)
        read_first = analysis.defs if expanded.reads_all else analysis.refs & analysis.defs
        unsure = analysis.maybe_unbound | (expanded.binds - analysis.defs)
        if not read_first and not unsure:
            return EMPTY
        namespace, graph, ledger, records = self.namespace, self.graph, self.ledger, self.records
        refs, reads_all = expanded.refs, expanded.reads_all
        any_order = graph.direction is Direction.ANY_ORDER
        rank = graph.rank(cell)

        def set_aside(name: str) -> bool:
            binder = ledger.bound_by(name)
            # Its binding, whatever other cells stored into the object since (`df['w'] =
            # ...` in any_order): a run-all has no such object here either. In any_order,
            # any cell's binding of a name this cell reads before binding: no other cell
            # may define it, so a run-all never has it here (`a = a + [1]` after the
            # binder of `a` was edited to `a.sort()` found that cell's old list).
            if binder == cell or (any_order and name in read_first):
                return no_writer_above(name) or unread(name)
            # A binding a cell below made (`x += 1` below `for i in range(n): x = i`),
            # which a run-all has not made here either, of a name the cell does not read:
            # left, a run binding nothing would leave it as this cell's own write.
            return (
                binder is not None
                and binder in graph
                and graph.rank(binder) > rank
                and name in unsure
                and unread(name)
            )

        def unread(name: str) -> bool:
            return name not in read_first and name not in refs and not reads_all

        def no_writer_above(name: str) -> bool:
            # (in_order: past writers whose last run, of their code now, raised before
            # writing it, as a run-all goes on past them: `b += 1` failing above `b = 0;
            # sorted(globals())`, which then read its own last `b`, a run-all none.)
            writer = graph.reaching_writer(cell, name)
            while writer is not None and not any_order and records[writer].failed_before(name):
                writer = graph.reaching_writer(writer, name)
            return writer is None

        return frozenset(
            name
            for name in read_first | unsure
            if name in namespace and links_cells(name) and set_aside(name)
        )

    def _unbound_above(self, cell: CellId, kept: frozenset[str]) -> frozenset[str]:
        """For a cell using `exec`, `eval` or `globals()` (in_order): the globals a cell
        bound that no cell above this one writes now (its binder is below, or was edited
        not to bind it and not run since), but for ``kept``: those its code spells, and
        its own leftovers (set aside already).

        A run-all has no such name when the cell runs, and which names `eval('a + 1')` or
        `sorted(globals())` reads is not known: they are set aside for the run (as its
        own leftovers are), so that it finds, fails or lists as a run-all's would; those it
        leaves unbound are put back. (A name it spells, `b = a + eval('1')`, is an
        out-of-order usage, a warning, or a read of a name no cell defines, as in any
        cell.)

        Cost: a look at every global, as its run's comparison takes anyway."""
        graph = self.graph
        if graph.direction is not Direction.IN_ORDER:
            return EMPTY
        bound_by, reaching = self.ledger.bound_by, graph.reaching_writer
        found = set()
        for name in self.namespace:
            binder = bound_by(name)
            if (
                binder is not None
                and binder != cell
                and name not in kept
                and links_cells(name)
                and reaching(cell, name) is None
            ):
                found.add(name)
        return frozenset(found)

    def _binds_only(
        self,
        analysis: CellAnalysis,
        directive: MemoizeDirective | None,
        threads: set[threading.Thread],
    ) -> frozenset[str] | None:
        """The globals a cell can bind if it runs no code but its own (its ``defs``), or
        ``None`` when anything else may run while it does and bind others: the cell calls
        something or reads more than plain data (``analysis/inert.py``), its values may
        come from elsewhere (a memo, a worker), the host runs hooks or a tracer, or a
        thread the session did not start with is alive. Then every global is compared:
        that costs a pass over the namespace, which grows with the session."""
        if not analysis.inert or self.offload is not None:
            return None
        if self.memo is not None and self.memo.memoizes(directive):
            return None
        if not self.executor.runs_cells_alone() or not all(
            thread in self._threads or from_host(thread) for thread in threads
        ):
            return None
        namespace = self.namespace
        for name in analysis.refs | analysis.defs:
            value = namespace.get(name, _UNBOUND)
            if value is _UNBOUND:
                value = _BUILTINS.get(name, _UNBOUND)
            if value is not _UNBOUND and not plain_data(value):
                return None  # an operator on it, or dropping it, may run its code
        return analysis.defs

    def _memo_attempt(
        self, cell: CellId, body: str, directive: MemoizeDirective | None
    ) -> MemoAttempt | None:
        if self.memo is None:
            return None
        expanded = self.graph.expanded(cell)
        analysis = self.records[cell].analysis
        request = MemoRequest(
            cell,
            body,
            directive,
            inputs=expanded.refs | analysis.refs,
            reads_all=expanded.reads_all or analysis.star_import,
            namespace=self.namespace,
            binds=(expanded.binds | analysis.defs) - expanded.deletes - analysis.deletes,
            parts={n: p for n in expanded.path_reads if (p := self.paths_read(cell, n))},
        )
        return self.memo.attempt(request)

    def _memo_store(
        self, attempt: MemoAttempt, record: CellRecord, execution: Execution, seconds: float
    ) -> None:
        namespace = self.namespace
        written = {s.name for s, v in record.wrote.items() if not v.deleted}
        written |= record.analysis.defs | record.analysis.mutated_names
        deleted = {s.name for s, v in record.wrote.items() if v.deleted}
        attempt.store(
            execution,
            sorted(n for n in written if n in namespace),
            sorted(n for n in deleted if n not in namespace),
            seconds,
        )

    def forget(self, cell: CellId) -> None:
        """Drop a deleted cell: the globals whose current value it wrote go with it."""
        record = self.records.pop(cell)
        self.blocked.discard(cell)
        self.astray_cells.discard(cell)
        # (Under the names bound to the module now, before its own are unbound.)
        orphaned = self._dropped_module_stores(cell, record, {})
        self._kept_deleted_changes(cell, record)
        self._unbind(record.wrote, keep=frozenset(), by=None, owner=cell)
        for symbol, version in record.wrote.items():
            name = symbol.name
            bound = self.ledger.bound_at(name)
            if (
                version.cell == cell
                and not version.deleted
                and name in self.namespace
                and self.ledger.bound_by(name) != cell
                and (bound is None or bound < version.stamp)
                and not self._replaced_since(symbol, version, cell)
            ):
                # The object the name holds was changed by the deleted cell after it was
                # bound, and keeps that change, which a run-all would not make, whatever
                # cells changed it in place since: a write by no cell, newer than any
                # cell's, so that the cell whose value a run-all leaves in the name goes
                # stale (and, reactive, rebuilds it from the binder), and its readers too.
                # (A draw's generator state stays a draw's, as in ``retire``. In an object
                # an imported module holds, no run of a binder makes it anew: kept there as
                # a store no cell makes now is, ``_kept_by_a_module``.)
                self.ledger.write(
                    symbol,
                    None,
                    drew=version.drew,
                    into_module=self._kept_by_a_module(version, symbol),
                )
        self._orphan_module_stores(orphaned)
        for name in self.ledger.names_bound_by(cell):  # bound here, changed elsewhere since
            self.namespace.pop(name, None)
            self.ledger.write(Symbol(name), None, deleted=True)

    def _dropped_module_stores(
        self, cell: CellId, record: CellRecord, after: Mapping[Symbol, Version]
    ) -> list[Symbol]:
        """Stores into a module the cell's last run made (``record.wrote``) and this one did
        not (``after``; ``{}`` for a deleted cell), still the parts' current versions, under
        every global bound to the module now: the run failed before the store, its code no
        longer makes it, or the cell is gone. They are no writes of the cell's any more
        (``_orphan_module_stores``).

        Cost: nothing where its last run wrote no part (most cells); else a look at the
        versions of that run."""
        if not record.wrote_parts:
            return []
        ledger = self.ledger
        dropped = [
            symbol
            for symbol, version in record.wrote.items()
            if version.into_module
            and version.cell == cell
            and symbol not in after
            and ledger.last_write(symbol) == version
        ]
        return self._under_every_name(dropped)

    def _under_every_name(self, stores: list[Symbol]) -> list[Symbol]:
        """The parts ``stores`` name, of modules, under every global bound to the module.
        Cost: a pass over the namespace, only when a store into a module was dropped."""
        if not stores:
            return []
        namespace = self.namespace
        stores = [s for s in stores if isinstance(namespace.get(s.name), types.ModuleType)]
        return list(dict.fromkeys([*stores, *_other_names_of(stores, namespace)]))

    def _orphan_module_stores(self, parts: list[Symbol]) -> None:
        """An import undoes no store: the module keeps what a store no cell makes now put
        there (``_dropped_module_stores``), which a run-all does not have. The part is
        written again by no cell, under every name bound to the module, as a part a deleted
        cell changed is (``forget``), a store into a module: `import json as js; js.Z = 1`
        failing before the store, with `import json` below, leaves `json.Z` too. Its readers
        are out of sync (``VersionLedger.orphaned``) until a cell stores the part again, or
        binds the name to another object."""
        for symbol in parts:
            self.ledger.write(symbol, None, into_module=True)

    def _replaced_since(self, symbol: Symbol, version: Version, deleted: CellId) -> bool:
        """Whether a cell whose last run came after the deleted cell's write ``version``
        replaced the whole of ``symbol``'s part (``d['k'] = v`` after `d['k'].append(1)`,
        ``np.random.seed(0)`` after a draw: ``replaced.replaces``), in its current code
        and without raising: what the deleted cell changed there is gone. (Parsed here, on
        a deletion, for the writers of the name that ran since: no run pays for it.)"""
        records = self.records
        for writer in self.graph.writers(symbol.name):
            record = records.get(writer)
            if (
                writer == deleted
                or record is None
                or record.run_stamp <= version.stamp
                or record.dirty
                or record.error is not None
            ):
                continue
            try:
                source = self.python_source(record.code)
            except Exception:  # (IPython code without IPython: not known, so not replaced)
                continue
            if replaces(
                source, self.namespace, symbol.name, symbol.path, store_only=version.into_module
            ):
                return True
        return False

    def changed_outside(self, name: str, attributes: frozenset[str] | None) -> CellId | None:
        """The object bound to ``name`` changed, and no cell changed it (a widget the user
        moved): a write of it, or of those ``attributes``, by the cell that bound it.

        That cell stays in sync: running it again would make a new object and lose
        the change. Its readers see a newer version than they read, so they are
        stale. A change of attributes is also charged to the cells below the binder
        that wrote the name (``s.value = 5``): a reader below one of them sees the user's
        value as newest too, and no such cell counts as overwritten (it would run
        again and undo the user's move). Returns the binder, or None when no cell of
        the notebook bound the object (then no cell's status rests on it).
        """
        binder = self.ledger.bound_by(name)
        if binder is None or binder not in self.records or name not in self.namespace:
            return None
        if attributes is None:
            symbols = [Symbol(name)]
            charged = [binder]  # (a whole write in another cell's record could unbind it)
        else:
            symbols = [Symbol(name, ("." + attribute,)) for attribute in sorted(attributes)]
            rank = self.graph.rank(binder)
            charged = [binder] + [
                cell
                for cell, record in self.records.items()
                if cell != binder
                and any(s.name == name for s in record.wrote)
                and self.graph.rank(cell) > rank  # below the binder: what it set, the move sets
            ]
        for symbol in symbols:
            version = self.ledger.write(symbol, binder, outside=True, in_place=True)
            for cell in charged:
                record = self.records[cell]
                record.wrote[symbol] = version
                if symbol.path:
                    record.wrote_parts |= {name}
        return binder

    def retire(self, cell: CellId) -> frozenset[str]:
        """Before an edited cell runs: unbind what its old code wrote and its new code cannot.

        The old code's effects stay until the cell runs (docs/semantics.md); a run that
        includes it removes them first, so that no cell of that run reads them.
        """
        record = self.records[cell]
        analysis, ledger = record.analysis, self.ledger
        # A name the new code only changes in place (`d = {}` edited to `d['z'] = 2`)
        # keeps its object only where another cell bound it: the old code's binding goes,
        # and the new code changes what a run-all has there (a cell above's, or nothing).
        keep = analysis.defs | {
            name for name in analysis.mutated_names if ledger.bound_by(name) != cell
        }
        # A draw the old code made (`random.randint(0, 10)`, a change of the module in
        # place) leaves a generator state no cell can seed: as good as a run-all's
        # (``draws``), and no binding of the old code's. The module stays bound.
        keep |= {s.name for s, v in record.wrote.items() if undetermined_draw(v, self.records)}
        gone = set(self._unbind(record.wrote, keep, by=cell, owner=cell))
        for symbol, version in record.wrote.items():
            if (
                symbol.path
                and version.cell == cell
                and not version.deleted
                and not version.into_module
                and ledger.last_write(symbol) == version
            ):
                # A part the old code stored (`d['k'] += 1`): it holds what no cell of the
                # notebook writes now, even where other cells stored other parts since, as
                # when the cell is deleted; and where the new code still changes the name
                # (`a[1] = [0]` edited to `a[0] = 0`), until it stores that part again.
                # (Not a store into a module: the cell's readers, under any name the module
                # is imported as, wait on its run, which drops it if the new code does not
                # store it again: ``_dropped_module_stores``.) A draw's generator state stays
                # a draw's: where no cell can seed, it is as good as any a run-all's draws
                # leave (``draws``), and the cell drawing next is no stale reader of it (an
                # edited draw ran twice, the second time for it).
                # In an object an imported module holds that the new code does not change,
                # the part holds it as it holds a store no cell makes now (where the new code
                # changes it, its run carries it: ``_own_module_changes``).
                unchanged = symbol.name not in analysis.mutated_names
                record.wrote[symbol] = self.ledger.write(
                    symbol,
                    None,
                    drew=version.drew,
                    into_module=unchanged and self._kept_by_a_module(version, symbol),
                )
        for name in self.ledger.names_bound_by(cell):
            # Bound by the old code and changed since through an alias (`O.q = 0` changes
            # the instances of O): the binding is still the old code's, so it goes too,
            # as when the cell is deleted.
            if name not in keep and name in self.namespace:
                del self.namespace[name]
                record.wrote[Symbol(name)] = self.ledger.write(Symbol(name), cell, deleted=True)
                gone.add(name)
        return frozenset(gone)

    def _unbind(
        self, wrote: dict[Symbol, Version], keep: frozenset[str], by: CellId | None, owner: CellId
    ) -> frozenset[str]:
        """Unbind each name whose current value is one of ``wrote`` that ``owner`` made,
        except ``keep``. (A cell's record also holds versions other cells made: a store
        to no effect keeps the version already there, the binder's.)"""
        gone = set()
        for symbol, version in list(wrote.items()):
            if symbol.name in keep or version.deleted or symbol.path or version.cell != owner:
                continue  # a part written stays; readers of it see it was not a run-all's
            if self.ledger.last_write(symbol) == version:
                self.namespace.pop(symbol.name, None)
                if symbol.name in self._builtins_original:
                    self._restore_builtin(symbol.name)  # (a store into builtins)
                wrote[symbol] = self.ledger.write(symbol, by, deleted=True)
                gone.add(symbol.name)
        return frozenset(gone)

    # ---- phases -------------------------------------------------------------------

    def paths_read(self, cell: CellId, name: str) -> Paths:
        """The parts of ``name`` the cell reads, as far as the object bound now vouches for."""
        expanded = self.graph.expanded(cell)
        value = bound(self.namespace, name)
        calls = expanded.module_reads.get(name)
        if calls is not None and isinstance(value, types.ModuleType):
            return trusted_paths(value, module_paths(value, calls))
        paths = resolve_keys(expanded.path_reads.get(name), self.namespace, expanded.binds)
        if (
            paths is not None
            and isinstance(value, MutableSequence)
            and name in self.graph.effects(cell).analysis.items_deleted_from
        ):
            # `del xs[0]` reads more than the item: the items after it move down, and what
            # they hold (`xs.append(8)` made above, then moved below) is what the cell
            # leaves in them. (`del d['k']` takes the key alone.)
            return None
        if (
            paths
            and self._imported_module(name) is not None
            and self.stores_first(cell, name, paths)
        ):
            # `json.X = o` then `repr(json.X)`: what the parts held before the run never
            # reaches it (a store a cell below made there left it stale after every run).
            # (Not a module a cell makes, `types.ModuleType('m')`: its binder makes it anew,
            # and a store of the cell's own there has it run first, ``Scheduler.pull``.)
            return EMPTY
        return trusted_paths(value, paths)

    def stores_first(self, cell: CellId, name: str, paths: frozenset[tuple[PathPart, ...]]) -> bool:
        """Whether the cell's code stores each part of the module ``name`` it reads before
        reading it, whatever the part held (``replaced.replaces``: a top-level store whose
        value does not read the name, after statements that read nothing of it). Parsed
        only for a cell that stores into a part it reads (``replaced.stores_first``)."""
        mutations = self.graph.effects(cell).analysis.mutations
        if not any(m.name == name for m in mutations):
            return False
        try:
            source = self.python_source(self.records[cell].code)
        except Exception:  # (IPython code without IPython: not known, so not first)
            return False
        return stores_first(source, mutations, name, paths)

    def writes_held(self, cell: CellId, name: str, paths: Paths) -> frozenset[Version] | None:
        """The writes that what the cell holds of ``name`` carries, once parts of its
        object were written (``CellRecord.seen_writes``; ``None``: none, the newest write
        shows all): those of the ``paths`` it reads, and two that newer writes of parts
        hide from the newest write, each a stray when a cell at or below this one made it:

        - the write of the whole (the binding, or a change of it in place), under them;
        - for a class it calls, read only in the parts making an instance reads, the
          writes of its other parts by cells below it. The instances hold the class
          whole, and the cells using them read it by its name, which a cell between
          may bind to another class: such a write is one a run-all makes into that
          other class, if anywhere, never here.
        """
        ledger, graph = self.ledger, self.graph
        writes = ledger.visible_writes(name, paths)
        calls_class = (
            paths is not None
            and name in graph.effects(cell).analysis.calls_only
            and isinstance(self.namespace.get(name), type)
        )
        if writes is None and not calls_class:
            return None  # (the usual case, asked for every name every cell reads)
        rank = graph.rank(cell)
        held = []
        if calls_class:
            held = [
                v for v in ledger.visible_writes(name) or () if self.made_below(v, rank, at=False)
            ]
        if writes is None and not held:
            return None
        whole = ledger.last_write(Symbol(name))
        if (
            whole is not None
            and self.made_below(whole, rank, at=True)
            # (A change outside any cell since stands for what the cells wrote before it:
            # the user's value is kept, ``Version.outside``.)
            and not any(v.outside and v.stamp > whole.stamp for v in writes or ())
        ):
            held.append(whole)
        return frozenset([*held, *writes]) if writes is not None else frozenset(held)

    def made_below(self, version: Version, rank: int, *, at: bool) -> bool:
        """Whether a cell of the notebook below ``rank`` (``at``: or at it) made ``version``."""
        writer = version.cell
        if writer is None or writer not in self.graph:
            return False
        writer_rank = self.graph.rank(writer)
        return writer_rank >= rank if at else writer_rank > rank

    def _versions_seen(
        self, cell: CellId
    ) -> tuple[
        dict[Symbol, Version | None],
        dict[str, frozenset[tuple[PathPart, ...]]],
        dict[str, frozenset[Version]],
    ]:
        """The version of each name the cell is about to read, the parts it reads, and
        every write it sees of a name stored into by parts (``CellRecord.seen_writes``)."""
        graph = self.graph
        names = read_names(graph, cell)
        seen: dict[Symbol, Version | None] = {}
        read_paths = {}
        seen_writes = {}
        for name in names:
            paths = self.paths_read(cell, name)
            if paths is not None:
                read_paths[name] = paths
            seen[Symbol(name)] = self.ledger.current_for(name, paths)
            writes = self.writes_held(cell, name, paths)
            if writes is not None:
                seen_writes[name] = writes
        for name in graph.effects(cell).analysis.reads_own_imports:
            # `import json` then `v = json.Y`: its import hands back what the module holds,
            # which a cell below may have stored or changed there (``StatusBoard``).
            if name not in seen_writes:
                writes = self.ledger.visible_writes(name, self.paths_read(cell, name)) or EMPTY
                whole = self.ledger.current(Symbol(name))  # (`from m import lst`: changed)
                if whole is not None and whole.in_module:
                    writes |= {whole}
                if writes:
                    seen_writes[name] = writes
        return seen, read_paths, seen_writes

    def _taken_from_modules(
        self, analysis: CellAnalysis, seen_writes: dict[str, frozenset[Version]]
    ) -> None:
        """After a run, before it is written down: for each name the cell took from a module
        by its own `from m import lst` and read, the writes of the module's part holding the
        object under a name a cell bound the module to (`m.lst.append(1)` below, by `import
        m`, even where `m` is bound no more): what its import handed back held them
        (``StatusBoard``). The ledger still holds the versions the run started with. Cost:
        only for a cell reading what its own `from ... import` took, a look at the globals
        of the modules cells bound."""
        namespace, ledger = self.namespace, self.ledger
        for name in analysis.reads_own_imports:
            if analysis.bound_as.get(name) is not BindingKind.IMPORTED:
                continue
            held = namespace.get(name)
            if held is None or isinstance(held, _CODE_HOLDERS) or cannot_change(held):
                continue
            writes = set(seen_writes.get(name, ()))
            for module_name, module in self._bound_modules.items():
                parts = frozenset(("." + k,) for k, v in vars(module).items() if v is held)
                if not parts:
                    continue
                if namespace.get(module_name) is module:
                    writes |= ledger.visible_writes(module_name, parts) or EMPTY
                else:  # (the name unbound since: what its parts' versions told, kept)
                    writes |= ledger.superseded(module_name, parts)
            if writes:
                seen_writes[name] = frozenset(writes)

    def _note_widened_reads(self, cell: CellId, record: CellRecord, stamp: int) -> None:
        """A run can widen what the cell reads: its own writes may carry notebook code now
        (`fs.append(lambda: y)`), which any use of the value may call. Code the run called
        read, if anything, the versions the run started with: record those, for the names
        the run did not write (for those it did, what the code saw is not known)."""
        added = False
        for name in read_names(self.graph, cell):
            symbol = Symbol(name)
            if symbol in record.seen:
                continue
            paths = self.paths_read(cell, name)
            version = self.ledger.current_for(name, paths)
            writes = self.ledger.visible_writes(name, paths)
            if any(v.stamp > stamp for v in writes or ()) or (
                version is not None and version.stamp > stamp
            ):
                continue
            seen, read_paths, seen_writes = record.reading()
            seen[symbol] = version
            if paths is not None:
                read_paths[name] = paths
            if writes is not None:
                seen_writes[name] = writes
            added = True
        if added:
            record.out_of_order = self._out_of_order_reads(cell, record.seen)

    def _read_again(self, record: CellRecord, name: str) -> None:
        """What a cell read of ``name`` is what the ledger holds now (``_versions_seen``)."""
        if Symbol(name) not in record.seen:
            return
        seen, read_paths, seen_writes = record.reading()
        paths = read_paths.get(name)
        seen[Symbol(name)] = self.ledger.current_for(name, paths)
        writes = self.ledger.visible_writes(name, paths)
        if writes is not None:
            seen_writes[name] = writes
        else:
            seen_writes.pop(name, None)

    def _changed_out_of_order(
        self, cell: CellId, out_of_order: frozenset[str], changes: Changes
    ) -> frozenset[str]:
        """Of the names a run changed in place, those bound to an object it reached through
        a name it read out of order, or holding one (`lst.append(1)` above `lst = get()`,
        which gives the list `C` holds: `lst`, `C`, `box = [C]`; `box[0].append(1)` above
        `box = [C]`). So too through a name it read from writers above that only change
        in place what a cell below binds (`lst.clear()` added above it). A run-all fails
        there, or reads another value: none makes the change, whichever cell bound the
        object. So too every change of a run whose own code read a name only a cell below
        binds and does not bind itself (``failing_reads``: `f(a)` above `def f`): a run-all
        fails at the cell, and makes none of them; run again for the readers of `a` (a
        push once `a` was rebuilt), it would make the change again. (Not what a name read
        out of order by code that runs later, a generator's, reached: such a read does
        not fail the cell in a run-all.)

        Cost: nothing for a run that changed nothing in place; else a walk up the writers
        of each name it read and changed, mostly one step (the nearest writer binds it)."""
        mutated = changes.mutated
        if not mutated:
            return EMPTY
        graph, namespace = self.graph, self.namespace
        if failing_reads(graph, self.records[cell], cell):
            # (But a draw from a global generator no cell can seed: the state it leaves
            # is as good as a run-all's, ``draws``. Taken as astray, `np.random.shuffle(x)`
            # above `x = ...` left `import numpy as np` stale, and every reader of `np`.)
            return freeze(n for n in mutated if not self._undetermined_draw(n, changes))
        # (As the graph has them: not a module it imports itself under another name.)
        read = out_of_order & graph.out_of_order_usages(cell) if out_of_order else EMPTY
        reads = graph.expanded(cell).refs
        below = [n for n in mutated if n in reads and n not in read and self._from_below(cell, n)]
        objects = [namespace[name] for name in (*read, *below) if name in namespace]
        if not objects:
            return EMPTY
        return freeze(holding(namespace, mutated, objects, changes.changed_ids))

    def _undetermined_draw(self, name: str, changes: Changes) -> bool:
        """Whether the run changed ``name`` only by drawing from a global generator that no
        cell can seed (``draws``): the generator's part of a module (`np.random`), or, as
        a whole, a module or function that is a way into the generator (`random`)."""
        value = self.namespace.get(name)
        parts = changes.parts.get(name)
        if parts is None:
            drew = global_generator(value) is not None
        else:
            drew = all(generator_changed(value, frozenset({part})) is not None for part in parts)
        return drew and not seeding(self.records)

    def binds_from_below(self, cell: CellId) -> bool:
        """Whether the cell's last run read, as its own code ran, a name only a cell below
        binds (`lst = get()` above `def get()`; not what code it makes reads later, `g = (x
        * K for x in xs)`): a run-all fails there, and what it bound is no run-all's."""
        if not self.records[cell].out_of_order:
            return False
        analysis = self.graph.effects(cell).analysis
        usages = self.graph.out_of_order_usages(cell)
        return not usages.isdisjoint(analysis.refs - analysis.closes_over)

    def kept_astray(self, cell: CellId) -> bool:
        """Whether a name the cell bound holds a change no run-all makes
        (``VersionLedger.astray_at``) that running the cell does not take out: it ran since
        the change and bound that very object again (an import gives the same module and
        what it holds), or it binds from below (``binds_from_below``)."""
        ledger, record = self.ledger, self.records[cell]
        for name in self.graph.expanded(cell).binds:
            stamp = ledger.astray_at(name)
            if (
                stamp is not None
                and ledger.bound_by(name) == cell
                and (
                    record.run_stamp > stamp
                    or ledger.kept_dropped(name)  # (whenever it ran: no run undoes it)
                    or self.binds_from_below(cell)
                )
            ):
                return True
        return False

    def changes_from_below(self, cell: CellId, name: str) -> bool:
        """Whether a run of ``cell`` would change in place, through ``name``, a value only a
        cell below makes (``_from_below``): `foo.append(0)` below `foo = Foo()` that ran
        above `def Foo()`. Such a run is ``astray`` once made; this says so before it.
        (Not where the name holds nothing: the run fails there, as a run-all's does,
        changing nothing. Left out of a push for it, `lst[x] = 42` once `lst = ...` was
        deleted ran in the settle instead, after its `x = 6` above had run for it and
        `x = 7` below had restored `x`: both ran again.)"""
        expanded = self.graph.expanded(cell)
        return (
            name in self.namespace
            and name in expanded.mutates
            and name in expanded.refs
            and name not in expanded.binds
            and self._from_below(cell, name)
        )

    def _from_below(self, cell: CellId, name: str) -> bool:
        """Whether what ``cell`` reads of ``name`` is a value only a cell below makes: the
        writers above it only change in place what a cell below binds (``rests_below``), or
        the nearest binder above read, as it ran, a name only a cell below binds (`lst =
        get()` above `def get()`: what its own code reads, not what code it makes does
        later, `g = (x * K for x in xs)`)."""
        graph = self.graph
        binder = self.ledger.bound_by(name)
        if binder is not None and binder in graph and graph.rank(binder) < graph.rank(cell):
            # The object came from above (no walk up a chain of cells appending to it).
            # Where a nearer binder lies between, a run of the cell pulls that one first
            # (the object is not the one a run-all has there), and changes its object:
            # `d[foo] = bar` below `d = {...}`, once `d = {foo: bar}` added above that,
            # reading `bar` from below, was run (else it was left out of the push and run
            # in the settle, pulling `foo = 5` again after `foo = 8` had restored `foo`).
            nearest = self._nearest_binder(cell, name)
            if nearest is not None and graph.rank(nearest) > graph.rank(binder):
                binder = nearest
            return name in graph.expanded(binder).binds and self.binds_from_below(binder)
        return graph.rests_below(cell, name)

    def _nearest_binder(self, cell: CellId, name: str) -> CellId | None:
        """The nearest writer above ``cell`` binding ``name`` (in_order's walk of the
        writers; mostly one step: the nearest writer binds it)."""
        graph = self.graph
        writer = graph.reaching_writer(cell, name)
        while writer is not None and name not in graph.expanded(writer).binds:
            writer = graph.reaching_writer(writer, name)
        return writer

    def _out_of_order_reads(
        self, cell: CellId, seen: Mapping[Symbol, Version | None]
    ) -> frozenset[str]:
        """Names read from a cell that runs later: a warning, never a dependency (in_order:
        any_order has no such usage, and what a cell that runs later wrote is no value a
        run in dependency order gives)."""
        graph = self.graph
        if graph.direction is Direction.ANY_ORDER:
            return EMPTY
        rank = graph.rank(cell)
        names = set()
        for symbol, version in seen.items():
            writer = None if version is None else version.cell
            if (
                writer is not None
                and writer in graph
                and writer != cell
                and graph.rank(writer) > rank
                and graph.reaching_writer(cell, symbol.name) is None
            ):
                names.add(symbol.name)
        return freeze(names)

    def _record(
        self,
        cell: CellId,
        record: CellRecord,
        changes: Changes,
        seen: dict[Symbol, Version | None],
        stamp: int,
        execution: Execution,
        unbound: frozenset[str] = frozenset(),
        astray: frozenset[str] = frozenset(),
        stacked: frozenset[Symbol] = frozenset(),
        own_imported: Mapping[str, tuple[Any, Any]] | None = None,
        stacked_on: Iterable[Any] = (),
    ) -> frozenset[str]:
        """Write down what the run wrote; ``unbound``: names it surely did not bind (set
        aside, and put back after it failed); ``astray``: names it changed through one it
        read out of order (``_changed_out_of_order``); ``stacked``: parts of modules it
        changed again on top of its own last change (``_stacked_changes``);
        ``own_imported``: objects an import bound that held its own last change before the
        run (``_own_imported_changes``); ``stacked_on``: objects of modules' parts it changed
        on top of a change a run-all makes after it (``_stacked_on_changes``)."""
        namespace = self.namespace
        any_order = self.graph.direction is Direction.ANY_ORDER
        analysis = record.analysis
        if any_order:
            for name in changes.rebound:
                # A private name is kept (under its cell's own name: ``runtime.private``)
                # only while a function, lambda or class of the cell may read it.
                if is_private(name) and (original(name, cell) or name) not in analysis.closes_over:
                    del namespace[name]

        tracked: Callable[[str], bool] = links_cells  # (no frame of ours: asked per name)
        if any_order:

            def tracked(name: str) -> bool:
                return links_cells(name) and not is_private(name)

        rebound = {n for n in changes.rebound if tracked(n)}
        mutated = {n for n in changes.mutated if tracked(n) and n in namespace}
        deleted = {n for n in changes.deleted if tracked(n)}
        wrote: dict[Symbol, Version] = {}
        rank = self.graph.rank(cell)
        charged = self._charged(rank, mutated - astray, changes.through_class)
        for name in rebound:
            symbol = Symbol(name)  # (one, kept by the record and the ledger alike)
            wrote[symbol] = self.ledger.bind(
                symbol, cell, value=immutable_print(namespace[name], self.budget)
            )
            value = namespace[name]
            if isinstance(value, types.ModuleType):
                # Bound again to the module it held (`import m` deleted, then added again):
                # the module keeps what was stored or changed in it (``ledger.reinstate``).
                self.ledger.reinstate(name, same=self._bound_modules.get(name) is value)
                self._bound_modules[name] = value
        for name in mutated:
            parts = changes.parts.get(name)
            writer = charged.get(name, cell)
            if parts is not None:  # changed in these items or attributes only
                # (Through its class, an instance's own stores stay: ``Version.beside``.)
                beside = name in changes.through_class
                shaped = changes.shaped.get(name, frozenset())
                # What an imported module holds, changed in place, stays there: an import
                # gives the same module (``Version.in_module``).
                imported = self._held_by_a_module(name)
                for part in parts:
                    symbol = Symbol(name, (part,))
                    # (A draw: the part of a module that holds a global generator.)
                    drew = generator_changed(namespace[name], frozenset({part})) is not None
                    wrote[symbol] = self.ledger.write(
                        symbol,
                        writer,
                        beside=beside,
                        drew=drew,
                        shaped=part in shaped,
                        in_module=imported and not drew,
                    )
                continue
            # No value to compare: a change in place (or one declared with
            # reflow.mutate, even of a str) is a change, whatever the value reads.
            # (A module's fingerprint is its identity: one of a global generator changed
            # in place drew, as did a function bound to the generator: ``runtime.draws``.)
            drew = global_generator(namespace[name]) is not None
            wrote[Symbol(name)] = self.ledger.write(
                Symbol(name),
                writer,
                in_place=True,
                drew=drew,
                in_module=not drew and self._held_by_a_module(name),
            )
        for name, owner in charged.items():
            versions = {s: v for s, v in wrote.items() if s.name == name}
            self._charge(self.records[owner], versions, mutated)
        ran = analysis
        if execution.error is not None:
            # Only the statements that ran to the end: the rest may never have run.
            line = execution.stopped_at
            ran = analyze_completed(self.python_source(record.code), line) if line else EMPTY_RUN
        called_stores = self.graph.expanded(cell).called_stores
        stored_by_calls: set[str] = set()
        for symbol in _module_stores(ran, namespace, called_stores, changes.module_stores):
            if tracked(symbol.name) and symbol.name not in mutated:
                # A module's fingerprint is its identity: what a store into it changed is
                # not seen, so every run of the store is a new write of the part it names
                # (of the statements that ran to the end: `m.f = f` with no `f` stores not).
                wrote[symbol] = self.ledger.write(symbol, cell, into_module=True)
                if symbol.name not in ran.mutated_names:
                    stored_by_calls.add(symbol.name)
        # Told the graph as seen: the module a call stored into need not be bound by an
        # import (`m = types.ModuleType('m')`), which is all the graph knows modules by.
        mutated |= stored_by_calls
        # A name it stored into the module through without its code naming it (`rm` for
        # `rf.a = 5` after `import rf as rm`) is one it changes through an alias: it reads
        # that name's binding, as ``run_cell`` has it for a change seen through one. (Its
        # expansion reads the name from now on; with no version seen, the cell was stale
        # after its own run, and a run-all ran the cells from the binder down again.)
        for name in stored_by_calls:
            symbol = Symbol(name)
            if symbol not in seen and self.graph.reaches_once_read(cell, name):
                seen[symbol] = self.ledger.current_for(name, EMPTY)
                record.read_paths = {**record.read_paths, name: EMPTY}
        for symbol in stacked:
            version = wrote.get(symbol)
            if (
                version is not None
                and version.cell == cell
                and self.ledger.last_write(symbol) == version
            ):
                wrote[symbol] = self.ledger.write(
                    symbol, cell, into_module=version.into_module, stacked=True
                )
        if own_imported:
            for name, (kept, before) in own_imported.items():
                if (
                    name in mutated
                    and namespace.get(name) is kept
                    and fingerprint(kept, self.budget) != before
                ):
                    self._stacked_in_imported(cell, kept, wrote)
        for held in stacked_on:
            self._stacked_in_imported(cell, held, wrote)
        into_builtins, out_of_builtins = self._builtins_written(cell, record, changes, ran, wrote)
        written = {s.name for s in wrote}
        # What it bound: its code's bindings, and those set aside that it bound again to
        # what they held (``Changes.bound_again``: `exec`, a loop's target, which no
        # comparison of values can tell from a binding not made).
        binds = (ran.defs - unbound) | changes.bound_again
        static_writes = binds | (ran.mutated_names & self.graph.expanded(cell).mutates)
        marked = self.ledger.changed_above_names  # (most sessions: none)
        for name in static_writes:
            # Bound again to an equal value, or mutated to no effect: a write all the same
            # (readers below must see this cell as their writer), but of the version
            # already there, so nothing downstream counts it as a change. Only what the
            # code itself writes: a mutation last run saw through an alias may be gone.
            # (A name the cell binds and was seen to change in a part only, an import of
            # a module whose generator it draws from, is bound all the same.)
            if (
                name in namespace
                and (name not in written or (name in binds and Symbol(name) not in wrote))
                and tracked(name)
            ):
                for symbol in _static_symbols(ran, name, binds):
                    if symbol.path:
                        current = self.ledger.visible(name, frozenset([symbol.path]))
                    else:
                        # The whole, as it is: its binding's version, and the version of
                        # every part stored since (`d |= {'p': 1}` after `d['q'] = 0`
                        # leaves `d['q']` as it was, for readers of `d['q']` only).
                        # (Not what its own earlier runs stored that this one did not: a
                        # run that failed before the store, or code that no longer makes
                        # it, leaves a value no run-all has; not this run's write. Nor a
                        # store into a module no cell makes now: ``_orphan_module_stores``.)
                        current = self.ledger.last_write(symbol)
                        if current is not None and not current.deleted:
                            for stored, version in self.ledger.writes_of(name):
                                if stored.path and _claimed(version, cell, stamp):
                                    wrote[stored] = version
                    if current is None or current.deleted:
                        if name in binds:
                            current = self.ledger.bind(symbol, cell)
                        else:
                            current = self.ledger.write(symbol, cell, in_place=True)
                    wrote[symbol] = current
            if (
                name in marked
                and name in binds
                and self.ledger.bound_by(name) == cell
                and name in namespace
            ):
                # Bound again: to an equal value, a new object, what a cell above changed
                # is gone with the old one; to the object it held (a cache hands back what
                # `re.compile` made before), a cell above reached it as it does in a run-all,
                # before this binding (unless the change was made astray in that very
                # object: ``VersionLedger.clear_changed_above``). So too where the run went on to
                # change the object itself (`m = e.match(s)` may change `e`, opaque): a
                # change of the binder's own, after its binding. (Left standing, the binder
                # stayed stale however often it ran, bound to the same object each time, and
                # a settle ran it again and again.)
                self.ledger.clear_changed_above(name, namespace[name])
        for name in deleted:
            wrote[Symbol(name)] = self.ledger.write(Symbol(name), cell, deleted=True)
        for name in mutated - charged.keys():
            binder = self.ledger.bound_by(name)
            if (
                binder is not None
                and binder in self.graph
                and binder != cell
                and (self.graph.rank(binder) > rank or name in astray)
            ):
                # See StatusBoard._stale_reason. (A change through a name only a cell
                # below binds is none a run-all makes, whoever bound the object: a run-all
                # fails there, or reads another value. So too, kept in the object, any
                # change a cell reading out of order made: what it reached through that
                # name is not always told apart (`m.start()` may change the pattern `e`
                # that the match `m` holds, opaque; a cache hands `e` back to its binder).)
                kept = name in astray or bool(record.out_of_order)
                self.ledger.mark_changed_above(name, cell, namespace[name] if kept else None)
        if execution.error is None:
            # What the last run left and this one did not write (a branch not taken,
            # a binding removed by an edit) is not in a run-all's namespace either.
            leftovers = {s: v for s, v in record.wrote.items() if s not in wrote}
            # A change in place of the whole that this run made in a part only (seen
            # closer: `np.random.seed(1)`) is no change dropped; a binding dropped is.
            narrowed = frozenset(
                s.name
                for s in wrote
                if s.path and Symbol(s.name) in leftovers and self.ledger.bound_by(s.name) != cell
            )
            self._unbind(leftovers, narrowed, by=cell, owner=cell)
            # Its removals stand, as long as no cell bound the name since (the edit's
            # retirement of `d = {}` now `d['z'] = 2`, with a binder above that ran).
            ledger = self.ledger
            wrote.update(
                (s, v)
                for s, v in leftovers.items()
                if v.deleted and v.cell == cell and ledger.last_write(s) == v
            )
            self._kept_dropped_changes(cell, record, set(binds - changes.rebound))

        if (
            execution.error is None
            and record.ran_code == record.code
            and _same_inputs(seen, record.seen, cell)
        ):
            # Its code again, on what it read last time: a store its last run was seen to
            # make and this one was not left the part as it was, made again as it was
            # (`m.setx(5)`, run twice), not dropped. (A store its code spells is seen at
            # every run: ``_module_stores``.)
            wrote.update(
                (s, v)
                for s, v in record.wrote.items()
                if v.into_module and v.cell == cell and self.ledger.last_write(s) == v
            )
        self._orphan_module_stores(self._dropped_module_stores(cell, record, wrote))
        previous = record.wrote
        record.imported_left = self._imported_left(cell, record.analysis, mutated - astray, binds)
        record.ran_code = record.code
        record.dirty = False
        record.run_stamp = stamp
        record.seen = or_empty(seen)
        record.wrote = wrote
        record.wrote_parts = freeze(s.name for s in wrote if s.path)
        record.output = execution.output if execution.error is None else None
        record.stdout = execution.stdout
        record.stderr = execution.stderr
        record.error = execution.error
        record.interrupted_before_run = False
        record.blocked = False
        self.blocked.discard(cell)
        # What it bound again to an equal value still holds what it held (``fs = [f]``).
        held = {s.name for s, v in wrote.items() if not v.deleted and s.name in namespace}
        # (A name set aside and bound again to what it held is bound all the same.)
        bound_again = {n for n in changes.bound_again if tracked(n)}
        # (What it changed through a name it read out of order is no change a run-all
        # makes there: no edge of the graph's; ``changed_above`` marks it.)
        self._observe(
            cell,
            rebound | bound_again | into_builtins,
            deleted | out_of_builtins,
            mutated - astray,
            held,
        )
        # Changed for readers: a new version, or another than this cell left them last time
        # (a mutation to no effect of a value an upstream cell has just rebuilt).
        return frozenset(
            s.name for s, v in wrote.items() if v.stamp > stamp or previous.get(s) != v
        )

    def _kept_by_a_module(self, version: Version, symbol: Symbol) -> bool:
        """Whether a change in place ``version`` made in a part, which no cell makes now (its
        cell deleted, or edited not to), is kept by a module an import binds: no run of a
        binder makes that object anew (an import gives the same module), so the part holds
        it as it holds a store into the module no cell makes now (``Version.orphaned``),
        which leaves its readers stale, and not the import. (Not a draw: ``draws``.)"""
        return (
            bool(symbol.path)
            and not version.drew
            and self._imported_module(symbol.name) is not None
        )

    def _imported_module(self, name: str) -> types.ModuleType | None:
        """The module ``name`` holds, if a cell binds it with an import (not one a cell
        makes, `types.ModuleType('m')`, which its binder makes anew)."""
        value = self.namespace.get(name)
        if isinstance(value, types.ModuleType) and self.graph.is_module(name):
            return value
        return None

    def _own_module_changes(self, cell: CellId, analysis: CellAnalysis) -> dict[Symbol, _Kept]:
        """Before a run: the parts of imported modules the cell's code changes from what they
        hold (`lm.lst.append(1)`, ``_changed_in_modules``; `lm.lst += [1]`, `lm.n += 1`)
        whose current version is still its own last run's change, or holds a change no
        run-all makes (``_Kept``, for ``_stacked_changes``).

        Cost: a look at the cell's mutations; a fingerprint only where its own change in
        a module's part is still the part's last write."""
        found: dict[Symbol, _Kept] = {}
        for mutation in analysis.mutations:
            path = mutation.path
            if not path or mutation.kind not in _ON_WHAT_IT_HOLDS:
                continue  # (a store replaces what the part holds, whatever that was)
            module = self._imported_module(mutation.name)
            if module is None:
                continue  # (a module a cell makes, `types.ModuleType('m')`, it makes anew)
            symbol = Symbol(mutation.name, path[:1])
            version = self.ledger.current(symbol)
            if symbol in found or version is None:
                continue
            # (A change no run-all makes is in it: stacked, or made by no cell now.)
            kept = version.stacked or version.cell is None
            if version.cell != cell and not kept:
                continue
            held = _held_by(module, path[0])
            if held is None or isinstance(held, _CODE_HOLDERS):
                continue
            if cannot_change(held):
                if len(path) > 1 or mutation.kind is not MutationKind.AUG_ASSIGN:
                    continue
                # `lm.n += 1`: a new value, made from the one its last run left.
                found[symbol] = _Kept(held, kept, fingerprint(held, self.budget), same=False)
            else:
                found[symbol] = _Kept(held, kept, fingerprint(held, self.budget), same=True)
        return found

    def _stacked_changes(
        self, cell: CellId, own: Mapping[Symbol, _Kept], code: str
    ) -> frozenset[Symbol]:
        """After a run: the parts of ``own`` (``_own_module_changes``) that the run changed
        again: a run-all makes the cell's change once, on the value as the cells above
        leave it, where this run made it on top of its own last change, which no import
        undoes (an import gives the same module). The part holds the change twice, as it
        will after every run of the cell until a restart makes it anew (or a cell stores
        the part again); a part stacked once stays so, whatever the cell's runs change
        since (``Version.stacked``). A part holding another object than before the run, of
        a change in place, was made anew; one changed only where ``code`` stores into it
        (``replaced.stores_into``: `lm.d.update(k=y)`) had what those keys held replaced."""
        found = []
        namespace = self.namespace
        for symbol, kept in own.items():
            module = namespace.get(symbol.name)
            if not isinstance(module, types.ModuleType):
                continue
            now = _held_by(module, symbol.path[0])
            if kept.same and now is not kept.held:
                continue  # the part holds another object: made anew
            if kept.stacked or kept.before is UNKNOWN:
                found.append(symbol)
                continue
            after = fingerprint(now, self.budget)
            if after == kept.before:
                continue
            if kept.same and after is not UNKNOWN:
                # Changed only where its code stores (`lm.d.update(k=y)` with `y` changed):
                # what the keys held is replaced, not stacked on.
                changed = changed_parts(kept.before, after)
                if changed is not None and changed <= self._stores_into(cell, code, now):
                    continue
            found.append(symbol)
        return frozenset(found)

    def _stacked_on_changes(
        self, cell: CellId, code: str, changes: Changes, stacked: frozenset[Symbol]
    ) -> tuple[list[Any], dict[Symbol, Any]]:
        """After a run, before ``_record`` writes it down: the objects held by parts of
        imported modules that the run changed in place (seen by value, however reached:
        `lm.lst.append(1)`, `lst.append(1)` after `lst = lm.lst`, a notebook function's
        call), on top of a change a run-all makes after it, or never. No import makes the
        object anew (an import gives the same module): the part holds both changes, where
        a run-all makes this one on the value as the cells above leave it.

        The part's version before the run tells: stacked already, of no cell now (a
        deleted cell's), or a change in place since, the object keeps it; its cell's own
        (a run again) or a cell's below it, the run stacked on it where it changed the
        value (``_module_prints``: the fingerprint that version left), unless it only
        stored into it (``replaced.stores_into``: `lm.d['k'] = y`, `lm.d.update(k=y)`
        replace what the keys held). A chain of writers each above the next, from the
        import, is what a run-all makes. (``stacked``: those ``_stacked_changes`` found.)
        With the fingerprints now of the parts looked at, for ``_module_prints``.

        Cost: nothing for a run that changed no imported module's part (most); a
        fingerprint of each part it did."""
        found: dict[int, Any] = {}
        prints: dict[Symbol, Any] = {}
        graph, ledger = self.graph, self.ledger
        rank = graph.rank(cell)
        for name in changes.mutated:
            parts = changes.parts.get(name)
            if not parts:
                continue  # (a change not told by parts: not a module's part)
            module = self._imported_module(name)
            if module is None:
                continue  # (a module a cell makes, `types.ModuleType('m')`, it makes anew)
            stored = changes.module_stores.get(name, EMPTY)
            for part in parts:
                symbol = Symbol(name, (part,))
                if part in stored or symbol in stacked:
                    continue  # (a store: the part holds another object, made anew)
                held = _held_by(module, part)
                if held is None or isinstance(held, _CODE_HOLDERS) or cannot_change(held):
                    continue
                version = ledger.current(symbol)
                if version is not None and version.drew:
                    continue  # (a generator's state: ``runtime.draws``)
                now = prints[symbol] = fingerprint(held, self.budget)
                if version is None or id(held) in found:
                    continue  # (as the import left it)
                writer = version.cell
                if not version.stacked and writer is not None and writer in graph:
                    # (Else stacked already, or a deleted cell's: the object keeps it.)
                    if writer != cell and graph.rank(writer) < rank:
                        continue  # (a change a run-all makes before this one)
                    if self._replaced_or_kept(cell, version, symbol, now, held, code):
                        continue
                found[id(held)] = held
        return list(found.values()), prints

    def _stores_into(self, cell: CellId, code: str, held: Any) -> frozenset[PathPart]:
        """``replaced.stores_into`` of the cell's code and of the notebook functions it
        names (one level: what those call counts as no store)."""
        namespace = self.namespace
        functions = []
        for name in self.graph.expanded(cell).refs:
            value = namespace.get(name)
            if isinstance(value, types.FunctionType) and value.__globals__ is namespace:
                filename = value.__code__.co_filename
                definer = CellId(filename[6:-1]) if filename.startswith("<cell ") else None
                record = self.records.get(definer) if definer is not None else None
                if record is not None:
                    source = self.python_source(record.code)
                    functions.append((source, value.__code__.co_firstlineno))
        return stores_into(self.python_source(code), namespace, held, functions)

    def _only_stores_into(self, cell: CellId, held: Any) -> bool:
        """Whether the cell's code changes ``held`` (an object a module holds), and only by
        stores into it (`os.environ['X'] = v`, `env['X'] = v` after `env = os.environ`),
        no method, augmented assignment nor delete; nor does a function it calls store
        into a module."""
        if self.graph.expanded(cell).called_stores:
            return False
        stored = False
        for mutation in self.records[cell].analysis.mutations:
            kind, path = mutation.kind, mutation.path
            within = path[:-1] if kind in _STORES and path else path
            target = _resolve_part(self.namespace.get(mutation.name), within)
            if target is not held:
                continue
            if kind not in _STORES or not path:
                return False
            stored = True
        return stored

    def _replaced_or_kept(
        self, cell: CellId, version: Version, symbol: Symbol, now: Any, held: Any, code: str
    ) -> bool:
        """Whether the run left the part as ``version`` left it (the same fingerprint), or
        changed it only where its code stores (``replaced.stores_into``)."""
        left = self._module_prints.get(symbol)
        before = left[1] if left is not None and left[0] == version else UNKNOWN
        if before is UNKNOWN or now is UNKNOWN:
            # Not told by value (`os.environ`): replaced where its code only stores into it.
            return self._only_stores_into(cell, held)
        if before == now:
            return True
        changed = changed_parts(before, now)
        return changed is not None and changed <= self._stores_into(cell, code, held)

    def _imported_left(
        self, cell: CellId, analysis: CellAnalysis, mutated: set[str], binds: frozenset[str]
    ) -> Mapping[str, tuple[Any, Any]]:
        """``CellRecord.imported_left``: of the names the run changed in place, those bound
        by an import from a module (`from lm import lst`, by this cell or the binder of the
        name), each with its object and the object's fingerprint now. Cost: nothing for a
        run that changed no such name (most); a fingerprint for each it did."""
        found = {}
        for name in mutated:
            binder = cell if name in binds else self.ledger.bound_by(name)
            record = self.records.get(binder) if binder is not None else None
            if record is None:
                continue
            kept = self._kept_in_module(name, analysis if binder == cell else record.analysis)
            if kept is not None:
                found[name] = (kept, fingerprint(kept, self.budget))
        return or_empty(found)

    def _own_imported_changes(self, record: CellRecord) -> dict[str, tuple[Any, Any]]:
        """Before a run: the names of ``CellRecord.imported_left`` still bound to the object
        its last run left, as it left it (the same fingerprint): its own change is in it,
        and no run of the cells above made it anew (an import hands back what the module
        holds). With the fingerprint now, for ``_record`` to tell a change made again."""
        namespace = self.namespace
        found = {}
        for name, (kept, after) in record.imported_left.items():
            if namespace.get(name) is kept:
                now = fingerprint(kept, self.budget)
                if now is not UNKNOWN and now == after:
                    found[name] = (kept, now)
        return found

    def _stacked_in_imported(self, cell: CellId, kept: Any, wrote: dict[Symbol, Version]) -> None:
        """The run changed again, on top of its own last change, an object an import bound
        (`lst.append(1)` below `from lm import lst`): the module holds it, and no run of the
        cells above makes it anew; a run-all makes the change once. Every name holding it
        is marked (``VersionLedger.kept_stacked``), as ``_kept_dropped_changes`` marks one
        holding a change an edit dropped, until bound to another object (a restart makes
        it anew); but a module holding it (`lm` of `import lm`), whose other parts are as
        a run-all leaves them, only at the parts that hold it (``Version.stacked``)."""
        namespace = self.namespace
        for holder in sorted(self._holders_of(kept)):
            value = namespace[holder]
            if isinstance(value, types.ModuleType):
                for attribute, held in list(vars(value).items()):
                    if held is kept:
                        symbol = Symbol(holder, ("." + attribute,))
                        wrote[symbol] = self.ledger.write(symbol, cell, stacked=True)
            else:
                self.ledger.mark_changed_above(holder, cell, value, stacked=True)
                self.marked.add(holder)

    def _kept_dropped_changes(self, cell: CellId, record: CellRecord, same: set[str]) -> None:
        """An edit dropped a change in place from the cell's code (`CONF['k'] = 1` gone from
        `from conf import CONF`), and its run bound the name again, by an import from a
        module, to the very object its last run changed (``same``): the module holds it,
        and keeps the change, which no run undoes and a run-all does not make. Every name
        holding it is marked (``VersionLedger.kept_dropped``) until bound to another
        object; a restart makes it anew. (Not an object a cell makes, `b = a` of `a =
        [0]`: running that cell makes it anew.)

        Cost: nothing unless the cell was edited since it last ran and bound a changeable
        object again; then its old code is analysed once."""
        old = record.ran_code
        if old is None or old == record.code:
            return
        same = {n for n in same if self._kept_in_module(n, record.analysis) is not None}
        if not same:
            return
        before = self._analysis_of(old)
        if before is None:
            return
        dropped = (same & before.mutated_names) - record.analysis.mutated_names
        for name in sorted(dropped):
            self.marked |= self._mark_holders(cell, self.namespace[name], skip=None)

    def _kept_deleted_changes(self, cell: CellId, record: CellRecord) -> None:
        """A deleted cell bound a name by an import from a module and changed its object in
        place (`from conf import CONF` then `CONF['k'] = 1`): where that object lives on
        under other names (the module holds it), it keeps the change, which no run undoes
        and a run-all does not make, as ``_kept_dropped_changes`` has it for an edit."""
        if not record.has_run:
            return
        analysis: CellAnalysis | None = record.analysis
        if record.ran_code != record.code:
            analysis = self._analysis_of(record.ran_code or "")
        if analysis is None:
            return
        for name in sorted(analysis.mutated_names & analysis.defs):
            kept = self._kept_in_module(name, analysis)
            if kept is not None and self.ledger.bound_by(name) == cell:
                self._mark_holders(cell, kept, skip=name)

    def _held_by_a_module(self, name: str) -> bool:
        """Whether what ``name`` holds a module keeps, which no import makes anew: a module
        an import binds (its parts), or an object its binder took from a module by an import
        (`from m import lst`). Cost: a look at the binder's analysis, for a name a run
        changed in place."""
        if self._imported_module(name) is not None:
            return True
        binder = self.ledger.bound_by(name)
        record = self.records.get(binder) if binder is not None else None
        return record is not None and self._kept_in_module(name, record.analysis) is not None

    def _kept_in_module(self, name: str, analysis: CellAnalysis) -> Any:
        """The object ``name`` holds, where the cell (``analysis``) binds it by an import
        from a module and it can change in place (a module's own stores are
        ``_orphan_module_stores``'); else ``None``."""
        kept = self.namespace.get(name)
        if (
            kept is None
            or analysis.bound_as.get(name) is not BindingKind.IMPORTED
            or not links_cells(name)
            or isinstance(kept, types.ModuleType)
            or cannot_change(kept)
        ):
            return None
        return kept

    def _analysis_of(self, code: str) -> CellAnalysis | None:
        """The analysis of code the cell no longer has (``None``: IPython code without
        IPython, nothing known of it)."""
        try:
            return analyze(self.python_source(split_memoize(code).body))
        except Exception:
            return None

    def _mark_holders(self, cell: CellId, kept: Any, skip: str | None) -> set[str]:
        """Mark every name holding ``kept`` but ``skip`` as holding a change ``cell`` made
        that no run undoes (``VersionLedger.kept_dropped``), with what each holds now:
        bound again to that, it holds the change still. Returns the names marked."""
        holders = self._holders_of(kept)
        holders.discard(skip or "")
        for holder in holders:
            self.ledger.mark_changed_above(holder, cell, self.namespace[holder], dropped=True)
        return holders

    def _holders_of(self, obj: Any) -> set[str]:
        """The globals bound to ``obj``, holding it (``changes.holding``), or bound to a
        module whose globals hold it (`rfconf` for `from rfconf import CONF`)."""
        namespace = self.namespace
        names = [n for n in namespace if links_cells(n)]
        found = holding(namespace, names, [obj], {id(obj)})
        for name in self.graph.imported_names():
            module = namespace.get(name)
            if isinstance(module, types.ModuleType) and any(
                v is obj for v in vars(module).values()
            ):
                found.add(name)
        return found

    def _builtins_written(
        self,
        cell: CellId,
        record: CellRecord,
        changes: Changes,
        ran: CellAnalysis,
        wrote: dict[Symbol, Version],
    ) -> tuple[set[str], set[str]]:
        """Write down the names the run stored into the builtins module, or deleted from it,
        into ``wrote``, and return them: a name no global binds resolves there, so a store
        (`builtins.z = 3`, `setattr(builtins, 'z', 3)`, `__builtins__.z = 3`) writes what
        its readers read. Those its code stores every run are written every run, as a store
        into a module is (equal values cut off); one its last run stored, that this run was
        not seen to move, is kept while its code may still change the module (`setattr`
        storing the same object again). A name a global binds hides the builtin: none.

        Cost: a look at the names cells stored there (most sessions: none), and at the
        run's own stores."""
        stored, gone = builtins_stores(ran)
        into = {n for n in changes.builtins_bound | stored if n in _BUILTINS}
        out = {n for n in changes.builtins_deleted | gone if n not in _BUILTINS}
        namespace, ledger = self.namespace, self.ledger
        originals = self._builtins_original
        for name, before in changes.builtins_before.items():
            originals.setdefault(name, before)
        for name in stored:  # (stored again as it was: the same object was there)
            if name in _BUILTINS:
                originals.setdefault(name, _BUILTINS[name])
        kept = set()
        for name in originals:  # (the names any cell stored there: most sessions, none)
            symbol = Symbol(name)
            version = record.wrote.get(symbol)
            if (
                version is not None
                and version.cell == cell
                and not version.deleted
                and name not in namespace
                and name in _BUILTINS
                and name not in into
                and ledger.last_write(symbol) == version
                and self._may_store_into_builtins(cell)
            ):
                wrote[symbol] = version  # the same object there: bound again, or left alone
                kept.add(name)
        for name in into:
            if name not in namespace and links_cells(name):
                value = immutable_print(_BUILTINS[name], self.budget)
                wrote[Symbol(name)] = ledger.bind(Symbol(name), cell, value=value)
        for name in out:
            if name not in namespace and links_cells(name):
                wrote[Symbol(name)] = ledger.write(Symbol(name), cell, deleted=True)
        return into | kept, out

    def _may_store_into_builtins(self, cell: CellId) -> bool:
        """Whether the cell's code may change the builtins module: it may read any name, or
        change a global bound to the module (or ``__builtins__``)."""
        expanded = self.graph.expanded(cell)
        if expanded.reads_all:
            return True
        namespace = self.namespace
        return any(
            name == "__builtins__" or namespace.get(name) is builtins
            for name in expanded.may_change
        )

    def _charged(
        self, rank: int, mutated: set[str], through_class: frozenset[str]
    ) -> dict[str, CellId]:
        """The names a run changed that a cell below it binds such that a run-all makes the
        change before that cell binds the object: as an alias (`y = x`) of a name changed
        too, or as an instance changed through its class alone (`Foo.a = 6` above `foo =
        Foo()`). Each with its binder, which the new versions are charged to, as if it had
        bound them now; only while the value is all that binder's own (a dict holding what
        `a['p'] = b` below stored is no `a = {...}`'s any more)."""
        found = {}
        for name in mutated:
            binder = self.ledger.bound_by(name)
            if (
                binder is not None
                and binder in self.graph
                and self.graph.rank(binder) > rank
                and self.ledger.owned_by(name, binder)
                and (
                    name in through_class
                    or self._changed_through_alias(binder, name, mutated, rank)
                )
            ):
                found[name] = binder
        return found

    def _charge(
        self, record: CellRecord, versions: dict[Symbol, Version], mutated: set[str]
    ) -> None:
        """The binder's record takes the versions (readers below it take its word for
        them), and it reads the aliased names as they are now, as if it had run after the
        change (through a class, it read nothing of the instance)."""
        record.wrote.update(versions)
        record.wrote_parts = freeze(s.name for s in record.wrote if s.path)
        for _, source in record.analysis.aliases:
            if source in mutated:
                self._read_again(record, source)

    def _changed_through_alias(
        self, binder: CellId, name: str, mutated: set[str], rank: int
    ) -> bool:
        """Whether ``binder`` binds ``name`` as an alias (``y = x``, all it does with
        either: ``CellAnalysis.aliases``) of a name bound to the same object, which the run
        changed as well, whose binder runs before the run's cell: a run-all makes the
        change through that name first, and ``binder`` then binds ``name`` to the changed
        object, as now."""
        value = self.namespace.get(name)
        for held_by, source in self.records[binder].analysis.aliases:
            if held_by != name:
                continue
            source_binder = self.ledger.bound_by(source)
            if (
                source in mutated
                and self.namespace.get(source) is value
                and (
                    source_binder is None
                    or source_binder not in self.graph
                    or self.graph.rank(source_binder) <= rank
                )
            ):
                return True
        return False

    def _observe(
        self,
        cell: CellId,
        rebound: set[str],
        deleted: set[str],
        mutated: set[str],
        held: set[str],
    ) -> None:
        """Tell the graph about writes static analysis could not see.

        ``exec``, ``globals()``, ``import *`` and functions' ``global`` writes bind;
        calls of unknown functions mutate. The graph keeps the last run's findings.
        ``held``: the names whose values the cell's writes left, an equal value bound
        again included; what notebook code they carry is found again.
        """
        effects = self.graph.effects(cell)
        analysis = effects.analysis
        binds = freeze(rebound - analysis.defs)
        deletes = freeze(deleted - analysis.deletes)
        # What the code says it mutates is known already, except of modules, which the
        # graph takes as changed only when seen to change (``random.seed``).
        static = {n for n in analysis.mutated_names if not self.graph.is_module(n)}
        # An import binds the name to the module every import of it gives: the cell
        # does not make the module's state (``np.random.seed`` above it did), so a
        # module it imports and was seen to change counts as read and changed.
        mutates = freeze(mutated - static - (analysis.defs - analysis.imports))
        # A name bound to a function, lambda or class by the cell's own code has its
        # summary from static analysis; any other value may carry notebook code too.
        carried = carried_summaries(
            sorted((rebound | mutated | held) - analysis.functions.keys()), self.namespace
        )
        bound = held & (analysis.defs | rebound)
        shares = _shared_at_run(bound, analysis, self.namespace)
        instances = _instances_made(bound, analysis, self.namespace)
        module_reads = _module_code_reads(
            analysis.called, self.namespace, self.graph.imported_names()
        )
        seen = (
            binds,
            deletes,
            mutates,
            frozenset(carried.items()),
            shares,
            instances,
            module_reads,
        )
        if effects.pending or seen != (
            effects.observed_binds,
            effects.observed_deletes,
            effects.observed_mutates,
            effects.observed_carried,
            effects.observed_shares,
            effects.observed_instances,
            effects.observed_module_reads,
        ):
            self.graph.update(
                cell,
                effects.with_observed(
                    binds, deletes, mutates, carried, shares, instances, module_reads
                ),
            )


def _module_code_reads(
    called: frozenset[str], namespace: dict[str, Any], imported: Iterable[str]
) -> frozenset[str]:
    """The names cells import a module as (``imported``: the names stores into it go
    through, with its aliases' stores told under them, ``_other_names_of``) whose code
    the functions and classes the cell calls by name run
    (``CellEffects.observed_module_reads``): `from m import f` then `f()` reads `m`'s
    globals as `m.f()` does (``parts.module_paths``), stores made through `m` included.
    Not the notebook's own code (its reads are summaries), nor C code. A look at the
    imported names only, for a cell that called such a function."""
    modules: dict[int, types.ModuleType] = {}
    for name in called:
        module = home_module(namespace.get(name), namespace)
        if module is not None:
            modules[id(module)] = module
    if not modules:
        return EMPTY
    found = set()
    for other in imported:
        value = namespace.get(other)
        if id(value) in modules and value is modules[id(value)]:
            found.add(other)
    return freeze(found)


def _instances_made(
    bound: set[str], analysis: CellAnalysis, namespace: dict[str, Any]
) -> frozenset[tuple[str, str]]:
    """Pairs of a name the cell bound to an instance of a notebook class and a name the
    cell read that holds the class (`obj = K()`: `("obj", "K")`): a cell not run yet
    storing into the class changes what the instance gives, whichever class `K` names
    by the time it runs (``CellEffects.observed_instances``)."""
    found = set()
    for name in bound:
        value = namespace.get(name)
        kind = type(value)
        if kind.__module__ != "__main__" or isinstance(value, type):
            continue
        for ref in analysis.refs:
            if namespace.get(ref) is kind and links_cells(ref):
                found.add((name, ref))
    return freeze(found)


def _shared_at_run(
    bound: set[str], analysis: CellAnalysis, namespace: dict[str, Any]
) -> frozenset[tuple[str, str]]:
    """Pairs of a name the cell bound and another global bound to the very same object,
    or, where the cell read that global, sharing an object with it one step down
    (``share_an_object``), where the code does not say so (``CellAnalysis.shares``): a call
    handed it back (`o2 = o.add(1)` with `add` returning `self`, `e = d.setdefault('l',
    [])`), or kept it (`o = O(d['k'])` storing it as `self.xs`). They share as `b = a` and
    `e = d['l']` do: a cell that may change one and whose last run does not tell what it
    changes now (not run yet, moved under another binding) may change the other. One pass
    over the namespace, and a look into what the cell read, only for a cell that bound an
    object that can change (`x = a or b` hands back `a` too)."""
    ids = {
        id(value): name
        for name in bound
        if (value := namespace.get(name)) is not None and not cannot_change(value)
    }
    if not ids:
        return EMPTY
    found = set()
    for bound_name in ids.values():
        value = namespace[bound_name]
        for ref in analysis.refs:
            holder = namespace.get(ref)
            if (
                ref != bound_name
                and holder is not None
                and links_cells(ref)
                and holder is not value
                and not cannot_change(holder)
                and share_an_object(holder, value)
                and (bound_name, ref) not in analysis.shares
            ):
                found.add((bound_name, ref))
    for other, value in namespace.items():
        name = ids.get(id(value))
        if (
            name is not None
            and other != name
            and links_cells(other)
            and namespace[name] is value
            and (name, other) not in analysis.shares
            and (other, name) not in analysis.shares
        ):
            found.add((name, other))
    return freeze(found)


EMPTY_RUN = CellAnalysis()
"""What a run that raised before its first statement ended surely wrote: nothing."""


def _same_inputs(
    seen: Mapping[Symbol, Version | None], before: Mapping[Symbol, Version | None], cell: CellId
) -> bool:
    """Whether a run read what the cell's last run read, but for its own stores into a
    module, which it reads back (`m.setx(5)` reads `m`, whose newest write is its own)."""
    if seen.keys() != before.keys():
        return False
    return all(
        version == before[symbol]
        or (version is not None and version.into_module and version.cell == cell)
        for symbol, version in seen.items()
    )


def _claimed(version: Version, cell: CellId, stamp: int) -> bool:
    """Whether a cell binding a name again to the object it held (an import of the same
    module) that started its run at ``stamp`` takes a part's current ``version`` as its own
    write: not one its own earlier run made (this run did not make it), nor a store into a
    module no cell makes now (``Session._orphan_module_stores``)."""
    if version.orphaned:
        return False
    return version.cell != cell or version.stamp > stamp


def _module_stores(
    analysis: CellAnalysis,
    namespace: dict[str, Any],
    called: frozenset[PartStore],
    seen: Mapping[str, frozenset[PathPart]] = EMPTY_MAP,
) -> list[Symbol]:
    """The parts of modules the cell's statements store into or delete (``mymod.y = 7``),
    or change by a known mutating method of an object a module holds
    (``plt.rcParams.update(...)``, ``os.environ.update(...)``; not a submodule's function,
    ``np.random.seed(1)``: a module's generator is told by its state); those the
    notebook functions it calls do (``called``: whether the call got to the statement
    or not, a failed run included, since a store may come before the raise); and those
    the run was seen to make however it made them (``seen``: ``Changes.module_stores``,
    by a name bound to the module)."""
    changes = [
        (
            m.name,
            m.path[0],
            m.name not in analysis.stored_names and m.kind is MutationKind.METHOD_CALL,
        )
        for m in analysis.mutations
        if m.path
    ]
    found = []
    for name, part, by_method in [*changes, *called]:
        module = namespace.get(name)
        if not isinstance(module, types.ModuleType):
            continue
        if not by_method or not isinstance(_held_by(module, part), _CODE_HOLDERS):
            found.append(Symbol(name, (part,)))
    found += [Symbol(name, (part,)) for name, parts in seen.items() for part in sorted(parts)]
    if found:
        found += _other_names_of(found, namespace)
        found += _into_submodules(analysis, namespace)
    return list(dict.fromkeys(found))


def _into_submodules(analysis: CellAnalysis, namespace: dict[str, Any]) -> list[Symbol]:
    """A store through a package into a submodule (`json.decoder.Y = 2`), as the part of
    the submodule it stores into, under every global bound to the submodule (`jd` of
    `import json.decoder as jd` reads `jd.Y`). One pass over the namespace, only for a
    cell that stored so."""
    deep: list[tuple[types.ModuleType, PathPart]] = []
    for mutation in analysis.mutations:
        module = namespace.get(mutation.name)
        if not isinstance(module, types.ModuleType):
            continue
        # (As for a module's own parts: a method of a submodule's function or class,
        # `np.random.seed(1)`, changes no part of it; draws are told by their state.)
        by_method = (
            mutation.name not in analysis.stored_names and mutation.kind is MutationKind.METHOD_CALL
        )
        path = mutation.path
        for place, part in enumerate(path[:-1]):
            held = _held_by(module, part)
            if not isinstance(held, types.ModuleType):
                break
            module, inner = held, path[place + 1]
            if not by_method or not isinstance(_held_by(module, inner), _CODE_HOLDERS):
                deep.append((module, inner))
    if not deep:
        return []
    holders: dict[int, list[str]] = {}
    for other, value in namespace.items():
        if isinstance(value, types.ModuleType):
            holders.setdefault(id(value), []).append(other)
    return [
        Symbol(other, (part,)) for module, part in deep for other in holders.get(id(module), ())
    ]


def _other_names_of(stores: list[Symbol], namespace: dict[str, Any]) -> list[Symbol]:
    """The same parts under every other global bound to the module stored into: `mj.Y =
    2` after `mj = json` (or `import json as js`) stores into what `json` reads too; and
    under every global bound to a package the module is a submodule of, at the
    submodule's attribute: `import json.decoder as jd; jd.Y = 2` stores into what `import
    json` then `json.decoder.Y` reads, as `json.decoder` (the parts of a module are one
    attribute deep). One pass over the namespace, only for a cell that stored into a
    module."""
    modules = {id(namespace[s.name]): namespace[s.name] for s in stores}
    names: dict[int, list[str]] = {}
    packages: list[tuple[str, types.ModuleType]] = []
    for other, value in namespace.items():
        if id(value) in modules and value is modules[id(value)]:
            names.setdefault(id(value), []).append(other)
        elif isinstance(value, types.ModuleType):
            packages.append((other, value))
    found = [
        Symbol(other, s.path)
        for s in stores
        for other in names.get(id(namespace[s.name]), ())
        if other != s.name
    ]
    for module in modules.values():
        for other, package in packages:
            part = _submodule_part(package, module)
            if part is not None:
                found.append(Symbol(other, (part,)))
    return found


def _submodule_part(package: types.ModuleType, module: types.ModuleType) -> str | None:
    """The attribute part of ``package`` that ``module`` is, or lies below (``.decoder`` of
    `json` for `json.decoder` and its submodules), as the package holds it now; else
    ``None``."""
    outer, inner = getattr(package, "__name__", None), getattr(module, "__name__", None)
    if not isinstance(outer, str) or not isinstance(inner, str):
        return None
    if not inner.startswith(outer + "."):
        return None
    first = inner[len(outer) + 1 :].split(".", 1)[0]
    held = vars(package).get(first)
    if not isinstance(held, types.ModuleType):
        return None
    return "." + first


def _changed_in_modules(
    analysis: CellAnalysis, namespace: dict[str, Any], called: frozenset[PartStore]
) -> list[Any]:
    """The objects modules hold that the cell changed in place below a module's part
    (``m.val.append(1)``, ``m.d['k'] = 1``, or a store a function it calls makes into such
    a part): a module's fingerprint is its identity, so only this tells the change to
    the other names holding them (``m.val = xs`` above: ``xs`` changed)."""
    paths = [
        (m.name, m.path[0])
        for m in analysis.mutations
        if m.path and (len(m.path) > 1 or m.kind is MutationKind.METHOD_CALL)
    ]
    found = []
    for name, part in [*paths, *((n, p) for n, p, _ in called)]:
        module = namespace.get(name)
        if isinstance(module, types.ModuleType):
            held = _held_by(module, part)
            if held is not None and not isinstance(held, _CODE_HOLDERS) and not cannot_change(held):
                found.append(held)
    return found


def _resolve_part(value: Any, path: tuple[PathPart, ...]) -> Any:
    """What ``value`` holds at ``path`` through modules' attributes and plain dicts' keys,
    read without running code (else None)."""
    for part in path:
        if isinstance(value, types.ModuleType):
            value = _held_by(value, part)
        elif type(value) is dict and isinstance(part, str) and not part.startswith("."):
            try:
                value = value.get(ast.literal_eval(part))
            except (ValueError, SyntaxError, TypeError):
                return None
        else:
            return None
    return value


def _held_by(module: types.ModuleType, part: PathPart) -> Any:
    """What a module holds at an attribute part (``.rcParams``), read without running its
    code (a module's ``__getattr__``)."""
    if not isinstance(part, str) or not part.startswith("."):
        return None
    return vars(module).get(part[1:])


@dataclass(frozen=True, slots=True)
class _Kept:
    """What a module's part held before a run of a cell whose own last change is still in
    it (``Session._own_module_changes``): the value, whether a change no run-all makes
    was in it already (``Version.stacked``, or a change no cell makes now), the value's
    fingerprint, and whether the change is made in place, in that very object (else a
    new value is made from it: `lm.n += 1`)."""

    held: Any
    stacked: bool
    before: Any
    same: bool


_STORES = (MutationKind.ATTR_STORE, MutationKind.ITEM_STORE)


_ON_WHAT_IT_HOLDS = (MutationKind.METHOD_CALL, MutationKind.AUG_ASSIGN, MutationKind.ITEM_DELETE)
"""How a cell's code changes what a module's attribute holds from what it holds
(`m.lst.append(1)`, `m.lst += [1]`, `m.n += 1`, `del m.lst[0]`), where a store
(`m.lst = [1]`, `m.d['k'] = 1`) replaces what was there."""

_CODE_HOLDERS = (types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType)
"""What a module holds whose method calls change no object of the module's: submodules,
classes and functions (``np.random.seed`` is the generator's business)."""


def _with_partners(names: frozenset[str], shares: frozenset[tuple[str, str]]) -> frozenset[str]:
    """``names`` and the names the cell itself makes share objects with them, transitively.

    `alias = b` then `alias.append(5)`: before the cell runs, `alias` is not yet `b`'s
    object (or not bound at all), so only a fingerprint of `b` taken beforehand shows
    that `b` changed.
    """
    if not shares:
        return names
    found = set(names)
    grew = True
    while grew:
        grew = False
        for a, b in shares:
            if (a in found) != (b in found):
                found.update((a, b))
                grew = True
    return freeze(found)


def shapes_seen(
    ledger: VersionLedger, cell: CellId, analysis: CellAnalysis
) -> Mapping[Symbol, Version | None]:
    """``CellRecord.shapes_seen`` as the cell is about to run: for each part its code
    stores whole, the write that made the part there (its own counts as none: a run-all's
    run of it makes the part as it did)."""
    found: dict[Symbol, Version | None] = {}
    for symbol in stored_parts(analysis):
        shaper = ledger.shaper(symbol)
        found[symbol] = None if shaper is None or shaper.cell == cell else shaper
    return or_empty(found)


def _static_symbols(analysis: CellAnalysis, name: str, binds: frozenset[str]) -> list[Symbol]:
    """What the cell's code writes of ``name``: the parts its stores name, else all of it
    (all of it where it binds it: ``binds``)."""
    if name in binds:
        return [Symbol(name)]
    parts = set()
    for mutation in analysis.mutations:
        if mutation.name == name:
            if not mutation.path:
                return [Symbol(name)]
            parts.add(mutation.path[:1])
    return [Symbol(name, part) for part in sorted(parts, key=repr)] or [Symbol(name)]


def _explain_set_aside(execution: Execution, names: frozenset[str]) -> Execution:
    """A NameError for a name the cell's last run left (and that it still holds): say
    why, since the value is there to see."""
    return _explain_name_error(
        execution,
        names,
        "`{}` is read before this cell binds it, and no cell above binds it: a "
        "restart-and-run-all fails here; the value its last run left is kept",
    )


def _explain_hidden(execution: Execution, names: frozenset[str]) -> Execution:
    """A NameError for a name no cell above binds, hidden from a cell using `exec`,
    `eval` or `globals()` (``Session._unbound_above``): say why, since the value is there."""
    return _explain_name_error(
        execution,
        names,
        "no cell above binds `{}`: a restart-and-run-all fails here, so this cell, which "
        "may read any name, does not see the value left in the session",
    )


def _explain_hidden_from_below(execution: Execution, names: frozenset[str]) -> Execution:
    """A NameError for a name only a cell below binds, hidden from a cell that may change
    objects in place, in a run that did not ask for it by name
    (``Scheduler._read_from_below_hidden``): say why, and how to run it with the value."""
    return _explain_name_error(
        execution,
        names,
        "only a cell below binds `{}`: a restart-and-run-all fails here, so this cell, "
        "which may change objects in place, does not see the value left in the session; "
        "run it by itself to use that value",
    )


def _explain_name_error(execution: Execution, names: frozenset[str], why: str) -> Execution:
    """The execution, its NameError for one of ``names`` told ``why`` (``{}``: the name)."""
    error = execution.error
    if error is None or error.type != "NameError":
        return execution
    name = next((n for n in sorted(names) if f"'{n}'" in error.message), None)
    if name is None:
        return execution
    note = f" (reflow: {why.format(name)})"
    return replace(execution, error=replace(error, message=error.message + note))


def _warn_about_threads(execution: Execution, before: set[threading.Thread]) -> Execution:
    """A thread the cell left running changes things after the fingerprints were taken:
    say so rather than let its later changes pass as untracked truth."""
    left = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    if not left:
        return execution
    names = ", ".join(t.name for t in left)
    warning = (
        f"reflow: this cell left {len(left)} thread(s) running ({names}); what they change "
        "from now on is not tracked: join them before the cell ends, or call "
        "reflow.mutate(obj) in a later cell once they are done\n"
    )
    return replace(execution, stderr=execution.stderr + warning)
