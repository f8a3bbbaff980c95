"""Cached blocks: ``with reflow.persistent_cache("name"):`` skips its body on a hit.

A context manager cannot skip its own body, so the cell's tree is rewritten
before it is compiled (``CachedBlockTransformer``; reflow's executor applies
it, and IPython can too: ``shell.ast_transformers.append(...)``)::

    with reflow.persistent_cache("train") as run:      # as written
        model = fit(data)

    with _bind(reflow.persistent_cache("train"), globals(), BODY, READS, WRITES) as run:
        if not getattr(run, "_reflow_hit", False):   # what runs
            model = fit(data)

where ``BODY`` is the body's source and ``READS``/``WRITES`` are the globals
static analysis says it reads and writes (a last tuple: those it deletes);
``_bind`` is an inline lambda, so the rewritten cell needs no helper in the
namespace and a context manager that is not reflow's keeps working as
written. On entering, a bound block
computes its key from ``BODY`` and the values of ``READS``; a hit puts the
stored ``WRITES`` back and the body is skipped; after a miss that raised
nothing, the body's ``WRITES`` are stored.

Only blocks at cell level are rewritten (not inside a function or a class:
their variables are not globals). A block that is not rewritten (plain
``python script.py``) runs its body every time, and says so once.
"""

from __future__ import annotations

import ast
import time
from types import TracebackType
from typing import Any

from reflow.analysis import analyze
from reflow.cache.entry import Entry
from reflow.cache.keys import Undigestable, block_key
from reflow.cache.location import memory_store, persistent_store
from reflow.cache.memoize import MissWitness, store_entry
from reflow.cache.store import CacheStore, warn
from reflow.runtime.rewrites import has_with

CACHE_FUNCTIONS = frozenset({"cache", "persistent_cache"})
_unbound_warned: set[str] = set()


class CachedBlock:
    """What ``reflow.cache("name")`` / ``reflow.persistent_cache("name")`` return."""

    def __init__(self, name: str, persist: bool, location: str | None = None) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"a cached block needs a name (a non-empty str), got {name!r}")
        self.name = name
        self.persist = persist
        self.location = location
        self.hit = False
        self.key: str | None = None
        self._bound: tuple[dict[str, Any], str, tuple[str, ...], tuple[str, ...]] | None = None
        self._started = 0.0
        self._witness: MissWitness | None = None
        self._deletes: tuple[str, ...] = ()

    @property
    def _reflow_hit(self) -> bool:
        return self.hit

    def _reflow_bind(
        self,
        namespace: dict[str, Any],
        body: str,
        reads: tuple[str, ...],
        writes: tuple[str, ...],
        deletes: tuple[str, ...] = (),
    ) -> CachedBlock:
        self._bound = (namespace, body, reads, writes)
        self._deletes = deletes
        return self

    def _store(self) -> CacheStore:
        return persistent_store(self.location) if self.persist else memory_store()

    def __enter__(self) -> CachedBlock:
        self.hit = False
        if self._bound is None:
            if self.name not in _unbound_warned:
                _unbound_warned.add(self.name)
                warn(
                    f"block {self.name!r} runs every time: skipping a cached block needs a "
                    "cell run by reflow (or IPython with reflow's AST transformer)"
                )
            return self
        namespace, body, reads, writes = self._bound
        try:
            self.key = block_key(self.name, body, reads, namespace)
        except Undigestable as problem:
            warn(f"block {self.name!r} is not cached: {problem}")
            self.key = None
            return self
        entry = self._store().get(self.key, namespace)
        if entry is not None:
            namespace.update(entry.values)
            for name in entry.deleted:
                namespace.pop(name, None)
            self.hit = True
        else:
            self._witness = MissWitness(namespace, reads, writes)
        self._started = time.perf_counter()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        witness, self._witness = self._witness, None
        if witness is not None:
            witness.settle()
        if self._bound is None or witness is None or self.key is None or kind is not None:
            return
        namespace, _body, _reads, writes = self._bound
        written = witness.written(writes)
        outside = witness.outside_key(written)
        if outside:
            names = ", ".join(f"`{n}`" for n in outside)
            warn(f"block {self.name!r} is not cached: it changes {names} without reading it")
            return
        values = {name: namespace[name] for name in written}
        deleted = tuple(n for n in self._deletes if n not in namespace)
        seconds = time.perf_counter() - self._started
        entry = Entry(values, deleted, run_seconds=seconds, label=f"block {self.name!r}")
        store_entry(self._store(), self.key, entry)


