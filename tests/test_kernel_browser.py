"""Real JupyterLab, no reflow extension, a real browser: a re-run cell's output
changes in place (the no-extension path of docs/kernel.md).

Started the way a user starts it: ``reflow lab NOTEBOOK`` (localhost, a token).
Needs Debian's chromium (.ci/run installs it); Playwright drives it, headless.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")
SCREENSHOT = Path(os.environ.get("TMPDIR", "/tmp")) / "reflow-browser-test-failure.png"
LOG = SCREENSHOT.with_name("reflow-browser-test-lab.log")
LOAD = 120_000  # ms: JupyterLab's first load on a busy two-core machine


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def lab() -> Iterator[str]:
    # Not pytest's tmp_path: other pytest sessions on this machine prune old base temp
    # directories, and this one must outlive a server.
    with tempfile.TemporaryDirectory(prefix="reflow-lab-test-") as folder:
        yield from _lab(Path(folder))


def _lab(tmp_path: Path) -> Iterator[str]:
    port, token = free_port(), secrets.token_urlsafe(16)
    # This is the no-extension path: the reflow extension, installed with reflow, is off.
    (tmp_path / "config" / "labconfig").mkdir(parents=True)
    (tmp_path / "config" / "labconfig" / "page_config.json").write_text(
        '{"disabledExtensions": {"reflow": true}}'
    )
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),  # no user settings, no workspace
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
        "IPYTHONDIR": str(tmp_path / "ipython"),
    }
    notebook = tmp_path / "work" / "reactive.ipynb"
    log = LOG.open("wb")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "reflow",
            "lab",
            str(notebook),
            "--no-browser",
            "--port",
            str(port),
            f"--token={token}",  # a token may start with `-`: not a separate argument
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                if server.poll() is not None:
                    raise AssertionError(LOG.read_text()) from None
                time.sleep(0.2)
        assert notebook.exists()  # reflow lab created it, with the reflow kernel
        yield f"{base}/lab/tree/reactive.ipynb?token={token}"
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        log.close()


def test_a_rerun_cell_updates_in_place_in_jupyterlab_without_extension(lab: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            page = browser.new_page()
            console = SCREENSHOT.with_name("reflow-browser-test-console.log").open("w")
            page.on("console", lambda m: console.write(f"{m.type}: {m.text}\n"))
            page.set_default_timeout(LOAD)
            expect.set_options(timeout=LOAD)
            page.goto(lab)
            expect(
                page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")
            ).to_be_visible()
            expect(page.get_by_text("Python 3 (reflow)").first).to_be_visible()
            # The status bar names the kernel's state only once a kernel is connected;
            # a cell run before that is silently not executed by JupyterLab.
            expect(page.get_by_text("Python 3 (reflow) | Idle")).to_be_visible()
            cells = page.locator(".jp-Notebook .jp-Cell")

            def run(index: int, code: str, count: int) -> None:
                """Type into cell ``index`` and Shift+Enter; it becomes In [count]."""
                cell = cells.nth(index)
                editor = cell.locator(".cm-content")
                editor.click()
                page.keyboard.press("Control+A")
                page.keyboard.type(code)
                expect(editor).to_have_text(code)
                prompt = cell.locator(".jp-InputArea-prompt")
                for _ in range(3):
                    # From command mode: leaving the editor hands its text to the model.
                    cell.locator(".jp-InputPrompt").click()
                    expect(page.locator(".jp-Notebook.jp-mod-commandMode")).to_have_count(1)
                    page.keyboard.press("Shift+Enter")
                    # JupyterLab now and then drops a run it was given right after the
                    # kernel connected (the prompt stays "[ ]:", nothing reaches the
                    # kernel): only then is it asked again.
                    try:
                        expect(prompt).not_to_have_text("[ ]:", timeout=10_000)
                        break
                    except AssertionError:
                        continue
                expect(prompt).to_have_text(f"[{count}]:")

            run(0, "x = 1", 1)
            run(1, "y = x + 1; y", 2)
            second = cells.nth(1).locator(".jp-OutputArea-output")
            expect(second).to_have_text("2")
            run(0, "x = 10", 3)
            expect(second).to_have_text("11")  # the same output, replaced: no new cell ran
            first = cells.nth(0).locator(".jp-OutputArea-output")
            expect(first.filter(has_text="reflow: re-ran: In [2]")).to_have_count(1)
            expect(cells.nth(1).locator(".jp-InputArea-prompt")).to_have_text("[2]:")
        except Exception:
            page.screenshot(path=str(SCREENSHOT))
            raise
        finally:
            browser.close()
