"""The cell dependency graph drawn as text: Mermaid, Graphviz DOT, or plain lines.

Every edge goes from the cell that writes to the cell that reads, labelled
with the variables it carries; cells appear in notebook order, each named by
its position, id and first line of code.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reflow.notebook import Notebook

_LABEL_LENGTH = 40


def mermaid(notebook: Notebook) -> str:
    node: dict[str, str] = {
        cell.id: f"c{number}" for number, cell in enumerate(notebook.cells, start=1)
    }
    lines = ["flowchart TD"]
    for cell in notebook.cells:
        label = _mermaid_text(_label(notebook, cell.id))
        lines.append(f'    {node[cell.id]}["{label}"]')
    for parent, child, names in _edges(notebook):
        lines.append(f"    {node[parent]} -->|{_mermaid_text(', '.join(names))}| {node[child]}")
    return "\n".join(lines) + "\n"


def dot(notebook: Notebook) -> str:
    lines = [
        "digraph notebook {",
        "    rankdir=TB;",
        '    node [shape=box, fontname="monospace"];',
    ]
    for cell in notebook.cells:
        lines.append(f"    {_dot_id(cell.id)} [label={_dot_id(_label(notebook, cell.id))}];")
    for parent, child, names in _edges(notebook):
        label = _dot_id(", ".join(names))
        lines.append(f"    {_dot_id(parent)} -> {_dot_id(child)} [label={label}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def text(notebook: Notebook) -> str:
    lines = []
    number = {cell.id: index for index, cell in enumerate(notebook.cells, start=1)}
    for cell in notebook.cells:
        lines.append(_label(notebook, cell.id))
        for parent, names in notebook.parent_edges(cell.id).items():
            lines.append(f"    <- cell {number[parent]} [{parent}]: {', '.join(names)}")
    return "\n".join(lines) + "\n" if lines else ""


DRAWINGS: dict[str, Callable[[Notebook], str]] = {"mermaid": mermaid, "dot": dot, "text": text}


def _edges(notebook: Notebook) -> list[tuple[str, str, list[str]]]:
    return [
        (parent, cell.id, names)
        for cell in notebook.cells
        for parent, names in notebook.parent_edges(cell.id).items()
    ]


def _label(notebook: Notebook, cell_id: str) -> str:
    cell = notebook.cell(cell_id)
    code = [line.strip() for line in cell.code.split("\n") if line.strip()]
    first = next((line for line in code if not line.startswith("#")), code[0] if code else "")
    if len(first) > _LABEL_LENGTH:
        first = first[: _LABEL_LENGTH - 3] + "..."
    return (
        f"cell {cell.index + 1} [{cell_id}]: {first}"
        if first
        else f"cell {cell.index + 1} [{cell_id}]"
    )


def _mermaid_text(text: str) -> str:
    # Mermaid reads entity codes inside quoted labels; quotes and brackets would end them.
    for raw, code in (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(raw, code)
    return text.replace("|", "#124;")


def _dot_id(text: str) -> str:
    """A DOT quoted string: JSON's escaping of backslashes and quotes is DOT's too."""
    return json.dumps(text, ensure_ascii=False)
