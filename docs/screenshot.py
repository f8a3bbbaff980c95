"""Make docs/screenshot.png: a reactive notebook in JupyterLab, statuses and highlights visible.

    .venv/bin/python docs/screenshot.py

Uses the browser tests' helpers (a real JupyterLab on 127.0.0.1, Debian's chromium).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from browser import NotebookPage, chromium, jupyter_server, write_notebook  # noqa: E402

CELLS = [
    "import math\nprices = [12.0, 15.5, 9.25]",
    "rate = 0.25",
    "taxed = [round(p * (1 + rate), 2) for p in prices]\ntaxed",
    "total = sum(taxed)\nprint(f'total: {total:.2f}')",
    "mean = total / len(taxed)\nround(mean, 2)",
    "label = 'prices, taxed'\nlabel",
]


def main() -> None:
    from playwright.sync_api import expect

    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        with jupyter_server("lab", scratch / "work", scratch) as server, chromium() as browser:
            write_notebook(server.root / "prices.ipynb", CELLS)
            page = browser.new_page(viewport={"width": 1100, "height": 760})
            nb = NotebookPage(page).open(server.url("prices.ipynb"))
            page.keyboard.press("Control+b")  # hide the file browser: more notebook
            for index in range(len(CELLS)):
                nb.run(index)
                expect(nb.cell(index)).to_have_attribute("data-reflow-status", "fresh")
            nb.run(1, "rate = 0.2")  # reactive: taxed, total and mean re-run in place
            expect(nb.cell(4)).to_have_attribute("data-reflow-status", "fresh")
            nb.edit(1, "rate = 0.3")  # edited, not run: its readers go stale
            expect(nb.cell(2)).to_have_attribute("data-reflow-status", "stale")
            nb.select(2)
            expect(nb.cell(1)).to_have_attribute("data-reflow-relation", "upstream")
            nb.cell(3).locator(".reflow-badge").hover()
            page.wait_for_timeout(1500)  # the badge's tooltip
            page.screenshot(path=str(HERE / "screenshot.png"))


if __name__ == "__main__":
    main()
