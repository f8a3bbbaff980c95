"""Versions: every write of a symbol gets one; a cell remembers those it read.

A symbol is a name today; the ``path`` field is where attribute and subscript
paths (``cfg.lr``, ``xs[0]``) go without the graph or the scheduler changing:
the graph links cells by the root name, and the runtime compares versions per
symbol.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

from reflow._types import CellId
from reflow.analysis.effects import PathPart


@dataclass(frozen=True, slots=True, order=True)
class Symbol:
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
    """

    stamp: int
    cell: CellId | None
    deleted: bool = False
    value: Hashable | None = field(default=None, compare=False)

    def same_value(self, other: Version | None) -> bool:
        """Whether a reader that saw ``self`` would see nothing new in ``other``."""
        if other is None:
            return False
        return self == other or (self.value is not None and self.value == other.value)


class VersionLedger:
    """The current version of every symbol a cell wrote, and the clock that stamps writes."""

    def __init__(self) -> None:
        self._clock = 0
        self._current: dict[Symbol, Version] = {}
        # Which cell bound each name's current object (mutations since do not change it):
        # deleting that cell removes the name, however many cells changed the object.
        self._bound_by: dict[str, CellId] = {}

    def bound_by(self, name: str) -> CellId | None:
        return self._bound_by.get(name)

    def names_bound_by(self, cell: CellId) -> list[str]:
        return [name for name, binder in self._bound_by.items() if binder == cell]

    def tick(self) -> int:
        self._clock += 1
        return self._clock

    def current(self, symbol: Symbol) -> Version | None:
        version = self._current.get(symbol)
        return None if version is None or version.deleted else version

    def last_write(self, symbol: Symbol) -> Version | None:
        """Like ``current`` but also returns deletions, which displace earlier writers."""
        return self._current.get(symbol)

    def bind(self, symbol: Symbol, cell: CellId, value: Hashable | None = None) -> Version:
        """A new binding of the name to a new object, by ``cell``."""
        version = self.write(symbol, cell, value=value)
        self._bound_by[symbol.name] = cell
        return version

    def write(
        self,
        symbol: Symbol,
        cell: CellId | None,
        *,
        deleted: bool = False,
        value: Hashable | None = None,
    ) -> Version:
        version = Version(self.tick(), cell, deleted, value)
        self._current[symbol] = version
        if deleted:
            self._bound_by.pop(symbol.name, None)
        return version
