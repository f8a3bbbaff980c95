"""The reflow extension in a real JupyterLab 4 and a real Notebook 7, in a real browser.

Each test opens notebooks on the reflow kernel in a server started for the
module (127.0.0.1, a token, no user settings) and does what a user does:
types, presses Shift+Enter, Ctrl+Shift+Enter, Space, clicks the toolbar,
saves. Needs Debian's chromium (.ci/run installs it) and the extension in
the venv's share directory (``make setup`` installs it with reflow).
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser import CHROMIUM, NotebookPage, Server, chromium, jupyter_server, write_notebook

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


# Not pytest's tmp_path: other pytest sessions on this machine prune old base temp
# directories, and these must outlive a server.


@pytest.fixture(scope="module")
def lab() -> Iterator[Server]:
    with tempfile.TemporaryDirectory(prefix="reflow-ext-lab-") as folder:
        scratch = Path(folder)
        with jupyter_server("lab", scratch / "work", scratch) as server:
            yield server


@pytest.fixture(scope="module")
def notebook7() -> Iterator[Server]:
    with tempfile.TemporaryDirectory(prefix="reflow-ext-nb7-") as folder:
        scratch = Path(folder)
        with jupyter_server("notebook", scratch / "work", scratch) as server:
            yield server


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    failed_before = request.session.testsfailed
    try:
        page = context.new_page()
        yield page
        if request.session.testsfailed > failed_before:  # what the page showed, for the log
            shot = Path(tempfile.gettempdir()) / f"reflow-ext-{request.node.name}.png"
            page.screenshot(path=str(shot))
            print(f"screenshot: {shot}")
    finally:
        context.close()


def statuses(nb: NotebookPage, count: int) -> list[str | None]:
    return [nb.cell(i).get_attribute("data-reflow-status") for i in range(count)]


def test_jupyterlab_reactive_alone_stale_highlights_toolbar_and_saved_graph(
    lab: Server, page: Any
) -> None:
    from playwright.sync_api import expect

    write_notebook(lab.root / "flow.ipynb", [""])
    nb = NotebookPage(page).open(lab.url("flow.ipynb"))
    expect(nb.badge(0)).to_have_text(re.compile("never run"))

    nb.run(0, "x = 1")
    nb.run(1, "y = x + 1\ny")
    nb.run(2, "z = y * 10\nz")
    expect(nb.output(2)).to_have_text("20")
    for i in range(3):
        expect(nb.cell(i)).to_have_attribute("data-reflow-status", "fresh")
    expect(nb.badge(0)).to_have_text(re.compile("fresh"))

    # Shift+Enter upstream: the readers re-run in place, each in its own cell.
    nb.run(0, "x = 5")
    expect(nb.output(1)).to_have_text("6")
    expect(nb.output(2)).to_have_text("60")
    expect(nb.cell(2)).to_have_attribute("data-reflow-status", "fresh")
    expect(nb.output(0)).to_have_count(0)  # no "now stale" news in the edited cell

    # An edit not run: dirty, and its readers stale, saying why.
    nb.edit(0, "x = 7")
    expect(nb.cell(0)).to_have_attribute("data-reflow-status", "dirty")
    expect(nb.cell(1)).to_have_attribute("data-reflow-status", "stale")
    expect(nb.badge(1)).to_have_text(re.compile("stale"))
    count = nb.cell(0).locator(".jp-InputPrompt").inner_text().strip("[]: ")
    expect(nb.badge(1)).to_have_attribute("aria-label", re.compile(rf"`x`.*cell \[{count}\]"))

    # Ctrl+Shift+Enter: that cell only; its readers keep their outputs and go stale.
    nb.run(0, keys="Control+Shift+Enter")
    expect(nb.cell(0)).to_have_attribute("data-reflow-status", "fresh")
    expect(nb.cell(1)).to_have_attribute("data-reflow-status", "stale")
    expect(nb.cell(2)).to_have_attribute("data-reflow-status", "stale")
    # (the kernel notes it in their outputs too: files read without reflow say so)
    expect(nb.output(1)).to_have_text(re.compile(r"^stale: reads `x`.*6$"))
    expect(nb.output(2)).to_have_text(re.compile(r"60$"))

    # Space in command mode: every stale cell runs, in order.
    nb.command_mode()
    page.keyboard.press("Space")
    expect(nb.output(1)).to_have_text("8")
    expect(nb.output(2)).to_have_text("80")
    assert statuses(nb, 3) == ["fresh", "fresh", "fresh"]

    # Selecting a cell outlines what it reads from and what reads it, labelled.
    nb.select(1)
    expect(nb.cell(0)).to_have_attribute("data-reflow-relation", "upstream")
    expect(nb.cell(2)).to_have_attribute("data-reflow-relation", "downstream")
    expect(nb.cell(0).locator(".reflow-relation")).to_have_text(re.compile("upstream.*`x`"))
    expect(nb.cell(2).locator(".reflow-relation")).to_have_text(re.compile("downstream.*`y`"))
    expect(nb.cell(1)).to_have_attribute("data-reflow-relation", "selected")

    # The toolbar switches to lazy: a run marks readers stale instead of running them.
    mode = nb.panel.locator(".reflow-mode")
    expect(mode).to_have_text(re.compile("reactive"))
    mode.click()
    expect(mode).to_have_text(re.compile("lazy"))
    nb.run(0, "x = 2")
    expect(nb.cell(0)).to_have_attribute("data-reflow-status", "fresh")  # that run is over
    expect(nb.cell(1)).to_have_attribute("data-reflow-status", "stale")
    expect(nb.output(1)).to_have_text(re.compile(r"8$"))
    mode.click()
    expect(mode).to_have_text(re.compile("reactive"))
    direction = nb.panel.locator(".reflow-direction")
    direction.click()
    expect(direction).to_have_text(re.compile("any order"))
    direction.click()
    expect(direction).to_have_text(re.compile("in order"))

    # A reactive run stops at the first error and says so.
    nb.run(1, "y = 1 / (x - 2)\ny")
    stopped = re.compile(r"the run stopped at cell \[\d+\] \(ZeroDivisionError")
    expect(page.get_by_role("alert").filter(has_text=stopped)).to_be_visible()  # a notification
    expect(nb.panel.locator(".reflow-message")).to_have_text(stopped)  # and in the toolbar
    expect(nb.cell(1)).to_have_attribute("data-reflow-status", "error")
    expect(nb.badge(1)).to_have_text(re.compile("error"))
    expect(nb.cell(2)).not_to_have_attribute("data-reflow-status", "fresh")
    expect(nb.output(2)).to_have_text(
        re.compile("80$")
    )  # not re-run: it would have read a failed cell

    nb.run(1, "y = x + 1\ny")
    expect(nb.output(2)).to_have_text("30")
    expect(nb.panel.locator(".reflow-message")).to_have_text("")

    # Saving writes the graph (and each cell's status) into the notebook's metadata.
    nb.save()
    expect(page.locator(".jp-mod-dirty")).to_have_count(0)
    saved = json.loads((lab.root / "flow.ipynb").read_text())
    ids = [cell["id"] for cell in saved["cells"] if cell["cell_type"] == "code"]
    graph = saved["metadata"]["reflow"]
    assert graph["version"] == 1 and graph["direction"] == "in_order"
    assert graph["cells"][ids[1]]["parents"] == [ids[0]]
    assert graph["cells"][ids[2]]["parents"] == [ids[1]]
    assert graph["cells"][ids[0]]["defs"] == ["x"]
    assert graph["cells"][ids[2]]["refs"] == ["y"]
    assert [graph["cells"][i]["status"] for i in ids[:3]] == ["fresh"] * 3


def test_opening_a_saved_notebook_shows_stale_outputs_without_running(
    lab: Server, page: Any
) -> None:
    """The file says b was stale when saved: it shows stale, and so does c, which reads b;
    nothing runs until asked, and Space then runs exactly those."""
    from playwright.sync_api import expect

    def shown(value: str) -> list[dict[str, Any]]:
        return [
            {
                "output_type": "execute_result",
                "data": {"text/plain": value},
                "metadata": {},
                "execution_count": 1,
            }
        ]

    graph = {
        "version": 1,
        "direction": "in_order",
        "cells": {
            "c0": {"refs": [], "defs": ["a"], "parents": [], "status": "fresh"},
            "c1": {
                "refs": ["a"],
                "defs": ["b"],
                "parents": ["c0"],
                "status": "stale",
                "stale_reason": "reads `a` from cell [c0], which changed",
            },
            "c2": {"refs": ["b"], "defs": ["c"], "parents": ["c1"], "status": "fresh"},
            "c3": {"refs": [], "defs": ["d"], "parents": [], "status": "fresh"},
        },
    }
    write_notebook(
        lab.root / "saved.ipynb",
        ["a = 3\na", "b = a * 2\nb", "c = b + 1\nc", "d = 'other'\nd"],
        metadata={"reflow": graph},
        outputs=[shown("3"), shown("4"), shown("5"), shown("'other'")],
        counts=[1, 2, 3, 4],
    )
    nb = NotebookPage(page).open(lab.url("saved.ipynb"))
    expect(nb.cell(1)).to_have_attribute("data-reflow-status", "stale")
    expect(nb.cell(2)).to_have_attribute("data-reflow-status", "stale")
    expect(nb.badge(2)).to_have_attribute("aria-label", re.compile(r"`b`.*cell \[2\].*stale"))
    assert [nb.cell(i).get_attribute("data-reflow-status") for i in (0, 3)] == ["fresh", "fresh"]
    expect(nb.badge(0)).to_have_class(re.compile("reflow-earlier"))
    assert nb.output(1).inner_text() == "4"  # nothing ran

    nb.select(3)
    nb.command_mode()
    page.keyboard.press("Space")
    expect(nb.output(1)).to_have_text("6")
    expect(nb.output(2)).to_have_text("7")
    expect(nb.cell(1)).to_have_attribute("data-reflow-status", "fresh")
    expect(nb.cell(2)).to_have_attribute("data-reflow-status", "fresh")
    assert nb.output(3).inner_text() == "'other'"  # fresh when saved: not run


def test_a_restarted_kernel_is_told_the_notebook_again(lab: Server, page: Any) -> None:
    from playwright.sync_api import expect

    write_notebook(lab.root / "restart.ipynb", ["n = 2", "m = n * 21\nm"])
    nb = NotebookPage(page).open(lab.url("restart.ipynb"))
    nb.run(0)
    nb.run(1)
    expect(nb.output(1)).to_have_text("42")
    nb.edit(0, "n = 3")  # an edit made just before the restart is not lost
    nb.command_mode()
    page.keyboard.press("0")
    page.keyboard.press("0")
    page.get_by_role("button", name="Confirm Kernel Restart").click()
    expect(nb.cell(1)).to_have_attribute("data-reflow-status", "stale")  # from before the restart
    nb.synced()
    # The new kernel knows both cells: running m pulls n (never run in this kernel) first.
    nb.run(1)
    expect(nb.output(1)).to_have_text("63")
    expect(nb.cell(0)).to_have_attribute("data-reflow-status", "fresh")


def test_deleting_a_cell_reruns_what_restores_a_run_all(lab: Server, page: Any) -> None:
    from playwright.sync_api import expect

    write_notebook(lab.root / "delete.ipynb", ["v = 1", "v = 2", "w = v * 10\nw"])
    nb = NotebookPage(page).open(lab.url("delete.ipynb"))
    for index in range(3):
        nb.run(index)
    expect(nb.output(2)).to_have_text("20")
    nb.select(1)
    page.keyboard.press("d")
    page.keyboard.press("d")
    # v = 2 is gone: v = 1 and w re-run, as a fresh run-all would leave them.
    expect(nb.cells).to_have_count(3)  # (Shift+Enter on the last cell had added one)
    expect(nb.output(1)).to_have_text("10")
    expect(nb.cell(1)).to_have_attribute("data-reflow-status", "fresh")


def test_a_reactive_run_shows_running_and_queued_cells(lab: Server, page: Any) -> None:
    from playwright.sync_api import expect

    write_notebook(
        lab.root / "queue.ipynb", ["q = 1", "import time\ntime.sleep(3)\nr = q + 1", "s = r + 1"]
    )
    nb = NotebookPage(page).open(lab.url("queue.ipynb"))
    for index in range(3):
        nb.run(index)
    expect(nb.cell(2)).to_have_attribute("data-reflow-status", "fresh", timeout=60_000)
    nb.run(0, "q = 2")
    # While the slow reader runs, the cell after it waits its turn; both say so in words.
    expect(nb.cell(1)).to_have_attribute("data-reflow-status", "running")
    expect(nb.badge(1)).to_have_text(re.compile("running"))
    expect(nb.cell(2)).to_have_attribute("data-reflow-status", "queued")
    expect(nb.badge(2)).to_have_attribute("aria-label", re.compile("queued: waiting to run"))
    expect(nb.cell(2)).to_have_attribute("data-reflow-status", "fresh", timeout=60_000)


def test_a_mode_switch_waits_for_the_runs_asked_for_before_it(lab: Server, page: Any) -> None:
    """A run keeps the mode it started with: switching back to reactive while a lazy run
    waits its turn does not make that run re-run the readers (the switch once went to
    the kernel at once, ahead of the run's execute_request)."""
    from playwright.sync_api import expect

    gate = lab.root / "switch.gate"  # cell 2 runs until the test creates it
    wait = f"import os, time\nwhile not os.path.exists({str(gate)!r}):\n    time.sleep(0.02)"
    write_notebook(lab.root / "switch.ipynb", ["x = 1", "y = x + 1\ny", wait, "'after'"])
    nb = NotebookPage(page).open(lab.url("switch.ipynb"))
    nb.run(0)
    nb.run(1)
    expect(nb.output(1)).to_have_text("2")
    mode = nb.panel.locator(".reflow-mode")
    mode.click()
    expect(mode).to_have_text(re.compile("lazy"))
    nb.edit(0, "x = 5")
    expect(nb.cell(1)).to_have_attribute("data-reflow-status", "stale")
    nb.run(2)  # holds the kernel, and so every run asked for after it
    expect(nb.cell(2)).to_have_attribute("data-reflow-status", "running")
    nb.run(0)  # lazy: asked for while lazy, it marks y stale and runs nothing else
    mode.click()  # back to reactive, while that run waits
    gate.write_text("")
    nb.run(3)  # runs after everything asked for before it
    expect(nb.output(3)).to_have_text("'after'")
    expect(mode).to_have_text(re.compile("reactive"))
    expect(nb.cell(0)).to_have_attribute("data-reflow-status", "fresh")
    expect(nb.cell(1)).to_have_attribute("data-reflow-status", "stale")
    expect(nb.output(1)).to_have_text(re.compile(r"^stale: reads `x`.*2$"))


def test_a_kernel_dying_mid_run_stops_the_run_and_loses_no_edit(lab: Server, page: Any) -> None:
    from playwright.sync_api import expect

    write_notebook(
        lab.root / "dies.ipynb",
        ["x = 1", "import os\nif x == 5:\n    os._exit(1)\nx", "y = x * 2\ny"],
    )
    nb = NotebookPage(page).open(lab.url("dies.ipynb"))
    for index in range(3):
        nb.run(index)
    expect(nb.output(2)).to_have_text("2")
    nb.edit(2, "y = x * 3\ny")  # edited, not run
    nb.run(0, "x = 5")  # the push runs cell 1, which kills the kernel
    # (cell 1 lost its execution count when it started: it is named by position)
    died = re.compile(r"kernel died or restarted while cell #2 ran")
    expect(page.get_by_role("alert").filter(has_text=died)).to_be_visible()
    expect(nb.cell(2).locator(".cm-content")).to_have_text("y = x * 3y")  # lines, no newline
    expect(nb.cell(2)).to_have_attribute("data-reflow-status", "dirty")
    expect(nb.cell(0)).to_have_attribute("data-reflow-status", "fresh")  # ran before it died
    # What happens next is Jupyter's auto-restart (slow and, on a busy machine, sometimes
    # longer than a test should wait); the re-sync after a restart is the test above.


def test_other_kernels_are_left_alone(lab: Server, page: Any) -> None:
    from playwright.sync_api import expect

    write_notebook(lab.root / "plain.ipynb", ["x = 1", "x + 1"], kernel="python3")
    page.set_default_timeout(120_000)
    page.goto(lab.url("plain.ipynb"))
    expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")).to_be_visible()
    expect(page.get_by_text("Python 3 (ipykernel) | Idle")).to_be_visible()
    nb = NotebookPage(page)
    nb.run(0)
    expect(nb.cell(0).locator(".jp-InputPrompt")).to_have_text("[1]:")
    nb.run(1)
    expect(nb.output(1)).to_have_text("2")
    expect(page.locator(".reflow-badge")).to_have_count(0)
    expect(page.locator(".jp-Notebook.reflow-active")).to_have_count(0)
    expect(nb.panel.locator(".reflow-mode")).to_be_hidden()


def test_notebook7_reactive_run_statuses_highlights_and_space(notebook7: Server, page: Any) -> None:
    from playwright.sync_api import expect

    write_notebook(notebook7.root / "seven.ipynb", ["x = 1", "y = x + 1\ny", "z = y * 10\nz"])
    nb = NotebookPage(page).open(notebook7.url("seven.ipynb"))
    nb.run(0)
    nb.run(1)
    nb.run(2)
    expect(nb.output(2)).to_have_text("20")
    nb.run(0, "x = 5")
    expect(nb.output(1)).to_have_text("6")
    expect(nb.output(2)).to_have_text("60")
    assert statuses(nb, 3) == ["fresh", "fresh", "fresh"]

    nb.run(0, "x = 0", keys="Control+Shift+Enter")
    expect(nb.cell(2)).to_have_attribute("data-reflow-status", "stale")
    expect(nb.badge(2)).to_have_attribute("aria-label", re.compile("`y`"))
    nb.select(1)
    expect(nb.cell(0)).to_have_attribute("data-reflow-relation", "upstream")
    expect(nb.cell(2)).to_have_attribute("data-reflow-relation", "downstream")
    nb.command_mode()
    page.keyboard.press("Space")
    expect(nb.output(2)).to_have_text("10")
    assert statuses(nb, 3) == ["fresh", "fresh", "fresh"]
