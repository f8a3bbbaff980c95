"""Versions: every write of a symbol gets one; a cell remembers those it read.

A symbol is a name, or a part of the object bound to it (``xs[0]``,
``cfg.lr``). The graph links cells by name; the runtime is finer: a write of
``xs[1]`` gets a version of the symbol ``xs[1]``, and a cell that read only
``xs[0]`` looks at the versions of ``xs`` itself and of the parts that
overlap ``xs[0]`` (``ledger.visible``). Binding or deleting a name
supersedes every part version below it; changing its object as a whole in
place does not (what was stored into its parts is still there).
"""

from __future__ import annotations

from collections.abc import Hashable, KeysView
from dataclasses import dataclass, field
from typing import NamedTuple

from reflow._types import CellId
from reflow.analysis.effects import PathPart


class Symbol(NamedTuple):
    """A name, or a part of its object. A tuple: the ledger and every record key their
    dicts by symbols, and a tuple hashes and compares in C (a dataclass's ``__hash__``
    ran in Python, once per lookup, tens of thousands of times in a large cell)."""

    name: str
    path: tuple[PathPart, ...] = ()

    def __str__(self) -> str:
        return self.name + "".join(
            p if isinstance(p, str) and p.startswith(".") else f"[{p}]" for p in self.path
        )


@dataclass(frozen=True, slots=True)
class Version:
    """One write: ``stamp`` orders all writes of a notebook; ``cell`` is the writer.

    ``cell`` is ``None`` when no cell of the notebook made the change (a cell's
    deletion removing its globals). ``deleted`` marks an unbinding. ``value``
    is the fingerprint of an immutable value written (``None`` otherwise): two
    versions holding equal immutable values are the same to any reader (early
    cutoff). Mutable values never compare so, since a reader may hold an alias.
    ``outside``: no cell made it, the user did (a widget moved); it is charged to the
    cell that bound the object and to the cells below it that wrote the name
    (``Session.changed_outside``), and no cell's write counts as overwritten by it.
    ``beside``: a change of what a part gives that leaves what was stored there (an
    instance's class changed: `O.q = 0` changes what `o.q` gives, not what `o.q = 1`
    stored into `o`); the stores it passes over stay in the value.
    ``into_module``: a store a cell's code made into a part of a module (`json.Y = 3`, in
    the cell or a function it calls). An import binds the same module every time and
    undoes no store: the module holds this one until the part is stored again, whichever
    cell since bound the name again to it and took the version as its own.
    """

    stamp: int
    cell: CellId | None
    deleted: bool = False
    value: Hashable | None = field(default=None, compare=False)
    outside: bool = field(default=False, compare=False)
    beside: bool = field(default=False, compare=False)
    into_module: bool = field(default=False, compare=False)
    drew: bool = field(default=False, compare=False)
    """A change of a global random generator's state (a draw: ``runtime.draws``)."""
    shaped: bool = field(default=False, compare=False)
    """Of a part: the write added it or removed it (`xs.append(2)` adds `xs[1]`, `d['k'] =
    1` adds `d['k']` to a dict without it). A store into the part made since replaces what
    it holds, not whether it is there, nor where (a dict's order): the value keeps this
    write's shape (``VersionLedger.shaper``)."""
    stacked: bool = field(default=False, compare=False)
    """Of a module's part: a change in place its cell made again on top of its own last
    change (`lm.lst.append(1)` run twice), in an object no run of the cells above makes
    anew (an import gives the same module): the value holds the change twice where a
    run-all makes it once (``Session._stacked_changes``). Its readers are out of sync
    (``VersionLedger.orphaned``) until a cell stores the part again, or binds the name to
    another object; the cell itself, which made the change, is not."""
    in_module: bool = field(default=False, compare=False)
    """Of a part of a module an import binds: a change in place of the object it holds
    (`m.lst.append(1)`, or `e.append(1)` after `e = m.lst`, seen by value). No import makes
    the object anew: a cell above reading the part after this change reads what a run-all
    does not, and no run of the cells above takes the change out (as a store into a module
    below: ``StatusBoard._stored_below``)."""

    @property
    def orphaned(self) -> bool:
        """Whether it is a store into a module that no cell makes now, left in the module
        (``Session._orphan_module_stores``): an import does not undo it."""
        return self.cell is None and self.into_module

    def same_value(self, other: Version | None) -> bool:
        """Whether a reader that saw ``self`` would see nothing new in ``other``."""
        if other is None:
            return False
        return self == other or (self.value is not None and self.value == other.value)


Paths = frozenset[tuple[PathPart, ...]] | None
"""What a cell read of a name: ``None`` for all of it; else the parts (an empty set
for the binding alone)."""


def overlaps(part: tuple[PathPart, ...], paths: Paths) -> bool:
    """Whether a write of ``part`` can change what a read of ``paths`` saw."""
    if paths is None:
        return True
    return any(part[: len(path)] == path[: len(part)] for path in paths)


class VersionLedger:
    """The current version of every symbol a cell wrote, and the clock that stamps writes."""

    def __init__(self) -> None:
        self._clock = 0
        self._current: dict[Symbol, Version] = {}
        self._parts: dict[str, set[tuple[PathPart, ...]]] = {}  # names with part versions
        # The stores a ``beside`` write of a part passed over (`o.q = 1`, then `O.q = 0`):
        # still in the value, though no longer the part's current version.
        self._passed_over: dict[Symbol, frozenset[Version]] = {}
        # The write that added (or removed) a part, where a store into the part since
        # holds its current version (``Version.shaped``).
        self._shaped: dict[Symbol, Version] = {}
        # The write that bound each name's current object (mutations since do not change
        # it): deleting its cell removes the name, however many cells changed the object.
        # (The version itself, not its cell and its stamp in a dict each: a long session
        # binds a new name with nearly every execution, and ``_current`` holds the same
        # version until the object is changed in place.)
        self._binding: dict[str, Version] = {}
        # A cell that changed a name's current object though it runs before its binder
        # (through an alias an out-of-order usage made), or through a name it read only a
        # cell below binds: no run-all can do that. With the object, for the second:
        # binding the name again to that very object (`lst = get()`) leaves it changed.
        # Also a change in place that a cell's code made before an edit dropped it, in an
        # object its run binds again (``dropped``: an import hands back what a module
        # holds, changed).
        self._changed_above: dict[str, tuple[CellId, object, int, bool, bool]] = {}
        self._watchers: list[set[str]] = []
        # Names a part of which was written by no cell as a store into a module, or changed
        # again on top of its writer's own last change (``orphaned``): most sessions have
        # none, and a reader's status asks of each name.
        self._orphans: set[str] = set()
        # The part versions of a module's name that a binding or deletion of the name
        # superseded, where the module keeps what they wrote (``Version.into_module``,
        # ``in_module``, ``stacked``): bound again to that module, the name holds them
        # (``reinstate``). Most sessions: none.
        self._superseded: dict[str, dict[tuple[PathPart, ...], Version]] = {}

    def watch(self) -> set[str]:
        """A set that collects the name of every write from now until ``unwatch``."""
        names: set[str] = set()
        self._watchers.append(names)
        return names

    def unwatch(self, names: set[str]) -> None:
        self._watchers = [w for w in self._watchers if w is not names]

    def bound_by(self, name: str) -> CellId | None:
        binding = self._binding.get(name)
        return None if binding is None else binding.cell

    def bound_at(self, name: str) -> int | None:
        """The stamp of the binding of ``name``'s current object (None: not known)."""
        binding = self._binding.get(name)
        return None if binding is None else binding.stamp

    def changed_above(self, name: str) -> CellId | None:
        """A cell that changed ``name``'s object since its binder bound it, in a way no
        run-all does: it runs before that binder, or it read a name only a cell below
        binds (an out-of-order usage)."""
        found = self._changed_above.get(name)
        return None if found is None else found[0]

    @property
    def changed_above_names(self) -> KeysView[str]:
        """The names ``changed_above`` answers for, as they are now."""
        return self._changed_above.keys()

    def changed_astray(self, name: str) -> bool:
        """Whether ``changed_above`` names a change made through a name read out of order
        (``Session._changed_out_of_order``), which no binding of the same object undoes."""
        return self.astray_at(name) is not None

    def astray_at(self, name: str) -> int | None:
        """The stamp of the change ``changed_astray`` tells of, if there is one."""
        found = self._changed_above.get(name)
        return None if found is None or found[1] is None else found[2]

    def mark_changed_above(
        self,
        name: str,
        cell: CellId,
        astray: object = None,
        dropped: bool = False,
        stacked: bool = False,
    ) -> None:
        """``astray``: the object ``name`` is bound to, where ``cell`` changed it through a
        name it read out of order (``Session._changed_out_of_order``), or made a change
        its code no longer makes (``dropped``: ``Session._kept_dropped_changes``), or made
        its change again on top of its own (``stacked``: ``Session._stacked_in_imported``):
        no binding of that very object again makes the change one a run-all makes."""
        self._changed_above[name] = (cell, astray, self._clock, dropped or stacked, stacked)

    def kept_dropped(self, name: str) -> bool:
        """Whether ``changed_above`` tells of a change an edit dropped from its cell's code,
        or one its cell stacked on its own, kept in the object (``mark_changed_above``)."""
        found = self._changed_above.get(name)
        return found is not None and found[3]

    def kept_stacked(self, name: str) -> bool:
        """Whether ``kept_dropped`` tells of a change its cell stacked on its own."""
        found = self._changed_above.get(name)
        return found is not None and found[4]

    def clear_changed_above(self, name: str, bound: object) -> None:
        """``name`` was bound again to ``bound``, equal to what it held: the change is gone
        with the object it was made in, or is one a run-all makes before the binding
        gives the object (`import json` below `js.Y = 1`), unless it was made astray in
        ``bound`` itself."""
        found = self._changed_above.get(name)
        if found is not None and (found[1] is None or found[1] is not bound):
            del self._changed_above[name]

    def names_bound_by(self, cell: CellId) -> list[str]:
        return [name for name, binding in self._binding.items() if binding.cell == cell]

    def tick(self) -> int:
        self._clock += 1
        return self._clock

    def current(self, symbol: Symbol) -> Version | None:
        version = self._current.get(symbol)
        return None if version is None or version.deleted else version

    def last_write(self, symbol: Symbol) -> Version | None:
        """Like ``current`` but also returns deletions, which displace earlier writers."""
        return self._current.get(symbol)

    def visible(self, name: str, paths: Paths = None) -> Version | None:
        """The newest write a reader of ``paths`` of ``name`` would see (deletions included).

        The newest, not a set: every write stamps later than the last, and a reader
        sees a change exactly when some write it overlaps is newer than what it saw.
        """
        best = self._current.get(Symbol(name))
        for part in self._parts.get(name, ()):
            if overlaps(part, paths):
                version = self._current[Symbol(name, part)]
                if best is None or version.stamp > best.stamp:
                    best = version
        return best

    def visible_writes(self, name: str, paths: Paths = None) -> frozenset[Version] | None:
        """The writes of parts a reader of ``paths`` of ``name`` would see (``None``: none).

        ``visible`` gives the newest write, which shows every write made since a reader's
        run, but not a store it saw that a run-all would not make: one whose cell no
        longer stores the part, hidden behind a newer store to another part. (A binding
        hidden so is seen through the stores made since, each of which read it; one no
        cell above makes is an out-of-order usage, a warning.)
        """
        parts = self._parts.get(name)
        if not parts:
            return None
        found = []
        passed_over = self._passed_over
        for part in parts:
            if overlaps(part, paths):
                symbol = Symbol(name, part)
                found.append(self._current[symbol])
                if passed_over:
                    found.extend(passed_over.get(symbol, ()))
        return frozenset(found) if found else None

    def shaper(self, symbol: Symbol) -> Version | None:
        """The write that made the part ``symbol`` there (or not there) in the value now:
        its current version where that added or removed it, else the one that did before
        the stores since (``None``: none since the binding; the part came with the object,
        or with a change of it as a whole)."""
        current = self._current.get(symbol)
        if current is not None and current.shaped:
            return current
        return self._shaped.get(symbol)

    def whole_by(self, name: str, cell: CellId) -> bool:
        """Whether ``cell`` made the last write of ``name`` and it was of the whole name,
        no part written since: what a writer run last leaves, asked of every name it
        writes whenever its status is decided."""
        if self._parts.get(name):
            return False
        version = self._current.get(Symbol(name))
        return version is not None and version.cell == cell

    def owned_by(self, name: str, cell: CellId) -> bool:
        """Whether what ``name`` holds is ``cell``'s own write alone: its binding, and every
        part stored since (a store by another cell makes the value partly theirs)."""
        whole = self._current.get(Symbol(name))
        if whole is None or whole.cell != cell:
            return False
        return all(self._current[Symbol(name, p)].cell == cell for p in self._parts.get(name, ()))

    def writes_of(self, name: str) -> list[tuple[Symbol, Version]]:
        """The current versions of ``name`` as a whole and of each part written since."""
        found = [
            (Symbol(name, part), self._current[Symbol(name, part)])
            for part in self._parts.get(name, ())
        ]
        whole = self._current.get(Symbol(name))
        if whole is not None:
            found.append((Symbol(name), whole))
        return found

    def orphaned(
        self, name: str, paths: Paths = None, reader: CellId | None = None
    ) -> Symbol | None:
        """A part of ``name`` that a reader of ``paths`` sees whose current version is a
        store into a module by no cell (``Session._orphan_module_stores``: the store that
        put its value there is no cell's any more), or a change stacked on its cell's own
        last change (``Version.stacked``) by another cell than ``reader``, if there is one."""
        if name not in self._orphans:
            return None
        current = self._current
        found = [
            Symbol(name, part)
            for part in self._parts.get(name, ())
            if current[Symbol(name, part)].orphaned or current[Symbol(name, part)].stacked
        ]
        if not found:
            self._orphans.discard(name)  # (stored again since, or bound again)
            return None
        return next(
            (
                s
                for s in found
                if overlaps(s.path, paths) and (current[s].orphaned or current[s].cell != reader)
            ),
            None,
        )

    def superseded(self, name: str, paths: Paths) -> frozenset[Version]:
        """The part versions of ``name``'s module that its last binding or deletion
        superseded (``reinstate``), of those overlapping ``paths``."""
        kept = self._superseded.get(name)
        if not kept:
            return frozenset()
        return frozenset(v for part, v in kept.items() if overlaps(part, paths))

    def reinstate(self, name: str, same: bool) -> None:
        """``name`` was bound to a module: ``same``, the module whose parts' versions its
        last binding or deletion superseded (``_superseded``), which holds what they wrote:
        no import takes it out (`import m` deleted, then added again, with what
        `m.lst.append(1)` of a cell below made still in `m.lst`); the name holds them again.
        (Otherwise another module: they are dropped.)"""
        superseded = self._superseded.pop(name, None)
        if not same or not superseded:
            return
        for part, version in superseded.items():
            if Symbol(name, part) in self._current:
                continue  # (written again since)
            self._current[Symbol(name, part)] = version
            self._parts.setdefault(name, set()).add(part)
            if version.stacked or version.orphaned:
                self._orphans.add(name)
        for names in self._watchers:
            names.add(name)

    def current_for(self, name: str, paths: Paths = None) -> Version | None:
        """``visible``, but ``None`` for a name deleted last (as ``current`` does)."""
        version = self.visible(name, paths)
        return None if version is None or version.deleted else version

    def bind(self, symbol: Symbol, cell: CellId, value: Hashable | None = None) -> Version:
        """A new binding of the name to a new object, by ``cell``."""
        version = self.write(symbol, cell, value=value)
        self._binding[symbol.name] = version
        self._changed_above.pop(symbol.name, None)
        return version

    def write(
        self,
        symbol: Symbol,
        cell: CellId | None,
        *,
        deleted: bool = False,
        value: Hashable | None = None,
        outside: bool = False,
        in_place: bool = False,
        beside: bool = False,
        into_module: bool = False,
        drew: bool = False,
        shaped: bool = False,
        stacked: bool = False,
        in_module: bool = False,
    ) -> Version:
        """A new version of ``symbol``. ``in_place``: a change of the whole object in place
        (`xs.append(1)`, an element it holds changed), which leaves what was stored into
        its parts there: their versions stay, as the value still holds those stores.
        ``beside``: of a part, a change that leaves what was stored there; ``into_module``:
        a store into a module's part; ``shaped``: of a part, it added or removed it;
        ``stacked``: of a module's part, a change made again on top of its cell's own, or
        another a run-all makes after it;
        ``in_module``: of a module's part, a change in place (all: ``Version``)."""
        version = Version(
            self.tick(),
            cell,
            deleted,
            value,
            outside,
            beside,
            into_module,
            drew,
            shaped,
            stacked,
            in_module,
        )
        if beside:
            previous = self._current.get(symbol)
            if previous is not None and symbol.path:
                kept = self._passed_over.get(symbol, frozenset())
                self._passed_over[symbol] = kept if previous.beside else kept | {previous}
        elif self._passed_over and symbol in self._passed_over:
            del self._passed_over[symbol]  # a store: what was there is gone
        if symbol.path:
            previous = self._current.get(symbol)
            if shaped:
                self._shaped.pop(symbol, None)
            elif previous is not None and previous.shaped:
                self._shaped[symbol] = previous  # stored into: the shape stays that write's
        self._current[symbol] = version
        for names in self._watchers:
            names.add(symbol.name)
        if symbol.path:
            self._parts.setdefault(symbol.name, set()).add(symbol.path)
            if (cell is None and into_module) or stacked:
                self._orphans.add(symbol.name)
            return version
        if in_place and not deleted:
            return version
        passed_over, shapes = self._passed_over, self._shaped
        held: dict[tuple[PathPart, ...], Version] = {}
        for part in self._parts.pop(symbol.name, ()):  # superseded by a write of the whole
            part_symbol = Symbol(symbol.name, part)
            left = self._current.pop(part_symbol)
            if left.into_module or left.in_module or left.stacked:
                held[part] = left
            if passed_over:
                passed_over.pop(part_symbol, None)
            if shapes:
                shapes.pop(part_symbol, None)
        if held:
            self._superseded[symbol.name] = held
        if deleted:
            self._binding.pop(symbol.name, None)
            self._changed_above.pop(symbol.name, None)
        return version
