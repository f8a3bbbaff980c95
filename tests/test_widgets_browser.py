"""A slider dragged in a real JupyterLab, in a real browser: the cells that read it
re-run and their outputs change (docs/kernel.md, "Widgets are inputs").

Once with the reflow extension (the readers run as ordinary executions in their
own cells) and once without it (the kernel re-runs them and replaces their
outputs in place). Needs Debian's chromium (.ci/run installs it).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser import CHROMIUM, LOAD, NotebookPage, chromium, jupyter_server, write_notebook

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")

SLIDER = "import ipywidgets as widgets\ns = widgets.IntSlider(value=10, min=0, max=100)\ns"
READER = "doubled = s.value * 2\ndoubled"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def drag(page: Any, cell: Any, pixels: int) -> int:
    """Drag the slider in ``cell``'s output by ``pixels``, as a user does; its new value."""
    from playwright.sync_api import expect

    handle = cell.locator(".widget-slider .noUi-handle")
    expect(handle).to_be_visible()
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 11):  # a drag: many positions, each an update to the kernel
        page.mouse.move(x + pixels * step / 10, y)
    page.mouse.up()
    readout = cell.locator(".widget-readout")
    expect(readout).not_to_have_text("10")
    return int(readout.inner_text())


def test_dragging_a_slider_reruns_its_reader_with_the_extension(browser: Any) -> None:
    from playwright.sync_api import expect

    with tempfile.TemporaryDirectory(prefix="reflow-widgets-lab-") as folder:
        scratch = Path(folder)
        with jupyter_server("lab", scratch / "work", scratch) as server:
            write_notebook(server.root / "slider.ipynb", [SLIDER, READER])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            try:
                nb = NotebookPage(page).open(server.url("slider.ipynb"))
                nb.run(0)
                expect(nb.cell(0).locator(".widget-slider")).to_be_visible()
                nb.run(1)
                expect(nb.output(1)).to_have_text("20")
                count = nb.cell(1).locator(".jp-InputPrompt").inner_text()
                value = drag(page, nb.cell(0), 150)
                expect(nb.output(1)).to_have_text(str(2 * value))
                # Run again as an execution of its own cell, and up to date.
                expect(nb.cell(1).locator(".jp-InputPrompt")).not_to_have_text(count)
                expect(nb.cell(1)).to_have_attribute("data-reflow-status", "fresh")
                expect(nb.cell(0)).to_have_attribute("data-reflow-status", "fresh")
            except Exception:
                page.screenshot(path=str(scratch.parent / "reflow-widgets-ext-failure.png"))
                raise
            finally:
                page.close()


def test_dragging_a_slider_updates_its_reader_in_place_without_the_extension(
    browser: Any,
) -> None:
    from playwright.sync_api import expect

    with tempfile.TemporaryDirectory(prefix="reflow-widgets-plain-") as folder:
        scratch = Path(folder)
        with jupyter_server("lab", scratch / "work", scratch, disabled=("reflow",)) as server:
            write_notebook(server.root / "slider.ipynb", [SLIDER, READER])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            try:
                page.set_default_timeout(LOAD)
                page.goto(server.url("slider.ipynb"))
                expect(page.get_by_text("Python 3 (reflow) | Idle")).to_be_visible(timeout=LOAD)
                cells = page.locator(".jp-Notebook .jp-Cell")
                for index in range(2):
                    prompt = cells.nth(index).locator(".jp-InputArea-prompt")
                    for _ in range(3):  # JupyterLab may drop a run sent as the kernel connects
                        cells.nth(index).locator(".jp-InputPrompt").click()
                        page.keyboard.press("Shift+Enter")
                        try:
                            expect(prompt).not_to_have_text("[ ]:", timeout=10_000)
                            break
                        except AssertionError:
                            continue
                    expect(prompt).to_have_text(f"[{index + 1}]:")
                output = cells.nth(1).locator(".jp-OutputArea-output")
                expect(output).to_have_text("20")
                value = drag(page, cells.nth(0), 150)
                expect(output).to_have_text(str(2 * value))
                # Replaced in place: the reader's prompt is still its own execution's.
                expect(cells.nth(1).locator(".jp-InputArea-prompt")).to_have_text("[2]:")
                expect(output).not_to_have_text(re.compile("stale"))
            except Exception:
                page.screenshot(path=str(scratch.parent / "reflow-widgets-plain-failure.png"))
                raise
            finally:
                page.close()
