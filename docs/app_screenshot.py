"""Make docs/app.png: a notebook served by ``reflow app``, after a slider was moved.

    .venv/bin/python docs/app_screenshot.py

Starts the real command on 127.0.0.1 and drives the page in Debian's chromium
(the browser tests' helpers).
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from browser import chromium, free_port, write_notebook  # noqa: E402

CELLS = [
    "import ipywidgets as widgets\nimport matplotlib.pyplot as plt\nimport numpy as np",
    "frequency = widgets.FloatSlider(value=1.0, min=0.5, max=5.0, step=0.25, "
    "description='frequency')\nfrequency",
    "x = np.linspace(0, 2 * np.pi, 400)\nwave = np.sin(frequency.value * x)\n"
    "crossings = int((np.diff(np.sign(wave)) != 0).sum())\n"
    "print(f'{frequency.value} cycles; the wave crosses zero {crossings} times')",
    "fig, ax = plt.subplots(figsize=(6, 2.4))\nax.plot(x, wave)\nax.set_xlabel('x')\n"
    "ax.set_title(f'sin({frequency.value} x)')\nplt.show()",
]


def main() -> None:
    from playwright.sync_api import expect

    with tempfile.TemporaryDirectory() as scratch_dir:
        folder = Path(scratch_dir)
        write_notebook(folder / "waves.ipynb", CELLS)
        token = secrets.token_urlsafe(16)
        command = [sys.executable, "-m", "reflow", "app", "waves.ipynb", "--no-browser"]
        command += ["--port", str(free_port()), f"--token={token}"]
        app = subprocess.Popen(
            command, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        try:
            assert app.stdout is not None
            url = app.stdout.readline().removeprefix("reflow app: ").split(" ")[0]
            with chromium() as browser:
                page = browser.new_page(viewport={"width": 900, "height": 400})
                page.set_default_timeout(120_000)
                page.goto(url)
                expect(page.get_by_text("1.0 cycles", exact=False)).to_be_visible()
                handle = page.locator(".widget-slider .noUi-handle")
                handle.focus()
                for _ in range(6):  # six steps of 0.25: 2.5 cycles
                    handle.press("ArrowRight")
                expect(page.get_by_text("2.5 cycles", exact=False)).to_be_visible()
                page.wait_for_timeout(500)
                page.screenshot(path=str(HERE / "app.png"))
        finally:
            app.terminate()
            app.wait(timeout=60)


if __name__ == "__main__":
    main()
