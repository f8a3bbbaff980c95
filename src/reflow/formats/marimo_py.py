"""marimo's ``.py`` notebooks, read only.

A marimo notebook is a Python module: ``app = marimo.App(...)``, an optional
``with app.setup:`` block, then one decorated function per cell::

    @app.cell(hide_code=True)
    def _(mo):
        x = 1
        mo.md(f"{x}")
        return (x,)

The cell is the function's body without its final ``return``. The signature
and the returned tuple are marimo's own record of refs and defs; they are
not trusted (a hand edit can leave them wrong) and reflow analyses the body
again. ``@app.function`` and ``@app.class_definition`` cells are the whole
definition; ``app._unparsable_cell("...")`` keeps code marimo could not
parse. The setup block comes first, whatever its place in the file.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from reflow.formats.errors import FormatProblem
from reflow.formats.model import FileCell, Location, NotebookFile, number_cells

FORMAT = "marimo_py"

_IMPORT = re.compile(r"^\s*import marimo\b", re.MULTILINE)
_APP = re.compile(r"^\s*(app\s*=\s*marimo\.App\b|@app\.cell\b)", re.MULTILINE)


def looks_like_marimo(text: str) -> bool:
    """marimo writes ``import marimo`` and ``app = marimo.App()`` at the top of every notebook."""
    return bool(_IMPORT.search(text) and _APP.search(text))


def read(text: str) -> NotebookFile:
    try:
        tree = ast.parse(text)
    except SyntaxError as error:
        raise FormatProblem(
            f"not a valid marimo notebook: {error.msg} (line {error.lineno})"
        ) from None
    lines = text.splitlines()
    setup: list[FileCell] = []
    cells: list[FileCell] = []
    for statement in tree.body:
        if isinstance(statement, ast.With) and _is_setup(statement):
            setup.append(_body_cell(lines, statement, statement.body, _config(statement)))
        elif isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            cell = _decorated_cell(lines, statement)
            if cell is not None:
                cells.append(cell)
        elif (
            isinstance(statement, ast.Expr)
            and isinstance(statement.value, ast.Call)
            and _is_app_attribute(statement.value.func, "_unparsable_cell")
        ):
            cells.append(_unparsable_cell(statement.value))
    ordered = setup + cells
    number_cells(ordered)
    return NotebookFile(cells=ordered, format=FORMAT)


def _is_setup(statement: ast.With) -> bool:
    for item in statement.items:
        target = item.context_expr
        if isinstance(target, ast.Call):
            target = target.func
        if _is_app_attribute(target, "setup"):
            return True
    return False


def _decorated_cell(
    lines: list[str], node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
) -> FileCell | None:
    for position, decorator in enumerate(node.decorator_list):
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        config = _keywords(decorator) if isinstance(decorator, ast.Call) else {}
        if _is_app_attribute(target, "cell") and not isinstance(node, ast.ClassDef):
            cell = _body_cell(lines, node, node.body, config)
            if node.name != "_":
                cell.metadata.setdefault("marimo", {})["name"] = node.name
            return cell
        if _is_app_attribute(target, "function") or _is_app_attribute(target, "class_definition"):
            # The cell is the definition itself, with the decorators below marimo's.
            rest = node.decorator_list[position + 1 :]
            first = rest[0].lineno if rest else node.lineno
            source = "\n".join(lines[first - 1 : node.end_lineno])
            cell = FileCell("code", source, "", location=Location(first))
            _set_config(cell, config)
            return cell
    return None


def _body_cell(
    lines: list[str], owner: ast.stmt, body: list[ast.stmt], config: dict[str, Any]
) -> FileCell:
    statements = list(body)
    if isinstance(owner, ast.FunctionDef | ast.AsyncFunctionDef) and isinstance(
        statements[-1], ast.Return
    ):
        statements.pop()  # marimo's record of the cell's defs
    first = _first_body_line(lines, owner, body[0])
    last = statements[-1].end_lineno if statements else None
    indent = body[0].col_offset
    if last is None or last < first:
        source = ""
    else:
        source = "\n".join(_dedent(line, indent) for line in lines[first - 1 : last])
        source = source.rstrip()
    cell = FileCell("code", source, "", location=Location(first, column_offset=indent))
    _set_config(cell, config)
    return cell


def _first_body_line(lines: list[str], owner: ast.stmt, first_statement: ast.stmt) -> int:
    """Comments between the ``def`` line and the first statement belong to the cell."""
    line = first_statement.lineno
    while line - 1 > owner.lineno:
        above = lines[line - 2].strip()
        if above.startswith("#") or not above:
            line -= 1
        else:
            break
    while line < first_statement.lineno and not lines[line - 1].strip():
        line += 1
    return line


def _dedent(line: str, indent: int) -> str:
    # Only the block's own indent goes: a line of a multi-line string that starts
    # further left is the string's content and stays as it is.
    return line[indent:] if not line[:indent].strip() else line


def _unparsable_cell(call: ast.Call) -> FileCell:
    source = ""
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        source = call.args[0].value.strip("\n")
    cell = FileCell("code", source, "", location=Location(call.lineno + 1))
    _set_config(cell, {k: v for k, v in _keywords(call).items() if k != "name"})
    return cell


def _config(statement: ast.With) -> dict[str, Any]:
    for item in statement.items:
        if isinstance(item.context_expr, ast.Call):
            return _keywords(item.context_expr)
    return {}


def _keywords(call: ast.Call) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for keyword in call.keywords:
        if keyword.arg is None:
            continue
        try:
            found[keyword.arg] = ast.literal_eval(keyword.value)
        except ValueError:
            continue
    return found


def _set_config(cell: FileCell, config: dict[str, Any]) -> None:
    if config:
        cell.metadata.setdefault("marimo", {})["config"] = config


def _is_app_attribute(node: ast.expr, attribute: str) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == attribute
        and isinstance(node.value, ast.Name)
        and node.value.id == "app"
    )
