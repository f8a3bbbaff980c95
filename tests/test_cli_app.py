"""``reflow app``: a notebook served by Voilà on the reflow kernel, driven as a visitor would.

Each test starts the real command (Voilà in a child process, kernels of its
own) with a Jupyter configuration of its own, and drives it through its
output, HTTP, signals and, for what happens on the page, Debian's chromium:
moving a slider re-runs the cells that read it, in place, in that visitor's
kernel only.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest

from browser import CHROMIUM, LOAD, chromium, reflow_command, write_notebook
from reflow.cli.app import app_notebook

pytest.importorskip("voila")

needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")

APP = [
    "import ipywidgets as widgets\nimport matplotlib.pyplot as plt",
    "n = widgets.IntSlider(value=10, min=1, max=100, description='n')\nn",
    "doubled = n.value * 2\nprint(f'doubled is {doubled}')",
    "fig, ax = plt.subplots(figsize=(3, 2))\nax.plot([i * i for i in range(n.value)])\nplt.show()",
    "raise ValueError('this cell fails on purpose')",
    "print('a cell after the failing one:', 40 + 2)",
]

PERCENT = """\
# %% [markdown]
# # A percent app

# %%
import ipywidgets as widgets

# %%
level = widgets.IntSlider(value=3, min=0, max=50, description="level")
level

# %%
print(f"level squared is {level.value ** 2}")

# %%
1 / 0
"""


@dataclass
class App:
    process: subprocess.Popen[str]
    url: str

    @property
    def port(self) -> int:
        return int(self.url.split(":")[2].split("/")[0])


@contextmanager
def reflow_app(folder: Path, *args: str, port: int | None = None) -> Iterator[App]:
    with reflow_command("app", folder, args, port, scratch_in=folder.parent) as (
        process,
        printed,
        url,
    ):
        assert len(printed) == 1, printed  # the URL is the first line it prints
        yield App(process, url)


def page_of(url: str) -> str:
    """The page a visitor's browser is sent: every cell run, in a kernel of its own."""
    with urllib.request.urlopen(url, timeout=LOAD / 1000) as response:
        return str(response.read().decode("utf-8"))


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


# ---- in the browser ------------------------------------------------------------------


def _drag(page: Any, pixels: int) -> int:
    """Drag the page's slider by ``pixels``, as a visitor does; its new value."""
    from playwright.sync_api import expect

    handle = page.locator(".widget-slider .noUi-handle")
    readout = page.locator(".widget-readout")
    before = readout.inner_text()
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(x + pixels * step / 10, y)
    page.mouse.up()
    expect(readout).not_to_have_text(before)
    return int(readout.inner_text())


def _plot(page: Any) -> str:
    image = page.locator("img[src^='data:image/png']")
    from playwright.sync_api import expect

    expect(image).to_have_count(1)
    return str(image.get_attribute("src"))


@needs_chromium
def test_a_slider_reruns_its_readers_in_place_for_each_visitor_alone(tmp_path: Path) -> None:
    from playwright.sync_api import expect

    folder = tmp_path / "work"
    write_notebook(folder / "dashboard.ipynb", APP, kernel="python3")
    before = sorted(p.name for p in folder.iterdir())
    with reflow_app(folder, "dashboard.ipynb") as app, chromium() as browser:
        pages = []
        for _ in range(2):  # two visitors: two browser contexts, two kernels
            page = browser.new_context(viewport={"width": 1000, "height": 1400}).new_page()
            page.set_default_timeout(LOAD)
            page.goto(app.url)
            expect(page.get_by_text("doubled is 20", exact=True)).to_be_visible()
            pages.append(page)
        first, second = pages
        # The code is hidden; the failing cell shows that it failed (no traceback without
        # --show-tracebacks) and the cell after it ran.
        assert "n.value * 2" not in first.locator("body").inner_text()
        expect(first.get_by_text("There was an error when executing cell")).to_be_visible()
        expect(first.get_by_text("this cell fails on purpose")).to_have_count(0)
        expect(first.get_by_text("a cell after the failing one: 42")).to_be_visible()
        plot = _plot(first)

        value = _drag(first, 120)
        expect(first.get_by_text(f"doubled is {2 * value}", exact=True)).to_be_visible()
        # Replaced, not added below the old output.
        expect(first.get_by_text("doubled is 20", exact=True)).to_have_count(0)
        expect(first.locator("img[src^='data:image/png']")).not_to_have_attribute("src", plot)
        assert _plot(first) != plot

        # The other visitor's kernel did not move.
        expect(second.locator(".widget-readout")).to_have_text("10")
        expect(second.get_by_text("doubled is 20", exact=True)).to_be_visible()
        assert _plot(second) == plot
        other = _drag(second, -60)
        expect(second.get_by_text(f"doubled is {2 * other}", exact=True)).to_be_visible()
        expect(first.get_by_text(f"doubled is {2 * value}", exact=True)).to_be_visible()
    # Served from a copy: nothing was written beside the notebook.
    assert sorted(p.name for p in folder.iterdir()) == before


