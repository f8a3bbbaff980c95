"""What one cell reads and writes, as static analysis finds it.

These are plain frozen values: the graph consumes them, the runtime refines
them, and neither needs to know how they were computed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from reflow._types import no_items

PathPart = str | int
"""One step below a name: an attribute (``".lr"``) or a constant subscript key.

Attributes are stored with a leading dot so that ``cfg.lr`` and ``cfg["lr"]``
stay different paths; subscript keys are stored as ``repr`` of the constant
(``"'k'"``, ``0`` for ints). In ``CellAnalysis.read_paths`` only, ``"$k"`` is
the key held by the global ``k`` when the cell runs (``d[k]``).
"""


PartStore = tuple[str, PathPart, bool]
"""A body's change of a global's part: the name, the part, and whether by a method call
(``m.d.update(...)``) rather than a store (``m.v = x``, ``m.d[k] = x``, ``del m.v``)."""


class MutationKind(StrEnum):
    """How a cell changes an object in place; the runtime decides how sure each is."""

    ITEM_STORE = "item_store"  # x[k] = v
    ATTR_STORE = "attr_store"  # x.a = v
    ITEM_DELETE = "item_delete"  # del x[k]
    ATTR_DELETE = "attr_delete"  # del x.a
    AUG_ASSIGN = "aug_assign"  # x[k] += v, x.a += v
    METHOD_CALL = "method_call"  # x.append(v), x.a.update(...): a known-mutating method


@dataclass(frozen=True, slots=True)
class ReceiverCall:
    """``R.m(a, b)`` with ``m`` in a table of methods (``analysis.purity``), ``R`` a global
    at the constant path ``root.path``: whether the call changes its arguments depends on
    what ``R`` is when the cell runs, which static analysis cannot tell.

    Called on an instance, ``m`` is a method: it changes (``MUTATING_METHODS``) or leaves
    alone (``PURE_METHODS``) its receiver, and its arguments only as the tables say
    (``xs.append(y)`` leaves ``y`` alone). Called on a module, ``m`` is a function that
    only shares the method's name (``np.put(a, ...)``, ``np.add(a, k, a)``), and on a
    class an unbound method whose receiver is its first argument
    (``np.ndarray.fill(a, k)``, ``pd.DataFrame.update(df, o)``). The runtime resolves
    ``R`` before the cell runs (``runtime.changes.receiver_call_changes``); the graph,
    before a first run, goes by what the cells bind ``root`` to.

    ``arguments``: for each positional argument, the globals its value may be or hold;
    ``keywords``: those of the keyword arguments' values.
    """

    root: str
    path: tuple[PathPart, ...]
    method: str
    mutating: bool
    arguments: tuple[frozenset[str], ...]
    keywords: frozenset[str] = frozenset()

    def names(self) -> frozenset[str]:
        """Every global the call's arguments may be or hold."""
        return self.keywords.union(*self.arguments)


@dataclass(frozen=True, slots=True)
class Mutation:
    """A candidate in-place change of the object bound to global ``name``.

    ``path`` is the part changed, outermost first; ``()`` means "some unknown
    part", which readers of any part of ``name`` must treat as a change.
    """

    name: str
    path: tuple[PathPart, ...]
    kind: MutationKind


class BindingKind(StrEnum):
    """What a cell binds a global to, as far as its source tells (``CellAnalysis.bound_as``).

    The graph asks it of every cell binding a name to decide what a call can change
    (docs/semantics.md, "What reflow tracks"): an int cannot change in place, and
    calling a class or an imported function changes it only as seen.
    """

    CONSTANT = "constant"  # a value that cannot change in place: `n = 5`, `s = "a"`, `t = (1, 2)`
    FUNCTION = "function"  # `def f` or `f = lambda`, undecorated: a function object
    CLASS = "class"  # `class K`, undecorated or with a decorator that returns the class itself
    IMPORTED = "imported"  # `from m import x`: what a library module holds (a module: `imports`)


class OneKind(Mapping[str, BindingKind]):
    """``CellAnalysis.bound_as`` of a cell that binds each name it binds to the same kind
    (most cells bind one name): the cell's own ``defs`` and that kind, where a dict would
    keep about 180 bytes more per cell for as long as the cell is in the notebook."""

    __slots__ = ("_kind", "_names")

    def __init__(self, names: frozenset[str], kind: BindingKind) -> None:
        self._names = names
        self._kind = kind

    def __getitem__(self, name: str) -> BindingKind:
        if name in self._names:
            return self._kind
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __repr__(self) -> str:
        return repr(dict(self))


