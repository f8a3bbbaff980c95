"""The scopes a cell's code runs in, and what each remembers while the visitor walks it.

Python resolves a name by the kind of scope it is read in, and the visitor
needs two different bookkeepings for that:

- **flow scopes** (the cell itself and class bodies) run their statements
  once, top to bottom, while the cell runs. What matters there is which names
  are *definitely* bound at each point, so a ``FlowScope`` carries that set
  and knows how to save, restore and merge it at branches, loops and ``try``.
- **deferred scopes** (function and lambda bodies) run later, when called.
  Which of their names are local is a static fact of the whole body, so a
  ``FunctionScope`` only collects loads, stores and declarations, and
  resolves them once its body has been walked.

``ComprehensionScope`` sits between: its loop variables are local, everything
else is read from the enclosing scope at once (or, for a generator
expression, possibly later).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reflow.analysis.effects import PartStore, ReceiverCall


@dataclass(slots=True)
class FlowState:
    """A snapshot of a flow scope: the names definitely bound, and whether the path is dead.

    A dead path (after ``raise``, ``break``, ``continue``, ``return``) never reaches
    the code that follows the branch, so it does not weaken a merge.
    """

    bound: set[str]
    dead: bool = False


def merge(states: list[FlowState]) -> FlowState:
    """The state where several paths meet: names bound on every live path."""
    live = [s for s in states if not s.dead]
    dead = not live
    meeting = states if dead else live
    bound = set(meeting[0].bound)
    for state in meeting[1:]:
        bound &= state.bound
    return FlowState(bound, dead)


@dataclass(slots=True)
class LoopFrame:
    """What a loop body's walk collects for the states after the loop.

    ``reads`` are names the body read while they were bound: if the body can
    unbind one (``del``), a later iteration may read it unbound.
    """

    breaks: list[FlowState] = field(default_factory=list)
    continues: list[FlowState] = field(default_factory=list)
    reads: set[str] = field(default_factory=set)


class FlowScope:
    """A scope whose statements run in order now: the cell, or a class body."""

    __slots__ = ("bound", "dead", "loops", "regions")

    def __init__(self) -> None:
        self.bound: set[str] = set()
        self.dead = False
        self.loops: list[LoopFrame] = []
        # Names unbound (del, end of an except handler) inside each open try body.
        self.regions: list[set[str]] = []

    def is_bound(self, name: str) -> bool:
        """Whether ``name`` is definitely bound here; logs the read for enclosing loops."""
        if name in self.bound:
            if self.loops:
                self.loops[-1].reads.add(name)
            return True
        return False

    def unbind(self, name: str) -> None:
        """Forget ``name`` (``del``, or Python's implicit ``del e`` after a handler)."""
        self.bound.discard(name)
        if self.regions:
            self.regions[-1].add(name)

    def save(self) -> FlowState:
        return FlowState(set(self.bound), self.dead)

    def restore(self, state: FlowState) -> None:
        self.bound = set(state.bound)
        self.dead = state.dead

    def push_region(self) -> None:
        self.regions.append(set())

    def pop_region(self) -> set[str]:
        """Close a region; its unbound names count for the enclosing region too."""
        removed = self.regions.pop()
        if self.regions:
            self.regions[-1] |= removed
        return removed

    def pop_loop(self) -> LoopFrame:
        """Close a loop; its reads are reads of the enclosing loop's body too."""
        frame = self.loops.pop()
        if self.loops:
            self.loops[-1].reads |= frame.reads
        return frame


class CellScope(FlowScope):
    """The cell's own level: its bindings are the notebook's globals."""

    __slots__ = ()


class ClassScope(FlowScope):
    """A class body: its names are visible to later class statements, not to methods."""

    __slots__ = ("global_decls", "nonlocal_decls")

    def __init__(self) -> None:
        super().__init__()
        self.global_decls: set[str] = set()
        self.nonlocal_decls: set[str] = set()

    def has(self, name: str) -> bool:
        """Whether a read of ``name`` in this body finds the class's own binding."""
        return name not in self.global_decls and self.is_bound(name)


class FunctionScope:
    """A function or lambda body (or a lazily evaluated ``type`` alias value).

    Loads and stores are collected during the walk and resolved at the end,
    because one store anywhere in the body makes a name local everywhere in it.
    ``child_*`` hold what nested functions could not resolve themselves.
    """

    __slots__ = (
        "child_free",
        "child_globals",
        "child_writes",
        "global_decls",
        "global_writes",
        "loads",
        "locals",
        "nonlocal_decls",
    )

    def __init__(self, params: set[str]) -> None:
        self.locals: set[str] = params
        self.loads: set[str] = set()
        self.global_decls: set[str] = set()
        self.nonlocal_decls: set[str] = set()
        self.global_writes: set[str] = set()
        self.child_free: set[str] = set()
        self.child_globals: set[str] = set()
        self.child_writes: set[str] = set()

    def store(self, name: str) -> None:
        """Bind ``name`` in this body: a global write if declared ``global``, else a local."""
        if name in self.global_decls:
            self.global_writes.add(name)
        elif name not in self.nonlocal_decls:
            self.locals.add(name)

    def resolve(self) -> tuple[set[str], set[str], set[str]]:
        """Split what the body read into (free names, declared globals, global writes).

        Free names are neither local nor declared: an enclosing function may
        own them, else they are globals. Declared globals skip that search.
        """
        free: set[str] = set()
        declared = set(self.child_globals)
        for name in self.loads | self.child_free:
            if name in self.global_decls:
                declared.add(name)
            elif name not in self.locals and name not in self.nonlocal_decls:
                free.add(name)
        return free, declared, self.global_writes | self.child_writes


class ComprehensionScope:
    """A comprehension's own scope: its targets are local, the rest reads the enclosing scope.

    ``deferred`` marks a generator expression, whose body may run after the
    cell has finished (when the generator is consumed). Annotation scopes of
    PEP 695 type parameters reuse this class: they too only add local names.
    """

    __slots__ = ("deferred", "locals")

    def __init__(self, names: set[str], *, deferred: bool) -> None:
        self.locals = names
        self.deferred = deferred


Scope = CellScope | ClassScope | FunctionScope | ComprehensionScope


@dataclass(slots=True, eq=False)
class SummaryAccumulator:
    """Globals read and written by the bodies of one cell-level def, class or lambda."""

    reads: set[str] = field(default_factory=set)
    writes: set[str] = field(default_factory=set)
    candidates: set[str] = field(default_factory=set)
    # Of the candidates, those only ever called (``g(1)``), not handed over or changed.
    called: set[str] = field(default_factory=set)
    handled: set[str] = field(default_factory=set)
    stores: set[PartStore] = field(default_factory=set)  # (``FunctionSummary.stores``)
    # (``FunctionSummary.receiver_calls``; their arguments' names as the body spells them
    # until the summary closes, then the globals they may be or hold)
    receiver_calls: set[ReceiverCall] = field(default_factory=set)
    dynamic: bool = False  # (``FunctionSummary.dynamic``)
    # What the bodies' names may hold (``NameResolver.element_of``, ``made_by``), kept
    # apart from the cell's: a body's locals are its own, and a body of many lines
    # would otherwise make every candidate anywhere search all of them.
    element_of: dict[str, set[str]] = field(default_factory=dict)
    made_by: dict[str, set[str]] = field(default_factory=dict)
