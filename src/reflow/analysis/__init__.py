"""Static analysis of one cell: what its source reads, binds, deletes and mutates.

``analyze(source)`` is a pure function of the source text: one ``ast.parse``
and one walk, nothing imported beyond the standard library, nothing
executed. It never raises; a cell Python cannot compile comes back with
``syntax_error`` set and no effects.

What it deliberately leaves to later layers:

- builtins: ``print`` and ``len`` are refs like any other global; the graph
  drops those that no cell defines, since only it can see a shadowing cell;
- IPython's names (``_``, ``In``, ...): refs like any other; the graph ignores them;
- methods not in ``purity.MUTATING_METHODS``: the runtime finds their
  mutations by fingerprints.
"""

from __future__ import annotations

import ast
import builtins
import itertools
from collections import Counter
from dataclasses import replace

from reflow.analysis.effects import (
    BindingKind,
    CellAnalysis,
    CellSyntaxError,
    FunctionSummary,
    Mutation,
    MutationKind,
    PathPart,
)
from reflow.analysis.inert import runs_only_its_own_code
from reflow.analysis.magics import split_memoize
from reflow.analysis.visitor import CellVisitor

__all__ = [
    "BindingKind",
    "CellAnalysis",
    "CellSyntaxError",
    "FunctionSummary",
    "Mutation",
    "MutationKind",
    "PathPart",
    "analyze",
    "analyze_completed",
    "keep_last_tree",
    "take_tree",
]

_last_tree: list[tuple[str, ast.Module]] = []  # ``keep_last_tree``: at most one
_keeping = False


def keep_last_tree(keep: bool) -> None:
    """Whether ``analyze`` keeps the tree it parsed last, for ``take_tree``.

    The kernel analyses each cell it is asked to execute just before IPython
    parses the same text to run it: handed over, the tree is parsed once (the
    parse is about 40% of the analysis, which the visitor's walk does not
    change and whose result holds no node of).
    """
    global _keeping
    _keeping = keep
    _last_tree.clear()


def take_tree(source: str) -> ast.Module | None:
    """The tree ``analyze`` parsed ``source`` into, if it was the last text it parsed;
    given once, since the taker may change it."""
    if _last_tree and _last_tree[0][0] == source:
        return _last_tree.pop()[1]
    return None


def analyze(source: str) -> CellAnalysis:
    """The static effects of a cell's source (see ``CellAnalysis`` for each field).

    Two points the field docs leave open:

    - ``refs`` keeps builtin names (``print``, ``len``); the graph filters them.
    - A cell opening with ``%%memoize`` is analysed as its body (``analysis/magics.py``).
    - A function, lambda or class the cell defines does not make the cell read
      what its body reads, unless the cell goes on to use that name itself
      (``def f(): return y`` then ``f()``): the call may happen right here, so
      the body's reads that are not yet bound in the cell become refs.
    """
    memoized = split_memoize(source)  # `%%memoize` cells: the body is the cell's Python
    if memoized.problem is not None:
        return CellAnalysis(syntax_error=CellSyntaxError(memoized.problem, 1, None, None))
    source = memoized.body
    try:
        tree = ast.parse(source)
    except SyntaxError as error:  # includes null bytes from 3.11.4 on
        return CellAnalysis(
            syntax_error=CellSyntaxError(
                error.msg,
                error.lineno,
                error.offset,
                error.text,
                type(error).__name__,
                error.end_lineno,
                error.end_offset,
            )
        )
    except (ValueError, RecursionError, MemoryError) as error:
        # Null bytes before 3.11.4; nesting deeper than the parser's stack.
        message = str(error) or type(error).__name__
        return CellAnalysis(syntax_error=CellSyntaxError(message, None, None, None))
    visitor = CellVisitor(lazy_annotations=_has_lazy_annotations(tree.body))
    try:
        visitor.visit_all(tree.body)
    except RecursionError:
        return _coarse_analysis(tree)
    if visitor.problem is not None:
        message, node = visitor.problem
        return CellAnalysis(syntax_error=_error_at(source, message, node))
    analysis = visitor.names.result(star_import=visitor.star_import, dynamic=visitor.dynamic)
    if visitor.aliases:
        analysis = replace(analysis, aliases=_aliases_only(tree, visitor))
    called = analysis.calls_only - _BUILTINS
    if called:
        used = _results_used(tree, called)
        if used:
            analysis = replace(analysis, calls_only=analysis.calls_only - used)
    if runs_only_its_own_code(tree):
        analysis = replace(analysis, inert=True)
    if _keeping:
        _last_tree[:] = [(source, tree)]
    return analysis


