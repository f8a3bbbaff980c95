"""Whether a cell's code replaces a part's whole value, as opposed to changing it in place.

A write of a part either replaces what the part holds (``d['k'] = v``, ``o.a = v``, a
global random generator seeded: ``np.random.seed(0)``), or changes it in place
(``d['k'].append(1)``, a draw: ``np.random.rand()``). A change in place made by a cell
that is then deleted stays in the value, whatever cells changed it since, and a run-all
would not make it (``Session.forget``); a replacement made after it takes it away.

Only what is sure counts: a statement at the top level of the cell (no ``if`` or loop
may skip it), after which nothing can bring the old value back (its value does not read
the name, the seed calls nothing), and before which the cell's statements read nothing
the old value could have passed into (only imports, definitions and assignments that
call nothing nor read the name). Asked only when a cell is deleted, so the cell's code
is parsed then, never on a run.
"""

from __future__ import annotations

import ast
import functools
import sys
import types
from collections.abc import Iterable, Mapping
from typing import Any

from reflow.analysis.effects import Mutation, MutationKind, PathPart
from reflow.analysis.paths import constant_key
from reflow.runtime.fingerprint import global_generator


@functools.lru_cache(maxsize=256)
def _parsed(source: str) -> ast.Module | None:
    """A cell's tree, parsed once for the questions below (each asked of the same cells
    over and over, with other names and parts), or None where it does not parse. Read
    only: the trees are shared."""
    try:
        return ast.parse(source)
    except SyntaxError:
        return None


def replaces(
    source: str,
    namespace: Mapping[str, Any],
    name: str,
    path: tuple[PathPart, ...],
    *,
    store_only: bool = False,
) -> bool:
    """Whether a run of ``source`` ends with ``name`` at ``path`` holding a value that
    does not rest on what it held before (see the module's docstring). ``store_only``: not
    by seeding a generator (what was changed was a store into a module, which a seed
    leaves alone)."""
    tree = _parsed(source)
    if tree is None:
        return False
    body = tree.body
    for index in range(len(body) - 1, -1, -1):
        statement = body[index]
        if _stores(statement, name, path) or (
            not store_only and _seeds(statement, namespace, name, path)
        ):
            return all(_harmless(s, namespace, name) for s in body[:index])
    return False


def _stores(statement: ast.stmt, name: str, path: tuple[PathPart, ...]) -> bool:
    """``name[k] = v`` or ``name.a = v`` at exactly ``path``, ``v`` not reading ``name``."""
    if len(path) != 1 or not isinstance(statement, ast.Assign):
        return False
    if _reads(statement.value, name):
        return False
    return any(_part_stored(target, name) == path[0] for target in statement.targets)


def _part_stored(target: ast.expr, name: str) -> PathPart | None:
    """The part one step below ``name`` that ``target`` stores (``name[k]``, ``name.a``)."""
    if isinstance(target, ast.Subscript) and _is_name(target.value, name):
        return constant_key(target.slice)
    if isinstance(target, ast.Attribute) and _is_name(target.value, name):
        return "." + target.attr
    return None


def _seeds(
    statement: ast.stmt, namespace: Mapping[str, Any], name: str, path: tuple[PathPart, ...]
) -> bool:
    """A call of a global random generator's ``seed`` (``np.random.seed(0)``,
    ``random.seed(1)``, ``seed(2)`` imported from either) with arguments that call
    nothing, where ``name`` at ``path`` is a way into that generator."""
    if not isinstance(statement, ast.Expr) or not isinstance(statement.value, ast.Call):
        return False
    call = statement.value
    if not _calls_nothing(call):
        return False
    generator = _seeded(call.func, namespace)
    if generator is None:
        return False
    target = namespace.get(name)
    for part in path:
        target = _attribute(target, part)
    return target is not None and global_generator(target) is generator


def _calls_nothing(call: ast.Call) -> bool:
    """Whether the call's arguments call nothing (a draw could make the seed)."""
    return not any(
        isinstance(n, ast.Call) for arg in (*call.args, *call.keywords) for n in ast.walk(arg)
    )


