"""The reflow kernel without a frontend extension, through jupyter_client.

One kernel serves the module (starting one takes a second or two); every test
uses fresh cell ids and names of its own, and a test that changes a setting
puts it back.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from kernel_driver import Kernel, running_kernel


@pytest.fixture(scope="module")
def kernel() -> Iterator[Kernel]:
    with running_kernel() as k:
        yield k


def test_rerun_cells_update_their_output_in_place(kernel: Kernel) -> None:
    a, first = kernel.cell("rx = 1")
    _, second = kernel.cell("ry = rx + 1\nry")
    assert first.status == second.status == "ok"
    assert second.of("execute_result") == []  # a cell's result is its slot, not a result
    slot = second.slot()
    assert slot is not None and second.texts() == ["2"]

    edited = kernel.execute("rx = 10", a)
    assert edited.status == "ok"
    assert edited.updates()[slot]["text/plain"] == "11"
    assert "re-ran: In [" in edited.summary() and "`ry = rx + 1`" in edited.summary()
    assert kernel.value("ry") == "11"


def test_a_rerun_cells_prints_go_to_its_own_slot(kernel: Kernel) -> None:
    a, _ = kernel.cell("pa = 'one'")
    _, printer = kernel.cell("print('pa is', pa)")
    assert printer.stdout == "pa is one\n"
    slot = printer.slot()

    edited = kernel.execute("pa = 'two'", a)
    assert edited.stdout == ""  # nothing of the re-run lands in the executed cell
    assert edited.updates()[slot]["text/plain"] == "pa is two"


def test_an_empty_slot_lands_after_what_the_cell_printed(kernel: Kernel) -> None:
    """The slot's flush of stdout and stderr is queued, not waited for: the text must
    still reach the frontend before the slot, or a re-run's output would show above it."""
    kernel.cell("po = 1")
    _, printer = kernel.cell(
        "import sys\nprint('out', po)\nprint('err', po, file=sys.stderr)\npq = po + 1"
    )
    kinds = [
        (m["msg_type"], m["content"].get("name"))
        for m in printer.messages
        if m["msg_type"] in ("stream", "display_data")
    ]
    assert printer.slot() is not None
    assert kinds[-1] == ("display_data", None), kinds
    assert {("stream", "stdout"), ("stream", "stderr")} <= set(kinds[:-1]), kinds


@pytest.mark.parametrize(
    ("cell", "python"),
    [
        ("%time y = f(x)", "y = f(x)"),
        ("%timeit -n 10 -r 3 f(x)", "f(x)"),
        ("r = %time f(x)", "r = f(x)"),  # the magic's value is the expression's
        ("r = %timeit -o -n 1 g(y)", "r = g(y)"),  # what it reads and binds, for analysis
        ("r = %time y = 1", "r = get_ipython().run_line_magic('time', 'y = 1')"),  # no value
        ("r = %env HOME", "r = get_ipython().run_line_magic('env', 'HOME')"),  # not Python
    ],
)
def test_line_magics_running_python_are_analysed_as_their_code(cell: str, python: str) -> None:
    from IPython.core.inputtransformer2 import TransformerManager

    from reflow.kernel.magics import inline_line_magics

    assert inline_line_magics(TransformerManager().transform_cell(cell)).strip() == python


def test_a_line_magic_running_python_reads_and_binds_what_its_code_does(
    kernel: Kernel,
) -> None:
    """`%time y = f(x)` reads `x` and binds `y`: IPython hides the code in a string."""
    a, _ = kernel.cell("lm = 1")
    _, timed = kernel.cell("%time lt = lm + 1")
    assert "Wall time" in timed.stdout
    _, repeated = kernel.cell("%timeit -n 1 -r 1 lm * 3")
    _, assigned = kernel.cell("la = %time lm * 10")  # the magic's value: lm * 10
    _, reader = kernel.cell("la + 1")
    assert reader.texts() == ["11"]
    edited = kernel.execute("lm = 5", a)
    assert "`%time lt = lm + 1`" in edited.summary()
    assert "`%timeit -n 1 -r 1 lm * 3`" in edited.summary()
    assert "`la = %time lm * 10`" in edited.summary()
    assert kernel.value("lt") == "6" and kernel.value("la") == "50"
    assert edited.updates()[reader.slot()]["text/plain"] == "51"
    assert repeated.status == assigned.status == "ok"


