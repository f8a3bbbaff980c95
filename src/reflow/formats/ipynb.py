"""Jupyter's ``.ipynb``.

Reading keeps what reflow does not use (markdown and raw cells, attachments,
unknown metadata, outputs) and gives every cell an id, as nbformat 4.5 does:
a notebook saved by reflow is a 4.5 notebook. Older major versions are
converted by nbformat; newer ones are refused rather than guessed at.

Writing follows nbformat's own layout (sorted keys, lines split into lists,
a final newline) with the indent the file had, so that a notebook whose
content did not change is written back byte for byte.

Only the conversion of old versions imports ``nbformat``: importing it
imports ``jsonschema``, whose format checkers take seconds to build in an
environment with JupyterLab, and reading or writing a version 4 notebook
needs neither.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, cast

from reflow.formats.errors import FormatProblem
from reflow.formats.model import CELL_KINDS, CellKind, FileCell, Location, NotebookFile

FORMAT = "ipynb"
_NEWEST_MAJOR = 4
_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")  # nbformat 4.5's schema for cell ids
_INDENT = re.compile(r"^( +)\"", re.MULTILINE)


def read(text: str) -> NotebookFile:
    raw = _load_notebook_dict(text)
    cells = raw.get("cells")
    if not isinstance(cells, list):
        raise FormatProblem("not a Jupyter notebook: 'cells' is missing or not a list")
    metadata = raw.get("metadata", {})
    if not isinstance(metadata, dict):
        raise FormatProblem("not a Jupyter notebook: 'metadata' is not an object")
    indent = _indent_of(text)
    locations = _source_locations(text, indent, len(cells))
    seen: set[str] = set()
    file_cells = [
        _read_cell(index, cell, seen, locations[index] if locations else None)
        for index, cell in enumerate(cells)
    ]
    minor = raw.get("nbformat_minor", 0)
    return NotebookFile(
        cells=file_cells,
        metadata=metadata,
        format=FORMAT,
        nbformat_minor=minor if isinstance(minor, int) else 0,
        json_indent=indent,
    )


def render(file: NotebookFile) -> str:
    node = _jupyter_layout(
        {
            "cells": [_cell_dict(cell) for cell in file.cells],
            "metadata": file.metadata,
            "nbformat": _NEWEST_MAJOR,
            # Every cell has an id, which is what 4.5 added.
            "nbformat_minor": max(file.nbformat_minor, 5),
        }
    )
    text = json.dumps(
        node,
        indent=file.json_indent,
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ": "),
    )
    return text + "\n"


# ---- reading ----------------------------------------------------------------------


def _load_notebook_dict(text: str) -> dict[str, Any]:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        # json's messages that end in "at" ("Unterminated string starting at") expect
        # the position to follow.
        what = error.msg.removesuffix(" at")
        raise FormatProblem(
            f"not valid JSON: {what} at line {error.lineno}, column {error.colno}"
        ) from None
    if not isinstance(raw, dict) or "nbformat" not in raw:
        raise FormatProblem("not a Jupyter notebook (no 'nbformat' version)")
    major = raw["nbformat"]
    if not isinstance(major, int) or isinstance(major, bool):
        raise FormatProblem(f"not a Jupyter notebook ('nbformat' is {major!r})")
    if not 1 <= major <= _NEWEST_MAJOR:
        raise FormatProblem(
            f"unsupported nbformat version {major} (reflow reads versions 1 to {_NEWEST_MAJOR})"
        )
    if major == _NEWEST_MAJOR:
        return raw
    import nbformat  # only here: see the module's docstring

    try:
        old = nbformat.from_dict(raw)  # type: ignore[no-untyped-call]
        converted = cast(dict[str, Any], nbformat.convert(old, _NEWEST_MAJOR))  # type: ignore[no-untyped-call]
    except Exception as error:  # nbformat's converters raise whatever the dict provokes
        raise FormatProblem(f"cannot convert this nbformat {major} notebook: {error}") from None
    return converted


def _read_cell(index: int, raw: object, seen: set[str], location: Location | None) -> FileCell:
    where = f"cell {index + 1}"
    if not isinstance(raw, dict):
        raise FormatProblem(f"{where} is not an object")
    kind = raw.get("cell_type")
    if kind not in CELL_KINDS:
        raise FormatProblem(f"{where} has an unknown cell_type {kind!r}")
    source = raw.get("source", "")
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        source = "".join(source)
    if not isinstance(source, str):
        raise FormatProblem(f"{where}: 'source' is neither a string nor a list of strings")
    cell_id = raw.get("id")
    if not isinstance(cell_id, str) or not _ID.match(cell_id) or cell_id in seen:
        cell_id = _fresh_id(seen, str(kind), source)
    seen.add(cell_id)
    metadata = raw.get("metadata", {})
    outputs = raw.get("outputs", [])
    count = raw.get("execution_count")
    attachments = raw.get("attachments")
    kind_: CellKind = kind
    return FileCell(
        kind=kind_,
        source=source,
        id=cell_id,
        metadata=metadata if isinstance(metadata, dict) else {},
        outputs=outputs if kind == "code" and isinstance(outputs, list) else [],
        execution_count=count if isinstance(count, int) else None,
        attachments=attachments if isinstance(attachments, dict) else None,
        location=location,
    )


def _fresh_id(seen: set[str], kind: str, source: str) -> str:
    """An id for a cell the file gives none (nbformat < 4.5) or a duplicate one: eight hex
    digits, as nbformat's ``random_cell_id`` makes, but drawn from the cell's kind and
    source, so that every read of the same file gives the same ids and a re-run
    notebook's diff shows only what changed. (The n-th cell with the same source gets
    the n-th id of a chain.)"""
    cell_id = f"{kind}\n{source}"
    while True:
        cell_id = hashlib.sha1(cell_id.encode("utf-8")).hexdigest()[:8]
        if cell_id not in seen:
            return cell_id


def _indent_of(text: str) -> int | None:
    """The file's JSON indent; ``None`` for a notebook written on one line."""
    if "\n" not in text.strip():
        return None
    found = _INDENT.search(text)
    return len(found.group(1)) if found else 1


