"""The ``reflow`` comm protocol (docs/protocol.md), round trips with a real kernel.

Each test opens a kernel of its own: the protocol is about one notebook's
model, and a sync replaces it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kernel_driver import Comm, Kernel, running_kernel

HELLO = {"type": "hello", "protocol": 1, "executes_plan": False}


@pytest.fixture
def kernel() -> Iterator[Kernel]:
    with running_kernel() as k:
        yield k


@pytest.fixture(scope="module")
def shared() -> Iterator[tuple[Kernel, Comm]]:
    """One kernel with one cell, for the tests that must leave it unchanged."""
    with running_kernel() as k:
        k.execute("x = 1", "a")
        comm = Comm(k, HELLO)
        comm.opened()
        yield k, comm


def by_id(state: dict) -> dict[str, dict]:
    return {cell["id"]: cell for cell in state["cells"]}


def test_hello_answers_with_the_protocol_and_a_full_state(kernel: Kernel) -> None:
    kernel.execute("x = 1", "a")
    comm = Comm(kernel, HELLO)
    hello, state = comm.opened()
    assert hello == {
        "type": "hello",
        "protocol": 1,
        "kernel": "reflow",
        "version": hello["version"],
        "mode": "reactive",
        "direction": "in_order",
    }
    assert state["type"] == "state" and state["full"] is True and state["order"] == ["a"]
    cell = by_id(state)["a"]
    assert cell["status"] == "fresh" and cell["defs"] == ["x"] and cell["execution_count"] == 1


def test_sync_then_deltas_answer_with_what_changed(kernel: Kernel) -> None:
    comm = Comm(kernel, HELLO)
    comm.opened()
    [state] = comm.send(
        {
            "type": "sync",
            "seq": 1,
            "cells": [{"id": "a", "code": "x = 1"}, {"id": "b", "code": "y = x + 1"}],
        }
    )
    assert state["reply_to"] == 1 and state["order"] == ["a", "b"]
    assert by_id(state)["b"]["parents"] == {"a": ["x"]}
    assert by_id(state)["a"]["children"] == ["b"]
    assert {c["status"] for c in state["cells"]} == {"never_run"}

    [after] = comm.heard(kernel.execute("x = 1", "a"))
    assert by_id(after)["a"]["status"] == "fresh" and "order" not in after
    kernel.execute("y = x + 1", "b")

    [added] = comm.send({"type": "add", "seq": 2, "id": "c", "code": "z = y * 2", "index": 2})
    # Only what changed: c, and b, which has a child now.
    assert [c["id"] for c in added["cells"]] == ["b", "c"]
    assert by_id(added)["b"]["children"] == ["c"]
    assert added["order"] == ["a", "b", "c"]
    assert by_id(added)["c"]["parents"] == {"b": ["y"]}

    [moved] = comm.send({"type": "move", "seq": 3, "id": "c", "index": 0})
    assert moved["order"] == ["c", "a", "b"]
    assert by_id(moved)["c"]["parents"] == {}  # nothing above it defines y any more

    [edited] = comm.send({"type": "edit", "seq": 4, "id": "a", "code": "x = 2"})
    changed = by_id(edited)
    assert changed["a"]["status"] == "dirty"
    assert changed["b"]["status"] == "stale" and "cell [a]" in changed["b"]["stale_reason"]


def test_an_edit_never_runs_code_not_even_when_a_run_reaches_the_cell(
    kernel: Kernel, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    kernel.execute("x = 1", "a")
    kernel.execute("y = x + 1", "b")
    comm = Comm(kernel, HELLO)
    comm.opened()
    evil = f"y = x + 1\nopen({str(marker)!r}, 'w').write('ran')"
    [state] = comm.send({"type": "edit", "id": "b", "code": evil})
    assert by_id(state)["b"]["status"] == "dirty"
    assert not marker.exists()
    # Re-running a cell above does not push into the edited cell: it is dirty.
    run = kernel.execute("x = 5", "a")
    assert run.status == "ok" and not marker.exists()
    assert kernel.value("y") == "2"
    # Added, never executed, then pulled by a reader: refused, not run.
    comm.send({"type": "add", "id": "w", "code": f"open({str(marker)!r}, 'w')\nw = 1", "index": 0})
    pulled = kernel.execute("w + 1", "r")
    assert not marker.exists()
    assert pulled.status == "error"
    # Executed for real, the same code runs: code runs only via execute_request.
    kernel.execute(evil, "b")
    assert marker.read_text() == "ran"


def test_plan_request_lists_what_runs_first(kernel: Kernel) -> None:
    kernel.execute("count = 0", "a")
    kernel.execute("count += 1", "b")
    comm = Comm(kernel, HELLO)
    comm.opened()
    [plan] = comm.send({"type": "plan_request", "seq": 7, "id": "b"})
    assert plan == {
        "type": "plan",
        "reason": "pull",
        "trigger": "b",
        "cells": ["a", "b"],
        "reply_to": 7,
    }
    [alone] = comm.send({"type": "plan_request", "id": "b", "alone": True})
    assert alone["cells"] == ["b"]


def test_a_frontend_that_runs_plans_gets_the_push_instead_of_the_kernel_running_it(
    kernel: Kernel,
) -> None:
    kernel.execute("x = 1", "a")
    kernel.execute("y = x + 1\ny", "b")
    comm = Comm(kernel, {**HELLO, "executes_plan": True})
    comm.opened()
    run = kernel.execute("x = 10", "a")
    # The kernel ran a alone: b's output only gains a stale marker.
    assert [u["text/plain"].split(":")[0] for u in run.updates().values()] == ["stale"]
    assert "re-ran" not in run.summary()
    assert "now stale" not in run.summary()  # the frontend runs b next: not news
    state, plan = comm.heard(run)
    assert by_id(state)["b"]["status"] == "stale"
    assert plan == {"type": "plan", "reason": "push", "trigger": "a", "cells": ["b"]}
    ran = kernel.execute("y = x + 1\ny", "b")
    assert ran.texts() == ["11"]
    [state] = comm.heard(ran)
    assert by_id(state)["b"]["status"] == "fresh"
    comm.close()
    # Without the extension the kernel runs plans itself again.
    again = kernel.execute("x = 20", "a")
    assert next(iter(again.updates().values()))["text/plain"] == "21"


def test_delete_unbinds_and_plans_instead_of_running(kernel: Kernel) -> None:
    kernel.execute("v = 1", "a")
    kernel.execute("v = 2", "b")
    kernel.execute("w = v * 10", "c")
    comm = Comm(kernel, HELLO)
    comm.opened()
    state, plan = comm.send({"type": "delete", "id": "b"})
    assert state["removed"] == ["b"] and state["order"] == ["a", "c"]
    assert plan == {"type": "plan", "reason": "delete", "trigger": None, "cells": ["a", "c"]}
    assert by_id(state)["a"]["status"] == by_id(state)["c"]["status"] == "stale"
    assert kernel.value("w") == "20"  # nothing ran


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ("not an object", "must be a JSON object"),
        ({"type": "teleport"}, "unknown message type 'teleport'"),
        ({"type": "edit", "id": "nope", "code": "x = 1"}, "no cell with id 'nope'"),
        ({"type": "edit", "id": "a"}, "'code' must be a string"),
        ({"type": "move", "id": "a", "index": 99}, "'index' must be an integer from 0 to"),
        ({"type": "move", "id": "a", "index": True}, "'index' must be an integer"),
        ({"type": "add", "id": "a", "code": "", "index": 0}, "already in the notebook"),
        ({"type": "sync", "cells": [{"id": "q", "code": ""}, {"id": "q", "code": ""}]}, "unique"),
        ({"type": "sync", "cells": "all"}, "'cells' must be a list"),
        ({"type": "settings", "mode": "eager"}, "mode must be one of"),
        ({"type": "hello", "protocol": 2}, "protocol 2 is not supported"),
    ],
)
def test_malformed_messages_get_an_error_and_change_nothing(
    shared: tuple[Kernel, Comm], message: object, error: str
) -> None:
    kernel, comm = shared
    [before] = comm.send({"type": "state_request"})
    [reply] = comm.send(message)  # type: ignore[arg-type]
    assert reply["type"] == "error" and error in reply["message"]
    [after] = comm.send({"type": "state_request"})
    assert after == before
    assert kernel.execute("x + 1", "b").texts() == ["2"]


def test_settings_change_mode_and_direction(kernel: Kernel) -> None:
    comm = Comm(kernel, HELLO)
    comm.opened()
    [state] = comm.send({"type": "settings", "mode": "lazy", "direction": "any_order"})
    assert (state["mode"], state["direction"]) == ("lazy", "any_order")
    shown = kernel.execute("%flow status", "s")
    assert shown.stdout.splitlines()[0] == "mode: lazy, direction: any_order"


def test_a_settings_message_sent_while_a_cell_runs_applies_after_it(kernel: Kernel) -> None:
    """The kernel's half of "a run keeps the mode it started with": messages are handled
    in the order sent, so a switch to reactive sent while a lazy execution runs changes
    nothing about it (no push plan); the extension sends a switch only after its runs."""
    kernel.execute("x = 1", "a")
    kernel.execute("y = x + 1\ny", "b")
    comm = Comm(kernel, {**HELLO, "executes_plan": True})
    comm.opened()
    comm.send({"type": "settings", "mode": "lazy"})
    client = kernel.client
    slow = {"code": "import time\ntime.sleep(0.3)\nx = 10", "silent": False}
    execute = client.session.msg("execute_request", slow, metadata={"cellId": "a"})
    client.shell_channel.send(execute)
    switch = comm._send(
        "comm_msg", {"comm_id": comm.id, "data": {"type": "settings", "mode": "reactive"}}
    )
    heard: dict[str, list[dict]] = {execute["header"]["msg_id"]: [], switch: []}
    while True:
        message = client.get_iopub_msg(timeout=60)
        parent = message["parent_header"].get("msg_id")
        if message["msg_type"] == "comm_msg" and parent in heard:
            heard[parent].append(message["content"]["data"])
        elif (
            message["msg_type"] == "status"
            and parent == switch
            and message["content"]["execution_state"] == "idle"
        ):
            break  # the switch is answered: everything before it too
    [state] = heard[execute["header"]["msg_id"]]  # a state, and no push plan
    assert state["mode"] == "lazy" and by_id(state)["b"]["status"] == "stale"
    [after] = heard[switch]
    assert after["mode"] == "reactive"
    assert kernel.value("y") == "2"  # b did not run
