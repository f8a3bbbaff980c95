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

Reading never changes what a cell does:

- the cell starts at its first statement's decorators (``@dataclass`` on a
  class that opens the cell stays);
- the cell's configuration (``disabled=True``, ``hide_code=True``) is kept
  in ``metadata["marimo"]["config"]``; ``marimo_cells`` says what a disabled
  cell runs as (it refuses, as marimo does not run it);
- a cell function this Python cannot parse (syntax from a newer Python, a
  hand edit) becomes a cell holding its body as written, which is in error on
  its own: the rest of the file reads as usual, as it does in marimo. Only a
  file whose text outside the cells cannot be parsed is refused.
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass
from typing import Any

from reflow.formats.errors import FormatProblem
from reflow.formats.marimo_cells import parses
from reflow.formats.model import FileCell, Location, NotebookFile, number_cells

FORMAT = "marimo_py"

_IMPORT = re.compile(r"^\s*import marimo\b", re.MULTILINE)
_APP = re.compile(r"^\s*(app\s*=\s*marimo\.App\b|@app\.cell\b)", re.MULTILINE)


def looks_like_marimo(text: str) -> bool:
    """marimo writes ``import marimo`` and ``app = marimo.App()`` at the top of every notebook."""
    return bool(_IMPORT.search(text) and _APP.search(text))


def read(text: str) -> NotebookFile:
    lines = text.splitlines()
    setup: list[FileCell] = []
    cells: list[FileCell] = []
    for statement in _top_level(text, lines):
        if isinstance(statement, _BrokenCell):
            cells.append(statement.cell(lines))
        elif isinstance(statement, ast.With) and _is_setup(statement):
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


# ---- a file with a cell this Python cannot parse --------------------------------------

# Where a top-level block of a marimo file starts: each is parsed on its own when the
# whole file does not parse, so that a broken cell breaks only itself.
_BLOCK_START = re.compile(
    r"^(@app\.\w+|with\s+app\.setup\b|app\._unparsable_cell\b|if\s+__name__\s*==)"
)
_CELL_DECORATOR = re.compile(r"^@app\.(cell|function|class_definition)\b")
_DEF_LINE = re.compile(r"^(async\s+)?def\s+(?P<name>\w+)")


@dataclass(frozen=True, slots=True)
class _BrokenCell:
    """A cell block (0-based lines ``start`` to ``end``, exclusive) Python cannot parse."""

    start: int
    end: int

    def cell(self, lines: list[str]) -> FileCell:
        block = lines[self.start : self.end]
        while block and not block[-1].strip():
            block.pop()
        definition = next((i for i, line in enumerate(block) if _DEF_LINE.match(line)), len(block))
        config = _decorator_config("\n".join(block[:definition]))
        if not block[0].startswith("@app.cell"):
            # @app.function, @app.class_definition: the definition itself, with the
            # decorators below marimo's.
            first = next((i for i in range(1, len(block)) if block[i].startswith("@")), definition)
            source = "\n".join(block[first:])
            location = Location(self.start + first + 1)
            return _with_config(FileCell("code", source, "", location=location), config)
        body_start = definition
        while body_start < len(block) and not _ends_signature(block[body_start]):
            body_start += 1
        body = block[body_start + 1 :]
        indent = next((len(b) - len(b.lstrip()) for b in body if b.strip()), 0)
        body = body[: _final_return(body, indent)]
        while body and not body[-1].strip():
            body.pop()
        while body and not body[0].strip():
            body.pop(0)
            body_start += 1
        source = "\n".join(_dedent(line, indent) for line in body)
        location = Location(self.start + body_start + 2, column_offset=indent)
        if parses(source):
            # What is broken is the signature: the cell shows it, and is in error.
            source = "\n".join(block[definition:])
            location = Location(self.start + definition + 1)
        cell = _with_config(FileCell("code", source, "", location=location), config)
        named = _DEF_LINE.match(block[definition]) if definition < len(block) else None
        if named is not None and named["name"] != "_":
            cell.metadata.setdefault("marimo", {})["name"] = named["name"]
        return cell


def _top_level(text: str, lines: list[str]) -> list[ast.stmt | _BrokenCell]:
    """The file's top-level statements, with each cell block that does not parse as a
    ``_BrokenCell``; a file whose other text does not parse is not a marimo notebook."""
    try:
        return list(ast.parse(text).body)
    except SyntaxError:
        pass
    starts = [i for i, line in enumerate(lines) if _BLOCK_START.match(line)]
    bounds = list(zip([0, *starts], [*starts, len(lines)], strict=True))
    found: list[ast.stmt | _BrokenCell] = []
    for start, end in bounds:
        # Blank lines first, so that the block's line numbers are the file's.
        chunk = "\n" * start + "\n".join(lines[start:end])
        try:
            found.extend(ast.parse(chunk).body)
        except SyntaxError as error:
            if not _CELL_DECORATOR.match(lines[start]):
                raise FormatProblem(
                    f"not a valid marimo notebook: {error.msg} (line {error.lineno})"
                ) from None
            found.append(_BrokenCell(start, end))
    return found


def _decorator_config(decorator: str) -> dict[str, Any]:
    try:
        tree = ast.parse(decorator + "\ndef _():\n    pass\n")
    except SyntaxError:
        return {}
    function = tree.body[0]
    if isinstance(function, ast.FunctionDef) and function.decorator_list:
        first = function.decorator_list[0]
        return _keywords(first) if isinstance(first, ast.Call) else {}
    return {}


def _ends_signature(line: str) -> bool:
    code = line.split("#", 1)[0].rstrip()
    return code.endswith(":")


def _final_return(body: list[str], indent: int) -> int:
    """Where marimo's closing ``return`` of the cell's defs starts (``len(body)``: none)."""
    for index in range(len(body) - 1, -1, -1):
        line = body[index]
        stripped = line.strip()
        if not stripped:
            continue
        at_indent = len(line) - len(line.lstrip()) == indent
        if at_indent and (stripped == "return" or stripped.startswith(("return ", "return("))):
            return index
        if at_indent and stripped[0] not in ")]}":
            break  # a statement of the cell's own comes last
    return len(body)


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
    first = _first_body_line(lines, owner, _start_line(body[0]))
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


def _start_line(statement: ast.stmt) -> int:
    """A statement's first line, its decorators included (``@dataclass`` above ``class``)."""
    decorators: list[ast.expr] = getattr(statement, "decorator_list", None) or []
    return min([statement.lineno, *(d.lineno for d in decorators)])


def _first_body_line(lines: list[str], owner: ast.stmt, first_line: int) -> int:
    """Comments between the ``def`` line and the first statement belong to the cell."""
    line = first_line
    while line - 1 > owner.lineno:
        above = lines[line - 2].strip()
        if above.startswith("#") or not above:
            line -= 1
        else:
            break
    while line < first_line and not lines[line - 1].strip():
        line += 1
    return line


def _dedent(line: str, indent: int) -> str:
    # Only the block's own indent goes: a line of a multi-line string that starts
    # further left is the string's content and stays as it is.
    return line[indent:] if not line[:indent].strip() else line


def _unparsable_cell(call: ast.Call) -> FileCell:
    source = ""
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        source = textwrap.dedent(call.args[0].value).strip("\n")
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


def _with_config(cell: FileCell, config: dict[str, Any]) -> FileCell:
    _set_config(cell, config)
    return cell


def _is_app_attribute(node: ast.expr, attribute: str) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == attribute
        and isinstance(node.value, ast.Name)
        and node.value.id == "app"
    )
