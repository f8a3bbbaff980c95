"""``%load_ext reflow``: attach reflow to a running IPython shell.

The same attachment the reflow kernel makes at start: a Flow on the shell's
``run_cell``, the ``%flow`` and ``%%memoize`` magics, and the ``reflow`` comm
target when the shell lives in a kernel. Defaults come from ``c.ReflowKernel.mode``,
``c.ReflowKernel.direction`` and ``c.ReflowKernel.cache`` in the IPython config when
they are set.
"""

from __future__ import annotations

import weakref
from typing import Any

from reflow.kernel.comm import CommHub
from reflow.kernel.flow import Flow
from reflow.kernel.magics import FlowMagics, register_cell_magic
from reflow.kernel.widgets import WidgetInputs

_ATTACHED: weakref.WeakKeyDictionary[Any, Flow] = weakref.WeakKeyDictionary()


def attach(
    shell: Any, mode: str | None = None, direction: str | None = None, cache: str | None = None
) -> Flow:
    """The shell's Flow, created and installed on first use."""
    flow = _ATTACHED.get(shell)
    if flow is not None:
        return flow
    config = shell.config.get("ReflowKernel", {})
    flow = Flow(
        shell,
        mode=mode or str(config.get("mode", "reactive")),
        direction=direction or str(config.get("direction", "in_order")),
        cache=cache or str(config.get("cache", "off")),
    )
    flow.install()
    shell.register_magics(FlowMagics(shell, flow))
    _add_memoize(shell)
    WidgetInputs(flow)
    if getattr(shell, "kernel", None) is not None:
        import comm

        CommHub(flow).register(comm.get_comm_manager())
    _ATTACHED[shell] = flow
    return flow


def _add_memoize(shell: Any) -> None:
    """``%%memoize`` and cached blocks (``reflow.cache``), the body linking the cell.

    The magic memoizes by itself, over the shell's namespace; the Notebook sees
    the body only, so it does not memoize the same cell a second time.
    """
    from reflow.cache.ipython import memoize_magic, register

    register(shell)  # the magic and the cached-block transformer
    register_cell_magic(shell, "memoize", memoize_magic(shell))


def flow_of(shell: Any) -> Flow | None:
    return _ATTACHED.get(shell)


def load_ipython_extension(shell: Any) -> None:
    attach(shell)


def unload_ipython_extension(shell: Any) -> None:
    flow = _ATTACHED.pop(shell, None)
    if flow is not None:
        flow.uninstall()
