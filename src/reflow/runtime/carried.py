"""Code carried by values: the notebook functions a value can call into.

Static analysis sees a call of ``foo`` by name and makes the caller read what
``foo`` reads. A value can carry notebook code as well: ``fs = [foo]``,
``lst.append(lambda e: e + x)``, ``d = {"f": lambda: x}``, an instance whose
notebook class has methods and properties, a closure or a ``partial`` that
holds one. Any use of such a value may run that code (``fs[0]()``,
``foo.baz()``, ``obj.total``, ``a + b`` calling ``__add__``), so a cell that
reads the name reads what the code reads.

After a cell runs, each name it wrote is searched (bounded, like the alias
search of ``runtime.changes``) for functions whose globals are the notebook's,
and their code is summarised from the bytecode: the global names it loads,
stores and deletes, nested functions and comprehensions included. The summary
goes to the graph as a function summary of the name, so the graph widens its
readers exactly as it widens the callers of a function defined by name.
"""

from __future__ import annotations

import collections
import dis
import functools
import gc
import types
from collections.abc import Iterable
from typing import Any

from reflow.analysis.effects import FunctionSummary
from reflow.analysis.kinds import DYNAMIC_ACCESS, MADE_THROUGH

_LIMIT = 2_000  # objects visited below one name
_DEPTH = 6
_LEAVES = frozenset({int, float, str, bytes, bool, type(None), complex, range})
_LOADS = frozenset({"LOAD_GLOBAL", "LOAD_NAME"})
_STORES = frozenset({"STORE_GLOBAL", "DELETE_GLOBAL", "STORE_NAME", "DELETE_NAME"})
_GLOBAL_ACCESS = frozenset({"exec", "eval", "globals"})
"""Builtins whose call in the code reads any global (``FunctionSummary.dynamic``)."""


def carried_summaries(
    names: Iterable[str], namespace: dict[str, Any]
) -> dict[str, FunctionSummary]:
    """For each of ``names`` whose value carries notebook code, what calling it may touch."""
    found = {}
    for name in names:
        codes, classes = _codes_below(namespace.get(name), namespace)
        if not codes and not classes:
            continue
        loads: set[str] = set()
        writes: set[str] = set()
        for code in codes:
            loaded, stored = _code_globals(code)
            loads |= loaded
            writes |= stored
        # An instance's methods and class attributes are looked up on its class: a store
        # into the class (`K.get = ...`, `K.z = 5`) changes what a use of the instance
        # gives, so the use reads the global the class is bound to, without calling it.
        classes_read = {
            base.__name__
            for kind in classes
            for base in kind.__mro__[:-1]
            if namespace.get(base.__name__) is base
        }
        # Which objects the code changes in place is not told by the bytecode: any
        # global it reads may be one (fingerprinted around a reader's run).
        value = namespace.get(name)
        found[name] = FunctionSummary(
            frozenset(loads),
            frozenset(writes),
            frozenset(loads),
            classes=frozenset(classes_read),
            constructs=_construction_reads(value, namespace) if isinstance(value, type) else None,
            dynamic=not _GLOBAL_ACCESS.isdisjoint(loads),
            stores_run_no_code=not classes and type(value) in _STORES_CALL_NOTHING,
        )
    return found


_STORES_CALL_NOTHING = frozenset(
    {
        dict,
        list,
        types.SimpleNamespace,
        types.FunctionType,
        collections.OrderedDict,
        collections.defaultdict,
    }
)
"""Types whose item or attribute store is C code calling nothing the value holds (a
``defaultdict``'s factory runs on a read, never on a store; a subclass may override)."""


def _construction_reads(kind: type, namespace: dict[str, Any]) -> frozenset[str] | None:
    """What making an instance of ``kind`` may read of it, as ``kinds.construction_reads``
    tells from the source, here from the code the class holds now (a method stored into
    it since counts): every attribute name its functions spell. ``None`` (anything) for
    a base or metaclass, code from elsewhere, dynamic access, or an instance that its
    code uses otherwise than for an attribute (handed to a call, returned, stored)."""
    if type(kind) is not type or kind.__bases__ != (object,):
        return None
    found = set(MADE_THROUGH)
    for value in vars(kind).values():
        if isinstance(value, staticmethod | classmethod):
            value = value.__func__
        functions = (
            [f for f in (value.fget, value.fset, value.fdel) if f is not None]
            if isinstance(value, property)
            else [value]
        )
        for function in functions:
            if isinstance(function, types.FunctionType):
                if function.__globals__ is not namespace:
                    return None
                names = _attribute_names(function.__code__)
                if names is None:
                    return None
                found |= names
            elif isinstance(function, type) or (callable(function) and not _harmless(function)):
                return None
    return frozenset(found)


