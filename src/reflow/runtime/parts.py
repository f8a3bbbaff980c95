"""Whether a constant path names a part of an object that nothing else reads.

Static analysis sees ``cfg.lr`` and ``xs[0]``; only the objects can say
whether those are separate parts. ``xs[0]`` of a list is; ``cfg.total`` is
not when ``total`` is a property computed from ``cfg.lr``, nor is ``m["a"]``
of a mapping whose ``__getitem__`` reads other keys. A path is trusted as far
as each step goes through a ``list``, ``tuple`` or ``dict`` (exactly those
types) or a plain instance attribute, the same parts ``runtime.changes``
tells apart when it diffs fingerprints; the rest of the path is cut, and a
path cut to nothing is a read of the whole object.
"""

from __future__ import annotations

import ast
import inspect
import sys
import types
from collections.abc import Set
from typing import Any

from reflow.analysis.effects import PathPart
from reflow.analysis.paths import RUNTIME_KEY
from reflow.runtime.versions import Paths

_ABSENT: Any = object()


def trusted_paths(value: Any, paths: Paths) -> Paths:
    """``paths`` cut to the steps ``value`` vouches for; ``None`` (all of it) if one is cut
    to nothing."""
    if paths is None or value is _ABSENT:
        return None
    trusted = set()
    for path in paths:
        kept = _trusted_prefix(value, path)
        if path and not kept:
            return None
        trusted.add(kept)
    return frozenset(trusted)


def resolve_keys(paths: Paths, namespace: dict[str, Any], rebound: Set[str]) -> Paths:
    """Replace each runtime key (``d[k]``) by the value ``k`` holds before the cell runs.

    That is the value at the read only if the cell never binds ``k``; and only
    a non-negative int or a str is a part as fingerprints spell it. Otherwise
    the path is cut before the key: the read is of some part of what is above.
    """
    if not paths:
        return paths
    resolved = set()
    for path in paths:
        kept: list[PathPart] = []
        for part in path:
            if isinstance(part, str) and part.startswith(RUNTIME_KEY):
                key_name = part[len(RUNTIME_KEY) :]
                key = namespace.get(key_name, _ABSENT) if key_name not in rebound else _ABSENT
                resolved_part = _key_part(key)
                if resolved_part is None:
                    break
                part = resolved_part
            kept.append(part)
        if path and not kept:
            return None
        resolved.add(tuple(kept))
    return frozenset(resolved)


def _key_part(key: Any) -> PathPart | None:
    kind = type(key)
    if kind is str:
        return repr(key)
    if kind is bool or (kind is int and key >= 0):
        return int(key)
    return None


def bound(namespace: dict[str, Any], name: str) -> Any:
    return namespace.get(name, _ABSENT)


def module_paths(module: types.ModuleType, paths: Paths) -> Paths:
    """What calls of a module's functions read of it (``CellAnalysis.module_reads``).

    A method reads its receiver whole; a module's function reads the globals of the
    module its code lives in. ``np.zeros`` (C code) and ``np.mean`` (code of
    ``numpy._core``) read nothing of ``np`` but the attribute, so ``np.random.seed(1)``
    (a change of ``np.random``'s state) leaves them alone; ``mymod.f`` or ``plt.plot``
    read their own module whole, stores into it included (``mymod.y = 7``). A path
    that is a plain read (``np.pi``) stays as it is: what it names is no code.
    """
    if paths is None:
        return None
    found = set()
    for path in paths:
        parent = _module_at(module, path[:-1])
        last = path[-1] if path else None
        if (
            parent is None
            or not (isinstance(last, str) and last.startswith("."))
            or _runs_in(vars(parent).get(last[1:], _ABSENT), parent)
        ):
            if not path[:-1]:
                return None
            found.add(path[:-1])  # the receiver, or the module, read whole
        else:
            found.add(path)
    return frozenset(found)


def _module_at(module: types.ModuleType, path: tuple[PathPart, ...]) -> types.ModuleType | None:
    """The module ``path`` names in ``module`` through modules' globals alone, if any."""
    current: Any = module
    for part in path:
        if not (isinstance(part, str) and part.startswith(".")):
            return None
        current = vars(current).get(part[1:])
        if not isinstance(current, types.ModuleType):
            return None
    return current if isinstance(current, types.ModuleType) else None