def test_rerunning_an_update_pulls_its_writer_first(kernel: Kernel) -> None:
    _, _ = kernel.cell("counter = 0")
    increment, once = kernel.cell("counter += 1\ncounter")
    assert once.texts() == ["1"]
    again = kernel.execute("counter += 1\ncounter", increment)
    assert again.texts()[0] == "1"  # run-all equivalence: counter = 0 ran first
    assert "ran first (upstream): In [" in again.summary()


def test_an_unchanged_value_does_not_rerun_readers(kernel: Kernel) -> None:
    a, _ = kernel.cell("same = 5")
    _, reader = kernel.cell("same * 2")
    again = kernel.execute("same = 5", a)
    assert again.updates() == {} and again.summary() == ""
    assert reader.texts() == ["10"]


def test_a_failing_rerun_shows_its_traceback_in_its_slot_and_marks_its_readers(
    kernel: Kernel,
) -> None:
    a, _ = kernel.cell("fd = 2")
    _, divide = kernel.cell("fq = 10 // fd\nfq")
    _, reader = kernel.cell("fr = fq + 1\nfr")
    edited = kernel.execute("fd = 0", a)
    assert edited.status == "ok"  # the executed cell itself ran fine
    shown = edited.updates()[divide.slot()]["text/plain"]
    assert "ZeroDivisionError" in shown
    assert "failed: In [" in edited.summary() and "ZeroDivisionError" in edited.summary()
    marked = edited.updates()[reader.slot()]["text/plain"]
    # fq is not what the code computes now: its reader is cancelled, naming the cause.
    assert marked.startswith("not run after In [") and "Cancelled" in marked
    assert "`fq = 10 // fd`, which it depends on, failed" in marked
    assert edited.of("error") == []


def test_a_cell_without_cell_id_is_a_cell_of_its_own(kernel: Kernel) -> None:
    first = kernel.execute("nid = 3\nnid * 2")
    assert [c["data"]["text/plain"] for c in first.of("execute_result")] == ["6"]
    second = kernel.execute("nid * 3")
    assert second.of("execute_result")[0]["data"]["text/plain"] == "9"
    assert second.of("update_display_data") == []


def test_a_syntax_error_is_reported_as_ipython_does_and_breaks_nothing(kernel: Kernel) -> None:
    _, broken = kernel.cell("se = (1,\n")
    assert broken.status == "error" and broken.reply["ename"] == "SyntaxError"
    assert broken.of("error")[0]["ename"] == "SyntaxError"
    _, fine = kernel.cell("se = 1\nse")
    assert fine.texts() == ["1"]
    _, indented = kernel.cell("if se:\nse = 2")
    assert indented.of("error")[0]["ename"] == "IndentationError"
    _, after = kernel.cell("se")
    assert after.texts() == ["1"]


def test_sys_exit_is_an_error_and_the_kernel_stays(kernel: Kernel) -> None:
    _, exited = kernel.cell("import sys\nsys.exit(3)")
    assert exited.status == "error" and exited.reply["ename"] == "SystemExit"
    _, alive = kernel.cell("'alive'")
    assert alive.texts() == ["'alive'"]


def test_input_reaches_the_frontend(kernel: Kernel) -> None:
    _, asked = kernel.cell("answer = input('name? ')\nanswer", allow_stdin=True, stdin=["ada"])
    assert asked.status == "ok"
    assert asked.texts() == ["'ada'"]


def test_interrupt_stops_the_cell_and_the_rest_of_the_run(kernel: Kernel) -> None:
    a, _ = kernel.cell("ia = 1")
    _, reader = kernel.cell("ib = ia * 10\nib")
    assert reader.texts() == ["10"]
    slow = "import time\nia = 2\nprint('set', flush=True)\ntime.sleep(60)"
    stopped = kernel.execute(slow, a, interrupt_after="set")
    assert stopped.status == "error" and stopped.reply["ename"] == "KeyboardInterrupt"
    # Its reader did not run: its slot only gains a stale marker over the old value.
    assert stopped.updates()[reader.slot()]["text/plain"].startswith("stale: reads `ia`")
    _, status = kernel.cell("%flow status")
    line = next(ln for ln in status.stdout.splitlines() if "`ib = ia * 10`" in ln)
    assert line.startswith("stale")
    assert kernel.value("ib") == "10"