def _harmless(value: Any) -> bool:
    """A callable a class may hold whose call runs no code of the notebook's: a builtin,
    or what the interpreter puts there (``__dict__``'s and ``__weakref__``'s getters)."""
    return isinstance(
        value,
        types.BuiltinFunctionType
        | types.WrapperDescriptorType
        | types.MethodDescriptorType
        | types.GetSetDescriptorType
        | types.MemberDescriptorType,
    )


_LOADS_OF = frozenset({"LOAD_FAST", "LOAD_DEREF"})  # a local's or a free variable's value
_INSTANCE_USES = frozenset({"LOAD_ATTR", "STORE_ATTR", "DELETE_ATTR", "LOAD_METHOD"})


@functools.lru_cache(maxsize=4096)
def _attribute_names(code: types.CodeType) -> frozenset[str] | None:
    """The names ``code`` and the code nested in it spell (attributes and globals), or
    ``None`` if it reads attributes dynamically or uses its first argument (the instance)
    otherwise than to get, set or delete an attribute."""
    instance = code.co_varnames[0] if code.co_argcount else None
    names: set[str] = set()
    pending = [(code, instance)]
    while pending:
        current, held = pending.pop()
        if set(current.co_names) & DYNAMIC_ACCESS:
            return None
        names.update(current.co_names)
        instructions = list(dis.get_instructions(current))
        for index, instruction in enumerate(instructions):
            # (`LOAD_CLOSURE` hands it to a nested function, whose own uses are checked.)
            if held is None or instruction.argval != held or instruction.opname not in _LOADS_OF:
                continue
            following = instructions[index + 1] if index + 1 < len(instructions) else None
            if following is None or following.opname not in _INSTANCE_USES:
                return None
        pending += [(c, held) for c in current.co_consts if isinstance(c, types.CodeType)]
    return frozenset(names)


def _codes_below(value: Any, namespace: dict[str, Any]) -> tuple[set[types.CodeType], set[type]]:
    """The code objects of notebook functions reachable from ``value``, and the notebook
    classes, within limits."""
    codes: set[types.CodeType] = set()
    classes: set[type] = set()
    if type(value) in _LEAVES or isinstance(value, types.ModuleType):
        return codes, classes
    stack = [(value, 0)]
    seen = {id(value)}
    visited = 0
    while stack and visited < _LIMIT:
        current, depth = stack.pop()
        visited += 1
        if isinstance(current, type) and _notebook_class(current, namespace):
            classes.add(current)
        if isinstance(current, types.FunctionType):
            if current.__globals__ is namespace:
                codes.add(current.__code__)
            elements: list[Any] = [
                *(c.cell_contents for c in current.__closure__ or () if _filled(c)),
                *(current.__defaults__ or ()),
                *(current.__kwdefaults__ or {}).values(),
            ]
        elif isinstance(current, _SUSPENDED):
            # A generator runs the rest of its code when it is used (`list(g)`, `next(g)`),
            # reading the globals then: a use reads what its code reads, as a call does.
            frame = _suspended_frame(current)
            if frame is None:  # used up, or running: no code of it is left to run
                continue
            if frame.f_globals is namespace:
                codes.add(frame.f_code)
            elements = _frame_locals(frame)
        else:
            elements = _elements(current, namespace)
        if depth + 1 > _DEPTH:
            continue
        for element in elements:
            if type(element) in _LEAVES or id(element) in seen:
                continue
            if isinstance(element, types.ModuleType):
                continue
            seen.add(id(element))
            stack.append((element, depth + 1))
    return codes, classes


_SUSPENDED = (types.GeneratorType, types.CoroutineType, types.AsyncGeneratorType)
"""Code objects in the middle of a run: they go on when used, reading globals then."""


def _suspended_frame(value: Any) -> types.FrameType | None:
    """The frame a generator, coroutine or async generator goes on in, if it will."""
    frame = getattr(value, "gi_frame", None) or getattr(value, "cr_frame", None)
    frame = frame or getattr(value, "ag_frame", None)
    return frame if isinstance(frame, types.FrameType) else None


