"""What one run of a cell changed: bindings, deletions and in-place mutations.

Bindings come from a diff of the namespace (so ``exec``, ``globals()`` and
functions' ``global`` writes are seen); mutations from fingerprints of the
objects the cell may have changed, taken before and after (docs/semantics.md,
"What reflow tracks"; only candidates are fingerprinted, never what cannot change).

Two refinements keep readers from re-running for nothing, and stay sound:

- **early cutoff**: a name bound again to a value equal by fingerprint to the
  one it held is no change; for a mutable value, only when nothing else holds
  either object, since an alias would tell the two apart later;
- **aliases and containers**: a changed object changes every global bound to
  it and every list, tuple, dict, set or plain object holding it directly, and
  every notebook class or module holding it as an attribute;
- **parts**: for a list, tuple, dict or plain object, the two fingerprints
  tell which items or attributes changed (``Changes.parts``), so a write of
  ``xs[1]``, however the cell made it (``xs[i] = v``, ``d.update(k=1)``),
  is no change to a reader of ``xs[0]``.
"""

from __future__ import annotations

import ast
import builtins
import functools
import gc
import os
import sys
import sysconfig
import types
import weakref
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import compress, islice
from operator import is_not
from typing import Any

from reflow._types import EMPTY, EMPTY_MAP, no_items
from reflow.analysis.effects import PathPart, ReceiverCall
from reflow.analysis.purity import PURE_MODULE_FUNCTIONS
from reflow.graph.names import links_cells
from reflow.runtime.fingerprint import (
    UNKNOWN,
    Budget,
    cannot_change,
    equal_values,
    fingerprint,
    function_state,
    generator_changed,
    generator_parts,
    global_generator,
)

_MISSING: Any = object()
MISSING: Any = _MISSING
"""What the builtins module held at a name it did not hold (``Changes.builtins_before``)."""
_BUILTINS = builtins.__dict__  # where a name no global binds is looked up
_SCAN_LIMIT = 10_000  # objects searched below one global for a changed object
_SCAN_DEPTH = 4  # containers inside containers: `outer = {"a": [inner]}` holds inner


def _module_snapshots(
    namespace: dict[str, Any], candidates: Iterable[str]
) -> list[tuple[types.ModuleType, str | None, dict[str, Any]]]:
    """Copies of the attribute dicts of the modules a cell may change: those the candidates
    are bound to (`setattr(m, k, v)`, `m.configure()`), and the modules whose functions
    they are (`from m import configure`), by a name bound to each (None: none known yet).
    A module's fingerprint is its identity, and a store its code does not spell is seen
    only here. Not the builtins module (``_builtins_moved``), nor the notebook's own.
    Cost, only for such cells: for numpy's 500 names a copy of 2 us and a comparison of
    5 us warm, 40-80 us once the cell's run went through much memory (the dict's
    entries are read again); over the corpus, 15 us per code cell on average for
    ``homl2-tools_numpy``, 62 us for ``homl2-tools_matplotlib``, none for most."""
    found: dict[int, tuple[types.ModuleType, str | None, dict[str, Any]]] = {}
    for name in candidates:
        value = namespace.get(name)
        module: Any = None
        if isinstance(value, types.ModuleType):
            module, by = value, name
        elif isinstance(value, types.FunctionType) and value.__globals__ is not namespace:
            module, by = sys.modules.get(value.__module__), None
            if module is not None and getattr(module, "__dict__", None) is not value.__globals__:
                module = None
        if module is None or id(module) in found:
            continue
        state = vars(module)
        if state is namespace or state is _BUILTINS:
            continue
        found[id(module)] = (module, by, state.copy())
    return list(found.values())


_HELD_KINDS = (list, dict, set)
"""What a module of the user's own may hold and its functions change in place, told by
value (``_held_by_own_modules``)."""


