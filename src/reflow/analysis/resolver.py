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
from collections.abc import Iterable, Mapping

from reflow._types import EMPTY, freeze, or_empty
from reflow.analysis.effects import (
    DIRECT_STORES,
    BindingKind,
    CellAnalysis,
    FunctionSummary,
    Mutation,
    MutationKind,
    OneKind,
    PathPart,
    ReceiverCall,
)
from reflow.analysis.paths import symbol_path
from reflow.analysis.purity import PURE_FUNCTIONS
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
        self.refs_before_star: frozenset[str] | None = None
        # Refs read whole, and the constant paths of the others (see CellAnalysis.read_paths).
        self.whole_reads: set[str] = set()
        self.path_reads: dict[str, set[tuple[PathPart, ...]]] = {}
        self.defs: set[str] = set()
        self.imports: set[str] = set()
        self.read_bound: set[str] = set()  # globals read at cell level once bound there
        self.imported: set[tuple[str, str]] = set()  # (``CellAnalysis.imported``)
        self.deletes: set[str] = set()
        self.mutations: dict[Mutation, None] = {}  # an ordered set
        self.may_change: set[str] = set()
        self.receiver_calls: set[ReceiverCall] = set()  # (``CellAnalysis.receiver_calls``)
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
        # Names -> names whose objects theirs may be or hold, for the changes the cell makes
        # through them: loop and comprehension variables -> what they iterate over (changing
        # `row` in `for row in rows` changes an element of `rows`), a name bound to a value
        # that is no path -> what the value reaches (`v = d.get("k")`: d), handed over or
        # only called (``made_by``: `v = f()`, whose result may hold what f holds).
        self.element_of: dict[str, set[str]] = {}
        self.made_by: dict[str, set[str]] = {}
        self.closes_over: set[str] = set()
        self.summaries: dict[str, SummaryAccumulator] = {}
        # What making an instance reads of each class bound (None: anything, or no class).
        self.constructs: dict[str, frozenset[str] | None] = {}
        # Refs read somewhere other than by a call right there (`map(f, xs)`, `Foo.a`).
        self.read_uncalled: set[str] = set()
        self.open_summaries: list[SummaryAccumulator] = []
        # Whether the cell uses a function it defines whose body may read any global
        # (``SummaryAccumulator.dynamic``): it may call it, and so read any global itself.
        self.calls_dynamic = False

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
        elif not deferred and path != ():  # (not a store's receiver: its binding only)
            self.read_bound.add(name)
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
            summary = self.summaries[pending.pop()]
            if summary.dynamic:
                self.calls_dynamic = True  # (the cell may call it: it may read any global)
            for read in summary.reads:
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

    def star_import(self) -> None:
        """An ``import *`` at cell level: what is read from here on may be its names."""
        if self.refs_before_star is None:
            self.refs_before_star = frozenset(self.refs)

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

    def bind_import(self, name: str, module: str) -> None:
        """An import's store: remembered apart, since a module's "methods" are functions;
        ``module`` is the dotted name of the module it binds ``name`` to."""
        if isinstance(self.stack[-1], CellScope):
            self.imports.add(name)
            self.imported.add((name, module))
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

    def finish_function(self, scope: FunctionScope) -> set[str]:
        """Hand what a finished (already popped) body left unresolved to its enclosing
        scopes; returns the names it reads from them."""
        free, declared, writes = scope.resolve()
        index = len(self.stack) - 1
        while index > 0:
            outer = self.stack[index]
            if isinstance(outer, FunctionScope):
                outer.child_free |= free
                outer.child_globals |= declared
                outer.child_writes |= writes
                return free
            if isinstance(outer, ComprehensionScope):
                free = free - outer.locals
            index -= 1
        self.arrive(free | declared, writes)
        return free

    def arrive(self, reads: set[str], writes: set[str]) -> None:
        """Globals that code run later (a body, a generator) reads and writes."""
        self.closes_over |= reads
        for summary in self.open_summaries:
            summary.reads |= reads
            summary.writes |= writes

    def note_dynamic(self) -> bool:
        """A call of ``exec``, ``eval`` or ``globals()`` where the walk is now: inside a
        body, every function being summarised may read any global when called. Returns
        whether the call runs only then, in the body of a function or lambda the cell binds
        (as a read in it does: the cell itself does not read what its functions read); not
        in a class body, nor in a method, where code the class body runs may call it."""
        if not self._inside_body():
            return False
        for summary in self.open_summaries:
            summary.dynamic = True
        return bool(self.open_summaries) and isinstance(self.stack[1], FunctionScope)

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
        # Expanded only now: a name may be bound after the line that changes it (a loop).
        handled, called = _closure(
            summary.handled, summary.called, summary.element_of, summary.made_by
        )
        summary.candidates |= handled | called
        summary.handled |= handled
        summary.called |= called
        globals_touched = summary.reads | summary.writes
        for name in names:
            kept = self.summaries.setdefault(name, SummaryAccumulator())
            kept.reads |= summary.reads
            kept.writes |= summary.writes
            kept.candidates |= summary.candidates & globals_touched
            kept.called |= summary.called & globals_touched
            kept.handled |= summary.handled & globals_touched
            kept.stores |= {s for s in summary.stores if s[0] in globals_touched}
            kept.dynamic |= summary.dynamic
            kept.receiver_calls |= {
                _globals_of_call(call, summary, globals_touched)
                for call in summary.receiver_calls
                if call.root in globals_touched
            }
            if changes_itself:
                kept.candidates.add(name)
                kept.handled.add(name)
            if name not in self.constructs:
                self.constructs[name] = constructs
            elif (known := self.constructs[name]) is not None:
                self.constructs[name] = None if constructs is None else known | constructs

    # -- mutations ----------------------------------------------------------

    def record_mutation(self, node: ast.expr, kind: MutationKind) -> None:
        """``node`` (a target or a method receiver) is changed in place: a mutation where it
        is a global path, else a change of whatever it may reach (``reached``)."""
        found = symbol_path(node)
        if found is None:
            self.record_candidate(node)
            return
        stored = None
        if found[1] and self._inside_body():
            store = (found[0], found[1][0], kind is MutationKind.METHOD_CALL)
            for summary in self.open_summaries:
                summary.stores.add(store)
        if self.is_global_now(found[0]):
            self.mutations[Mutation(found[0], found[1], kind)] = None
            if kind in DIRECT_STORES and len(found[1]) == 1:
                stored = found[0]
            else:
                self.changed_otherwise.add(found[0])
        handed, called = self._closure([found[0]], [])
        self._candidates(handed, called=False, stored=stored)
        self._candidates(called, called=True)

    def record_receiver_call(self, call: ast.Call, method: str, *, mutating: bool) -> None:
        """``R.m(...)`` with ``m`` in a table of methods and positional arguments: a module's
        function or a class's unbound method where ``R`` is a module or a class
        (``ReceiverCall``), whose arguments may change then. Kept for the runtime to
        resolve where ``R`` is a global's constant path; otherwise (an expression, a body's
        local) a change of its arguments is assumed as of an unknown call's when ``m``
        mutates: a pure one may then only be a ufunc writing into a positional ``out``."""
        assert isinstance(call.func, ast.Attribute)
        found = symbol_path(call.func.value)
        if found is None or not self.is_global_now(found[0]):
            if mutating:
                for argument in (*call.args, *(k.value for k in call.keywords)):
                    self.record_candidate(argument)
            return
        inside = self._inside_body()

        def reached(node: ast.expr) -> frozenset[str]:
            handed, called = self.reached(node)
            if inside:  # expanded through the body's names when its summary closes
                return frozenset((*handed, *called))
            handed_to, only_called = self._closure(handed, called)
            return frozenset(n for n in handed_to | only_called if self.is_global_now(n))

        receiver_call = ReceiverCall(
            found[0],
            found[1],
            method,
            mutating,
            tuple(reached(argument) for argument in call.args),
            frozenset().union(*(reached(k.value) for k in call.keywords)),
        )
        if inside:
            for summary in self.open_summaries:
                summary.receiver_calls.add(receiver_call)
        else:
            self.receiver_calls.add(receiver_call)

    def record_candidate(self, node: ast.expr) -> None:
        """The object ``node`` names may be changed in place by code reflow cannot see into.

        At cell level that makes a global a candidate for fingerprints before and
        after the cell; inside a body, a candidate of every summary being built
        (kept, when the summary closes, for the names the body reads as globals).
        """
        handed, called = self._closure(*self.reached(node))
        self._candidates(handed, called=False)
        self._candidates(called, called=True)

    def reached(self, node: ast.expr) -> tuple[list[str], list[str]]:
        """The names whose objects the value of ``node`` may be or hold: those it hands over,
        and those it only calls (``max(xs)`` hands over ``xs`` and calls ``max``).

        A path (``x.a[0]``) is its root's. Any other expression (``d.get("k")``,
        ``max(xs)``, ``(a or b)``, ``[x][0]``, ``get()``) may give back any object
        reachable from what it reads, so every name it reads counts; a function this
        cell defines hands over what its body reads (one another cell defines says so
        in its summary: what its body returns it hands out, ``record_handed_out``).
        A name only called counts as the cell's calls do (``CellAnalysis.called``): an
        object made by calling a class does not share the class; a builtin that leaves
        its arguments alone holds nothing to give back.
        """
        found = symbol_path(node)
        if found is not None:
            return [found[0]], []
        # (`c` in `a if c else b` is no object the value may be: it only chooses.)
        if isinstance(node, ast.IfExp):
            return self.reached_by_code([node.body, node.orelse])
        if isinstance(node, ast.BoolOp):
            return self.reached_by_code(node.values)
        if isinstance(node, ast.NamedExpr):
            return self.reached(node.value)
        loads = _loaded_names(node)
        handed = list(dict.fromkeys(name for name, is_called in loads if not is_called))
        called = [
            name
            for name in dict.fromkeys(name for name, is_called in loads if is_called)
            if name not in handed and name not in PURE_FUNCTIONS
        ]
        pending = [name for name in [*handed, *called] if name in self.summaries]
        seen = set(pending)
        while pending:
            for read in self.summaries[pending.pop()].reads:
                handed.append(read)
                if read in self.summaries and read not in seen:
                    seen.add(read)
                    pending.append(read)
        return handed, called

    def reached_by_code(self, nodes: Iterable[ast.AST]) -> tuple[list[str], list[str]]:
        """What running ``nodes`` may come upon, as ``reached`` tells it of an expression."""
        handed: list[str] = []
        called: list[str] = []
        for node in nodes:
            more = (
                self.reached(node)
                if isinstance(node, ast.expr)
                else self.reached_by_code(ast.iter_child_nodes(node))
            )
            handed += more[0]
            called += more[1]
        return handed, called

    def record_handed_out(self, node: ast.expr) -> None:
        """A body's ``return``, ``yield`` or ``raise`` hands ``node``'s value to code the
        body cannot see (its caller, a handler), which may change it: as a call would."""
        if self._inside_body():
            self.record_candidate(node)

    def record_callee(self, name: str) -> None:
        """``name(...)``: what the name holds may change itself (a bound method its
        receiver, a callable object its own state); a loop variable's containers hold it."""
        handed, called = self._closure([], [name])
        self._candidates(called, called=True)
        self._candidates(handed, called=False)

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

    def record_sharing(
        self, targets: list[str], value: ast.expr, *, at_cell: bool | None = None
    ) -> None:
        """`a = b`, `a = b.x`, `a = [b]`, `a, c = b`: at cell level (``at_cell``: where the
        targets are bound, the walk's scope unless told), `a` may share objects with `b`.

        Whatever the value, `a` may hold objects of whatever it reaches (``reached``):
        changing `a` in this cell (or body: bodies keep no ``shares``) may change them,
        as changing a loop variable changes what it iterates. That covers what no pair
        says: a value that is no path nor display (`a = d.get("k")`, `a = list(xs)`),
        and what holds the roots in this cell (`for p in xs: q = p`).
        """
        handed, called = self.reached(value)
        if at_cell is None:
            at_cell = self.at_cell_level()
        if at_cell:
            # (Not what holds the roots in this cell: `v = f(x)` keeps `v` to the cell.)
            for root in _roots(value):
                for target in targets:
                    if target != root:
                        self.shares.add((target, root))
        self.hold(targets, handed, called)

    def hold(self, targets: Iterable[str], handed: Iterable[str], called: Iterable[str]) -> None:
        """The objects of ``targets`` may be, or hold, what ``handed`` and ``called`` reach
        (``element_of``, ``made_by``), for the changes the cell makes through them."""
        handed, called = set(handed), set(called)
        if not handed and not called:
            return
        maps = [(s.element_of, s.made_by) for s in self.open_summaries]
        if not self._inside_body():
            maps = [(self.element_of, self.made_by)]
        for element_of, made_by in maps:
            for target in targets:
                if found := handed - {target}:
                    element_of.setdefault(target, set()).update(found)
                if found := called - {target}:
                    made_by.setdefault(target, set()).update(found)

    def iterate(self, targets: set[str], iterable: ast.expr) -> None:
        """``for targets in iterable``: the targets are elements of what it iterates."""
        self.hold(targets, *self._iterated_roots(iterable))

    def _iterated_roots(self, node: ast.expr) -> tuple[list[str], list[str]]:
        """What a ``for`` hands out elements of: ``rows``, ``enumerate(rows)``,
        ``d.items()``; for another call (``filter(None, rows)``), whatever it reaches."""
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in _ITERATING_FUNCTIONS:
                handed: list[str] = []
                called: list[str] = []
                for argument in node.args:
                    more = self._iterated_roots(argument)
                    handed += more[0]
                    called += more[1]
                return handed, called
            if isinstance(func, ast.Attribute) and func.attr in _ITERATING_METHODS:
                return self.reached(func.value)
        return self.reached(node)

    def _closure(self, handed: Iterable[str], called: Iterable[str]) -> tuple[set[str], set[str]]:
        """At cell level, ``_closure`` of the cell's own holds; in a body, the names as
        they are: ``close_summary`` expands them through the body's."""
        if self._inside_body():
            return set(handed), set(called) - set(handed)
        return _closure(handed, called, self.element_of, self.made_by)

    def _inside_body(self) -> bool:
        return any(isinstance(scope, FunctionScope) for scope in self.stack)

    def inside_body(self) -> bool:
        """Whether the walk is in the body of a function or lambda (at any depth)."""
        return self._inside_body()

    # -- result -------------------------------------------------------------

    def _reads_own_imports(self) -> frozenset[str]:
        """``CellAnalysis.reads_own_imports``: of the names an import binds at cell level
        (a module, or what `from m import x` takes from one), those read once bound."""
        imported = {n for n, kinds in self.bind_kinds.items() if BindingKind.IMPORTED in kinds}
        if not self.imports and not imported:
            return EMPTY
        return freeze((self.imports | imported) & self.read_bound)

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
            reads_own_imports=self._reads_own_imports(),
            imported=freeze(self.imported),
            deletes=freeze(self.deletes),
            mutations=tuple(self.mutations),
            may_change=freeze(self.may_change),
            receiver_calls=freeze(self.receiver_calls),
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
                        stores=freeze(s.stores),
                        receiver_calls=freeze(s.receiver_calls),
                        dynamic=s.dynamic,
                    )
                    for name, s in self.summaries.items()
                }
            ),
            calls_only=freeze(self.refs - self.read_uncalled),
            closes_over=freeze(self.closes_over),
            maybe_unbound=freeze(self.defs - self.cell.bound),
            star_import=star_import,
            star_reads=EMPTY
            if self.refs_before_star is None
            else freeze(self.refs - self.refs_before_star),
            dynamic=dynamic or self.calls_dynamic,
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


