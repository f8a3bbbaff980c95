"""Widgets as reactive inputs, through a real kernel: the test plays the frontend.

A frontend moves a slider by sending the widget's comm an ``update`` with the
new state, exactly what JupyterLab's widget manager sends; the kernel then runs
the cells that read the widget (reactive) and replaces their outputs in their
slots, or marks them stale (lazy), or (a frontend running plans) sends the
cells to execute as a ``plan``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kernel_driver import TIMEOUT, Comm, Kernel, running_kernel

SLIDER = "import ipywidgets as widgets\ns = widgets.IntSlider(value=3)\ns"


@pytest.fixture
def kernel(tmp_path: Path) -> Iterator[Kernel]:
    with running_kernel(cwd=str(tmp_path)) as k:
        yield k


def move(kernel: Kernel, widget: str, subshell: str | None = None, **state: Any) -> str:
    """Change a widget's state as a frontend does; the message's id. ``widget``: an
    expression the kernel evaluates for the model id, or ``id:MODEL_ID``; ``subshell``:
    the kernel subshell to send it to (JupyterLab's widget manager has one of its own)."""
    if widget.startswith("id:"):
        model_id = widget[3:]
    else:
        model_id = kernel.value(f"{widget}.model_id").strip("'")
    content = {
        "comm_id": model_id,
        "data": {"method": "update", "state": state, "buffer_paths": []},
    }
    msg = kernel.client.session.msg("comm_msg", content)
    if subshell is not None:
        msg["header"]["subshell_id"] = subshell
    kernel.client.shell_channel.send(msg)
    return str(msg["header"]["msg_id"])


def subshell(kernel: Kernel) -> str:
    """A new kernel subshell (ipykernel 7): its messages run in a thread of their own."""
    msg = kernel.client.session.msg("create_subshell_request", {})
    kernel.client.control_channel.send(msg)
    while True:
        reply = kernel.client.get_control_msg(timeout=TIMEOUT)
        if reply["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
            return str(reply["content"]["subshell_id"])


def slot_updates(kernel: Kernel, wanted: set[str]) -> dict[str, dict[str, Any]]:
    """The bundles iopub sends to these slots, until each has had one."""
    found: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + TIMEOUT
    while set(found) < wanted:
        message = kernel.client.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        if message["msg_type"] == "update_display_data":
            display_id = message["content"]["transient"]["display_id"]
            if display_id in wanted:
                found[display_id] = message["content"]["data"]
    return found


def text(bundle: dict[str, Any]) -> str:
    return str(bundle.get("text/plain", ""))


def test_moving_a_slider_reruns_its_readers_in_their_slots(kernel: Kernel) -> None:
    kernel.execute(SLIDER, "a")
    made = kernel.value("id(s)")
    b = kernel.execute("y = s.value * 2\ny", "b")
    c = kernel.execute("z = y + 1\nz", "c")
    d = kernel.execute("other = 1\nother", "d")
    assert text(b.of("display_data")[0]["data"]) == "6"
    move(kernel, "s", value=7)
    updates = slot_updates(kernel, {b.slot(), c.slot()})
    assert (text(updates[b.slot()]), text(updates[c.slot()])) == ("14", "15")
    assert kernel.value("(y, z, s.value)") == "(14, 15, 7)"
    assert kernel.value("id(s)") == made  # the cell that made the slider did not run again
    status = kernel.execute("%flow status", "probe").stdout
    assert "stale" not in status and d.slot() is not None


def test_lazy_mode_marks_the_readers_stale_and_runs_nothing(kernel: Kernel) -> None:
    kernel.execute("%flow mode lazy", "m")
    kernel.execute(SLIDER, "a")
    b = kernel.execute("y = s.value * 2\ny", "b")
    kernel.execute("z = y + 1\nz", "c")
    move(kernel, "s", value=9)
    [bundle] = slot_updates(kernel, {b.slot()}).values()
    assert text(bundle).startswith("stale: reads `s`")
    assert kernel.value("(y, s.value)") == "(6, 9)"
    status = kernel.execute("%flow status", "probe").stdout
    assert "b" in status and "stale" in status
    rerun = kernel.execute("y = s.value * 2\ny", "b")  # the user runs the stale reader
    assert "18" in rerun.texts()


def test_changes_faster_than_the_readers_are_coalesced(kernel: Kernel, tmp_path: Path) -> None:
    log = tmp_path / "runs.txt"
    kernel.execute(SLIDER, "a")
    reader = (
        "import time\n"
        f"with open({str(log)!r}, 'a') as f:\n"
        "    f.write(f'{s.value}\\n')\n"
        "time.sleep(0.3)\n"
        "seen = s.value"
    )
    kernel.execute(reader, "b")
    log.write_text("")
    model = "id:" + kernel.value("s.model_id").strip("'")
    for value in range(10, 20):  # a drag: ten positions, faster than one run of the reader
        move(kernel, model, value=value)
    deadline = time.monotonic() + TIMEOUT
    while not log.read_text().endswith("19\n"):
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.05)
    time.sleep(0.5)  # a queue of stale runs would go on after the last value
    runs = log.read_text().split()
    assert runs[-1] == "19" and len(runs) <= 3, runs
    assert kernel.value("seen") == "19"


def test_a_move_while_its_reader_runs_is_not_lost(kernel: Kernel) -> None:
    """JupyterLab's widget manager talks to the kernel from a subshell; once a widget's
    comm has answered there, ipykernel sends the widget's later changes to that
    subshell's thread, which applies them even while a cell runs in the main one. A
    move that comes while its reader runs is the user's, not that cell's write, and
    the reader, which read the old value, runs again once it is done (the move was
    dropped, leaving `doubled` fresh with 10)."""
    kernel.execute(SLIDER, "a")
    kernel.execute("first = s.value", "f")
    model = "id:" + kernel.value("s.model_id").strip("'")
    thread = subshell(kernel)
    move(kernel, model, thread, value=5)  # answered from the subshell: the comm's home now
    deadline = time.monotonic() + TIMEOUT
    while kernel.value("first") != "5":  # its readers have run: the move is handled
        assert time.monotonic() < deadline
        time.sleep(0.05)
    reader = (
        "import time\n"
        "seen = s.value\n"
        "print('read', flush=True)\n"
        "time.sleep(0.5)\n"
        "doubled = seen * 2\n"
        "doubled"
    )
    moved: list[str] = []

    def move_once(text: str) -> None:
        if "read" in text and not moved:
            moved.append(move(kernel, model, thread, value=8))

    kernel.execute(reader, "b", on_stream=move_once)
    assert moved
    deadline = time.monotonic() + TIMEOUT
    while kernel.value("doubled") != "16":
        assert time.monotonic() < deadline, kernel.value("(doubled, s.value)")
        time.sleep(0.1)
    assert kernel.value("s.value") == "8"
    assert kernel.execute("%flow status", "probe").summary() == ""


def test_a_frontend_that_runs_plans_is_sent_the_readers(kernel: Kernel) -> None:
    kernel.execute(SLIDER, "a")
    kernel.execute("y = s.value * 2", "b")
    kernel.execute("z = y + 1", "c")
    comm = Comm(kernel, {"type": "hello", "protocol": 1, "executes_plan": True})
    comm.opened()
    move(kernel, "s", value=4)
    plan = None
    deadline = time.monotonic() + TIMEOUT
    states = []
    while plan is None:
        message = kernel.client.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        if message["msg_type"] == "comm_msg" and message["content"]["comm_id"] == comm.id:
            data = message["content"]["data"]
            if data["type"] == "plan":
                plan = data
            elif data["type"] == "state":
                states.append(data)
    assert plan["reason"] == "widget" and plan["cells"] == ["b", "c"]
    assert "`s`" in plan["cause"]
    statuses = {cell["id"]: cell["status"] for state in states for cell in state["cells"]}
    assert statuses == {"b": "stale", "c": "stale"}
    assert kernel.value("y") == "6"  # nothing ran in the kernel: the frontend runs the plan
    kernel.execute("y = s.value * 2", "b")
    assert kernel.value("y") == "8"


def test_widgets_inside_containers_and_interactive(kernel: Kernel) -> None:
    kernel.execute(
        "import ipywidgets as widgets\n"
        "panel = widgets.VBox([widgets.IntSlider(value=1)])\n"
        "w = widgets.interactive(lambda x: x * 10, x=5)",
        "a",
    )
    b = kernel.execute("first = panel.children[0].value\nfirst", "b")
    c = kernel.execute("r = w.result\nr", "c")
    move(kernel, "panel.children[0]", value=2)
    assert text(slot_updates(kernel, {b.slot()})[b.slot()]) == "2"
    move(kernel, "w.children[0]", value=6)
    assert text(slot_updates(kernel, {c.slot()})[c.slot()]) == "60"
    assert kernel.value("(first, r)") == "(2, 60)"


def test_the_controls_of_an_interact_function_are_inputs(kernel: Kernel) -> None:
    kernel.execute(
        "import ipywidgets as widgets\n@widgets.interact(x=3)\ndef f(x):\n    return x * 10",
        "a",
    )
    b = kernel.execute("r = f.widget.result\nr", "b")
    assert "30" in b.texts()
    move(kernel, "f.widget.children[0]", value=7)
    assert text(slot_updates(kernel, {b.slot()})[b.slot()]) == "70"


def test_an_anywidget_trait_is_an_input(kernel: Kernel) -> None:
    kernel.execute(
        "import anywidget, traitlets\n"
        "class Counter(anywidget.AnyWidget):\n"
        "    _esm = 'export default { render() {} }'\n"
        "    count = traitlets.Int(0).tag(sync=True)\n"
        "counter = Counter()",
        "a",
    )
    b = kernel.execute("doubled = counter.count * 2\ndoubled", "b")
    move(kernel, "counter", count=21)
    assert text(slot_updates(kernel, {b.slot()})[b.slot()]) == "42"


def test_a_cell_setting_the_value_is_its_own_write(kernel: Kernel) -> None:
    """A change a cell makes is the lineage's (that cell is the writer), not an input:
    in order, the readers below it re-run, once."""
    kernel.execute(SLIDER, "a")
    kernel.execute("s.value = 5", "e")
    b = kernel.execute("y = s.value * 2\ny", "b")
    setter = kernel.execute("s.value = 6", "e")
    # Run again, the store pulls the cell that made the slider (pull, as `x += 1` would).
    assert setter.summary().splitlines() == [
        "reflow: ran first (upstream): In [1] `import ipywidgets as widgets`",
        "reflow: re-ran: In [3] `y = s.value * 2`",
    ]
    assert text(setter.updates()[b.slot()]) == "12"
    time.sleep(0.3)  # had the observer taken the cell's change for the user's, b ran again
    assert kernel.execute("%flow status", "probe").summary() == ""
    assert kernel.value("(y, s.value)") == "(12, 6)"


def test_moving_a_slider_a_cell_set_keeps_the_users_value(kernel: Kernel) -> None:
    """The user's move is the newest input: the cell that set the value is not run again
    to undo it (a run-all would, and the slider could never be moved)."""
    kernel.execute(SLIDER, "a")
    setter = kernel.execute("s.value = 5", "e")
    b = kernel.execute("y = s.value * 2\ny", "b")
    assert text(b.of("display_data")[0]["data"]) == "10"
    move(kernel, "s", value=8)
    assert text(slot_updates(kernel, {b.slot()})[b.slot()]) == "16"
    time.sleep(0.3)  # had the setter been taken as overwritten, it ran and b ran again
    assert kernel.value("(y, s.value)") == "(16, 8)"
    assert kernel.execute("%flow status", "probe").summary() == ""
    assert setter.status == "ok"


def test_memoized_reader_replays_when_the_slider_comes_back(kernel: Kernel) -> None:
    kernel.execute(SLIDER, "a")
    b = kernel.execute("%%memoize\nsquare = s.value ** 2\nprint('computed', square)", "b")
    assert "computed 9" in b.stdout
    for value, expected in ((4, "computed 16"), (3, "restored")):
        move(kernel, "s", value=value)
        bundle = slot_updates(kernel, {b.slot()})[b.slot()]
        assert expected in text(bundle), text(bundle)
    assert kernel.value("square") == "9"


def test_an_unknown_comm_update_changes_nothing(kernel: Kernel) -> None:
    """A widget no global holds is not an input: nothing runs."""
    kernel.execute("import ipywidgets as widgets\nwidgets.IntSlider(value=1)", "a")
    kernel.execute("n = 1", "b")
    orphan = kernel.value("[w for w in widgets.Widget.widgets.values()][-1].model_id")
    content = {
        "comm_id": orphan.strip("'"),
        "data": {"method": "update", "state": {"value": 2}, "buffer_paths": []},
    }
    kernel.client.shell_channel.send(kernel.client.session.msg("comm_msg", content))
    time.sleep(0.3)
    probe = kernel.execute("%flow status", uuid.uuid4().hex)
    assert "stale" not in probe.stdout