@functools.cache
def _library_paths() -> tuple[str, ...]:
    """Where the standard library and installed packages live."""
    paths = {
        sysconfig.get_path(key, scheme=scheme)
        for key in ("stdlib", "platstdlib", "purelib", "platlib")
        for scheme in {sysconfig.get_default_scheme(), *sysconfig.get_scheme_names()}
        if key in sysconfig.get_path_names()
    }
    paths |= {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    found = {os.path.realpath(p) for p in paths if p}
    return tuple(sorted(p.rstrip(os.sep) + os.sep for p in found))


@functools.lru_cache(maxsize=512)
def _own_module_file(file: str) -> bool:
    """Whether a module's file is the user's own: outside the standard library and the
    installed packages (a file beside the notebook, or on a path the user added)."""
    return not os.path.realpath(file).startswith(_library_paths())


def _held_by_own_modules(
    modules: list[tuple[types.ModuleType, str | None, dict[str, Any]]], budget: Budget
) -> list[tuple[dict[str, Any], str, Any, Any]]:
    """Of the modules snapshot (``_module_snapshots``) that are the user's own
    (``_own_module_file``), the lists, dicts and sets they hold, each with its fingerprint:
    a function of the module changing one (`def add(x): lst.append(x)`, then `m.add(1)`)
    changes the module's part, and every name bound to the object (`e = m.lst`), which
    neither the module's fingerprint (its identity) nor the snapshot of its attributes
    tells. Cost: only for a cell calling into such a module; a fingerprint of each."""
    found = []
    for module, _, state in modules:
        file = getattr(module, "__file__", None)
        if not isinstance(file, str) or not _own_module_file(file):
            continue
        live = vars(module)
        for key, value in state.items():
            if type(value) in _HELD_KINDS and not (key.startswith("__") and key.endswith("__")):
                found.append((live, key, value, fingerprint(value, budget)))
    return found


def _refs_of_an_object_held_once(obj: Any) -> int:
    return sys.getrefcount(obj)


def _refs_held_by_a_snapshot_alone() -> int:
    """What ``_same_value`` counts of an old object nothing else holds: the snapshot's
    reference, the caller's local, the parameter and getrefcount's argument (measured,
    not assumed: how calls hold their arguments differs between Python versions)."""
    snapshot: dict[str, list[int]] = {"x": []}
    old = snapshot.get("x")
    return _refs_of_an_object_held_once(old)


_OLD_REFS = _refs_held_by_a_snapshot_alone()  # see ChangeDetector._same_value


@dataclass(frozen=True, slots=True)
class Changes:
    rebound: frozenset[str]
    deleted: frozenset[str]
    mutated: frozenset[str]
    parts: Mapping[str, frozenset[PathPart]] = field(default_factory=dict)
    """Mutated names whose object changed only in these items or attributes."""
    through_class: frozenset[str] = frozenset()
    """Mutated names bound to instances whose own state is as it was: their notebook
    class changed (`Foo.a = 6` changes what `foo.a` gives, not what `Foo()` made)."""
    bound_again: frozenset[str] = frozenset()
    """Names set aside for the run (``ChangeDetector.set_aside``) that it bound again to
    the value they held: a binding all the same, of the version already there."""
    shaped: Mapping[str, frozenset[PathPart]] = field(default_factory=dict)
    """Of ``parts``, those the run added or removed (``shaped_parts``)."""
    builtins_bound: frozenset[str] = frozenset()
    """Names the run bound in the builtins module, or bound there to another object
    (`builtins.z = 3`, `setattr(builtins, 'z', 3)`): what a name no global binds gives."""
    builtins_deleted: frozenset[str] = frozenset()
    """Names the run deleted from the builtins module (`del builtins.z`)."""
    builtins_before: Mapping[str, Any] = field(default_factory=dict)
    """Of those two, what the module held before the run (``MISSING``: nothing)."""
    changed_ids: frozenset[int] = frozenset()
    """The ids of the objects seen changed in place (``mutated`` holds them), alive while
    the namespace holds them: which of them a name reached is asked of these. Not those
    counted as changed for want of telling (state kept in C: `help(sum)` with numpy's
    `sum`), which a binding of the same object again takes as unchanged."""
    module_stores: Mapping[str, frozenset[PathPart]] = field(default_factory=no_items)
    """Attributes of modules the run bound anew, to another object, or deleted, however
    (``ChangeDetector._modules_moved``), under a global bound to the module: stores the
    cell's code need not spell (`setattr(m, name, v)`, ``m.__dict__[k] = v``, a function
    of the module storing its own ``global``)."""


class ChangeDetector:
    """A snapshot of the namespace and of the candidates' fingerprints before a cell runs."""

    def __init__(
        self,
        namespace: dict[str, Any],
        candidates: Iterable[str],
        budget: Budget,
        binds_only: Collection[str] | None = None,
    ) -> None:
        """``binds_only``: the names a cell that runs no code but its own may bind
        (``analysis.inert`` and ``plain_data`` inputs): only those are compared, not
        every global. IPython's own names (``_i7``) may come new after them."""
        self._budget = budget
        self._binds_only = binds_only
        self._count = len(namespace)
        names = {
            n for n in candidates if n in namespace and not cannot_change(changeable(namespace[n]))
        }
        held = {
            id(e): e
            for name in names
            for e in _reachable(changeable(namespace[name]), with_class=True)
        }
        # The objects the candidates hold, by id (holding them would skew the reference
        # counts ``_same_value`` reads): one found again at a part that changed was
        # changed in place, and so was whatever else holds it.
        self._held = frozenset(held)
        names |= _elements_bound_elsewhere(namespace, names, held)
        del held
        if binds_only is None:
            self._before = dict(namespace)  # keeps the old objects alive for the comparison
            self._keys = list(self._before)
            self._values = list(self._before.values())
        else:  # the names compared, and the candidates' old objects
            self._before = {n: namespace[n] for n in (*binds_only, *names) if n in namespace}
            self._keys, self._values = [], []
        self._prints = {name: fingerprint(changeable(namespace[name]), budget) for name in names}
        self._aside: set[str] = set()  # (``set_aside``)
        self._restored: set[str] = set()  # (``put_back``)
        # The builtins module's names and objects, compared after the run (a copy of its
        # dict, about 160 names: half a microsecond, and two to compare).
        self._builtins: dict[str, Any] | None = _BUILTINS.copy()
        self._modules = _module_snapshots(namespace, candidates)
        self._in_modules = _held_by_own_modules(self._modules, budget) if self._modules else []

    def set_aside(self, namespace: dict[str, Any], names: Iterable[str]) -> None:
        """Unbind ``names`` for the run (``Session._own_leftovers``): the snapshot keeps
        their old values, so a binding to an equal value is still no change, but it is a
        binding (``Changes.bound_again``); one the run leaves unbound is deleted.

        They leave the snapshot's list of names too, so that ``_moved`` keeps its fast
        path (the namespace's order is the list's, new names after): a name bound again
        comes last, as a new one (one ``list.index`` per name set aside)."""
        keys, values = self._keys, self._values
        for name in names:
            if namespace.pop(name, _MISSING) is not _MISSING:
                self._count -= 1
                self._aside.add(name)
                if keys:
                    at = keys.index(name)
                    del keys[at], values[at]

    def put_back(self, namespace: dict[str, Any], names: Iterable[str]) -> frozenset[str]:
        """Bind again those of ``names`` set aside that the run left unbound, and return
        them: the run did not bind them, and putting them back is no change."""
        restored = set()
        for name in names:
            old = self._before.get(name, _MISSING)
            if old is not _MISSING and name not in namespace:
                namespace[name] = old
                self._count += 1
                self._aside.discard(name)
                restored.add(name)
        self._restored |= restored
        return frozenset(restored)

    def after(
        self,
        namespace: dict[str, Any],
        cut_off: Callable[[str], bool],
        owned: Callable[[str], bool],
        declared: Iterable[Any] = (),
        seeded: Iterable[Any] = (),
    ) -> Changes:
        """Compare after the cell ran.

        ``cut_off(name)``: whether early cutoff is worth a comparison (someone reads
        the name). ``owned(name)``: whether the value it held was this cell's own
        earlier write; only then may an equal *mutable* value count as no change,
        since replacing another cell's object moves identity to this cell.
        ``declared``: objects the cell said it changed (``reflow.mutate``). ``seeded``: the
        global generators it seeded (``seeded_generators``), changed as by a draw even
        where the state comes out as it was (seeded alike before, nothing drawn since).
        """
        before = self._before
        rebound = set()
        get = before.get
        moved, deleted = self._moved(namespace)
        aside = self._aside
        for name in moved:
            old = get(name, _MISSING)
            if old is not _MISSING and (
                ((name in aside or name in self._restored) and old is namespace[name])
                or (cut_off(name) and self._same_value(namespace, name, old, owned))
            ):
                continue
            rebound.add(name)
        builtins_bound, builtins_deleted, builtins_before = self._builtins_moved()
        module_stores = self._modules_moved(namespace) if self._modules else EMPTY_MAP
        bound_again: frozenset[str] = frozenset()
        if aside:
            # Set aside, then bound again to what it held, or not at all: gone (which
            # ``_moved``'s fast path does not look for).
            bound_again = frozenset(n for n in aside if n in namespace and n not in rebound)
            deleted = deleted | {name for name in aside if name not in namespace}
        changed_objects: dict[int, Any] = {}
        parts_of: dict[int, frozenset[PathPart] | None] = {}  # by object id
        shaped_of: dict[int, frozenset[PathPart]] = {}  # of those parts, added or removed
        drew = False  # a global generator changed: ``_holders`` looks for its other ways in
        untold: set[int] = set()  # changed for want of telling (see ``_attribute_holders``)
        for name, print_before in self._prints.items():
            obj = changeable(before[name])
            print_after = fingerprint(obj, self._budget)
            if print_after != print_before:
                changed_objects[id(obj)] = obj
                if print_before is UNKNOWN and print_after is UNKNOWN:
                    untold.add(id(obj))
                changed_at = parts_of[id(obj)] = changed_parts(print_before, print_after)
                if changed_at:
                    shaped_of[id(obj)] = shaped_parts(print_before, print_after)
                for element in _at_parts(obj, changed_at):
                    # The same object as before, in a part that changed: it changed in place
                    # (`c[0]['p'] = 1`), and so did whatever holds it (`b.p` is `c[0]`).
                    if id(element) in self._held and not cannot_change(element):
                        changed_objects[id(element)] = element
                generator = generator_changed(obj, changed_at)
                if generator is not None:
                    # A draw through one way into a global generator (`randint(1, 6)`) changes
                    # every other (`random`, `np.random`): ``_holders`` finds them by it.
                    changed_objects[id(generator)] = generator
                    drew = True
                    for module, part in generator_parts(generator).items():
                        parts_of.setdefault(module, part)
        for generator in seeded:
            if id(generator) not in changed_objects:
                changed_objects[id(generator)] = generator
                drew = True
                for module, part in generator_parts(generator).items():
                    parts_of.setdefault(module, part)
        for live, key, obj, print_before in self._in_modules:
            if live.get(key, _MISSING) is not obj or id(obj) in changed_objects:
                continue  # (bound anew: ``module_stores`` tells)
            print_after = fingerprint(obj, self._budget)
            if print_after != print_before:
                changed_objects[id(obj)] = obj
                changed_at = parts_of[id(obj)] = changed_parts(print_before, print_after)
                if changed_at:
                    shaped_of[id(obj)] = shaped_parts(print_before, print_after)
        for obj in declared:
            changed_objects[id(obj)] = obj
            parts_of[id(obj)] = None
            untold.discard(id(obj))
        for obj in list(changed_objects.values()):
            # An object's attributes live in its attribute dict, changed with it: a name
            # bound to that dict (`a = vars(o)`) holds the change (`del o.p`).
            state = _attribute_dict(obj)
            if state is not None:
                changed_objects.setdefault(id(state), state)
        if not changed_objects:
            return Changes(
                frozenset(rebound),
                deleted,
                frozenset(),
                bound_again=bound_again,
                builtins_bound=builtins_bound,
                builtins_deleted=builtins_deleted,
                builtins_before=builtins_before,
                module_stores=module_stores,
            )
        for holder, attributes in _attribute_holders(namespace, changed_objects, untold):
            # Neither fingerprinted nor scanned below (``_OPAQUE``): changed in these
            # attributes only, which its instances read too (``through_class``).
            changed_objects[id(holder)] = holder
            parts_of[id(holder)] = attributes
        held, through_class = _holders(namespace, changed_objects, drew)
        mutated = held - rebound
        # A name's own object diffed (deep, within budget) covers whatever it holds; an
        # instance changed through its class alone, in the attributes the class changed.
        parts = {
            name: found
            for name in mutated
            if (found := parts_of.get(id(namespace[name]))) is not None
            or (name in through_class and (found := parts_of.get(id(type(namespace[name])))))
        }
        shaped = {
            name: found
            for name in parts
            if name not in through_class and (found := shaped_of.get(id(namespace[name])))
        }
        return Changes(
            frozenset(rebound),
            deleted,
            frozenset(mutated),
            parts,
            frozenset(through_class - rebound),
            bound_again,
            shaped,
            builtins_bound,
            builtins_deleted,
            builtins_before,
            frozenset(changed_objects.keys() - untold),
            module_stores,
        )

    def _modules_moved(self, namespace: dict[str, Any]) -> Mapping[str, frozenset[PathPart]]:
        """The attributes of the modules snapshot (``_module_snapshots``) that the run bound
        anew, to another object, or deleted, by one global bound to each module (the first
        the snapshot met, else the first of the namespace; a module no global holds is
        left out: no cell reads it by a name). As ``_builtins_moved`` compares, at C speed
        where nothing moved. Not a module's own dunders (``__warningregistry__``, which
        a warning adds), nor a submodule an import added to its package (an import undoes
        no store; ``import json.decoder`` binds ``json.decoder``)."""
        found: dict[str, frozenset[PathPart]] = {}
        for module, name, before in self._modules:
            after = vars(module)
            try:
                if before == after:
                    continue
            except Exception:  # (a value's own ``__eq__`` raised)
                pass
            parts = frozenset(
                "." + key
                for key in before.keys() | after.keys()
                if before.get(key, _MISSING) is not after.get(key, _MISSING)
                and not (key.startswith("__") and key.endswith("__"))
                and not (key not in before and isinstance(after[key], types.ModuleType))
            )
            if not parts:
                continue
            if name is None:
                name = next((n for n, v in namespace.items() if v is module), None)
            if name is not None:
                found[name] = parts
        return found or EMPTY_MAP

    def _builtins_moved(self) -> tuple[frozenset[str], frozenset[str], dict[str, Any]]:
        """The names of the builtins module bound anew or to another object since the
        snapshot, those gone, that link cells (not IPython's `_`, `exit`), and what each
        held before (``MISSING``: nothing): stores into the module by any name and any
        means (`setattr`, `exec`, a function's), since a name no global binds resolves
        there. At C speed when nothing moved: the dicts compare their values by identity
        first, by equality only where a name moved (an equal value is no change; a
        comparison that fails, a numpy array's, is one)."""
        before, self._builtins = self._builtins, None
        if before is None:
            return EMPTY, EMPTY, {}
        try:
            if before == _BUILTINS:
                return EMPTY, EMPTY, {}
        except Exception:  # (the value's own ``__eq__`` raised)
            pass
        bound = frozenset(
            name
            for name, value in _BUILTINS.items()
            if before.get(name, MISSING) is not value and links_cells(name)
        )
        gone = frozenset(name for name in before if name not in _BUILTINS and links_cells(name))
        return bound, gone, {name: before.get(name, MISSING) for name in bound | gone}

    def _moved(self, namespace: dict[str, Any]) -> tuple[list[str], frozenset[str]]:
        """Names bound anew or bound to another object since the snapshot; names gone.

        Every cell pays for this whatever it does, so it runs at C speed in the
        usual case: the names held before are still there in the same order (new
        ones come after, none is gone), and the two lists of values are compared
        by identity with ``map``. Names only, never values: holding values would
        skew the reference counts ``_same_value`` reads.
        """
        if self._binds_only is not None:
            return self._moved_among(namespace, self._binds_only)
        old_keys, old_values = self._keys, self._values
        self._keys, self._values = [], []  # the snapshot dict holds the one reference left
        keys = list(namespace)
        count = len(old_keys)
        if keys[:count] == old_keys:
            values = list(namespace.values())
            moved = [*compress(old_keys, map(is_not, old_values, values)), *keys[count:]]
            return moved, frozenset()
        get = self._before.get
        moved = [name for name, value in namespace.items() if get(name, _MISSING) is not value]
        return moved, frozenset(self._before.keys() - namespace.keys())

    def _moved_among(
        self, namespace: dict[str, Any], names: Collection[str]
    ) -> tuple[list[str], frozenset[str]]:
        """``_moved`` for a cell that binds no other global: its own names, and the
        names new since the snapshot, which a dict keeps last (nothing that ran can
        have deleted a global, so the namespace only grew)."""
        before = self._before
        get = before.get
        moved = [
            name
            for name in names
            if (value := namespace.get(name, _MISSING)) is not _MISSING
            and value is not get(name, _MISSING)
        ]
        added = len(namespace) - self._count
        if added > 0:
            seen = set(moved)
            new = [n for n in islice(reversed(namespace), added) if n not in seen]
            moved.extend(reversed(new))
        return moved, frozenset(name for name in names if name in before and name not in namespace)

    def _same_value(
        self, namespace: dict[str, Any], name: str, old: Any, owned: Callable[[str], bool]
    ) -> bool:
        """Whether the new value of ``name`` equals the old; may put the old object back."""
        if not equal_values(old, namespace[name], self._budget):
            return False
        if name in self._prints and self._prints[name] != fingerprint(
            changeable(old), self._budget
        ):
            return False  # the old object was changed before the name was rebound
        if cannot_change(namespace[name]):
            return True
        # A mutable value: identities matter, since a later change through one alias
        # shows through the others. Equal is the same only when neither object is
        # held by anything else (another global, a container, a closure, an output).
        # References counted: the namespace's (new) or the snapshot's and the two
        # locals on the way here (old), and getrefcount's argument. (One more for the
        # old object, as this once allowed, let `c = [a]` keep the old `a` while `a`
        # was bound to the new one.)
        return (
            owned(name)
            and sys.getrefcount(namespace[name]) <= 2
            and sys.getrefcount(old) <= _OLD_REFS
        )


_PLAIN_CONTAINERS = frozenset({tuple, list, dict, set, frozenset})
_PLAIN_LIMIT = 64  # values looked at per global; past it, a value does not count as plain


def plain_data(value: Any) -> bool:
    """Whether no operator on ``value``, and no dropping of it, can run Python code:
    a builtin scalar, or a small builtin container of such (exact types: a subclass's
    ``__add__`` or a ``__del__`` is code). An inert cell reading and binding only such
    values binds no global but its own (``analysis/inert.py``)."""
    pending = [value]
    seen = 0
    while pending:
        item = pending.pop()
        kind = type(item)
        if kind in _LEAVES:
            continue
        if kind not in _PLAIN_CONTAINERS:
            return False
        seen += len(item)
        if seen > _PLAIN_LIMIT:
            return False
        pending.extend(item.items() if kind is dict else item)
    return True


def changed_by_use(namespace: Mapping[str, Any], names: Iterable[str]) -> set[str]:
    """Of ``names``, those bound to a value that a mere use may change, which the cell's
    analysis cannot see as a change: it is fingerprinted before and after, as a name the
    cell calls a method of is.

    - An iterator (a generator, ``map``, ``zip``, ``iter(xs)``, a file): ``list(it)``,
      ``sum(it)``, ``for v in it`` use it up, though those calls change nothing else.
    - A dict whose missing keys are made on reading (``defaultdict``): ``d['x']``.
    - An instance of a notebook class with special methods or properties (``_has_hooks``):
      ``for v in a`` calls ``a.__iter__``, ``len(a)``, ``a + 1``, ``a[k]``, ``with a:``,
      ``f"{a}"`` theirs, any of which may change the instance (``self.n += 1``).
    """
    found = set()
    for name in names:
        kind = type(namespace.get(name))
        changes = _USED_UP.get(kind)
        if changes is None:
            changes = _USED_UP[kind] = hasattr(kind, "__next__") or (
                issubclass(kind, dict) and hasattr(kind, "__missing__")
            )
        if changes or (kind.__module__ == "__main__" and _has_hooks(kind)):
            found.add(name)
    return found


_USED_UP: weakref.WeakKeyDictionary[type, bool] = weakref.WeakKeyDictionary()


def _has_hooks(kind: type) -> bool:
    """Whether a notebook class, or a notebook class it derives from, defines a special
    method other than those that make or describe the class (``_NO_HOOKS``), or an
    attribute whose reading runs its code (a ``property``, a ``cached_property``: `c.v`
    may count on `self` as `len(c)` may)."""
    known = _HOOKED.get(kind)
    if known is None:
        known = _HOOKED[kind] = any(
            name not in _NO_HOOKS
            and (
                (name.startswith("__") and name.endswith("__"))
                or (hasattr(type(value), "__get__") and not isinstance(value, _PLAIN_MEMBERS))
            )
            for base in kind.__mro__
            if base.__module__ == "__main__"
            for name, value in vars(base).items()
        )
    return known


_PLAIN_MEMBERS = (types.FunctionType, staticmethod, classmethod)
"""Class members read without running code of theirs: methods (a call of one is a method
call, which the cell's analysis sees)."""


_HOOKED: weakref.WeakKeyDictionary[type, bool] = weakref.WeakKeyDictionary()
_NO_HOOKS = frozenset(
    {
        "__init__", "__new__", "__init_subclass__", "__set_name__", "__class_getitem__",
        "__del__", "__module__", "__qualname__", "__doc__", "__dict__", "__weakref__",
        "__slots__", "__annotations__", "__dataclass_fields__", "__dataclass_params__",
        "__match_args__", "__firstlineno__", "__static_attributes__", "__orig_bases__",
        "__parameters__", "__abstractmethods__", "_abc_impl",
    }
)  # fmt: skip
"""Class attributes no use of an instance calls: they make or describe the class."""


def receiver_call_changes(calls: Iterable[ReceiverCall], namespace: Mapping[str, Any]) -> set[str]:
    """The globals that ``calls`` of table methods may change, now that what their receivers
    are bound to is known (``ReceiverCall``): for a receiver that is a module, every
    argument of a function sharing a mutating method's name (``np.put(a, ...)``); for a
    class, the first argument of an unbound mutating method (``np.ndarray.fill(a, k)``);
    and for either, a ufunc's positional ``out`` arguments (``np.add(a, k, a)``,
    ``np.sqrt(a, a)``). A receiver that is neither is an instance: the call is its method,
    which the tables describe. A receiver not bound yet (the cell binds it: `import numpy
    as np` above the call) or read only by running code (a module's ``__getattr__``, a
    property) may be either: every argument counts, as for an unknown call.

    Asked before each cell with such calls (a few dict lookups each): only then is the
    receiver known, and a fingerprint must be taken before the cell runs.
    """
    found: set[str] = set()
    for call in calls:
        receiver = namespace.get(call.root, _MISSING)
        if receiver is _MISSING:
            receiver = getattr(builtins, call.root, _MISSING)  # `dict.update(d, e)`
        for part in call.path:
            if receiver is _MISSING or not isinstance(receiver, types.ModuleType | type):
                break  # (an instance's attribute: a method of what it holds)
            receiver = _static_attribute(receiver, part)
        if receiver is _MISSING:
            found |= call.names()
            continue
        if not isinstance(receiver, types.ModuleType | type):
            continue
        callee = _static_attribute(receiver, "." + call.method)
        inputs = getattr(callee, "nin", None) if type(callee).__name__ == "ufunc" else None
        if isinstance(inputs, int):  # numpy's ufuncs: `out` follows the inputs
            found.update(*call.arguments[inputs:])
        elif not call.mutating or _pure_module_function(callee, call.method):
            continue  # (`np.dot(a, b)`, `np.sort(a)`: they leave their arguments alone)
        elif callee is _MISSING or isinstance(receiver, types.ModuleType):
            found |= call.names()  # a module's function: it may change what it is handed
        elif call.arguments:
            found |= call.arguments[0]  # an unbound method: its receiver is the first one
    return found


def _pure_module_function(callee: Any, name: str) -> bool:
    """Whether ``callee`` is the function of ``PURE_MODULE_FUNCTIONS`` it says it is: the
    attribute ``name`` of the module it names (a look in ``sys.modules``, no code run)."""
    module_name = getattr(callee, "__module__", None)
    if not isinstance(module_name, str) or f"{module_name}.{name}" not in PURE_MODULE_FUNCTIONS:
        return False
    module = sys.modules.get(module_name)
    return module is not None and vars(module).get(name) is callee


def seeded_generators(calls: Iterable[ReceiverCall], namespace: Mapping[str, Any]) -> list[Any]:
    """The global random generators that ``calls`` seed (``random.seed(1)``,
    ``np.random.seed(0)``), their receivers read without running code. A seed is a write
    of the generator's state whatever that state was: one seeding a generator already in
    that state (seeded alike, nothing drawn since) is seen to change nothing, and the cell
    would stop being one of the module's writers until the next run that changes it,
    the cell above it writing the module last in between (each run of one of them then
    ran the other, and itself again)."""
    found = []
    for call in calls:
        if call.method != "seed":
            continue
        receiver = namespace.get(call.root, _MISSING)
        for part in call.path:
            if not isinstance(receiver, types.ModuleType):
                receiver = _MISSING
                break
            receiver = _static_attribute(receiver, part)
        if receiver is _MISSING or global_generator(receiver) is None:
            continue
        if isinstance(receiver, types.ModuleType):
            callee = _static_attribute(receiver, ".seed")
            if getattr(callee, "__name__", None) != "seed":
                continue
        found.append(global_generator(receiver))
    return found


def _static_attribute(holder: types.ModuleType | type, part: PathPart) -> Any:
    """A module's or a class's attribute at an attribute part, read without running code
    (no module ``__getattr__``, no descriptor); ``_MISSING`` when not found so."""
    if not isinstance(part, str) or not part.startswith("."):
        return _MISSING
    name = part[1:]
    try:
        if isinstance(holder, types.ModuleType):
            found = vars(holder).get(name, _MISSING)
        else:  # (a class's own attribute, else its bases'; its metaclass's: not found)
            found = next((vars(c)[name] for c in holder.__mro__ if name in vars(c)), _MISSING)
    except Exception:
        return _MISSING
    if isinstance(found, staticmethod | classmethod):
        return found.__func__
    return found


def changeable(value: Any) -> Any:
    """What a cell changes in place when it changes or calls ``value``: a bound method's
    receiver (``m = xs.append`` then ``m(1)`` changes ``xs``), else the value itself."""
    if isinstance(value, types.MethodType | types.BuiltinMethodType):
        receiver = getattr(value, "__self__", None)
        if receiver is not None and not isinstance(receiver, types.ModuleType):
            return receiver
    return value


def changed_parts(before: Any, after: Any) -> frozenset[PathPart] | None:
    """The items or attributes in which two fingerprints of one object differ.

    ``None`` when that cannot be told part by part: another kind of object, a
    key that is no safe path part (see ``analysis.paths.constant_key``), more
    parts than a ledger should hold versions for (``_PARTS_LIMIT``: a loop that
    appends ten thousand items changes the list as a whole).
    """
    if type(before) is not tuple or type(after) is not tuple or len(before) < 2:
        return None
    kind = before[0]
    if kind is list or kind is tuple:
        old, new = before[1], after[1]
        if after[0] is not kind:
            return None
        # Index by index; a length change is a change of every index past the shorter
        # length (`append`, `pop()`): `xs[0]` is unchanged by `xs.append(1)`, while
        # `insert(0, v)` shifts, and so changes, every index that holds another value.
        found: set[PathPart] = {i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b}
        found.update(range(min(len(old), len(new)), max(len(old), len(new))))
    elif kind is dict:
        if after[0] is not dict:
            return None
        found = set()
        for key in _differing(before[1], after[1]):
            part = _key_part(key)
            if part is None:
                return None
            found.add(part)
    elif kind == "parts":  # a module holding a generator's state (fingerprint: "parts")
        if after[:2] != before[:2]:
            return None
        found = _differing(before[2], after[2])
    elif kind == "class":  # a notebook class: its own attributes (dunders left out)
        if after[:2] != before[:2]:
            return None
        found = {"." + key for key in _differing(before[2], after[2])}
    elif kind == "object":
        if after[:3] != before[:3]:  # another class, or another object
            return None
        found = set()
        for key in _differing(before[3], after[3]):
            if type(key) is not str:
                return None
            found.add("." + key)
    else:
        return None
    if len(found) > _PARTS_LIMIT:
        return None
    return frozenset(found) or None


_PARTS_LIMIT = 64


def shaped_parts(before: Any, after: Any) -> frozenset[PathPart]:
    """Of the parts ``changed_parts`` tells apart, those one fingerprint has and the other
    has not: a list's indices past the shorter length, a dict's keys, an object's or a
    notebook class's attributes added or removed. A store into such a part later replaces
    what it holds, not whether it is there (`xs[1] = 5` fails without `xs.append(2)`), nor
    where a dict or an object keeps it (their order)."""
    kind = before[0]
    if kind is list or kind is tuple:
        old, new = len(before[1]), len(after[1])
        return frozenset(range(min(old, new), max(old, new)))
    if kind is dict:
        keys = {key for key, _ in before[1]} ^ {key for key, _ in after[1]}
        return frozenset(part for key in keys if (part := _key_part(key)) is not None)
    if kind == "class":
        keys = {key for key, _ in before[2]} ^ {key for key, _ in after[2]}
        return frozenset("." + key for key in keys)
    if kind == "object":
        keys = {key for key, _ in before[3]} ^ {key for key, _ in after[3]}
        return frozenset("." + key for key in keys if type(key) is str)
    return frozenset()


def _differing(before: Any, after: Any) -> set[Any]:
    """The keys whose values differ between two fingerprints' (key, value) pairs."""
    old_items, new_items = dict(before), dict(after)
    return {
        key
        for key in old_items.keys() | new_items.keys()
        if old_items.get(key, _MISSING) != new_items.get(key, _MISSING)
    }


def _key_part(key_print: Any) -> PathPart | None:
    """The path part for a dict key's fingerprint, spelled as ``analysis.paths`` spells it."""
    if type(key_print) is not tuple or len(key_print) != 2:
        return None
    kind, value = key_print
    if kind is str:
        return repr(value)
    if kind is bool or (kind is int and value >= 0):
        return int(value)
    return None


def _at_parts(obj: Any, parts: frozenset[PathPart] | None) -> list[Any]:
    """The objects ``obj`` holds now at ``parts`` (as ``changed_parts`` names them)."""
    found = []
    for part in parts or ():
        try:
            if isinstance(part, int):
                found.append(obj[part])
            elif part.startswith("."):
                found.append(vars(obj)[part[1:]])
            else:
                found.append(obj[ast.literal_eval(part)])
        except Exception:
            continue  # deleted, or not there any more
    return found


def _elements_bound_elsewhere(
    namespace: dict[str, Any], names: set[str], elements: dict[int, Any]
) -> set[str]:
    """Globals bound to an element of a candidate: ``outer[0].append(1)`` changes ``inner``.

    Asked before every cell that may change something: the candidates' elements come
    first, and only when there are some is the namespace scanned for them (most
    candidates, arrays and frames, hold no object a global could be bound to).
    """
    if not names or not elements:
        return set()
    found = {
        name
        for name, value in namespace.items()
        if id(value) in elements and not cannot_change(value)
    }
    if any(type(e) is dict for e in elements.values()):
        # An object whose attribute dict a candidate holds (`c = [vars(o)]`): a store
        # into `c[0]` changes `o`, which holds nothing of `c`'s.
        found.update(
            name
            for name, value in namespace.items()
            if _state_changed(value, elements) and links_cells(name)
        )
    return found - names


def _reachable(value: Any, with_class: bool = False) -> Iterator[Any]:
    """The objects a container holds, and those they hold, within a depth and a count.

    Past the limits the search gives up: a holder that deep or that large is not
    found (a known limit, in the README), rather than every big container counting
    as changed whenever anything changes.
    """
    stack = [(value, 0)]
    seen = {id(value)}
    budget = _SCAN_LIMIT
    while stack:
        current, depth = stack.pop()
        for element in _elements(current, with_class):
            if id(element) in seen or type(element) in _LEAVES:
                continue
            seen.add(id(element))
            yield element
            budget -= 1
            if budget <= 0:
                return
            if depth + 1 < _SCAN_DEPTH and not isinstance(element, _OPAQUE):
                stack.append((element, depth + 1))


_LEAVES = frozenset({int, float, str, bytes, bool, type(None), complex})
_LIVE_VIEWS = frozenset(
    {type({}.keys()), type({}.values()), type({}.items()), types.MappingProxyType}
)
"""Views that show a dict as it is now (its only referent): a change of the dict is one
of every name bound to a view of it."""
_OPAQUE = (types.ModuleType, type)
_BOUND_IN_C = (types.BuiltinMethodType, types.MethodWrapperType)
"""Methods of objects written in C (`xs.append`, `xs.__setitem__`): a call changes the
object they are bound to (``__self__``), unless that is a module or a class (`len`,
`np.zeros`, `dict.fromkeys`)."""


def held_directly(holder: Any, value: Any) -> bool:
    """Whether ``holder`` holds ``value`` itself: as an item, a dict's key or value, an
    attribute (``_elements``), within the scan limit."""
    return any(element is value for element in islice(_elements(holder), _SCAN_LIMIT))


def share_an_object(holder: Any, value: Any) -> bool:
    """Whether ``holder`` and ``value`` hold one object that can change, one step down:
    ``holder`` holds ``value``, ``value`` holds ``holder`` (``o = O(d)``: ``o.xs`` is
    ``d``), or both hold a third (``o = O(d['k'])``: ``o.xs`` is ``d['k']``); as items,
    a dict's keys or values, attributes (``_elements``), within the scan limit. A change
    made through one may be one of the other."""
    held = {
        id(element): element
        for element in islice(_elements(holder), _SCAN_LIMIT)
        if not cannot_change(element)
    }
    if id(value) in held:
        return True
    return any(
        element is holder or id(element) in held
        for element in islice(_elements(value), _SCAN_LIMIT)
    )


def _elements(value: Any, with_class: bool = False) -> list[Any]:
    """The objects a container (or a plain object's attributes) holds directly, within limits."""
    kind = type(value)
    if isinstance(value, type) and value.__module__ == "__main__":
        # A notebook class reads what it does not define from its notebook bases and its
        # notebook metaclass: `A.v = 3` changes what `B.v` gives when `B(A)` does not
        # define `v` (not the other way round).
        return [c for c in (*value.__mro__[1:], kind) if c.__module__ == "__main__"]
    if kind in _LEAVES or isinstance(value, _OPAQUE):
        return []
    try:
        if kind in _BOUND_IN_C:  # `h = {'a': xs.append}`: its calls change `xs`
            bound = value.__self__
            return [] if bound is None or isinstance(bound, _OPAQUE) else [bound]
        if isinstance(value, functools.partial):  # what its calls are handed, and call
            state = getattr(value, "__dict__", None) or {}
            return [value.func, *value.args, *value.keywords.values(), *state.values()]
        if kind is types.FunctionType:  # what its calls may change (`def f(x, acc=acc)`)
            cells, defaults, keywords, attributes = function_state(value)
            elements: Iterable[Any] = [*cells, *defaults, *keywords.values(), *attributes.values()]
        elif kind in _LIVE_VIEWS:  # `ks = d.keys()` shows what `d` holds now
            elements = gc.get_referents(value)
        elif kind is list or kind is tuple or kind is set or kind is frozenset:
            elements = value
        elif kind is dict:  # keys too: an object used as a key may change (`reg = {o: 1}`)
            elements = [*value.keys(), *value.values()]
        elif kind is types.MethodType:  # `g = o.get`: its calls read and change `o`
            elements = [value.__self__, value.__func__]
        elif kind is memoryview:  # `mv = memoryview(ba)` shows `ba` as it is now
            elements = [value.obj]
        elif isinstance(value, weakref.ref):  # `r()` gives what it refers to, while alive
            target = value()
            elements = [] if target is None else [target]
        else:
            state = getattr(value, "__dict__", None)
            if type(state) is dict:
                elements = state.values()
            else:
                # State kept in C (`zip(xs, ys)`, `o.get`, a deque, a dict subclass, slots):
                # what its traversal visits, as the garbage collector sees it.
                elements = [
                    e
                    for e in gc.get_referents(value)
                    if not isinstance(e, _OPAQUE) and not _is_namespace(e)
                ]
            if with_class and kind.__module__ == "__main__":
                # An instance reads its notebook class's attributes: `Cfg.lr = 0.3`
                # changes what `cfg.lr` gives (not the other way round).
                elements = [kind, *elements]
        found = []
        for count, element in enumerate(elements):
            if count >= _SCAN_LIMIT:
                break
            found.append(element)
        return found
    except Exception:
        return []


def _is_namespace(value: Any) -> bool:
    """A module's globals (a generator's frame holds its function's): holding them is no
    holding of every global."""
    return type(value) is dict and "__builtins__" in value


def _holders(
    namespace: dict[str, Any], changed: dict[int, Any], drew: bool = False
) -> tuple[set[str], set[str]]:
    """Globals bound to a changed object, holding one directly, sharing its memory, or
    (``drew``: a global generator is among the changed) drawing from it; and of them,
    those that hold one only as an instance of a changed notebook class."""
    for obj in list(changed.values()):
        for base in _bases(obj):  # a view's change is its base array's
            changed[id(base)] = base
    found = set()
    through_class = set()
    for name, value in namespace.items():
        if not links_cells(name):
            continue  # IPython's `Out`, `_5`...: no cell reads them, so none is told
        if (
            id(value) in changed
            or _state_changed(value, changed)
            or any(id(base) in changed for base in _bases(value))
            or (drew and _draws_from(value, changed))
        ):
            found.add(name)
        elif _holds(value, changed, with_class=True):
            found.add(name)
            if not _holds(value, changed):  # (asked of holders only: the scan is costly)
                through_class.add(name)
    return found, through_class


def holding(
    namespace: Mapping[str, Any],
    names: Iterable[str],
    objects: Iterable[Any],
    changed: Collection[int],
) -> set[str]:
    """Of ``names``, those bound to, or holding, an object of ``changed`` (ids) that is one
    of ``objects`` or that one of them holds (within the scan limits, as ``_holders`` finds
    the holders of a changed object): `box[0].append(1)` changes what `box` holds, `C`;
    `d.update(j=o.xs)` changes `d`, which `o` does not hold."""
    wanted = {}
    for obj in objects:
        for found in (obj, *_reachable(obj)):
            if id(found) in changed:
                wanted[id(found)] = found
    if not wanted:
        return set()
    return {
        name
        for name in names
        if (value := namespace.get(name, _MISSING)) is not _MISSING
        and (id(value) in wanted or _holds(value, wanted))
    }


def _attribute_holders(
    namespace: dict[str, Any], changed: dict[int, Any], untold: Collection[int] = ()
) -> list[tuple[Any, frozenset[PathPart]]]:
    """The notebook classes and the modules bound to globals, not changed themselves, that
    hold a changed object in an attribute, each with those attributes: `e = K.d` then
    `e['q'] = 1` changes `K.d` (and what `K().d` gives), `e = m.d` then `e['q'] = 1`
    changes `m.d`. The holder search does not look into either (``_OPAQUE``: a class is
    read for its bases, a module is many objects, most of them code), and neither is
    fingerprinted unless the cell names it. A class's attribute is searched as a
    container is (`e = K.d['x']`); a module's is only looked at itself: a module holds
    hundreds of objects, looked at after every cell that changed something.

    ``untold``: the changed objects whose fingerprints said "cannot tell" before and after
    the cell (a ufunc, a file, an object over the budget): no change was seen, only
    assumed for the names bound to them. A module holding one is not charged with it: its
    attributes are never fingerprinted, so a module learns of a change only from one seen,
    and `for func in (np.abs, np.cos)` then `func(a)` charged `np` with a change of
    `np.cos` each run, which made every reader of `np` stale for good."""
    found = []
    done: set[int] = set()
    seen = changed.keys() - untold if untold else changed.keys()
    for name, value in namespace.items():
        if id(value) in changed or id(value) in done or not links_cells(name):
            continue
        if isinstance(value, types.ModuleType):
            done.add(id(value))
            if _draws_from(value, changed):
                continue  # its generator drew: changed as ``_holders`` says (`random._inst`)
            attributes = vars(value)
            if seen.isdisjoint(map(id, attributes.values())):
                continue  # (the usual case, told at C speed)
            held = _attributes_holding(attributes, lambda a: id(a) in seen)
        elif isinstance(value, type) and value.__module__ == "__main__":
            done.add(id(value))
            held = _attributes_holding(
                vars(value),
                lambda a: id(a) in changed or _state_changed(a, changed) or _holds(a, changed),
            )
        else:
            continue
        if held:
            found.append((value, held))
    return found


def _attributes_holding(
    attributes: Mapping[str, Any], holds: Callable[[Any], bool]
) -> frozenset[PathPart]:
    """The parts (`.d`) of the attributes, neither dunders nor code, that ``holds``."""
    return frozenset(
        "." + key
        for key, attribute in attributes.items()
        if not (key.startswith("__") and key.endswith("__"))
        and type(attribute) not in _LEAVES
        and not isinstance(attribute, _CODE)
        and holds(attribute)
    )


_CODE = (
    types.FunctionType,
    types.BuiltinFunctionType,
    staticmethod,
    classmethod,
    property,
    type,
    types.ModuleType,
)
"""Class and module attributes that are code (or classes and modules, searched as globals
of their own when bound to one): no alias of one shares the holder's state."""


def _draws_from(value: Any, changed: dict[int, Any]) -> bool:
    """Whether ``value`` is a way into a global generator that changed (``randint``,
    ``np`` once ``random.seed`` or ``np.random.rand`` ran)."""
    generator = global_generator(value)
    return generator is not None and id(generator) in changed


def _bases(obj: Any) -> list[Any]:
    """The arrays a numpy view looks into (``x[:2].base is x``), innermost first."""
    found: list[Any] = []
    base = getattr(obj, "base", None) if type(obj).__module__.startswith("numpy") else None
    while base is not None and len(found) < 8:
        found.append(base)
        base = getattr(base, "base", None)
    return found


def _holds(value: Any, changed: dict[int, Any], with_class: bool = False) -> bool:
    return any(
        id(element) in changed or _state_changed(element, changed)
        for element in _reachable(value, with_class=with_class)
    )


def _attribute_dict(obj: Any) -> dict[str, Any] | None:
    """The ``__dict__`` of a plain object, read without running its code; else None."""
    if type(obj) in _LEAVES or isinstance(obj, _OPAQUE):
        return None
    try:
        state = object.__getattribute__(obj, "__dict__")
    except Exception:
        return None
    return state if type(state) is dict else None


def _state_changed(value: Any, changed: dict[int, Any]) -> bool:
    """Whether ``value`` is a plain object whose attribute dict is a changed object: a
    store through `d = vars(o)` changes `o`, though no attribute of `o` holds `d`."""
    state = _attribute_dict(value)
    return state is not None and id(state) in changed
