"""The ``reflow`` comm protocol, version 1 (docs/protocol.md is its specification).

The frontend tells the kernel about the notebook (a full ``sync``, then
deltas: ``add``, ``edit``, ``move``, ``delete``) and asks questions
(``state_request``, ``plan_request``); the kernel answers with ``state``
(statuses, stale reasons, parents, children; after a sync in full, else only
the cells that changed since the last ``state`` on that comm) and ``plan``
(cells for the frontend to execute in place).

Nothing here runs code: an edit changes the model only, a delete unbinds what
the cell wrote and reports the cells a reactive run would re-run as a plan.
Code runs only through execute_request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from reflow import __version__
from reflow._types import CellId

if TYPE_CHECKING:
    from reflow.kernel.flow import Flow
    from reflow.runtime.scheduler import Run

PROTOCOL = 1
Message = dict[str, Any]


class BadMessage(ValueError):
    """A message the kernel cannot act on; answered with an ``error`` message."""


@dataclass
class Peer:
    """One connected frontend: what it was last told, and whether it runs plans."""

    executes_plan: bool = False
    sent: dict[CellId, Message] = field(default_factory=dict)
    order: list[CellId] = field(default_factory=list)


def hello(flow: Flow) -> Message:
    return {
        "type": "hello",
        "protocol": PROTOCOL,
        "kernel": "reflow",
        "version": __version__,
        "mode": flow.notebook.mode,
        "direction": flow.notebook.direction,
    }


def handle(flow: Flow, peer: Peer, message: object) -> list[Message]:
    """Apply one frontend message; the replies to send back, in order."""
    seq = message.get("seq") if isinstance(message, dict) else None
    try:
        replies = _dispatch(flow, peer, message)
    except BadMessage as problem:
        replies = [{"type": "error", "message": str(problem)}]
    if isinstance(seq, int) and not isinstance(seq, bool):
        for reply in replies:
            reply["reply_to"] = seq
    return replies


def _dispatch(flow: Flow, peer: Peer, message: object) -> list[Message]:
    if not isinstance(message, dict):
        raise BadMessage(f"a message must be a JSON object, got {type(message).__name__}")
    kind = message.get("type")
    notebook = flow.notebook
    if kind == "hello":
        version = message.get("protocol")
        if version != PROTOCOL:
            raise BadMessage(
                f"protocol {version!r} is not supported; this kernel speaks {PROTOCOL}"
            )
        peer.executes_plan = _flag(message, "executes_plan")  # the hub updates the flow
        return [hello(flow), state(flow, peer, full=True)]
    if kind == "sync":
        cells = _list(message, "cells")
        wanted = [(_str(c, "id"), _str(c, "code")) for c in map(_object, cells)]
        if len({cell for cell, _ in wanted}) != len(wanted):
            raise BadMessage("sync: cell ids must be unique")
        plan = _sync(flow, wanted)
        return [state(flow, peer, full=True), *plan]
    if kind == "add":
        cell, code = _str(message, "id"), _str(message, "code")
        index = _index(message, len(notebook))
        if notebook.has_cell(cell):
            raise BadMessage(f"add: cell {cell!r} is already in the notebook")
        notebook.add(flow.python_source(code), index, id=cell)
        return [state(flow, peer)]
    if kind == "edit":
        cell = _known(flow, message)
        notebook.edit(cell, flow.python_source(_str(message, "code")))
        return [state(flow, peer)]
    if kind == "move":
        cell = _known(flow, message)
        notebook.move(cell, _index(message, len(notebook) - 1))
        return [state(flow, peer)]
    if kind == "delete":
        cell = _known(flow, message)
        plan = _delete(flow, [cell])
        return [state(flow, peer), *plan]
    if kind == "settings":
        for what, allowed in (
            ("mode", ("reactive", "lazy")),
            ("direction", ("in_order", "any_order")),
        ):
            if what in message:
                value = message[what]
                if value not in allowed:
                    raise BadMessage(
                        f"settings: {what} must be one of {list(allowed)}, got {value!r}"
                    )
                setattr(notebook, what, value)
        return [state(flow, peer)]
    if kind == "state_request":
        return [state(flow, peer, full=True)]
    if kind == "plan_request":
        cell = _known(flow, message)
        alone = _flag(message, "alone")
        cells = [cell] if alone else [*notebook.pull(cell), cell]
        return [{"type": "plan", "reason": "pull", "trigger": cell, "cells": cells}]
    raise BadMessage(f"unknown message type {kind!r}")


def after_execution(flow: Flow, peer: Peer, run: Run | None) -> list[Message]:
    """What a frontend hears after each execute_request: the changes, and the cells a
    reactive run goes on with when the frontend runs plans itself."""
    messages = [state(flow, peer)]
    if run is not None and peer.executes_plan and flow.notebook.mode == "reactive" and run.stale:
        trigger = run.ran[-1] if run.ran else None
        messages.append({"type": "plan", "reason": "push", "trigger": trigger, "cells": run.stale})
    return messages


def widget_plan(cells: list[CellId], cause: str) -> Message:
    """The readers of a widget the user moved, for a frontend that runs plans."""
    return {"type": "plan", "reason": "widget", "trigger": None, "cells": cells, "cause": cause}


def state(flow: Flow, peer: Peer, *, full: bool = False) -> Message:
    notebook = flow.notebook
    order = [cell.id for cell in notebook.cells]
    current = {cell: _cell_state(flow, cell, index) for index, cell in enumerate(order)}
    if full:
        changed = list(current.values())
    else:
        changed = [s for c, s in current.items() if peer.sent.get(c) != s]
    removed = [c for c in peer.sent if c not in current]
    message: Message = {
        "type": "state",
        "protocol": PROTOCOL,
        "full": full,
        "mode": notebook.mode,
        "direction": notebook.direction,
        "cells": changed,
        "removed": removed,
    }
    if full or order != peer.order:
        message["order"] = order
    peer.sent, peer.order = current, order
    return message


def _cell_state(flow: Flow, cell: CellId, index: int) -> Message:
    view = flow.notebook.cell(cell)
    error = view.error
    known = flow.cells.get(cell)
    return {
        "id": cell,
        "index": index,
        "status": view.status,
        "stale_reason": view.stale_reason,
        "error": None if error is None else {"type": error.type, "message": error.message},
        "parents": flow.notebook.parent_edges(cell),
        "children": flow.notebook.children(cell),
        "refs": flow.notebook.refs(cell),
        "defs": flow.notebook.defs(cell),
        "execution_count": None if known is None else known.number,
    }


def _sync(flow: Flow, wanted: list[tuple[str, str]]) -> list[Message]:
    notebook = flow.notebook
    listed = {cell for cell, _ in wanted}
    gone = [c.id for c in notebook.cells if c.id not in listed and not _anonymous(flow, c.id)]
    plan = _delete(flow, gone) if gone else []
    for index, (cell, code) in enumerate(wanted):
        source = flow.python_source(code)
        if not notebook.has_cell(cell):
            notebook.add(source, index, id=cell)
            continue
        if notebook.cell(cell).code != source:
            notebook.edit(cell, source)
        if notebook.cell(cell).index != index:
            notebook.move(cell, index)
    return plan


def _delete(flow: Flow, cells: Sequence[str]) -> list[Message]:
    """Delete without running anything; what a reactive run would restore is a plan."""
    to_run: list[CellId] = []
    with flow.mode_for("lazy"):
        for cell in cells:
            run = flow.notebook.delete(cell)
            flow.cells.pop(CellId(cell), None)
            to_run.extend(run.stale)
    to_run = [c for c in dict.fromkeys(to_run) if flow.notebook.has_cell(c)]
    if not to_run or flow.notebook.mode != "reactive":
        return []
    return [{"type": "plan", "reason": "delete", "trigger": None, "cells": to_run}]


def _anonymous(flow: Flow, cell: CellId) -> bool:
    known = flow.cells.get(cell)
    return known is not None and not known.keyed


def _object(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadMessage(f"expected a JSON object for a cell, got {type(value).__name__}")
    return value


def _str(message: dict[str, Any], key: str) -> str:
    value = message.get(key)
    if not isinstance(value, str):
        raise BadMessage(f"{message.get('type', 'message')}: {key!r} must be a string")
    return value


def _list(message: dict[str, Any], key: str) -> list[Any]:
    value = message.get(key)
    if not isinstance(value, list):
        raise BadMessage(f"{message.get('type')}: {key!r} must be a list")
    return value


def _flag(message: dict[str, Any], key: str) -> bool:
    value = message.get(key, False)
    if not isinstance(value, bool):
        raise BadMessage(f"{message.get('type')}: {key!r} must be true or false")
    return value


def _index(message: dict[str, Any], largest: int) -> int:
    value = message.get("index")
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= max(largest, 0):
        raise BadMessage(f"{message.get('type')}: 'index' must be an integer from 0 to {largest}")
    return value


def _known(flow: Flow, message: dict[str, Any]) -> CellId:
    cell = _str(message, "id")
    if not flow.notebook.has_cell(cell):
        raise BadMessage(
            f"{message.get('type')}: no cell with id {cell!r} (send it with add or sync)"
        )
    return CellId(cell)
