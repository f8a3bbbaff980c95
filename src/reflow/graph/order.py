"""Notebook order: where each cell sits, kept as a list plus an index for O(1) lookups."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from reflow._types import CellId


class CellOrder:
    """Holds the cells' notebook positions.

    Appending is O(1); inserting, moving and removing re-number the cells after
    the change (O(n), a plain list walk: cheap beside anything a notebook edit
    does).
    """

    def __init__(self) -> None:
        self._ids: list[CellId] = []
        self._pos: dict[CellId, int] = {}
        self.positions: Mapping[CellId, int] = self._pos
        """Each cell's position, to read only: the graph's hot lookups go to it directly."""
        self.position: Callable[[CellId], int] = self._pos.__getitem__
        """Where ``cell`` sits (``KeyError`` for one not in the notebook): the dict's own
        lookup, with no Python frame of ours. The name indexes' bisects ask it for every
        probe, hundreds of times an execution."""

    def __contains__(self, cell: object) -> bool:
        return cell in self._pos

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def ids(self) -> list[CellId]:
        return list(self._ids)

    def insert(self, cell: CellId, index: int | None = None) -> None:
        if index is None or index >= len(self._ids):
            self._pos[cell] = len(self._ids)
            self._ids.append(cell)
            return
        index = max(index, 0)
        self._ids.insert(index, cell)
        self._renumber(index)

    def remove(self, cell: CellId) -> None:
        index = self._pos.pop(cell)
        del self._ids[index]
        self._renumber(index)

    def move(self, cell: CellId, index: int) -> None:
        old = self._pos[cell]
        del self._ids[old]
        index = min(max(index, 0), len(self._ids))
        self._ids.insert(index, cell)
        self._renumber(min(old, index))

    def _renumber(self, start: int) -> None:
        ids, pos = self._ids, self._pos
        for i in range(start, len(ids)):
            pos[ids[i]] = i