_BUILTINS = frozenset(dir(builtins))


def _results_used(tree: ast.Module, names: frozenset[str]) -> set[str]:
    """Of ``names`` the cell only calls, those whose call's result the cell goes on to use
    (`K().get()`, `print(K().d)`, `k = K()` then `k.get()`): what it reads of a class's
    instance there is the class's other attributes too, so the class is read whole. A
    call whose result is dropped (`K()`) or bound to names the cell does not load again
    (`k = K()`) reads only what making the instance reads (``CellAnalysis.calls_only``)."""
    loads = Counter(
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    )
    used: set[str] = set()
    for parent in ast.walk(tree):
        for child in ast.iter_child_nodes(parent):
            if not (
                isinstance(child, ast.Call)
                and isinstance(child.func, ast.Name)
                and child.func.id in names
            ):
                continue
            if isinstance(parent, ast.Expr):
                continue
            if (
                isinstance(parent, ast.Assign)
                and parent.value is child
                and all(isinstance(t, ast.Name) and not loads[t.id] for t in parent.targets)
            ):
                continue
            used.add(child.func.id)
    return used


def _aliases_only(tree: ast.Module, visitor: CellVisitor) -> frozenset[tuple[str, str]]:
    """The cell's `y = x` statements that are all it does with `x` and `y`: no other
    load of either anywhere in the cell (function bodies included), and `y` bound to a
    list of targets without unpacking. See ``CellAnalysis.aliases``."""
    loads = Counter(
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    )
    return frozenset(
        (target, source)
        for target, source in visitor.aliases
        if loads[target] == 0 and loads[source] == visitor.alias_loads[source]
    )


def analyze_completed(source: str, line: int) -> CellAnalysis:
    """The static effects of the top-level statements of a cell that end above ``line``,
    the line at which its run raised: those statements ran to the end, whatever the rest
    did (``Execution.stopped_at``). Nothing when none did or the source does not parse."""
    body = split_memoize(source).body
    try:
        tree = ast.parse(body)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return CellAnalysis()
    completed = list(itertools.takewhile(lambda s: (s.end_lineno or line) < line, tree.body))
    if not completed:
        return CellAnalysis()
    try:
        prefix = ast.unparse(ast.Module(body=completed, type_ignores=[]))
    except RecursionError:
        return CellAnalysis()
    return analyze(prefix)


def _has_lazy_annotations(body: list[ast.stmt]) -> bool:
    """Whether the cell opens with ``from __future__ import annotations`` (after a docstring)."""
    for position, statement in enumerate(body):
        if (
            position == 0
            and isinstance(statement, ast.Expr)
            and isinstance(statement.value, ast.Constant)
            and isinstance(statement.value.value, str)
        ):
            continue
        if not (isinstance(statement, ast.ImportFrom) and statement.module == "__future__"):
            return False
        if any(alias.name == "annotations" for alias in statement.names):
            return True
    return False


def _error_at(source: str, message: str, node: ast.AST) -> CellSyntaxError:
    lineno: int | None = getattr(node, "lineno", None)
    column: int | None = getattr(node, "col_offset", None)
    lines = source.splitlines()
    text = lines[lineno - 1] if lineno is not None and 0 < lineno <= len(lines) else None
    return CellSyntaxError(message, lineno, None if column is None else column + 1, text)


def _coarse_analysis(tree: ast.Module) -> CellAnalysis:
    """A sound stand-in for a tree too deep to walk recursively.

    Every name loaded anywhere is a ref, every name stored anywhere a def, and
    the cell is marked dynamic, so the graph treats it as reading everything.
    ``ast.walk`` is iterative, so this cannot overflow.
    """
    refs: set[str] = set()
    defs: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (defs if isinstance(node.ctx, ast.Store) else refs).add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            defs.add(node.name)
        elif isinstance(node, ast.alias):
            defs.add((node.asname or node.name).partition(".")[0])
    return CellAnalysis(
        refs=frozenset(refs), defs=frozenset(defs), maybe_unbound=frozenset(defs), dynamic=True
    )