def _globals_of_call(
    call: ReceiverCall, summary: SummaryAccumulator, globals_touched: set[str]
) -> ReceiverCall:
    """A body's ``ReceiverCall`` with its arguments' names widened through what the body's
    names may hold (a loop variable its container) and narrowed to the body's globals."""

    def of(names: frozenset[str]) -> frozenset[str]:
        handed, called = _closure(names, (), summary.element_of, summary.made_by)
        return frozenset((handed | called) & globals_touched)

    return ReceiverCall(
        call.root,
        call.path,
        call.method,
        call.mutating,
        tuple(of(names) for names in call.arguments),
        of(call.keywords),
    )


def _closure(
    handed: Iterable[str],
    called: Iterable[str],
    element_of: Mapping[str, set[str]],
    made_by: Mapping[str, set[str]],
) -> tuple[set[str], set[str]]:
    """``handed`` and ``called`` with what holds them (``element_of``, ``made_by``),
    transitively: the names handed over, and those only called."""
    handed, called = set(handed), set(called)
    if not any(name in element_of or name in made_by for name in handed | called):
        return handed, called - handed  # (most often: nothing holds them)
    found: tuple[set[str], set[str]] = (set(), set())
    pending = [(name, False) for name in handed] + [(name, True) for name in called]
    while pending:
        name, is_called = pending.pop()
        into = found[is_called]
        if name not in into:
            into.add(name)
            pending += [(n, False) for n in element_of.get(name, ())]
            pending += [(n, True) for n in made_by.get(name, ())]
    return found[0], found[1] - found[0]


