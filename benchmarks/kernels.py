"""Jupyter kernels driven the way a notebook frontend drives them, through jupyter_client.

A kernel is named by its kernelspec (``python3`` is ipykernel, ``ipyflow``,
``reflow``), so adding a kernel to the comparison is one entry in
``peers.KERNELS``. A cell is done when its ``execute_reply`` has arrived and
the kernel has gone back to idle on IOPub: that is when a frontend shows the
cell as finished.

IPyflow's reactivity lives in its JupyterLab extension, not in the kernel: after
each execution the extension sends ``compute_exec_schedule`` over the
``ipyflow`` comm with every cell's id, index and source, reads
``new_ready_cells`` from the reply and executes the first of them, until none is
left, then sends ``reactivity_cleanup``. ``IpyflowFrontend`` plays that part
without a browser (the protocol as ipyflow's ``comm_manager.py`` and lab
extension implement it).
"""

from __future__ import annotations

import subprocess
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from jupyter_client.manager import KernelManager

TIMEOUT = 600.0


def available(kernel_name: str) -> bool:
    """Whether a kernelspec of that name is installed where jupyter_client looks."""
    try:
        KernelSpecManager().get_kernel_spec(kernel_name)
    except NoSuchKernel:
        return False
    return True


class KernelError(RuntimeError):
    """A cell raised in the kernel: a benchmark must not time a traceback."""


@dataclass
class Kernel:
    """One running kernel and a blocking client on it."""

    name: str
    manager: KernelManager = field(init=False)
    started: float = field(init=False)
    ready: float = field(init=False)

    def __post_init__(self) -> None:
        begin = time.perf_counter()
        self.manager = KernelManager(kernel_name=self.name)
        # The kernel's own stderr (ipykernel's TCP warning) would interleave with the report.
        self.manager.start_kernel(stderr=subprocess.DEVNULL)
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=TIMEOUT)
        self.ready = time.perf_counter() - begin
        self.started = begin
        self.last_messages: list[dict[str, Any]] = []  # IOPub of the last execute, to idle

    def execute(self, code: str, cell_id: str | None = None) -> dict[str, Any]:
        """Run ``code`` as a cell; returns the execute_reply content once the kernel is idle."""
        metadata = {"cellId": cell_id} if cell_id is not None else {}
        content = {
            "code": code,
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        }
        msg = self.client.session.msg("execute_request", content, metadata=metadata)
        self.client.shell_channel.send(msg)
        msg_id = msg["header"]["msg_id"]
        reply = self._shell_reply(msg_id)
        self.last_messages = self.wait_idle(msg_id)
        if reply["status"] != "ok":
            raise KernelError(f"{self.name}: {reply.get('ename')}: {reply.get('evalue')}")
        return reply

    def _shell_reply(self, msg_id: str) -> dict[str, Any]:
        while True:
            msg = self.client.get_shell_msg(timeout=TIMEOUT)
            if msg["parent_header"].get("msg_id") == msg_id:
                return dict(msg["content"])

    def wait_idle(self, msg_id: str) -> list[dict[str, Any]]:
        """IOPub messages for ``msg_id`` up to its idle status (comm messages included)."""
        seen = []
        while True:
            msg = self.client.get_iopub_msg(timeout=TIMEOUT)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            seen.append(msg)
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return seen

    def evaluate(self, expression: str) -> str:
        """The repr of an expression evaluated in the kernel (for checking results)."""
        content = {
            "code": "",
            "silent": True,
            "store_history": False,
            "user_expressions": {"r": expression},
            "allow_stdin": False,
        }
        msg = self.client.session.msg("execute_request", content)
        self.client.shell_channel.send(msg)
        reply = self._shell_reply(msg["header"]["msg_id"])
        self.wait_idle(msg["header"]["msg_id"])
        result = reply["user_expressions"]["r"]
        if result["status"] != "ok":
            raise KernelError(f"{self.name}: {result.get('ename')}: {result.get('evalue')}")
        return str(result["data"]["text/plain"])

    def rss(self) -> int:
        """Resident set size of the kernel process, in bytes."""
        from sessions import rss_of

        return rss_of(self.manager.provisioner.process.pid)  # type: ignore[union-attr]

    def close(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


def first_reply(name: str) -> tuple[float, float]:
    """Seconds from launching a kernel to its kernel_info reply, and to its first execute reply."""
    begin = time.perf_counter()
    kernel = Kernel(name)
    try:
        info = time.perf_counter() - begin
        kernel.execute("1")
        return info, time.perf_counter() - begin
    finally:
        kernel.close()


class IpyflowFrontend:
    """IPyflow's JupyterLab extension played over its comm: reactive runs without a browser."""

    def __init__(self, kernel: Kernel, exec_mode: str = "reactive") -> None:
        self.kernel = kernel
        self.comm_id = uuid.uuid4().hex
        self.cells: dict[str, str] = {}  # cell id -> source, in notebook order
        data = {"interface": "jupyterlab", "exec_mode": exec_mode}
        reply = self._send("comm_open", {"target_name": "ipyflow", "data": data})
        if reply.get("type") != "establish":
            raise KernelError(f"ipyflow comm did not establish: {reply}")

    def _send(self, msg_type: str, content: dict[str, Any]) -> dict[str, Any]:
        """Send a comm message; returns the data of the comm's reply to it."""
        client = self.kernel.client
        msg = client.session.msg(msg_type, {"comm_id": self.comm_id, **content})
        client.shell_channel.send(msg)
        replies = [
            m["content"]["data"]
            for m in self.kernel.wait_idle(msg["header"]["msg_id"])
            if m["msg_type"] == "comm_msg"
        ]
        return replies[-1] if replies else {}

    def metadata(self) -> dict[str, dict[str, Any]]:
        return {
            cid: {"index": i, "content": src, "type": "code"}
            for i, (cid, src) in enumerate(self.cells.items())
        }

    def schedule(self, executed: str, reactive: bool) -> dict[str, Any]:
        request = {
            "type": "compute_exec_schedule",
            "executed_cell_id": executed,
            "cell_metadata_by_id": self.metadata(),
            "is_reactively_executing": reactive,
            "allow_new_ready": True,
        }
        return self._send("comm_msg", {"data": request})

    def run(self, cell_id: str, source: str) -> list[str]:
        """Execute one cell as a user would, then each cell IPyflow makes ready; the ids run."""
        self.cells[cell_id] = source
        ran = [cell_id]
        executed = {cell_id}
        ready: set[str] = set()
        order = list(self.cells)
        self.kernel.execute(source, cell_id=cell_id)
        while True:
            reply = self.schedule(ran[-1], reactive=len(ran) > 1)
            if not reply.get("success", False):
                raise KernelError(f"ipyflow schedule failed: {reply}")
            ready |= set(reply.get("new_ready_cells", []))
            after = order[order.index(ran[-1]) + 1 :]
            pending = [c for c in after if c in ready and c not in executed]
            if not pending:
                break
            ran.append(pending[0])
            executed.add(pending[0])
            self.kernel.execute(self.cells[pending[0]], cell_id=pending[0])
        if len(ran) > 1:
            self._send("comm_msg", {"data": {"type": "reactivity_cleanup"}})
        return ran