def _frame_locals(frame: types.FrameType) -> list[Any]:
    """What a suspended frame's locals hold (the iterator a genexpr goes over, a function
    a generator was handed): its later steps may call code they carry."""
    try:
        return [v for v in frame.f_locals.values() if type(v) not in _LEAVES]
    except Exception:
        return []


def _filled(cell: Any) -> bool:
    try:
        cell.cell_contents  # noqa: B018 (an empty cell raises)
    except ValueError:
        return False
    return True


def _elements(value: Any, namespace: dict[str, Any]) -> list[Any]:
    """What a value holds that may be or hold notebook code."""
    kind = type(value)
    try:
        if kind is list or kind is tuple or kind is set or kind is frozenset:
            if len(value) > _LIMIT:
                return []
            if not set(map(type, value)) - _LEAVES:
                return []  # numbers and strings only: nothing to call (a C-speed check)
            return list(value)
        if kind is dict:
            if len(value) > _LIMIT:
                return []
            return [v for v in value.values() if type(v) not in _LEAVES]
        if isinstance(value, types.MethodType):
            return [value.__func__, value.__self__]
        if isinstance(value, functools.partial):
            return [value.func, *value.args, *value.keywords.values()]
        if isinstance(value, staticmethod | classmethod):
            return [value.__func__]
        if isinstance(value, property):
            return [value.fget, value.fset, value.fdel]
        if isinstance(value, type):
            return _class_members(value, namespace)
        if _held_in_c(kind):
            # `map(lambda q: q + k, xs)`, `filter(f, xs)`, `zip(...)`, an itertools object,
            # `iter(fs)`: an iterator made in C keeps what its next step calls there.
            return [
                e
                for e in gc.get_referents(value)
                if type(e) not in _LEAVES
                and not isinstance(e, types.ModuleType | types.FrameType | types.CodeType)
                and not (type(e) is dict and e is namespace)
            ]
        found: list[Any] = []
        if _notebook_class(kind, namespace):
            found.append(kind)  # its methods run when the instance is used
        state = getattr(value, "__dict__", None)
        if type(state) is dict and len(state) <= _LIMIT:
            found += [v for v in state.values() if type(v) not in _LEAVES]
        return found
    except Exception:  # a container whose iteration raises: nothing found in it
        return []


def _held_in_c(kind: type) -> bool:
    """Whether ``kind`` is an iterator whose state lives in C, out of ``__dict__``'s sight
    (``map``, ``filter``, ``zip``, ``itertools``' iterators, a list's iterator)."""
    known = _IN_C.get(kind)
    if known is None:
        known = _IN_C[kind] = (
            hasattr(kind, "__next__")
            and kind.__dictoffset__ == 0  # (no attribute dict of its own)
            and kind.__module__ in ("builtins", "itertools")
        )
    return known


_IN_C: dict[type, bool] = {}


def _notebook_class(kind: type, namespace: dict[str, Any]) -> bool:
    """Whether ``kind`` (or a base) was defined by a cell: its module is the notebook's."""
    name = namespace.get("__name__")
    return any(getattr(base, "__module__", None) == name for base in kind.__mro__[:-1])


def _class_members(kind: type, namespace: dict[str, Any]) -> list[Any]:
    if not _notebook_class(kind, namespace):
        return []
    found: list[Any] = []
    for base in kind.__mro__[:-1]:
        if getattr(base, "__module__", None) == namespace.get("__name__"):
            found += [v for v in vars(base).values() if type(v) not in _LEAVES]
    return found


@functools.lru_cache(maxsize=4096)
def _code_globals(code: types.CodeType) -> tuple[frozenset[str], frozenset[str]]:
    """The global names ``code`` (and the code nested in it) loads, and stores or deletes."""
    loads: set[str] = set()
    stores: set[str] = set()
    pending = [code]
    while pending:
        current = pending.pop()
        for instruction in dis.get_instructions(current):
            if instruction.opname in _LOADS:
                loads.add(instruction.argval)
            elif instruction.opname in _STORES:
                stores.add(instruction.argval)
        pending += [c for c in current.co_consts if isinstance(c, types.CodeType)]
    return frozenset(loads), frozenset(stores)