def _loaded_names(node: ast.AST, own: frozenset[str] = frozenset()) -> list[tuple[str, bool]]:
    """The names an expression reads, each with whether it is called right there (``f`` in
    ``f(x)``), less those it binds for itself where they are its own (a comprehension's
    targets, a lambda's parameters): they name no object outside."""
    if isinstance(node, ast.Name):
        return [(node.id, False)] if isinstance(node.ctx, ast.Load) and node.id not in own else []
    if isinstance(node, ast.Constant):
        return []
    if isinstance(node, ast.Attribute):
        return _loaded_names(node.value, own)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        found = [] if node.func.id in own else [(node.func.id, True)]
        for argument in [*node.args, *node.keywords]:
            found += _loaded_names(argument, own)
        return found
    if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
        found = _loaded_names(node.generators[0].iter, own)
        inner = set(own)
        for generator in node.generators:
            inner.update(_stored_names(generator.target))
        inside = frozenset(inner)
        for position, generator in enumerate(node.generators):
            if position:
                found += _loaded_names(generator.iter, inside)
            for condition in generator.ifs:
                found += _loaded_names(condition, inside)
        elements = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        for element in elements:
            found += _loaded_names(element, inside)
        return found
    if isinstance(node, ast.Lambda):
        arguments = node.args
        found = []
        for default in [*arguments.defaults, *arguments.kw_defaults]:
            if default is not None:
                found += _loaded_names(default, own)
        params = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
        params += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
        return found + _loaded_names(node.body, own | {a.arg for a in params})
    return [name for child in ast.iter_child_nodes(node) for name in _loaded_names(child, own)]


def _stored_names(target: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
