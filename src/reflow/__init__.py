"""reflow: a reactive, dataflow-aware Python notebook.

What the screen shows is what a fresh "restart and run all" computes:
reflow knows what every cell reads and writes and re-runs only what must.
"""

from reflow.api import (
    cells,
    code,
    defs,
    deps,
    lift,
    mutate,
    refs,
    reproduce_cell,
    timestamp,
    users,
)
from reflow.cache.decorators import cache, persistent_cache
from reflow.notebook import Cell, Notebook
from reflow.runtime.errors import CellError, UnknownCellError
from reflow.runtime.fingerprint import Budget
from reflow.runtime.scheduler import Run

__all__ = [
    "Budget",
    "Cell",
    "CellError",
    "Notebook",
    "Run",
    "UnknownCellError",
    "cache",
    "cells",
    "code",
    "defs",
    "deps",
    "lift",
    "mutate",
    "persistent_cache",
    "refs",
    "reproduce_cell",
    "timestamp",
    "users",
]
__version__ = "0.1.0"


def load_ipython_extension(ipython: object) -> None:
    """``%load_ext reflow``: make a plain IPython or ipykernel session reactive."""
    from reflow.kernel.extension import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: object) -> None:
    from reflow.kernel.extension import unload_ipython_extension as unload

    unload(ipython)