def test_magics_and_shell_commands_run_through_ipython(kernel: Kernel) -> None:
    _, shell = kernel.cell("!echo from-the-shell")
    assert "from-the-shell" in shell.stdout
    _, timed = kernel.cell("%%time\nmagic_x = 41")
    assert timed.status == "ok"
    _, reader = kernel.cell("magic_x + 1")
    assert reader.texts() == ["42"]
    _, status = kernel.cell("%flow status")
    assert "mode: reactive, direction: in_order" in status.stdout
    _, deps = kernel.cell("%flow deps ry")
    assert deps.stdout.strip() == "rx"
    _, users = kernel.cell("%flow users rx")
    assert "ry" in users.stdout
    _, code = kernel.cell("%flow code ry")
    assert code.stdout.strip().splitlines() == ["rx = 10", "", "ry = rx + 1", "ry"]
    _, graph = kernel.cell("%flow graph")
    assert "<- In [" in graph.stdout and ": rx" in graph.stdout
    _, bad = kernel.cell("%flow sideways")
    assert bad.status == "error" and bad.reply["ename"] == "UsageError"


def test_rich_displays_of_a_rerun_cell_land_in_its_slot(kernel: Kernel) -> None:
    a, _ = kernel.cell("html_n = 1")
    _, shown = kernel.cell(
        "from IPython.display import HTML, display\ndisplay(HTML(f'<b>{html_n}</b>'))"
    )
    assert shown.of("display_data")[0]["data"]["text/html"] == "<b>1</b>"
    edited = kernel.execute("html_n = 2", a)
    assert edited.updates()[shown.slot()]["text/html"] == "<b>2</b>"
    assert all("<b>2</b>" not in str(c["data"]) for c in edited.of("display_data"))


def test_reproduce_cell_shows_an_earlier_execution(kernel: Kernel) -> None:
    cell, first = kernel.cell("rep = 'first'\nrep")
    number = first.reply["execution_count"]
    kernel.execute("rep = 'second'\nrep", cell)
    _, shown = kernel.cell(f"from reflow import reproduce_cell\nreproduce_cell({number})")
    text = shown.texts()[0]
    assert f"In [{number}]:" in text and "rep = 'first'" in text and "'first'" in text
    _, both = kernel.cell(f"reproduce_cell({number + 1}, lookback=2)")
    assert "'first'" in both.texts()[0] and "'second'" in both.texts()[0]


def test_widgets_open_comms_and_display(kernel: Kernel) -> None:
    _, made = kernel.cell("import ipywidgets\nslider = ipywidgets.IntSlider(value=3)\nslider")
    assert made.status == "ok"
    assert any(m["msg_type"] == "comm_open" for m in made.messages)
    views = [
        c
        for c in made.of("display_data")
        if "application/vnd.jupyter.widget-view+json" in c["data"]
    ]
    assert len(views) == 1


def test_completion_and_inspection_work(kernel: Kernel) -> None:
    kernel.cell("completion_target_value = 1")
    reply = kernel.client.complete("completion_target_v", 19, reply=True, timeout=30)
    assert "completion_target_value" in reply["content"]["matches"]
    reply = kernel.client.inspect("len", 3, reply=True, timeout=30)
    assert reply["content"]["found"]


def test_requests_sent_without_waiting_run_one_after_the_other(kernel: Kernel) -> None:
    client = kernel.client
    sent = []
    for cell, code in (
        ("burst-a", "burst = 1"),
        ("burst-b", "burst + 1"),
        ("burst-a", "burst = 5"),
    ):
        msg = client.session.msg(
            "execute_request",
            {
                "code": code,
                "silent": False,
                "store_history": True,
                "user_expressions": {},
                "allow_stdin": False,
                "stop_on_error": True,
            },
            metadata={"cellId": cell},
        )
        client.shell_channel.send(msg)
        sent.append(msg["header"]["msg_id"])
    replies = {}
    while len(replies) < len(sent):
        reply = client.get_shell_msg(timeout=60)
        if reply["parent_header"]["msg_id"] in sent:
            replies[reply["parent_header"]["msg_id"]] = reply["content"]
    counts = [replies[m]["execution_count"] for m in sent]
    assert all(replies[m]["status"] == "ok" for m in sent) and counts == sorted(counts)
    assert kernel.value("burst") == "5"
    _, status = kernel.cell("%flow status")
    line = next(ln for ln in status.stdout.splitlines() if "`burst + 1`" in ln)
    assert line.startswith("fresh")  # it re-ran after the third request


