"""Widening a cell's effects through the notebook's functions and modules.

A cell that calls ``f`` reads, at call time, the globals ``f`` reads, and
writes those it declares ``global`` (docs/semantics.md): the summaries of every
function defined anywhere in the notebook are kept here and applied
transitively, so that ``f`` calling ``g`` calling for ``z`` makes the caller
read ``z``. Summaries are united over every cell defining a name, which is
sound when a name is defined twice.

Names bound by an ``import`` are modules: ``np.sort(a)`` calls a function,
it does not change ``np``, so such names are never mutated.

What a call may change, when the cell has not run yet or its last run no longer
tells (``Expanded.alters``), also depends on what every cell binds the names to
(``BindingKind``): a constant and a function cannot be seen to change (an int
has no state; a function is fingerprinted by identity); a class, or a name
``from m import`` bound, changes when called only as its own code says (the
class's summary) or as a run saw.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field

from reflow._types import EMPTY, EMPTY_MAP, CellId, freeze, freeze_like, no_items, or_empty
from reflow.analysis.effects import (
    BindingKind,
    CellAnalysis,
    FunctionSummary,
    MutationKind,
    PartStore,
    PathPart,
    ReceiverCall,
)
from reflow.graph.effects import CellEffects
from reflow.graph.names import BUILTIN_NAMES


@dataclass(frozen=True, slots=True)
class Expanded:
    """A cell's effects after filtering and widening through the notebook's functions."""

    refs: frozenset[str]
    binds: frozenset[str]
    mutates: frozenset[str]
    deletes: frozenset[str]
    reads_all: bool
    """Whether the cell may read any global (``exec``, ``eval``, ``globals()``): in its
    own code, or in the body of a notebook function it calls (``FunctionSummary.dynamic``)."""
    may_change: frozenset[str] = frozenset()
    alias_only: frozenset[str] = frozenset()
    module_code: frozenset[str] = frozenset()
    """Refs the cell reads only because code of their module runs in its calls
    (``CellEffects.observed_module_reads``): the module's state, which every import of it
    gives, not the binding; so never an out-of-order usage."""
    star_bound: frozenset[str] = frozenset()
    """Refs the cell reads after its ``import *`` that its last run saw that import bind
    (``CellAnalysis.star_reads``; `from math import *` then `cos(0)`): read from the cell
    itself, never from a cell below."""
    imported_as: frozenset[str] = frozenset()
    """The other names cells import the modules the cell imports as
    (``NotebookFunctions.same_module``): `import json as js` holds what `json` holds,
    whatever cell binds `json`, or none."""
    path_reads: Mapping[str, frozenset[tuple[PathPart, ...]]] = field(
        default_factory=no_items, hash=False
    )
    """Refs the cell reads only at these constant paths (see ``CellAnalysis.read_paths``);
    never a name a called function reads, since a body reads whole."""
    module_reads: Mapping[str, frozenset[tuple[PathPart, ...]]] = field(
        default_factory=no_items, hash=False
    )
    """Refs read whole only as the receiver of a call, and what is read of them if they
    are bound to a module (``CellAnalysis.module_reads``), under the same conditions."""
    called_stores: frozenset[PartStore] = frozenset()
    """The parts of globals the notebook functions the cell calls store into
    (``FunctionSummary.stores``): a module's are written by each run of the cell."""
    unrun_widens: bool = False
    """Whether ``mutates`` holds names only because the cell has not run yet (what it
    may change shares objects with them): when false, a first run that sees nothing
    static analysis did not leaves the expansion as it is."""
    alters: frozenset[str] = frozenset()
    """Of ``may_change`` (what the runtime fingerprints), the names whose objects a run
    of the cell may change where no earlier run can vouch for it (before it ran, or once
    what it reads changed): not a constant nor a function, nor a class or an imported
    name the cell only calls (see the module docstring)."""
    receiver_calls: frozenset[ReceiverCall] = frozenset()
    """The cell's calls of table methods on globals that may be modules or classes, and
    those of the notebook functions it calls (``ReceiverCall``): the runtime resolves them
    before each run (``runtime.changes.receiver_call_changes``)."""

    @property
    def writes(self) -> frozenset[str]:
        return self.binds | self.mutates | self.deletes


