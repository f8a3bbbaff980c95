"""One walk over a cell's AST, in the order Python would run it.

Order matters because a cell-level read is a ref only if nothing earlier on
*every* path has bound the name: ``x = 1; print(x)`` reads no global ``x``,
``if c: x = 1`` followed by ``print(x)`` does. So the walk evaluates values
before targets, decorators and defaults before bodies, and keeps a
definitely-bound set per flow scope that branches split and merge:

- ``if``/conditional expressions/``match``: names bound on every live branch;
- loops: the body may run zero times; ``break`` paths join after the loop;
  a name the body unbinds may be missing on the next iteration;
- ``try``: a handler may start anywhere in the body, so the body's bindings
  are not definite there; ``finally`` adds only what it binds itself;
- ``with``: its body's bindings count as definite. A context manager that
  swallows exceptions (``contextlib.suppress``) breaks this; we accept that
  because treating every ``with open(...)`` body as maybe-not-run would make
  most file-reading cells read the names they define;
- ``raise``/``break``/``continue``/``return`` end a path, which then does not
  weaken a merge.

Choices where Python's behaviour is not a plain bind:

- ``except E as e`` binds ``e`` inside the handler and unbinds it after
  (Python's implicit ``del e``, which also undoes an ``e = ...`` inside the
  handler). ``e`` is in neither ``defs`` nor ``refs``:
  notebooks reuse ``e`` in handler after handler, and making each such cell a
  definer of ``e`` would turn every pair into a multiple-definition error in
  any_order. A later read of ``e`` in the cell is a ref.
- ``from __future__ import ...`` binds the feature object (``annotations``)
  in Python; nobody reads it, so it is no def (it would clash in any_order).
- ``from __future__ import annotations`` at the top of the cell makes every
  annotation in the cell lazy: none of them is read.

The walk is recursive; a tree too deep for Python's stack raises
``RecursionError``, which ``analyze`` turns into a coarse, sound result.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from typing import Any

from reflow.analysis.effects import BindingKind, MutationKind, PathPart
from reflow.analysis.kinds import (
    cannot_change_in_place,
    class_may_change_itself,
    construction_reads,
    returns_the_class,
)
from reflow.analysis.paths import RUNTIME_KEY, symbol_path
from reflow.analysis.purity import (
    ARGUMENT_MUTATING,
    CALLBACK_ARGUMENTS,
    DYNAMIC_CALLS,
    INPLACE_KEYWORD,
    INPLACE_SUFFIX,
    MUTATING_METHODS,
    OUT_KEYWORD,
    PURE_FUNCTIONS,
    PURE_METHODS,
)
from reflow.analysis.resolver import NameResolver
from reflow.analysis.scopes import (
    ClassScope,
    ComprehensionScope,
    FlowScope,
    FlowState,
    FunctionScope,
    LoopFrame,
    merge,
)

_BUILTIN_TYPES = frozenset({"list", "dict", "set", "bytearray", "object", "type"})
"""Builtin types whose methods a cell may call unbound, on the object as first argument."""
_GLOBAL_ACCESS = frozenset({"exec", "eval", "globals"})
"""The dynamic calls that reach the globals from inside a function body too (there,
`locals()` and `vars()` give the function's own names): a call of it reads any global."""


def _attribute_set(node: ast.Call) -> tuple[ast.Attribute, MutationKind] | None:
    """`setattr(o, 'a', v)` and `delattr(o, 'a')`, with a constant name: the store `o.a =
    v` and the deletion `del o.a`, as their statements are. A fingerprint of `o` would
    show the change too, but not of a module, which is told by its identity
    (`setattr(m, 'attr', 5)` left the readers of `m.attr` fresh)."""
    func = node.func
    assert isinstance(func, ast.Name)
    wanted = {"setattr": 3, "delattr": 2}.get(func.id)
    if wanted is None or len(node.args) != wanted or node.keywords:
        return None
    name = node.args[1]
    if not (isinstance(name, ast.Constant) and isinstance(name.value, str)):
        return None
    if not name.value.isidentifier() or any(isinstance(a, ast.Starred) for a in node.args):
        return None
    ctx: ast.expr_context = ast.Store() if func.id == "setattr" else ast.Del()
    target = ast.copy_location(ast.Attribute(value=node.args[0], attr=name.value, ctx=ctx), node)
    kind = MutationKind.ATTR_STORE if func.id == "setattr" else MutationKind.ATTR_DELETE
    return target, kind


class CellVisitor:
    """Walks one cell's statements and reports every name event to a ``NameResolver``.

    ``problem`` is set for the compile-time errors that ``ast.parse`` lets
    through but that would stop the cell before it runs (``return`` outside a
    function, ``break`` outside a loop, ...): the cell then has no effects.
    """

    def __init__(self, *, lazy_annotations: bool) -> None:
        self.names = NameResolver()
        self.lazy_annotations = lazy_annotations
        # Cell-level `y = x` statements, (target, source), and how many loads of each
        # source they make: ``analysis._aliases_only`` keeps those that are all the cell
        # does with either name.
        self.aliases: set[tuple[str, str]] = set()
        self.alias_loads: dict[str, int] = {}
        self.star_import = False
        self.dynamic = False
        self.problem: tuple[str, ast.AST] | None = None
        self._called_lambdas: set[ast.Lambda] = set()  # (see ``visit_Lambda``)

    def visit(self, node: ast.AST) -> None:
        handler = _DISPATCH.get(type(node))
        if handler is not None:
            handler(self, node)
        else:
            for child in ast.iter_child_nodes(node):
                self.visit(child)

    def visit_all(self, nodes: Iterable[ast.AST | None]) -> None:
        for node in nodes:
            if node is not None:
                self.visit(node)

    def _flag(self, message: str, node: ast.AST) -> None:
        if self.problem is None:
            self.problem = (message, node)

    # -- names --------------------------------------------------------------

    def visit_Name(self, node: ast.Name) -> None:
        ctx = node.ctx
        if isinstance(ctx, ast.Load):
            self.names.read(node.id)
        elif isinstance(ctx, ast.Store):
            self.names.bind(node.id)
        else:
            self.names.delete(node.id)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        summary = self.names.open_summary() if isinstance(node.value, ast.Lambda) else None
        self.visit(node.value)
        self.names.bind_walrus(node.target.id)
        self.names.close_summary(summary, [node.target.id])
        stack = self.names.stack
        scope = next(s for s in reversed(stack) if not isinstance(s, ComprehensionScope))
        self.names.record_sharing([node.target.id], node.value, at_cell=scope is stack[0])

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if isinstance(node.ctx, ast.Load):
            if not self._read_path(node):
                self.visit(node.value)  # an unknown key: some part of the object, so all of it
                self.visit(node.slice)
            return
        store = isinstance(node.ctx, ast.Store)
        kind = MutationKind.ITEM_STORE if store else MutationKind.ITEM_DELETE
        self.names.record_mutation(node, kind)
        if not store and self._read_path(node):
            return  # `del d['k']` reads the part: it fails where there is none
        if store and _slices(node.slice):
            # `xs[1:2] = ys` puts ys where xs's length and elements say, and may change
            # how long xs is: run again, it changes what its last run left (as `del xs[0]`
            # does), so it reads the object whole, not its binding only.
            self.visit(node.value)
        else:
            self._visit_container(node.value)
        self.visit(node.slice)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if isinstance(node.ctx, ast.Load):
            if not self._read_path(node):
                self.visit(node.value)
            return
        store = isinstance(node.ctx, ast.Store)
        kind = MutationKind.ATTR_STORE if store else MutationKind.ATTR_DELETE
        self.names.record_mutation(node, kind)
        if not store and self._read_path(node):
            return  # `del o.a` reads the part: it fails where there is none
        self._visit_container(node.value)

    def _read_path(self, node: ast.Attribute | ast.Subscript) -> bool:
        """``x.a[0]`` read as the path ``(".a", 0)`` of ``x``; False when no constant path.

        A key that is a global's name (``d[k]``) is kept for the runtime to
        resolve. The root is read first and the keys after, as Python evaluates them.
        """
        found = symbol_path(node, runtime_keys=True)
        if found is None:
            return False
        path = found[1]
        for index, part in enumerate(path):  # a comprehension's own `k` is no global
            if (
                isinstance(part, str)
                and part.startswith(RUNTIME_KEY)
                and not self.names.is_global_now(part[len(RUNTIME_KEY) :])
            ):
                path = path[:index]
                break
        if not path:
            return False
        keys: list[ast.expr] = []
        current: ast.expr = node
        while isinstance(current, ast.Attribute | ast.Subscript):
            if isinstance(current, ast.Subscript):
                keys.append(current.slice)
            current = current.value
        self.names.read(found[0], path)
        self.visit_all(reversed(keys))
        return True

    def _visit_container(self, node: ast.expr) -> None:
        """The object a store or ``del`` goes into: ``x`` in ``x[1] = v`` is read for its
        binding only; ``x.a`` in ``x.a[1] = v`` is a path read like any other."""
        if isinstance(node, ast.Name):
            self.names.read(node.id, ())
        else:
            self.visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name):
            if func.id in DYNAMIC_CALLS or (func.id == "vars" and not node.args):
                # In the body of a function the cell binds, only its calls may read any
                # global (``FunctionSummary.dynamic``); `locals()` and `vars()` in a body
                # give the function's own names.
                if func.id in _GLOBAL_ACCESS:
                    if not self.names.note_dynamic():
                        self.dynamic = True
                elif not self.names.inside_body():
                    self.dynamic = True
            unknown = func.id not in PURE_FUNCTIONS
            if unknown:
                # What the name calls may change itself: a bound method its receiver
                # (`m = xs.append; m(1)`), a callable object its own state.
                self.names.record_callee(func.id)
            stored = _attribute_set(node)
            if stored is not None:
                self.names.record_mutation(*stored)
            self._arguments_may_change(node, unknown)
        elif isinstance(func, ast.Attribute):
            method = func.attr
            if _mutates_receiver(method, node.keywords):
                self.names.record_mutation(func.value, MutationKind.METHOD_CALL)
                self.names.record_candidate(func.value)
                self._arguments_may_change(node, method in ARGUMENT_MUTATING)
                if node.args and method not in ARGUMENT_MUTATING:
                    # `np.put(a, ...)`, `np.ndarray.fill(a, k)`: on a module or a class,
                    # no method of the receiver's (``ReceiverCall``).
                    self.names.record_receiver_call(node, method, mutating=True)
                if (
                    node.args
                    and isinstance(func.value, ast.Name)
                    and func.value.id in _BUILTIN_TYPES
                ):
                    # `list.append(xs, 5)`, `list.append(max(ys), 5)`: called on a type,
                    # the method's receiver is its first argument, or what it reaches.
                    # Not `xs.append(y)`: that leaves `y` alone.
                    self.names.record_candidate(node.args[0])
            elif method in PURE_METHODS:
                self._arguments_may_change(node, False)
                if len(node.args) > 1:  # `np.sqrt(a, a)`: a ufunc's positional `out`
                    self.names.record_receiver_call(node, method, mutating=False)
            else:  # unknown: the runtime compares the receiver and arguments before/after
                self.names.record_candidate(func.value)
                self._arguments_may_change(node, True)
        else:
            # `getattr(x, "append")(1)`, `fs[0](1)`, `get()()`: what is called may be a
            # method of any object the expression reaches, which it may change.
            self.names.record_candidate(func)
            self._arguments_may_change(node, True)
        self._called_lambdas.update(
            value
            for value in (func, *node.args, *(k.value for k in node.keywords))
            if isinstance(value, ast.Lambda)
        )
        # A method reads its whole receiver (``d.get`` reads ``d``, ``x.a.keys`` reads ``x.a``).
        if isinstance(func, ast.Name):
            self.names.calling = func.id  # (a call through the name: see bound_at_reads)
            self.visit(func)
            self.names.calling = None
        elif isinstance(func, ast.Attribute):
            self.names.call_target = _constant_chain(func)  # unless it is a module's function
            self.visit(func.value)
            self.names.call_target = None
        else:
            self.visit(func)
        self.visit_all(node.args)
        self.visit_all(node.keywords)

    def _arguments_may_change(self, node: ast.Call, unknown_call: bool) -> None:
        """Arguments of a call that may change them are candidates for fingerprints.

        ``out=`` (numpy's ufuncs) is always one, whatever the function. A call known to
        leave its arguments alone may still call one (``_called_argument``).
        """
        for keyword in node.keywords:
            if unknown_call or keyword.arg == OUT_KEYWORD:
                self.names.record_candidate(keyword.value)
        if unknown_call:
            for argument in node.args:
                self.names.record_candidate(argument)
            return
        callback = None
        if isinstance(node.func, ast.Name):
            callback = CALLBACK_ARGUMENTS.get(node.func.id)
        for position, argument in enumerate(node.args):
            called = callback is not None and callback[0] == position
            self._called_argument(argument, called)
        for keyword in node.keywords:
            called = callback is not None and keyword.arg is not None and callback[1] == keyword.arg
            self._called_argument(keyword.value, called)

    def _called_argument(self, argument: ast.expr, called: bool) -> None:
        """An argument the callee may call, of a call that leaves its arguments alone
        (``sorted``, ``df.apply``, ``xs.sort(key=...)``): what calling it changes is the
        cell's change. A lambda is made to be called, and a mutating method handed over
        (``map(xs.append, ys)``) to be called on its receiver, whatever the callee; any
        other function is looked at where the callee is known to call it (``called``,
        ``CALLBACK_ARGUMENTS``): a name as if called there, a method's receiver."""
        if isinstance(argument, ast.Lambda):
            self.names.record_candidate(argument)
        elif isinstance(argument, ast.Attribute) and (
            _mutates_receiver(argument.attr, []) or (called and argument.attr not in PURE_METHODS)
        ):
            self.names.record_candidate(argument.value)
        elif called and isinstance(argument, ast.Name):
            if argument.id not in PURE_FUNCTIONS:  # (`map(str, xs)` calls a builtin)
                self.names.record_callee(argument.id)
        elif called and not isinstance(argument, ast.Name | ast.Attribute | ast.Constant):
            self.names.record_candidate(argument)

    # -- assignments --------------------------------------------------------

    def visit_Assign(self, node: ast.Assign) -> None:
        summary = self.names.open_summary() if isinstance(node.value, ast.Lambda) else None
        self.visit(node.value)
        if self.names.at_cell_level() and isinstance(node.value, ast.Name):
            source = node.value.id
            self.alias_loads[source] = self.alias_loads.get(source, 0) + 1
            self.aliases.update((t.id, source) for t in node.targets if isinstance(t, ast.Name))
        kind = _value_kind(node.value)
        for target in node.targets:
            self._bind_target(target, kind)
        bound = [t.id for t in node.targets if isinstance(t, ast.Name)]
        self.names.close_summary(summary, bound)
        self.names.record_sharing(_holders(node.targets), node.value)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        target = node.target
        if isinstance(target, ast.Name):
            self.names.read(target.id)
            # `xs += [1]`, `d |= e` change a mutable object in place (`__iadd__`) and bind
            # the name to it again: a candidate, as the binding alone would not change.
            self.names.record_candidate(target)
            self.visit(node.value)
            self.names.bind(target.id)
            self.names.record_sharing([target.id], node.value)  # `xs += [p]` holds p
            return
        self.names.record_mutation(target, MutationKind.AUG_ASSIGN)
        # ``x[0] += 1`` reads x[0] (the path) before storing it.
        if not (isinstance(target, ast.Attribute | ast.Subscript) and self._read_path(target)):
            self._visit_target_parts(target)
        self.visit(node.value)
        self.names.record_sharing(_holders([target]), node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        target = node.target
        in_function = isinstance(self.names.stack[-1], FunctionScope)
        summary = self.names.open_summary() if isinstance(node.value, ast.Lambda) else None
        if node.value is not None:
            self.visit(node.value)
        if isinstance(target, ast.Name):
            # A bare ``x: int`` binds nothing, but in a function it still makes x local.
            if node.value is not None or in_function:
                kind = _value_kind(node.value) if node.value is not None else None
                self.names.bind(target.id, kind)
        elif node.value is not None:
            self.visit(target)
        else:
            self._visit_target_parts(target)  # evaluated, but nothing is stored
        if not in_function and not self.lazy_annotations:
            self.visit(node.annotation)
        self.names.close_summary(summary, [target.id] if isinstance(target, ast.Name) else [])
        if node.value is not None:
            self.names.record_sharing(_holders([target]), node.value)

    def _bind_target(self, target: ast.expr, kind: BindingKind | None) -> None:
        """Visit an assignment target; the names it binds get ``kind`` if every element
        of the value does (a starred target makes a list: no kind)."""
        if kind is not None and any(isinstance(t, ast.Starred) for t in ast.walk(target)):
            kind = None
        if isinstance(target, ast.Name):
            self.names.bind(target.id, kind)
        elif isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                self._bind_target(element, kind)
        else:
            self.visit(target)

    def _visit_target_parts(self, target: ast.expr) -> None:
        """Evaluate an attribute/subscript target's object and key without storing."""
        if isinstance(target, ast.Attribute):
            self.visit(target.value)
        elif isinstance(target, ast.Subscript):
            self.visit(target.value)
            self.visit(target.slice)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            # ``import a.b`` binds ``a``; ``import a.b as c`` binds ``c`` to ``a.b``.
            if alias.asname:
                self.names.bind_import(alias.asname, alias.name)
            else:
                top = alias.name.partition(".")[0]
                self.names.bind_import(top, top)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module == "__future__":
            return
        for alias in node.names:
            if alias.name == "*":
                self.star_import = True
                self.names.star_import()
            else:  # may bind any object, not only a module
                self.names.bind(alias.asname or alias.name, BindingKind.IMPORTED)

    def visit_Global(self, node: ast.Global) -> None:
        top = self.names.stack[-1]
        if isinstance(top, FunctionScope | ClassScope):
            top.global_decls.update(node.names)
        # At cell level ``global x`` changes nothing.

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        top = self.names.stack[-1]
        if isinstance(top, FunctionScope | ClassScope):
            top.nonlocal_decls.update(node.names)
        elif top is self.names.cell:
            self._flag("nonlocal declaration not allowed at module level", node)

    # -- definitions --------------------------------------------------------

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        summary = self.names.open_summary()
        self.visit_all(node.decorator_list)
        arguments = node.args
        self.visit_all(arguments.defaults)
        self.visit_all(arguments.kw_defaults)
        type_scope = self._push_type_params(node)
        if not self.lazy_annotations:
            self.visit_all(a.annotation for a in _all_parameters(arguments))
            self.visit_all([node.returns])
        body = FunctionScope({a.arg for a in _all_parameters(arguments)})
        self.names.stack.append(body)
        self.visit_all(node.body)
        self.names.stack.pop()
        self.names.finish_function(body)
        if type_scope:
            self.names.stack.pop()
        # A decorator may return anything (an object counting its calls): no kind then.
        self.names.bind(node.name, None if node.decorator_list else BindingKind.FUNCTION)
        self.names.close_summary(summary, [node.name])

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        arguments = node.args
        self.visit_all(arguments.defaults)
        self.visit_all(arguments.kw_defaults)
        body = FunctionScope({a.arg for a in _all_parameters(arguments)})
        self.names.stack.append(body)
        self.visit(node.body)
        self.names.record_handed_out(node.body)
        self.names.stack.pop()
        free = self.names.finish_function(body)
        if node in self._called_lambdas:
            # Handed to a call or called at once: its body runs now, as the cell's own
            # code (`map(lambda z: z * g, xs)` reads `g`), not later as a definition's.
            for name in sorted(free):
                self.names.read(name)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        summary = self.names.open_summary()
        self.visit_all(node.decorator_list)
        type_scope = self._push_type_params(node)
        self.visit_all(node.bases)
        self.visit_all(node.keywords)
        self.names.stack.append(ClassScope())
        self.visit_all(node.body)
        self.names.stack.pop()
        if type_scope:
            self.names.stack.pop()
        kind = BindingKind.CLASS if returns_the_class(node.decorator_list) else None
        self.names.bind(node.name, kind)
        self.names.close_summary(
            summary,
            [node.name],
            changes_itself=class_may_change_itself(node),
            constructs=construction_reads(node),
        )

    def visit_TypeAlias(self, node: Any) -> None:
        """``type X[T] = ...`` (3.12+): binds X now; the value is evaluated lazily, like a body."""
        name: str = node.name.id
        summary = self.names.open_summary()
        type_scope = self._push_type_params(node)
        body = FunctionScope(set())
        self.names.stack.append(body)
        self.visit(node.value)
        self.names.stack.pop()
        self.names.finish_function(body)
        if type_scope:
            self.names.stack.pop()
        self.names.bind(name)
        self.names.close_summary(summary, [name])

    def _push_type_params(self, node: ast.AST) -> bool:
        """Open PEP 695's annotation scope, where the type parameters are local (3.12+).

        Bounds and defaults are lazily evaluated by Python; reading them now is
        a harmless over-approximation.
        """
        params = getattr(node, "type_params", None)
        if not params:
            return False
        self.names.stack.append(ComprehensionScope({p.name for p in params}, deferred=False))
        for param in params:
            self.visit_all([getattr(param, "bound", None), getattr(param, "default_value", None)])
        return True

    # -- comprehensions -----------------------------------------------------

    def visit_ListComp(self, node: ast.ListComp | ast.SetComp) -> None:
        self._comprehension(node.generators, [node.elt], deferred=False)

    visit_SetComp = visit_ListComp

    def visit_GeneratorExp(self, node: ast.GeneratorExp) -> None:
        self._comprehension(node.generators, [node.elt], deferred=True)

    def visit_DictComp(self, node: ast.DictComp) -> None:
        self._comprehension(node.generators, [node.key, node.value], deferred=False)

    def _comprehension(
        self, generators: list[ast.comprehension], elements: list[ast.expr], *, deferred: bool
    ) -> None:
        """The first iterable runs in the enclosing scope; the rest in the comprehension's own.

        The body may run zero times, so a walrus in it binds a global that is
        not definitely bound afterwards.
        """
        self.visit(generators[0].iter)
        local_names: set[str] = set()
        for generator in generators:
            targets: set[str] = set()
            _collect_bound_names(generator.target, targets)
            self.names.iterate(targets, generator.iter)
            local_names |= targets
        owner = self.names.flow()
        saved = owner.save() if owner is not None else None
        self.names.stack.append(ComprehensionScope(local_names, deferred=deferred))
        for position, generator in enumerate(generators):
            if position:
                self.visit(generator.iter)
            self.visit(generator.target)
            self.visit_all(generator.ifs)
        self.visit_all(elements)
        self.names.stack.pop()
        if owner is not None and saved is not None:
            owner.restore(saved)

    # -- expressions with branches -------------------------------------------

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        self.visit(node.values[0])
        flow = self.names.flow()
        saved = flow.save() if flow is not None else None
        self.visit_all(node.values[1:])  # may be skipped: a walrus there is not definite
        if flow is not None and saved is not None:
            flow.restore(saved)

    def visit_IfExp(self, node: ast.IfExp) -> None:
        self.visit(node.test)
        self._branches([node.body], [node.orelse])

    def visit_If(self, node: ast.If) -> None:
        self.visit(node.test)
        self._branches(node.body, node.orelse)

    def _branches(self, first: list[Any], second: list[Any]) -> None:
        flow = self.names.flow()
        if flow is None:
            self.visit_all(first)
            self.visit_all(second)
            return
        before = flow.save()
        self.visit_all(first)
        after_first = flow.save()
        flow.restore(before)
        self.visit_all(second)
        flow.restore(merge([after_first, flow.save()]))

    # -- loops --------------------------------------------------------------

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        targets: set[str] = set()
        _collect_bound_names(node.target, targets)
        self.names.iterate(targets, node.iter)
        flow = self.names.flow()
        if flow is None:
            self.visit_all([node.target, *node.body, *node.orelse])
            return
        before = flow.save()
        flow.loops.append(LoopFrame())
        self.visit(node.target)
        self.visit_all(node.body)
        self._finish_loop(flow, before, node.orelse, may_end_normally=True)

    visit_AsyncFor = visit_For

    def visit_While(self, node: ast.While) -> None:
        flow = self.names.flow()
        if flow is None:
            self.visit_all([node.test, *node.body, *node.orelse])
            return
        flow.loops.append(LoopFrame())
        self.visit(node.test)  # inside the frame: it runs again on every iteration
        before = flow.save()
        self.visit_all(node.body)
        forever = isinstance(node.test, ast.Constant) and bool(node.test.value)
        self._finish_loop(flow, before, node.orelse, may_end_normally=not forever)

    def _finish_loop(
        self, flow: FlowScope, before: FlowState, orelse: list[ast.stmt], *, may_end_normally: bool
    ) -> None:
        """Join the paths out of a loop whose body has just been walked.

        Every later iteration starts from what holds at the loop head on all
        paths into it; a name bound before the loop but lost by then (``del``)
        may be read unbound on a later iteration, so its reads become refs.
        """
        end = flow.save()
        frame = flow.pop_loop()
        head = merge([before, end, *frame.continues])
        for name in (before.bound - head.bound) & frame.reads:
            self._read_unbound(flow, name)
        exits = list(frame.breaks)
        if may_end_normally:
            flow.restore(head)
            self.visit_all(orelse)
            exits.append(flow.save())
        flow.restore(merge(exits) if exits else FlowState(head.bound, dead=True))

    def _read_unbound(self, flow: FlowScope, name: str) -> None:
        if flow is self.names.cell:
            self.names.add_ref(name)
        else:
            self.names.read_below(len(self.names.stack) - 2, name)

    def visit_Break(self, node: ast.Break) -> None:
        self._jump(node, "break")

    def visit_Continue(self, node: ast.Continue) -> None:
        self._jump(node, "continue")

    def _jump(self, node: ast.stmt, keyword: str) -> None:
        flow = self.names.flow()
        if flow is None:
            return
        if not flow.loops:
            self._flag(f"'{keyword}' outside loop", node)
            return
        frame = flow.loops[-1]
        (frame.breaks if keyword == "break" else frame.continues).append(flow.save())
        flow.dead = True

    def visit_Raise(self, node: ast.Raise) -> None:
        self.visit_all([node.exc, node.cause])
        if node.exc is not None:
            self.names.record_handed_out(node.exc)
        flow = self.names.flow()
        if flow is not None:
            flow.dead = True

    def visit_Return(self, node: ast.Return) -> None:
        if not isinstance(self.names.stack[-1], FunctionScope):
            self._flag("'return' outside function", node)
        self.visit_all([node.value])
        if node.value is not None:
            self.names.record_handed_out(node.value)

    def visit_Yield(self, node: ast.Yield | ast.YieldFrom) -> None:
        if not isinstance(self.names.stack[-1], FunctionScope):
            self._flag("'yield' outside function", node)
        self.visit_all([node.value])
        if node.value is not None:
            self.names.record_handed_out(node.value)

    visit_YieldFrom = visit_Yield

    def visit_withitem(self, node: ast.withitem) -> None:
        self.visit(node.context_expr)
        if node.optional_vars is not None:
            self.visit(node.optional_vars)
            # `with box as b`: `__enter__` most often gives back the manager itself.
            self.names.record_sharing(_holders([node.optional_vars]), node.context_expr)

    # -- try ----------------------------------------------------------------

    def visit_Try(self, node: ast.Try) -> None:
        flow = self.names.flow()
        if flow is None:
            self.visit_all(node.body)
            for handler in node.handlers:
                self._visit_handler(handler, None, node.body)
            self.visit_all([*node.orelse, *node.finalbody])
            return
        before = flow.save()
        flow.push_region()
        self.visit_all(node.body)
        removed_in_body = flow.pop_region()
        # An exception may come before any statement of the body has bound anything.
        handler_start = FlowState(before.bound - removed_in_body, before.dead)
        flow.push_region()
        self.visit_all(node.orelse)
        ends = [flow.save()]
        for handler in node.handlers:
            flow.restore(handler_start)
            self._visit_handler(handler, flow, node.body)
            ends.append(flow.save())
        removed_later = flow.pop_region()
        after = merge(ends)
        if node.finalbody:
            start_bound = set(handler_start.bound)
            for state in ends:
                start_bound &= state.bound
            start = FlowState(start_bound - removed_later, before.dead)
            flow.restore(start)
            flow.push_region()
            self.visit_all(node.finalbody)
            removed_in_finally = flow.pop_region()
            added_in_finally = flow.bound - start.bound
            after = FlowState(
                (after.bound - removed_in_finally) | added_in_finally, after.dead or flow.dead
            )
        flow.restore(after)

    visit_TryStar = visit_Try

    def _visit_handler(
        self, handler: ast.ExceptHandler, flow: FlowScope | None, body: list[ast.stmt]
    ) -> None:
        self.visit_all([handler.type])
        if handler.name is not None:
            # The exception may be any object the try body reaches (`raise err`), and
            # changing it changes that object.
            self.names.hold([handler.name], *self.names.reached_by_code(body))
            if flow is not None:
                flow.bound.add(handler.name)  # bound, but no def: see the module docstring
            else:
                self.names.bind(handler.name)
        defined_before = handler.name in self.names.defs
        self.visit_all(handler.body)
        if handler.name is not None and flow is not None:
            flow.unbind(handler.name)
            self.names.unbound.add(handler.name)
            if not defined_before:
                # `except E as e: e = ...`: Python deletes `e` when the handler ends,
                # whatever the body bound to it, so nothing is left for other cells.
                self.names.defs.discard(handler.name)

    # -- match --------------------------------------------------------------

    def visit_Match(self, node: ast.Match) -> None:
        self.visit(node.subject)
        flow = self.names.flow()
        before = flow.save() if flow is not None else None
        ends: list[FlowState] = []
        exhaustive = False
        for case in node.cases:
            if flow is not None and before is not None:
                flow.restore(before)
            self.visit(case.pattern)
            # A capture is the subject or a part of it, as if unpacked from it.
            self.names.record_sharing(sorted(_captures(case.pattern)), node.subject)
            self.visit_all([case.guard, *case.body])
            if flow is not None:
                ends.append(flow.save())
            exhaustive = exhaustive or (case.guard is None and _irrefutable(case.pattern))
        if flow is None or before is None:
            return
        if not exhaustive:
            ends.append(before)
        flow.restore(merge(ends))

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        self.visit_all([node.pattern])
        if node.name is not None:
            self.names.bind(node.name)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name is not None:
            self.names.bind(node.name)

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        self.visit_all(node.keys)
        self.visit_all(node.patterns)
        if node.rest is not None:
            self.names.bind(node.rest)


def _constant_chain(node: ast.Attribute) -> tuple[str, tuple[PathPart, ...]] | None:
    """``np.random.rand`` as ``("np", (".random", ".rand"))``: a chain of attributes and
    constant keys from a name, with no expression inside to read; else None."""
    current: ast.expr = node
    while isinstance(current, ast.Attribute | ast.Subscript):
        if isinstance(current, ast.Subscript) and not isinstance(current.slice, ast.Constant):
            return None
        current = current.value
    if not isinstance(current, ast.Name):
        return None
    return symbol_path(node)


def _slices(key: ast.expr) -> bool:
    """Whether a subscript's key is a slice, or a tuple holding one (``a[1:3, 0]``)."""
    if isinstance(key, ast.Tuple):
        return any(isinstance(element, ast.Slice) for element in key.elts)
    return isinstance(key, ast.Slice)


def _value_kind(value: ast.expr) -> BindingKind | None:
    """What binding ``value`` gives a name: a constant, a function (a lambda), or unknown."""
    if isinstance(value, ast.Lambda):
        return BindingKind.FUNCTION
    return BindingKind.CONSTANT if cannot_change_in_place(value) else None


def _all_parameters(arguments: ast.arguments) -> list[ast.arg]:
    found = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    if arguments.vararg is not None:
        found.append(arguments.vararg)
    if arguments.kwarg is not None:
        found.append(arguments.kwarg)
    return found


def _holders(targets: list[ast.expr]) -> list[str]:
    """The names assignment targets make hold (part of) the value: every name bound, at
    any depth of unpacking (`p, *q = xs`), and the root of every attribute or item store
    (`x[k] = y` and `x.a = y` make x hold y's object, as after `x = [y]`)."""
    found: list[str] = []
    for target in targets:
        if isinstance(target, ast.Name):
            found.append(target.id)
        elif isinstance(target, ast.Starred):
            found += _holders([target.value])
        elif isinstance(target, ast.Tuple | ast.List):
            found += _holders(target.elts)
        elif isinstance(target, ast.Attribute | ast.Subscript) and (path := symbol_path(target)):
            found.append(path[0])
    return found


def _captures(pattern: ast.pattern) -> set[str]:
    """The names a ``match`` pattern binds."""
    found: set[str] = set()
    for node in ast.walk(pattern):
        if isinstance(node, ast.MatchAs | ast.MatchStar) and node.name is not None:
            found.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest is not None:
            found.add(node.rest)
    return found


def _collect_bound_names(target: ast.expr, into: set[str]) -> None:
    """Names a for/comprehension target binds (attribute and item targets bind none)."""
    if isinstance(target, ast.Name):
        into.add(target.id)
    elif isinstance(target, ast.Tuple | ast.List):
        for element in target.elts:
            _collect_bound_names(element, into)
    elif isinstance(target, ast.Starred):
        _collect_bound_names(target.value, into)


def _mutates_receiver(method: str, keywords: list[ast.keyword]) -> bool:
    if method in MUTATING_METHODS:
        return True
    if method.endswith(INPLACE_SUFFIX) and not method.startswith("_"):
        return True
    for keyword in keywords:
        if keyword.arg == INPLACE_KEYWORD:
            value = keyword.value
            return not (isinstance(value, ast.Constant) and not value.value)
    return False


def _irrefutable(pattern: ast.pattern) -> bool:
    """A pattern that always matches: ``_``, a capture, or an or-pattern with one of them."""
    if isinstance(pattern, ast.MatchAs):
        return pattern.pattern is None or _irrefutable(pattern.pattern)
    if isinstance(pattern, ast.MatchOr):
        return any(_irrefutable(p) for p in pattern.patterns)
    return False


def _build_dispatch() -> dict[type[ast.AST], Callable[[CellVisitor, Any], None]]:
    """Map node types to handlers once, so the walk does a dict lookup per node."""
    table: dict[type[ast.AST], Callable[[CellVisitor, Any], None]] = {}
    for attribute in dir(CellVisitor):
        if attribute.startswith("visit_"):
            node_type = getattr(ast, attribute.removeprefix("visit_"), None)
            if isinstance(node_type, type):  # e.g. ast.TypeAlias exists from 3.12 on
                table[node_type] = getattr(CellVisitor, attribute)

    def leaf(visitor: CellVisitor, node: ast.AST) -> None:
        """Contexts, operators and constants have nothing to read."""

    for family in (ast.expr_context, ast.operator, ast.boolop, ast.unaryop, ast.cmpop):
        for node_type in family.__subclasses__():
            table[node_type] = leaf
    table[ast.Constant] = leaf
    return table


_DISPATCH = _build_dispatch()