def _seeded(func: ast.expr, namespace: Mapping[str, Any]) -> Any:
    """The global generator a call of ``func`` seeds, else None."""
    if isinstance(func, ast.Name):
        callee = namespace.get(func.id)
        if getattr(callee, "__name__", None) != "seed":
            return None
        found = global_generator(callee)
        if found is None and getattr(callee, "__module__", None) == "numpy.random.mtrand":
            found = global_generator(sys.modules.get("numpy.random"))
        return found
    if not isinstance(func, ast.Attribute) or func.attr != "seed":
        return None
    receiver = _resolve(func.value, namespace)
    if receiver is None or global_generator(receiver) is None:
        return None
    callee = _attribute(receiver, ".seed")
    if getattr(callee, "__name__", None) != "seed":
        return None
    return global_generator(receiver)


def _resolve(node: ast.expr, namespace: Mapping[str, Any]) -> Any:
    """The object a chain of names and module attributes names, read without running code."""
    if isinstance(node, ast.Name):
        return namespace.get(node.id)
    if isinstance(node, ast.Attribute):
        return _attribute(_resolve(node.value, namespace), "." + node.attr)
    return None


def _attribute(obj: Any, part: PathPart) -> Any:
    """A module's attribute at ``part`` (``.random``), read from its ``__dict__``."""
    if isinstance(obj, types.ModuleType) and isinstance(part, str) and part.startswith("."):
        return vars(obj).get(part[1:])
    if isinstance(obj, types.MethodType) or obj is None:
        return None
    # A generator's own method (``random._inst.seed``): bound, read without running code.
    if isinstance(part, str) and part.startswith(".") and global_generator(obj) is obj:
        return getattr(obj, part[1:], None)
    return None


def _harmless(statement: ast.stmt, namespace: Mapping[str, Any], name: str) -> bool:
    """A statement before the replacement that cannot take anything from the old value:
    an import, a function definition, a seed (`random.seed(0)` before `np.random.seed(0)`),
    or an assignment calling nothing and whose value does not read ``name``."""
    if isinstance(statement, ast.Import | ast.ImportFrom):
        return True
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        call = statement.value
        return _calls_nothing(call) and _seeded(call.func, namespace) is not None
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
        args = statement.args
        evaluated: list[ast.expr] = [*args.defaults, *(d for d in args.kw_defaults if d)]
        return not statement.decorator_list and not any(_calls_or_reads(d, name) for d in evaluated)
    if isinstance(statement, ast.Assign | ast.AnnAssign):
        return statement.value is None or (
            not _calls_or_reads(statement.value, name)
            and not any(isinstance(n, ast.Call) for n in ast.walk(statement))
        )
    return False


def _calls_or_reads(node: ast.AST, name: str) -> bool:
    return any(
        isinstance(n, ast.Call) or (isinstance(n, ast.Name) and n.id == name)
        for n in ast.walk(node)
    )


def _reads(node: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node))