_NEVER_CHANGES = frozenset({BindingKind.CONSTANT, BindingKind.FUNCTION})
"""Kinds of values no run can be seen to change: an immutable value, and a function
(fingerprinted by identity: its code is tracked by the cell that defines it)."""

_CHANGES_WHEN_CALLED_AS_SEEN = frozenset(
    {BindingKind.CONSTANT, BindingKind.FUNCTION, BindingKind.CLASS, BindingKind.IMPORTED}
)
"""Kinds of values that calling does not change unless their code says so (a class's
summary names the class when its methods may change it) or a run saw it: an object
made by calling a class does not share the class."""


_KindCounts = tuple[tuple[BindingKind | None, int], ...]
"""For a name: how many cells bind it to each kind (None: any value), by kind."""


def _by_kind(count: tuple[BindingKind | None, int]) -> str:
    """Sorts counts by kind, "any value" (None) first: no kind's value is empty."""
    return count[0] or ""


def _bindings(effects: CellEffects | None) -> tuple[dict[str, BindingKind | None], set[str]]:
    """What the cell binds each name to (None: any value), and the names functions it
    defines bind with ``global``."""
    bound: dict[str, BindingKind | None] = {}
    in_functions: set[str] = set()
    if effects is not None:
        kinds = effects.analysis.bound_as
        for name in effects.binds:
            # (a binding seen at run time only, `globals()[n] = ...`: any value)
            bound[name] = kinds.get(name) if name in effects.analysis.defs else None
        for summary in effects.functions.values():
            in_functions.update(summary.writes)
    return bound, in_functions


def _changed_in_parts(analysis: CellAnalysis) -> frozenset[str]:
    """Names the cell changes below them by a known mutating method (``plt.rcParams.update``,
    ``np.random.shuffle(x)``): for a module, as a store into it would (the runtime writes
    the part where it holds an object, ``Session._module_stores``)."""
    return frozenset(
        m.name for m in analysis.mutations if m.path and m.kind is MutationKind.METHOD_CALL
    )


