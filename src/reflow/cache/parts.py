"""Which inputs a cache key may digest by the parts a cell reads, not whole.

A cell that reads only ``cfg["a"]`` computes the same thing whatever
``cfg["b"]`` holds, so its key should not change with ``cfg["b"]``. The paths
come from the lineage (``CellAnalysis.read_paths``, narrowed by the session to
what the objects vouch for); here they are checked again against the value
about to be digested, with the runtime's own trust rules
(``runtime.parts.trusted_paths``: steps through a ``list``, ``tuple`` or ``dict``
of exactly those types, or a plain instance attribute). A path cut short by
those rules digests the value where it was cut (``d["a"].total``, a property:
all of ``d["a"]``); a path cut to nothing, or one that does not resolve (a
missing key, an attribute the instance does not hold), digests the whole
object. The worst a part can cost is a miss; a wrong hit would need a read
the lineage did not see, which would make its staleness wrong too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from typing import Any

from reflow.analysis.effects import PathPart
from reflow.runtime.parts import resolve_keys, trusted_paths

ReadPath = tuple[PathPart, ...]
Parts = Mapping[str, frozenset[ReadPath]]
"""Per input name, the paths a cell reads it at (an input absent here is read whole)."""

_ABSENT: Any = object()


Keyed = dict[str, list[tuple[ReadPath, Any]]]
"""Per input digested by parts: its outermost paths and the value at each."""


def keyed_parts(parts: Parts, namespace: Mapping[str, Any]) -> Keyed:
    """The inputs a key digests by parts: each name's outermost paths, with their values.

    A name is left out (and digested whole) unless every path it is read at is
    trusted by the object bound to it and resolves to a value now.
    """
    found: Keyed = {}
    for name, paths in parts.items():
        value = namespace.get(name, _ABSENT)
        if not paths or value is _ABSENT:
            continue
        trusted = trusted_paths(value, frozenset(paths))
        if not trusted or () in trusted:
            continue
        values = [(path, value_at(value, path)) for path in outermost(trusted)]
        if all(v is not _ABSENT for _, v in values):
            found[name] = values
    return found


def parts_from_analysis(
    read_paths: Mapping[str, frozenset[ReadPath]], namespace: dict[str, Any], binds: Iterable[str]
) -> dict[str, frozenset[ReadPath]]:
    """``read_paths`` of a cell's analysis with runtime keys (``d[k]``) resolved: for a host
    that has no lineage of its own (``run_memoized``)."""
    rebound = frozenset(binds)
    found = {}
    for name, paths in read_paths.items():
        resolved = resolve_keys(paths, namespace, rebound)
        if resolved:
            found[name] = resolved
    return found


def outermost(paths: Iterable[ReadPath]) -> list[ReadPath]:
    """The paths no other path is a prefix of (its value holds theirs), in a stable order."""
    ordered = sorted(set(paths), key=lambda p: (len(p), repr(p)))
    kept: list[ReadPath] = []
    for path in ordered:
        if not any(path[: len(k)] == k for k in kept):
            kept.append(path)
    return sorted(kept, key=repr)


def value_at(value: Any, path: ReadPath) -> Any:
    """The value a read of ``path`` gives, for a path ``trusted_paths`` kept; ``_ABSENT`` if
    some step is not there."""
    current = value
    for part in path:
        if isinstance(part, str) and part.startswith("."):
            state = getattr(current, "__dict__", None)
            current = state.get(part[1:], _ABSENT) if type(state) is dict else _ABSENT
        elif type(current) in (dict, list, tuple):
            try:
                key = part if isinstance(part, int) else ast.literal_eval(part)
                current = current[key]
            except (KeyError, IndexError, TypeError, ValueError, SyntaxError):
                current = _ABSENT
        else:
            current = _ABSENT
        if current is _ABSENT:
            return _ABSENT
    return current


def render(name: str, path: ReadPath) -> str:
    """``cfg['a'].lr``: a path as code, for an ``Undigestable`` message."""
    return name + "".join(p if isinstance(p, str) and p.startswith(".") else f"[{p}]" for p in path)
