"""The ``reflow`` comm target: frontends that open it talk protocol.py's messages.

Each open comm is a Peer; after every execution each peer hears what changed
(and, if it runs plans, what to run next). A frontend that closes its comm
stops running plans: the kernel runs them itself again.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from reflow.kernel import protocol

if TYPE_CHECKING:
    from reflow._types import CellId
    from reflow.kernel.flow import Flow
    from reflow.runtime.scheduler import Run

TARGET = "reflow"
_log = logging.getLogger("reflow.kernel")


class CommHub:
    def __init__(self, flow: Flow) -> None:
        self._flow = flow
        self._peers: dict[str, tuple[Any, protocol.Peer]] = {}
        flow.listeners.append(self._executed)
        flow.plan_listeners.append(self._planned)

    def register(self, manager: Any) -> None:
        manager.register_target(TARGET, self._open)

    def _open(self, comm: Any, open_msg: dict[str, Any]) -> None:
        peer = protocol.Peer()
        self._peers[comm.comm_id] = (comm, peer)
        comm.on_msg(lambda msg: self._receive(comm, peer, msg))
        comm.on_close(lambda msg: self._close(comm.comm_id))
        data = open_msg.get("content", {}).get("data")
        if isinstance(data, dict) and data.get("type"):
            self._answer(comm, peer, data)

    def _receive(self, comm: Any, peer: protocol.Peer, msg: dict[str, Any]) -> None:
        self._answer(comm, peer, msg.get("content", {}).get("data"))

    def _answer(self, comm: Any, peer: protocol.Peer, data: object) -> None:
        try:
            replies = protocol.handle(self._flow, peer, data)
        except Exception as problem:  # a bug of ours must not take the kernel down
            _log.exception("reflow comm message failed")
            replies = [{"type": "error", "message": f"internal error: {problem!r}"}]
        self._update_runs_plan()
        for reply in replies:
            comm.send(reply)

    def _close(self, comm_id: str) -> None:
        self._peers.pop(comm_id, None)
        self._update_runs_plan()

    def _update_runs_plan(self) -> None:
        """The kernel leaves pushed cells to the frontend while any peer runs plans."""
        self._flow.frontend_runs_plan = any(p.executes_plan for _, p in self._peers.values())

    def _planned(self, cells: list[CellId], cause: str) -> None:
        for comm, peer in list(self._peers.values()):
            if peer.executes_plan:
                comm.send(protocol.widget_plan(cells, cause))

    def _executed(self, run: Run | None) -> None:
        for comm, peer in list(self._peers.values()):
            for message in protocol.after_execution(self._flow, peer, run):
                comm.send(message)