class NotebookFunctions:
    """Function summaries, module names and binding kinds of every cell, for widening."""

    def __init__(self) -> None:
        self._functions: dict[str, dict[CellId, FunctionSummary]] = {}
        self._modules: dict[str, set[CellId]] = {}
        # module's dotted name -> the names cells import it as -> those cells
        self._imported_as: dict[str, dict[str, set[CellId]]] = {}
        # The names of the modules cells import under more than one name (``same_module``
        # has something to say of them alone): a cell storing into none of them asks no more.
        self._aliased_modules: frozenset[str] = frozenset()
        # class name -> names runs bound to an instance of the class it held -> those cells
        self._instances: dict[str, dict[str, set[CellId]]] = {}
        self.instances_changed: set[str] = set()
        """The class names whose ``instances_of`` the last ``set_cell`` changed: only a cell
        not run yet storing into one of them widens otherwise."""
        # name -> names some cell makes it share objects with (both ways), per cell
        self._shares: dict[str, dict[str, set[CellId]]] = {}
        # name -> how many binding cells bind it to each kind (None: any value), and the
        # cells defining functions that bind it with `global` (to anything)
        self._kinds: dict[str, _KindCounts] = {}
        self._bound_in_functions: dict[str, set[CellId]] = {}
        self._agreeing: dict[_KindCounts, _KindCounts] = {}  # see ``_count_kind``
        self.kinds_epoch = 0
        """Changes whenever ``kind`` may answer otherwise for some name."""

    def set_cell(
        self, cell: CellId, before: CellEffects | None, effects: CellEffects | None
    ) -> set[str]:
        """Record (or, with ``None``, forget) a cell's functions and imports.

        ``before``: the effects last given for the cell (``None``: none), or effects that
        bind the same names to the same kinds (the graph's, after a run that saw nothing
        new): its bindings are counted out, not kept a second time per cell.
        Returns the names whose meaning changed: cells that use them must be
        widened again.
        """
        self.instances_changed = self._set_instances(
            cell, effects.observed_instances if effects else frozenset()
        )
        functions = effects.functions if effects else {}
        imports = effects.analysis.imports if effects else frozenset()
        imported = effects.analysis.imported if effects else frozenset()
        shares = effects.shares if effects else frozenset()
        return (
            self._set_functions(cell, functions)
            | self._set_modules(cell, imports)
            | self._set_imported(cell, imported)
            | self._set_shares(cell, shares)
            | self._set_kinds(cell, before, effects)
        )

    def defines(self, name: str) -> bool:
        """Whether some cell defines ``name`` as code (or leaves code in its value)."""
        return name in self._functions

    def is_module(self, name: str) -> bool:
        """Whether some cell binds ``name`` with an ``import`` statement."""
        return name in self._modules

    def imported_names(self) -> Iterable[str]:
        """The names some cell binds with an ``import`` statement."""
        return self._modules.keys()

    def _may_be_module(self, name: str) -> bool:
        """Whether some cell imports ``name``, or makes it share what a name some cell
        imports holds (`m = np`)."""
        return self.is_module(name) or not self._modules.keys().isdisjoint(
            self._shares.get(name, ())
        )

    def same_module(self, names: Iterable[str]) -> frozenset[str]:
        """The other names some cell imports a module as that some cell imports as one of
        ``names`` (`import json as js` and `import json`: `js` and `json` hold one module)."""
        found: set[str] = set()
        for modules in self._imported_as.values():
            if len(modules) > 1 and not modules.keys().isdisjoint(names):
                found.update(modules)
        return freeze(found.difference(names))

    def kind(self, name: str) -> BindingKind | None:
        """What every cell binding ``name`` binds it to, if they agree and it is known."""
        counts = self._kinds.get(name)
        if counts is None or len(counts) != 1 or name in self._bound_in_functions:
            return None
        return counts[0][0]

    def never_changes(self, name: str) -> bool:
        """Whether no run can be seen to change the object ``name`` holds in place."""
        return self.kind(name) in _NEVER_CHANGES

    def expand(
        self,
        effects: CellEffects,
        links: Callable[[str], bool],
        reaching: Callable[[str, Mapping[CellId, FunctionSummary]], Iterable[FunctionSummary]]
        | None = None,
    ) -> Expanded:
        """The cell's effects widened through the functions it calls. ``reaching`` picks,
        of the cells that define a name (or leave code in its value), those whose code
        a call from this cell runs in a run-all (in_order: the nearest above); every
        one of them without it."""
        refs = {n for n in effects.analysis.refs if links(n)}
        module_code = (
            freeze(n for n in effects.observed_module_reads if n not in refs and links(n))
            if effects.observed_module_reads
            else EMPTY
        )
        refs |= module_code
        writes: set[str] = set()
        may_change = set(effects.may_change)
        # Names only called, and names handed over or changed otherwise (see ``alters``).
        called = set(effects.analysis.called)
        handled = may_change - called
        # A function called where the cell has bound a name itself (`l = 1; x = f()`) reads
        # that name from the cell: no ref. Each function is expanded with the names bound
        # at every call reaching it (again, with fewer, when another call has fewer).
        bound_at = effects.analysis.bound_at_reads
        pending = [
            (n, bound_at.get(n, EMPTY))
            for n in refs
            if n in self._functions and self._may_run_code(n, effects.analysis, reaching)
        ]
        expanded_with: dict[str, frozenset[str]] = {}
        read_by_calls: set[str] = set()
        called_stores: set[PartStore] = set()
        # Classes read through the instances a value holds: (carrier, class) pairs.
        through_instances: list[tuple[str, str]] = []
        receiver_calls = set(effects.analysis.receiver_calls)
        # A function whose body uses `exec`, `eval` or `globals()` reads any global at the
        # call, as the cell's own use would: the caller reads them all.
        reads_all = effects.reads_all
        while pending:
            name, bound = pending.pop()
            known = expanded_with.get(name)
            if known is not None:
                if known <= bound:
                    continue
                bound = known & bound
            expanded_with[name] = bound
            definers = self._functions.get(name, {})
            for summary in definers.values() if reaching is None else reaching(name, definers):
                refs.update(n for n in summary.classes if links(n))
                # (A class carries itself: its own read says what of it a cell reads.)
                through_instances += [(name, n) for n in summary.classes if n != name and links(n)]
                read_by_calls |= summary.reads
                for read in summary.reads:
                    if not links(read):
                        continue
                    if read not in bound:
                        refs.add(read)
                    if read in self._functions:
                        pending.append((read, bound))
                writes.update(n for n in summary.writes if links(n))
                called_stores.update(s for s in summary.stores if links(s[0]))
                may_change.update(summary.may_change)
                called.update(summary.called)
                handled.update(summary.may_change - summary.called)
                receiver_calls |= summary.receiver_calls
                reads_all = reads_all or summary.dynamic
        # Before a run tells what the receiver is: a name some cell imports (or makes share
        # a module: `m = np`), or binds to a class or to what `from m import` gives, makes
        # a mutating table method a function of a module's (`np.put(a, ...)`, a ufunc's
        # `out=`: `m.multiply(a, 2, out=a)`) or an unbound method (`np.ndarray.fill(a, k)`).
        for call in receiver_calls:
            if call.mutating and (
                self._may_be_module(call.root)
                or self.kind(call.root) in (BindingKind.CLASS, BindingKind.IMPORTED)
            ):
                may_change |= call.names()
                handled |= call.names()
        called -= handled
        # (Each set below is the effects' or the analysis's own where it holds the same
        # names, as most cells' do: ``freeze_like``.)
        changeable = freeze_like((n for n in may_change if links(n)), effects.analysis.may_change)
        alters = freeze_like(
            (
                n
                for n in changeable
                if not (n in called and self.kind(n) in _CHANGES_WHEN_CALLED_AS_SEEN)
                and not self.never_changes(n)
            ),
            changeable,
        )
        binds = freeze(n for n in effects.binds if links(n))
        mutating = effects.mutates
        unrun_widens = False
        shared_modules: frozenset[str] = EMPTY
        if effects.pending:  # not run yet: anything it may change, or what shares with it
            # (or, of a class, its instances: `K.get = ...` changes what `obj.get` gives)
            shared = self.sharing_closure(alters, changeable=True)
            widened = mutating | shared
            # A module holding what it may change through a name bound to it (`e.append(0)`
            # after `e = m.lst`): changed as a run would see (``observed_mutates``).
            shared_modules = freeze(shared.intersection(self._modules).difference(alters))
            widened |= self.instances_of(alters | mutating)
            held = {m.name for m in effects.analysis.mutations if m.path} | {
                name for name, _, _ in called_stores
            }
            held &= self._modules.keys()
            if held:
                # What a module holds it may change in place (`m.lst.append(0)`): so it
                # changes the names a cell bound to that (`e = m.lst`), which the closure
                # does not follow through a module (`sep = os.sep`), whatever a cell
                # between binds there since (`m.lst = [1]` below it): a run-all makes the
                # change before (every name a cell made share with the module counts).
                direct = [n for name in held for n in self._shares.get(name, ())]
                widened |= self.sharing_closure(direct, changeable=True)
            unrun_widens = widened != mutating
            mutating = widened
        # A module's functions are not its methods (``np.mean(x)`` leaves ``np`` alone, and
        # ``os.remove`` is no ``list.remove``): a module changes only as seen when the cell
        # ran (``random.seed(2)``, ``np.random.rand()``: the global generator's state), or
        # where the cell stores into it (``mymod.y = 7``, ``pd.options.x = 1``).
        # A builtin handed to a call (`f(int)`, `raise ValueError(...)` in a function) is
        # no global of the notebook: only a cell that stores into it, or a builtin a cell
        # shadows and was seen to change, makes a cell its writer.
        stored = effects.analysis.stored_names | _changed_in_parts(effects.analysis)
        if effects.pending and stored:
            # Not run yet, a store through a name that may share a module (`mj = json`,
            # then `mj.Y = 2`) may be one into the module: its run shows which.
            stored = stored | (self.sharing_closure(stored).intersection(self._modules))
        # A module a function the cell calls stores into (`def setv(x): m.v = x`) is
        # changed by the call as by the store itself: no fingerprint would tell.
        into_modules = {name for name, _, _ in called_stores if name in self._modules}
        if into_modules:
            stored = stored | into_modules
            mutating = mutating | into_modules
        if stored and not self._aliased_modules.isdisjoint(stored):
            # A store through a name a cell imports a module as is one into that module
            # under every name cells import it as (`import json as js; js.Z = 1` stores
            # into `json.Z`), run or not: a run sees the other names bound at the time only
            # (an `import json` below binds the module holding the store).
            imported_as = self.same_module(stored)
            if imported_as:
                stored = stored | imported_as
                mutating = mutating | imported_as
        observed = effects.observed_mutates
        mutates = freeze(
            n
            for n in mutating
            if links(n)
            and (n not in self._modules or n in observed or n in stored or n in shared_modules)
            and (n not in BUILTIN_NAMES or n in observed or n in stored)
        )
        # Read whole whatever the cell's code says: a body reads whole, and so does a cell
        # of what its run was seen to change.
        whole_anyway = read_by_calls | effects.observed_mutates
        # Names the cell was only seen to change through an alias: read for their binding.
        # (Not ``alias_only`` in a cell using `exec` or `globals()`: which name it went
        # through is not known, `exec('a[0] = 1')` needs `a` bound, as `a[0] = 1` does.)
        seen_changed = freeze(n for n in effects.observed_mutates if links(n) and n not in refs)
        alias_only = EMPTY if reads_all else seen_changed
        imports = effects.analysis.imports
        return Expanded(
            refs=freeze_like(refs | seen_changed, effects.analysis.refs),
            alias_only=alias_only,
            module_code=module_code,
            star_bound=effects.analysis.star_reads & effects.observed_binds
            if effects.analysis.star_reads
            else EMPTY,
            imported_as=self.same_module(imports) if imports else EMPTY,
            binds=freeze_like(binds | (writes - effects.deletes), effects.binds),
            mutates=freeze_like(mutates - binds, effects.mutates),
            deletes=freeze_like((n for n in effects.deletes if links(n)), effects.deletes),
            reads_all=reads_all,
            may_change=changeable,
            alters=alters,
            receiver_calls=freeze_like(receiver_calls, effects.analysis.receiver_calls),
            called_stores=freeze(called_stores),
            unrun_widens=unrun_widens,
            path_reads=EMPTY_MAP
            if reads_all
            else or_empty(
                {
                    name: paths
                    for name, paths in self._path_reads(effects, refs, through_instances).items()
                    if name not in whole_anyway
                }
            ),
            module_reads=EMPTY_MAP
            if reads_all
            else or_empty(
                {
                    name: paths
                    for name, paths in effects.analysis.module_reads.items()
                    if name in refs and name not in whole_anyway
                }
            ),
        )

    def _may_run_code(
        self,
        name: str,
        analysis: CellAnalysis,
        reaching: Callable[[str, Mapping[CellId, FunctionSummary]], Iterable[FunctionSummary]]
        | None,
    ) -> bool:
        """Whether the cell's use of ``name``, which carries notebook code, may run it.

        A cell that only stores into parts of the value (`d['f'] = lambda: m.z + x`: it
        reads the binding alone) runs none of the code where every value reaching it is
        a function or a builtin container whose stores call nothing
        (``FunctionSummary.stores_run_no_code``). Widened anyway, it read the lambda's
        `m` whole at its own run, and went stale for a store into `m` below it that the
        lambda's callers read as a run-all does. (Callers still widen: their reads of
        `d` are no stores.) Costs a lookup per ref that carries code.
        """
        paths = analysis.read_paths.get(name)
        if paths is None or paths:
            return True
        definers = self._functions[name]
        chosen = definers.values() if reaching is None else reaching(name, definers)
        return not all(summary.stores_run_no_code for summary in chosen)

    def _path_reads(
        self,
        effects: CellEffects,
        refs: set[str],
        through_instances: list[tuple[str, str]],
    ) -> dict[str, frozenset[tuple[PathPart, ...]]]:
        """The refs the cell reads only in part, each from every way it reads them: its
        own constant paths (``CellAnalysis.read_paths``), a call of a class that makes an
        instance (``_construction``), and a class through an instance whose attributes
        alone the cell reads (``_through_instance``). Read whole any way: left out."""
        analysis = effects.analysis
        found: dict[str, set[tuple[PathPart, ...]]] = {}
        whole: set[str] = set()

        def note(name: str, paths: Iterable[tuple[PathPart, ...]] | None) -> None:
            if paths is None:
                whole.add(name)
            else:
                found.setdefault(name, set()).update(paths)

        for name in refs & analysis.refs:
            if name in analysis.read_paths:
                note(name, analysis.read_paths[name])
            elif name in analysis.calls_only:
                note(name, self._construction(name))
            else:
                note(name, None)
        for carrier, kind in through_instances:
            note(kind, _through_instance(analysis, carrier))
        return {name: frozenset(paths) for name, paths in found.items() if name not in whole}

    def _construction(self, name: str) -> frozenset[tuple[PathPart, ...]] | None:
        """For a name a cell only calls, that every definer binds to a class whose code
        bounds what making an instance reads (``FunctionSummary.constructs``): those
        attributes, as the parts of the class the call reads. Else None (all of it)."""
        summaries = self._functions.get(name)
        if not summaries or any(s.constructs is None for s in summaries.values()):
            return None
        spelled = {a for s in summaries.values() for a in s.constructs or ()}
        return frozenset(("." + a,) for a in spelled)

    def sharing_closure(self, names: Iterable[str], *, changeable: bool = False) -> frozenset[str]:
        """``names`` and every name some cell makes share objects with them, transitively;
        with ``changeable``, less the names no run can be seen to change."""
        found = self._shared_with(names, through_modules=False)  # `sep = os.sep`: nothing
        if changeable:
            return frozenset(n for n in found if not self.never_changes(n))
        return frozenset(found)

    def shared_with(self, name: str) -> Collection[str]:
        """The names some cell makes share objects with ``name`` directly (`e = m.lst`:
        `e` with `m`)."""
        return self._shares.get(name, {}).keys()

    def sharing_component(self, names: Iterable[str]) -> set[str]:
        """``names`` and every name some cell makes share objects with them, transitively,
        modules included (wider than ``sharing_closure``): every name whose
        ``sharing_closure`` may hold one of ``names`` is here."""
        return self._shared_with(names, through_modules=True)

    def _shared_with(self, names: Iterable[str], *, through_modules: bool) -> set[str]:
        found: set[str] = set()
        pending = list(names)
        while pending:
            name = pending.pop()
            if name not in found:
                found.add(name)
                if through_modules or name not in self._modules:
                    pending.extend(self._shares.get(name, ()))
        return found

    def _set_kinds(
        self, cell: CellId, before: CellEffects | None, effects: CellEffects | None
    ) -> set[str]:
        """Record what the cell binds each name to; the names whose ``kind`` changed."""
        bound_before, in_functions_before = _bindings(before)
        bound, in_functions = _bindings(effects)
        touched = bound_before.keys() | in_functions_before | bound.keys() | in_functions
        kinds = {name: self.kind(name) for name in touched}
        for name, kind in bound_before.items():
            self._count_kind(name, kind, -1)
        for name, kind in bound.items():
            self._count_kind(name, kind, 1)
        for name in in_functions_before - in_functions:
            holders = self._bound_in_functions.get(name)
            if holders is not None:
                holders.discard(cell)
                if not holders:
                    del self._bound_in_functions[name]
        for name in in_functions:
            self._bound_in_functions.setdefault(name, set()).add(cell)
        changed = {name for name in touched if self.kind(name) != kinds[name]}
        if changed:
            self.kinds_epoch += 1
        return changed

    def _count_kind(self, name: str, kind: BindingKind | None, step: int) -> None:
        """One binding cell more (``step`` 1) or less (-1) binds ``name`` to ``kind``.

        The counts of a name are a sorted tuple, and counts of one kind (every binder
        agrees: nearly every name) are one tuple shared by all the names counted alike,
        not a dict of cells per name (about 200 bytes on each name a session binds)."""
        counts = dict(self._kinds.get(name, ()))
        left = counts.get(kind, 0) + step
        if left:
            counts[kind] = left
        else:
            counts.pop(kind, None)
        if not counts:
            self._kinds.pop(name, None)
            return
        if len(counts) == 1:
            agreed = tuple(counts.items())
            self._kinds[name] = self._agreeing.setdefault(agreed, agreed)
        else:  # (unshared: their variety is not bounded by the kinds alone)
            self._kinds[name] = tuple(sorted(counts.items(), key=_by_kind))

    def instances_of(self, names: Iterable[str]) -> frozenset[str]:
        """The names runs bound to an instance of a class one of ``names`` held
        (``CellEffects.observed_instances``): whatever class a name holds now, and whichever
        cell binds it, a store into the class a cell reaches may be one into theirs."""
        instances = self._instances
        if not instances:
            return EMPTY
        found: set[str] = set()
        for name in names:
            found.update(instances.get(name, ()))
        return frozenset(found)

    def _set_instances(self, cell: CellId, pairs: frozenset[tuple[str, str]]) -> set[str]:
        """Record the (instance, class) names the cell's last run bound; the class names
        whose ``instances_of`` changed."""
        changed: set[str] = set()
        for kind, names in list(self._instances.items()):
            for name, cells in list(names.items()):
                if cell in cells and (name, kind) not in pairs:
                    cells.discard(cell)
                    if not cells:
                        del names[name]
                        changed.add(kind)
            if not names:
                del self._instances[kind]
        for name, kind in pairs:
            cells = self._instances.setdefault(kind, {}).setdefault(name, set())
            if not cells:
                changed.add(kind)
            cells.add(cell)
        return changed

    def _set_shares(self, cell: CellId, shares: frozenset[tuple[str, str]]) -> set[str]:
        pairs = shares | {(b, a) for a, b in shares}
        changed: set[str] = set()
        for name, others in list(self._shares.items()):
            for other, cells in list(others.items()):
                if cell in cells and (name, other) not in pairs:
                    cells.discard(cell)
                    changed.add(name)
                    if not cells:
                        del others[other]
            if not others:
                del self._shares[name]
        for name, other in pairs:
            cells = self._shares.setdefault(name, {}).setdefault(other, set())
            if cell not in cells:
                cells.add(cell)
                changed.add(name)
        return changed

    def _set_functions(self, cell: CellId, functions: Mapping[str, FunctionSummary]) -> set[str]:
        changed: set[str] = set()
        for name, defined in list(self._functions.items()):
            if cell in defined and functions.get(name) != defined[cell]:
                del defined[cell]
                changed.add(name)
                if not defined:
                    del self._functions[name]
        for name, summary in functions.items():
            defined = self._functions.setdefault(name, {})
            if defined.get(cell) != summary:
                defined[cell] = summary
                changed.add(name)
        return changed

    def _set_imported(self, cell: CellId, imported: frozenset[tuple[str, str]]) -> set[str]:
        """Record the modules the cell imports and under which names; the names whose
        ``same_module`` changed (every name of a module gained or lost one)."""
        changed: set[str] = set()
        for module, names in list(self._imported_as.items()):
            for name, cells in list(names.items()):
                if cell in cells and (name, module) not in imported:
                    cells.discard(cell)
                    if not cells:
                        del names[name]
                        changed.update(names, (name,))
            if not names:
                del self._imported_as[module]
        for name, module in imported:
            names = self._imported_as.setdefault(module, {})
            cells = names.setdefault(name, set())
            if not cells:
                changed.update(names)
            cells.add(cell)
        if changed:
            self._aliased_modules = frozenset(
                name for names in self._imported_as.values() if len(names) > 1 for name in names
            )
        return changed if len(changed) > 1 else set()

    def _set_modules(self, cell: CellId, imports: frozenset[str]) -> set[str]:
        changed = set()
        for name in imports:
            holders = self._modules.setdefault(name, set())
            if not holders:
                changed.add(name)
            holders.add(cell)
        for name, holders in list(self._modules.items()):
            if cell in holders and name not in imports:
                holders.discard(cell)
                if not holders:
                    del self._modules[name]
                    changed.add(name)
        return changed


_LOOKUP = frozenset({(".__getattribute__",), (".__getattr__",)})
"""What an attribute read on an instance asks of its class besides the attribute."""


def _through_instance(
    analysis: CellAnalysis, carrier: str
) -> frozenset[tuple[PathPart, ...]] | None:
    """What a cell reads of the class of an instance ``carrier`` is bound to: the
    attributes it reads on the instance (a class attribute, a property or another
    descriptor may answer each) and the class's attribute lookup; all of it when the
    cell reads the instance otherwise (whole, an item, a call of a method)."""
    paths = analysis.read_paths.get(carrier)
    if paths is None or carrier not in analysis.refs:
        return None
    firsts = {path[0] for path in paths if path}
    if not firsts or not all(isinstance(p, str) and p.startswith(".") for p in firsts):
        return None
    return frozenset({(p,) for p in firsts}) | _LOOKUP
