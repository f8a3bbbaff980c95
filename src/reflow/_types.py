"""Identifiers and small value types shared by every layer.

Typed ids keep a cell id from being passed where a variable name is expected;
they cost nothing at run time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Any, NewType, TypeVar

CellId = NewType("CellId", str)
"""A cell's stable id (the nbformat cell id where the notebook has one)."""

Name = NewType("Name", str)
"""A global variable name, the root of every symbol."""


class Mode(StrEnum):
    """What a run does with the cells downstream of the one that ran."""

    REACTIVE = "reactive"
    LAZY = "lazy"


class Direction(StrEnum):
    """Which cells a cell may read from: those above it, or any (one definer per name)."""

    IN_ORDER = "in_order"
    ANY_ORDER = "any_order"


class Status(StrEnum):
    """A cell's status as a user interface shows it (docs/semantics.md, "Cell statuses")."""

    NEVER_RUN = "never_run"
    FRESH = "fresh"
    STALE = "stale"
    DIRTY = "dirty"
    ERROR = "error"


_T = TypeVar("_T")
_K = TypeVar("_K")
_V = TypeVar("_V")

EMPTY: frozenset[Any] = frozenset()
"""The one empty frozenset every layer shares (see ``freeze``)."""


def freeze(items: Iterable[_T]) -> frozenset[_T]:
    """``frozenset(items)``, or ``EMPTY`` when there are none: CPython 3.11 makes a new
    216-byte empty frozenset each time, and every cell's analysis, expansion, effects and
    record keep a dozen sets, mostly empty (what a long kernel session grew by per
    execution). A frozenset given is returned as it is."""
    found = frozenset(items)
    return found if found else EMPTY


def freeze_like(items: Iterable[_T], like: frozenset[_T]) -> frozenset[_T]:
    """``freeze(items)``, or ``like`` itself when they are equal: a layer that narrows or
    widens another's set (the expansion of the effects of the analysis) mostly finds the
    same names, and would keep an equal copy per cell (216 bytes for one name)."""
    found = freeze(items)
    return like if found == like else found


EMPTY_MAP: Mapping[Any, Any] = MappingProxyType({})
"""The one empty mapping every layer shares (see ``or_empty``): read-only, so that no
holder can fill what all the others hold."""


def or_empty(items: Mapping[_K, _V]) -> Mapping[_K, _V]:
    """``items``, or ``EMPTY_MAP`` when there are none: a new empty dict is 64 bytes, and
    every cell's analysis and expansion keep half a dozen mappings, mostly empty."""
    return items if items else EMPTY_MAP


def no_items() -> Mapping[Any, Any]:
    """``EMPTY_MAP``, as a dataclass field's ``default_factory`` (a dataclass refuses an
    unhashable default): every instance shares it, none gets a dict of its own."""
    return EMPTY_MAP
