"""What runs, in what order: the phases of a run (docs/semantics.md, "Reactive and lazy").

    plan     the cells asked for, plus (pull) every upstream writer whose
             value the namespace no longer holds or that is out of sync;
    execute  cells one at a time in execution order, each at most once;
    record   (in Session) the versions each cell read and wrote;
    push     after each cell, the readers of what it changed and the writer
             whose value a run-all leaves in a name it wrote: reactive mode
             runs them in the same wave; lazy mode leaves them stale, except
             those the asked-for cells need;
    settle   a raising cell cancels what depends on it; an interrupt stops the
             wave and leaves the rest of the plan stale.

Cells enter the wave in execution order from a heap, so a cell always runs
after every cell of the wave it depends on.
"""

from __future__ import annotations

import heapq
import types
from collections import Counter
from collections.abc import Collection, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Protocol

from reflow._types import EMPTY, CellId, Direction, Mode, Status
from reflow.analysis.effects import CellAnalysis, MutationKind, PathPart
from reflow.graph.graph import DataflowGraph, Edges, GraphError
from reflow.runtime.draws import undetermined_draws
from reflow.runtime.errors import CellError
from reflow.runtime.fingerprint import cannot_change
from reflow.runtime.records import CellRecord
from reflow.runtime.session import Session, shapes_seen
from reflow.runtime.status import (
    Chain,
    Decision,
    StatusBoard,
    astray_now,
    read_names,
    shape_reaching,
    writes_reaching,
)
from reflow.runtime.versions import Paths, Symbol, Version, overlaps

_SETTLE_WAVES = 8
"""At most this many waves in one run: each after the first runs only cells left stale
that the waves before did not run last, so a run settles in two or three."""

_GRAPH_ERROR_TYPES = {
    "syntax": "SyntaxError",
    "multiple_definitions": "MultipleDefinitionError",
    "cycle": "CycleError",
    "star_import": "StarImportError",
}


class CellObserver(Protocol):
    """Told as each cell of a run starts and ends (a progress bar, a kernel's display)."""

    def started(self, cell: CellId) -> None: ...

    def finished(self, cell: CellId, outcome: str) -> None:
        """``outcome``: ``"ok"``, ``"error"``, ``"cancelled"`` or ``"refused"``."""


@dataclass
class Run:
    """What one run did. ``ran`` is in execution order; the rest are for a user interface."""

    ran: list[CellId] = field(default_factory=list)
    errors: dict[CellId, CellError] = field(default_factory=dict)
    stale: list[CellId] = field(default_factory=list)
    cancelled: list[CellId] = field(default_factory=list)
    unpulled: list[CellId] = field(default_factory=list)
    """``alone=True``: the upstream cells a reactive run would have run first."""
    interrupted: bool = False
    left_over: list[CellId] = field(default_factory=list)
    """An interrupted run's cells that were planned but did not run."""

    @property
    def ok(self) -> bool:
        return not self.errors and not self.cancelled and not self.interrupted


def graph_error(error: GraphError) -> CellError:
    kind = error.exception or _GRAPH_ERROR_TYPES.get(error.kind, "GraphError")
    return CellError(kind, error.message)