def _is_name(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def stores_into(
    source: str,
    namespace: Mapping[str, Any],
    held: Any,
    functions: Iterable[tuple[str, int]] = (),
) -> frozenset[PathPart]:
    """The parts of ``held`` that ``source`` stores, each replacing what the part held,
    whatever it was: `o.a = v`, `d['k'] = v` (through any constant chain of names, module
    attributes and keys naming ``held``: `lm.d['k'] = v`, `d['k'] = v` after `d = lm.d`),
    and a dict's `update` with keywords, or with one dict display of constant keys
    (`lm.d.update(k=y)`, `d.update({'k': y})`): a store of each key. Not `d['k'] += 1`,
    which makes the new value from the old. (A store whose value reads the part itself,
    `d['k'] = d['k'] + 1`, counts: what reflow does not track, as for a module's own part.)
    ``functions``: the source of a cell and the line of a function it defines, that the
    cell calls: the stores of its body count too (through globals alone; a name the body
    binds is its own). Asked only of a cell that changed an imported module's part on top
    of a change a run-all makes after it (``Session._stacked_on_changes``)."""
    found = {part for target, part in _stores_of(source, 0) if _names(target, namespace, held)}
    for code, line in functions:
        found.update(
            part for target, part in _stores_of(code, line) if _names(target, namespace, held)
        )
    return frozenset(found)


def _names(target: ast.expr, namespace: Mapping[str, Any], held: Any) -> bool:
    return _resolve_constant(target, namespace) is held


@functools.lru_cache(maxsize=256)
def _stores_of(source: str, line: int) -> tuple[tuple[ast.expr, PathPart], ...]:
    """Each store ``stores_into`` counts, by its source alone: the expression naming the
    object stored into, and the part. ``line``: only in the body of the function defined
    there (0: anywhere), through names the body does not bind."""
    module = _parsed(source)
    if module is None:
        return ()
    tree: ast.AST = module
    local: set[str] = set()
    if line:
        function = next(
            (
                node
                for node in ast.walk(tree)
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                and line in (node.lineno, *(d.lineno for d in node.decorator_list))
            ),
            None,
        )
        if function is None:
            return ()
        tree = function
        declared = {
            n for node in ast.walk(function) if isinstance(node, ast.Global) for n in node.names
        }
        local = {
            node.id
            for node in ast.walk(function)
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load)
        } | {a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)}
        local -= declared
    found: list[tuple[ast.expr, PathPart]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Subscript):
                    key = constant_key(target.slice)
                    if key is not None:
                        found.append((target.value, key))
                elif isinstance(target, ast.Attribute):
                    found.append((target.value, "." + target.attr))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "update"
        ):
            keys = _updated_keys(node)
            found.extend((node.func.value, key) for key in keys or ())
    if local:
        found = [(target, part) for target, part in found if _root(target) not in local]
    return tuple(found)