@needs_chromium
def test_a_percent_file_is_an_app_with_its_tracebacks_when_asked(tmp_path: Path) -> None:
    from playwright.sync_api import expect

    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "levels.py").write_text(PERCENT)
    with (
        reflow_app(folder, "levels.py", "--show-tracebacks") as app,
        chromium() as browser,
    ):
        page = browser.new_page(viewport={"width": 1000, "height": 1000})
        page.set_default_timeout(LOAD)
        page.goto(app.url)
        expect(page.get_by_role("heading", name="A percent app")).to_be_visible()
        expect(page.get_by_text("level squared is 9", exact=True)).to_be_visible()
        expect(page.get_by_text("ZeroDivisionError").first).to_be_visible()
        value = _drag(page, 100)
        expect(page.get_by_text(f"level squared is {value**2}", exact=True)).to_be_visible()
        expect(page.get_by_text("level squared is 9", exact=True)).to_have_count(0)
    assert sorted(p.name for p in folder.iterdir()) == ["levels.py"]


# ---- without a browser ------------------------------------------------------------------

MEMO = """\
# %%
from pathlib import Path

# %%
%%memoize
runs = Path("runs.txt")
runs.write_text(runs.read_text() + "ran\\n" if runs.exists() else "ran\\n")
total = sum(range(1000))
print("total", total)
"""


def test_memoized_cells_hit_across_visitors_and_signals_stop_it(tmp_path: Path) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "memo.py").write_text(MEMO)
    with socket.socket() as busy:  # the port asked for is taken: Voilà moves, the URL says so
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        with reflow_app(folder, "memo.py", port=taken) as app:
            assert app.port != taken
            assert "token=" in app.url
            with urllib.request.urlopen(app.url.split("?")[0], timeout=60) as response:
                assert "/login" in response.url  # without the token: Voilà's login page
                assert "total" not in response.read().decode("utf-8")
            first, second = page_of(app.url), page_of(app.url)
            assert "total 499500" in first
            assert "restored runs, total from the cache" in second
            # The second visitor's kernel restored the cell from the first one's cache.
            assert (folder / "runs.txt").read_text() == "ran\n"
            assert (folder / ".reflow" / "cache").is_dir()
            app.process.send_signal(signal.SIGTERM)
            assert app.process.wait(timeout=60) == 128 + signal.SIGTERM
            assert not _listening(app.port)


MARIMO = """\
import marimo

app = marimo.App()


@app.cell
def _(base):
    doubled = base * 2
    return (doubled,)


@app.cell
def _():
    base = 21
    return (base,)


if __name__ == "__main__":
    app.run()
"""


def test_a_marimo_notebook_is_served_in_its_run_order_on_the_reflow_kernel(
    tmp_path: Path,
) -> None:
    (tmp_path / "mo.py").write_text(MARIMO)
    served = nbformat.reads(app_notebook(tmp_path / "mo.py"), as_version=4)
    assert served.metadata.kernelspec.name == "reflow"
    assert [c.source.strip() for c in served.cells if c.cell_type == "code"] == [
        "base = 21",
        "doubled = base * 2",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mo.py"]


def test_a_notebook_in_another_language_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.ipynb"
    path.write_text(
        json.dumps(
            {
                "cells": [],
                "metadata": {"kernelspec": {"name": "ir", "language": "R", "display_name": "R"}},
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        )
    )
    done = subprocess.run(
        [sys.executable, "-m", "reflow", "app", str(path), "--no-browser"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "a notebook in R; reflow app serves Python" in done.stderr