@dataclass(frozen=True, slots=True)
class FunctionSummary:
    """The globals a function, lambda or class bound at cell level touches when called.

    The defining cell does not read these; every cell that calls the function
    does (docs/semantics.md). ``reads`` includes names of other functions it may
    call, which the graph expands transitively; ``may_change`` the globals whose
    objects its body may change in place (mutated or handed to unknown calls) or hands
    out (returns, yields or raises: its caller may change them, ``get().append(1)``), and
    for a class whose own code may change the class's state (a class-level list its
    methods append to, ``cls.n += 1``), the class itself; ``called`` those of them
    it only calls (``g(1)``), which change only as ``BindingKind`` allows.
    ``classes``, for a value that carries notebook code (``runtime.carried``): the
    globals bound to the classes of the instances it holds, which a use reads (a store
    into the class changes what the instance gives) but does not call.
    ``constructs``, for a class: the attributes of the class that making an instance
    may read (``kinds.construction_reads``); ``None`` for any of them, or no class.
    ``stores``: the parts of globals its body stores into or changes by a known mutating
    method (``m.v = x``, ``plt.rcParams.update(...)``): for a global bound to a module,
    whose fingerprint is its identity, a call is a write of that part
    (``Session._module_stores``), as the statement at cell level is.
    ``receiver_calls``: its calls of table methods on a global that may be a module or a
    class (``ReceiverCall``), as a cell's.
    ``dynamic``: its body calls ``exec``, ``eval`` or ``globals()``, so a call may read (and
    bind) any global: the caller reads them all at the call (``Expanded.reads_all``), as it
    reads the names a body spells, whichever cell defines the function.
    ``stores_run_no_code``, for a value that carries notebook code: a store into one of its
    parts (``d['f'] = g``, ``f.n = 1``) runs none of that code, the value being a function
    or a builtin container holding no instance of a notebook class, whose store is C code
    that calls nothing it holds. A cell that only stores into it then does not read what
    the code reads (``NotebookFunctions.expand``); the cells using the value still do.
    """

    reads: frozenset[str]
    writes: frozenset[str]
    may_change: frozenset[str] = frozenset()
    called: frozenset[str] = frozenset()
    classes: frozenset[str] = frozenset()
    constructs: frozenset[str] | None = None
    stores: frozenset[PartStore] = frozenset()
    receiver_calls: frozenset[ReceiverCall] = frozenset()
    dynamic: bool = False
    stores_run_no_code: bool = False


@dataclass(frozen=True, slots=True)
class CellSyntaxError:
    """A syntax error, kept as data so that the cell is reported, not raised.

    ``kind`` is the class Python raised: ``IndentationError`` and ``TabError`` are
    syntax errors that Jupyter shows by their own names, and so does reflow. The end
    of the span is kept for the carets Python draws under it."""

    message: str
    lineno: int | None
    offset: int | None
    text: str | None
    kind: str = "SyntaxError"
    end_lineno: int | None = None
    end_offset: int | None = None


