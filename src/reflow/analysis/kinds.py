"""What a binding's syntax says about the value it binds (``BindingKind``).

Two questions the graph asks of a call it cannot see into, answered from the
source alone and erring towards "it may change":

- can the value change in place at all? Only a literal built from literals
  (``5``, ``"a"``, ``(1, 2.5)``, ``-1``, ``2 ** 10``) is sure not to: the
  builtin operators on numbers, strings, bytes and tuples make new immutable
  values, never a mutable one;
- may calling a class change the class? Only when its own code may: a
  class-level value that is not a literal (``registry = []``, which methods
  change through ``self``), a method that reaches the class object other than
  by its global name (``cls``, ``type(self)``, ``self.__class__``, ``vars``,
  ``setattr``, ``super()``), bases or a metaclass whose code is not in sight,
  or a body doing anything but binding methods and literals. A store through
  the class's global name (``Foo.n += 1``) is in the class's summary already.
"""

from __future__ import annotations

import ast

from reflow.analysis.purity import PURE_FUNCTIONS

_CONSTANT_VALUES = (int, float, complex, str, bytes, bool, type(None), type(Ellipsis))

_IDENTITY_DECORATORS = frozenset({"dataclass", "total_ordering"})
"""Class decorators that return the class they are given (``dataclasses.dataclass``,
``functools.total_ordering``), with or without arguments: the name is still bound to
the class its statement defines."""

_REACHES_THE_CLASS = frozenset(
    {"type", "__class__", "vars", "setattr", "delattr", "super", "__dict__", "globals"}
)
"""Names and attributes through which a method may reach its class object."""

_CLASS_LEVEL_METHODS = frozenset({"__new__", "__init_subclass__", "__class_getitem__"})


def cannot_change_in_place(node: ast.expr) -> bool:
    """Whether every value ``node`` can evaluate to is immutable, by its syntax alone."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, _CONSTANT_VALUES)
    if isinstance(node, ast.Tuple):
        return all(cannot_change_in_place(element) for element in node.elts)
    if isinstance(node, ast.UnaryOp):
        return cannot_change_in_place(node.operand)
    if isinstance(node, ast.BinOp):
        return cannot_change_in_place(node.left) and cannot_change_in_place(node.right)
    if isinstance(node, ast.BoolOp):
        return all(cannot_change_in_place(value) for value in node.values)
    if isinstance(node, ast.IfExp):
        return cannot_change_in_place(node.body) and cannot_change_in_place(node.orelse)
    if isinstance(node, ast.JoinedStr):
        # Joined with a literal part, an f-string is an exact str (one bare `{x}` is
        # whatever `format(x)` returns, which may be a str subclass).
        return any(isinstance(value, ast.Constant) for value in node.values)
    return False


def returns_the_class(decorators: list[ast.expr]) -> bool:
    """Whether a class statement's decorators leave its name bound to the class it defines."""
    return all(_decorator_name(decorator) in _IDENTITY_DECORATORS for decorator in decorators)


def _decorator_name(decorator: ast.expr) -> str | None:
    """``dataclass`` for ``@dataclass``, ``@dataclasses.dataclass`` and ``@dataclass(...)``."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    if isinstance(target, ast.Attribute):
        return target.attr
    return target.id if isinstance(target, ast.Name) else None


def class_may_change_itself(node: ast.ClassDef) -> bool:
    """Whether creating an instance (or calling a method) may change the class's own state."""
    if node.bases or node.keywords:
        return True  # code reflow does not see (a base's __init__, a metaclass) runs
    dataclass = any(_decorator_name(decorator) == "dataclass" for decorator in node.decorator_list)
    for statement in node.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            if statement.name in _CLASS_LEVEL_METHODS or _is_classmethod(statement):
                return True
            if _reaches_the_class(statement):
                return True
        elif isinstance(statement, ast.Assign):
            if not cannot_change_in_place(statement.value):
                return True
        elif isinstance(statement, ast.AnnAssign):
            value = statement.value
            if value is not None and not (
                cannot_change_in_place(value) or (dataclass and _is_field(value))
            ):
                return True
        elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue  # a docstring
        elif not isinstance(statement, ast.Pass):
            return True  # a nested class, a loop, an import: state of any kind
    return False


MADE_THROUGH = frozenset(
    {"__new__", "__init__", "__setattr__", "__getattribute__", "__getattr__", "__set_name__"}
)
"""Attributes of a class that ``type.__call__`` may look up while it makes an instance."""


DYNAMIC_ACCESS = _REACHES_THE_CLASS | frozenset(
    {"getattr", "hasattr", "dir", "eval", "exec", "locals", "object", "__getattribute__"}
)
"""Names and attributes through which code may read any attribute of an object."""


def construction_reads(node: ast.ClassDef) -> frozenset[str] | None:
    """The attributes of the class that calling it (making an instance) may read, or
    ``None`` when that cannot be bounded by the class's own code.

    Only the class's code runs (``__new__``, ``__init__`` and what they call on the
    instance): every attribute name its methods spell (``self.a``, ``cls.b``) is a read,
    whichever method spells it. A base's or metaclass's code, a decorator (``dataclass``
    bakes defaults into ``__init__``), dynamic access (``getattr``, ``vars``, ``super``)
    and an instance handed to other code may read anything: ``None``. A store into an
    attribute no code of the class spells (``Foo.a = 6`` when only ``b`` is set up)
    changes nothing a call of the class gives.
    """
    if node.bases or node.keywords or node.decorator_list:
        return None
    found = set(MADE_THROUGH)
    for statement in node.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            parameters = statement.args.posonlyargs + statement.args.args
            instance = parameters[0].arg if parameters else None
            # The instance used otherwise than for an attribute (`s = self`, `f(self)`,
            # `return self`) may reach code that reads any attribute.
            through_attribute = {
                id(inner.value) for inner in ast.walk(statement) if isinstance(inner, ast.Attribute)
            }
            for inner in ast.walk(statement):
                if isinstance(inner, ast.Name):
                    if inner.id in DYNAMIC_ACCESS:
                        return None
                    if inner.id == instance and id(inner) not in through_attribute:
                        return None
                if isinstance(inner, ast.Attribute):
                    if inner.attr in DYNAMIC_ACCESS:
                        return None
                    found.add(inner.attr)
        elif isinstance(statement, ast.ClassDef):
            return None
    return frozenset(found)


def _is_classmethod(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(
        isinstance(decorator, ast.Name) and decorator.id == "classmethod"
        for decorator in function.decorator_list
    )


def _reaches_the_class(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether a method may reach its class object: by a name or attribute that leads to
    it, or by handing its instance to code reflow does not see (``helper(self)`` may do
    ``type(o).n += 1``)."""
    parameters = function.args.posonlyargs + function.args.args
    instance = parameters[0].arg if parameters else None
    for inner in ast.walk(function):
        if isinstance(inner, ast.Name) and inner.id in _REACHES_THE_CLASS:
            return True
        if isinstance(inner, ast.Attribute) and inner.attr in _REACHES_THE_CLASS:
            return True
        if isinstance(inner, ast.Call) and instance is not None and _hands_over(inner, instance):
            return True
    return False


def _hands_over(call: ast.Call, instance: str) -> bool:
    """Whether a call not known to leave its arguments alone is given ``instance`` itself."""
    if isinstance(call.func, ast.Name) and call.func.id in PURE_FUNCTIONS:
        return False
    arguments = [*call.args, *(keyword.value for keyword in call.keywords)]
    for argument in arguments:
        if isinstance(argument, ast.Starred):
            argument = argument.value
        if isinstance(argument, ast.Name) and argument.id == instance:
            return True
    return False


def _is_field(value: ast.expr) -> bool:
    """``dataclasses.field(...)``: the decorator replaces it (a mutable default is refused)."""
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    return (isinstance(func, ast.Name) and func.id == "field") or (
        isinstance(func, ast.Attribute) and func.attr == "field"
    )