def test_top_level_await_runs_directly_and_when_rerun(kernel: Kernel) -> None:
    a, _ = kernel.cell("aw = 1")
    _, awaiting = kernel.cell("import asyncio\nawait asyncio.sleep(0)\naw * 2")
    assert awaiting.status == "ok" and awaiting.texts() == ["2"]
    edited = kernel.execute("aw = 3", a)
    assert edited.updates()[awaiting.slot()]["text/plain"] == "6"


@contextlib.contextmanager
def calls_recorded(kernel: Kernel, attribute: str, prefix: str) -> Iterator[None]:
    """While inside, the kernel's flow records in ``{prefix}_calls`` the first argument of
    each call of its ``attribute`` (a plain IPython entry point it keeps), which still runs."""
    kernel.cell(
        "from reflow.kernel.extension import flow_of\n"
        f"{prefix}_flow = flow_of(get_ipython())\n{prefix}_calls = []\n"
        f"{prefix}_plain = {prefix}_flow.{attribute}\n"
        f"{prefix}_flow.{attribute} = "
        f"lambda s, *a: ({prefix}_calls.append(s), {prefix}_plain(s, *a))[1]"
    )
    try:
        yield
    finally:
        kernel.cell(f"{prefix}_flow.{attribute} = {prefix}_plain")


def test_ipython_transforms_an_executed_cell_once(kernel: Kernel) -> None:
    """The model needs the cell's Python form before IPython runs it; IPython reuses
    that transform for its own run, and only for it (a magic cell still works)."""
    with calls_recorded(kernel, "_plain_transform", "_tf"):
        _, ran = kernel.cell("tf_value = 41 + 1")
        assert ran.status == "ok" and kernel.value("tf_value") == "42"
        assert kernel.value("_tf_calls.count('tf_value = 41 + 1')") == "1"
        _, timed = kernel.cell("%time tf_timed = tf_value + 1")
        assert timed.status == "ok" and kernel.value("tf_timed") == "43"


def test_ipython_parses_an_executed_cell_once(kernel: Kernel) -> None:
    """The model parses the cell it analyses just before IPython parses the same text
    to run it: IPython takes that tree, for that cell only; a cell whose Python differs
    (a line magic), a cell run again for another, and a cell under a ``__future__`` that
    changes the grammar are parsed by IPython as before."""
    with calls_recorded(kernel, "_plain_ast_parse", "_ap"):
        a, ran = kernel.cell("ap_value = 41 + 1")
        assert ran.status == "ok" and kernel.value("ap_value") == "42"
        assert kernel.value("_ap_calls.count('ap_value = 41 + 1\\n')") == "0"
        _, reader = kernel.cell("ap_double = ap_value * 2\nap_double")
        assert reader.texts() == ["84"]
        edited = kernel.execute("ap_value = 1", a)  # the reader runs again, parsed anew
        assert edited.updates()[reader.slot()]["text/plain"] == "2"
        assert kernel.value("_ap_calls.count('ap_double = ap_value * 2\\nap_double\\n')") == "1"
        _, timed = kernel.cell("%time ap_timed = ap_value + 1")
        assert timed.status == "ok" and kernel.value("ap_timed") == "2"
        kernel.cell("from __future__ import barry_as_FLUFL")
        _, flufl = kernel.cell("ap_ne = 1 != 2")  # `!=` is no operator under FLUFL
        assert flufl.status == "error" and flufl.reply["ename"] == "SyntaxError"


@pytest.mark.parametrize(
    ("code", "slotted"),
    [
        ("sc_n = 3", False),  # a constant
        ("import json as sc_json", False),
        ("def sc_f(v):\n    return v + sc_n", False),  # a body's reads are the caller's
        ("class ScBox:\n    size = 2", False),
        ("sc_m = sc_n * 2", True),  # reads a name
        ("sc_l = len('abc')", True),  # a call, even of a builtin
        ("print('sc')", True),
        ("%time sc_t = 1", True),  # IPython prints the timing again on a re-run
        ("sc_d = 1\ndel sc_d", True),  # a delete may fail when run again
        ("sc_e = 1 / 0", True),  # raised
    ],
)
def test_an_empty_slot_only_where_a_rerun_may_show_something(
    kernel: Kernel, code: str, slotted: bool
) -> None:
    """In reactive mode a cell that reads nothing shows nothing new when run again, so a
    cell with no result gets an empty slot only if it reads something (or failed)."""
    kernel.cell("sc_n = 3")
    _, ran = kernel.cell(code)
    assert (ran.slot() is not None) == slotted


