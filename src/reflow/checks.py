"""Static diagnostics of a notebook, for ``reflow check``, editors and CI.

Each rule is a row of ``RULES``: a stable code for programs, a name for
people, and the direction it applies in. A diagnostic points at the first
place in the cell that shows the problem (the first read of the name, its
first binding), as a line and column within the cell; ``reflow.files`` maps
that to the file. Nothing here runs a cell: it is the graph's answers plus
one parse of each cell to find positions (and, for an ``import *``, the names of a
module that is loaded already or built into the interpreter: reading them runs
nothing).
"""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reflow._types import EMPTY, CellId
from reflow.analysis import CellAnalysis
from reflow.graph.cycles import cycles
from reflow.graph.names import BUILTIN_NAMES, is_host_name, is_ipython_name, is_private

if TYPE_CHECKING:
    from reflow.notebook import Notebook


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    name: str
    directions: tuple[str, ...]
    summary: str


RULES: tuple[Rule, ...] = (
    Rule(
        "RF001",
        "multiple-definition",
        ("any_order",),
        "a name is bound by more than one cell, so no order can run them",
    ),
    Rule("RF002", "cycle", ("any_order",), "cells read from each other in a loop"),
    Rule(
        "RF003",
        "out-of-order",
        ("in_order",),
        "a cell reads a name only cells below it define: run top to bottom, it fails",
    ),
    Rule(
        "RF004",
        "undefined-name",
        ("in_order", "any_order"),
        "a cell reads a name no cell defines (builtins excepted)",
    ),
    Rule("RF005", "syntax-error", ("in_order", "any_order"), "a cell Python cannot parse"),
    Rule(
        "RF006",
        "star-import",
        ("any_order",),
        "`from m import *` hides which names a cell defines",
    ),
)
_RULE = {rule.name: rule for rule in RULES}

# Names a Jupyter kernel puts in every namespace besides the builtins.
KERNEL_NAMES: frozenset[str] = frozenset({"display", "__IPYTHON__"})


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem: ``line`` and ``column`` are 1-based, within the cell's source."""

    cell: CellId
    index: int
    line: int
    column: int
    rule: Rule
    message: str


def check(notebook: Notebook) -> list[Diagnostic]:
    """Every diagnostic, in notebook order and then by position within the cell."""
    return _Checker(notebook).run()


class _Checker:
    def __init__(self, notebook: Notebook) -> None:
        self.notebook = notebook
        self.cells = [cell.id for cell in notebook.cells]
        self.index = {cell: number for number, cell in enumerate(self.cells)}
        # IPython cells (an .ipynb's) are checked as the Python they are analysed as.
        self.code = {cell.id: _python(notebook, cell.code) for cell in notebook.cells}
        self.analysis: dict[CellId, CellAnalysis] = {
            cell.id: notebook._record(cell.id).analysis for cell in notebook.cells
        }
        self.found: list[Diagnostic] = []

    def run(self) -> list[Diagnostic]:
        self._syntax_errors()
        if self.notebook.direction == "any_order":
            self._star_imports()
            self._multiple_definitions()
            self._cycles()
        else:
            self._out_of_order()
        self._undefined_names()
        return sorted(self.found, key=lambda d: (d.index, d.line, d.column, d.rule.code))

    # ---- rules ---------------------------------------------------------------------

    def _syntax_errors(self) -> None:
        for cell in self.cells:
            error = self.analysis[cell].syntax_error
            if error is not None:
                where = (error.lineno or 1, error.offset or 1)
                self._add(cell, where, "syntax-error", f"{error.kind}: {error.message}")

    def _star_imports(self) -> None:
        for cell in self._parsed():
            if self.analysis[cell].star_import:
                found = self._positions(cell).star_import()
                self._add(
                    cell,
                    found,
                    "star-import",
                    "`import *` cannot be used in any_order: import the names you use",
                )

    def _multiple_definitions(self) -> None:
        binders: dict[str, list[CellId]] = {}
        for cell in self._parsed():
            for name in self.notebook.defs(cell):
                binders.setdefault(name, []).append(cell)
        for name, cells in sorted(binders.items()):
            if len(cells) < 2:
                continue
            for cell in cells:
                others = ", ".join(self._cell_name(c) for c in cells if c != cell)
                self._add(
                    cell,
                    self._positions(cell).first_binding(name),
                    "multiple-definition",
                    f"`{name}` is also defined by {others}",
                )

    def _cycles(self) -> None:
        parsed = self._parsed()
        edges = {cell: self.notebook.parent_edges(cell) for cell in parsed}
        for component in cycles(parsed, lambda c: edges.get(c, {}).keys()):
            members = set(component)
            loop = " -> ".join(
                self._cell_name(c) for c in sorted(component, key=lambda c: self.index[c])
            )
            for cell in component:
                for parent, names in edges[cell].items():
                    if parent not in members:
                        continue
                    shown = ", ".join(f"`{n}`" for n in names)
                    self._add(
                        cell,
                        self._positions(cell).first_read(names),
                        "cycle",
                        f"reads {shown} from {self._cell_name(parent)}, which depends on it "
                        f"(cycle: {loop})",
                    )

    def _out_of_order(self) -> None:
        # An `import *` may bind any name. Once its cell has run, the graph counts the cell
        # as the writer of what it bound; until then, a name it may bind is not called
        # read before it is defined, in its cell after it or in a cell below.
        star_binds: set[str] = set()  # what the unrun `import *`s above bind
        star_unknown = False  # one of them from a module that cannot be read unrun
        for cell in self._parsed():
            analysis = self.analysis[cell]
            own: frozenset[str] | None = EMPTY
            if analysis.star_import and self._unrun(cell):
                own = _star_names(self._positions(cell).tree)
            for name in self.notebook.out_of_order_usages(cell):
                if star_unknown or name in star_binds:
                    continue
                if name in analysis.star_reads and (own is None or name in own):
                    continue
                below = [
                    c
                    for c in self.cells
                    if self.index[c] > self.index[cell] and name in self._binds(c)
                ]
                where = f", in {self._cell_name(below[0])}" if below else ""
                self._add(
                    cell,
                    self._positions(cell).first_read([name]),
                    "out-of-order",
                    f"`{name}` is read here but only defined below{where}",
                )
            if own is None:
                star_unknown = True
            else:
                star_binds.update(own)

    def _unrun(self, cell: CellId) -> bool:
        """Whether the cell has not run: what it binds dynamically is not known yet."""
        return self.notebook.cell(cell).status == "never_run"

    def _undefined_names(self) -> None:
        parsed = self._parsed()
        if any(self.analysis[c].star_import or self.analysis[c].dynamic for c in parsed):
            return  # such a cell may define any name: nothing can be called undefined
        any_order = self.notebook.direction == "any_order"
        for cell in parsed:
            elsewhere = set().union(*(self._binds(c) for c in parsed if c != cell))
            for name in sorted(self.analysis[cell].refs):
                if _always_defined(name) or name in self.notebook.out_of_order_usages(cell):
                    continue
                if any_order and is_private(name):
                    message = (
                        f"`{name}` is read but no cell defines it "
                        "(names with exactly one leading `_` are private to their cell)"
                    )
                elif name in elsewhere:
                    continue
                elif name in self._binds(cell):
                    message = (
                        f"`{name}` is read before this cell defines it, and no other cell does"
                    )
                else:
                    message = f"`{name}` is read but no cell defines it"
                self._add(cell, self._positions(cell).first_read([name]), "undefined-name", message)

    # ---- helpers -------------------------------------------------------------------

    def _parsed(self) -> list[CellId]:
        return [c for c in self.cells if self.analysis[c].syntax_error is None]

    def _binds(self, cell: CellId) -> set[str]:
        return set(self.analysis[cell].defs) | set(self.notebook.defs(cell))

    def _positions(self, cell: CellId) -> _Positions:
        return _Positions(self.code[cell])

    def _cell_name(self, cell: CellId) -> str:
        return f"cell {self.index[cell] + 1} [{cell}]"

    def _add(self, cell: CellId, where: tuple[int, int], rule: str, message: str) -> None:
        line, column = where
        self.found.append(Diagnostic(cell, self.index[cell], line, column, _RULE[rule], message))


def _python(notebook: Notebook, code: str) -> str:
    try:
        return notebook._python_source(code)
    except ImportError:  # IPython code without IPython: its cell has a syntax error
        return code


def _star_names(tree: ast.Module) -> frozenset[str] | None:
    """The names the cell's ``import *`` statements bind, where telling runs no code: each
    module is loaded in this process already, or built into the interpreter (`math`).
    ``None``: a module whose import would run its code, or a relative one."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or all(a.name != "*" for a in node.names):
            continue
        name = node.module or ""
        module = sys.modules.get(name)
        if module is None and not node.level and name in sys.builtin_module_names:
            module = importlib.import_module(name)
        if module is None or node.level:
            return None
        public = getattr(module, "__all__", None)
        found.update(public if public is not None else (n for n in vars(module) if n[:1] != "_"))
    return frozenset(found)


def _always_defined(name: str) -> bool:
    return (
        name in BUILTIN_NAMES or name in KERNEL_NAMES or is_ipython_name(name) or is_host_name(name)
    )


class _Positions:
    """First places in a cell's source where a name is read or bound (1-based columns)."""

    def __init__(self, source: str) -> None:
        self.lines = source.split("\n")
        self.tree = ast.parse(source)

    def first_read(self, names: Iterable[str]) -> tuple[int, int]:
        wanted = set(names)
        loads = self._first(
            lambda n: isinstance(n, ast.Name) and n.id in wanted and isinstance(n.ctx, ast.Load)
        )
        return loads or self._first(lambda n: isinstance(n, ast.Name) and n.id in wanted) or (1, 1)

    def first_binding(self, name: str) -> tuple[int, int]:
        def binds(node: ast.AST) -> bool:
            if isinstance(node, ast.Name):
                return node.id == name and not isinstance(node.ctx, ast.Load)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                return node.name == name
            if isinstance(node, ast.alias):
                return (node.asname or node.name.split(".")[0]) == name
            return False

        return self._first(binds) or self.first_read([name])

    def star_import(self) -> tuple[int, int]:
        found = self._first(
            lambda n: isinstance(n, ast.ImportFrom) and any(a.name == "*" for a in n.names)
        )
        return found or (1, 1)

    def _first(self, test: Callable[[ast.AST], bool]) -> tuple[int, int] | None:
        best: tuple[int, int] | None = None
        for node in ast.walk(self.tree):
            if test(node):
                lineno: int = getattr(node, "lineno", 1)
                offset: int = getattr(node, "col_offset", 0)
                where = (lineno, self._column(lineno, offset))
                if best is None or where < best:
                    best = where
        return best

    def _column(self, lineno: int, byte_offset: int) -> int:
        """ast counts columns in UTF-8 bytes; an editor counts characters."""
        line = self.lines[lineno - 1] if 0 < lineno <= len(self.lines) else ""
        return len(line.encode("utf-8")[:byte_offset].decode("utf-8", "replace")) + 1
