"""``reflow.Notebook``: the in-process front door (the API the README tours).

It turns user calls into graph updates and scheduler runs and checks what it
is given; the rules live in ``graph/`` and ``runtime/``.
"""

from __future__ import annotations

import ast
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reflow._types import CellId, Direction, Mode, Status
from reflow.analysis import CellAnalysis, CellSyntaxError, analyze
from reflow.analysis.magics import IPythonMissing
from reflow.graph.effects import CellEffects
from reflow.graph.graph import DataflowGraph
from reflow.runtime.draws import may_seed
from reflow.runtime.errors import CellError, UnknownCellError
from reflow.runtime.executor import CellExecutor
from reflow.runtime.fingerprint import DEFAULT_BUDGET, Budget
from reflow.runtime.history import ExecutionLog
from reflow.runtime.memo import CellMemo
from reflow.runtime.private import PrivateNames
from reflow.runtime.records import CellRecord
from reflow.runtime.scheduler import CellObserver, Run, Scheduler, graph_error
from reflow.runtime.session import Session
from reflow.runtime.state import StateQueries
from reflow.runtime.status import StatusBoard

if TYPE_CHECKING:
    from reflow.formats.model import NotebookFile


class Cell:
    """A live view of one cell: reading a property asks the notebook for the current state."""

    __slots__ = ("_notebook", "id")

    def __init__(self, notebook: Notebook, cell_id: CellId) -> None:
        self._notebook = notebook
        self.id = cell_id

    def _record(self) -> CellRecord:
        return self._notebook._record(self.id)

    @property
    def code(self) -> str:
        return self._record().code

    @property
    def index(self) -> int:
        return self._notebook._graph.position(self.id)

    @property
    def status(self) -> str:
        """``"fresh"``, ``"stale"``, ``"dirty"``, ``"error"`` or ``"never_run"``."""
        return str(self._notebook._board().status(self.id))

    @property
    def stale_reason(self) -> str | None:
        """Why the cell is stale, naming the symbol and the cell that changed it."""
        return self._notebook._board().reason(self.id)

    @property
    def output(self) -> Any:
        return self._record().output

    @property
    def last_run(self) -> int | None:
        """A number ordering the cells' last runs in this session; None if it never ran."""
        record = self._record()
        return record.run_stamp if record.has_run else None

    @property
    def refused(self) -> bool:
        """Whether the graph refused to run it (a clash, a cycle) the last time it was asked."""
        return self._record().blocked

    @property
    def from_cache(self) -> bool:
        """Whether its last run was a cache hit: values and output restored, code not run."""
        return self._record().from_cache

    @property
    def stdout(self) -> str:
        return self._record().stdout

    @property
    def stderr(self) -> str:
        return self._record().stderr

    @property
    def error(self) -> CellError | None:
        record = self._record()
        refused = self._notebook._graph.errors().get(self.id)
        if refused is not None and record.error is None:
            return graph_error(refused)
        return record.error

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Cell) and other.id == self.id and other._notebook is self._notebook

    def __hash__(self) -> int:
        return hash(self.id)

    def __repr__(self) -> str:
        first = self.code.split("\n", 1)[0]
        return f"<Cell {self.id} [{self.status}] {first[:40]!r}>"


CellRef = Cell | str


