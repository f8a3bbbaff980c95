"""The dataflow graph of a notebook: a facade over order, name index and edge rules.

Responsibilities:
- hold each cell's effects, widened through the notebook's functions (a cell
  that calls ``f`` reads what ``f`` reads and writes what ``f`` writes);
- keep the name index in step with adds, edits, moves and removals;
- answer edge questions (parents, children, reaching writers, execution
  order, errors) under the current direction, caching answers until the next
  change.

It never touches a namespace or runs code: the runtime asks, the graph answers.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping

from reflow._types import CellId, Direction
from reflow.analysis.effects import FunctionSummary
from reflow.graph import any_order, in_order
from reflow.graph.effects import CellEffects
from reflow.graph.errors import GraphError, any_order_errors, syntax_error
from reflow.graph.expansion import Expanded, NotebookFunctions
from reflow.graph.index import NameIndex
from reflow.graph.names import BUILTIN_NAMES, is_private, links_cells
from reflow.graph.order import CellOrder

Edges = Mapping[CellId, frozenset[str]]

__all__ = ["CellEffects", "DataflowGraph", "Edges", "Expanded", "GraphError"]


class DataflowGraph:
    def __init__(self, direction: Direction = Direction.IN_ORDER) -> None:
        self._direction = direction
        self._order = CellOrder()
        self._positions = self._order.positions  # (asked tens of times per status decision)
        self._effects: dict[CellId, CellEffects] = {}
        self._expanded: dict[CellId, Expanded] = {}
        self._readers = NameIndex(self._order.position)
        self._writers = NameIndex(self._order.position)
        self.is_read: Callable[[str], bool] = self._readers.has
        """Whether some cell reads a name (early cutoff compares only the values of those)."""
        self._reads_all: set[CellId] = set()
        # The cells reading a name their own import binds (``CellAnalysis.reads_own_imports``),
        # by name, in no edge: what their status rests on (``users_resting_on``).
        self._reads_own: dict[str, set[CellId]] = {}
        self._reads_own_of: dict[CellId, frozenset[str]] = {}
        # The ``reads_all`` cells in execution order, and what rests on each (``dependents``):
        # answers cached until the next change, as the edges are.
        self._dynamic_order: list[CellId] | None = None
        self._dynamic_below: dict[CellId, frozenset[CellId]] = {}
        self._dynamic_seeing: dict[CellId, frozenset[CellId]] = {}
        self._dynamic_told: set[CellId] = set()  # cells that became or stopped being one
        self._functions = NotebookFunctions()
        # Answers cached until the next change (see _invalidate).
        self._parents: dict[CellId, Edges] = {}
        self._children: dict[CellId, Edges] = {}
        self._exec_order: list[CellId] | None = None
        self._rank: dict[CellId, int] = {}
        self._errors: dict[CellId, GraphError] | None = None
        self._changers_of: dict[str, list[CellId]] | None = None  # any_order's, see changers
        # What each cell reaches (``reached``), kept across changes: an entry rests only on
        # the cell's expansion, on which names share objects (``reach_epoch``), on the kinds
        # of the names it may reach, and on which builtin names some cell binds; each of
        # those changes drops the entries it concerns (``_drop_reach``), nothing else does.
        # In in_order, ``changers`` is an index by name kept in step the same way: a new
        # cell used to rebuild it from every changer's sharing closure, after each
        # execution of a numpy notebook (most of its cells may change an array).
        self._reached: dict[CellId, frozenset[str]] = {}
        self._changer_index = NameIndex(self._order.position)
        self._indexed_reach: dict[CellId, frozenset[str]] = {}  # names each is indexed under
        self._reach_unindexed: set[CellId] = set()  # cells whose index entries are out of date
        self._reach_epoch = 0
        # Cells whose ``alters`` changed since ``take_reach_changes``, with the names they
        # altered before and after, and changers that may reach a name bound to another
        # kind now, with those names: whom they are ``changers`` of may have changed.
        self._reach_changes: dict[CellId, frozenset[str]] = {}
        # Cells whose reads or writes another cell's change widened or narrowed (through
        # a function's summary, a name's kind), with the names they wrote before and now.
        self._reexpanded: dict[CellId, frozenset[str]] = {}
        # Cells that may change some object in place: only they can reach a name
        # through sharing, so the rest skip that part of ``dependents``.
        self._changing: set[CellId] = set()
        # Cells that do not parse, kept as cells change: errors() must not scan them all.
        self._syntax: dict[CellId, GraphError] = {}

    # ---- structure -------------------------------------------------------

    @property
    def direction(self) -> Direction:
        return self._direction

    @direction.setter
    def direction(self, direction: Direction) -> None:
        if direction == self._direction:
            return
        self._direction = direction
        for cell in self._order.ids:
            self._reindex(cell)
        self._invalidate()

    @property
    def cells(self) -> list[CellId]:
        return self._order.ids

    def __contains__(self, cell: object) -> bool:
        return cell in self._positions

    def __len__(self) -> int:
        return len(self._order)

    def position(self, cell: CellId) -> int:
        return self._positions[cell]

    def effects(self, cell: CellId) -> CellEffects:
        return self._effects[cell]

    def add(self, cell: CellId, effects: CellEffects, index: int | None = None) -> None:
        if cell in self._order:
            raise ValueError(f"cell {cell!r} is already in the graph")
        self._order.insert(cell, index)
        self._set_effects(cell, effects)
        self._reexpand_callers(cell, self._expanded[cell].writes)
        self._invalidate()

    def update(self, cell: CellId, effects: CellEffects) -> None:
        before = self._effects[cell]
        unchanged = self._expanded[cell]
        if _first_run_saw_nothing_new(before, effects) and not unchanged.unrun_widens:
            # Asked after the first run of every cell: expanding it again would give
            # the same answer, and indexing it again would touch every name it writes.
            self._effects[cell] = effects
            return
        kinds_epoch = self._functions.kinds_epoch
        self._set_effects(cell, effects)
        if (
            self._expanded[cell] == unchanged
            and kinds_epoch == self._functions.kinds_epoch
            and effects.functions == before.functions
            and effects.analysis.imports == before.analysis.imports
            and effects.shares == before.shares
            and effects.analysis.syntax_error == before.analysis.syntax_error
            and effects.analysis.star_import == before.analysis.star_import
        ):
            return  # e.g. a first run that saw nothing new: every edge stands
        self._invalidate()

    def remove(self, cell: CellId) -> None:
        writes = self._expanded[cell].writes
        self._set_effects(cell, None)
        self._order.remove(cell)
        self._reexpand_callers(cell, writes)
        self._invalidate()

    def move(self, cell: CellId, index: int) -> None:
        expanded = self._expanded[cell]
        self._unindex(cell, expanded)
        self._unindex_reach(cell)  # its place in the changer lists is by position
        self._order.move(cell, index)
        self._index(cell, expanded)
        if self._direction is Direction.IN_ORDER:
            self._reindex(cell)  # which definitions its calls reach is by position
            self._reexpand_callers(cell, self._effects[cell].functions.keys() | expanded.writes)
        self._invalidate()

    def _reexpand_callers(self, cell: CellId, names: Iterable[str]) -> None:
        """in_order: which definition of a function a call reaches is by position
        (``_expand``), and so is whether any cell above writes the name: the readers of
        ``names`` that some cell defines widen again when ``cell`` comes, goes or moves."""
        if self._direction is not Direction.IN_ORDER:
            return
        for name in names:
            if not self._functions.defines(name):
                continue
            for reader in list(self._readers.cells(name)):
                if reader != cell:
                    self._reindex(reader)

    # ---- per-cell facts ----------------------------------------------------

    def expanded(self, cell: CellId) -> Expanded:
        return self._expanded[cell]

    def refs(self, cell: CellId) -> frozenset[str]:
        """Names the cell reads that link cells: builtins only when a cell shadows them."""
        refs = self._expanded[cell].refs
        return frozenset(n for n in refs if n not in BUILTIN_NAMES or n in self._writers)

    def defs(self, cell: CellId) -> frozenset[str]:
        return self._expanded[cell].binds

    def writers(self, name: str) -> list[CellId]:
        return list(self._writers.cells(name))

    def writers_above(self, name: str, rank: int) -> list[CellId]:
        """The writers of ``name`` that run before rank ``rank``. In in_order a slice of the
        sorted index: an executed cell asks it of every name it writes, and a notebook
        binding `a` again and again made a filter of every writer cost in proportion to
        its length."""
        if self._direction is Direction.IN_ORDER:
            cells, i = self._writers.split(name, rank)
            return cells[:i]
        return [w for w in self._writers.cells(name) if self.rank(w) < rank]

    def readers(self, name: str) -> list[CellId]:
        return list(self._readers.cells(name))

    def users(self, names: Iterable[str]) -> set[CellId]:
        """Cells that read or write any of ``names`` (one pass, no copies: a cell that
        writes hundreds of names asks this after every run), and the cells that may read
        any name (`eval`, `exec`, `globals()`: ``reads_all``) when there are names."""
        found: set[CellId] = set()
        readers, writers = self._readers.cells, self._writers.cells
        for name in names:
            found.update(readers(name))
            found.update(writers(name))
        if found and self._reads_all:
            found |= self._reads_all
        return found

    def users_resting_on(
        self,
        cell: CellId,
        names: Iterable[str],
        final_before: Mapping[str, CellId | None] | None = None,
    ) -> set[CellId]:
        """``cell`` and the readers and writers of ``names`` whose statuses may rest on what
        ``cell`` writes of them (``users`` in any_order).

        In in_order, a user above ``cell`` looks for a name no further than the writers
        above itself: ``cell`` counts for it only where no cell above it writes the name
        (it read what a cell below wrote: an out-of-order usage), or where it was or is
        the name's last writer (``final_writer``, whose value a run-all leaves), which
        ``cell`` may have made another. ``final_before``: each name's last writer before
        ``cell`` wrote it; by default, as if ``cell`` had just been added. The other
        users above are left out: every reader of the names a new cell at the end of
        a notebook binds had its status decided again after each execution.
        """
        if self._direction is not Direction.IN_ORDER:
            return self.users(names) | {cell}
        position = self.position(cell)
        found = {cell}
        for name in names:
            self._users_resting_on_name(cell, name, position, final_before, found)
        # A cell that may read any name (`eval('y * 10')`) reads these too, and ``cell`` may
        # now be the writer it reads them from.
        found.update(r for r in self._reads_all if self.position(r) > position)
        return found

    def _users_resting_on_name(
        self,
        cell: CellId,
        name: str,
        position: int,
        final_before: Mapping[str, CellId | None] | None,
        found: set[CellId],
    ) -> None:
        """``users_resting_on`` for one name, into ``found``: each index split once at the
        cell's place (a bisect each), since every executed cell asks this of each name it
        writes."""
        written, w = self._writers.split(name, position)  # written[w:]: the cell and below
        read, r = self._readers.split(name, position)
        found.update(read[r:])
        found.update(written[w:])
        final = written[-1] if written else None  # ``final_writer``
        if final_before is None:
            before = (written[w - 1] if w else None) if final == cell else final
        else:
            before = final_before.get(name)
        if before != final:
            found.update(c for c in (before, final) if c is not None and c in self)
        own = self._reads_own.get(name)
        if own:
            # A cell above reading what its own import of the name gives (`import m` then
            # `m.x`): the module as the cells around left it, whichever changed it.
            found.update(c for c in own if c in self)
        if w:
            # The nearest writer above: its readers of the name below ``cell`` are no longer
            # its (or are again), on which its being overwritten rests (``StatusBoard.
            # _overwritten_part``: what no cell reads from it is no matter).
            found.add(written[w - 1])
        # Readers with no writer above them, those at the first writer's place included:
        # every reader above the cell when no writer is above it.
        if w == 0:
            found.update(read[:r])
        elif r:
            found.update(read[: self._readers.split(name, self.position(written[0]) + 1)[1]])

    def written_above(self, name: str, cell: CellId) -> bool:
        """Whether a cell that runs before ``cell`` writes ``name`` (any writer, for a cell
        no longer in the graph). Asked twice for each name an executed cell writes
        (``Scheduler._bindings``): in in_order the first writer tells, no list copied."""
        writers = self._writers.cells(name)
        if not writers or cell not in self:
            return bool(writers)
        if self._direction is Direction.IN_ORDER:
            return self.position(writers[0]) < self.position(cell)
        rank = self.rank(cell)
        return any(self.rank(writer) < rank for writer in writers)

    def rests_below(self, cell: CellId, name: str) -> bool:
        """Whether what the cell reads of ``name`` starts from a value only a cell below it
        makes: walking up its writers, none binds the name, and the topmost reads it out of
        order (`x.append(2)` above `x = [1]`). A run-all fails at that writer."""
        writer = self.reaching_writer(cell, name)
        while writer is not None:
            if name in self._expanded[writer].binds:
                return False  # the walk of ``writes_reaching`` starts from this binding
            above = self.reaching_writer(writer, name)
            if above is None:
                return name in self.out_of_order_usages(writer)
            writer = above
        return False

    def out_of_order_usages(self, cell: CellId) -> frozenset[str]:
        """in_order: names the cell reads whose only writers are below it."""
        if self._direction is Direction.ANY_ORDER:
            return frozenset()
        return in_order.out_of_order_usages(
            cell, self._expanded[cell], self._order.position, self._writers
        )

    # ---- edges -------------------------------------------------------------

    def parents(self, cell: CellId) -> Edges:
        """Cells whose writes this cell reads (or, any_order, must run after), with the names."""
        cached = self._parents.get(cell)
        if cached is None:
            if self._direction is Direction.ANY_ORDER:
                self._build_any_order()
                return self._parents[cell]
            cached = self._parents[cell] = in_order.parents(
                cell, self._expanded[cell], self._order.position, self._writers
            )
        return cached

    def children(self, cell: CellId) -> Edges:
        cached = self._children.get(cell)
        if cached is None:
            if self._direction is Direction.ANY_ORDER:
                self._build_any_order()
                return self._children.get(cell, {})
            cached = self._children[cell] = in_order.children(
                cell,
                self._expanded[cell],
                self._order.position,
                self._readers,
                self._writers,
                self._reads_all,
            )
        return cached

    def reaching_writer(self, cell: CellId, name: str) -> CellId | None:
        """The writer of ``name`` whose value ``cell`` sees in a run-all, if any."""
        if self._direction is Direction.IN_ORDER:
            return self._writers.nearest_before(name, self.position(cell))
        best: CellId | None = None
        for parent, names in self.parents(cell).items():
            if (
                name in names
                and name in self._expanded[parent].writes
                and (best is None or self.rank(parent) > self.rank(best))
            ):
                best = parent
        return best

    def reaches_once_read(self, cell: CellId, name: str) -> bool:
        """Whether a writer's value of ``name`` reaches ``cell`` once the cell is known to
        read it (a change through an alias, which only its run finds): in_order, a cell
        above writes it; any_order, another cell binds it, which a cell changing its
        object runs after. (``reaching_writer`` asks the edges, and in any_order a read
        not yet known has none.)"""
        if self.reaching_writer(cell, name) is not None:
            return True
        if self._direction is Direction.IN_ORDER:
            return False
        return any(
            writer != cell and name in self._expanded[writer].binds
            for writer in self._writers.cells(name)
        )

    def is_module(self, name: str) -> bool:
        """Whether a cell binds ``name`` to a module (``import``): no call of its functions
        counts as changing it unless the runtime saw it change."""
        return self._functions.is_module(name)

    def same_module(self, names: Iterable[str]) -> frozenset[str]:
        """The other names some cell imports a module as that some cell imports as one of
        ``names`` (``NotebookFunctions.same_module``)."""
        return self._functions.same_module(names)

    def imported_names(self) -> Iterable[str]:
        """The names some cell binds with an ``import`` statement (``is_module``)."""
        return self._functions.imported_names()

    def final_writer(self, name: str) -> CellId | None:
        """The writer of ``name`` that runs last in a run-all: its value is the one left."""
        writers = self._writers.cells(name)
        if not writers:
            return None
        if self._direction is Direction.IN_ORDER:
            return writers[-1]
        return max(writers, key=self.rank)

    def changers(self, name: str) -> list[CellId]:
        """Cells that may change the object bound to ``name`` in place, yet are not among
        its writers: through a name some cell makes share it (``c = [d]``, then
        ``f(c[0])`` changes ``d``), or by a call last seen to leave it alone (``f(d)``).
        What they change was found when they last ran; once what they read is another
        value (the alias rebuilt, ``f`` redefined), a run-all may see them change more.
        In execution order.
        """
        if self._direction is Direction.IN_ORDER:  # execution order is notebook order
            self._catch_up_changer_index()
            found = self._changer_index.cells(name)
        else:
            if self._changers_of is None:
                index: dict[str, list[CellId]] = {}
                for cell in self._changing:  # the cells whose expansion may change objects
                    for reached in self.reached(cell):
                        index.setdefault(reached, []).append(cell)
                for cells in index.values():
                    cells.sort(key=self.rank)
                self._changers_of = index
            found = self._changers_of.get(name, [])
        if not self._reads_all or not self._dynamic_reaches(name):
            return found
        # A cell using `exec`, `eval` or `globals()` may change any global's object
        # (docs/semantics.md, "Names"): what it changes is known only from its last run,
        # and that run tells nothing once the cell is out of sync (never run, edited,
        # cancelled by a failure above, or what it read changed).
        dynamic = self.dynamic_cells()
        if not found:
            return dynamic
        return sorted(set(found).union(dynamic), key=self.rank)

    def changers_between(self, name: str, low: int, high: int) -> list[CellId]:
        """The ``changers`` of ``name`` that run after rank ``low`` and before rank
        ``high``, in execution order. Asked for every name of every status decision: in
        in_order a bisect of the changer index, where a filter of every changer made a
        decision cost in proportion to how many cells may change the name (most cells of
        a numpy notebook, for an array most of them read)."""
        if self._direction is Direction.IN_ORDER and not (
            self._reads_all and self._dynamic_reaches(name)
        ):
            self._catch_up_changer_index()
            return self._changer_index.between(name, low, high - 1)
        return [c for c in self.changers(name) if low < self.rank(c) < high]

    def _dynamic_reaches(self, name: str) -> bool:
        """Whether a ``reads_all`` cell may change the object of ``name``: any global, but not
        a builtin no cell binds (no global of the notebook, as ``reached`` has it)."""
        return name not in BUILTIN_NAMES or name in self._writers

    def dynamic_cells(self) -> list[CellId]:
        """The ``reads_all`` cells (`exec`, `eval`, `globals()`), in execution order: the
        index's own list, to read only."""
        if self._dynamic_order is None:
            self._dynamic_order = sorted(self._reads_all, key=self.rank)
        return self._dynamic_order

    def seeing_changes_of(self, cell: CellId) -> frozenset[CellId]:
        """For a ``reads_all`` cell: the cells after it that may see what it changes, as far
        as the code tells. A reader of a name no cell between them binds (nor deletes): the
        object it reads may be one the cell changed; and every ``reads_all`` cell after it.
        What the cell changes is not known before it runs, so a run that cancels it cancels
        these, as it does the readers of what a cancelled cell writes. (``dependents`` does
        not stop at a binder: one may leave the name alone, `if c: x = 1`.)"""
        if not self._expanded[cell].reads_all:
            return frozenset()
        return self._readers_after(cell, self._dynamic_seeing, shielded=True)

    def _below_dynamic(self, cell: CellId) -> frozenset[CellId]:
        """The cells whose statuses may rest on a ``reads_all`` cell as one of the
        ``changers`` of what they read: every reader after it (see ``seeing_changes_of``)."""
        return self._readers_after(cell, self._dynamic_below, shielded=False)

    def _readers_after(
        self, cell: CellId, cache: dict[CellId, frozenset[CellId]], *, shielded: bool
    ) -> frozenset[CellId]:
        """Every ``reads_all`` cell after ``cell``, and the readers after it of every global;
        ``shielded``: of each name, only those up to the first cell after it that binds or
        deletes it. Kept in ``cache`` until the graph changes."""
        cached = cache.get(cell)
        if cached is not None:
            return cached
        rank = self.rank(cell)
        found = {r for r in self._reads_all if self.rank(r) > rank}
        for name in self._readers.names():
            if not self._dynamic_reaches(name):
                continue
            shield = self._first_binder_after(name, rank) if shielded else None
            found.update(
                r
                for r in self._readers.cells(name)
                if self.rank(r) > rank and (shield is None or self.rank(r) <= shield)
            )
        cached = cache[cell] = frozenset(found)
        return cached

    def _first_binder_after(self, name: str, rank: int) -> int | None:
        """The rank of the first cell after ``rank`` that binds or deletes ``name``."""
        return min(
            (
                self.rank(w)
                for w in self._writers.cells(name)
                if self.rank(w) > rank
                and (name in self._expanded[w].binds or name in self._expanded[w].deletes)
            ),
            default=None,
        )

    @property
    def reach_epoch(self) -> int:
        """Changes whenever ``changers`` may answer otherwise for names no one cell's change
        tells: when which names some cell makes share objects changes. Statuses resting
        on a changer are then decided again, whoever asked (the readers of what a cell
        may reach are no graph edges, so no edge says whom it concerns). A change of one
        cell's ``alters``, of the kind of a name a changer may reach, or of which names
        are modules (``_tell_modules_changed``), is told by ``take_reach_changes``
        instead."""
        return self._reach_epoch

    @property
    def reach_changes_pending(self) -> bool:
        """Whether ``take_reach_changes`` or ``take_reexpanded`` has anything to give (asked
        before every status query: mostly nothing)."""
        return bool(self._reach_changes or self._dynamic_told or self._reexpanded)

    def take_reach_changes(self) -> set[CellId]:
        """The cells whose status may rest on a change, since the last call (which this one
        forgets), of what some cell reaches (``alters``, or the kinds of names it may reach):
        the cell, and the readers below it of every name it may reach, before or after,
        through sharing (``changers`` counts a cell for the readers below it only, see
        ``writes_reaching``). Their dependents are the caller's.
        Without a ``reach_epoch`` change, sharing is as it was when the change was told."""
        changes, self._reach_changes = self._reach_changes, {}
        found: set[CellId] = set()
        for cell, altered in changes.items():
            # Not only ``changeable`` names, nor less what the cell writes: a wider set than
            # ``reached`` gave before or gives now, which forgetting can afford.
            names = self._functions.sharing_closure(altered)
            rank = self.rank(cell) if cell in self._order else -1
            if rank >= 0:
                found.add(cell)
            for name in names:
                found.update(self._readers_below(name, rank))
            # A cell that may read any name reads those its parents write (``read_names``).
            found.update(r for r in self._reads_all if self.rank(r) > rank)
        # A cell that became, or stopped being, a changer of every name (``changers``): the
        # cells after it.
        told, self._dynamic_told = self._dynamic_told, set()
        for cell in told:
            rank = self.rank(cell) if cell in self._order else -1
            found.update(c for c in self._order.ids if self.rank(c) >= rank)
        return found

    def take_reexpanded(self) -> set[CellId]:
        """The cells whose reads or writes changed since the last call (which this one
        forgets) through a change of another cell (``users_resting_on`` leaves out the
        users above a cell, whose expansions it may change), and the users of what they
        wrote before and write now. Their dependents are the caller's."""
        changes, self._reexpanded = self._reexpanded, {}
        found: set[CellId] = set()
        for cell, names in changes.items():
            if cell in self._order:
                found.add(cell)
            found |= self.users(names)
        return found

    def reached(self, cell: CellId) -> frozenset[str]:
        """The names ``cell`` is one of the ``changers`` of."""
        cached = self._reached.get(cell)
        if cached is None:
            expanded = self._expanded[cell]
            shared = self._functions.sharing_closure(expanded.alters, changeable=True)
            # A call into a module changes it only as seen (a cell that changed one is
            # among its writers): a cell that failed or never ran changed no module. But a
            # change of what it holds through a name bound to that (`e[0] = g` after `e =
            # m.lst`) changes it as any alias's would, whatever the last run was seen to do.
            modules = {n for n in shared if self._functions.is_module(n)}
            through = shared - modules
            modules = {
                n
                for n in modules
                if n in expanded.alters or through.isdisjoint(self._functions.shared_with(n))
            }
            # Nor is a builtin handed to a call a global of the notebook, unless a cell
            # binds the name.
            builtins = {n for n in shared if n in BUILTIN_NAMES and not self._writers.cells(n)}
            cached = self._reached[cell] = frozenset(shared - expanded.writes - modules - builtins)
        return cached

    def _drop_reach(self, cell: CellId) -> None:
        """What ``cell`` reaches may have changed: decide it again when asked."""
        self._reached.pop(cell, None)
        self._mark_unindexed(cell)
        self._changers_of = None

    def _mark_unindexed(self, cell: CellId) -> None:
        """``cell``'s entries in the changer index are to be put right: only a changer, or a
        cell indexed as one, has any. (Every cell of a session passes here, and most are
        neither: kept, they stayed until the index was next asked, in in_order only.)"""
        if cell in self._changing or cell in self._indexed_reach:
            self._reach_unindexed.add(cell)

    def _drop_all_reach(self) -> None:
        self._reached = {}
        self._changers_of = None
        self._reach_unindexed.update(self._indexed_reach)
        self._reach_unindexed.update(self._changing)

    def _unindex_reach(self, cell: CellId) -> None:
        names = self._indexed_reach.pop(cell, None)
        if names:
            self._changer_index.discard(cell, names)
        self._mark_unindexed(cell)

    def _catch_up_changer_index(self) -> None:
        """Put the cells whose ``reached`` was dropped back in the in_order changer index."""
        unindexed = self._reach_unindexed
        if not unindexed:
            return
        for cell in unindexed:  # out first: a deleted cell has no position to sort by
            names = self._indexed_reach.pop(cell, None)
            if names:
                self._changer_index.discard(cell, names)
        for cell in unindexed:
            if cell in self._changing:  # (only cells in the graph)
                names = self.reached(cell)
                if names:
                    self._changer_index.add(cell, names)
                    self._indexed_reach[cell] = names
        self._reach_unindexed = set()

    def execution_order(self) -> list[CellId]:
        if self._exec_order is None:
            if self._direction is Direction.IN_ORDER:
                order = self._order.ids
            else:
                order = self._topological_order()
            self._exec_order = order
            self._rank = {cell: i for i, cell in enumerate(order)}
            return order
        return self._exec_order

    def rank(self, cell: CellId) -> int:
        """Position in execution order (notebook position in in_order)."""
        if self._direction is Direction.IN_ORDER:
            return self._positions[cell]
        self.execution_order()
        return self._rank[cell]

    def _readers_below(self, name: str, rank: int) -> list[CellId]:
        """The readers of ``name`` that run after ``rank``. In in_order a bisect of the
        sorted index: a changer's readers below it are asked for on every execution, and
        in a numpy notebook most cells are changers (``np.sum(a)`` may change ``a``) of
        names most cells read, so a filter over every reader made each execution cost in
        proportion to the notebook's length."""
        if self._direction is Direction.IN_ORDER:
            return self._readers.between(name, rank, None)
        return [r for r in self._readers.cells(name) if self.rank(r) > rank]

    def ancestors(self, cells: Iterable[CellId]) -> set[CellId]:
        return self._reach(cells, self.parents)

    def descendants(self, cells: Iterable[CellId]) -> set[CellId]:
        return self._reach(cells, self.children)

    def dependents(self, cells: Iterable[CellId], *, dynamic: bool = True) -> set[CellId]:
        """Cells whose status may rest on those of ``cells``: their descendants, and the
        readers below any of them (or their descendants) that one of them is a changer for
        (see ``changers``: a ``reads_all`` cell is one for every reader after it).
        ``dynamic=False``: not those readers of a ``reads_all`` cell, which a run does not
        cancel for it unless it is cancelled itself (``seeing_changes_of``)."""
        changing = self._changing
        dynamic_cells = self._reads_all if dynamic else set()
        if not changing and not dynamic_cells:
            return self.descendants(cells)
        seen: set[CellId] = set()
        queue = deque(cells)
        while queue:
            cell = queue.popleft()
            found = list(self.children(cell))
            reached = self.reached(cell) if cell in changing else ()
            if reached:
                rank = self.rank(cell)
                for name in reached:
                    found.extend(self._readers_below(name, rank))
            if cell in dynamic_cells:  # a changer of every global (``changers``)
                found.extend(self._below_dynamic(cell))
            for other in found:
                if other not in seen:
                    seen.add(other)
                    queue.append(other)
        return seen

    def errors(self) -> Mapping[CellId, GraphError]:
        if self._errors is None:
            errors = self._errors = self._find_errors()
            return errors
        return self._errors

    # ---- internals: effects and index ----------------------------------------

    def _invalidate(self) -> None:
        self._parents = {}
        self._children = {}
        self._exec_order = None
        self._rank = {}
        self._errors = None
        self._changers_of = None
        self._dynamic_order = None
        self._dynamic_below = {}
        self._dynamic_seeing = {}

    def _set_effects(self, cell: CellId, effects: CellEffects | None) -> None:
        old = self._expanded.pop(cell, None)
        if old is not None:
            self._unindex(cell, old)
        before = self._effects.get(cell)
        kinds_epoch = self._functions.kinds_epoch
        changed = self._functions.set_cell(cell, before, effects)
        (shared_before, modules_before), (shared, modules) = _sharing(before), _sharing(effects)
        if shared_before != shared:
            self._reach_epoch += 1
            self._drop_all_reach()
        error = syntax_error(effects) if effects is not None else None
        if error is None:
            self._syntax.pop(cell, None)
        else:
            self._syntax[cell] = error
        if effects is None:
            self._effects.pop(cell, None)
        else:
            self._effects[cell] = effects
            self._expanded[cell] = self._expand(cell, effects)
            self._index(cell, self._expanded[cell])
        self._count_reach(cell, old, self._expanded.get(cell))
        # Cells calling a function whose summary changed read and write other names now;
        # cells calling a method of a name that became (or stopped being) a module too;
        # and a cell not run yet storing through a name a module is now imported as
        # otherwise too (``NotebookFunctions.same_module``).
        for name in changed:
            pending = [w for w in self._writers.cells(name) if self._effects[w].pending]
            for reader in [*self._readers.cells(name), *pending]:
                if reader != cell and reader in self._expanded:
                    self._reindex(reader)
        for name in self._functions.instances_changed - changed:
            for writer in list(self._writers.cells(name)):
                if writer != cell and writer in self._expanded and self._effects[writer].pending:
                    self._reindex(writer)
        if kinds_epoch != self._functions.kinds_epoch:
            self._tell_kinds_changed(changed)
        if modules_before != modules and shared_before == shared:
            self._tell_modules_changed(modules_before ^ modules)

    def _tell_kinds_changed(self, names: set[str]) -> None:
        """Some of ``names`` are bound to another kind now (``BindingKind``): each may enter
        or leave what a changer that may reach it through sharing reaches (``reached``
        leaves out names no run can be seen to change), whose ``alters`` stay as they were.
        Most new cells bind a new name, so this must not cost a fresh board each time."""
        self._tell_reach(self._functions.sharing_component(names), frozenset(names))

    def _tell_modules_changed(self, names: frozenset[str]) -> None:
        """Some of ``names`` became modules, or stopped being ones: ``reached`` leaves modules
        out, and ``sharing_closure`` does not go past one, so any name sharing with them,
        however far, may enter or leave what a changer reaches. Told like kinds, with the
        whole sharing component (most imports bind a name nothing shares; each import
        started a fresh board, deciding every cell again, before)."""
        linked = self._functions.sharing_component(names)
        self._tell_reach(linked, frozenset(linked))

    def _tell_reach(self, linked: set[str], told: frozenset[str]) -> None:
        """The changers whose ``alters`` share with ``linked`` may reach ``told`` otherwise."""
        if not self._changing:
            return
        for cell in self._changing:
            if not linked.isdisjoint(self._expanded[cell].alters):
                self._drop_reach(cell)
                before = self._reach_changes.get(cell)
                self._reach_changes[cell] = told if before is None else before | told

    def _reindex(self, cell: CellId) -> None:
        old = self._expanded.pop(cell, None)
        if old is not None:
            self._unindex(cell, old)
        new = self._expanded[cell] = self._expand(cell, self._effects[cell])
        self._index(cell, new)
        self._count_reach(cell, old, new)
        if old is None or _status_inputs(old) != _status_inputs(new):
            # Another cell changed what this one reads or writes (a function it calls
            # redefined): told by ``take_reexpanded``.
            names = self._reexpanded.get(cell, frozenset())
            self._reexpanded[cell] = names | new.writes | (old.writes if old else frozenset())

    def _count_reach(self, cell: CellId, old: Expanded | None, new: Expanded | None) -> None:
        if (old is not None and old.reads_all) != (new is not None and new.reads_all):
            self._dynamic_told.add(cell)  # a changer of every name now, or no more
        before = old.alters if old else frozenset()
        after = new.alters if new else frozenset()
        if before != after:
            told = self._reach_changes.get(cell)
            altered = before | after
            self._reach_changes[cell] = altered if told is None else told | altered
        if new is not None and new.alters:
            self._changing.add(cell)
        else:
            self._changing.discard(cell)
        self._drop_reach(cell)  # (once ``_changing`` says whether it is a changer now)

    def _links(self, name: str) -> bool:
        if not links_cells(name):
            return False
        return not (self._direction is Direction.ANY_ORDER and is_private(name))

    def _expand(self, cell: CellId, effects: CellEffects) -> Expanded:
        if self._direction is Direction.ANY_ORDER:
            return self._functions.expand(effects, self._links)
        position = self.position(cell)

        def reaching(
            name: str, definers: Mapping[CellId, FunctionSummary]
        ) -> Iterable[FunctionSummary]:
            """in_order: a call runs the code the nearest definer above left in the name (a
            definition further up is shadowed, one below has not run yet: `d['f'] = lambda:
            m` below a reader of `d`), and the cell's own, which it may call once it has
            defined it. When no cell above writes the name at all (an out-of-order use: a
            run-all fails there, or reads another value), every definer."""
            nearest, best = None, -1
            for definer in definers:
                at = self.position(definer)
                if best < at < position:
                    nearest, best = definer, at
            if nearest is None and self._writers.nearest_before(name, position) is None:
                return definers.values()
            return [s for c, s in definers.items() if c in (nearest, cell)]

        return self._functions.expand(effects, self._links, reaching)

    def _index(self, cell: CellId, expanded: Expanded) -> None:
        self._readers.add(cell, expanded.refs)
        own = self._effects[cell].analysis.reads_own_imports
        if own:
            self._reads_own_of[cell] = own
            for name in own:
                self._reads_own.setdefault(name, set()).add(cell)
        builtins = expanded.writes & BUILTIN_NAMES
        unbound = builtins and {n for n in builtins if n not in self._writers}
        self._writers.add(cell, expanded.writes)
        if unbound:
            self._drop_all_reach()  # ``reached`` leaves out builtins no cell binds
        if expanded.reads_all:
            self._reads_all.add(cell)
            self._dynamic_order = None
        if self._dynamic_below or self._dynamic_seeing:  # (readers, by position)
            self._dynamic_below, self._dynamic_seeing = {}, {}

    def _unindex(self, cell: CellId, expanded: Expanded) -> None:
        self._readers.discard(cell, expanded.refs)
        for name in self._reads_own_of.pop(cell, ()):
            cells = self._reads_own[name]
            cells.discard(cell)
            if not cells:
                del self._reads_own[name]
        self._writers.discard(cell, expanded.writes)
        builtins = expanded.writes & BUILTIN_NAMES
        if builtins and any(n not in self._writers for n in builtins):
            self._drop_all_reach()  # a builtin no cell binds now
        if cell in self._reads_all:
            self._reads_all.discard(cell)
            self._dynamic_order = None
        if self._dynamic_below or self._dynamic_seeing:
            self._dynamic_below, self._dynamic_seeing = {}, {}

    # ---- internals: any_order --------------------------------------------------

    def _build_any_order(self) -> None:
        parents = any_order.build_parents(
            self._order.ids, self._expanded, self._effects, self._readers, self._writers
        )
        children: dict[CellId, dict[CellId, frozenset[str]]] = {c: {} for c in parents}
        for cell, edges in parents.items():
            for parent, names in edges.items():
                children[parent][cell] = names
        self._parents = dict(parents)
        self._children = dict(children)

    def _topological_order(self) -> list[CellId]:
        return any_order.execution_order(
            self._order.ids, self.parents, self.children, self.position
        )

    def _find_errors(self) -> dict[CellId, GraphError]:
        errors = dict(self._syntax)
        if self._direction is Direction.ANY_ORDER:
            for cell, error in any_order_errors(
                self._order.ids,
                self._effects,
                self._expanded,
                self._writers,
                self.parents,
                self._order.position,
            ).items():
                errors.setdefault(cell, error)
        return errors

    @staticmethod
    def _reach(start: Iterable[CellId], step: Callable[[CellId], Edges]) -> set[CellId]:
        """Cells reachable from ``start`` (not counting ``start`` itself unless on a cycle)."""
        seen: set[CellId] = set()
        queue = deque(start)
        while queue:
            cell = queue.popleft()
            for other in step(cell):
                if other not in seen:
                    seen.add(other)
                    queue.append(other)
        return seen