def _runs_in(value: Any, module: types.ModuleType) -> bool:
    """Whether calling ``value`` may run code that reads ``module``'s globals: unless it
    is C code (a builtin) or a function whose globals are another module's."""
    if value is _ABSENT:
        return True  # a module's `__getattr__` makes it
    if not callable(value):
        return False  # a plain read (`np.pi`): no code of the module's runs
    try:
        value = inspect.unwrap(value)
    except Exception:
        return True
    if isinstance(value, types.BuiltinFunctionType):
        return False
    if isinstance(value, type):
        return bool(getattr(value, "__module__", None) == module.__name__)
    namespace = getattr(value, "__globals__", None)
    if type(namespace) is dict:
        return namespace is vars(module)
    return True


def home_module(value: Any, notebook: dict[str, Any]) -> types.ModuleType | None:
    """The module whose globals calling ``value`` reads (``_runs_in``): a Python
    function's (unwrapped), a class's own module; ``None`` for C code, anything else, or
    the notebook's own code (``notebook``: its namespace)."""
    if value is None or isinstance(value, types.BuiltinFunctionType | types.ModuleType):
        return None
    if isinstance(value, type):
        name = getattr(value, "__module__", None)
        module = sys.modules.get(name) if isinstance(name, str) else None
        return None if module is None or vars(module) is notebook else module
    if not isinstance(value, types.FunctionType):
        return None
    try:
        value = inspect.unwrap(value)
    except Exception:
        return None
    namespace = getattr(value, "__globals__", None)
    if type(namespace) is not dict or namespace is notebook:
        return None
    name = namespace.get("__name__")
    module = sys.modules.get(name) if isinstance(name, str) else None
    return module if module is not None and vars(module) is namespace else None


def _trusted_prefix(value: Any, path: tuple[PathPart, ...]) -> tuple[PathPart, ...]:
    current = value
    for step, part in enumerate(path):
        if isinstance(part, str) and part.startswith(".") and isinstance(current, types.ModuleType):
            current = vars(current).get(part[1:], _ABSENT)  # a module's globals: its parts
            if current is _ABSENT:
                return path[:step]  # (a module `__getattr__` may compute it from anything)
            continue
        if isinstance(part, str) and part.startswith(".") and _notebook_class(current):
            # A class's own attributes are its parts, as its fingerprint tells them apart;
            # one it inherits is a base's (read whole: the base may be any class), one it
            # lacks is a part not there yet (a store into it adds it).
            found = vars(current).get(part[1:], _ABSENT)
            if found is _ABSENT:
                inherited = any(part[1:] in vars(base) for base in current.__mro__[1:-1])
                return path[:step] if inherited else path[: step + 1]
            current = found
            continue
        if isinstance(part, str) and part.startswith("."):
            if not _plain_object(current) or _class_decides(type(current), part[1:]):
                return path[:step]
            state = vars(current)
            if part[1:] not in state and hasattr(type(current), part[1:]):
                return path[:step]  # the class's attribute: read it as the instance's whole
            current = state.get(part[1:], _ABSENT)
        else:
            kind = type(current)
            if kind is not dict and kind is not list and kind is not tuple:
                return path[:step]
            current = _item(current, part)
        if current is _ABSENT:  # the part is not there: the read fails, or sees it appear
            return path[: step + 1]
    return path


def _notebook_class(value: Any) -> bool:
    """A class a cell defined, with no metaclass: its attributes are its ``__dict__``'s
    (or its bases'), as fingerprints see them (``fingerprint``: "class")."""
    return type(value) is type and value.__module__ == "__main__"


def _plain_object(value: Any) -> bool:
    """Attribute reads come straight from the instance ``__dict__``, as fingerprints see it."""
    kind: Any = type(value)
    return (
        kind.__getattribute__ is object.__getattribute__
        and not hasattr(kind, "__getattr__")
        and not hasattr(kind, "__slots__")
        and type(getattr(value, "__dict__", None)) is dict
    )


def _class_decides(kind: type, attribute: str) -> bool:
    """Whether the class, not the instance ``__dict__``, may answer for the attribute.

    A data descriptor (a property) always does; a plain class attribute (a
    dataclass default) only when the instance has no value of its own, which
    ``_trusted_prefix`` finds out when it looks in ``__dict__``. Then the read
    is of the class's state, which fingerprints see through the instance.
    """
    found = getattr(kind, attribute, _ABSENT)
    if found is _ABSENT:
        return False
    descriptor = type(found)
    return hasattr(descriptor, "__set__") or hasattr(descriptor, "__delete__")


def _item(container: Any, part: PathPart) -> Any:
    key = part if isinstance(part, int) else ast.literal_eval(part)
    try:
        return container[key]
    except (KeyError, IndexError, TypeError):
        return _ABSENT