def _root(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _updated_keys(call: ast.Call) -> list[PathPart] | None:
    """The keys `update(k=v)` or `update({'k': v})` stores (None: not told by its source)."""
    if call.args and (call.keywords or len(call.args) > 1):
        return None
    if any(k.arg is None for k in call.keywords):  # `update(**other)`
        return None
    if not call.args:
        return [repr(k.arg) for k in call.keywords if k.arg is not None]
    display = call.args[0]
    if not isinstance(display, ast.Dict):
        return None
    keys = []
    for node in display.keys:
        key = None if node is None else constant_key(node)
        if key is None:
            return None
        keys.append(key)
    return keys


def _resolve_constant(node: ast.expr, namespace: Mapping[str, Any]) -> Any:
    """The object a chain of names, module attributes, plain dict and list items and plain
    instance attributes names, read without running code (else None)."""
    if isinstance(node, ast.Name):
        return namespace.get(node.id)
    if isinstance(node, ast.Attribute):
        obj = _resolve_constant(node.value, namespace)
        if isinstance(obj, types.ModuleType):
            return vars(obj).get(node.attr)
        state = getattr(obj, "__dict__", None) if obj is not None else None
        return state.get(node.attr) if type(state) is dict else None
    if isinstance(node, ast.Subscript):
        obj = _resolve_constant(node.value, namespace)
        key = constant_key(node.slice)
        if key is None or type(obj) not in (dict, list):
            return None
        try:
            return obj[ast.literal_eval(key) if isinstance(key, str) else key]
        except (LookupError, TypeError, ValueError):
            return None
    return None


_CHANGERS = frozenset(
    {"append", "extend", "insert", "update", "clear", "sort", "reverse", "add", "discard"}
)
"""Methods that change their receiver and give back nothing of it (None)."""


@functools.lru_cache(maxsize=1024)
def only_changes(source: str, names: tuple[str, ...]) -> bool:
    """Whether ``source`` uses ``names`` (those bound to one module: `m`, and `m2` of
    `import m as m2`; or an object taken from one: `from m import lst`), and only to change
    them or what their attributes hold, never to read what they hold: stores or deletes
    (`m.d['k'] = 1`, `m.o.x = 1`, `del m.d['k']`, `m.x = 1`), calls of methods that change
    their receiver, their result unused (`m.lst.append(1)`, `m.d.update(k=1)`), or a
    binding of a name to one, that name used no further (`d = m.d`). What a cell below
    changed there reaches no output of such a cell (``StatusBoard._stored_below``); where
    it changes on top of it, its readers are told (``Session._stacked_on_changes``). Not
    `m.d['k'] += 1`, nor `x = m.d.pop('k')`, nor `f(m)`."""
    tree = _parsed(source)
    if tree is None:
        return False
    parents: dict[ast.AST, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    found = False
    for node in ast.walk(tree):
        if not isinstance(node, ast.Name) or node.id not in names:
            continue
        found = True
        attribute = parents.get(node)
        if _changed_here(node, attribute, parents):
            continue  # `m.x = 1`, `del m.x`, `lst.append(1)` after `from m import lst`
        if not isinstance(attribute, ast.Attribute):
            return False  # (used whole: `f(m)`, `vars(m)`)
        if _changed_here(attribute, parents.get(attribute), parents):
            continue
        if not _bound_only(attribute, parents.get(attribute), tree):
            return False  # (what a part holds read: `m.d.get('k')`, `len(m.lst)`)
    return found


def _bound_only(node: ast.expr, outer: ast.AST | None, tree: ast.AST) -> bool:
    """Whether ``outer`` binds names to what ``node`` gives and nothing else of the code
    uses them (`d = m.d`, alone): the object, whatever it holds, as a run-all's binding."""
    if not isinstance(outer, ast.Assign) or outer.value is not node:
        return False
    if not all(isinstance(target, ast.Name) for target in outer.targets):
        return False
    bound = {target.id for target in outer.targets if isinstance(target, ast.Name)}
    return not any(
        isinstance(other, ast.Name) and other.id in bound and isinstance(other.ctx, ast.Load)
        for other in ast.walk(tree)
    )


def _changed_here(node: ast.expr, outer: ast.AST | None, parents: dict[ast.AST, ast.AST]) -> bool:
    """Whether ``outer`` (``node``'s parent) only changes what ``node`` gives: a store or a
    delete into it (`m.d['k'] = 1`, `m.o.x = 1`, `del m.d['k']`), or a call of a method
    changing it whose result goes unused (`m.lst.append(1)`)."""
    if not isinstance(outer, ast.Subscript | ast.Attribute) or outer.value is not node:
        return False
    if not isinstance(outer.ctx, ast.Load):
        return not isinstance(parents.get(outer), ast.AugAssign)  # (`m.x += 1` reads)
    call = parents.get(outer)
    return (
        isinstance(outer, ast.Attribute)
        and outer.attr in _CHANGERS
        and isinstance(call, ast.Call)
        and call.func is outer
        and isinstance(parents.get(call), ast.Expr)
    )


def stores_first(
    source: str,
    mutations: Iterable[Mutation],
    name: str,
    paths: frozenset[tuple[PathPart, ...]],
) -> bool:
    """Whether ``source`` (whose ``mutations`` its analysis tells) stores each of ``paths``
    of the module ``name`` before reading it, whatever the part held (``replaces``: a
    top-level store whose value does not read the name, after statements that read nothing
    of it): what the parts held before the run never reaches it. Parsed only for a cell
    that stores into a part it reads (``_replaced_first``, cached)."""
    stored = {
        m.path for m in mutations if m.name == name and len(m.path) == 1 and m.kind in _PART_STORES
    }
    if not paths or not all(path[:1] in stored for path in paths):
        return False
    return all(_replaced_first(source, name, path[:1]) for path in paths)


_PART_STORES = (MutationKind.ATTR_STORE, MutationKind.ITEM_STORE)


@functools.lru_cache(maxsize=256)
def _replaced_first(source: str, name: str, part: tuple[PathPart, ...]) -> bool:
    """``replaces`` of a store into a module's part, by its source alone (no seed counts as
    harmless before it: none is asked about here), for ``stores_first``."""
    return replaces(source, {}, name, part, store_only=True)
