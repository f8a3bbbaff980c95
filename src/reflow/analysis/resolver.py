"""Name resolution for one cell: which scope a read or a binding lands in, and what it means.

The visitor walks the AST in execution order and tells the resolver about
every name it meets; the resolver owns the scope stack and the cell's
effects, so the walk never needs to know Python's scoping rules:

- a read in a class body sees the class's own bindings, then skips every
  enclosing class (methods and comprehensions never see class names);
- a read in a comprehension sees its loop variables, then the enclosing scope;
- a read in a function body is recorded and resolved when the body ends,
  against the function's locals, ``global``/``nonlocal`` declarations and
  then the enclosing functions; what is left over is a global the function
  reads *when called* (``closes_over`` and its ``FunctionSummary``);
- a read that reaches the cell *now* is a ref unless the cell has
  definitely bound the name already.

Builtins are not filtered: ``print`` is a ref like any other name, because
only the graph knows whether some cell of the notebook shadows it.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

from reflow._types import freeze, or_empty
from reflow.analysis.effects import (
    DIRECT_STORES,
    BindingKind,
    CellAnalysis,
    FunctionSummary,
    Mutation,
    MutationKind,
    OneKind,
    PathPart,
)
from reflow.analysis.paths import symbol_path
from reflow.analysis.scopes import (
    CellScope,
    ClassScope,
    ComprehensionScope,
    FlowScope,
    FunctionScope,
    Scope,
    SummaryAccumulator,
)


class NameResolver:
    """The scope stack of a cell being walked, and the effects it has found so far."""

    def __init__(self) -> None:
        self.cell = CellScope()
        self.stack: list[Scope] = [self.cell]
        self.refs: set[str] = set()
        # Refs read whole, and the constant paths of the others (see CellAnalysis.read_paths).
        self.whole_reads: set[str] = set()
        self.path_reads: dict[str, set[tuple[PathPart, ...]]] = {}
        self.defs: set[str] = set()
        self.imports: set[str] = set()
        self.deletes: set[str] = set()
        self.mutations: dict[Mutation, None] = {}  # an ordered set
        self.may_change: set[str] = set()
        # Of the candidates, those the cell may change otherwise than by a direct store
        # into a part one step below (see ``CellAnalysis.part_stores``).
        self.changed_otherwise: set[str] = set()
        # Of the candidates, those the cell calls (``f(x)``) and those it hands over or
        # changes otherwise: ``CellAnalysis.called`` is the first less the second.
        self.callees: set[str] = set()
        self.handled: set[str] = set()
        # What each cell-level binding of a name gives it (None: any value).
        self.bind_kinds: dict[str, set[BindingKind | None]] = {}
        # Ref -> the globals the cell has definitely bound at every read of it (a function
        # it calls then reads those from the cell itself); names it ever unbinds.
        self.bound_at_reads: dict[str, set[str]] = {}
        self.unbound: set[str] = set()
        self.calling: str | None = None  # the name a call is being made through, if any
        # The root and constant path of a method being called while its receiver is
        # visited (``np.zeros`` in ``np.zeros(2)``), and what the reads would be if each
        # root were a module, whose functions are no methods (see ``module_reads``).
        self.call_target: tuple[str, tuple[PathPart, ...]] | None = None
        self.module_whole: set[str] = set()
        self.module_paths: dict[str, set[tuple[PathPart, ...]]] = {}
        self.shares: set[tuple[str, str]] = set()
        # Loop and comprehension variables -> names of what they iterate over: changing
        # `row` in `for row in rows` changes an element of `rows`.
        self.element_of: dict[str, set[str]] = {}
        self.closes_over: set[str] = set()
        self.summaries: dict[str, SummaryAccumulator] = {}
        # What making an instance reads of each class bound (None: anything, or no class).
        self.constructs: dict[str, frozenset[str] | None] = {}
        # Refs read somewhere other than by a call right there (`map(f, xs)`, `Foo.a`).
        self.read_uncalled: set[str] = set()
        self.open_summaries: list[SummaryAccumulator] = []

    # -- where we are -------------------------------------------------------

    def flow(self) -> FlowScope | None:
        """The scope whose statements run now in order (cell or class body), if we are in one."""
        top = self.stack[-1]
        return top if isinstance(top, FlowScope) else None

    def at_cell_level(self) -> bool:
        return self.stack[-1] is self.cell

    # -- reads --------------------------------------------------------------

    def read(self, name: str, path: tuple[PathPart, ...] | None = None) -> None:
        """A load of ``name`` where the walk is now: of the constant ``path`` below it only,
        or (``()``) of its binding only, or whole (``None``)."""
        index = len(self.stack) - 1
        top = self.stack[index]
        if isinstance(top, ClassScope):
            if top.has(name):
                return
            index -= 1
        self.read_below(index, name, path)

    def read_below(self, index: int, name: str, path: tuple[PathPart, ...] | None = None) -> None:
        """Resolve a read from ``stack[index]`` downwards, skipping class bodies.

        Reads inside function bodies are whole: the body may run many times, with
        any state; tracking them per part would slow user code down.
        """
        deferred = False
        stack = self.stack
        while index > 0:
            scope = stack[index]
            if isinstance(scope, FunctionScope):
                scope.loads.add(name)
                return
            if isinstance(scope, ComprehensionScope):
                if name in scope.locals:
                    return
                deferred = deferred or scope.deferred
            index -= 1
        self._read_global_now(name, deferred=deferred, path=path)

    def _read_global_now(
        self, name: str, *, deferred: bool, path: tuple[PathPart, ...] | None
    ) -> None:
        """A read of the global ``name`` while the cell runs (or later, for a generator)."""
        if deferred:
            self.arrive({name}, set())
        called = self.calling == name and not deferred
        if not self.cell.is_bound(name):
            self.add_ref(name, path)
            self._note_bound_at_read(name, called=called)
        if name in self.summaries:
            self._read_through_call(name, called=called)

    def _read_through_call(self, name: str, *, called: bool) -> None:
        """Using a function the cell defined reads what its body reads (it may be called now).

        docs/semantics.md keeps a function's free globals out of the defining
        cell's refs; but once the cell itself uses the function, the call may
        happen in this cell, and no other cell can stand in for that read.
        """
        seen = {name}
        pending = [name]
        while pending:
            for read in self.summaries[pending.pop()].reads:
                if not self.cell.is_bound(read):
                    self.add_ref(read)
                    self._note_bound_at_read(read, called=called)
                if read in self.summaries and read not in seen:
                    seen.add(read)
                    pending.append(read)

    def _note_bound_at_read(self, name: str, *, called: bool) -> None:
        """What the cell has definitely bound where it reads ``name``, kept across reads as
        their intersection. Only a read that calls it right there (``f()``) tells: a
        function handed over (``map(f, xs)``) or read in a generator may be called later,
        with nothing of the cell's bound yet. (Only calls copy the set: one copy per name
        called, not per name read, or a cell of many lines would cost its square.)"""
        if not called:
            self.read_uncalled.add(name)
        known = self.bound_at_reads.get(name)
        if known is not None and not known:
            return  # nothing is bound at some read: nothing at all
        if not called:
            self.bound_at_reads[name] = set()
        elif known is None:
            self.bound_at_reads[name] = set(self.cell.bound)
        else:
            known &= self.cell.bound

    def add_ref(self, name: str, path: tuple[PathPart, ...] | None = None) -> None:
        self.refs.add(name)
        _count_read(self.whole_reads, self.path_reads, name, path)
        target = self.call_target
        as_module = target[1] if target is not None and target[0] == name else path
        _count_read(self.module_whole, self.module_paths, name, as_module)

    def is_global_now(self, name: str) -> bool:
        """Whether ``name`` here is a global that the cell touches while it runs."""
        index = len(self.stack) - 1
        top = self.stack[index]
        if isinstance(top, ClassScope):
            if top.has(name):
                return False
            index -= 1
        while index > 0:
            scope = self.stack[index]
            if isinstance(scope, FunctionScope):
                return False
            if isinstance(scope, ComprehensionScope) and name in scope.locals:
                return False
            index -= 1
        return True

    # -- bindings -----------------------------------------------------------

    def bind(self, name: str, kind: BindingKind | None = None) -> None:
        """A store of ``name`` where the walk is now, of a value of ``kind`` if known."""
        self.bind_in(len(self.stack) - 1, name, kind)

    def bind_import(self, name: str) -> None:
        """An import's store: remembered apart, since a module's "methods" are functions."""
        if isinstance(self.stack[-1], CellScope):
            self.imports.add(name)
        self.bind(name)

    def bind_in(self, index: int, name: str, kind: BindingKind | None = None) -> None:
        scope = self.stack[index]
        if isinstance(scope, CellScope):
            self.defs.add(name)
            scope.bound.add(name)
            self.bind_kinds.setdefault(name, set()).add(kind)
        elif isinstance(scope, ClassScope):
            if name in scope.global_decls:
                self._bind_declared_global(index - 1, name)
            else:
                scope.bound.add(name)
        elif isinstance(scope, FunctionScope):
            scope.store(name)
        # A comprehension's targets are its locals already.

    def _bind_declared_global(self, index: int, name: str) -> None:
        """``global x; x = ...`` in a class body: the global, now or when the function runs."""
        while index > 0 and not isinstance(self.stack[index], FunctionScope):
            index -= 1
        scope = self.stack[index]
        if isinstance(scope, FunctionScope):
            scope.global_writes.add(name)
        else:
            self.bind_in(0, name)

    def bind_walrus(self, name: str) -> None:
        """``(name := ...)``: binds in the nearest scope that is not a comprehension (PEP 572)."""
        index = len(self.stack) - 1
        while isinstance(self.stack[index], ComprehensionScope):
            index -= 1
        self.bind_in(index, name)

    def delete(self, name: str) -> None:
        """``del name`` where the walk is now."""
        top = self.stack[-1]
        if isinstance(top, CellScope):
            self.read(name)  # del needs the binding: a ref unless bound above
            self.deletes.add(name)
            self.unbound.add(name)
            top.unbind(name)
        elif isinstance(top, ClassScope):
            top.unbind(name)
        elif isinstance(top, FunctionScope):
            top.store(name)

    # -- functions ----------------------------------------------------------

    def finish_function(self, scope: FunctionScope) -> None:
        """Hand what a finished (already popped) body left unresolved to its enclosing scopes."""
        free, declared, writes = scope.resolve()
        index = len(self.stack) - 1
        while index > 0:
            outer = self.stack[index]
            if isinstance(outer, FunctionScope):
                outer.child_free |= free
                outer.child_globals |= declared
                outer.child_writes |= writes
                return
            if isinstance(outer, ComprehensionScope):
                free = free - outer.locals
            index -= 1
        self.arrive(free | declared, writes)

    def arrive(self, reads: set[str], writes: set[str]) -> None:
        """Globals that code run later (a body, a generator) reads and writes."""
        self.closes_over |= reads
        for summary in self.open_summaries:
            summary.reads |= reads
            summary.writes |= writes

    def open_summary(self) -> SummaryAccumulator | None:
        """Start collecting for a def/class/lambda the cell binds to a global, if it does."""
        if not self.at_cell_level():
            return None
        summary = SummaryAccumulator()
        self.open_summaries.append(summary)
        return summary

    def close_summary(
        self,
        summary: SummaryAccumulator | None,
        names: list[str],
        *,
        changes_itself: bool = False,
        constructs: frozenset[str] | None = None,
    ) -> None:
        """Attach a finished summary to the globals it was bound to (a union on rebinding).

        ``changes_itself``: calling what was bound (a class) may change that object.
        ``constructs``: for a class, what making an instance reads of it (see
        ``FunctionSummary.constructs``).
        """
        if summary is None:
            return
        closed = self.open_summaries.pop()  # opened and closed like brackets
        assert closed is summary
        globals_touched = summary.reads | summary.writes
        for name in names:
            kept = self.summaries.setdefault(name, SummaryAccumulator())
            kept.reads |= summary.reads
            kept.writes |= summary.writes
            kept.candidates |= summary.candidates & globals_touched
            kept.called |= summary.called & globals_touched
            kept.handled |= summary.handled & globals_touched
            if changes_itself:
                kept.candidates.add(name)
                kept.handled.add(name)
            if name not in self.constructs:
                self.constructs[name] = constructs
            elif (known := self.constructs[name]) is not None:
                self.constructs[name] = None if constructs is None else known | constructs

    # -- mutations ----------------------------------------------------------

    def record_mutation(self, node: ast.expr, kind: MutationKind) -> None:
        """``node`` (a target or a method receiver) is changed in place, if it is a global path."""
        found = symbol_path(node)
        if found is None:
            return
        stored = None
        if self.is_global_now(found[0]):
            self.mutations[Mutation(found[0], found[1], kind)] = None
            if kind in DIRECT_STORES and len(found[1]) == 1:
                stored = found[0]
            else:
                self.changed_otherwise.add(found[0])
        self._candidates(self._with_containers(_roots(node)), called=False, stored=stored)

    def record_candidate(self, node: ast.expr) -> None:
        """The object ``node`` names may be changed in place by code reflow cannot see into.

        At cell level that makes a global a candidate for fingerprints before and
        after the cell; inside a body, a candidate of every summary being built
        (kept, when the summary closes, for the names the body reads as globals).
        """
        self._candidates(self._with_containers(_roots(node)), called=False)

    def record_callee(self, name: str) -> None:
        """``name(...)``: what the name holds may change itself (a bound method its
        receiver, a callable object its own state); a loop variable's containers hold it."""
        self._candidates({name}, called=True)
        self._candidates(self._with_containers([name]) - {name}, called=False)

    def _candidates(self, roots: set[str], *, called: bool, stored: str | None = None) -> None:
        """``stored``: the root the cell changes only by a direct store (``d[0] = v``)."""
        if not roots:
            return
        if self._inside_body():
            for summary in self.open_summaries:
                summary.candidates |= roots
                (summary.called if called else summary.handled).update(roots)
            return
        for root in roots:
            if self.is_global_now(root):
                self.may_change.add(root)
                (self.callees if called else self.handled).add(root)
                if root != stored:
                    self.changed_otherwise.add(root)

    def record_sharing(self, targets: list[str], value: ast.expr) -> None:
        """`a = b`, `a = b.x`, `a = [b]`: at cell level, `a` may share objects with `b`."""
        if not self.at_cell_level():
            return
        for root in _roots(value):
            for target in targets:
                if target != root:
                    self.shares.add((target, root))

    def iterate(self, targets: set[str], iterable: ast.expr) -> None:
        """``for targets in iterable``: the targets are elements of what it iterates."""
        sources = set(_iterated_roots(iterable))
        if sources:
            for target in targets:
                self.element_of.setdefault(target, set()).update(sources)

    def _with_containers(self, roots: list[str]) -> set[str]:
        found: set[str] = set()
        pending = list(roots)
        while pending:
            name = pending.pop()
            if name not in found:
                found.add(name)
                pending.extend(self.element_of.get(name, ()))
        return found

    def _inside_body(self) -> bool:
        return any(isinstance(scope, FunctionScope) for scope in self.stack)

    # -- result -------------------------------------------------------------

    def result(self, *, star_import: bool, dynamic: bool) -> CellAnalysis:
        defs = freeze(self.defs)
        return CellAnalysis(
            refs=freeze(self.refs),
            read_paths=or_empty(
                {
                    name: freeze(paths)
                    for name, paths in self.path_reads.items()
                    if name in self.refs and name not in self.whole_reads
                }
            ),
            module_reads=or_empty(
                {
                    name: freeze(paths)
                    for name, paths in self.module_paths.items()
                    if name in self.whole_reads and name not in self.module_whole
                }
            ),
            defs=defs,
            imports=freeze(self.imports),
            deletes=freeze(self.deletes),
            mutations=tuple(self.mutations),
            may_change=freeze(self.may_change),
            part_stores=freeze({m.name for m in self.mutations} - self.changed_otherwise),
            shares=freeze(self.shares),
            called=freeze(self.callees - self.handled),
            # A name the cell unbinds somewhere may be unbound at a read on a later round
            # of a loop, which the definitely-bound set at the read does not show.
            bound_at_reads=or_empty(
                {
                    name: freeze(kept)
                    for name, bound in self.bound_at_reads.items()
                    if name in self.refs and (kept := bound - self.unbound)
                }
            ),
            bound_as=_kinds_of(
                {
                    name: kind
                    for name, kinds in self.bind_kinds.items()
                    if name in defs and len(kinds) == 1 and (kind := next(iter(kinds))) is not None
                },
                defs,
            ),
            functions=or_empty(
                {
                    name: FunctionSummary(
                        freeze(s.reads),
                        freeze(s.writes),
                        freeze(s.candidates),
                        freeze(s.called - s.handled),
                        constructs=self.constructs.get(name),
                    )
                    for name, s in self.summaries.items()
                }
            ),
            calls_only=freeze(self.refs - self.read_uncalled),
            closes_over=freeze(self.closes_over),
            star_import=star_import,
            dynamic=dynamic,
        )


