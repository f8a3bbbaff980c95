"""Drive a real kernel over ZeroMQ the way JupyterLab does: execute_requests with
``cellId`` metadata, iopub read until the kernel is idle, comm messages."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import KernelManager

TIMEOUT = 60
_IPYTHON_DIR = tempfile.mkdtemp(prefix="reflow-tests-ipython-")


def ipython_dir() -> str:
    """A history and profile of the tests' own, unless a test chose one: the user's
    history database is shared with every other IPython on the machine."""
    return os.environ.get("IPYTHONDIR") or _IPYTHON_DIR


@dataclass
class Executed:
    reply: dict[str, Any]
    messages: list[dict[str, Any]] = field(default_factory=list)  # iopub, this request's

    @property
    def status(self) -> str:
        return str(self.reply["status"])

    def of(self, *kinds: str) -> list[dict[str, Any]]:
        return [m["content"] for m in self.messages if m["msg_type"] in kinds]

    @property
    def stdout(self) -> str:
        return "".join(c["text"] for c in self.of("stream") if c["name"] == "stdout")

    def texts(self, kind: str = "display_data") -> list[str]:
        return [str(c["data"].get("text/plain", "")) for c in self.of(kind)]

    def updates(self) -> dict[str, dict[str, Any]]:
        """display id -> the last bundle an update_display_data sent it."""
        return {c["transient"]["display_id"]: c["data"] for c in self.of("update_display_data")}

    def slot(self) -> str | None:
        """The display id of this execution's slot (its result or an empty placeholder)."""
        ids = [
            c["transient"]["display_id"]
            for c in self.of("display_data")
            if c.get("transient", {}).get("display_id", "").startswith("reflow-")
        ]
        return ids[-1] if ids else None

    def summary(self) -> str:
        return "\n".join(t for t in self.texts() if t.startswith("reflow: "))


class Kernel:
    def __init__(self, manager: KernelManager, client: BlockingKernelClient) -> None:
        self.manager = manager
        self.client = client

    def execute(
        self,
        code: str,
        cell: str | None = None,
        *,
        allow_stdin: bool = False,
        stdin: list[str] | None = None,
        silent: bool = False,
        interrupt_after: str | None = None,
        on_stream: Callable[[str], None] | None = None,
    ) -> Executed:
        """Run ``code`` as cell ``cell`` (None: no cellId, as a console sends).
        ``on_stream`` is handed each text the cell prints, while it runs."""
        content = {
            "code": code,
            "silent": silent,
            "store_history": not silent,
            "user_expressions": {},
            "allow_stdin": allow_stdin,
            "stop_on_error": True,
        }
        metadata = {"cellId": cell} if cell is not None else {}
        msg = self.client.session.msg("execute_request", content, metadata=metadata)
        self.client.shell_channel.send(msg)
        msg_id = msg["header"]["msg_id"]
        answers = list(stdin or [])
        messages = []
        while True:
            if answers:
                try:
                    request = self.client.get_stdin_msg(timeout=0.05)
                except Exception:
                    request = None
                if request is not None and request["msg_type"] == "input_request":
                    self.client.input(answers.pop(0))
            message = self.client.get_iopub_msg(timeout=TIMEOUT)
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            kind = message["msg_type"]
            if kind == "status":
                if message["content"]["execution_state"] == "idle":
                    break
                continue
            if kind == "execute_input":
                continue
            messages.append(message)
            if on_stream is not None and kind == "stream":
                on_stream(message["content"]["text"])
            if (
                interrupt_after is not None
                and kind == "stream"
                and interrupt_after in message["content"]["text"]
            ):
                self.manager.interrupt_kernel()
                interrupt_after = None
        reply = self._reply(msg_id)
        return Executed(reply["content"], messages)

    def _reply(self, msg_id: str) -> dict[str, Any]:
        while True:
            reply = self.client.get_shell_msg(timeout=TIMEOUT)
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply

    def cell(self, code: str, **kwargs: Any) -> tuple[str, Executed]:
        """A new notebook cell with a fresh id, executed once."""
        cell_id = uuid.uuid4().hex[:12]
        return cell_id, self.execute(code, cell_id, **kwargs)

    def value(self, expression: str) -> str:
        """``repr`` of an expression, asked silently (the way tools do, untracked)."""
        reply = self.client.execute_interactive(
            "", user_expressions={"v": expression}, silent=True, timeout=TIMEOUT
        )
        found = reply["content"]["user_expressions"]["v"]
        assert found["status"] == "ok", found
        return str(found["data"]["text/plain"])


class Comm:
    """A frontend's end of the ``reflow`` comm."""

    def __init__(self, kernel: Kernel, data: dict[str, Any]) -> None:
        self.kernel = kernel
        self.id = uuid.uuid4().hex
        self._open = self._send(
            "comm_open", {"comm_id": self.id, "target_name": "reflow", "data": data}
        )

    def _send(self, kind: str, content: dict[str, Any]) -> str:
        msg = self.kernel.client.session.msg(kind, content)
        self.kernel.client.shell_channel.send(msg)
        return str(msg["header"]["msg_id"])

    def send(self, data: dict[str, Any]) -> list[dict[str, Any]]:
        """Send one message; the kernel's replies to it (comm_msg data, in order)."""
        msg_id = self._send("comm_msg", {"comm_id": self.id, "data": data})
        return self.collect(msg_id)

    def collect(self, msg_id: str | None = None) -> list[dict[str, Any]]:
        """comm_msg data sent on this comm, until the kernel is idle for ``msg_id``."""
        found = []
        while True:
            message = self.kernel.client.get_iopub_msg(timeout=TIMEOUT)
            if message["msg_type"] == "comm_msg" and message["content"]["comm_id"] == self.id:
                found.append(message["content"]["data"])
            elif (
                message["msg_type"] == "status"
                and message["content"]["execution_state"] == "idle"
                and (msg_id is None or message["parent_header"].get("msg_id") == msg_id)
            ):
                return found

    def heard(self, executed: Executed) -> list[dict[str, Any]]:
        """What the kernel sent on this comm while it ran an execute_request."""
        return [
            m["content"]["data"]
            for m in executed.messages
            if m["msg_type"] == "comm_msg" and m["content"]["comm_id"] == self.id
        ]

    def opened(self) -> list[dict[str, Any]]:
        """What the kernel answered to the comm_open's data."""
        return self.collect(self._open)

    def close(self) -> None:
        msg_id = self._send("comm_close", {"comm_id": self.id, "data": {}})
        self.collect(msg_id)


@contextmanager
def running_kernel(
    name: str = "reflow", cwd: str | None = None, arguments: list[str] | None = None
) -> Iterator[Kernel]:
    """A started kernel; ``cwd``: its working directory (Jupyter starts it in the notebook's);
    ``arguments``: added to its command line (``--ReflowKernel.cache=disk``)."""
    manager = KernelManager(kernel_name=name)
    options: dict[str, Any] = {} if cwd is None else {"cwd": cwd}
    manager.start_kernel(
        env={**os.environ, "IPYTHONDIR": ipython_dir()},
        extra_arguments=list(arguments or []),
        **options,
    )
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=TIMEOUT)
        yield Kernel(manager, client)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
