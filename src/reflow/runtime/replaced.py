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
import sys
import types
from collections.abc import Mapping
from typing import Any

from reflow.analysis.effects import PathPart
from reflow.analysis.paths import constant_key
from reflow.runtime.fingerprint import global_generator


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
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return False
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
