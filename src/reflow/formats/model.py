"""The format-neutral notebook file: what every reader produces and every writer takes.

A ``NotebookFile`` is a plain value. It knows nothing of running code or of
the graph; ``reflow.files`` turns it into a live ``Notebook`` and back.
Besides the cells it carries the little each format needs to write a file
back as it found it: the ipynb indent and minor version, a text format's
preamble (Jupytext header, marimo front matter) and, per cell, the exact
text it was read from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

CellKind = Literal["code", "markdown", "raw"]
CELL_KINDS: tuple[CellKind, ...] = ("code", "markdown", "raw")


@dataclass(frozen=True, slots=True)
class Location:
    """Where a cell's source sits in its file, so that diagnostics can point into the file.

    ``line`` is the file line of the source's first line. Text formats may
    indent the source (a marimo cell body) or prefix it; ``column_offset``
    counts those characters. In an ipynb each source line is a JSON string, so
    ``json_escaped`` columns shift by the escapes before them; ``single_line``
    means the whole source was stored as one JSON string on one line.
    """

    line: int
    column_offset: int = 0
    json_escaped: bool = False
    single_line: bool = False


@dataclass(frozen=True, slots=True)
class Verbatim:
    """The exact text a cell was read from, and what it said then.

    A writer of the same format reuses ``text`` while the cell still says the
    same, so that saving an unchanged notebook leaves the file's bytes alone.
    """

    format: str
    text: str
    fingerprint: str
    order: int
    """The cell's place among the file's cells: neighbours in the file stay joined as they were."""


@dataclass(slots=True)
class FileCell:
    kind: CellKind
    source: str
    id: str
    metadata: dict[str, Any] = field(default_factory=dict)
    outputs: list[dict[str, Any]] = field(default_factory=list)
    execution_count: int | None = None
    attachments: dict[str, Any] | None = None
    location: Location | None = None
    verbatim: Verbatim | None = None

    def fingerprint(self) -> str:
        """What a text format stores of a cell; outputs and ids are not part of it."""
        return json.dumps([self.kind, self.source, self.metadata], sort_keys=True, default=str)

    def verbatim_for(self, format: str) -> str | None:
        """The text this cell was read from, if it came from ``format`` and is unchanged."""
        kept = self.verbatim
        if kept is None or kept.format != format or kept.fingerprint != self.fingerprint():
            return None
        return kept.text

    def file_position(self, line: int, column: int) -> tuple[int, int]:
        """The file's line and column for a 1-based position in this cell's source."""
        where = self.location
        if where is None:
            return line, column
        if where.single_line:
            return where.line, where.column_offset + 1
        text_line = _nth_line(self.source, line)
        shift = column - 1
        if where.json_escaped:
            shift = len(json.dumps(text_line[: column - 1], ensure_ascii=False)) - 2
        return where.line + line - 1, where.column_offset + shift + 1


@dataclass(slots=True)
class NotebookFile:
    """A notebook as a file holds it; ``format`` is where it came from ("" for a new one)."""

    cells: list[FileCell] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    format: str = ""
    preamble: str = ""
    """Text before the first cell that only the same format's writer re-emits."""
    nbformat_minor: int = 5
    json_indent: int | None = 1

    @property
    def code_cells(self) -> list[FileCell]:
        return [c for c in self.cells if c.kind == "code"]

    def cell(self, cell_id: str) -> FileCell | None:
        for cell in self.cells:
            if cell.id == cell_id:
                return cell
        return None


_ID_PREFIX: dict[CellKind, str] = {"code": "c", "markdown": "md", "raw": "raw"}


def number_cells(cells: list[FileCell]) -> None:
    """Ids for formats that store none: ``c1``, ``c2``... for code cells, ``md1``... for prose.

    Stable across reads of the same file, and code cell ``cN`` is the N-th code
    cell, which is how ``reflow run`` and ``reflow check`` count cells.
    """
    counts: dict[CellKind, int] = {}
    for cell in cells:
        counts[cell.kind] = counts.get(cell.kind, 0) + 1
        cell.id = f"{_ID_PREFIX[cell.kind]}{counts[cell.kind]}"


def _nth_line(text: str, line: int) -> str:
    lines = text.split("\n")
    return lines[line - 1] if 0 < line <= len(lines) else ""
