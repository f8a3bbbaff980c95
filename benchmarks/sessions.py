"""One notebook session per system, behind one small interface, so every workload runs on each.

A session is what a user sits in front of: ``run(cell_id, code)`` is pressing
shift-enter on a cell (adding it if new, editing it if its code changed), and
returns how many cells ran because of it (1, or more where the system is
reactive). ``rss()`` is the memory of the process that holds the user's values.

- ``plain``: ``exec`` into a dict; the floor. Its "reactive" run is what a user
  does by hand: re-run the edited cell and every cell below it.
- ``reflow``: ``reflow.Notebook`` in reactive mode, in this process.
- ``marimo``: marimo's own ``Kernel`` (``marimo._runtime``), built by
  ``kernel_lifecycle.create_kernel`` in edit mode with marimo's default hooks,
  in this process, its messages written to a ``NoopStream`` instead of a
  websocket. ``Kernel.run`` registers or re-registers the cell and runs it and
  its descendants, as the editor's "run" does.
- kernels (``ipykernel``, ``ipyflow``, ``reflow`` kernel): see ``kernels.py``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol


class Session(Protocol):
    def run(self, cell_id: str, code: str) -> int: ...
    def value(self, name: str) -> Any: ...
    def rss(self) -> int: ...
    def close(self) -> None: ...


def rss_of(pid: int) -> int:
    """Resident set size of a process in bytes, from ``/proc`` (Linux)."""
    resident_pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE")


def own_rss() -> int:
    return rss_of(os.getpid())


class PlainSession:
    """Plain ``exec``: one dict, cells in the order first run; no tracking of any kind."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {}
        self.cells: dict[str, str] = {}

    def run(self, cell_id: str, code: str) -> int:
        edited = cell_id in self.cells and self.cells[cell_id] != code
        self.cells[cell_id] = code
        if not edited:
            exec(compile(code, "<cell>", "exec"), self.namespace)
            return 1
        order = list(self.cells)
        below = order[order.index(cell_id) :]
        for cid in below:  # "run this cell and all below", by hand
            exec(compile(self.cells[cid], "<cell>", "exec"), self.namespace)
        return len(below)

    def value(self, name: str) -> Any:
        return self.namespace[name]

    def rss(self) -> int:
        return own_rss()

    def close(self) -> None:
        self.namespace.clear()


class ReflowSession:
    """``reflow.Notebook`` (reactive, in order), the library front door."""

    def __init__(self) -> None:
        from reflow import Notebook

        self.nb = Notebook()
        self.cells: set[str] = set()

    def run(self, cell_id: str, code: str) -> int:
        if cell_id in self.cells:
            self.nb.edit(cell_id, code)
        else:
            self.nb.add(code, id=cell_id)
            self.cells.add(cell_id)
        result = self.nb.run(cell_id)
        if result.errors:
            raise RuntimeError(f"reflow: {result.errors}")
        return len(result.ran)

    def value(self, name: str) -> Any:
        return self.nb[name]

    def rss(self) -> int:
        return own_rss()

    def close(self) -> None:
        self.nb.close()


class MarimoSession:
    """marimo's runtime ``Kernel``, driven with ``ExecuteCellCommand`` as its editor drives it."""

    def __init__(self) -> None:
        import asyncio
        import copy
        import queue

        from marimo._ast.app_config import _AppConfig
        from marimo._config.config import DEFAULT_CONFIG
        from marimo._messaging.types import KernelStreams, NoopStream
        from marimo._runtime.commands import AppMetadata
        from marimo._runtime.kernel_lifecycle import KernelArgs, create_kernel
        from marimo._session.model import SessionMode

        args = KernelArgs(
            streams=KernelStreams(stream=NoopStream(), stdout=None, stderr=None, stdin=None),
            debugger=None,
            configs={},
            app_metadata=AppMetadata({}, {}, filename=None, app_config=_AppConfig()),
            user_config=copy.deepcopy(DEFAULT_CONFIG),
            mode=SessionMode.EDIT,
            control_queue=queue.Queue(),
            set_ui_element_queue=queue.Queue(),
            virtual_file_storage=None,
        )
        self.kernel, self.ctx = create_kernel(args)
        self.loop = asyncio.new_event_loop()
        self.ran = 0
        self.failures: list[str] = []

        def count(cell: Any, ctx: Any, result: Any) -> None:
            self.ran += 1
            if result.exception is not None:  # a hook must not raise: the runner would eat it
                self.failures.append(f"{cell.cell_id}: {result.exception!r}")

        self.kernel._hooks.add_post_execution(count)

    def run(self, cell_id: str, code: str) -> int:
        from marimo._runtime.commands import ExecuteCellCommand

        before = self.ran
        command = ExecuteCellCommand(cell_id=cell_id, code=code, request=None)  # type: ignore[arg-type]
        self.loop.run_until_complete(self.kernel.run([command]))
        if self.kernel.errors or self.failures:
            raise RuntimeError(f"marimo: {self.kernel.errors or self.failures}")
        return self.ran - before

    def value(self, name: str) -> Any:
        return self.kernel.globals[name]

    def rss(self) -> int:
        return own_rss()

    def close(self) -> None:
        from marimo._runtime.kernel_lifecycle import teardown_kernel

        teardown_kernel(self.kernel, self.ctx)
        self.loop.close()


class KernelSession:
    """A Jupyter kernel by kernelspec name, driven as a notebook frontend drives it.

    ``frontend``: ``"none"`` (plain Jupyter: the user re-runs cells below an edit
    by hand), ``"ipyflow"`` (IPyflow's lab extension played over its comm), or
    ``"in-kernel"`` (a kernel that re-runs dependents itself within the execute
    request, as reflow's kernel does).
    """

    def __init__(self, kernel_name: str, frontend: str = "none") -> None:
        from kernels import IpyflowFrontend, Kernel

        self.kernel = Kernel(kernel_name)
        self.frontend = frontend
        self.cells: dict[str, str] = {}
        self.flow = IpyflowFrontend(self.kernel) if frontend == "ipyflow" else None

    def run(self, cell_id: str, code: str) -> int:
        if self.flow is not None:
            return len(self.flow.run(cell_id, code))
        edited = cell_id in self.cells and self.cells[cell_id] != code
        self.cells[cell_id] = code
        if not edited or self.frontend == "in-kernel":
            self.kernel.execute(code, cell_id=cell_id)
            if self.frontend != "in-kernel":
                return 1
            # The kernel re-ran cells within the request; the executed cell's output ends
            # with a line naming them ("reflow: re-ran: In [3] `...`, In [4] `...`").
            return 1 + sum(
                len(re.findall(r"In \[\d+\] `", line))
                for m in self.kernel.last_messages
                if m["msg_type"] == "display_data"
                for line in str(m["content"]["data"].get("text/plain", "")).splitlines()
                if line.startswith(("reflow: re-ran: ", "reflow: ran first (upstream): "))
            )
        order = list(self.cells)
        below = order[order.index(cell_id) :]
        for cid in below:
            self.kernel.execute(self.cells[cid], cell_id=cid)
        return len(below)

    def value(self, name: str) -> Any:
        import ast

        return ast.literal_eval(self.kernel.evaluate(name))

    def rss(self) -> int:
        return self.kernel.rss()

    def close(self) -> None:
        self.kernel.close()


IN_PROCESS: dict[str, Callable[[], Session]] = {
    "plain": PlainSession,
    "reflow": ReflowSession,
    "marimo": MarimoSession,
}
