"""The graph's view of one cell: static analysis widened by what its last run showed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from reflow._types import EMPTY, freeze
from reflow.analysis.effects import CellAnalysis, FunctionSummary, MutationKind


def builtins_stores(analysis: CellAnalysis) -> tuple[frozenset[str], frozenset[str]]:
    """The names the cell's statements store into the builtins module (`builtins.z = 2`,
    `b.z += 1` after `import builtins as b`, `__builtins__.z = 2`), and those they delete
    from it (`del builtins.z`): a name no global binds resolves there, so these write it
    for its readers. The module by the names the cell imports it as, `__builtins__`, and
    the name `builtins` whatever cell imports it (a store into another object so named
    only counts as a write of the name it stores: when in doubt, a writer)."""
    if not analysis.mutations:
        return EMPTY, EMPTY
    modules = {"builtins", "__builtins__"}
    modules.update(name for name, module in analysis.imported if module == "builtins")
    stored, deleted = set(), set()
    for mutation in analysis.mutations:
        path = mutation.path
        if (
            mutation.name in modules
            and len(path) == 1
            and isinstance(path[0], str)
            and path[0].startswith(".")
        ):
            if mutation.kind is MutationKind.ATTR_DELETE:
                deleted.add(path[0][1:])
            elif mutation.kind is not MutationKind.METHOD_CALL:
                stored.add(path[0][1:])
    return freeze(stored), freeze(deleted)


@dataclass(frozen=True, slots=True)
class CellEffects:
    """Names one cell reads and writes, as far as anyone knows them now.

    ``observed_binds``/``observed_deletes`` come from the runtime's namespace
    diff of the cell's last run (``exec``, ``globals()``, ``import *``, a called
    function's ``global`` write), ``observed_mutates`` from its fingerprints (an
    object changed by a call static analysis could not see into): the graph
    trusts the union of what it was told statically and what was seen, which
    is what keeps it sound for cells whose effects static analysis cannot
    enumerate.
    """

    analysis: CellAnalysis
    observed_binds: frozenset[str] = frozenset()
    observed_deletes: frozenset[str] = frozenset()
    observed_mutates: frozenset[str] = frozenset()
    observed: bool = False
    """Whether the current code has run: until it has, every object it may change
    counts as changed (``pending_mutates``), so no reader below is shown fresh."""
    observed_carried: frozenset[tuple[str, FunctionSummary]] = frozenset()
    """Names the last run wrote whose values carry notebook code (``fs = [foo]``, an
    instance of a notebook class), with what that code touches (``runtime.carried``):
    a cell that reads such a name may call it, as if it called a function by name."""
    observed_shares: frozenset[tuple[str, str]] = frozenset()
    """Pairs of a name the last run bound and another global found bound to the same
    object, which the code does not tell (`o2 = o.add(1)`, `add` returning `self`): they
    share objects as ``CellAnalysis.shares`` pairs do."""
    observed_instances: frozenset[tuple[str, str]] = frozenset()
    observed_module_reads: frozenset[str] = frozenset()
    """Globals the last run found bound to a module whose code a function or class the
    cell calls by name runs (`from m import f` then `f()`: `f` reads `m`'s globals, as
    `m.f()` does): the cell reads them whole, stores into the module included."""
    """Pairs of a name the last run bound to an instance of a notebook class and a name
    the class was bound to then (`obj = K()`: `("obj", "K")`): a store into that class
    changes what the instance gives (``NotebookFunctions.instances_of``)."""
    binds: frozenset[str] = field(init=False)
    mutates: frozenset[str] = field(init=False)
    deletes: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        a = self.analysis
        # The analysis's own sets where the run saw nothing more (most cells): a kernel
        # keeps one of these per cell, and equal copies were most of its memory per cell.
        binds = a.defs | self.observed_binds if self.observed_binds else a.defs
        deletes = a.deletes | self.observed_deletes if self.observed_deletes else a.deletes
        if a.mutations:
            # (Stores into the builtins module: writes of the names they store.)
            stored, deleted = builtins_stores(a)
            if stored:
                binds = binds | stored
            if deleted:
                deletes = deletes | deleted
        object.__setattr__(self, "binds", freeze(binds))
        mutates = (a.mutated_names | self.observed_mutates) - a.defs
        object.__setattr__(self, "mutates", freeze(mutates))
        object.__setattr__(self, "deletes", freeze(deletes))

    @property
    def refs(self) -> frozenset[str]:
        """What the cell reads; a name it was seen to change through an alias counts:
        whether the alias still holds depends on that name's binding."""
        return self.analysis.refs | self.observed_mutates

    @property
    def functions(self) -> Mapping[str, FunctionSummary]:
        if not self.observed_carried:
            return self.analysis.functions
        return {**dict(self.observed_carried), **self.analysis.functions}

    @property
    def reads_all(self) -> bool:
        """``exec``/``eval``/``globals()`` in the cell: it may read any name."""
        return self.analysis.dynamic

    @property
    def writes(self) -> frozenset[str]:
        return self.binds | self.mutates | self.deletes

    @property
    def pending(self) -> bool:
        return not self.observed

    @property
    def may_change(self) -> frozenset[str]:
        """Globals whose objects the cell may change in place: to fingerprint around a run."""
        return self.analysis.may_change | self.mutates

    def with_observed(
        self,
        binds: Iterable[str],
        deletes: Iterable[str],
        mutates: Iterable[str],
        carried: Mapping[str, FunctionSummary] | None = None,
        shares: frozenset[tuple[str, str]] = frozenset(),
        instances: frozenset[tuple[str, str]] = frozenset(),
        module_reads: frozenset[str] = frozenset(),
    ) -> CellEffects:
        return CellEffects(
            self.analysis,
            freeze(binds),
            freeze(deletes),
            freeze(mutates),
            observed=True,
            observed_carried=freeze(carried.items() if carried else ()),
            observed_shares=freeze(shares),
            observed_instances=freeze(instances),
            observed_module_reads=freeze(module_reads),
        )

    @property
    def shares(self) -> frozenset[tuple[str, str]]:
        """The pairs of names the cell makes share objects: by its code, and as its last
        run was seen to."""
        if not self.observed_shares:
            return self.analysis.shares
        return self.analysis.shares | self.observed_shares

    def with_analysis(self, analysis: CellAnalysis) -> CellEffects:
        """New source, same observations: until it runs, what its last run did still stands
        (and, the new code being unobserved, whatever it may change counts as changed)."""
        return CellEffects(
            analysis,
            self.observed_binds,
            self.observed_deletes,
            self.observed_mutates,
            observed_carried=self.observed_carried,
            observed_shares=self.observed_shares,
            observed_instances=self.observed_instances,
            observed_module_reads=self.observed_module_reads,
        )
