"""Who reads and who writes each name, sorted by notebook position.

Reaching writers, children and out-of-order usages are all range queries on
these sorted lists, which is what keeps a 10,000-cell graph cheap to update
after one edit: an edit touches only the lists of the names the cell uses.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable, Iterable

from reflow._types import CellId


class NameIndex:
    """name -> cells, in notebook order."""

    def __init__(self, position: Callable[[CellId], int]) -> None:
        self._position = position
        # The cell itself where a name has one (most names: one writer, a reader or two),
        # else a list of two or more: a list of one is 64 bytes more, on every name of
        # every cell a long session keeps.
        self._cells: dict[str, CellId | list[CellId]] = {}
        self.has: Callable[[str], bool] = self._cells.__contains__
        """Whether any cell is indexed under a name (the dict's own lookup: asked of
        every global an execution rebinds, IPython's ``_i``, ``_ii``... among them)."""

    def add(self, cell: CellId, names: Iterable[str]) -> None:
        for name in names:
            found = self._cells.get(name)
            if found is None:
                self._cells[name] = cell
            elif isinstance(found, list):
                insort(found, cell, key=self._position)
            else:
                both = [found]
                insort(both, cell, key=self._position)
                self._cells[name] = both

    def discard(self, cell: CellId, names: Iterable[str]) -> None:
        for name in names:
            found = self._cells.get(name)
            if found is None:
                continue
            if not isinstance(found, list):
                if found == cell:
                    del self._cells[name]
                continue
            try:
                found.remove(cell)
            except ValueError:
                continue
            if len(found) == 1:
                self._cells[name] = found[0]

    def cells(self, name: str) -> list[CellId]:
        """The cells for ``name``: the index's own list, to read only, or a new one."""
        found = self._cells.get(name)
        if found is None:
            return _NO_CELLS
        return found if isinstance(found, list) else [found]

    def names(self) -> Iterable[str]:
        return self._cells.keys()

    def __contains__(self, name: object) -> bool:
        return name in self._cells

    def nearest_before(self, name: str, position: int) -> CellId | None:
        """The last cell for ``name`` strictly above ``position``. (Asked for every name of
        every status decision: a name's one cell is compared, not put in a list.)"""
        found = self._cells.get(name)
        if found is None:
            return None
        if not isinstance(found, list):
            return found if self._position(found) < position else None
        i = bisect_left(found, position, key=self._position)
        return found[i - 1] if i else None

    def first_after(self, name: str, position: int) -> CellId | None:
        """The first cell for ``name`` strictly below ``position``."""
        found = self._cells.get(name)
        if found is None:
            return None
        if not isinstance(found, list):
            return found if self._position(found) > position else None
        i = bisect_left(found, position + 1, key=self._position)
        return found[i] if i < len(found) else None

    def split(self, name: str, position: int) -> tuple[list[CellId], int]:
        """The cells for ``name`` and the index of the first at or below ``position``:
        ``cells[:i]`` are above it, ``cells[i:]`` at or below. One bisect answers what
        ``nearest_before`` and ``between`` would each look up again (asked for every name
        an executed cell writes). The list may be the index's own: read it, never change it."""
        cells = self.cells(name)
        if not cells:
            return cells, 0
        return cells, bisect_left(cells, position, key=self._position)

    def between(self, name: str, low: int, high: int | None) -> list[CellId]:
        """Cells for ``name`` with ``low < position <= high`` (``high=None``: to the end)."""
        cells = self.cells(name)
        if not cells:
            return []
        i = bisect_left(cells, low + 1, key=self._position)
        j = len(cells) if high is None else bisect_left(cells, high + 1, key=self._position)
        return cells[i:j]


_NO_CELLS: list[CellId] = []  # what ``cells`` gives for a name no cell uses; never changed