class Notebook:
    """A reactive notebook in this process; the rules are in docs/semantics.md."""

    def __init__(
        self,
        mode: str = "reactive",
        direction: str = "in_order",
        *,
        fingerprint_budget: Budget = DEFAULT_BUDGET,
        namespace: dict[str, Any] | None = None,
        executor: CellExecutor | None = None,
        cache: str | None = None,
        cache_dir: str | Path | None = None,
    ) -> None:
        """``fingerprint_budget`` bounds the work spent telling "same value":
        values over it count as changed whenever a cell may have touched them.

        ``namespace`` and ``executor`` are for hosts that own the globals and the way
        code runs (the Jupyter kernel passes IPython's ``user_ns`` and its shell).

        ``cache``: ``None`` memoizes only cells that open with ``%%memoize``;
        ``"memory"`` memoizes every cell in this process; ``"disk"`` every cell on
        disk too, so that a notebook opened again restores its state without
        recomputing. ``cache_dir``: where (default ``.reflow/cache`` beside the
        notebook file, else in the working directory; an fsspec URL works too).
        """
        self._mode = _parse_mode(mode)
        self._graph = DataflowGraph(_parse_direction(direction))
        self._cache_dir = _cache_location(cache, cache_dir)
        self._cache = cache
        self._session = Session(
            self._graph,
            fingerprint_budget,
            namespace=namespace,
            executor=executor,
            memo=self._memo(cache, executor),
        )
        # Cached blocks skip their body by a rewrite of the cell (a host's executor,
        # such as IPython's shell, registers the same transformer its own way).
        transformers = getattr(self._session.executor, "transformers", None)
        if transformers is not None:
            transformers.append(self.private_names())
            transformers.append(_block_transformer())
        self._scheduler = Scheduler(self._graph, self._session)
        self._file: NotebookFile | None = None  # what open() read: prose, metadata, outputs

    def private_names(self) -> PrivateNames:
        """The rewrite that keeps each cell's private names its own in any_order; a host
        that runs cells its own way (the kernel's IPython shell) registers it there."""
        return PrivateNames(lambda: self._graph.direction is Direction.ANY_ORDER)

    # ---- settings -------------------------------------------------------------

    @property
    def mode(self) -> str:
        return self._mode.value

    @mode.setter
    def mode(self, mode: str) -> None:
        self._mode = _parse_mode(mode)

    @property
    def direction(self) -> str:
        return self._graph.direction.value

    @direction.setter
    def direction(self, direction: str) -> None:
        self._graph.direction = _parse_direction(direction)
        self._changed()

    @property
    def cache(self) -> str | None:
        """Which cells are memoized: ``None`` (``%%memoize`` cells), ``"memory"`` or ``"disk"``
        (every cell); see ``Notebook()``."""
        return self._cache

    @cache.setter
    def cache(self, cache: str | None) -> None:
        """Memoize every cell from the next run on (``"memory"``, ``"disk"``), or only
        ``%%memoize`` cells again (``None``): a notebook already open, or a kernel's
        (``%flow cache disk``), need not be made again to start caching. Entries go to
        the directory the notebook was given; nothing stored is removed."""
        _cache_location(cache, None)  # checks the value
        self._session.memo = self._memo(cache, self._session.executor)
        self._cache = cache

    # ---- cells ---------------------------------------------------------------------

    @property
    def cells(self) -> list[Cell]:
        return [Cell(self, c) for c in self._graph.cells]

    def __iter__(self) -> Iterator[Cell]:
        return iter(self.cells)

    def __len__(self) -> int:
        return len(self._graph)

    def cell(self, cell: CellRef) -> Cell:
        return Cell(self, self._id(cell))

    def add(self, code: str, index: int | None = None, *, id: str | None = None) -> Cell:
        """Insert a cell (at the end by default). ``id`` keeps a notebook file's cell id."""
        _check_code(code)
        if index is not None and not isinstance(index, int):
            raise TypeError(f"index must be an int or None, got {type(index).__name__}")
        cell_id = CellId(id if id is not None else uuid.uuid4().hex[:8])
        if cell_id in self._graph:
            raise ValueError(f"a cell with id {cell_id!r} is already in the notebook")
        analysis = self._analyze(code)
        self._session.records[cell_id] = CellRecord(code, analysis)
        self._graph.add(cell_id, CellEffects(analysis), index)
        # It has not run: the statuses it may change rest on what it writes, where a
        # cell looks for it (``DataflowGraph.users_resting_on``), and on those (their
        # dependents: the scheduler adds them).
        # And on what it reads: a writer it reads from has one reader more, on which that
        # writer's being overwritten rests (``StatusBoard._overwritten_part``).
        writes = self._graph.expanded(cell_id).writes
        if may_seed(code):  # (what every draw's status rests on: ``runtime.draws``)
            self._scheduler.forget_statuses()
        else:
            self._scheduler.forget_statuses(
                self._graph.users_resting_on(cell_id, writes) | self._read_from(cell_id)
            )
        return Cell(self, cell_id)

    def edit(self, cell: CellRef, code: str) -> Cell:
        """New source for a cell: it is dirty until it runs; the old code's effects stay."""
        cell_id = self._id(cell)
        _check_code(code)
        record = self._record(cell_id)
        if code != record.code:
            analysis = self._analyze(code)
            # The statuses that may change: the cell's, those of the readers and writers
            # of what its old and new code write, and (the scheduler adds them) their
            # dependents. Not the users of what those write: a status rests on the
            # cell's own record and its upstream, and only this cell's record changed.
            # (And the writers it reads from, before and after: see ``add``.) And the
            # users of what its last run wrote, which an earlier edit may have dropped
            # from its code: a reader that saw such a write asks whether the cell reads a
            # name only cells below bind (``StatusBoard._stored_below``), which the new
            # code may change.
            before = self._users_of(cell_id) | self._read_from(cell_id)
            before |= self._scheduler.users_of({symbol.name for symbol in record.wrote})
            seeds = may_seed(code) or may_seed(record.code)  # (see ``add``)
            record.edit(code, analysis)
            self._graph.update(cell_id, self._graph.effects(cell_id).with_analysis(analysis))
            if seeds:
                self._scheduler.forget_statuses()
            else:
                after = self._users_of(cell_id) | self._read_from(cell_id)
                self._scheduler.forget_statuses({cell_id} | before | after)
        return Cell(self, cell_id)

    def delete(self, cell: CellRef) -> Run:
        """Remove a cell and the globals it wrote; restore what other writers left (reactive)."""
        cell_id = self._id(cell)
        before = self._board().statuses
        self._graph.remove(cell_id)
        self._session.forget(cell_id)
        self._changed()
        after = self._board()
        newly_stale = [c for c in after.stale() if before.get(c) is not Status.STALE]
        if self._mode is Mode.LAZY or not newly_stale:
            return Run(stale=newly_stale)
        # Readers left with no writer would only fail with a NameError: they stay stale.
        restorable = [c for c in newly_stale if not self._scheduler.orphaned(c, after)]
        run = self._run(restorable)
        run.stale = sorted(
            set(run.stale) | (set(newly_stale) - set(run.ran)), key=self._graph.position
        )
        return run

    def move(self, cell: CellRef, index: int) -> Cell:
        """Move a cell; cells whose reaching writers change go stale."""
        cell_id = self._id(cell)
        if not isinstance(index, int):
            raise TypeError(f"index must be an int, got {type(index).__name__}")
        self._graph.move(cell_id, index)
        self._changed()
        return Cell(self, cell_id)

    # ---- running ----------------------------------------------------------------------

    def run(
        self, cell: CellRef, alone: bool = False, *, observer: CellObserver | None = None
    ) -> Run:
        """Run a cell: pull, the cell, push (reactive) or mark stale (lazy); ``alone``: just it.

        ``observer`` is told as each cell of the run starts and ends.
        """
        return self._run([self._id(cell)], alone=alone, observer=observer, asked=True)

    def run_all(self, *, observer: CellObserver | None = None) -> Run:
        return self._run(self._graph.execution_order(), observer=observer)

    def run_stale(self, *, observer: CellObserver | None = None) -> Run:
        """Run every stale cell, and what that leaves stale, until no stale cell is left
        that running can bring up to date. In lazy mode too: what a run of a stale cell
        would mark stale is stale too, so it runs in the same call (one call is a
        fixpoint), as a reactive run of those cells would."""
        board = self._board()
        targets = self._scheduler.fixable(board.stale(), board)
        return self._run(targets, observer=observer, settle=True, mode=Mode.REACTIVE)

    def _run(
        self,
        targets: list[CellId],
        alone: bool = False,
        observer: CellObserver | None = None,
        settle: bool | None = None,
        asked: bool = False,
        mode: Mode | None = None,
    ) -> Run:
        from reflow.cache.location import CACHE_DIR

        token = CACHE_DIR.set(self._cache_dir)  # where persistent caches in cells store
        try:
            return self._scheduler.run(
                targets,
                mode or self._mode,
                alone=alone,
                observer=observer,
                settle=settle,
                asked=asked,
            )
        finally:
            CACHE_DIR.reset(token)

    def changed_outside(
        self,
        changes: Mapping[str, frozenset[str] | None],
        *,
        observer: CellObserver | None = None,
    ) -> Run:
        """Objects bound to these names changed outside any cell: a widget the user moved.

        ``changes`` maps each name to the attributes that changed (``None``: the
        object as a whole, e.g. a widget inside a container bound to the name).
        The cell that bound the object stays fresh (it would make a new one);
        the cells that read it go stale, and in reactive mode run, with
        everything downstream of them, as a reactive run of those cells would.
        """
        binders = []
        for name, attributes in changes.items():
            binder = self._session.changed_outside(name, attributes)
            if binder is not None:
                binders.append(binder)
        if not binders:
            return Run()
        self._changed(binders)
        board = self._board()
        readers = {c for name in changes for c in self._graph.readers(name)}
        for binder in binders:  # and cells that read it through a function or exec
            for child in self._graph.children(binder):
                if set(changes) & self._graph.parents(child)[binder]:
                    readers.add(child)
        stale = sorted(
            (c for c in readers if board.status(c) is Status.STALE), key=self._graph.position
        )
        if self._mode is Mode.REACTIVE and stale:
            return self._run(stale, observer=observer)
        downstream = self._graph.descendants(stale) | set(stale)
        return Run(
            stale=sorted(
                (c for c in downstream if board.status(c) is Status.STALE),
                key=self._graph.position,
            )
        )

    # ---- questions ---------------------------------------------------------------------

    def __getitem__(self, name: str) -> Any:
        try:
            return self._session.namespace[name]
        except KeyError:
            raise KeyError(f"{name!r} is not defined in the notebook's namespace") from None

    def __contains__(self, name: object) -> bool:
        return name in self._session.namespace

    @property
    def namespace(self) -> dict[str, Any]:
        """The globals the cells run in (live: changing it is changing the notebook's state)."""
        return self._session.namespace

    def pull(self, cell: CellRef) -> list[CellId]:
        """The upstream cells a (non-alone) run of ``cell`` would run first, in run order."""
        cell_id = self._id(cell)
        pulled = self._scheduler.pull([cell_id], self._board())
        return [c for c in self._graph.execution_order() if c in pulled]

    def downstream(self, cell: CellRef) -> list[CellId]:
        """Every cell that depends on ``cell``, transitively, in run order: what a reactive
        run of it may push to."""
        below = self._graph.descendants([self._id(cell)])
        return [c for c in self._graph.execution_order() if c in below]

    def has_cell(self, cell_id: str) -> bool:
        return cell_id in self._graph

    @property
    def history(self) -> ExecutionLog:
        """Every cell run of this session, numbered (what ``reproduce_cell`` reads)."""
        return self._session.log

    @property
    def state(self) -> StateQueries:
        """``deps``, ``users``, ``code``, ``timestamp`` of a name, from outside a cell."""
        return self._session.state

    def stale(self) -> list[CellId]:
        return self._board().stale()

    def refs(self, cell: CellRef) -> list[str]:
        return sorted(self._graph.refs(self._id(cell)))

    def defs(self, cell: CellRef) -> list[str]:
        return sorted(self._graph.defs(self._id(cell)))

    def self_contained(self, cell: CellRef) -> bool:
        """Whether the cell's code reads no name at all (builtins included: no call, no
        print) and deletes none: an import, a definition, a constant. Run again, it can
        only do what it did; a frontend has nothing new to show for it."""
        analysis = self._record(self._id(cell)).analysis
        return not (
            analysis.refs
            or analysis.deletes
            or analysis.dynamic
            or analysis.star_import
            or analysis.syntax_error
        )

    def parents(self, cell: CellRef) -> list[CellId]:
        return sorted(self._graph.parents(self._id(cell)), key=self._graph.position)

    def children(self, cell: CellRef) -> list[CellId]:
        return sorted(self._graph.children(self._id(cell)), key=self._graph.position)

    def out_of_order_usages(self, cell: CellRef) -> list[str]:
        """in_order: names the cell reads that only cells below it define (a warning)."""
        return sorted(self._graph.out_of_order_usages(self._id(cell)))

    def execution_order(self) -> list[CellId]:
        """The order a run-all runs the cells in: notebook order, or dependency order."""
        return list(self._graph.execution_order())

    def parent_edges(self, cell: CellRef) -> dict[CellId, list[str]]:
        """The cell's parents, each with the names the edge carries (sorted)."""
        edges: Mapping[CellId, frozenset[str]] = self._graph.parents(self._id(cell))
        return {p: sorted(edges[p]) for p in sorted(edges, key=self._graph.position)}

    # ---- files --------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        mode: str = "reactive",
        direction: str | None = None,
        cache: str | None = None,
        cache_dir: str | Path | None = None,
    ) -> Notebook:
        """Read ``.ipynb``, percent ``.py``, marimo ``.py`` or ``.md``, chosen by extension.

        ``direction`` defaults to the one saved in the file, else ``any_order``
        for marimo notebooks and ``in_order`` for the rest. Raises
        ``reflow.formats.NotebookFileError`` for a file that is not a notebook.
        ``cache`` as for ``Notebook()``; the cache directory defaults to
        ``.reflow/cache`` beside the file.
        """
        from reflow.files import open_notebook  # here: `import reflow` need not load nbformat

        if cache_dir is None:
            cache_dir = Path(path).absolute().parent / ".reflow" / "cache"
        return open_notebook(
            cls, path, mode=mode, direction=direction, cache=cache, cache_dir=cache_dir
        )

    def save(self, path: str | Path) -> bool:
        """Write the notebook, keeping what the opened file had; ``False`` if nothing changed."""
        from reflow.files import save_notebook

        return save_notebook(self, path)

    def close(self) -> None:
        self._session.close()

    def _python_source(self, code: str) -> str:
        """The Python a cell's code is analysed as (``Session.python_source``): IPython's
        input transformation for a notebook opened from an ``.ipynb``."""
        return self._session.python_source(code)

    def _analyze(self, code: str) -> CellAnalysis:
        try:
            return analyze(self._python_source(code))
        except IPythonMissing as missing:
            return CellAnalysis(
                syntax_error=CellSyntaxError(str(missing), missing.line, 1, missing.text)
            )

    # ---- internals --------------------------------------------------------------------

    def _memo(self, cache: str | None, executor: CellExecutor | None) -> CellMemo:
        from reflow.cache.location import memory_store, persistent_store
        from reflow.cache.memoize import CellMemoizer, MemoHost

        location = self._cache_dir
        # A host executor that shows cells its own way (the kernel) shows hits too.
        host = executor if isinstance(executor, MemoHost) else None
        if cache == "memory":
            return CellMemoizer(memory_store, policy="all", host=host)
        return CellMemoizer(
            lambda: persistent_store(location),
            policy="all" if cache == "disk" else "marked",
            host=host,
        )

    def _id(self, cell: CellRef) -> CellId:
        if isinstance(cell, Cell):
            if cell._notebook is not self:
                raise ValueError(f"cell {cell.id!r} belongs to another notebook")
            cell_id = cell.id
        elif isinstance(cell, str):
            cell_id = CellId(cell)
        else:
            raise TypeError(f"expected a Cell or a cell id (str), got {type(cell).__name__}")
        if cell_id not in self._graph:
            raise UnknownCellError(
                f"no cell with id {cell_id!r} in this notebook (expected a Cell or one of "
                f"{[str(c) for c in self._graph.cells[:5]]}{'...' if len(self) > 5 else ''})"
            )
        return cell_id

    def _record(self, cell: CellId) -> CellRecord:
        return self._session.records[cell]

    def _board(self) -> StatusBoard:
        return self._scheduler.board()

    def _changed(self, cells: list[CellId] | None = None) -> None:
        """Statuses may have changed: of ``cells``, the cells that read or write what
        they write, and all their descendants; ``None``: of any cell."""
        if cells is None:
            self._scheduler.forget_statuses()
            return
        affected = set(cells)
        for cell in cells:
            if cell in self._graph:
                affected |= self._users_of(cell)
        self._scheduler.forget_statuses(affected)

    def _read_from(self, cell: CellId) -> set[CellId]:
        """in_order: the writers the cell reads from (its parents), whose decisions rest on
        their readers (``StatusBoard._overwritten_part``). A range query per name it reads;
        in any_order, where parents come from a build of the whole graph, none. Only a
        writer that is not the last of a name the cell reads from it, and whose write is
        not the newest of the name: the last one's decision asks nothing of its readers,
        nor does one whose write nothing has written over since. A cell added at the end
        of a notebook, as a kernel adds every cell it executes, reads from such writers
        only (deciding them again cost a decision per writer per execution)."""
        graph, ledger = self._graph, self._session.ledger
        if graph.direction is not Direction.IN_ORDER:
            return set()
        return {
            writer
            for writer, names in graph.parents(cell).items()
            if any(
                graph.final_writer(name) != writer
                and (last := ledger.visible(name)) is not None
                and last.cell != writer
                for name in names
            )
        }

    def _users_of(self, cell: CellId) -> set[CellId]:
        return self._scheduler.users_of(self._graph.expanded(cell).writes)


