"""``reflow app`` against Voilà on ipykernel: first paint, and a slider move to its update.

One notebook: a slider, a cell printing a value computed from it, a cell
plotting from it. Served three ways, each visitor in a fresh browser context
(a kernel of its own):

- ``reflow app`` (Voilà on the reflow kernel): moving the slider re-runs the
  two cells that read it;
- Voilà on ipykernel, the same notebook: the page is static once painted;
- Voilà on ipykernel, the same work under ``@interact``: moving the slider
  re-runs the interact function only (what a Voilà app is written as today).

First paint: from the request (``page.goto``) until the dependent text and
the plot are on the page. Update: from a key press that moves the slider one
step until the text shows the new value. Medians (min-max) in seconds over
``VISITS`` visitors and, for updates, ``MOVES`` moves each. Debian's chromium
through Playwright, headless.

Run: ``python benchmarks/app.py [--append benchmarks/RESULTS.md] [--quick]``
with a Python whose environment has reflow, voila, ipykernel, ipywidgets,
matplotlib and playwright (``make bench`` uses the peers' venv).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from timing import fmt, report

VISITS = 5
MOVES = 10
CHROMIUM = "/usr/bin/chromium"
LOAD = 120_000  # ms

IMPORTS = "import ipywidgets as widgets\nimport matplotlib.pyplot as plt"
REACTIVE = [
    IMPORTS,
    "n = widgets.IntSlider(value=10, min=1, max=100, description='n')\nn",
    "doubled = n.value * 2\nprint(f'doubled is {doubled}')",
    "fig, ax = plt.subplots(figsize=(3, 2))\nax.plot([i * i for i in range(n.value)])\nplt.show()",
]
INTERACT = [
    IMPORTS,
    "@widgets.interact(n=widgets.IntSlider(value=10, min=1, max=100, description='n'))\n"
    "def show(n):\n"
    "    print(f'doubled is {n * 2}')\n"
    "    fig, ax = plt.subplots(figsize=(3, 2))\n"
    "    ax.plot([i * i for i in range(n)])\n"
    "    plt.show()",
]


def notebook(path: Path, cells: list[str], kernel: str) -> Path:
    path.write_text(
        json.dumps(
            {
                "cells": [
                    {
                        "cell_type": "code",
                        "id": f"c{index}",
                        "metadata": {},
                        "source": source,
                        "outputs": [],
                        "execution_count": None,
                    }
                    for index, source in enumerate(cells)
                ],
                "metadata": {
                    "kernelspec": {"name": kernel, "display_name": kernel, "language": "python"},
                    "language_info": {"name": "python"},
                },
                "nbformat": 4,
                "nbformat_minor": 5,
            },
            indent=1,
        )
    )
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(command: list[str], folder: Path, token: str) -> Iterator[str]:
    """A server (``reflow app`` or Voilà) started in ``folder``; its URL once it listens."""
    log = (folder / f"server-{secrets.token_hex(3)}.log").open("w+")
    process = subprocess.Popen(
        command, cwd=folder, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 120
        port = None
        while port is None and time.monotonic() < deadline:
            if process.poll() is not None:
                log.seek(0)
                raise SystemExit(f"{' '.join(command)} exited:\n{log.read()[-2000:]}")
            log.seek(0)
            found = re.search(r"http://127\.0\.0\.1:(\d+)/", log.read())
            port = int(found.group(1)) if found else None
            time.sleep(0.1)
        if port is None:
            raise SystemExit(f"{' '.join(command)} did not start")
        yield f"http://127.0.0.1:{port}/?token={token}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def reflow_app(path: Path, token: str) -> list[str]:
    command = [sys.executable, "-m", "reflow", "app", path.name, "--no-browser"]
    return [*command, "--port", str(_free_port()), f"--token={token}"]


def voila(path: Path, token: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "voila",
        path.name,
        "--no-browser",
        "--Voila.ip=127.0.0.1",
        f"--Voila.port={_free_port()}",
        f"--Voila.token={token}",
    ]


def visit(browser: Any, url: str, moves: int) -> tuple[float, list[float]]:
    """One visitor: seconds to first paint, then seconds from each slider step to its text."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1000, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(LOAD)
        start = time.perf_counter()
        page.goto(url, wait_until="commit")
        expect(page.get_by_text("doubled is 20", exact=True)).to_be_visible()
        expect(page.locator("img[src^='data:image/png']")).to_be_visible()
        painted = time.perf_counter() - start
        updates = []
        handle = page.locator(".widget-slider .noUi-handle")
        handle.focus()
        for step in range(1, moves + 1):
            start = time.perf_counter()
            handle.press("ArrowRight")
            expect(page.get_by_text(f"doubled is {2 * (10 + step)}", exact=True)).to_be_visible()
            updates.append(time.perf_counter() - start)
        return painted, updates
    finally:
        context.close()


def measure(root: Path, visits: int, moves: int) -> list[dict[str, str]]:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=LOAD)
    token = secrets.token_urlsafe(16)
    setups = {
        "reflow app (Voilà, reflow kernel)": (
            reflow_app(notebook(root / "reactive.ipynb", REACTIVE, "python3"), token),
            moves,
        ),
        "Voilà, ipykernel, the same notebook": (
            voila(notebook(root / "same.ipynb", REACTIVE, "python3"), token),
            0,  # a static page: nothing to update
        ),
        "Voilà, ipykernel, @interact": (
            voila(notebook(root / "interact.ipynb", INTERACT, "python3"), token),
            moves,
        ),
    }
    painted: dict[str, list[float]] = {name: [] for name in setups}
    updated: dict[str, list[float]] = {name: [] for name in setups}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        try:
            for name, (command, steps) in setups.items():
                with served(command, root, token) as url:
                    visit(browser, url, 0)  # warm: the first kernel start pays for the disk
                    for _ in range(visits):
                        first, updates = visit(browser, url, steps)
                        painted[name].append(first)
                        updated[name].extend(updates)
        finally:
            browser.close()
    floor = statistics.median(painted["Voilà, ipykernel, the same notebook"])
    moved = statistics.median(updated["Voilà, ipykernel, @interact"])
    return [
        {
            "served as": name,
            "first paint s, median (min-max)": fmt(painted[name], unit=1.0),
            "vs Voilà": f"{statistics.median(painted[name]) / floor:.2f}x",
            "slider step to update s": fmt(updated[name], unit=1.0) if updated[name] else "-",
            "vs @interact": (
                f"{statistics.median(updated[name]) / moved:.2f}x" if updated[name] else "-"
            ),
        }
        for name in setups
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--append", type=Path, help="append the results section to this file")
    parser.add_argument("--quick", action="store_true", help="one visitor, two moves: a smoke test")
    args = parser.parse_args()
    visits, moves = (1, 2) if args.quick else (VISITS, MOVES)
    with tempfile.TemporaryDirectory(prefix="reflow-app-bench-") as root:
        rows = measure(Path(root), visits, moves)
    report(
        "Notebooks as apps (`benchmarks/app.py`)",
        [
            f"{visits} visitors each (a browser context and a kernel of their own, after one "
            f"to warm up), {moves} slider steps each, wall-clock seconds; headless chromium, "
            f"Python {sys.version.split()[0]}. First paint: from the request until the "
            "dependent text and the plot are shown. Update: from the key press that moves "
            "the slider one step until the dependent text changes (reflow re-runs the "
            "two cells that read the slider, the print and the plot; @interact re-runs "
            "its function, which prints and plots).",
        ],
        rows,
        args.append,
        append=True,
    )


if __name__ == "__main__":
    main()