def _kinds_of(bound_as: dict[str, BindingKind], defs: frozenset[str]) -> Mapping[str, BindingKind]:
    """``CellAnalysis.bound_as``, with no dict of its own where it can share: none when it
    is empty, ``defs`` when it gives every one of them the same kind (``OneKind``)."""
    kinds = set(bound_as.values())
    if len(kinds) == 1 and len(bound_as) == len(defs):  # (its names are some of defs)
        return OneKind(defs, kinds.pop())
    return or_empty(bound_as)


def _count_read(
    whole: set[str],
    paths: dict[str, set[tuple[PathPart, ...]]],
    name: str,
    path: tuple[PathPart, ...] | None,
) -> None:
    """A read of all of ``name`` (``None``), of its binding alone (``()``) or of a path."""
    if path is None:
        whole.add(name)
    else:
        found = paths.setdefault(name, set())
        if path:
            found.add(path)


def _roots(node: ast.expr) -> list[str]:
    """Global names whose objects an expression hands over (not a new value computed from them).

    ``x``, ``x.a``, ``x[0]``, ``*xs``, and names inside a list/tuple/set/dict
    display hand over the object; ``x + 1`` or ``f(x)`` hand over a new value.
    """
    if isinstance(node, ast.Starred):
        return _roots(node.value)
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return [root for element in node.elts for root in _roots(element)]
    if isinstance(node, ast.Dict):
        return [root for value in node.values for root in _roots(value)]
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "vars"
        and len(node.args) == 1
    ):
        return _roots(node.args[0])  # `vars(o)` hands over o's own attribute dict
    found = symbol_path(node)
    return [found[0]] if found is not None else []


_ITERATING_FUNCTIONS = frozenset(
    {"enumerate", "zip", "reversed", "sorted", "list", "iter", "tuple"}
)
_ITERATING_METHODS = frozenset({"items", "values", "keys"})


def _iterated_roots(node: ast.expr) -> list[str]:
    """Names whose elements a ``for`` hands out: ``rows``, ``enumerate(rows)``, ``d.items()``."""
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name) and func.id in _ITERATING_FUNCTIONS:
            return [root for argument in node.args for root in _iterated_roots(argument)]
        if isinstance(func, ast.Attribute) and func.attr in _ITERATING_METHODS:
            return _roots(func.value)
        return []
    return _roots(node)