def _cache_location(cache: object, cache_dir: str | Path | None) -> str:
    if cache not in (None, "memory", "disk"):
        raise ValueError(f"cache must be None, 'memory' or 'disk', got {cache!r}")
    if cache_dir is None:
        return str(Path.cwd() / ".reflow" / "cache")
    if not isinstance(cache_dir, str | Path):
        raise TypeError(f"cache_dir must be a path or a URL, got {type(cache_dir).__name__}")
    return str(cache_dir) if "://" in str(cache_dir) else str(Path(cache_dir).absolute())


def _block_transformer() -> ast.NodeTransformer:
    from reflow.cache.blocks import CachedBlockTransformer

    return CachedBlockTransformer()


def _check_code(code: object) -> None:
    if not isinstance(code, str):
        raise TypeError(f"cell code must be a str, got {type(code).__name__}")


def _parse_mode(value: object) -> Mode:
    return Mode(_choice(value, Mode, "mode"))


def _parse_direction(value: object) -> Direction:
    return Direction(_choice(value, Direction, "direction"))


def _choice(value: object, kind: type[Mode] | type[Direction], what: str) -> str:
    allowed = [m.value for m in kind]
    if not isinstance(value, str) or value not in allowed:
        shown = " or ".join(repr(a) for a in allowed)
        raise ValueError(f"{what} must be {shown}, got {value!r}")
    return value
