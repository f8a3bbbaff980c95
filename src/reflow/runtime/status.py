"""Cell status, derived from versions: fresh, stale, dirty, error, never_run.

A cell is *in sync* when it ran its current code without error and, for
every name it reads, the version it saw is the one its reaching writers
produce now, those writers being in sync themselves; and when, as the writer
whose value a run-all leaves in a name, that value has not been overwritten
since by a cell that runs before it. Everything else a user interface shows
follows from that one recursive rule, so it is computed here and nowhere else.

Statuses are decided lazily, for the cells someone asks about and the
writers those depend on, with an explicit stack rather than recursion, so a
question about one cell of a 10,000-cell chain neither walks the whole
notebook when its upstream is already decided nor overflows Python's stack.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from reflow._types import CellId, Direction, Status
from reflow.analysis.effects import CellAnalysis, MutationKind, PathPart
from reflow.graph.graph import DataflowGraph
from reflow.runtime.draws import undetermined_draw, undetermined_draws
from reflow.runtime.records import CellRecord
from reflow.runtime.replaced import only_changes, stores_first
from reflow.runtime.versions import Paths, Symbol, Version, VersionLedger, overlaps


@dataclass(slots=True)
class Chain:
    """The writes of one name that a reader's parts overlap, walking up its writers.

    ``writers`` are those that wrote an overlapping part, nearest first, and
    ``writes`` those writes; ``newest`` the latest of them (what the reader should
    see) and ``source`` its writer; ``base`` the stamp of the binding (or deletion)
    where the walk ended (-1: none, or a change of the whole in place), which stands
    for every write before it.
    ``unsynced`` is the first writer on the way that is not in sync, where the walk
    stopped.
    """

    writers: list[CellId] = field(default_factory=list)
    writes: set[Version] = field(default_factory=set)
    base: int = -1
    newest: Version | None = None
    source: CellId | None = None
    unsynced: CellId | None = None


def writes_reaching(
    graph: DataflowGraph,
    records: Mapping[CellId, CellRecord],
    cell: CellId,
    name: str,
    paths: Paths,
    in_sync: Callable[[CellId], bool],
    settled: Callable[[CellId], bool] | None = None,
) -> Chain:
    """Walk up the writers of ``name`` from ``cell`` to the first that wrote all of it.

    A writer that changed only parts the reader does not read is passed by; one
    that ran and left the name alone too. ``settled`` (default ``in_sync``) says of a
    cell between the binder and the reader that may change the object without being
    its writer (``DataflowGraph.changers``) whether its last run still tells what it
    changes (``StatusBoard.settled``).
    """
    chain = Chain()
    writer = graph.reaching_writer(cell, name)
    through_alias = False
    # Parts a nearer writer stores: in a run-all its store comes after a farther writer's
    # store of the same part, whenever each last ran (`b['p'] = 2` run alone above a
    # `b['p'] = 0` that ran before it leaves 2, where a run-all leaves 0).
    stored: set[tuple[PathPart, ...]] = set()
    while writer is not None:
        if (
            name in records[writer].astray
            and astray_now(graph, records[writer], writer)
            and name not in graph.expanded(writer).binds
            and graph.reaching_writer(writer, name) is not None
            and not graph.rests_below(writer, name)
        ):
            # Its last run changed the object as no run-all does (`f(a)` above `def f`):
            # it changes nothing in one, and is not run again for a reader; the binder
            # above whose object it changed is stale (``VersionLedger.changed_above``).
            # (Where no writer above binds it, the value rests below: ``rests_below``.)
            writer = graph.reaching_writer(writer, name)
            continue
        if not in_sync(writer):
            if stores_elsewhere(graph, records, writer, name, paths):
                writer = graph.reaching_writer(writer, name)  # what it reruns, no reader sees
                continue
            chain.unsynced = writer
            return chain
        whole = False
        contributed = False
        parts = []
        for symbol, version in records[writer].writes_of(name):
            if symbol.path and (not overlaps(symbol.path, paths) or symbol.path in stored):
                continue
            contributed = True
            if symbol.path and not version.beside:  # (a class's change stores nothing)
                parts.append(symbol.path)
            chain.writes.add(version)
            if not symbol.path:
                whole = True
                if version.deleted or name in graph.expanded(writer).binds:
                    chain.base = version.stamp  # a new object: stores before it are gone
            if chain.newest is None or version.stamp > chain.newest.stamp:
                chain.newest, chain.source = version, writer
        stored.update(parts)
        if contributed:
            chain.writers.append(writer)
        if contributed and changed_through_alias_only(graph, writer, name):
            through_alias = True
        elif whole:
            unsynced = unsynced_store_above_import(graph, records, writer, name, paths, in_sync)
            if unsynced is not None:
                chain.unsynced = unsynced
                return chain
            break
        writer = graph.reaching_writer(writer, name)
    if writer is None and through_alias:
        # Seen changed through another name only (`a['p'] = 1` with `c = [a]`), and no
        # cell above binds it: a run-all has no such name there.
        chain.newest = chain.source = None
    # A cell that runs between the binder and the reader and may change the object
    # without being one of its writers (``DataflowGraph.changers``: `f(c[0])` after
    # `c = [d]`) is known to leave it alone only as far as its last run tells: once
    # what it reads has changed, a run-all may hand it other aliases, or another `f`.
    low = -1 if writer is None else graph.rank(writer)
    high = graph.rank(cell)
    if graph.direction is Direction.ANY_ORDER:
        for changer in graph.changers(name):
            rank = graph.rank(changer)
            if rank > high:
                if raised_unordered(graph, records, cell, changer) and inputs_moved(
                    graph, records, changer
                ):
                    chain.unsynced = changer
                    return chain
                continue
            if rank > low and changer != cell and not (settled or in_sync)(changer):
                chain.unsynced = changer
                return chain
        return chain
    unbound = writer is None and not graph.written_above(name, cell)
    for changer in graph.changers_between(name, low, high):
        if unbound and not graph.expanded(changer).reads_all:
            # No cell above writes the name (`import logging` deleted above two
            # `logging.info(z)`): a run-all reaches the reader with it unbound, and a
            # changer on the way (a call that may change the object) fails there too,
            # whatever its status. Waiting on one, the reader pulled it, and whatever it
            # pulled to read what a run-all gives it (`z`'s binders, again), only to fail.
            # (Not a cell that may bind any name, `exec`: only its run tells.)
            continue
        synced = (settled or in_sync)(changer)  # (asked either way: the decision rests on it)
        if astray_now(graph, records[changer], changer):
            # What it changed through a name only a cell below binds is no run-all's, which
            # fails there: it changes nothing in one, and it is not run again for a reader
            # (the objects it changed hold it, ``VersionLedger.changed_above``).
            continue
        if not synced:
            chain.unsynced = changer
            return chain
    return chain


def raised_unordered(
    graph: DataflowGraph, records: Mapping[CellId, CellRecord], cell: CellId, changer: CellId
) -> bool:
    """any_order: whether ``changer``, ordered after ``cell``, is placed there by a run that
    raised, which showed nothing of what it changes (`m.multiply(a, 2, out=a)` while `m` was
    unbound), and needs nothing ``cell`` writes: a run in dependency order goes by what its
    code may change, and may run it first. (A run that ended showed what it changes, and
    its place stands, docs/semantics.md.) Then its inputs having moved since
    (``inputs_moved``) leaves the reader stale. Seldom asked past the first test: few
    changers are in error."""
    record = records[changer]
    error = record.error
    return (
        changer != cell
        and error is not None
        and error.cause is None
        and not record.dirty
        and changer not in graph.descendants([cell])
    )


def stored_parts(analysis: CellAnalysis) -> list[Symbol]:
    """The parts one step below a name that the cell's code stores whole (`xs[1] = 5`,
    `d['k'] = v`, `o.a = v`): whatever they held, the store replaces it. Not of a name the
    cell binds (`o = C()` then `o.x = 1`): its own binding gives the object it stores into."""
    stores = (MutationKind.ITEM_STORE, MutationKind.ATTR_STORE)
    return list(
        dict.fromkeys(
            Symbol(m.name, m.path)
            for m in analysis.mutations
            if len(m.path) == 1 and m.kind in stores and m.name not in analysis.defs
        )
    )


@dataclass(frozen=True, slots=True)
class Shape:
    """What made a part there before a cell that stores into it, in a run-all: the write
    of a writer above that added (or removed) it, or ``None`` (it came with the object);
    ``unsynced``: a writer on the way whose last run does not tell (then ``shaper`` is
    not known)."""

    shaper: Version | None
    unsynced: CellId | None = None


def shape_reaching(
    graph: DataflowGraph,
    records: Mapping[CellId, CellRecord],
    cell: CellId,
    symbol: Symbol,
    in_sync: Callable[[CellId], bool],
) -> Shape:
    """Walk up the writers of ``symbol``'s name from ``cell`` to the nearest that added or
    removed the part (``Version.shaped``), past stores into it, which keep its shape, to
    the binding (or a change of the whole in place: its shape is not told part by part)."""
    name, part = symbol.name, symbol.path
    paths = frozenset([part])
    writer = graph.reaching_writer(cell, name)
    while writer is not None:
        if not in_sync(writer):
            if not stores_elsewhere(graph, records, writer, name, paths):
                return Shape(None, writer)
        else:
            for written, version in records[writer].writes_of(name):
                if not written.path:
                    return Shape(None)
                if written.path == part and version.shaped:
                    return Shape(version)
        writer = graph.reaching_writer(writer, name)
    return Shape(None)


def inputs_moved(
    graph: DataflowGraph, records: Mapping[CellId, CellRecord], changer: CellId
) -> bool:
    """Whether a name ``changer``'s last run read has another writer now than the value it
    read, or one that has not run its code, or wrote it since: told from the records of its
    writers alone, so that the reader asking (ordered before the changer) asks nothing of
    cells whose decisions may ask about it in turn."""
    for symbol, seen in records[changer].seen.items():
        writer = graph.reaching_writer(changer, symbol.name)
        if writer is None:
            if seen is not None and seen.cell in graph:
                return True
            continue
        record = records[writer]
        if record.dirty or not record.has_run or seen is None:
            return True
        if any(v.stamp > seen.stamp for _, v in record.writes_of(symbol.name)):
            return True
    return False


def binds_by_import(graph: DataflowGraph, writer: CellId, name: str) -> bool:
    """Whether ``writer`` binds ``name`` with an ``import``: to the module every import of
    it gives, holding every store made into it before, by any cell above."""
    return name in graph.effects(writer).analysis.imports


def unsynced_store_above_import(
    graph: DataflowGraph,
    records: Mapping[CellId, CellRecord],
    writer: CellId,
    name: str,
    paths: Paths,
    in_sync: Callable[[CellId], bool],
) -> CellId | None:
    """A cell above the import ``writer`` binding ``name`` that may store into the module
    (`json.Z = 1`, or `import json as js; js.Z = 1`, above `import json`) and whose last
    run does not tell what it stores (not run yet, edited, stale): an import undoes no
    store, so a reader below the import reads what that cell's run will store. A cell in
    sync there is none: the import's run took its stores as its own; nor is one that
    stores only parts the reader does not read (``stores_elsewhere``: `y =
    np.random.random(10)` moved above `import numpy as np` draws into `np.random`, nothing
    to `inds = np.argsort(x)` below the import)."""
    if not binds_by_import(graph, writer, name):
        return None
    above = graph.reaching_writer(writer, name)
    while above is not None:
        stores = name in graph.expanded(above).mutates or (
            name in graph.effects(above).analysis.stored_names
        )
        if (
            stores
            and not in_sync(above)
            and not stores_elsewhere(graph, records, above, name, paths)
        ):
            direct = [m.path for m in graph.effects(above).analysis.mutations if m.name == name]
            if not direct or any(overlaps(path, paths) for path in direct):
                return above
        above = graph.reaching_writer(above, name)
    return None


def stores_elsewhere(
    graph: DataflowGraph,
    records: Mapping[CellId, CellRecord],
    writer: CellId,
    name: str,
    paths: Paths,
) -> bool:
    """Whether whatever ``writer`` wrote and may write of ``name``, its code as it is now
    run on any inputs, is a direct store into parts a reader of ``paths`` (``None``: all
    of it) does not read: then its being out of sync (edited, stale, failed) is nothing to
    that reader.

    Its code stores only into parts one step below the name (``CellAnalysis.part_stores``:
    no call, deeper path or augmented assignment that could change an object another part
    holds too), calls no notebook code that could change more, and may change nothing
    else that could share the object; its last run wrote such parts only.

    Or the name is a module's, which a call changes only as a run sees it change (its
    generator drawn from or seeded, ``NotebookFunctions.expand``), and the writer's code,
    as it last ran, stores into it only so (or not at all): a draw (`y =
    np.random.random(10)`) writes `np.random`, nothing to a reader of `np.argsort`, and
    where no cell can seed the generator, nothing to any reader (``draws``: any state is
    as good as a run-all's). (It was, and the reader, stale "from" the drawing cell,
    pulled a writer above a cell the run had done, which ran that cell again.)
    """
    effects = graph.effects(writer)
    analysis = effects.analysis
    if analysis.dynamic or analysis.star_import:
        return False
    as_module = False
    if name not in analysis.part_stores:
        record = records[writer]
        as_module = (
            name not in analysis.mutated_names
            and record.has_run
            and not record.dirty
            and graph.is_module(name)
        )
        if not as_module:
            return False
    expanded = graph.expanded(writer)
    if (
        name in expanded.binds
        or name in expanded.deletes
        or (name in effects.observed_mutates and not as_module)
        or not expanded.alters <= {name}
    ):
        return False
    for mutation in analysis.mutations:
        if mutation.name == name and overlaps(mutation.path, paths):
            return False
    for symbol, version in records[writer].writes_of(name):
        # (A draw no cell can seed leaves a state as good as a run-all's, whatever was drawn
        # before: ``draws``.)
        if (not symbol.path or overlaps(symbol.path, paths)) and not (
            as_module and undetermined_draw(version, records)
        ):
            return False
    # A function or class of the notebook it calls (or an object carrying one) may
    # change the object in ways its summary does not tell part by part.
    return not any(
        ref in graph.effects(definer).functions
        for ref in expanded.refs
        for definer in graph.writers(ref)
    )


def read_names(graph: DataflowGraph, cell: CellId) -> set[str]:
    """The names whose versions a cell's run reads: its refs, and for a cell that may read
    any name (``exec``, ``globals()``), every name its parents write."""
    expanded = graph.expanded(cell)
    names = set(expanded.refs)
    if expanded.reads_all:
        for edge in graph.parents(cell).values():
            names.update(edge)
    return names


def astray_now(graph: DataflowGraph, record: CellRecord, cell: CellId) -> bool:
    """Whether the cell's last run changed objects as no run-all does (``CellRecord.astray``)
    and its code still reads out of order what made it so. A run that read a name only a
    cell below binds, once that binder is above it (moved, or the cell moved below it), is
    a writer as any: a run-all makes its change, its readers wait on it, and a run runs it
    again (`b.append(0)` moved below `b = d['k']` left the `b = d['k']` below fresh, where a
    run-all appends first). (A run whose change came from below otherwise, through a binder
    that reads from below, stays astray: ``Session._changed_out_of_order``.)"""
    if not record.astray:
        return False
    return not record.out_of_order or bool(graph.out_of_order_usages(cell))


def failing_reads(graph: DataflowGraph, record: CellRecord, cell: CellId) -> list[str]:
    """The names the cell's last run read, as its own code ran, that only a cell below
    binds (`x = lst[0]` above `lst = [1]`, `f(a)` above `def f`, `a += 0` above `a = 0`),
    sorted: a run-all fails there with a NameError, so what the cell bound and what it
    changed in place are no run-all's. Not what code it makes reads later (`g = (x * K
    for x in xs)`), nor a name its run read only as it bound it itself (``reads_own``),
    nor one it binds where its code does not say (`exec('a = 0')` then `a`: it may read
    its own binding, which a run-all makes too)."""
    if not record.out_of_order:
        return []
    analysis = graph.effects(cell).analysis
    unsaid = graph.expanded(cell).binds - analysis.defs
    usages = graph.out_of_order_usages(cell) - unsaid - record.reads_own
    return sorted(usages & (analysis.refs - analysis.closes_over))


def changed_through_alias_only(graph: DataflowGraph, writer: CellId, name: str) -> bool:
    """Whether ``writer`` neither binds ``name`` nor changes it in its own code, but was
    seen to change its object through another name: that says nothing of the binding."""
    effects = graph.effects(writer)
    return (
        name in effects.observed_mutates
        and name not in effects.analysis.mutated_names
        and name not in graph.expanded(writer).binds
    )


@dataclass(frozen=True, slots=True)
class Expected:
    """What a reader should have seen for a name, and from whom.

    ``ok`` is False when some writer on the way is not in sync (the value a
    run-all gives is not known yet); ``source`` is then that writer.
    """

    version: Version | None
    source: CellId | None
    ok: bool
    writers: tuple[CellId, ...] = ()
    """The writers above whose writes of the parts read make up what a run-all gives."""
    writes: frozenset[Version] = frozenset()
    """Those writes, from a write of the whole at stamp ``base`` (-1: none) on."""
    base: int = -1


Decision = tuple[Status, bool | None, bool | None, str | None]
"""A cell's status, whether it is in sync, whether (in error) it is settled, its reason."""


class StatusBoard:
    """Statuses and stale reasons for one state of the notebook, decided on demand.

    A board is a snapshot: after anything runs or changes, build a new one, or
    keep it and ``forget`` every cell whose decision may now differ. ``trusted``
    cells are taken to be in sync without a look (the scheduler passes the cells
    that already ran successfully in the current wave).
    """

    def __init__(
        self,
        graph: DataflowGraph,
        records: dict[CellId, CellRecord],
        ledger: VersionLedger,
        trusted: frozenset[CellId] | set[CellId] = frozenset(),
    ) -> None:
        self._graph = graph
        self._records = records
        self._ledger = ledger
        self._errors = graph.errors()
        self._trusted = trusted
        self._sync: dict[CellId, bool] = {}
        self._settled: dict[CellId, bool] = {}  # cells in error whose inputs are current
        self._status: dict[CellId, Status] = {}
        self.reasons: dict[CellId, str] = {}
        # For ``stale``, asked after every execution: the cells decided stale, and those
        # not classified since this board was made or forgot them (None: all of them).
        self._stale: set[CellId] = set()
        self._unclassified: set[CellId] | None = None
        # Cancelled cells by the failed cell that cancelled them: their status rests on
        # its status, whatever edges join them now.
        self._cancelled_by: dict[CellId, set[CellId]] = {}
        # The cells whose decisions asked about each writer's (``_consult``), and the cell
        # being decided: what a change of a decision reaches (``Scheduler._forget``).
        self._consulted_by: dict[CellId, set[CellId]] = {}
        self._deciding: CellId | None = None

    def forget(self, cells: set[CellId]) -> dict[CellId, Decision | None]:
        """Drop the decisions about ``cells``, keeping the rest for the state now; what
        was decided of each cell forgotten (with the cells cancelled by them).

        Sound only when ``cells`` holds every cell whose record, reads, writes or
        upstream changed since this board decided: a decision rests on the cell's
        record, the writers it reads from (its ancestors) and the ledger's versions
        of the names it reads and writes. The caller (the scheduler) knows which.
        In place, and O(len(cells)): a run at the end of a long chain must not pay
        for the whole notebook.
        """
        if self._trusted:
            raise ValueError("a board with trusted cells decides for its wave only")
        self._errors = self._graph.errors()  # the graph's own answer, cached there
        cells = cells | {c for cause in cells for c in self._cancelled_by.pop(cause, ())}
        old = {}
        for cell in cells:
            old[cell] = self.decision(cell)
            self._status.pop(cell, None)
            self._sync.pop(cell, None)
            self._settled.pop(cell, None)
            self.reasons.pop(cell, None)
        self._stale -= cells
        if self._unclassified is not None:
            self._unclassified |= cells
        return old

    def status(self, cell: CellId) -> Status:
        self._decide_with_writers(cell)
        return self._status[cell]

    def decision(self, cell: CellId) -> Decision | None:
        """All the board has decided of ``cell`` that another cell's decision or a caller
        may read (None: undecided), to tell whether deciding it again changed anything."""
        status = self._status.get(cell)
        if status is None:
            return None
        return (status, self._sync.get(cell), self._settled.get(cell), self.reasons.get(cell))

    def in_sync(self, cell: CellId) -> bool:
        self._decide_with_writers(cell)
        return self._sync[cell]

    def settled(self, cell: CellId) -> bool:
        """In sync, or in error from a run that read what a run-all gives it now: either
        way its last run did what a run-all's would (a failing cell fails again)."""
        self._decide_with_writers(cell)
        return self._sync[cell] or self._settled.get(cell, False)

    def reason(self, cell: CellId) -> str | None:
        self._decide_with_writers(cell)
        return self.reasons.get(cell)

    @property
    def statuses(self) -> dict[CellId, Status]:
        """Every cell's status (decides them all)."""
        return {cell: self.status(cell) for cell in self._graph.cells}

    def stale(self) -> list[CellId]:
        """The stale cells, in notebook order. A decision stands until ``forget`` drops it,
        so only the cells forgotten since the last call are looked at again: a kernel
        with thousands of cells asks after every execution."""
        graph = self._graph
        unclassified = graph.cells if self._unclassified is None else self._unclassified
        for cell in unclassified:
            if cell in graph and self.status(cell) is Status.STALE:
                self._stale.add(cell)
        self._unclassified = set()
        return sorted((c for c in self._stale if c in graph), key=graph.position)

    def expected(self, cell: CellId, name: str) -> Expected:
        """What ``cell`` should have seen of ``name``, given the parts it read last time."""
        # in_order: a writer in error counts by what its failed run wrote, as long as it
        # read what a run-all gives it (``settled``): a run-all fails the same way and
        # goes on past it. any_order: a run in dependency order cancels every reader of a
        # cell that raised, so no value a failed writer left is one a reader that ran
        # can be in sync with (one that raised keeps its error as its result; a cell that
        # may change the object without writing it counts by its run: its failure
        # cancels no reader).
        strict = self._graph.direction is Direction.ANY_ORDER and self._records[cell].error is None
        chain = writes_reaching(
            self._graph,
            self._records,
            cell,
            name,
            self._records[cell].read_paths.get(name),
            self._consult_synced if strict else self._consult,
            self._consult,
        )
        if chain.unsynced is not None:
            return Expected(None, chain.unsynced, ok=False)
        newest = chain.newest
        version = None if newest is None or newest.deleted else newest
        return Expected(
            version,
            chain.source,
            ok=True,
            writers=tuple(chain.writers),
            writes=frozenset(chain.writes),
            base=chain.base,
        )

    def _consult(self, writer: CellId) -> bool:
        """Whether ``writer`` counts by its run (in sync, or settled in error), as the
        cell being decided asks: noted, since that decision rests on ``writer``'s."""
        deciding = self._deciding
        if deciding is not None:
            consumers = self._consulted_by.get(writer)
            if consumers is None:
                self._consulted_by[writer] = {deciding}
            else:
                consumers.add(deciding)
        return self._sync.get(writer, False) or self._settled.get(writer, False)

    def _consult_synced(self, writer: CellId) -> bool:
        """``_consult`` where a writer in error does not count by its run (``expected``)."""
        self._consult(writer)
        return self._sync.get(writer, False)

    def resting_on(self, cell: CellId) -> set[CellId]:
        """The cells whose decisions asked about ``cell``'s (``_consult``): the only ones a
        change of its decision may change, whatever edges join them."""
        return set(self._consulted_by.get(cell, ()))

    def read_names(self, cell: CellId) -> set[str]:
        """``read_names``, and for a cell that may read any name, also every name its last
        run saw: one no cell above writes now (its binder deleted, or moved below it) is
        no parent's, yet the run may have read it, where a run-all fails or reads another
        value. (Not in ``read_names`` itself: the names a run records come from there.)"""
        names = read_names(self._graph, cell)
        if self._graph.expanded(cell).reads_all:
            names.update(symbol.name for symbol in self._records[cell].seen)
        return names

    def _decide_with_writers(self, cell: CellId) -> None:
        """Decide ``cell`` after the writers its decision looks at, without recursion."""
        if cell in self._status:
            return
        stack = [cell]
        waiting: set[CellId] = set()
        while stack:
            current = stack[-1]
            if current in self._status:
                stack.pop()
                continue
            pending = [w for w in self._writers_consulted(current) if w not in self._status]
            if pending and current not in waiting:  # a cycle is decided with what is known
                waiting.add(current)
                stack.extend(pending)
                continue
            stack.pop()
            self._status[current] = self._decide(current)

    def _writers_consulted(self, cell: CellId) -> list[CellId]:
        """The writers whose sync ``expected`` will ask about for this cell's reads."""
        record = self._records[cell]
        if cell in self._trusted or cell in self._errors or record.dirty:
            return []  # (a cell in error is decided after its writers: see ``settled``)
        graph = self._graph
        found = []
        rank = graph.rank(cell)
        for name in self.read_names(cell):
            symbol = Symbol(name)
            writer = graph.reaching_writer(cell, name)
            while writer is not None:
                found.append(writer)
                if (
                    symbol in self._records[writer].wrote
                    and not changed_through_alias_only(graph, writer, name)
                    # (an import undoes no store: those above it, ``writes_reaching``)
                    and not binds_by_import(graph, writer, name)
                ):
                    break
                writer = graph.reaching_writer(writer, name)
            # Those writes_reaching asks about (it asks of those below the binder only;
            # in any_order, of those after the cell too, but ``inputs_moved`` asks no
            # decision).
            found += graph.changers_between(name, -1, rank)
        return found

    def _decide(self, cell: CellId) -> Status:
        before, self._deciding = self._deciding, cell
        try:
            return self._decide_now(cell)
        finally:
            self._deciding = before

    def _decide_now(self, cell: CellId) -> Status:
        record = self._records[cell]
        self._sync[cell] = False
        if cell in self._errors:
            return Status.ERROR
        if cell in self._trusted:
            self._sync[cell] = True
            return Status.FRESH
        if record.dirty:
            return Status.DIRTY
        cause = record.error.cause if record.error is not None else None
        if cause is not None:  # cancelled: it did not run, its record is an older run's
            self._cancelled_by.setdefault(cause, set()).add(cell)
            cause = self._first_cause(cell, cause)
            if cause is None:
                return Status.ERROR  # cancelled by cells cancelled in turn by it
            if cause not in self._graph or not self._fails(cause):
                gone = "was deleted" if cause not in self._graph else "no longer fails"
                self.reasons[cell] = f"cell [{cause}], whose failure cancelled it, {gone}"
                return Status.STALE
            return Status.ERROR
        if record.error is not None:  # raised
            reason = self._stale_reason(cell, record) if record.has_run else None
            if reason is not None:
                # It raised on inputs a run-all no longer gives it (a writer moved above
                # it, or run since): a run may go through, so its error says nothing of
                # a run-all's. Stale, for a reactive run or "run stale" to run it.
                self.reasons[cell] = f"its last run raised, and since: {reason}"
                return Status.STALE
            self._settled[cell] = record.has_run
            return Status.ERROR
        if not record.has_run and not (record.blocked or record.interrupted_before_run):
            return Status.NEVER_RUN
        reason = self._stale_reason(cell, record)
        if reason is not None:
            self.reasons[cell] = reason
            return Status.STALE
        self._sync[cell] = True
        return Status.FRESH

    def _draws_apart(self, name: str, seen: Version | None, expected: Version | None) -> bool:
        """Whether the value seen and the one expected differ only in a global generator's
        state that no cell can seed (``draws.undetermined_draws``): as good as equal."""
        if seen is None or expected is None:
            return False
        since = min(seen.stamp, expected.stamp)
        return undetermined_draws(name, since, self._ledger, self._records)

    def _stray_write(self, cell: CellId, name: str, expected: Expected) -> str | None:
        """Why a write the cell saw of ``name`` is none of the writes a run-all gives it
        there, if one is: hidden behind a newer store to another part (`a[1] = 1` moved
        below `a[0] = 0\nrepr(a)`; `c.p = 1` edited away above `c.q = 1`) or behind a
        change of the whole in place, the newest version alone does not show it, but the
        value the cell saw held it."""
        seen = self._records[cell].seen_writes.get(name)
        if not seen:
            return None
        # Not strays: a write older than the binding a run-all starts from, which that
        # binding stands for (a cell bound the name again to an equal value, keeping the
        # versions); a write the user's own change since was charged to as well
        # (``Session.changed_outside``: the move sets what the setter set).
        moves = [v for v in seen if v.outside]
        stray = [
            v
            for v in seen
            if v not in expected.writes
            and v.stamp > expected.base
            and not any(self._absorbs(move, v) for move in moves)
            and not undetermined_draw(v, self._records)
        ]
        if stray and expected.base < 0 and expected.writers:
            stray = self._beyond_in_place(cell, name, expected.writers[-1], stray)
        stray += [v for v in seen if v not in stray and self._stored_below(cell, v, name)]
        if not stray:
            return None
        return self._stray_reason(cell, name, min(stray, key=lambda v: v.stamp).cell)

    def _stray_reason(self, cell: CellId, name: str, writer: CellId | None) -> str:
        """Why ``cell`` is stale when what it read of ``name`` holds what ``writer`` wrote,
        a write no run-all makes before it."""
        graph = self._graph
        if writer is None or writer not in graph:
            return f"reads `{name}`, which holds what a deleted cell wrote"
        if writer == cell:
            return f"reads `{name}`, which holds what its own last run wrote"
        if graph.rank(writer) > graph.rank(cell):
            return f"reads `{name}`, which holds what cell [{writer}] wrote; it runs after it"
        return f"reads `{name}`, which holds what cell [{writer}] wrote once and does not now"

    def _stores_first(self, cell: CellId, name: str) -> bool:
        """Whether the cell stores each part of the module ``name`` it read before reading
        it (``replaced.stores_first``; IPython code, not Python, is not known to)."""
        record = self._records[cell]
        paths = record.read_paths.get(name)
        if not paths:
            return False
        return stores_first(record.code, record.analysis.mutations, name, paths)

    def imported_from_below(self, cell: CellId, name: str) -> list[Version]:
        """What the cell's own import of ``name`` handed back held that a cell below it
        stored or changed there (``_stored_below``): no import takes it out."""
        seen = self._records[cell].seen_writes.get(name)
        if not seen:
            return []
        return [v for v in seen if self._stored_below(cell, v, name)]

    def only_changes(self, cell: CellId, name: str) -> bool:
        """``replaced.only_changes`` of the cell's code, for the module ``name`` holds under
        every name some cell imports it as."""
        names = (name, *sorted(self._graph.same_module([name])))
        return only_changes(self._records[cell].code, names)

    def _stored_below(self, cell: CellId, version: Version, name: str) -> bool:
        """Whether ``version`` is a store into a module (``Version.into_module``) that a cell
        below ``cell`` made, or one with an out-of-order usage: a run-all makes it after
        ``cell`` has run (or not at all), though a writer above
        may hold it as its own (an import run since binds the same module again, holding
        the store, and takes its versions); or a change in place of what an imported module
        holds (``Version.in_module``) a cell below made, where the cell reads it. (Not the
        cell's own store: whether it reads the part before storing it again is not known;
        nor one the cell stores again first, then reads back: ``_stores_first``.)"""
        writer, graph = version.cell, self._graph
        if writer is None or writer not in graph or writer == cell:
            return False
        if not version.into_module:
            # Or a change in place of what a module an import binds holds (``Version.
            # in_module``: `m.lst.append(1)` below `v = len(m.lst)`), where the cell reads
            # what the part holds, not only changes it (`m.d['k'] = 1`: ``only_changes``).
            return (
                (version.in_module or version.stacked)
                and graph.rank(writer) > graph.rank(cell)
                and not self.only_changes(cell, name)
            )
        if self._stores_first(cell, name):
            return False  # (`m.o = o` then `repr(m.o)`: what the part held never reaches it)
        # Or one a cell made while reading a name only cells below it define (`json.Y = 1`
        # above `import json`, run once json was bound): a run-all fails there, or reads
        # another value, and the import below does not undo the store.
        return graph.rank(writer) > graph.rank(cell) or bool(graph.out_of_order_usages(writer))

    def _beyond_in_place(
        self, cell: CellId, name: str, last: CellId, stray: list[Version]
    ) -> list[Version]:
        """``stray`` less the writes a run-all makes above ``last``, whose change of the
        whole in place ended the walk of ``writes_reaching`` (they are still in the value):
        the walk goes on to the binding. Only here, where a store is in doubt, so a chain
        of cells appending to one list costs no more than before."""
        graph, records = self._graph, self._records
        paths = records[cell].read_paths.get(name)
        left = set(stray)
        writer = graph.reaching_writer(last, name)
        while writer is not None and left:
            if not self.in_sync(writer) and not self.settled(writer):
                return list(left)  # what a run-all gives above is not known: in doubt
            for symbol, version in records[writer].writes_of(name):
                if not symbol.path or overlaps(symbol.path, paths):
                    left.discard(version)
                    if not symbol.path and (
                        version.deleted or name in graph.expanded(writer).binds
                    ):
                        return [v for v in left if v.stamp > version.stamp]
            writer = graph.reaching_writer(writer, name)
        return list(left)

    def _absorbs(self, move: Version, write: Version) -> bool:
        """Whether the user's change ``move`` came after ``write`` and was charged to its
        cell: what that cell set, the move set anew."""
        record = self._records.get(write.cell) if write.cell is not None else None
        return move.stamp > write.stamp and record is not None and move in record.wrote.values()

    def _fails(self, cell: CellId) -> bool:
        """Whether a cell that is no cancelled one is in error (as ``_decide`` would say),
        without deciding it: a cancelled cell's status must not wait on its cause's
        writers, some of which may wait on it."""
        if cell in self._errors:
            return True
        record = self._records[cell]
        return cell not in self._trusted and not record.dirty and record.error is not None

    def _first_cause(self, cell: CellId, cause: CellId) -> CellId | None:
        """The cell whose own failure (or refusal) cancelled ``cell``: a cause whose record
        says it was cancelled in turn (a refused cell keeps its older record) points on;
        ``None`` when the causes go round."""
        seen = {cell}
        while cause in self._graph and cause not in seen:
            error = self._records[cause].error
            if error is None or error.cause is None:
                return cause
            seen.add(cause)
            self._cancelled_by.setdefault(error.cause, set()).add(cell)
            cause = error.cause
        return None if cause in seen else cause

    def read_from_below(self, cell: CellId, name: str, source: CellId) -> str | None:
        """Why what ``cell`` read of ``name`` from ``source`` is none a run-all gives it, if
        it is not: ``source`` bound it as its run read a name only a cell below binds
        (``failing_reads``: `x = lst[0]` above `lst = [1]`), or the writers above it only
        change in place what a cell below binds (`lst.clear()` added above `lst.append(0)`
        and `lst = get()`). A run-all fails at that writer (and leaves the name unbound,
        or a writer above's); whatever it left here, running this cell does not bring it
        up to date (``Scheduler.stuck``). (Cost: a look at the source's bindings, for each
        name a decision reads; past an in-place writer, at the cell that bound the
        object.)"""
        graph = self._graph
        if name in graph.expanded(source).binds:
            below = failing_reads(graph, self._records[source], source)
            # (Not a name it binds before its code reads it, whatever it reads through
            # `globals()` after: `b = 0`, then `sorted(globals())`.)
            own = name in graph.effects(cell).analysis.defs
            if below and not (own and name not in graph.expanded(cell).refs):
                return (
                    f"reads `{name}` from cell [{source}], which read `{below[0]}` from a"
                    " cell below"
                )
            return None
        binder = self._ledger.bound_by(name)
        if binder is not None and binder in graph and graph.rank(binder) < graph.rank(cell):
            return None  # the object came from above (no walk up a chain of appends)
        if graph.rests_below(cell, name):
            return (
                f"reads `{name}` from cell [{source}], which changes what only a cell below binds"
            )
        return None

    def _out_of_order(self, cell: CellId, name: str, seen: Version | None) -> bool:
        """Whether ``seen`` came from a cell below that still writes ``name``."""
        graph = self._graph
        writer = None if seen is None else seen.cell
        return (
            writer is not None
            and writer in graph
            and graph.rank(writer) > graph.rank(cell)
            and name in graph.expanded(writer).writes
        )

    def _stale_reason(self, cell: CellId, record: CellRecord) -> str | None:
        if record.interrupted_before_run:
            return "a run that planned it was interrupted before it ran"
        if record.blocked:
            return "it could not run before; the conflict that blocked it is gone"
        for name in sorted(self.read_names(cell)):
            expected = self.expected(cell, name)
            if not expected.ok:
                why = self._status.get(expected.source) if expected.source else None
                state = why.value.replace("_", " ") if why else "not run"
                return f"reads `{name}` from cell [{expected.source}], which is {state}"
            seen = record.seen.get(Symbol(name))
            if (
                expected.source is None
                and name in record.out_of_order
                and self._out_of_order(cell, name, seen)
                # (unless a cell above now writes it, and failed before it did: a run-all
                # fails here, or reads another value)
                and self._graph.reaching_writer(cell, name) is None
            ):
                continue  # a warning, never a dependency (docs/semantics.md)
            if expected.source is None and name in self._graph.expanded(cell).alias_only:
                continue  # seen changed through an alias only, and no cell above binds it
            if expected.source is None and name in self._graph.expanded(cell).module_code:
                continue  # its module's state, as an import gives it: no cell above stores
            if expected.source is None and name in record.reads_own:
                continue  # read as its own run bound it, as a run-all's would be
            if (
                seen != expected.version
                and not (seen and seen.same_value(expected.version))
                and not self._draws_apart(name, seen, expected.version)
            ):
                if seen is not None and self._stored_below(cell, seen, name):
                    return self._stray_reason(cell, name, seen.cell)  # (the newest write)
                orphaned = self._ledger.orphaned(name, record.read_paths.get(name), cell)
                if orphaned is not None:
                    # What it reads holds a store no cell makes now, which no run of the
                    # cells above takes out (``Scheduler._holds_store_below``): say so,
                    # rather than name an import that ran since.
                    return self._orphaned_reason(orphaned)
                if expected.source is None:
                    writer = self._graph.reaching_writer(cell, name)
                    if writer is not None:
                        return f"reads `{name}`, which cell [{writer}] above did not bind"
                    return f"reads `{name}`, which no cell above defines any more"
                return f"reads `{name}`, changed by cell [{expected.source}]"
            stray = self._stray_write(cell, name, expected)
            if stray is not None:
                return stray
            source = expected.source
            if source is not None and source != cell:
                below = self.read_from_below(cell, name, source)
                if below is not None:
                    return below
            orphaned = self._ledger.orphaned(name, record.read_paths.get(name), cell)
            if orphaned is not None:
                # A store into a module no cell makes now (``Session._orphan_module_stores``),
                # or a change stacked on its cell's own (``Version.stacked``): an import
                # undoes neither, so the part holds what a run-all's does not, whoever
                # bound the name since (an import below keeps it).
                return self._orphaned_reason(orphaned)
        for name in record.analysis.reads_own_imports:
            from_below = self.imported_from_below(cell, name)
            if from_below:
                # What its own import handed back held what a cell below stored or changed
                # there (`json.Y = 3` below `import json; v = json.Y`): a run-all reads the
                # part before that, and no import takes it out.
                return self._stray_reason(cell, name, min(from_below, key=lambda v: v.stamp).cell)
            orphaned = self._ledger.orphaned(name, reader=cell)
            if orphaned is not None:
                # Its own import hands back the module holding that store (an import
                # undoes none), which a run-all's import does not have.
                return self._orphaned_reason(orphaned)
        reshaped = self._reshaped(cell, record)
        if reshaped is not None:
            return reshaped
        for name in sorted(self._graph.expanded(cell).binds):
            above = self._ledger.changed_above(name)
            if above is not None and self._ledger.bound_by(name) == cell:
                if self._ledger.kept_dropped(name):  # (stacked, or dropped: kept either way)
                    made = (
                        f"cell [{above}] made again on top of a change already in it"
                        if self._ledger.kept_stacked(name)
                        else f"a run of cell [{above}] made and its code no longer makes"
                        " (edited, or the cell deleted)"
                    )
                    return (
                        f"`{name}` holds a change in place that {made}; running this cell"
                        " binds the same object again (a restart makes it anew)"
                    )
                # A cell above changed the object this cell bound (an out-of-order usage
                # handed it over), or a cell that read a name only a cell below binds did:
                # whatever was written since, a run-all would not.
                kept = self._ledger.astray_at(name)
                if kept is not None and record.run_stamp > kept:
                    # (``Session.kept_astray``: no run brings it up to date)
                    return (
                        f"`{name}` was changed by cell [{above}], which read a name only a"
                        " cell below it binds, and running this cell binds the same object"
                        " again (a restart makes it anew)"
                    )
                if above in self._graph and self._graph.rank(above) < self._graph.rank(cell):
                    return f"`{name}` was changed by cell [{above}], which runs before it"
                return (
                    f"`{name}` was changed by cell [{above}], which read a name only a cell "
                    "below it binds"
                )
        for name in sorted(self._graph.expanded(cell).binds):
            gone = self._ledger.last_write(Symbol(name))
            if (
                gone is not None
                and gone.deleted
                and (gone.cell is None or gone.cell not in self._graph)
                and gone.stamp > record.run_stamp
                and self._graph.final_writer(name) != cell  # (else told below)
                and not record.left_alone(name)
                and not record.failed_before(name)
            ):
                # What it bound went with a deleted cell whose binding it took as its own
                # (`import json` twice, the first deleted): not bound now, where a run-all
                # binds it here, whichever cell below writes it last.
                return f"`{name}` was removed with a deleted cell; this cell binds it"
        for name in sorted(self._graph.expanded(cell).writes):
            if self._graph.final_writer(name) != cell or self._ledger.whole_by(name, cell):
                continue  # (the second: every check below would pass)
            if record.left_alone(name) or record.failed_before(name):
                # What a run-all leaves there is the writer above's (its readers'): a run
                # that left the name alone, or raised before writing it, answers not for
                # what it holds, and running it again would write nothing there either
                # (a cell in error is ``settled`` by the rest: `g = d` failing below a
                # cell whose edit dropped its `g = 2`).
                continue
            # A store into a module no cell makes now stays in the module whatever this
            # cell's run does, unless the run binds the name to another object: its
            # readers are stale (``VersionLedger.orphaned``), not this cell (`lm.Y = 5`,
            # edited from `lm.X = 5`, ran again and again for it).
            imported = name in record.analysis.imports
            kept = imported or name not in record.analysis.defs
            for symbol, left in self._ledger.writes_of(name):
                if left.deleted or left.cell == cell or (kept and left.orphaned):
                    continue
                if undetermined_draw(left, self._records):
                    # A deleted or edited cell's draw left the generator's state, which
                    # no cell can seed: as good as a run-all's, and no run of this cell
                    # (an import gives the same module) would change it.
                    continue
                if left.cell is None or left.cell not in self._graph:
                    # A part still holds what a deleted cell wrote (``Session.forget``),
                    # even where this cell wrote other parts since.
                    return f"`{name}` was changed by a deleted cell; this cell defines it"
                if (
                    symbol.path
                    and self._records[left.cell].dirty
                    and name not in self._graph.expanded(left.cell).writes
                ):
                    # ... or what an edited cell's old code stored in a part, which its new
                    # code does not write: gone once it runs, meanwhile no run-all's.
                    return f"`{name}` holds what cell [{left.cell}] wrote before it was edited"
            last = self._ledger.visible(name)  # of the whole or of any part
            if last is None or last.cell == cell or last.stamp < record.run_stamp:
                continue
            if (kept and last.orphaned) or undetermined_draw(last, self._records):
                # A store no cell makes now, left in the module: importing it again does
                # not undo it; its readers are stale (``VersionLedger.orphaned``).
                continue
            if last.outside:
                continue  # the user's input (a widget moved) is newer than any cell's
            # The last write is not this cell's, and no cell that writes the name now
            # runs after it: the namespace holds a value a run-all would not leave.
            if last.cell is None or last.cell not in self._graph:
                how = "removed with" if last.deleted else "changed by"
                return f"`{name}` was {how} a deleted cell; this cell defines it"
            if self._graph.rank(last.cell) < self._graph.rank(cell):
                return f"`{name}` was overwritten by cell [{last.cell}], which runs before it"
            return f"`{name}` holds what cell [{last.cell}] wrote before it was edited"
        return self._overwritten_part(cell, record)

    def _orphaned_reason(self, part: Symbol) -> str:
        """Why a reader of ``part`` (``VersionLedger.orphaned``) is out of sync."""
        version = self._ledger.current(part)
        if version is not None and version.stacked:
            return (
                f"reads `{part}`, which cell [{version.cell}] changed again on top of a"
                " change already in it (its own last run's, or a cell's below it); an import"
                " gives the same object (a restart makes it anew)"
            )
        return f"reads `{part}`, which holds what a cell stored once and does not now"

    def _reshaped(self, cell: CellId, record: CellRecord) -> str | None:
        """Why a cell storing into a part is out of sync although it read all it reads: the
        part was made there by a write a run-all does not make before it (`xs.append(2)`
        edited away, deleted or moved below `xs[1] = 5`: a run-all fails there; `d['a'] =
        1` gone from above `d['a'] = 3`: a run-all puts `'a'` after the keys added
        between), or is made by one it did not see (``CellRecord.shapes_seen``)."""
        for symbol, seen in record.shapes_seen.items():
            shape = shape_reaching(self._graph, self._records, cell, symbol, self._consult)
            if shape.unsynced is not None:
                why = self._status.get(shape.unsynced)
                state = why.value.replace("_", " ") if why else "not run"
                return f"stores into `{symbol}` after cell [{shape.unsynced}], which is {state}"
            if shape.shaper == seen:
                continue
            if seen is None:
                assert shape.shaper is not None
                return (
                    f"stores into `{symbol}`, which cell [{shape.shaper.cell}] makes before it"
                    " in a run-all"
                )
            maker = "a deleted cell" if seen.cell not in self._graph else f"cell [{seen.cell}]"
            return f"stores into `{symbol}`, which {maker} made, as no run-all does before it"
        return None

    def _overwritten_part(self, cell: CellId, record: CellRecord) -> str | None:
        """Why a writer that is not the last of a name is out of sync: a cell that runs
        before it wrote over what it wrote since (`a[0] = 3` run again above `a[0] = 0`).
        A reader below would see that cell's write where a run-all shows this one's.

        Not a write no cell reads from it (`index = ...` bound again below before any
        reader): no reader sees what is there meanwhile, and the last writer is stale till
        it runs. Counting it kept the cell out of sync for its other names (a draw from
        `np.random`) while a wave ran the cells above it: the readers of those pulled it,
        and it ran a second time."""
        graph, rank = self._graph, self._graph.rank(cell)
        read: set[str] | None = None  # the names cells read from this one (as needed)
        for symbol, version in record.wrote.items():
            if version.deleted or graph.final_writer(symbol.name) == cell:
                continue  # (the last writer is judged by the ledger's last write above)
            if read is None:
                read = set().union(*graph.children(cell).values())
            if symbol.name not in read:
                continue
            for other_symbol, other in self._ledger.writes_of(symbol.name):
                if (
                    # Since it ran: a version it kept (a store to no effect) is older.
                    other.stamp > max(version.stamp, record.run_stamp)
                    and not other.outside
                    and other.cell is not None
                    and other.cell != cell
                    and other.cell in graph
                    and graph.rank(other.cell) < rank
                    and overlaps(other_symbol.path, frozenset([symbol.path]))
                    # (A draw no cell can seed: as good as a run-all's, as for the last
                    # writer above. `y = np.random...` moved above `import numpy as np`
                    # made the import stale, and every reader of `np` below it.)
                    and not undetermined_draw(other, self._records)
                ):
                    return (
                        f"`{symbol}` was overwritten by cell [{other.cell}], which runs before it"
                    )
        return None
