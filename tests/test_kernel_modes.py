"""Lazy mode, any_order, defaults from config, and ``%load_ext reflow`` in ipykernel."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kernel_driver import Kernel, running_kernel


@pytest.fixture(scope="module")
def kernel() -> Iterator[Kernel]:
    with running_kernel() as k:
        yield k


def test_lazy_mode_marks_readers_stale_in_their_output(kernel: Kernel) -> None:
    kernel.cell("%flow mode lazy")
    try:
        a, _ = kernel.cell("lz = 1")
        reader, read = kernel.cell("lz + 100")
        edited = kernel.execute("lz = 2", a)
        marked = edited.updates()[read.slot()]["text/plain"]
        assert marked == "stale: reads `lz`, changed by In [{}] `lz = 2`\n101".format(
            edited.reply["execution_count"]
        )
        assert "now stale (lazy mode): In [" in edited.summary()
        assert kernel.value("lz") == "2"

        caught_up = kernel.execute("lz + 100", reader)
        assert caught_up.texts()[0] == "102" and caught_up.summary() == ""
    finally:
        kernel.cell("%flow mode reactive")


def test_a_marker_comes_off_when_its_cell_is_fresh_again(kernel: Kernel) -> None:
    """Markers are only revisited for cells stale now or marked before: one that
    becomes fresh without running (its input back to what it read) is unmarked."""
    kernel.cell("%flow mode lazy")
    try:
        a, _ = kernel.cell("lm = 1")
        _, read = kernel.cell("lm + 100")
        marked = kernel.execute("lm = 2", a).updates()[read.slot()]["text/plain"]
        assert marked.startswith("stale: reads `lm`")
        back = kernel.execute("lm = 1", a)
        assert back.updates()[read.slot()]["text/plain"] == "101"
        assert "stale" not in back.summary()
    finally:
        kernel.cell("%flow mode reactive")


@pytest.mark.parametrize(
    ("name", "second"),
    [("dup_a", "dup_a = 2"), ("dup_b", "dup_b += 1"), ("dup_c", "for dup_c in range(3): pass")],
)
def test_any_order_refuses_a_second_definer(kernel: Kernel, name: str, second: str) -> None:
    kernel.cell("%flow direction any_order")
    try:
        kernel.cell(f"{name} = 1")
        cell, refused = kernel.cell(second)
        assert refused.status == "error" and refused.reply["ename"] == "MultipleDefinitionError"
        evalue = refused.of("error")[0]["evalue"]
        assert evalue.startswith(f"`{name}` is defined by more than one cell")
        assert kernel.value(name) == "1"  # the refused cell did not run
        # Renaming the clash away runs the cell.
        fixed = kernel.execute(f"{name}_other = 2", cell)
        assert fixed.status == "ok" and kernel.value(f"{name}_other") == "2"
    finally:
        kernel.cell("%flow direction in_order")


def test_any_order_reads_from_cells_below(kernel: Kernel) -> None:
    kernel.cell("%flow direction any_order")
    try:
        _, failed = kernel.cell("below + 1")
        assert failed.status == "error" and failed.reply["ename"] == "NameError"
        writer, wrote = kernel.cell("below = 41")
        assert wrote.status == "ok"
        again = kernel.execute("below = 42", writer)
        # Its own run's NameError stays above the slot, which says the re-run went well.
        note, value = again.updates()[failed.slot()]["text/plain"].split("\n")
        assert note.startswith("re-run after In [") and value == "43"
    finally:
        kernel.cell("%flow direction in_order")


def test_settings_are_checked(kernel: Kernel) -> None:
    _, bad = kernel.cell("%flow mode eager")
    assert bad.status == "error" and "reactive, lazy" in bad.reply["evalue"]
    _, shown = kernel.cell("%flow mode")
    assert shown.stdout.strip() == "mode: reactive"


def test_config_sets_the_default_mode(tmp_path: Path) -> None:
    profile = tmp_path / "ipython" / "profile_default"
    profile.mkdir(parents=True)
    (profile / "ipython_kernel_config.py").write_text(
        "c.ReflowKernel.mode = 'lazy'\nc.ReflowKernel.direction = 'any_order'\n"
    )
    old = os.environ.get("IPYTHONDIR")
    os.environ["IPYTHONDIR"] = str(tmp_path / "ipython")
    try:
        with running_kernel() as k:
            _, shown = k.cell("%flow status")
            assert shown.stdout.splitlines()[0] == "mode: lazy, direction: any_order"
    finally:
        if old is None:
            del os.environ["IPYTHONDIR"]
        else:
            os.environ["IPYTHONDIR"] = old


def test_load_ext_makes_a_plain_ipykernel_reactive() -> None:
    with running_kernel("python3") as k:
        _, loaded = k.cell("%load_ext reflow")
        assert loaded.status == "ok"
        a, _ = k.cell("ext_x = 1")
        _, read = k.cell("ext_x * 2")
        edited = k.execute("ext_x = 5", a)
        assert edited.updates()[read.slot()]["text/plain"] == "10"
        _, status = k.cell("%flow status")
        assert "mode: reactive" in status.stdout


def test_import_reflow_does_not_import_jupyter() -> None:
    code = (
        "import json, sys, reflow\n"
        "jupyter = ('IPython', 'ipykernel', 'jupyter_client', 'comm', 'traitlets')\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in jupyter)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_a_failure_of_reflow_itself_falls_back_to_plain_ipython_once() -> None:
    with running_kernel() as k:
        # Fault injection: the next runs of reflow's scheduler raise.
        k.cell(
            "def broken(*args, **kwargs):\n    raise RuntimeError('injected')\n"
            "get_ipython().kernel.flow.notebook.run = broken"
        )
        _, first = k.cell("fb = 1\nfb")
        assert first.status == "ok"
        assert [c["data"]["text/plain"] for c in first.of("execute_result")] == ["1"]
        warned = first.summary()
        assert "dependency tracking failed (RuntimeError: injected)" in warned
        _, second = k.cell("fb + 1")
        assert second.status == "ok" and second.summary() == ""  # said once
        k.cell("del get_ipython().kernel.flow.notebook.run")
        a, _ = k.cell("fc = 1")
        _, reader = k.cell("fc * 3")
        assert k.execute("fc = 2", a).updates()[reader.slot()]["text/plain"] == "6"