@dataclass(frozen=True, slots=True)
class CellAnalysis:
    """Static effects of a cell's source.

    ``refs`` are globals the cell may read before binding them itself
    (including reads by default arguments, decorators and class bodies, which
    run in the cell). ``defs`` are globals it may bind, ``imports`` those of them
    bound to a module by an ``import`` statement, ``imported`` each of those with the
    dotted name of the module it binds (``import json as js``: ``("js", "json")``: another
    name of the module ``import json`` binds); ``deletes`` the globals
    it ``del``s at cell level. ``may_change`` are globals whose objects the cell
    may change in place in ways it cannot enumerate (receivers of unknown
    methods, arguments of calls not known to leave them alone): the runtime
    fingerprints them before and after. ``shares`` are pairs of globals the cell
    makes share objects (``a = b``, ``a = [b]``, ``a, c = b``, a ``match`` capture of
    ``b``): a cell that has not run yet and
    may change one may change the other. ``called`` are the names in ``may_change``
    only because the cell calls them (``f(x)`` may change ``f``, a callable object; a
    class or a function changes only as ``bound_as`` allows). ``bound_as`` gives, for
    the globals the cell binds always to one kind of value, that kind (a name
    missing there may be bound to anything). ``bound_at_reads`` gives, for refs
    the cell reads only to call them there (``f()``, not ``map(f, xs)``), the globals
    it has definitely bound at every such read (statement order, branches and loops
    as for refs): the function reads those from the cell itself (``l = 1; x = f()``).
    ``functions`` maps each global the cell binds to a function, lambda or class onto
    what calling it touches. ``closes_over`` are
    globals that functions, lambdas or classes of the cell read (so a private
    name they use must outlive the cell). ``maybe_unbound`` are the ``defs`` a run
    that ends without raising may leave unbound: not bound on every path to the
    cell's end (a loop's target, an ``if`` branch, a ``global`` write of a function,
    ``del``); a run that binds none of them leaves what was there. ``star_import`` and ``dynamic``
    (``exec``/``eval``/``globals()``/``vars()``/``locals()`` at any depth) mark
    cells whose effects static analysis cannot enumerate. ``inert`` marks the
    opposite: assignments that call nothing (``analysis/inert.py``), whose run binds
    no global but its ``defs`` when what they read is plain data.

    ``read_paths`` narrows some refs: a name the cell reads only through
    constant paths at cell level (``xs[0]``, ``cfg.lr``, ``d["k"]``) maps to
    those paths; to an empty set when it only needs the binding (``xs[1] = 5``
    stores into whatever ``xs`` is bound to). A ref missing here is read whole.
    Whether a path really names a separate part is the runtime's call (a
    property or a custom ``__getitem__`` may read anything).

    ``aliases`` are the cell's `y = x` statements, (y, x), that are all it does with
    either name: its run binds `y` to the object `x` holds and shows nothing of it, so
    a change of that object made before it (by a cell above) is one it would make too.

    ``calls_only`` are the refs the cell reads only to call them right there
    (``Foo()``, not ``map(Foo, xs)`` nor ``Foo.a``): making an instance of a class
    reads only the class's attributes its code may read (``FunctionSummary.constructs``).

    ``module_reads`` gives, for refs read whole only because a method is called on
    them at a constant path (``np.zeros(2)``, ``np.random.rand()``), what the cell
    reads if the name is bound to a module: the paths of the functions it calls
    (``(".zeros",)``, ``(".random", ".rand")``) and its other reads' paths. A
    method reads its whole receiver, a module's function its own module's globals:
    the runtime tells which module that is (``runtime.parts.module_paths``).

    ``part_stores`` are the globals the cell changes only by storing items one step below
    them that its code names (``d[0] = v``, ``d['k'] = v``; see ``DIRECT_STORES``), never
    through a call, a deeper path (``d[0][1] = v`` changes the object ``d[0]`` holds,
    which another part may hold too) nor an augmented assignment (``d[0] += v`` may
    change that object in place): whatever the cell's inputs, its run changes no other
    part of their objects.

    ``receiver_calls`` are its calls of table methods on a global at a constant path
    (``np.put(a, ...)``, ``xs.append(y)``), whose arguments may change when that global
    turns out to be a module or a class (``ReceiverCall``).
    """

    refs: frozenset[str] = frozenset()
    read_paths: Mapping[str, frozenset[tuple[PathPart, ...]]] = field(default_factory=no_items)
    module_reads: Mapping[str, frozenset[tuple[PathPart, ...]]] = field(default_factory=no_items)
    calls_only: frozenset[str] = frozenset()
    aliases: frozenset[tuple[str, str]] = frozenset()
    defs: frozenset[str] = frozenset()
    imports: frozenset[str] = frozenset()
    imported: frozenset[tuple[str, str]] = frozenset()
    reads_own_imports: frozenset[str] = frozenset()
    """Of ``imports``, and of the names `from m import x` binds, the names the cell reads
    at cell level after its own import binds them (`import json` then `json.Y`): an import
    hands back the module (or what it holds) as the cells above left it, stores into it
    included, so the cell reads what they stored there."""
    deletes: frozenset[str] = frozenset()
    mutations: tuple[Mutation, ...] = ()
    may_change: frozenset[str] = frozenset()
    receiver_calls: frozenset[ReceiverCall] = frozenset()
    part_stores: frozenset[str] = frozenset()
    shares: frozenset[tuple[str, str]] = frozenset()
    called: frozenset[str] = frozenset()
    bound_as: Mapping[str, BindingKind] = field(default_factory=no_items)
    bound_at_reads: Mapping[str, frozenset[str]] = field(default_factory=no_items)
    functions: Mapping[str, FunctionSummary] = field(default_factory=no_items)
    closes_over: frozenset[str] = frozenset()
    maybe_unbound: frozenset[str] = frozenset()
    star_import: bool = False
    star_reads: frozenset[str] = frozenset()
    """Refs the cell first reads after its ``import *``, which may have bound them: which
    it did is known only once it has run (``Expanded.star_bound``)."""
    dynamic: bool = False
    inert: bool = False
    syntax_error: CellSyntaxError | None = None

    @property
    def mutated_names(self) -> frozenset[str]:
        """Globals this cell may change in place."""
        return frozenset(m.name for m in self.mutations)

    @property
    def stored_names(self) -> frozenset[str]:
        """Globals the cell's own statements store into or delete from (``m.y = 7``,
        ``del d[k]``, ``m.y += 1``): changes whatever the object is, a module included."""
        return frozenset(m.name for m in self.mutations if m.kind in _STORES)

    @property
    def items_deleted_from(self) -> frozenset[str]:
        """Globals the cell's own statements delete an item of (``del xs[0]``): on a
        sequence, every item after it moves (``Session.paths_read``)."""
        return frozenset(m.name for m in self.mutations if m.kind is MutationKind.ITEM_DELETE)


DIRECT_STORES = frozenset({MutationKind.ITEM_STORE})
"""Changes that rebind a slot of the object (one step below a name, see ``part_stores``)
and change no object: ``d[0] = v`` leaves the object ``d[0]`` held as it was (the
object is a ``dict`` or a ``list`` wherever a reader's read of a part is trusted,
``runtime.parts``). Not ``del xs[0]``: on a list it moves every item after it; nor an
attribute store: a property's setter, or ``__setattr__``, may store other attributes."""

_STORES = frozenset(
    {
        MutationKind.ITEM_STORE,
        MutationKind.ATTR_STORE,
        MutationKind.ITEM_DELETE,
        MutationKind.ATTR_DELETE,
        MutationKind.AUG_ASSIGN,
    }
)
"""The changes a cell's own statements make by storing or deleting (``stored_names``)."""
