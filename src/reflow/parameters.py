"""Parameters, as papermill passes them: a cell of overrides after the ``parameters`` cell.

The cell tagged ``parameters`` holds a notebook's defaults (``year = 2023``).
A run with overrides gets a cell inserted right after it, tagged
``injected-parameters``, that assigns the new values; so the notebook saved
after the run says what ran, and the cells below see the overrides as they
would any later assignment. A notebook that already has an injected cell (the
output of an earlier run) has it replaced.

- A value given as text (``-p year 2024``) is a Python literal if it reads as
  one (``2024``, ``0.5``, ``[1, 2]``, ``None``, ``'north'``), else the text
  itself (``north``); a YAML or JSON file gives typed values.
- A name the ``parameters`` cell does not assign is an error, raised before
  anything runs: a typo must not run a notebook on its defaults.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reflow.notebook import Notebook

PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"
INJECTED_ID = "injected-parameters"


class ParameterError(ValueError):
    """Parameters a notebook cannot take: an unknown name, no parameters cell, a bad file."""


def parse_value(text: str) -> Any:
    """A Python literal if ``text`` reads as one, else ``text`` itself."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text


def read_file(path: str | Path) -> dict[str, Any]:
    """The parameters of a YAML (or JSON) file: a mapping of names to values."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as problem:
        raise ParameterError(f"{path}: {problem.strerror or problem}") from None
    if path.suffix.lower() == ".json":
        try:
            found = json.loads(text)
        except json.JSONDecodeError as problem:
            raise ParameterError(f"{path}: not valid JSON: {problem}") from None
    else:
        try:
            yaml: Any = importlib.import_module("yaml")  # PyYAML: untyped
        except ImportError:
            raise ParameterError(
                f"{path}: reading YAML needs PyYAML: pip install pyyaml (or pass a .json file)"
            ) from None
        try:
            found = yaml.safe_load(text)
        except yaml.YAMLError as problem:
            raise ParameterError(f"{path}: not valid YAML: {problem}") from None
    if found is None:
        return {}
    if not isinstance(found, dict) or not all(isinstance(k, str) for k in found):
        raise ParameterError(f"{path}: expected a mapping of parameter names to values")
    return found


def parameters_cell(notebook: Notebook) -> str | None:
    """The id of the cell tagged ``parameters`` (the first, as papermill takes it)."""
    for cell in _file_cells(notebook):
        if cell.kind == "code" and PARAMETERS_TAG in _tags(cell.metadata):
            return str(cell.id)
    return None


def inject(notebook: Notebook, values: Mapping[str, Any]) -> str | None:
    """Put the cell of overrides after the ``parameters`` cell; return its id (``None``:
    no values). Raises ``ParameterError`` before the notebook changes at all."""
    if not values:
        return None
    if notebook.direction == "any_order":
        raise ParameterError(
            "parameters need in_order: the injected cell assigns names the parameters cell "
            "assigns, which any_order refuses (run with --direction in_order)"
        )
    target = parameters_cell(notebook)
    if target is None:
        raise ParameterError(
            f"no cell is tagged `{PARAMETERS_TAG}`: tag the cell that assigns the defaults "
            f"(cannot set {', '.join(sorted(values))})"
        )
    known = set(notebook.defs(target))
    unknown = sorted(set(values) - known)
    if unknown:
        names = ", ".join(f"`{n}`" for n in unknown)
        offered = ", ".join(f"`{n}`" for n in sorted(known)) or "nothing"
        raise ParameterError(
            f"unknown parameter {names}: the cell tagged `{PARAMETERS_TAG}` assigns {offered}"
        )
    source = injected_source(values)
    for cell in list(notebook.cells):
        if INJECTED_TAG in _tags(_metadata(notebook, cell.id)):
            notebook.delete(cell)  # an earlier run's overrides: replaced, as papermill does
    index = notebook.cell(target).index + 1
    cell_id = INJECTED_ID if not notebook.has_cell(INJECTED_ID) else None
    added = notebook.add(source, index, id=cell_id)
    _record_in_file(notebook, target, added.id, source)
    return added.id


def injected_source(values: Mapping[str, Any]) -> str:
    lines = ["# Parameters"]
    for name, value in values.items():
        text = repr(value)
        try:
            same = ast.literal_eval(text) == value
        except (ValueError, SyntaxError):
            same = False
        if not same:
            raise ParameterError(
                f"parameter `{name}`: a {type(value).__name__} cannot be written as a Python "
                "literal (quote it to pass it as a string)"
            )
        lines.append(f"{name} = {text}")
    return "\n".join(lines) + "\n"


def _record_in_file(notebook: Notebook, after: str, cell_id: str, source: str) -> None:
    """The injected cell in the file the notebook saves to, tagged, after ``after``."""
    from reflow.formats.model import FileCell, NotebookFile

    file = notebook._file or NotebookFile()
    cells = [c for c in file.cells if INJECTED_TAG not in _tags(c.metadata) or c.kind != "code"]
    position = next((i + 1 for i, c in enumerate(cells) if c.id == after), len(cells))
    cells.insert(position, FileCell("code", source, cell_id, {"tags": [INJECTED_TAG]}))
    notebook._file = dataclasses.replace(file, cells=cells)


def _file_cells(notebook: Notebook) -> list[Any]:
    return list(notebook._file.cells) if notebook._file is not None else []


def _metadata(notebook: Notebook, cell_id: str) -> dict[str, Any]:
    stored = notebook._file.cell(cell_id) if notebook._file is not None else None
    return stored.metadata if stored is not None else {}


def _tags(metadata: Mapping[str, Any]) -> list[str]:
    tags = metadata.get("tags", [])
    return [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []
