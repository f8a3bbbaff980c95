"""Private names in any_order: each cell's ``_x`` is its own, under another name.

marimo's rule: a name with exactly one leading underscore (and ``__``) is local
to its cell. Deleting such names after the cell runs is not enough: a
function, lambda or class the cell defines may read ``_x`` later, so the value
must outlive the cell, yet another cell reading ``_x`` must get a NameError,
not that value. So, as marimo does, the cell's code is rewritten before it
runs: every use of a private name that resolves to the cell's globals (at cell
level, or free in a function, lambda, class or comprehension) becomes
``_cell_<id>_x``. Names local to a function (its parameters, what it assigns)
are left alone; so are attributes and keyword arguments.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from reflow.graph.names import is_private
from reflow.runtime.context import CURRENT_CELL
from reflow.runtime.errors import CellError

_PREFIX = "_cell_"
_UNSAFE = re.compile(r"[^0-9A-Za-z_]")


def mangled(cell: str, name: str) -> str:
    """The name the cell's private ``name`` has in the shared namespace."""
    return f"{_PREFIX}{_UNSAFE.sub('_', cell)}{name}"


def original(name: str, cell: str) -> str | None:
    """The private name ``name`` stands for in ``cell``, if it is one of its mangled names."""
    prefix = mangled(cell, "")
    return name[len(prefix) :] if name.startswith(prefix) and len(name) > len(prefix) else None


def unmangled(error: CellError, cell: str) -> CellError:
    """The error as the user wrote the names: ``_x``, not the cell's own name for it; a
    NameError for a private name says why another cell's ``_x`` is not there."""
    prefix = re.escape(mangled(cell, ""))
    pattern = re.compile(prefix + r"(\w+)")
    message = pattern.sub(r"\1", error.message)
    if error.type == "NameError" and pattern.search(error.message):
        message += " (a name with one leading underscore is private to its cell)"
    return replace(error, message=message, traceback=pattern.sub(r"\1", error.traceback))


class PrivateNames(ast.NodeTransformer):
    """Rewrites the running cell's private names when ``active()`` says so (any_order).

    ``state`` changes whenever the rewrite would: a host that caches compiled code
    keys the cache by it."""

    def __init__(self, active: Callable[[], bool]) -> None:
        self._active = active

    @property
    def state(self) -> tuple[bool, str | None]:
        context = CURRENT_CELL.get()
        return self._active(), context.cell if context is not None else None

    def leaves_alone(self, tree: ast.AST) -> bool:
        """Outside any_order it renames nothing (``runtime.rewrites``)."""
        return not self._active()

    def visit_Module(self, node: ast.Module) -> ast.Module:
        active, cell = self.state
        if active and cell is not None:
            rename_private(node, cell)
        return node

    def visit_Interactive(self, node: ast.Interactive) -> ast.Interactive:
        active, cell = self.state
        if active and cell is not None:
            rename_private(node, cell)
        return node


def rename_private(tree: ast.Module | ast.Interactive, cell: str) -> None:
    """Rename, in place, the cell-level private names of ``tree`` (see the module)."""
    _Renamer(cell).walk_body(tree.body, _Scope("module"))


@dataclass
class _Scope:
    kind: str  # module, function, class, comprehension
    local: set[str] = field(default_factory=set)
    declared_global: set[str] = field(default_factory=set)
    parent: _Scope | None = None

    def is_global(self, name: str) -> bool:
        """Whether ``name`` used in this scope resolves to the module's namespace."""
        scope: _Scope | None = self
        first = True
        while scope is not None:
            if scope.kind == "module" or name in scope.declared_global:
                return True
            # (A class body is an enclosing scope for nothing nested in it.)
            if (scope.kind != "class" or first) and name in scope.local:
                return False
            first = False
            scope = scope.parent
        return True