def _source_locations(text: str, indent: int | None, count: int) -> list[Location] | None:
    """Where each cell's source starts in the JSON text, when the layout makes it certain.

    Cell keys sit three levels deep (notebook, ``cells`` list, cell); a
    ``"source"`` key at exactly that indent belongs to a cell, not to an
    output's data. If the count does not match (a hand-made or minified file)
    no location is claimed at all rather than a wrong one.
    """
    if indent is None:
        return None
    key = re.compile(rf'^{" " * (3 * indent)}"source": (.)', re.MULTILINE)
    found = list(key.finditer(text))
    if len(found) != count:
        return None
    locations = []
    for match in found:
        line = text.count("\n", 0, match.start()) + 1
        rest = text[match.end() : match.end() + 2 + 4 * indent]
        if match.group(1) == "[" and not rest.lstrip().startswith("]"):
            locations.append(Location(line + 1, column_offset=4 * indent + 1, json_escaped=True))
        else:
            locations.append(Location(line, column_offset=3 * indent, single_line=True))
    return locations


# ---- writing ----------------------------------------------------------------------


# Besides ``text/*``, the mimetypes Jupyter stores as a list of lines.
_SPLIT_MIMETYPES = frozenset({"application/javascript", "image/svg+xml"})


def _jupyter_layout(notebook: dict[str, Any]) -> dict[str, Any]:
    """A copy of the notebook with multi-line text split into lists of lines, as Jupyter
    writes it (line-based diffs): cell sources, stream text, text-like mime data of
    outputs and attachments. The cells and outputs given are not changed."""
    return {**notebook, "cells": [_split_cell(cell) for cell in notebook["cells"]]}


def _split_cell(cell: dict[str, Any]) -> dict[str, Any]:
    node = dict(cell)
    if isinstance(node.get("source"), str):
        node["source"] = node["source"].splitlines(True)
    attachments = node.get("attachments")
    if isinstance(attachments, dict):
        node["attachments"] = {
            name: _split_bundle(bundle) if isinstance(bundle, dict) else bundle
            for name, bundle in attachments.items()
        }
    if node.get("cell_type") == "code" and isinstance(node.get("outputs"), list):
        node["outputs"] = [_split_output(output) for output in node["outputs"]]
    return node


def _split_output(output: Any) -> Any:
    if not isinstance(output, dict):
        return output
    kind = output.get("output_type")
    if kind in {"execute_result", "display_data"} and isinstance(output.get("data"), dict):
        return {**output, "data": _split_bundle(output["data"])}
    if kind == "stream" and isinstance(output.get("text"), str):
        return {**output, "text": output["text"].splitlines(True)}
    return output


def _split_bundle(bundle: dict[str, Any]) -> dict[str, Any]:
    return {
        mimetype: value.splitlines(True)
        if isinstance(value, str) and (mimetype.startswith("text/") or mimetype in _SPLIT_MIMETYPES)
        else value
        for mimetype, value in bundle.items()
    }


def _cell_dict(cell: FileCell) -> dict[str, Any]:
    node: dict[str, Any] = {
        "cell_type": cell.kind,
        "id": cell.id,
        "metadata": cell.metadata,
        "source": cell.source,
    }
    if cell.kind == "code":
        node["outputs"] = cell.outputs
        node["execution_count"] = cell.execution_count
    elif cell.attachments is not None:
        node["attachments"] = cell.attachments
    return node
