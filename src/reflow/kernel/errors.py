"""reflow's own errors as exceptions, so IPython reports them like any other.

A cell that reflow refuses (a name defined twice in any_order, a cycle) or
cancels (a cell it depends on failed) never runs, yet the frontend expects an
``error`` reply naming an exception class: these are those classes.
"""

from __future__ import annotations


class ReflowError(Exception):
    """Base of the errors reflow reports for a cell that did not run."""


_CLASSES: dict[str, type[ReflowError]] = {}


def as_exception(kind: str, message: str) -> BaseException:
    """An exception whose class is named ``kind`` (``MultipleDefinitionError``...)."""
    if kind == "KeyboardInterrupt":
        return KeyboardInterrupt(message)
    if not kind.isidentifier():
        kind = "ReflowError"
    cls = _CLASSES.get(kind)
    if cls is None:
        cls = ReflowError if kind == "ReflowError" else type(kind, (ReflowError,), {})
        cls.__module__ = "reflow"
        _CLASSES[kind] = cls
    return cls(message)
