"""``ReflowKernel``: ipykernel's IPython kernel with reflow attached to its shell.

Everything ipykernel does stays ipykernel's (completion, inspection, history,
comms, widgets, stdin, interrupts, the debugger's plumbing); reflow only
decides which cells an execution runs and where their output goes (flow.py).
"""

from __future__ import annotations

from typing import Any

from ipykernel.ipkernel import IPythonKernel
from traitlets import Enum

from reflow import __version__
from reflow.kernel.extension import attach


class ReflowKernel(IPythonKernel):  # type: ignore[misc]
    implementation = "reflow"
    implementation_version = __version__
    banner = "reflow: a reactive Python kernel (Python 3, IPython). %flow for settings."

    mode = Enum(
        ["reactive", "lazy"],
        default_value="reactive",
        config=True,
        help="What running a cell does to the cells that read what it changed: "
        "reactive re-runs them, lazy marks them stale.",
    )
    direction = Enum(
        ["in_order", "any_order"],
        default_value="in_order",
        config=True,
        help="in_order: a cell reads the cells above it (Jupyter); "
        "any_order: any cell, one definer per name (marimo).",
    )

    cache = Enum(
        ["off", "memory", "disk"],
        default_value="off",
        config=True,
        help="Memoize every cell of plain Python: off (only %%memoize cells), memory "
        "(this kernel), disk (also in .reflow/cache of the directory the kernel started "
        "in, so that a new kernel restores what an earlier one computed).",
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.flow = attach(self.shell, mode=self.mode, direction=self.direction, cache=self.cache)
