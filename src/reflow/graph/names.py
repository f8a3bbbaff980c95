"""Which names may link cells at all.

A name links two cells only if it is a user variable: IPython's bookkeeping
names never do (SPEC section 4), and builtins do only when a cell shadows
them, which the graph decides from its writers index, not here.
"""

from __future__ import annotations

import builtins
import functools
import re

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


def is_dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


def is_private(name: str) -> bool:
    """Cell-private in any_order (marimo's rule): ``_tmp``, ``__x`` and ``__``, not dunders."""
    return name.startswith("_") and not is_dunder(name)


@functools.lru_cache(maxsize=1 << 16)
def links_cells(name: str) -> bool:
    """Whether a name may create an edge in in_order; any_order also drops private names.

    Cached: asked of every name a cell writes, after every run."""
    return not is_ipython_name(name) and not is_dunder(name)
