"""Between a notebook file and a live ``Notebook``: open, and save back.

A file holds more than the notebook runs: markdown and raw cells, metadata
reflow does not use, the outputs of cells not run in this session. The
notebook keeps the file it was opened from, and a save merges the live code
cells into it:

- a markdown or raw cell stays after the code cell it followed (at the top
  if none did), so moving and deleting cells keeps prose with its code;
- a code cell run in this session gets its outputs and an execution count
  in run order; one not run keeps the outputs it had, if its code is the
  code that made them, and has none otherwise;
- the graph goes into the notebook metadata under ``reflow``, so that a
  tool reading the file knows the edges before running anything.
"""

from __future__ import annotations

import dataclasses
import traceback
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from reflow import formats
from reflow._types import CellId
from reflow.analysis import CellSyntaxError
from reflow.analysis.magics import ipython_line, is_python
from reflow.formats import ipynb, marimo_md, marimo_py, percent
from reflow.formats.marimo_cells import runnable_source, saved_source
from reflow.formats.model import FileCell, NotebookFile
from reflow.formats.outputs import Output, cell_outputs, error_output
from reflow.runtime.executor import CellExecutor, Executor
from reflow.runtime.main_module import MainModule

if TYPE_CHECKING:
    from reflow.notebook import Notebook

    NotebookT = TypeVar("NotebookT", bound=Notebook)

METADATA_KEY = "reflow"
METADATA_VERSION = 1
_DIRECTIONS = ("in_order", "any_order")
# marimo's rules are any_order's: its notebooks were written for them.
_ANY_ORDER_FORMATS = frozenset({marimo_py.FORMAT, marimo_md.FORMAT})
_DEFAULT_KERNEL = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def open_notebook(
    cls: type[NotebookT],
    path: str | Path,
    *,
    mode: str = "reactive",
    direction: str | None = None,
    **options: Any,
) -> NotebookT:
    """``options`` go to the notebook's constructor (``cache``, ``cache_dir``).

    The cells run in a ``__main__`` module whose ``__file__`` is the file (``sys.argv``
    names it while they run); the cells of an ``.ipynb``, and of a percent file that
    uses IPython syntax, are IPython cells (``runtime/ipython.py``).
    """
    file = formats.read(path)
    main = MainModule(path)
    executor: CellExecutor
    if ipython_cells(file):
        from reflow.runtime.ipython import IPythonExecutor

        executor = IPythonExecutor(main)
    else:
        executor = Executor(main.namespace, main)
    notebook = cls(
        mode=mode,
        direction=direction or file_direction(file),
        namespace=main.namespace,
        executor=executor,
        **options,
    )
    for cell in file.code_cells:
        # A cell its notebook does not run (marimo: disabled, SQL) refuses to run.
        notebook.add(runnable_source(cell), id=cell.id)
    notebook._file = file
    return notebook


def ipython_cells(file: NotebookFile) -> bool:
    """Whether the file's cells are IPython cells: an ``.ipynb``'s are (Jupyter wrote them
    for IPython), a percent file's when one of them is IPython code (``%time``, ``!ls``)."""
    if file.format == ipynb.FORMAT:
        return True
    if file.format != percent.FORMAT:
        return False
    return any(
        not is_python(cell.source) and ipython_line(cell.source) is not None
        for cell in file.code_cells
    )


def file_direction(file: NotebookFile) -> str:
    """The direction saved with the notebook, else the one its format was written for."""
    saved = file.metadata.get(METADATA_KEY)
    if isinstance(saved, dict) and saved.get("direction") in _DIRECTIONS:
        return str(saved["direction"])
    return "any_order" if file.format in _ANY_ORDER_FORMATS else "in_order"


def save_notebook(notebook: Notebook, path: str | Path, format: str | None = None) -> bool:
    """Write the notebook; ``False`` when the file already held exactly these bytes."""
    return formats.write(notebook_file(notebook), path, format)


def notebook_file(notebook: Notebook) -> NotebookFile:
    """The file a save writes: the opened file's cells and metadata merged with the live ones."""
    base = notebook._file or NotebookFile()
    live = [cell.id for cell in notebook.cells]
    counts = _execution_counts(notebook)
    cells = _anchored(base, set(live))
    merged = list(cells.pop(None, []))
    for cell_id in live:
        merged.append(_code_cell(notebook, cell_id, base.cell(cell_id), counts))
        merged.extend(cells.pop(cell_id, []))
    metadata = dict(base.metadata)
    if base.format != "ipynb":
        for key, value in _DEFAULT_KERNEL.items():
            metadata.setdefault(key, value)
    metadata[METADATA_KEY] = graph_metadata(notebook)
    return dataclasses.replace(base, cells=merged, metadata=metadata)


def in_run_order(file: NotebookFile, order: list[str]) -> NotebookFile:
    """The file's code cells in the given order (a run order), without its other cells."""
    rank = {cell_id: index for index, cell_id in enumerate(order)}
    code = sorted(file.code_cells, key=lambda cell: rank.get(cell.id, len(rank)))
    return dataclasses.replace(file, cells=code)


