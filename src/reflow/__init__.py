"""reflow: a reactive, dataflow-aware Python notebook.

What the screen shows is what a fresh "restart and run all" computes:
reflow knows what every cell reads and writes and re-runs only what must.
"""

from reflow.api import code, defs, deps, mutate, refs, timestamp, users
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
    "code",
    "defs",
    "deps",
    "mutate",
    "persistent_cache",
    "refs",
    "timestamp",
    "users",
]
__version__ = "0.1.0"