def _first_run_saw_nothing_new(before: CellEffects, after: CellEffects) -> bool:
    """Whether ``after`` is ``before`` run, its run having seen what ``before`` expected."""
    return (
        before.pending
        and not after.pending
        and after.analysis is before.analysis
        and after.observed_binds == before.observed_binds
        and after.observed_deletes == before.observed_deletes
        and after.observed_mutates == before.observed_mutates
        and after.observed_carried == before.observed_carried
        and after.observed_shares == before.observed_shares
        and after.observed_instances == before.observed_instances
        and after.observed_module_reads == before.observed_module_reads
    )


def _sharing(effects: CellEffects | None) -> tuple[frozenset[tuple[str, str]], frozenset[str]]:
    """What of a cell's effects decides which names share objects (modules share none)."""
    if effects is None:
        return frozenset(), frozenset()
    return effects.shares, effects.analysis.imports


def _status_inputs(expanded: Expanded) -> tuple[object, ...]:
    """What of an expansion a cell's status rests on (what it may change in place, the
    rest, is told by ``take_reach_changes``)."""
    return (
        expanded.refs,
        expanded.binds,
        expanded.mutates,
        expanded.deletes,
        expanded.reads_all,
        expanded.alias_only,
        expanded.module_code,
        expanded.path_reads,
        expanded.module_reads,
    )