EXPECTED_ERROR_TAG = "raises-exception"
"""The Jupyter convention (nbclient, nbval) for a cell that shows an error on purpose."""


def expected_errors(notebook: Notebook) -> set[str]:
    """Cells the file tags ``raises-exception``: their errors do not fail a run."""
    if notebook._file is None:
        return set()
    return {
        cell.id
        for cell in notebook._file.code_cells
        if cell.id is not None and EXPECTED_ERROR_TAG in cell.metadata.get("tags", ())
    }


def position_in_file(
    notebook: Notebook, cell_id: str, line: int, column: int
) -> tuple[int, int] | None:
    """Where a 1-based position in a cell's source is in the file it was opened from."""
    stored = notebook._file.cell(cell_id) if notebook._file is not None else None
    if stored is None or stored.location is None or stored.source != notebook.cell(cell_id).code:
        return None
    return stored.file_position(line, column)


def graph_metadata(notebook: Notebook) -> dict[str, Any]:
    return {
        "version": METADATA_VERSION,
        "direction": notebook.direction,
        "cells": {
            cell.id: {
                "refs": notebook.refs(cell.id),
                "defs": notebook.defs(cell.id),
                "parents": [str(parent) for parent in notebook.parents(cell.id)],
            }
            for cell in notebook.cells
        },
    }


def _anchored(base: NotebookFile, live: set[str]) -> dict[str | None, list[FileCell]]:
    """The non-code cells under the code cell they follow (``None``: the top)."""
    found: dict[str | None, list[FileCell]] = defaultdict(list)
    anchor: str | None = None
    for cell in base.cells:
        if cell.kind == "code":
            if cell.id in live:
                anchor = cell.id
        else:
            found[anchor].append(cell)
    return found


def _execution_counts(notebook: Notebook) -> dict[str, int]:
    """Cells that ran in this session, numbered 1, 2, ... in the order they last ran."""
    ran = sorted(
        (c for c in notebook.cells if c.last_run is not None), key=lambda c: c.last_run or 0
    )
    return {cell.id: number for number, cell in enumerate(ran, start=1)}


def _code_cell(
    notebook: Notebook, cell_id: str, stored: FileCell | None, counts: dict[str, int]
) -> FileCell:
    live = notebook.cell(cell_id)
    unchanged = stored is not None and live.code == runnable_source(stored)
    if stored is not None:
        source, metadata = saved_source(stored, live.code)
        cell = dataclasses.replace(stored, source=source, metadata=metadata)
    else:
        cell = FileCell("code", live.code, cell_id)
    if live.error is not None and live.error.cause is not None:
        # Cancelled: a cell it depends on failed, so what it showed before is not current.
        cell.outputs, cell.execution_count = [], None
    elif live.last_run is not None and live.id in counts:
        count = counts[live.id]
        shown = _shown_outputs(notebook, cell_id, count)
        if shown is None:
            shown = cell_outputs(live.output, live.stdout, live.stderr, live.error, count)
        cell.outputs = shown
        cell.execution_count = count
    elif live.refused and live.error is not None:
        # Refused by the graph (a clash, a cycle, a syntax error): say why where the
        # output would be; a syntax error as Python shows it.
        syntax = notebook._record(CellId(cell_id)).analysis.syntax_error
        refusal = (
            error_output(live.error) if syntax is None else syntax_error_output(syntax, cell_id)
        )
        cell.outputs, cell.execution_count = [refusal], None
    elif live.error is not None or not unchanged:
        cell.outputs, cell.execution_count = [], None
    return cell


def _shown_outputs(notebook: Notebook, cell_id: str, count: int) -> list[Output] | None:
    """What the cell's last run showed, as it showed it, where its executor kept that (IPython
    cells: streams, displays and the result in their order, each as it was then)."""
    kept = getattr(notebook._session.executor, "outputs", None)
    found = kept.get(notebook._session.filename(CellId(cell_id))) if kept is not None else None
    if found is None:
        return None
    outputs: list[Output] = found.saved()
    for output in outputs:
        if output["output_type"] == "execute_result":
            output["execution_count"] = count
    return outputs


_PARSE_ERROR_CLASSES: dict[str, type[SyntaxError]] = {
    k.__name__: k for k in (SyntaxError, IndentationError, TabError)
}


def syntax_error_output(error: CellSyntaxError, cell_id: str) -> Output:
    """The error output of a cell Python cannot parse, worded as Python words it."""
    kind = _PARSE_ERROR_CLASSES.get(error.kind, SyntaxError)
    where = (error.lineno, error.offset, error.text, error.end_lineno, error.end_offset)
    raised = kind(error.message, (f"<cell {cell_id}>", *where))
    lines = "".join(traceback.format_exception_only(kind, raised)).rstrip("\n")
    return {
        "output_type": "error",
        "ename": kind.__name__,
        "evalue": error.message,
        "traceback": lines.split("\n"),
    }