class _Renamer:
    def __init__(self, cell: str) -> None:
        self.cell = cell

    def rename(self, name: str, scope: _Scope) -> str:
        if is_private(name) and scope.is_global(name):
            return mangled(self.cell, name)
        return name

    def walk_body(self, body: list[ast.stmt], scope: _Scope) -> None:
        for statement in body:
            self.visit(statement, scope)

    def visit(self, node: ast.AST, scope: _Scope) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            self._function(node, scope)
            return
        if isinstance(node, ast.Lambda):
            self._lambda(node, scope)
            return
        if isinstance(node, ast.ClassDef):
            self._class(node, scope)
            return
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            self._comprehension(node, scope)
            return
        if isinstance(node, ast.Name):
            node.id = self.rename(node.id, scope)
        elif isinstance(node, ast.Global):
            node.names = [self.rename(n, scope) if is_private(n) else n for n in node.names]
        elif isinstance(node, ast.alias):
            bound = node.asname or node.name.partition(".")[0]
            new = self.rename(bound, scope)
            if new != bound:
                node.asname = new
        elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
            node.name = self.rename(node.name, scope)
        elif isinstance(node, ast.MatchMapping) and node.rest is not None:
            node.rest = self.rename(node.rest, scope)
        for child in ast.iter_child_nodes(node):
            self.visit(child, scope)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: _Scope) -> None:
        # Decorators, defaults and annotations run in the enclosing scope.
        for expression in [*node.decorator_list, *node.args.defaults]:
            self.visit(expression, scope)
        for default in node.args.kw_defaults:
            if default is not None:
                self.visit(default, scope)
        for argument in _arguments(node.args):
            if argument.annotation is not None:
                self.visit(argument.annotation, scope)
        if node.returns is not None:
            self.visit(node.returns, scope)
        node.name = self.rename(node.name, scope)
        inner = _function_scope(node.args, node.body, scope)
        self.walk_body(node.body, inner)

    def _lambda(self, node: ast.Lambda, scope: _Scope) -> None:
        for expression in node.args.defaults:
            self.visit(expression, scope)
        for default in node.args.kw_defaults:
            if default is not None:
                self.visit(default, scope)
        inner = _function_scope(node.args, [ast.Expr(node.body)], scope)
        self.visit(node.body, inner)

    def _class(self, node: ast.ClassDef, scope: _Scope) -> None:
        for expression in [*node.decorator_list, *node.bases, *node.keywords]:
            self.visit(expression, scope)
        node.name = self.rename(node.name, scope)
        inner = _Scope("class", _bound_in(node.body), _declared_global(node.body), scope)
        self.walk_body(node.body, inner)

    def _comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp, scope: _Scope
    ) -> None:
        generators = node.generators
        # The first iterable is evaluated in the enclosing scope.
        self.visit(generators[0].iter, scope)
        targets: set[str] = set()
        for generator in generators:
            targets |= _store_names(generator.target)
        inner = _Scope("comprehension", targets, set(), scope)
        for position, generator in enumerate(generators):
            self.visit(generator.target, inner)
            if position:
                self.visit(generator.iter, inner)
            for condition in generator.ifs:
                self.visit(condition, inner)
        if isinstance(node, ast.DictComp):
            self.visit(node.key, inner)
            self.visit(node.value, inner)
        else:
            self.visit(node.elt, inner)


def _arguments(args: ast.arguments) -> list[ast.arg]:
    found = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    found += [a for a in (args.vararg, args.kwarg) if a is not None]
    return found


def _function_scope(args: ast.arguments, body: list[ast.stmt], parent: _Scope) -> _Scope:
    declared = _declared_global(body)
    local = {a.arg for a in _arguments(args)} | _bound_in(body)
    return _Scope("function", local - declared, declared, parent)


def _declared_global(body: list[ast.stmt]) -> set[str]:
    found: set[str] = set()
    for node in _walk_scope(body):
        if isinstance(node, ast.Global):
            found.update(node.names)
    return found


def _bound_in(body: list[ast.stmt]) -> set[str]:
    """Names a scope binds itself (nested scopes excluded; a comprehension's walrus
    binds in the scope that holds the comprehension)."""
    found: set[str] = set()
    for node in _walk_scope(body):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            found.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.add(node.name)
        elif isinstance(node, ast.alias):
            found.add(node.asname or node.name.partition(".")[0])
        elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
            found.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest is not None:
            found.add(node.rest)
        elif isinstance(node, ast.Nonlocal):
            found.update(node.names)  # the enclosing function's: local, not global
    return found


def _walk_scope(body: list[ast.stmt]) -> list[ast.AST]:
    """The nodes of one scope: not the bodies of nested functions, lambdas or classes
    (their names, decorators and defaults belong to this scope), and of comprehensions
    only the walrus targets and the first iterable."""
    found: list[ast.AST] = []
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        found.append(node)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            stack += [*node.decorator_list, *node.args.defaults]
            stack += [d for d in node.args.kw_defaults if d is not None]
        elif isinstance(node, ast.Lambda):
            stack += [*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]
        elif isinstance(node, ast.ClassDef):
            stack += [*node.decorator_list, *node.bases, *node.keywords]
        elif isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            stack.append(node.generators[0].iter)
            stack += [
                n.target
                for n in ast.walk(node)
                if isinstance(n, ast.NamedExpr) and isinstance(n.target, ast.Name)
            ]
        else:
            stack += reversed(list(ast.iter_child_nodes(node)))
    return found


def _store_names(target: ast.AST) -> set[str]:
    return {
        n.id for n in ast.walk(target) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }
