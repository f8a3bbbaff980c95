"""Which names may link cells at all.

A name links two cells only if it is a user variable: IPython's bookkeeping
names never do (docs/semantics.md), and builtins do only when a cell shadows
them, which the graph decides from its writers index, not here.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable

BUILTIN_NAMES: frozenset[str] = frozenset(dir(builtins))

IPYTHON_NAMES: frozenset[str] = frozenset(
    {
        "_",
        "__",
        "___",
        "_i",
        "_ii",
        "_iii",
        "_oh",
        "_ih",
        "_dh",
        "In",
        "Out",
        "get_ipython",
        "exit",
        "quit",
    }
)
_IPYTHON_NUMBERED = re.compile(r"_i?\d+")


def is_ipython_name(name: str) -> bool:
    """True for names IPython itself binds (``_3``, ``_i3``, ``Out``...)."""
    return name in IPYTHON_NAMES or _IPYTHON_NUMBERED.fullmatch(name) is not None


HOST_NAMES: frozenset[str] = frozenset(
    {
        "__builtins__",
        "__builtin__",
        "__name__",
        "__doc__",
        "__loader__",
        "__spec__",
        "__package__",
        "__file__",
        "__cached__",
        "__annotations__",
        "__warningregistry__",
        "__session__",
    }
)
"""Module attributes the interpreter or the host sets or keeps itself (an annotated
assignment at cell level adds to ``__annotations__``, a warning to
``__warningregistry__``): no cell defines them for another,
so they never link cells. Every other dunder (``__version__``, ``__all__``) is a global
like any other."""


def is_host_name(name: str) -> bool:
    """True for the module attributes the interpreter or host keeps (``HOST_NAMES``)."""
    return name in HOST_NAMES


def is_private(name: str) -> bool:
    """Cell-private in any_order, as marimo has it: exactly one leading underscore
    (``_tmp``), or ``__`` itself; ``__x`` and dunders are ordinary globals."""
    return name == "__" or (name.startswith("_") and not name.startswith("__"))


class _Linking(dict[str, bool]):
    """The answers of ``links_cells`` so far: asked of every name a cell writes after every
    run, and of every global after a change in place (``runtime.changes``). A dict's own
    lookup answers a name met before at C speed, as ``functools.lru_cache`` did, without
    the list node per name that cache keeps (twice the memory of the entry, on every
    name a long session binds, ``_i<n>`` included). Emptied when it outgrows the limit
    instead of evicting one by one: answers are cheap to find again."""

    LIMIT = 1 << 16

    def __missing__(self, name: str) -> bool:
        if len(self) >= self.LIMIT:
            self.clear()
        linking = self[name] = not is_ipython_name(name) and name not in HOST_NAMES
        return linking


links_cells: Callable[[str], bool] = _Linking().__getitem__
"""Whether a name may create an edge in in_order; any_order also drops private names."""