class CachedBlockTransformer(ast.NodeTransformer):
    """Rewrites cell-level ``with cache("name"):`` blocks (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self._count = 0

    def leaves_alone(self, tree: ast.AST) -> bool:
        """A cell with no ``with`` statement where this rewrite looks (``runtime.rewrites``)."""
        return isinstance(tree, ast.Module) and not has_with(tree.body)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        return node  # a block in a function binds locals: not rewritten

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AST:
        return node

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        return node

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:
        return node

    def visit_With(self, node: ast.With) -> ast.AST:
        self.generic_visit(node)
        if len(node.items) != 1 or not _is_cache_call(node.items[0].context_expr):
            return node
        item = node.items[0]
        if item.optional_vars is not None and not isinstance(item.optional_vars, ast.Name):
            return node
        target = item.optional_vars.id if item.optional_vars is not None else None
        if target is None:
            target = f"__reflow_block_{self._count}__"
            self._count += 1
        body = ast.unparse(ast.Module(body=node.body, type_ignores=[]))
        analysis = analyze(body)
        if analysis.syntax_error is not None:
            return node
        writes = (analysis.defs - analysis.deletes) | analysis.mutated_names
        bound = _bind_call(
            item.context_expr,
            body,
            tuple(sorted(analysis.refs)),
            tuple(sorted(writes)),
            tuple(sorted(analysis.deletes)),
        )
        guard = ast.If(
            test=ast.UnaryOp(
                ast.Not(),
                ast.Call(
                    ast.Name("getattr", ast.Load()),
                    [
                        ast.Name(target, ast.Load()),
                        ast.Constant("_reflow_hit"),
                        ast.Constant(False),
                    ],
                    [],
                ),
            ),
            body=node.body,
            orelse=[],
        )
        rewritten = ast.With(
            items=[ast.withitem(bound, ast.Name(target, ast.Store()))],
            body=[guard],
            type_comment=None,
        )
        return ast.copy_location(rewritten, node)


def _is_cache_call(node: ast.expr) -> bool:
    if not isinstance(node, ast.Call) or not node.args:
        return False
    func = node.func
    name = (
        func.id
        if isinstance(func, ast.Name)
        else func.attr
        if isinstance(func, ast.Attribute)
        else None
    )
    return name in CACHE_FUNCTIONS


def _bind_call(
    manager: ast.expr,
    body: str,
    reads: tuple[str, ...],
    writes: tuple[str, ...],
    deletes: tuple[str, ...],
) -> ast.expr:
    """``(lambda m: m._reflow_bind(globals(), ...) if hasattr(m, "_reflow_bind") else m)(cm)``."""
    m = ast.Name("__reflow_m", ast.Load())
    bind = ast.Call(
        ast.Attribute(m, "_reflow_bind", ast.Load()),
        [
            ast.Call(ast.Name("globals", ast.Load()), [], []),
            ast.Constant(body),
            ast.Tuple([ast.Constant(n) for n in reads], ast.Load()),
            ast.Tuple([ast.Constant(n) for n in writes], ast.Load()),
            ast.Tuple([ast.Constant(n) for n in deletes], ast.Load()),
        ],
        [],
    )
    test = ast.Call(ast.Name("hasattr", ast.Load()), [m, ast.Constant("_reflow_bind")], [])
    function = ast.Lambda(
        ast.arguments(
            posonlyargs=[],
            args=[ast.arg("__reflow_m")],
            kwonlyargs=[],
            kw_defaults=[],
            defaults=[],
        ),
        ast.IfExp(test, bind, m),
    )
    return ast.Call(function, [manager], [])