class Scheduler:
    def __init__(self, graph: DataflowGraph, session: Session) -> None:
        self._graph = graph
        self._session = session
        # Statuses decided so far, carried from run to run: a run or an edit forgets
        # only the cells it may have changed, so asking about a cell at the end of a
        # long chain does not decide its whole upstream again.
        self._known: StatusBoard | None = None
        self._reach_epoch = graph.reach_epoch  # see DataflowGraph.reach_epoch
        self._asked: frozenset[CellId] = frozenset()  # see run
        # Of those, the cells whose astray changes the run rebuilds after them (a reactive
        # run, not alone): see ``_changes_astray``.
        self._rebuilt_after: frozenset[CellId] = frozenset()
        # Cells cancelled, by the failed cell that cancelled them: when it runs without
        # error, their status may change whatever edges join them now (see ``_wave``).
        self._cancelled_by: dict[CellId, set[CellId]] = {}
        self._retired_users: set[CellId] = set()  # users of what cells retired mid-wave wrote
        # Of the cells a failure doomed in this wave, the names each reads that the failed
        # cell would have written and did not (see ``_cancelled_with``).
        self._missing: dict[CellId, set[str]] = {}
        # The cells the last run left stale, with why (their decisions): while still stale
        # for the same reason, no business of the next run's settle (see ``run``).
        self._left_stale: dict[CellId, Decision | None] = {}

    def board(self) -> StatusBoard:
        """The statuses now (a wave's own view is ``_wave_board``)."""
        self._forget_reach_changes()
        if self._known is None:
            self._known = StatusBoard(self._graph, self._session.records, self._session.ledger)
        return self._known

    def _wave_board(self, succeeded: set[CellId]) -> StatusBoard:
        """A board for the middle of a wave: the cells it ran without error are in sync;
        the rest is decided afresh (the carried board still holds the decisions from
        before the wave, even when no cell of it has succeeded yet)."""
        return StatusBoard(self._graph, self._session.records, self._session.ledger, succeeded)

    def forget_statuses(self, cells: Iterable[CellId] | None = None) -> set[CellId] | None:
        """The statuses of ``cells`` and their dependents (descendants, and readers of what
        they may change through an alias: ``DataflowGraph.dependents``) may have changed
        (``None``: any). Returns the cells whose decisions did change (those of ``cells``
        not decided before included), or ``None`` when that is not known (all forgotten)."""
        reached = self._forget_reach_changes()
        if cells is None or reached is None or self._known is None:
            self._known = None
            return None
        cells = set(cells)
        for astray in self._session.astray_cells:
            # Whether its change counts (``astray_now``) turns on where the cells sit, which
            # its own decision does not show: what asked about it is decided again.
            cells |= self._known.resting_on(astray)
        return reached | self._forget({c for c in cells if c in self._graph})

    def _forget(self, cells: set[CellId]) -> set[CellId]:
        """Decide ``cells`` again, and each cell whose decision rests on one whose decision
        changed, in turn. A decision rests on the cell's record, the ledger's versions of
        what it reads and writes (whoever changes those passes the cell here), and the
        decisions of the writers it asked about (``StatusBoard.resting_on``). Early cutoff:
        a new cell at the end that binds `x` again changes the decision of no reader of the
        `x` above; forgetting every dependent of the writer it displaces decided them all
        again after every execution (the cells between a notebook's many `a = ...`)."""
        board, graph = self._known, self._graph
        assert board is not None
        old: dict[CellId, Decision | None] = {}
        heap: list[tuple[int, CellId]] = []

        def drop(found: set[CellId]) -> None:
            for cell, decided in board.forget({c for c in found if c not in old}).items():
                if cell not in old and cell in graph:
                    old[cell] = decided
                    heapq.heappush(heap, (graph.rank(cell), cell))

        drop(cells | self._past_failures(cells))
        changed: set[CellId] = set()
        while heap:
            _, cell = heapq.heappop(heap)
            if old[cell] is None:
                # Undecided, so nothing decided since rests on it (deciding a cell decides
                # the writers it asks about first): it is decided when asked (a decision
                # new all the same). A cell added and run at once (every execution of a
                # new cell in the kernel) would otherwise be decided before its run for no
                # one.
                changed.add(cell)
                continue
            board.status(cell)  # decided after the cells above it that it rests on
            if board.decision(cell) != old[cell]:
                changed.add(cell)
                drop(board.resting_on(cell))
        return changed

    def _past_failures(self, cells: set[CellId]) -> set[CellId]:
        """The readers whose decisions rest on ``cells`` past a writer below them that
        failed before writing what they read: for those, a run-all's value is the one from
        the writers above the failed cell (``writes_reaching`` looks past it), which the
        graph's edges, from the failed cell, do not show."""
        graph, records = self._graph, self._session.records
        found: set[CellId] = set()
        for cell in cells:
            rank = graph.rank(cell)
            for name in graph.expanded(cell).writes:
                for failed in graph.writers(name):
                    record = records[failed]
                    if (
                        record.error is None
                        or record.dirty
                        or failed in cells
                        or graph.rank(failed) <= rank
                        or record.writes_of(name)
                    ):
                        continue
                    found.update(
                        child for child, names in graph.children(failed).items() if name in names
                    )
        return found | graph.dependents(found) if found else found

    def _forget_reach_changes(self) -> set[CellId] | None:
        """Forget what rests on whom some cell may change in place (``changers``): all of it
        when sharing changed (``reach_epoch``), else the statuses of the cells whose
        ``alters`` changed, of the readers below them of what they may reach, and of their
        dependents (``DataflowGraph.take_reach_changes``). In a numpy notebook most first
        runs change ``alters`` (``np.sum(a)`` may change ``a``): a fresh board each time
        decided every cell again after every execution in the kernel. Also the cells whose
        reads or writes another cell's change widened (``take_reexpanded``: `def f()`
        added below a caller of ``f``), which ``users_resting_on`` leaves to this."""
        graph = self._graph
        if self._reach_epoch == graph.reach_epoch and not graph.reach_changes_pending:
            return None if self._known is None else set()
        resting = graph.take_reach_changes() | graph.take_reexpanded()
        if self._reach_epoch != graph.reach_epoch:
            self._reach_epoch = graph.reach_epoch
            self._known = None
        if self._known is None:
            return None
        return self._forget(resting) if resting else set()

    def users_of(self, names: Iterable[str]) -> set[CellId]:
        """Cells whose status rests on the versions of ``names``: readers and writers."""
        return self._graph.users(names)

    def run(
        self,
        targets: Iterable[CellId],
        mode: Mode,
        *,
        alone: bool = False,
        observer: CellObserver | None = None,
        settle: bool | None = None,
        asked: bool = False,
    ) -> Run:
        """Run ``targets`` (pulled, pushed as ``mode`` says), then settle.

        ``settle`` (default: in reactive mode, unless ``alone``): run again, wave
        after wave, the cells this run left stale that running can bring up to
        date, until none is left: a name an edited cell no longer writes restored
        from the writer that reaches now, a part store it dropped rebuilt from the
        binder. In lazy mode only ``run_stale`` settles, over every stale cell.
        """
        graph = self._graph
        targets = list(dict.fromkeys(targets))
        if settle is None:
            settle = mode is Mode.REACTIVE and not alone
        run = Run()
        concerned = _Concerned()  # cells whose status the run may have changed
        moved: set[CellId] = set()  # of those, the cells whose decisions rest on its doings
        wave = targets
        replayed = False
        # Left stale by an earlier request (a run alone, a lazy run), for the same reason
        # still: settled only if this run changes their decisions or runs them.
        stale_before = self._stale_as_left() if settle else set()
        # Cells the user asked for by name run even where a failure above leaves them
        # reading an old value (Jupyter's Shift+Enter); cells reflow adds are cancelled.
        self._asked = frozenset(targets) if asked or alone else frozenset()
        self._rebuilt_after = (
            self._asked if mode is Mode.REACTIVE and not alone and settle else frozenset()
        )
        for _ in range(_SETTLE_WAVES):
            self._wave(wave, mode, alone, observer, run, concerned, moved)
            self._asked = self._rebuilt_after = frozenset()
            if not settle or run.interrupted:
                break
            spent = {c for c, n in Counter(run.ran).items() if n > 1}
            left = stale_before - moved  # (not this run's business: ``_stale_as_left``)
            wave = self._unsettled(concerned, spent, roots_only=mode is Mode.REACTIVE, left=left)
            if not wave and not replayed:
                # Cells left stale after two runs each: their inputs pass through aliases
                # that one cell at a time cannot put in order (`c = [a]`, then `c[0][k] =
                # ...`, then `c = [d]` below). Replay the stretch of the notebook they
                # span, from the binders of what they read, in order, as a run-all would.
                replayed = True
                wave = self._replay(self._unsettled(concerned, set(), roots_only=False, left=left))
            if not wave:
                break
        after = self.board()
        stale = after.stale()  # (see ``_unsettled``)
        self._left_stale = {c: after.decision(c) for c in stale}
        affected = concerned.cells | set(run.ran) | set(run.left_over)
        if any(c not in affected for c in stale):
            affected |= concerned.covering(graph, stale) | graph.dependents(run.ran)
        run.stale = [c for c in stale if c in affected]
        return run

    def _stale_as_left(self) -> set[CellId]:
        """The cells stale now that the last run left stale for the same reason, with none
        stale anew or for another reason upstream of them: nothing since (an edit, a move,
        an added binder) changed why (``_left_stale``). (`s = str(pt)` still "reads `pt`
        from a stale cell" once `P = 3` is added above `pt = P`: its cause can run now.)"""
        if not self._left_stale:
            return set()  # (asking would decide now what the run decides again after)
        board, graph = self.board(), self._graph
        stale = board.stale()
        kept = {
            cell
            for cell in stale
            if cell in self._left_stale and board.decision(cell) == self._left_stale[cell]
        }
        anew = set(stale) - kept
        return kept - graph.dependents(anew) if anew and kept else kept

    def _wave(
        self,
        targets: list[CellId],
        mode: Mode,
        alone: bool,
        observer: CellObserver | None,
        run: Run,
        concerned: _Concerned,
        moved: set[CellId],
    ) -> list[CellId]:
        """One wave of a run, folded into ``run``; returns the cells it ran. ``concerned``
        gains the cells whose status it may have changed, ``moved`` those of them whose
        decisions rest on what it did (see ``run``)."""
        graph = self._graph
        before = self.board()
        written = self._session.ledger.watch()
        touched: set[CellId] = set()  # cells whose record or effects the run may change
        counted: set[str] = set()  # names whose readers and writers are in ``touched``
        resting: set[CellId] = set()  # of ``touched``, those whose decisions may differ now
        try:
            wave = self._run(targets, mode, alone, observer, before, touched, counted, resting)
        except BaseException:
            self.forget_statuses()
            raise
        finally:
            self._session.ledger.unwatch(written)
        # What the run wrote, and the writes the cells it ran had and have now.
        for cell in wave.ran:
            written |= graph.expanded(cell).writes
        unforeseen = self.users_of(written - counted)
        changed = self.forget_statuses(resting | unforeseen)
        concerned.forgot(touched | unforeseen)
        # The cells it ran and those whose decisions changed (not known: any of those
        # concerned may have, their dependents included).
        if changed is None:
            changed = concerned.covering(graph, None)
        moved |= set(wave.ran) | unforeseen | changed
        for cell in wave.ran:
            if cell not in wave.errors:  # a cause fixed: what it cancelled may run now
                freed = {c for c in self._cancelled_by.pop(cell, ()) if c in graph}
                concerned.cells |= freed
                moved |= freed
        run.ran += wave.ran
        run.errors.update(wave.errors)
        run.cancelled += [c for c in wave.cancelled if c not in run.cancelled]
        run.unpulled += wave.unpulled
        run.interrupted = wave.interrupted
        run.left_over = wave.left_over
        return wave.ran

    def _unsettled(
        self,
        concerned: _Concerned,
        spent: set[CellId],
        roots_only: bool,
        left: AbstractSet[CellId] = frozenset(),
    ) -> list[CellId]:
        """The stale cells among ``concerned`` that running can bring up to date, but for
        those ``left`` as an earlier request left them (``_stale_as_left``).

        Not a cell in ``spent`` (it ran twice in this run already: what leaves it
        stale is no input another run could fix), nor a reader left with no writer
        for a name it read (it would only fail with a NameError, or read a value only
        its own earlier run left: `x += 1` with no `x` above; it stays stale, its
        value kept), nor a cell that reads a name only cells below it bind (an
        out-of-order usage: a run-all fails there or reads another value, so running
        it again brings nothing up to date, and what it changes in place would make
        the binder below stale in turn), nor a cell downstream of either, stale or
        left (its input stays stale whatever it does: ``fixable`` has it so; run, it
        pulled the out-of-order cell, whose run displaced a value the first wave had
        restored, `y = 42` below `y = 10; Foo = 4` moved under `foo = Foo`, which ran
        twice), nor a cell ``stuck`` names, wherever the
        cell it waits on lies (in ``concerned`` or not): run, it pulled that writer,
        both stayed stale, and the next wave found it again. ``roots_only``: not the
        cells downstream of another such cell either; pushes reach those where their
        inputs change.
        """
        graph, board = self._graph, self.board()
        # The board keeps its stale cells, deciding only those forgotten since it was last
        # asked: after every execution, most of ``concerned`` (every user of a name the
        # cell wrote, `np` for a draw) is decided and fresh, and asking each cost more
        # than the run's own decisions.
        every_stale = board.stale()
        stale_now = set(every_stale) - left
        candidates = [
            c for c in concerned.covering(graph, stale_now) if c in stale_now and c not in spent
        ]
        if not candidates:
            return []
        hopeless = {
            c for c in every_stale if graph.out_of_order_usages(c) or self.orphaned(c, board)
        }
        below = graph.dependents(hopeless) if hopeless else set()
        stale = [c for c in candidates if c not in hopeless and c not in below]
        stuck = self.stuck(stale, board)
        stale = [c for c in stale if c not in stuck]
        if roots_only and len(stale) > 1:
            below = graph.dependents(stale)
            stale = [c for c in stale if c not in below]
        return sorted(stale, key=graph.rank)

    def _replay(self, stale: list[CellId]) -> list[CellId]:
        """Every cell that ran before, from the first binder of a name ``stale`` cells read
        to the last of them, in execution order."""
        if not stale:
            return []
        graph, ledger, records = self._graph, self._session.ledger, self._session.records
        ranks = [graph.rank(c) for c in stale]
        start, end = min(ranks), max(ranks)
        for cell in stale:
            for name in read_names(self._graph, cell):
                binder = ledger.bound_by(name)
                if binder is not None and binder in graph:
                    start = min(start, graph.rank(binder))
        order = graph.execution_order()
        # On to the last writer of every name the stretch writes: a replayed writer above
        # it would otherwise leave its value where a run-all leaves the last one's.
        scanned = start
        while scanned <= end:
            limit = end
            for cell in order[scanned : limit + 1]:
                for name in graph.expanded(cell).writes:
                    final = graph.final_writer(name)
                    if final is not None and final in graph:
                        end = max(end, graph.rank(final))
            scanned = limit + 1
        # (Not a cell whose last run changed an object through a name only a cell below
        # binds: a run-all fails there, and a run would make that change again.)
        return [
            c
            for c in order[start : end + 1]
            if records[c].has_run
            and not records[c].dirty
            and c not in graph.errors()
            and not astray_now(graph, records[c], c)
        ]

    def fixable(self, cells: list[CellId], board: StatusBoard) -> list[CellId]:
        """Of stale ``cells``, those a run can bring up to date: not a reader left with no
        writer for a name it read, nor one with an out-of-order usage (``_unsettled``),
        nor a cell downstream of either (its input stays stale whatever it does), nor one
        ``stuck``. Run, they ran and stayed stale, and the settle loop replayed what lies
        around them."""
        graph = self._graph
        stuck = {c for c in cells if self.orphaned(c, board) or graph.out_of_order_usages(c)}
        below = graph.dependents(stuck) if stuck else set()
        left = [c for c in cells if c not in stuck and c not in below]
        stuck = self.stuck(left, board)
        return [c for c in left if c not in stuck] if stuck else left

    def stuck(self, cells: Iterable[CellId], board: StatusBoard) -> set[CellId]:
        """Of ``cells``, the stale ones no run can bring up to date, whatever else runs
        (docs/semantics.md, step 5 "settle"; a run-all fails there or reads another value):

        - a reader of a name no cell defines any more (its binder edited away and not
          run, or deleted): run, it fails with a NameError or reads what an earlier run
          left, and stays stale;
        - a reader of a name whose writers above it only change in place an object a
          cell below binds (``_rests_below``: `x.append(2)` moved above `x = [1]`);
        - a reader waiting on a stale writer (``Expected.source``) stuck in turn: a run
          that pulls the writer leaves it stale, and the reader with it.

        Not a cell that only reads a name a cell below defines (an out-of-order usage):
        run after that binder, it reads what the binder left and may be up to date.
        Running stuck cells only ran them again wave after wave, each wave pulling the
        stuck writer anew, and the replay ran the stretch around them once more."""
        verdicts: dict[CellId, bool] = {}
        for cell in cells:
            self._decide_stuck(cell, board, verdicts)
        return {c for c in cells if verdicts[c]}

    def _decide_stuck(self, cell: CellId, board: StatusBoard, verdicts: dict[CellId, bool]) -> None:
        """Decide ``stuck`` for ``cell`` after the writers it waits on, with an explicit stack
        (a stale chain may be thousands of cells long); a writer still being decided (a
        cycle) counts as not stuck."""
        graph = self._graph
        stack = [cell]
        waits: dict[CellId, list[CellId]] = {}
        while stack:
            current = stack[-1]
            if current in verdicts:
                stack.pop()
                continue
            if current not in waits:
                if current not in graph or board.status(current) is not Status.STALE:
                    # A writer in error that would fail again: its readers wait for good.
                    verdicts[current] = current in graph and self._fails_again(current, board)
                    stack.pop()
                    continue
                sources = self._stuck_reads(current, board)
                if sources is None:  # (``Session.kept_astray`` among its reasons)
                    verdicts[current] = True
                    stack.pop()
                    continue
                waits[current] = sources
                pending = [s for s in sources if s not in verdicts and s not in waits]
                if pending:
                    stack.extend(pending)
                    continue
            stack.pop()
            verdicts[current] = any(verdicts.get(s, False) for s in waits[current])

    def _fails_again(self, cell: CellId, board: StatusBoard) -> bool:
        """Whether ``cell`` is in error and a run would change nothing of that: cancelled by
        a failure that still stands, refused by the graph, or failed on what a run-all gives
        it (``StatusBoard.settled``). A stale reader waiting on it (`a = eval('b + 0')`
        reading `a` from a cancelled `a += 0`) ran again each wave, and in the replay, and
        stayed stale (docs/semantics.md, "settle": the cells waiting on cells in error).
        Also a cell edited or never run that a run would cancel (``_failed_upstream``: a
        caller of what a failed cell above did not define): pulled for its reader, it was
        cancelled, and the reader with it."""
        status = board.status(cell)
        if status is Status.DIRTY or status is Status.NEVER_RUN:
            return self._failed_upstream(cell) is not None
        if status is not Status.ERROR:
            return False
        error = self._session.records[cell].error
        if cell in self._graph.errors() or error is None:
            return True  # (refused: a conflict only an edit resolves)
        if error.cause is not None:
            return self._cancelled_still(cell)
        return board.settled(cell)

    def _stuck_reads(self, cell: CellId, board: StatusBoard) -> list[CellId] | None:
        """``None`` when a name the cell reads leaves it stale whatever runs (no cell defines
        it any more, or its value rests on a cell below); else the writers its reads wait
        on (``Expected.source`` of a read not ``ok``)."""
        graph, record = self._graph, self._session.records[cell]
        sources: list[CellId] = []
        # A cell that may read any name saw every global: one no cell defines now leaves
        # it stale, and only a run tells whether it needs it (as ``orphaned`` has it).
        code_reads = read_names(graph, cell) if graph.expanded(cell).reads_all else None
        if self._session.kept_astray(cell):
            return None  # run, it binds again the object a change no run-all makes is in
        for name in record.analysis.reads_own_imports:
            if self._holds_store_below(cell, name, board) or board.imported_from_below(cell, name):
                return None  # its own import hands the store back (``StatusBoard``)
        for name in board.read_names(cell):
            if self._rests_below(cell, name) or self._holds_store_below(cell, name, board):
                return None
            if self._session.changes_from_below(cell, name):
                # Run, it changes in place what a binder from below bound (`foo.append(0)`
                # below `foo = Foo()` above `def Foo()`): a change no run-all makes, which
                # leaves the binder stale, and this cell with it (``pull`` does not run it).
                return None
            expected = board.expected(cell, name)
            if not expected.ok:
                source = expected.source
                if source is not None and source != cell:
                    if name in graph.out_of_order_usages(source) or self._session.kept_astray(
                        source
                    ):
                        # A writer that reads the name only cells below it bind: ``pull``
                        # never runs it for the name (`a += 0` added above `a += 0`), so
                        # the reader ran again each wave and in the replay, still stale.
                        # Or a binder that reads another name so (`lst = get()` above `def
                        # get()`), stale for a change no run-all makes in what it bound: run,
                        # it binds the same object, from below, again.
                        return None
                    sources.append(source)
            elif (
                expected.source is not None
                and expected.source != cell
                and board.read_from_below(cell, name, expected.source) is not None
            ):
                # What it read comes from a writer that reads a name only a cell below binds,
                # or from writers that only change in place what a cell below binds: run,
                # it stays stale (``StatusBoard.read_from_below``).
                return None
            elif (
                expected.source is not None
                and expected.source != cell
                and name in graph.out_of_order_usages(expected.source)
                and not _same(record.seen.get(Symbol(name)), expected.version)
            ):
                # Likewise in sync (it ran, reading the name from below: `b += 1` above `b
                # += 0` and `b = 0`): what it wrote is no longer there, and ``pull`` does
                # not run it again to write it.
                return None
            elif (
                expected.source is None
                and record.seen.get(Symbol(name))
                and all(writer == cell for writer in graph.writers(name))
                and (code_reads is None or name in code_reads)
            ):
                return None
        return sources

    def _rests_below(self, cell: CellId, name: str) -> bool:
        """Whether what the cell reads of ``name`` starts from a value only a cell below it
        makes (``DataflowGraph.rests_below``): a run-all fails at that writer; here the
        object is the binder's from below, a write the reader's status finds there
        (``StatusBoard._stray_write``) however often the writers above run again."""
        return self._graph.rests_below(cell, name)

    def _holds_store_below(self, cell: CellId, name: str, board: StatusBoard) -> bool:
        """Whether what the cell would read of ``name`` holds a store into a module that a
        cell below it made (``Version.into_module``: `json.Y = 3` below `getattr(json, 'Y',
        None)`), or that no cell makes now (``Version.orphaned``: `json.Y = 1` edited
        away), into a part no writer above it stores again, or a change stacked on its
        cell's own (``Version.stacked``: `lm.lst.append(1)` run twice), or a change in place
        of what the part holds that a cell below made (``Version.in_module``), where the cell
        reads what it holds (``replaced.only_changes``). A run-all reads the part
        before the store, or never has it; here an import gives the same module, holding
        the store, so no run of the cells above takes it out, except one storing that part
        again. (An orphaned store ran the import and its readers again and again, six and
        three times a request, each still stale.)"""
        session = self._session
        if not isinstance(session.namespace.get(name), types.ModuleType):
            return False  # (no other value holds such a store)
        paths = session.paths_read(cell, name)
        rank = self._graph.rank(cell)
        for symbol, version in session.ledger.writes_of(name):
            if not symbol.path or not overlaps(symbol.path, paths):
                continue
            if version.stacked and version.cell != cell:
                # A change stacked on its cell's own (``Version.stacked``): a run of that
                # cell stacks it again, and no run of the cells above undoes it.
                return True
            if (
                version.into_module
                and (version.cell is None or session.made_below(version, rank, at=False))
                and not self._stored_above(cell, name, symbol.path, board)
                and not (paths and session.stores_first(cell, name, paths))
            ):
                return True
            if (
                (version.in_module or version.stacked)
                and session.made_below(version, rank, at=False)
                and not board.only_changes(cell, name)
                and not self._stored_above(cell, name, symbol.path, board)
            ):
                return True  # (a change in place of what the module holds, as a store)
        return False

    def _stored_above(
        self, cell: CellId, name: str, part: tuple[PathPart, ...], board: StatusBoard
    ) -> bool:
        """Whether a writer above ``cell`` stores ``part`` of ``name`` itself (its own
        version, not one it holds by binding the name again), or may once it runs (one
        out of sync: what it stores then is not known)."""
        graph, records = self._graph, self._session.records
        paths = frozenset([part])
        chain = writes_reaching(graph, records, cell, name, paths, board.settled, board.settled)
        if chain.unsynced is not None:
            return True
        return any(
            symbol.path and version.cell == writer and overlaps(symbol.path, paths)
            for writer in chain.writers
            for symbol, version in records[writer].writes_of(name)
        )

    def orphaned(self, cell: CellId, board: StatusBoard) -> bool:
        """Whether the cell reads a name it saw bound that no cell defines for it now. Its
        code's reads only: a cell that may read any name (`globals()`) saw every global,
        and whether it needs one no cell defines now only a run tells (a run-all's fails
        there if it does), so such a name leaves it stale but runnable."""
        record = self._session.records[cell]
        expanded = self._graph.expanded(cell)
        for name in read_names(self._graph, cell):
            expected = board.expected(cell, name)
            if (
                expected.ok
                and expected.source is None
                and record.seen.get(Symbol(name))
                and name not in expanded.module_code  # (the module's state: an import gives it)
                # (Nor one its run was only seen to change through an alias: its code does
                # not name it, and its status does not wait on it, ``StatusBoard``.)
                and name not in expanded.alias_only
            ):
                return True
        return False

    def _run(
        self,
        targets: list[CellId],
        mode: Mode,
        alone: bool,
        observer: CellObserver | None,
        before: StatusBoard,
        touched: set[CellId],
        counted: set[str],
        resting: set[CellId],
    ) -> Run:
        graph, records = self._graph, self._session.records
        run = Run()
        pulled = self.pull(targets, before)
        retired: set[CellId] = set()
        if not alone and mode is Mode.REACTIVE:
            pulled |= self._restorers(targets, retired, touched, resting)
        wave = set(targets)
        if alone:
            run.unpulled = sorted(pulled, key=graph.position)
        else:
            wave |= pulled
            # What a target's readers will pull, found before the writers it pulled run
            # (``_pulled_ahead``: found when the target comes up, it is too late for them).
            # (Lazy mode pushes to no reader.)
            for target in targets if mode is Mode.REACTIVE else ():
                if target in graph:
                    ahead = self._pulled_ahead(target, wave, set(), None, set())
                    if ahead:
                        wave |= ahead | self.pull(ahead, before)
            if mode is Mode.REACTIVE:
                errors = graph.errors()
                wave |= {c for c in self._session.blocked if c not in errors}
        # Lazy mode still runs what the asked-for cells need, but nothing past them.
        needed = graph.ancestors(targets) | set(targets) if mode is Mode.LAZY else None

        for cell in wave:
            if records[cell].dirty and cell not in retired:
                self._retire(cell, touched, resting)

        heap = [(graph.rank(c), c) for c in wave]
        heapq.heapify(heap)
        queued = set(wave)
        done: set[CellId] = set()
        # Cells to pull for again when they come up, whatever the wave wrote: a writer they
        # need may be placed after them (``late`` below).
        any_order = graph.direction is Direction.ANY_ORDER  # (in_order pulls only from above)
        recheck = self._before_raised(wave) if any_order else set()
        succeeded: set[CellId] = set()
        doomed: dict[CellId, CellId] = {}  # cell -> the failed cell it depends on
        self._missing = {}
        relayed: set[CellId] = set()  # of those, the ones doomed only by a cancelled cell
        wave_wrote: set[str] = set()
        again: set[CellId] = set()  # cells this wave runs a second time

        def run_again(cell: CellId) -> None:
            done.discard(cell)
            succeeded.discard(cell)
            again.add(cell)
            heapq.heappush(heap, (graph.rank(cell), cell))

        first: list[CellId] = []  # writers to run before the heap's next cell, last first
        try:
            while heap or first:
                cell = first.pop() if first else heapq.heappop(heap)[1]
                if cell in done:
                    continue
                if (
                    not alone
                    and cell not in doomed
                    and (cell in recheck or wave_wrote & read_names(self._graph, cell))
                ):
                    # Cells this wave ran wrote what it needs: a writer it reads from may
                    # have lost its value since the plan was made (`i = 3` run again
                    # above `i = 1`, both above `i += 9`): pull again.
                    # A writer this wave ran already runs again (once) when a cell pulled
                    # after it, above it, wrote over its value (`a = vars(b)` run, then `c =
                    # [a]` pulled with the `a = {...}` it reads from). Not for a cell a
                    # failure cancels: it does not run.
                    pulled = self.pull([cell], self._wave_board(succeeded))
                    due = {
                        w
                        for w in pulled
                        if w not in queued or (w in succeeded and w not in again and w != cell)
                    }
                    # any_order: a writer the wave runs after the cell (placed there by a
                    # run that raised, and so told nothing of what it changes) that it
                    # needs first runs first (`m.multiply(a, 2, out=a)` once `m = np` is
                    # bound, before `s = a.sum()`): run after it, it made the cell run twice.
                    rank = graph.rank(cell)
                    late = (
                        [w for w in pulled if w not in done and graph.rank(w) > rank]
                        if any_order
                        else []
                    )
                    if due or late:
                        for writer in due:
                            queued.add(writer)
                            if writer in done:
                                run_again(writer)
                            else:
                                heapq.heappush(heap, (graph.rank(writer), writer))
                        queued.update(late)
                        first.extend(sorted(late, key=graph.rank, reverse=True))
                        heapq.heappush(heap, (graph.rank(cell), cell))
                        continue
                if not alone and cell not in doomed:
                    ahead = self._pulled_ahead(cell, queued, done, needed, succeeded)
                    if ahead:
                        for writer in ahead:
                            queued.add(writer)
                            heapq.heappush(heap, (graph.rank(writer), writer))
                        heapq.heappush(heap, (graph.rank(cell), cell))
                        continue
                done.add(cell)
                writes = graph.expanded(cell).writes  # before it runs
                touched |= self.users_of(writes)
                counted |= writes
                wave_wrote |= writes
                # Of those, the cells whose decisions may rest on what this cell writes: a
                # user above it looks no further than the writers above itself, unless it
                # is the last writer of a name, or the ledger's binding of it changed
                # (``_rebound``).
                finals = {name: graph.final_writer(name) for name in writes}
                bindings = self._bindings(cell, writes)
                readers = graph.children(cell)  # (its run may move them: ``_moved_readers``)
                astray = records[cell].astray
                try:
                    changed = self._run_one(cell, run, doomed, relayed, observer)
                finally:
                    resting |= graph.users_resting_on(cell, writes, finals)
                    resting |= self._rebound(cell, bindings)
                    if self._session.marked:
                        # Names holding a change no run undoes (``Session.marked``).
                        resting |= self.users_of(self._session.marked)
                        self._session.marked.clear()
                    if cell in records and records[cell].astray != astray:
                        # Whether readers wait on it as a changer (``writes_reaching``): the
                        # decisions that asked about it.
                        resting |= self.board().resting_on(cell)
                    # What its run was seen to write that its code did not say (`f(b)`
                    # changing `b`): how the ledger stood before is not known, so every
                    # user of it (another cell of the wave may count the name as its own).
                    if cell in graph:
                        resting |= self.users_of(graph.expanded(cell).writes - writes)
                if run.interrupted:
                    break
                if alone:
                    continue
                for follower in sorted(doomed.keys() - done - queued, key=graph.rank):
                    # Cancelled by this cell's failure: they enter the wave to say so.
                    if (needed is None or follower in needed) and records[follower].ever_planned:
                        queued.add(follower)
                        heapq.heappush(heap, (graph.rank(follower), follower))
                if changed is None:
                    continue
                if cell not in run.errors:
                    succeeded.add(cell)
                order_before = graph.rank(cell)
                rank = graph.rank(cell)
                for name in changed:
                    # A writer below that this wave ran already lost its value to this
                    # run (pulled late, for a cell below it): it runs again, once, so the
                    # cells after it see what a run-all leaves.
                    for writer in graph.writers(name):
                        if (
                            writer in succeeded
                            and writer not in again
                            and graph.rank(writer) > rank
                            and not records[writer].left_alone(name)  # (it had no value)
                            # (see ``astray_now`` below)
                            and not astray_now(graph, records[writer], writer)
                        ):
                            run_again(writer)
                board = self._wave_board(succeeded)  # what this wave ran is in sync
                followers = self._affected(cell, changed) | self._moved_readers(
                    cell, readers, board, queued, done
                )
                if cell in run.errors and not any_order:
                    # It raised before writing a name: a run-all hands its readers the
                    # value from above, which this wave may have changed (`df` built
                    # again above a failing `df['m'] = ...`): they run, as readers of a
                    # change do (those reading what it left from its own run, or from
                    # below, are doomed above).
                    left = writes - {symbol.name for symbol in records[cell].wrote}
                    followers |= self._readers_moved(cell, left)
                for follower in followers:
                    if (
                        cell in again
                        and follower in succeeded
                        and follower not in again
                        and graph.rank(follower) > rank
                        # (Not one whose run changed an object as no run-all does: run
                        # again, it would make that change again. See below.)
                        and not astray_now(graph, records[follower], follower)
                    ):
                        # A writer running again (it lost its value to a cell pulled late)
                        # changes what a reader it ran before saw: that reader runs again
                        # too, once, or the wave would leave it stale for the next one to
                        # find in the same order (`v = a['p']` between `a = ...` cells).
                        run_again(follower)
                        continue
                    if follower in done or follower in queued or follower in doomed:
                        continue
                    if needed is not None and follower not in needed:
                        continue
                    record = records[follower]
                    if record.dirty or not record.ever_planned:
                        continue  # never pushed into: an edit not run yet, or never planned
                    if astray_now(graph, record, follower):
                        # Its last run changed an object through a name only a cell below
                        # binds, a change no run-all makes, which this run may be undoing
                        # (`d.update(j=o.xs)` above `o = O(...)`, its `d` rebuilt): run
                        # again, it would make it again. Left stale, as an out-of-order
                        # usage is (docs/semantics.md, "In order and any order").
                        continue
                    if self._would_change_from_below(follower):
                        # Nor one whose run would make such a change (`foo.append(1)` below
                        # `foo = Foo()`, asked for above `class Foo`): it runs only when
                        # asked for by name, as ``pull`` has it. Pushed, it made the change,
                        # which left the binder stale: pulled again for the readers after.
                        continue
                    # A pushed cell reads what a run-all gives it only if the writers
                    # it reads from hold their values: pull those it needs too.
                    needs = self.pull([follower], board)
                    if needs and mode is Mode.REACTIVE:
                        # And what its readers will pull, found before those writers run
                        # (as for a target: found when it comes up, it is too late for
                        # them). `z = func` pushed, pulling `def func` above it, and its
                        # reader's pull a `def func` above that: run after the first, it
                        # ran it again.
                        ahead = self._pulled_ahead(
                            follower, queued | needs | {follower}, done, needed, succeeded
                        )
                        if ahead:
                            needs |= ahead | self.pull(ahead, board)
                    for cell_to_run in (follower, *needs):
                        if cell_to_run not in done and cell_to_run not in queued:
                            queued.add(cell_to_run)
                            heapq.heappush(heap, (graph.rank(cell_to_run), cell_to_run))
                    if any_order and needs:
                        follows = graph.rank(follower)
                        if any(graph.rank(w) > follows for w in needs):
                            recheck.add(follower)  # (``late``)
                if graph.rank(cell) != order_before:  # the run revealed new edges
                    heap = [(graph.rank(c), c) for _, c in heap]
                    heapq.heapify(heap)
        except KeyboardInterrupt:
            run.interrupted = True
        if run.interrupted:
            run.left_over = [c for _, c in heap if c not in done]
            for cell in run.left_over:
                records[cell].interrupted_before_run = True
        touched |= queued | done | self._retired_users
        resting |= queued | done | self._retired_users
        self._retired_users = set()
        return run

    def _retire(self, cell: CellId, touched: set[CellId], resting: set[CellId]) -> frozenset[str]:
        """Retire an edited cell's old code's leftovers (``Session.retire``); the names it
        unbound (its new code does not bind them: its run will not either)."""
        # The readers of what its old code wrote read another writer's value now
        # (`c = len(d)` edited away between `c = 1` and `c = c + 1`).
        users = self.users_of({s.name for s in self._session.records[cell].wrote})
        touched |= users
        resting |= users
        return self._session.retire(cell)

    def _restorers(
        self,
        targets: list[CellId],
        retired: set[CellId],
        touched: set[CellId],
        resting: set[CellId],
    ) -> set[CellId]:
        """Retire the edited ``targets`` (``retired`` gains them) before the wave runs; the
        writers above one of them that its retiring left stale, a name it unbound to
        restore, with what their runs pull, where one of those writes what it writes or
        reads, or reads what it writes. The settle ran such a writer after the target
        (`def h` edited to `d = 8` below `d = 4; def h(): ...`: `h` is restored from
        above), which then ran again, its write overwritten or its input changed; in the
        wave, the writer runs first, each once. Only when the edit dropped a binding, or
        left a part store its old code made as no cell's (`lst[x] += 1` edited to `x += 2`:
        `lst` is rebuilt from its binder, and `lst[x] += 1` above runs again, reading `x`
        before the target writes it)."""
        graph, records = self._graph, self._session.records
        disturbed: dict[CellId, frozenset[str]] = {}
        for cell in targets:
            if records[cell].dirty:
                retired.add(cell)
                names = self._retire(cell, touched, resting)
                dropped = {
                    s.name
                    for s, v in records[cell].wrote.items()
                    if s.path
                    and v.cell is None
                    and not v.deleted
                    and not v.into_module
                    and not v.drew
                }
                if names or dropped:
                    disturbed[cell] = names | dropped
        if not disturbed:
            return set()
        users = self.users_of(set().union(*disturbed.values()))
        self.forget_statuses(users)
        board = self.board()
        found: set[CellId] = set()
        for cell in disturbed:
            rank = graph.rank(cell)
            stale = [
                user
                for user in sorted(users, key=graph.rank)
                if user in graph
                and user not in targets
                and graph.rank(user) < rank
                and board.status(user) is Status.STALE
            ]
            # (As the settle has them: not one no run brings up to date; and what their
            # runs pull, `a += 3` restored from the binder above.)
            ahead = set(self.fixable(stale, board)) if stale else set()
            ahead |= self.pull(ahead, board) if ahead else set()
            if any(self._meets(cell, c) for c in ahead):
                found |= ahead
            if ahead:
                # And what the readers below the cell of what those writers restore will
                # pull once pushed (`c['k'] = len(b)` holding its own change of `c`, reading
                # the `b` restored: `c`'s binder above, which binds the `h` the cell binds).
                # Pulled only then, it ran after the cell, which ran again.
                later = self._pulled_by_readers_below(ahead, rank, targets, board)
                if any(self._meets(cell, c) for c in later):
                    found |= ahead | later | self.pull(later, board)
        return found - set(targets)

    def _meets(self, cell: CellId, writer: CellId) -> bool:
        """Whether ``writer`` writes what ``cell`` writes or reads, or reads what it writes:
        which of the two runs first changes what the other leaves or reads."""
        graph = self._graph
        writes = graph.expanded(cell).writes
        theirs = graph.expanded(writer).writes
        return (
            not writes.isdisjoint(theirs)
            or not read_names(graph, cell).isdisjoint(theirs)
            or not writes.isdisjoint(read_names(graph, writer))
        )

    def _pulled_by_readers_below(
        self, writers: set[CellId], rank: int, targets: list[CellId], board: StatusBoard
    ) -> set[CellId]:
        """The writers above rank ``rank`` that the readers below it of what ``writers``
        write pull, as things stand (``writers`` about to run)."""
        graph = self._graph
        readers = {
            reader
            for writer in writers
            for reader in graph.children(writer)
            if graph.rank(reader) > rank and reader not in targets
        }
        if not readers:
            return set()
        return {
            w
            for w in self.pull(readers, board)
            if graph.rank(w) < rank and w not in writers and w not in targets
        }

    def _before_raised(self, wave: Iterable[CellId]) -> set[CellId]:
        """any_order: the cells of ``wave`` placed before one of it whose last run raised.
        Its place comes from what that run changed, which tells nothing past the raise
        (``status.raised_unordered``): a reader placed before it may need it to run first
        (``late`` in ``_run``). Most waves hold no such cell."""
        graph, records = self._graph, self._session.records
        raised = [c for c in wave if _raised(records[c])]
        if not raised:
            return set()
        last = max(graph.rank(c) for c in raised)
        return {c for c in wave if graph.rank(c) < last}

    def _bindings(self, cell: CellId, names: Iterable[str]) -> dict[str, tuple[object, ...] | None]:
        """What the ledger says, before ``cell`` runs, of each name it writes that other
        cells' statuses look at (``_binding``), for ``_rebound`` to compare after the run.

        ``None`` for a name whose binder is ``cell`` or none and that no cell above it
        writes: whatever the run does to its binding, ``_rebound`` could name no cell
        ``users_resting_on`` does not (no binder but ``cell``, no writer above), so its
        writes are not read twice (the costly part, for every name an executed cell
        writes; most names: a first run, or a re-run of the only cell writing them).
        """
        graph, ledger = self._graph, self._session.ledger
        kept: dict[str, tuple[object, ...] | None] = {}
        for name in names:
            binder = ledger.bound_by(name)
            if (binder is None or binder == cell) and not graph.written_above(name, cell):
                kept[name] = None
            else:
                kept[name] = self._binding(cell, name)
        return kept

    def _binding(self, cell: CellId, name: str) -> tuple[object, ...]:
        """Who bound ``name`` last, which cell above the binder changed the object since,
        and the writes of cells other than ``cell`` it still holds (a binding, a deletion
        or a write of the whole ends the writes of parts before it)."""
        ledger = self._session.ledger
        return (
            ledger.bound_by(name),
            ledger.changed_above(name),
            tuple(v for _, v in ledger.writes_of(name) if v.cell != cell),
        )

    def _rebound(self, cell: CellId, bindings: dict[str, tuple[object, ...] | None]) -> set[CellId]:
        """The cells above ``cell`` whose decisions rest on a binding it changed (``bindings``:
        as they were before it ran): the binder (a binder's status looks at whether a cell
        above changed what it bound), and the writers of the name that were not in sync,
        whose writes may have been overwritten by cells above them, a story the new
        binding ends (``StatusBoard._stale_reason``). A writer in sync stays so: the
        ledger holds nothing of the cells above it that it did not before. A name not
        kept (``None``, see ``_bindings``) had no writer above: one there now (the run
        widened a cell above through a function it defined, or moved the order) is
        counted as if the binding changed, since how it stood is not known."""
        graph, records, known = self._graph, self._session.records, self._known
        found: set[CellId] = set()
        rank = graph.rank(cell) if cell in graph else len(graph)
        for name, before in bindings.items():
            if before is None:
                if not graph.written_above(name, cell):
                    continue
            elif self._binding(cell, name) == before:
                continue
            else:
                binder = before[0]
                if isinstance(binder, str) and binder in graph:
                    found.add(CellId(binder))
            for writer in graph.writers_above(name, rank):
                if known is None or writer in known.reasons or records[writer].error is not None:
                    found.add(writer)
        return found

    def pull(
        self, targets: Iterable[CellId], board: StatusBoard, running: CellId | None = None
    ) -> set[CellId]:
        """Upstream writers that must run first for ``targets`` to read what a run-all gives.

        A writer is pulled when it is out of sync (never run, edited, failed,
        stale), or when the namespace no longer holds the value it wrote (a
        cell below, or the reader itself, rebound or mutated the name since).
        A cell that changes an object in place needs the object as the cells
        above leave it, even where it reads only the binding: what its own last
        run did (``del d["k"]`` or an edit's old store) is undone by its writers
        running again, except stores it is about to overwrite (``x[1] = 5``).

        ``running``: a cell to run before ``targets`` (``_pulled_ahead``): a write of its
        that a target should read is the newest once it has run, whatever the namespace
        holds now.
        """
        graph, records, session = self._graph, self._session.records, self._session
        targets = set(targets)
        pulled: set[CellId] = set()
        hopeless: set[CellId] = set()  # stale writers no run brings up to date (see below)
        stack = list(targets)
        while stack:
            cell = stack.pop()
            checks: list[tuple[str, Paths, bool]] = [
                (name, session.paths_read(cell, name), False) for name in board.read_names(cell)
            ]
            checks += [(name, None, True) for name in self._changed_in_place(cell)]
            checks += [(name, None, True) for name in self._changed_unread(cell, board)]
            astray = self._changes_astray(cell) if cell in self._rebuilt_after else EMPTY
            for name, paths, in_place in checks:
                if name in astray:
                    continue
                # (A writer in error whose inputs are what they were is not run again
                # for its readers: its error is its result until its code or inputs
                # change, and it bound what it bound before raising.)
                chain = writes_reaching(
                    graph, records, cell, name, paths, board.settled, board.settled
                )
                if chain.unsynced is not None:
                    due = [chain.unsynced]
                elif (
                    chain.writers
                    # (Not where no writer above binds it: seen changed through another
                    # name only, and a run-all has no such name here. Its changers cannot
                    # bind it; the reader stays stale, ``orphaned``, and a changer this
                    # wave ran already does not run again for it.)
                    and chain.source is not None
                    and chain.source != running
                    and (
                        # (A write ``running`` makes in place is the newest once it has run,
                        # whatever it saw before: what it holds of a cell pulled and run
                        # since is no displaced write.)
                        (
                            chain.writers[0] != running
                            and self._displaced(cell, name, paths, chain.newest, in_place)
                        )
                        or (not in_place and self._holds_from_below(cell, name, paths, chain))
                        or (in_place and self._reshaped(cell, name, board))
                    )
                    # (Not where the value starts from a cell below, or holds a store
                    # into a module a cell below made: the writers would change that
                    # object again, and it would still hold the write from below; the
                    # reader stays stale, ``stuck``.)
                    and not self._rests_below(cell, name)
                    and not self._holds_store_below(cell, name, board)
                    # (Nor to replay draws no seed fixes: ``draws.undetermined_draws``.)
                    and not undetermined_draws(
                        name,
                        chain.newest.stamp if chain.newest is not None else -1,
                        session.ledger,
                        records,
                    )
                ):
                    due = chain.writers  # rebuild the value from its binder on
                else:
                    continue
                for writer in due:
                    if writer not in pulled and writer not in targets:
                        if self._cancelled_still(writer):
                            continue  # it cannot run: its cause still fails
                        if (
                            name in graph.out_of_order_usages(writer)
                            or astray_now(graph, records[writer], writer)
                            or session.changes_from_below(writer, name)
                        ):
                            # It changes `name` though only cells below bind it (`b.extend(a)`
                            # above `b = a`): a run-all fails there, and running it again
                            # would change an object above its binder (through an alias).
                            # Or its last run changed an object through another name only a
                            # cell below binds (`d.update(j=o.xs)` above `o = O(...)`): run
                            # again, it would make that change again. Or its run would
                            # change in place what a binder from below bound (`foo.append(0)`
                            # below `foo = Foo()` above `def Foo()`): astray once run, the
                            # binder stale for it, pulled in turn, and this cell run again.
                            continue
                        if writer in hopeless or self._reads_from_below(writer, board):
                            # Stale, reading a name only cells below bind: a run-all fails
                            # there, and run for its value, it would hand on one from below
                            # (a silent dependency, docs/semantics.md); the settle does not
                            # run it either (``_unsettled``). Nor the writers pulled for what
                            # rests on it, below. (`foo = Foo()` above `class Foo`, its
                            # changers stale with it: pulled for a reader of the `foo` a new
                            # `foo = Foo()` below binds, or for one of them edited and run,
                            # they ran, and the binder again for each changer after the
                            # first, as its change of the object is no run-all's.)
                            hopeless.add(writer)
                            continue
                        pulled.add(writer)
                        stack.append(writer)
        if hopeless and pulled:
            pulled -= graph.dependents(hopeless)
        return pulled

    def _changes_astray(self, cell: CellId) -> frozenset[str]:
        """For a cell asked for by name that reads a name only a cell below binds, bound
        now (it runs with it, as Shift+Enter does), the names its code may change in place:
        every change of that run is astray (``Session._changed_out_of_order``), and the
        binders of those names run again after it, for the readers below, to take it out.
        Their writers are not pulled before it: run before it too, they ran twice
        (`asdf.append(lst.append(x))` copied above `asdf = []`: `lst = ...` before it and
        after it). (Costs a lookup of its out-of-order usages, for the cells asked for.)"""
        if not self._bound_from_below(cell):
            return EMPTY
        expanded = self._graph.expanded(cell)
        return expanded.mutates | expanded.alters

    def _bound_from_below(self, cell: CellId) -> frozenset[str]:
        """The names ``cell`` reads that only a cell below binds (its out-of-order usages,
        most often none), bound now."""
        usages = self._graph.out_of_order_usages(cell)
        if not usages:
            return EMPTY
        namespace = self._session.namespace
        return frozenset(name for name in usages if name in namespace)

    def _read_from_below_hidden(self, cell: CellId) -> frozenset[str]:
        """The names to hide from a run of ``cell`` not asked for by name (a run-all's, a
        push): those it reads that only a cell below binds, bound now, where its code may
        change an object in place. A run-all fails there with a NameError, and so does
        this run, after what the cell's code did before the read, as a run-all's does.
        Run with them, the change it made was no run-all's (``Session.
        _changed_out_of_order``), and the binders of what it changed ran a second time
        in the run, to take it out for the readers below (`lst.extend([2, x])` above `x =
        lst[0] + 7`, once `x` was bound: `lst = [0, 1]` ran before it and after it). A
        cell asked for by name reads them, as Jupyter's Shift+Enter does; one that changes
        nothing in place shows what it read. Costs a lookup of the cell's out-of-order
        usages, most often none."""
        if cell in self._asked:
            return EMPTY
        bound = self._bound_from_below(cell)
        if not bound:
            return EMPTY
        expanded = self._graph.expanded(cell)
        return bound if expanded.mutates or expanded.alters else EMPTY

    def _would_change_from_below(self, cell: CellId) -> bool:
        """Whether a run of ``cell`` would change in place a value only a cell below makes
        (``Session.changes_from_below``), through a name its code changes. (Not one it was
        only seen to change through an alias, ``alias_only``: `d['p'] = 0` once `c = [b]`
        from below held `d` in `b`; its run changes `d`, whatever held it then.)"""
        session, expanded = self._session, self._graph.expanded(cell)
        return any(
            session.changes_from_below(cell, name)
            for name in expanded.mutates
            if name not in expanded.alias_only
        )

    def _reads_from_below(self, cell: CellId, board: StatusBoard) -> bool:
        """Whether ``cell`` is stale and reads a name only cells below it bind."""
        return bool(self._graph.out_of_order_usages(cell)) and (board.status(cell) is Status.STALE)

    def _holds_from_below(self, cell: CellId, name: str, paths: Paths, chain: Chain) -> bool:
        """Whether what the cell is about to hold of ``name`` (``Session.writes_held``)
        carries a write a cell at or below it made, after the binding the ``chain`` of its
        writers starts from and none of theirs: a write a run-all has not made there yet.
        The newest write (``_displaced``) does not show one hidden behind a newer write of
        another part, or passed over by a change of the instance's class
        (``Version.beside``), nor one in a part of a class it makes instances of that
        making them does not read."""
        writes = self._session.writes_held(cell, name, paths)
        if not writes:
            return False
        rank = self._graph.rank(cell)
        return any(
            version.stamp > chain.base
            and version not in chain.writes
            and not version.outside
            and self._session.made_below(version, rank, at=True)
            for version in writes
        )

    def _reshaped(self, cell: CellId, name: str, board: StatusBoard) -> bool:
        """Whether a part of ``name`` the cell stores into was made there by another write
        than a run-all's makes before it (``StatusBoard._reshaped``): the value is rebuilt
        from its binder first, as a store replaces what the part holds, not its shape."""
        records = self._session.records
        for symbol, shaper in shapes_seen(
            self._session.ledger, cell, records[cell].analysis
        ).items():
            if symbol.name != name:
                continue
            shape = shape_reaching(self._graph, records, cell, symbol, board.settled)
            if shape.unsynced is None and shape.shaper != shaper:
                return True
        return False

    def _cancelled_still(self, cell: CellId) -> bool:
        """Whether the cell was cancelled by a failure that still stands."""
        graph, records = self._graph, self._session.records
        error = records[cell].error
        if error is None or error.cause is None or records[cell].dirty:
            return False
        root = error.cause
        return root in graph and (
            root in graph.errors() or (records[root].error is not None and not records[root].dirty)
        )

    def _changed_in_place(self, cell: CellId) -> list[str]:
        """Names the cell mutates but reads only in part (read whole, they are checked as reads)."""
        expanded = self._graph.expanded(cell)
        return [name for name in expanded.path_reads if name in expanded.mutates]

    def _changed_unread(self, cell: CellId, board: StatusBoard) -> list[str]:
        """Names the cell may change in place without reading them, as far as its code tells
        before it runs (an edited cell's `b += [4]` may change `e`, which `e = b` made share
        `b`'s list), to check as a change in place (``pull``): those whose value holds a
        write no cell makes now (a deleted cell's, or this cell's old code's store or
        binding, which its retiring hands to no cell or removes: ``Session.retire``), and
        those bound to the very object of a name the cell may change (its run changes
        them, and so reads them, through the alias). Whichever cell ends up the last writer
        of such a name, this one or the writer above, would be stale after the run, and the
        writer above rebuilt the value after this cell, which then ran again; pulled, the
        writer runs first, once (the cell needs the object as the cells above leave it).
        Most cells read every name they may change: nothing to look at."""
        expanded = self._graph.expanded(cell)
        if not expanded.mutates:
            return []
        unread = expanded.mutates - expanded.path_reads.keys()
        if not unread:
            return []
        unread -= board.read_names(cell)
        ledger, record = self._session.ledger, self._session.records[cell]
        binds = record.analysis.defs if record.dirty else None  # (the new code's)

        def gone(symbol: Symbol, version: Version) -> bool:
            if version.deleted or version.into_module:
                return False
            if version.cell is None:
                return True
            # The edited cell's old store or binding, which its retiring takes out (its new
            # code does not bind the name): `d = K(a)` edited to `g.bump(9)`, `g = d` above.
            return (
                binds is not None
                and version.cell == cell
                and (bool(symbol.path) or symbol.name not in binds)
            )

        namespace = self._session.namespace
        changed = [
            value
            for value in (namespace.get(n) for n in expanded.may_change)
            if value is not None and not cannot_change(value)
        ]

        def shared(name: str) -> bool:
            # Bound to the very object of a name the cell may change (`b += [0]` in it, `e =
            # b` above and below it): its run changes it, and so reads it (an alias), from
            # whichever cell bound it last (the one below: the cell ran, then the cells
            # from the binder of `b` on, itself again).
            return name in namespace and any(namespace[name] is v for v in changed)

        return [
            name
            for name in unread
            if shared(name) or any(gone(s, v) for s, v in ledger.writes_of(name))
        ]

    def _displaced(
        self, cell: CellId, name: str, paths: Paths, expected: Version | None, in_place: bool
    ) -> bool:
        """Whether the ledger holds writes of ``name`` that a run-all would not have made by now.

        For a read, the newest write overlapping ``paths`` must be the one
        expected. For a change in place, every write since the expected one must
        be a store of the cell's own that it is about to redo.
        """
        ledger = self._session.ledger
        if not in_place:
            return not _same(expected, ledger.visible(name, paths))
        redone = _overwritten_parts(self._session.records[cell].analysis, name)
        since = expected.stamp if expected is not None else -1
        return any(
            version.stamp > since and not (version.cell == cell and symbol.path in redone)
            for symbol, version in ledger.writes_of(name)
        )

    def _run_one(
        self,
        cell: CellId,
        run: Run,
        doomed: dict[CellId, CellId],
        relayed: set[CellId],
        observer: CellObserver | None,
    ) -> frozenset[str] | None:
        """Run one cell of the wave; ``None`` when it did not run or raised."""
        graph, record = self._graph, self._session.records[cell]
        refused = graph.errors().get(cell)
        if refused is not None:
            record.blocked = True  # stale, not in error, once the conflict is gone
            self._session.blocked.add(cell)
            run.errors[cell] = graph_error(refused)
            self._doom(cell, doomed, relayed)
            if observer is not None:
                observer.finished(cell, "refused")
            return None
        cause = doomed.get(cell)
        if cell in self._asked:
            # Asked for by name, it runs past a failure that stood before, as Shift+Enter
            # does; so too past a cell this run cancelled (a caller of what a failed cell
            # did not define, pulled as a changer of what it reads): had an earlier run
            # cancelled that cell, it would run. Only a reader of what a cell this run
            # ran failed to write is cancelled.
            if cell in relayed:
                cause = None
        elif cause is None:
            cause = self._failed_upstream(cell)
        if cause is not None:
            record.error = CellError(
                "Cancelled", f"not run: cell [{cause}], which it depends on, failed", cause=cause
            )
            record.output = None
            run.cancelled.append(cell)
            self._cancelled_by.setdefault(cause, set()).add(cell)
            # Not run, it did not make the changes a run-all's run would: the cells that
            # may see them through an alias (it is one of ``graph.changers``) cannot run
            # either. (A cell that ran and raised did make its changes, and was seen to.)
            children = graph.children(cell)
            for dependent in self._cancelled_with(cell, self._missing.get(cell)):
                edge = children.get(dependent)
                if edge is not None and not edge & graph.expanded(dependent).refs:
                    continue  # joined only by `globals()`-style reads of every name above
                if dependent not in doomed:
                    doomed[dependent] = cause
                    relayed.add(dependent)
            if observer is not None:
                observer.finished(cell, "cancelled")
            return None
        if record.dirty:  # pulled in mid-wave: its old code's leftovers go now
            self._retired_users |= self.users_of({s.name for s in record.wrote})
            self._session.retire(cell)
        if observer is not None:
            observer.started(cell)
        outcome = self._session.run_cell(cell, hide=self._read_from_below_hidden(cell))
        run.ran.append(cell)
        error = outcome.execution.error
        if observer is not None:
            observer.finished(cell, "ok" if error is None else "error")
        if error is not None:
            run.errors[cell] = error
            run.interrupted = outcome.execution.interrupted
            if graph.direction is Direction.ANY_ORDER:
                self._doom(cell, doomed, relayed)  # marimo: every descendant of a failed cell
                return None
            # Jupyter's run-all goes on past the error: what the cell bound before it
            # raised is read as it is; a reader of what it would have written and did
            # not (the value left from an earlier run, or none) cannot run. (Where a
            # cell above wrote what the name holds, that is what a run-all hands on.)
            written = {s.name for s in record.wrote}
            for child, names in graph.children(cell).items():
                missing = names - written
                if not missing:
                    continue
                read = missing & graph.expanded(child).refs
                if any(self._held_from_below(cell, n) for n in read) or self._left_over(
                    cell, missing
                ):
                    doomed.setdefault(child, cell)
                    relayed.discard(child)
                    self._missing.setdefault(child, set()).update(read)
            return outcome.changed
        return outcome.changed

    def _held_from_below(self, failed: CellId, name: str) -> bool:
        """Whether ``name``, which the ``failed`` cell would have written and did not, holds
        what a run-all does not give a reader below it: no value, or what an earlier run of
        the failed cell (or of a cell below it) left. A value a cell above it wrote is the
        one a run-all hands on past the failure (`b[0] = 8` raising before its store, after
        a run of `b = [1, 2]` above: `b` is as the cells above leave it), and its reader
        runs; its status then tells whether that value is still a run-all's."""
        graph = self._graph
        version = self._session.ledger.visible(name)
        if version is None or version.deleted or version.cell is None:
            return True
        writer = version.cell
        return writer not in graph or graph.rank(writer) >= graph.rank(failed)

    def _left_over(self, failed: CellId, names: AbstractSet[str]) -> bool:
        """Whether one of ``names``, which the ``failed`` cell would have written and did
        not, holds what an earlier run of that cell left (bound or deleted): a run-all would
        show the value from above it, or none. A cell joined to the failed one only by
        reading every global (`globals()`, `exec`) sees the same namespace as in a run-all
        otherwise, and runs, as in Jupyter."""
        ledger = self._session.ledger
        for name in names:
            version = ledger.visible(name)
            if version is not None and version.cell == failed:
                return True
        return False

    def _cancelled_with(self, cell: CellId, missing: AbstractSet[str] | None) -> set[CellId]:
        """The cells a cancelled ``cell`` cancels: its ``dependents``, and for one that may
        change any global's object (`exec`, `globals()`), whose changes are not known before
        it runs, the cells that may see them (``seeing_changes_of``: not past a binder of
        the name read, unlike ``dependents``) and theirs: a run-all runs it before them.
        (A ``reads_all`` cell among these cancels its own in turn, when the wave reaches it.)

        ``missing``: the names it reads that a failed cell would have written and did not.
        Where it changes objects only through those, a run-all's run of it fails at that
        name and changes nothing (`c[0].q = d` once `c = [b]` above it failed): only its
        descendants, reading what it writes, are cancelled, not the readers below of what
        it would change (`c = [a]` binding `c` again, `n = [b]`). Cancelled with it, cells
        a run-all runs showed as cancelled."""
        graph = self._graph
        expanded = graph.expanded(cell)
        if missing and not expanded.reads_all and expanded.mutates <= missing:
            return graph.descendants([cell])
        found = graph.dependents([cell], dynamic=False)
        if graph.expanded(cell).reads_all:
            seeing = set(graph.seeing_changes_of(cell))
            found |= seeing | graph.dependents(seeing, dynamic=False)
        return found

    def _failed_upstream(self, cell: CellId) -> CellId | None:
        """The failed cell that keeps ``cell`` from running, as a run-all would: a writer
        it reads from failed before writing the name (in_order; in any_order, failed at
        all), or was cancelled by a failure that still stands. ``None``: it may run."""
        graph, records = self._graph, self._session.records
        errors = graph.errors()
        # (Only the names its code reads: `globals()` makes a cell read every name above,
        # and a run-all does not cancel it for every failure above.)
        for name in graph.expanded(cell).refs:
            writer = graph.reaching_writer(cell, name)
            if writer is None or writer == cell:
                continue
            error = records[writer].error
            if writer in errors and records[writer].blocked:
                return writer
            if error is None or records[writer].dirty:
                continue
            if error.cause is not None:
                if self._cancelled_still(writer):
                    return error.cause
                continue
            if graph.direction is Direction.ANY_ORDER:
                return writer
            if all(s.name != name for s in records[writer].wrote) and self._held_from_below(
                writer, name
            ):
                return writer
            if self._store_left_over(writer, cell, name):
                return writer
        # A cell before it that may change any global's object, cancelled by a failure that
        # still stands: what it changes in a run-all is not known (``_cancelled_with``).
        rank = graph.rank(cell)
        for changer in graph.dynamic_cells():
            if graph.rank(changer) >= rank:
                break
            cause = records[changer].error
            if (
                cause is not None
                and cause.cause is not None
                and self._cancelled_still(changer)
                and cell in graph.seeing_changes_of(changer)
            ):
                return cause.cause
        return None

    def _store_left_over(self, writer: CellId, cell: CellId, name: str) -> bool:
        """Whether the failed ``writer`` bound ``name`` and raised before a store into a
        part of a module that ``cell`` reads, where the module still holds what an earlier
        run stored there (`import json; json.Y = n` failing at `n`: the import binds the
        same module, which keeps the old `json.Y`). A run-all has no such store: ``cell`` is
        cancelled, as a reader of a name the failed run did not write is."""
        record = self._session.records[writer]
        paths = self._graph.expanded(cell).path_reads.get(name)  # (None: read whole)
        for mutation in record.analysis.mutations:
            if mutation.name != name or not mutation.path:
                continue
            part = mutation.path[:1]
            if paths is not None and not overlaps(part, paths):
                continue
            held = record.wrote.get(Symbol(name, part))
            if held is not None and held.into_module and held.stamp < record.run_stamp:
                return True  # (kept from an earlier run: this one did not get there)
        return False

    def _doom(self, failed: CellId, doomed: dict[CellId, CellId], relayed: set[CellId]) -> None:
        for cell in self._graph.descendants([failed]):
            doomed.setdefault(cell, failed)
            relayed.discard(cell)

    def _pulled_ahead(
        self,
        cell: CellId,
        queued: set[CellId],
        done: set[CellId],
        needed: set[CellId] | None,
        succeeded: set[CellId],
    ) -> set[CellId]:
        """Writers above ``cell``, not in the wave, that a reader of what it writes will pull
        once it pushes to that reader, where one of them writes a name ``cell`` writes too:
        they run before it, not after (docs/semantics.md, "Reactive and lazy": each cell at
        most once).

        `t = M + a` reads `a` from ``cell`` (`a = [10]`) and `M` from a writer above it
        (`M = [2]; a = [2]`) whose `M` the namespace no longer holds; or `b.q = d` reads
        `d` from ``cell`` (`d['p'] = 0`), and its object must be rebuilt from the binder
        above (`d = {...}`). Pushed once ``cell`` had run, the reader pulled that writer
        then, which wrote over what ``cell`` wrote: ``cell`` ran a second time. Asked
        before ``cell`` runs, whether or not its run will change what the reader reads (a
        cutoff leaves the writer run for nothing: time, not a stale cell)."""
        graph, records = self._graph, self._session.records
        rank = graph.rank(cell)
        writes = graph.expanded(cell).writes
        # (Not what a run asked for by name changes astray: the binders rebuild that after
        # it, for its readers, ``_changes_astray``.)
        astray = self._changes_astray(cell) if cell in self._rebuilt_after else EMPTY
        if astray:
            writes = writes - astray
        above = {
            writer
            for name in writes
            for writer in graph.writers_above(name, rank)
            if writer not in queued
        }
        board: StatusBoard | None = None
        in_sync: bool | None = None
        reads_same = False
        found: set[CellId] = set()
        for reader, names in sorted(graph.children(cell).items(), key=lambda e: graph.rank(e[0])):
            record = records[reader]
            if astray:
                names = names - astray
            if (
                not names
                or reader in done
                or record.dirty
                or not record.ever_planned
                or (needed is not None and reader not in needed)
                or not self._may_push(cell, record, names)
            ):
                continue  # (``_run`` pushes to none of these)
            # And, from a reader that holds in a name ``cell`` does not write its own
            # earlier change or one made below it (`lst[x] += 1` read `lst`), every writer
            # above ``cell`` its pull brings: the binder rebuilds the object, and its run
            # pushes the readers between, which pull ``cell``'s inputs again (`x += 1`
            # edited above `lst[x] += 1`, its `x = 0` pulled: `x = 0`, then `lst = [...]`,
            # then both again).
            rebuilds = self._holds_from_at_or_below(reader, writes)
            if not rebuilds and not above:
                continue
            if in_sync is None:
                wave_board = self._wave_board(succeeded)
                in_sync = wave_board.status(cell) is Status.FRESH
                reads_same = in_sync or self._reads_as_it_saw(cell, wave_board)
            saw = [record.seen.get(Symbol(n)) for n in names]
            own = all(v is not None and v.cell == cell for v in saw)
            if own and reads_same and all(v is not None and v.value is not None for v in saw):
                # ``cell`` reads what its last run read, and the reader saw values of its
                # that a run hands back equal (``Version.same_value``): run again (to
                # restore what a cell since wrote over, `x -= 2` below `x += 1`), it
                # pushes nothing to the reader, which pulls nothing. (Asked, `lst[x] += 1`
                # pulled `lst = [...]` and the cells between, which ran `x += 1` again.)
                continue
            # (Not so for a value with no fingerprint, a list or an instance: run again,
            # ``cell`` binds a new one, which pushes to the reader even where ``cell`` is
            # in sync. Taken as cut off, `foo = [k]` run below the `k = []` its stale
            # reader `x = foo, y` pulls ran first, then the binder, then itself again.)
            if board is None:
                # As the reader will pull once ``cell`` has run: ``cell`` in sync.
                board = self._wave_board(succeeded | {cell})
            pulled = self.pull([reader], board, running=cell)
            if rebuilds or not above.isdisjoint(pulled):
                found |= {w for w in pulled if w not in queued and graph.rank(w) < rank}
                if above and above <= found and not rebuilds:
                    break
        if above and not above <= found:
            # So too for the last writer below of a name ``cell`` writes, which its run
            # pushes to restore what a run-all leaves there (``_affected``): `x = foo.y +
            # 1` below an edited `x = 43`, pulling the binder of `foo` above, `x = 7`
            # too, ran the edited cell again after it.
            for name in sorted(writes):
                final = graph.final_writer(name)
                if (
                    final is None
                    or final in done
                    or graph.rank(final) <= rank
                    or records[final].dirty
                    or not records[final].ever_planned
                    or (needed is not None and final not in needed)
                ):
                    continue
                if board is None:
                    board = self._wave_board(succeeded | {cell})
                pulled = self.pull([final], board, running=cell)
                if not above.isdisjoint(pulled):
                    found |= {w for w in pulled if w not in queued and graph.rank(w) < rank}
        return found

    def _may_push(self, cell: CellId, reader: CellRecord, names: AbstractSet[str]) -> bool:
        """Whether a run of ``cell`` may push to ``reader`` through ``names``, as far as
        its last run tells: not where, of each name, it wrote only parts that the reader
        reads none of (`np.random.random(10)` draws into `np.random`, where `inds =
        np.argsort(x)` reads `np.argsort`): ``_affected`` will find the reader's parts
        unchanged. Its writers pulled ahead for it ran for nothing, and a writer above a
        cell the wave ran already ran that cell again after it (`x = np.random...`,
        drawing, below whose draw `y = np.random...` was asked for). An edited cell, or one
        not run, may write anything."""
        record = self._session.records[cell]
        if record.dirty or not record.has_run:
            return True
        for name in names:
            paths = reader.read_paths.get(name)
            writes = record.writes_of(name)
            if paths is None or not writes:
                return True
            if any(not symbol.path or overlaps(symbol.path, paths) for symbol, _ in writes):
                return True
        return False

    def _reads_as_it_saw(self, cell: CellId, board: StatusBoard) -> bool:
        """Whether every name ``cell`` reads is what its last run saw, as a run-all gives it
        there: a run again most likely writes what it wrote, even where its own write is
        no longer held (stale as "overwritten" by a cell above it run since, `x += 1`,
        binding an equal value)."""
        record = self._session.records[cell]
        if record.dirty or record.error is not None or not record.has_run:
            return False
        for name in board.read_names(cell):
            expected = board.expected(cell, name)
            if not expected.ok or not _same(record.seen.get(Symbol(name)), expected.version):
                return False
        return True

    def _holds_from_at_or_below(self, reader: CellId, skip: AbstractSet[str]) -> bool:
        """Whether a name ``reader`` reads, but for ``skip``, was changed last by the reader
        itself or a cell below it: a run-all has not made that change yet where it reads."""
        graph, ledger = self._graph, self._session.ledger
        rank = graph.rank(reader)
        for name in graph.refs(reader):
            if name in skip:
                continue
            last = ledger.visible(name)
            if (
                last is not None
                and last.cell is not None
                and last.cell in graph
                and graph.rank(last.cell) >= rank
            ):
                return True
        return False

    def _moved_readers(
        self,
        cell: CellId,
        readers: Edges,
        board: StatusBoard,
        queued: AbstractSet[CellId],
        done: AbstractSet[CellId],
    ) -> set[CellId]:
        """The cells that read a name from ``cell`` before it ran (``readers``) and, now that
        its run showed it leaves the name alone, read it from a writer above, whose value
        they have not seen: stale, for a push to run them in this wave. So too where that
        writer is still to run in this wave (``queued``, not ``done``): they run after it, in
        order. (Left to the settle, such a reader found the wave's writers run, the value it
        needs overwritten below, and pulled them all again: `np.sort(X, axis=1)` edited
        above another `np.sort` and a cell that raised on `X`.)

        A cell that may change what it is handed (`l, r = np.hsplit(grid, [2])`, never run)
        stands between the binder of `grid` and the readers below it; a wave that runs the
        binder pushes to the readers of the binder, not to those, and once the call is seen
        to leave `grid` alone they read from the binder: the next wave found them stale,
        and pulled the binder and every cell after it again."""
        graph = self._graph
        now = graph.children(cell) if cell in graph else {}
        if now is readers or now == readers:
            return set()
        records = self._session.records
        found: set[CellId] = set()
        waiting: dict[CellId, set[CellId]] = {}  # child -> writers to run before it
        for child, names in readers.items():
            moved = names - now.get(child, frozenset())
            if not moved or child not in graph or board.status(child) is not Status.STALE:
                continue  # (deciding it decides the writers ``expected`` asks about)
            seen = records[child].seen
            for name in moved:
                expected = board.expected(child, name)
                before = seen.get(Symbol(name))
                if not expected.ok:
                    if expected.source is not None:
                        waiting.setdefault(child, set()).add(expected.source)
                    continue
                if not (
                    before == expected.version
                    or (before is not None and before.same_value(expected.version))
                ):
                    found.add(child)
                    break
        for child, writers in waiting.items():
            if child not in found and any(
                (w in queued and w not in done) or w in found for w in writers
            ):
                found.add(child)
        return found

    def _readers_moved(self, cell: CellId, names: AbstractSet[str]) -> set[CellId]:
        """The cell's children whose value of one of ``names`` is not the one they read
        (early cutoff: an equal immutable value is no change)."""
        records, ledger = self._session.records, self._session.ledger
        found = set()
        for child, read in self._graph.children(cell).items():
            record = records[child]
            for name in read & names:
                before = record.seen.get(Symbol(name))
                now = ledger.current_for(name, record.read_paths.get(name))
                if before is None or not before.same_value(now):
                    found.add(child)
                    break
        return found

    def _affected(self, cell: CellId, changed: frozenset[str]) -> set[CellId]:
        graph, records, ledger = self._graph, self._session.records, self._session.ledger
        in_order = graph.direction is Direction.IN_ORDER
        found = self._readers_moved(cell, changed)
        for name in changed:
            # The writer whose value a run-all leaves in the name must write it last: past
            # a last writer whose last run left it alone, the one above (`x = -1` above
            # `for i in range(n): x = i` run with `n = 0`: it runs again, once).
            final = graph.final_writer(name)
            while final is not None and records[final].left_alone(name):
                final = graph.reaching_writer(final, name)
            while final is not None and final != cell:
                # (Unless the newest write is charged to it already: `y = x` below a change.)
                if ledger.visible(name) not in records[final].wrote.values():
                    found.add(final)
                # in_order: a last writer whose last run failed before writing the name
                # leaves, in a run-all too, the value of the writer above it, which runs
                # now, before it (`a = 0` above a failing `a = b + 0`); found later, by
                # the next wave, it ran after it, and the failing cell ran again.
                if not (in_order and records[final].failed_before(name)):
                    break
                final = graph.reaching_writer(final, name)
        return found


@dataclass
class _Concerned:
    """The cells whose status a run may have changed: those its waves forgot, and their
    dependents (``DataflowGraph.dependents``). The dependents are looked for only once a
    stale cell lies outside the cells forgotten: after most executions none does, and the
    dependents of every user of a name the cell wrote are most of a long notebook, walked
    again after every execution (its edges computed anew since the cell was added)."""

    cells: set[CellId] = field(default_factory=set)
    roots: set[CellId] = field(default_factory=set)
    """Of ``cells``, those whose dependents are not in ``cells`` yet."""

    def forgot(self, cells: set[CellId]) -> None:
        self.cells |= cells
        self.roots |= cells

    def covering(self, graph: DataflowGraph, stale: Collection[CellId] | None) -> set[CellId]:
        """``cells``, with the dependents of the roots if one of ``stale`` is not in it
        (``None``: whatever is stale)."""
        if self.roots and (stale is None or any(c not in self.cells for c in stale)):
            self.cells |= graph.dependents(self.roots)
            self.roots = set()
        return self.cells


def _raised(record: CellRecord) -> bool:
    """Whether the cell's last run, of its code now, raised (not cancelled: it ran)."""
    error = record.error
    return error is not None and error.cause is None and not record.dirty


def _same(expected: Version | None, current: Version | None) -> bool:
    return expected is current or (expected is not None and expected.same_value(current))


def _overwritten_parts(analysis: CellAnalysis, name: str) -> frozenset[tuple[PathPart, ...]]:
    """Parts of ``name`` the cell stores whole (``x[1] = v``, ``cfg.lr = v``): running it
    again replaces what its last run put there, whatever that was."""
    stores = (MutationKind.ITEM_STORE, MutationKind.ATTR_STORE)
    return frozenset(
        m.path
        for m in analysis.mutations
        if m.name == name and len(m.path) == 1 and m.kind in stores
    )