def test_slotless_cells_still_run_again_and_are_named_in_the_summary(kernel: Kernel) -> None:
    upper, first = kernel.cell("so_v = 5")
    _, lower = kernel.cell("so_v = 0")  # the last writer of so_v: what a run-all leaves
    _, reader = kernel.cell("so_v + 1")
    assert first.slot() is None and lower.slot() is None and reader.texts() == ["1"]
    again = kernel.execute("so_v = 5", upper)
    assert again.status == "ok" and again.slot() is None
    assert "re-ran: In [" in again.summary() and "`so_v = 0`" in again.summary()
    assert kernel.value("so_v") == "0"
    assert reader.slot() not in again.updates()  # the value it read is back: not re-run


def test_in_lazy_mode_every_cell_gets_a_slot_for_its_stale_marker(kernel: Kernel) -> None:
    kernel.cell("%flow mode lazy")
    try:
        upper, first = kernel.cell("sl_v = 5")
        _, lower = kernel.cell("sl_v = 0")
        assert first.slot() is not None and lower.slot() is not None
        again = kernel.execute("sl_v = 5", upper)
        marker = again.updates()[lower.slot()]["text/plain"]
        assert marker.startswith("stale: `sl_v` was overwritten by In [")
    finally:
        kernel.cell("%flow mode reactive")


def test_a_failed_cell_bound_what_its_finished_statements_bound(kernel: Kernel) -> None:
    """`kb = 1` ran before the cell raised, binding the value `kb` already held: the
    reader below reads what a run-all gives it (which goes on past the error), so it is
    not cancelled."""
    kernel.cell("kb = 1")
    failing, _ = kernel.cell("pass")
    kernel.cell("kc = kb + 1")
    failed = kernel.execute("kb = 1\nmissing_kb", failing)
    assert failed.status == "error" and failed.reply["ename"] == "NameError"
    assert "cancel" not in failed.summary().lower(), failed.summary()
    _, status = kernel.cell("%flow status")
    line = next(ln for ln in status.stdout.splitlines() if "`kc = kb + 1`" in ln)
    assert "fresh" in line, line


def test_what_the_kernels_start_made_is_frozen_and_what_cells_make_is_not(
    kernel: Kernel,
) -> None:
    # The imports' objects are out of the collector's walks (python -m reflow.kernel)...
    assert int(kernel.value("__import__('gc').get_freeze_count()")) > 10_000
    _, made = kernel.cell("gc_held = [object()]\ngc_held.append(gc_held)\nlen(gc_held)")
    assert made.texts() == ["2"]
    # ...the user's namespace and what cells make are not: debuggers that look for
    # referrers (objgraph, autoreload's instance update) still find them.
    found = "any(r is get_ipython().user_ns for r in __import__('gc').get_referrers(gc_held))"
    assert kernel.value(found) == "True"
    assert kernel.value("__import__('gc').is_tracked(gc_held)") == "True"


def test_a_callback_binding_a_global_is_seen_when_a_cell_binds_only_constants(
    kernel: Kernel,
) -> None:
    # A cell of literals is compared by its own names only, unless something else may run
    # while it does (ShellExecutor.runs_cells_alone): here an IPython event callback.
    kernel.cell("cb_hits = 0")
    kernel.cell(
        "def cb_count(result):\n    global cb_hits\n    cb_hits += 1\n"
        "get_ipython().events.register('post_run_cell', cb_count)"
    )
    constant, _ = kernel.cell("cb_x = 1")
    _, reader = kernel.cell("cb_seen = cb_hits\ncb_seen")
    shown = int(reader.texts()[0])
    again = kernel.execute("cb_x = 1", constant)
    kernel.cell("get_ipython().events.unregister('post_run_cell', cb_count)")
    assert int(again.updates()[reader.slot()]["text/plain"]) > shown
