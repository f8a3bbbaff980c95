"""Real Jupyter servers and a real browser for the extension's tests.

A server (JupyterLab or Notebook 7) runs on 127.0.0.1 with a token, with a
configuration and workspace of its own (no user settings), serving one
directory. Debian's chromium, driven by Playwright, headless.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
LOAD = 120_000  # ms: a first page load on a busy two-core machine
STEP = 30_000  # ms: anything after it (a run is a few kernel round trips)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Jupyter's "news" prompt covers the notebook's lower right corner.
QUIET = {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}


def hear_ctrl_c() -> None:
    """In the child, before it runs: Ctrl-C's SIGINT as Python's default handles it. A
    process started from a background job (``cmd &``, ``nohup``) inherits SIGINT
    ignored, and Python then never installs its KeyboardInterrupt: the tests' Ctrl-C
    would not reach the server they start."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def reflow_command(
    command: str,
    cwd: Path,
    args: tuple[str, ...],
    port: int | None,
    *,
    scratch_in: Path,
    config: dict[str, Any] | None = None,
) -> Iterator[tuple[subprocess.Popen[str], list[str], str]]:
    """``reflow COMMAND ARGS --no-browser --port N`` (``reflow lab``, ``reflow app``) started
    in ``cwd`` as a user starts it, with a Jupyter configuration, runtime and IPython
    directory of its own (in ``scratch_in``; ``config``: JSON files to put in the
    configuration directory first, by relative path): the process, the lines it printed
    up to and including the one with its URL, and that URL. Stopped with Ctrl-C's SIGINT
    at the end."""
    scratch = Path(tempfile.mkdtemp(prefix="scratch-", dir=scratch_in))
    (scratch / "config").mkdir()
    for relative, content in (config or {}).items():
        (scratch / "config" / relative).parent.mkdir(parents=True, exist_ok=True)
        (scratch / "config" / relative).write_text(json.dumps(content))
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(scratch / "config"),
        "JUPYTER_RUNTIME_DIR": str(scratch / "runtime"),
        "JUPYTERLAB_WORKSPACES_DIR": str(scratch / "workspaces"),
        "IPYTHONDIR": str(scratch / "ipython"),
    }
    line = [sys.executable, "-m", "reflow", command, *args, "--no-browser"]
    line += ["--port", str(port or free_port())]
    log_path = scratch / f"{command}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            line,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            env=env,
            cwd=cwd,
            preexec_fn=hear_ctrl_c,
        )
    try:
        printed: list[str] = []
        assert process.stdout is not None
        for output in process.stdout:
            printed.append(output.rstrip("\n"))
            if output.startswith(f"reflow {command}: http"):
                break
        else:
            raise AssertionError(f"{printed}\n{log_path.read_text()}")
        url = printed[-1].removeprefix(f"reflow {command}: ").split(" ")[0]
        yield process, printed, url
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=60)


@dataclass
class Server:
    app: str  # "lab" or "notebook"
    base: str
    token: str
    root: Path

    def url(self, name: str) -> str:
        if self.app == "lab":  # reset: only this notebook open, not the last test's too
            return f"{self.base}/lab/tree/{name}?reset&token={self.token}"
        return f"{self.base}/notebooks/{name}?token={self.token}"


@contextmanager
def jupyter_server(
    app: str, root: Path, scratch: Path, *, disabled: tuple[str, ...] = ()
) -> Iterator[Server]:
    """``python -m jupyterlab`` or ``python -m notebook``, serving ``root``; ``disabled``:
    frontend extensions turned off (``"reflow"``: the no-extension path)."""
    port, token = free_port(), secrets.token_urlsafe(16)
    config = scratch / "config"
    (config / "labconfig").mkdir(parents=True, exist_ok=True)
    page_config = {"disabledExtensions": {**QUIET["disabledExtensions"]}}
    page_config["disabledExtensions"].update(dict.fromkeys(disabled, True))
    (config / "labconfig" / "page_config.json").write_text(json.dumps(page_config))
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTERLAB_WORKSPACES_DIR": str(scratch / "workspaces"),
        "IPYTHONDIR": str(scratch / "ipython"),
    }
    module = "jupyterlab" if app == "lab" else "notebook"
    root.mkdir(parents=True, exist_ok=True)
    log_path = scratch / f"{app}.log"
    command = [
        sys.executable,
        "-m",
        module,
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        f"--ServerApp.root_dir={root}",
        f"--IdentityProvider.token={token}",
        *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
    ]
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(600):
                try:
                    with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2):
                        break
                except OSError:
                    if server.poll() is not None:
                        raise AssertionError(log_path.read_text()) from None
                    time.sleep(0.2)
            yield Server(app, base, token, root)
        finally:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
                try:
                    server.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, signal.SIGKILL)
                    server.wait()


@contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=STEP)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def write_notebook(
    path: Path,
    sources: list[str],
    *,
    kernel: str = "reflow",
    metadata: dict[str, Any] | None = None,
    outputs: list[list[dict[str, Any]]] | None = None,
    counts: list[int | None] | None = None,
) -> list[str]:
    """A notebook file with these code cells (ids c0, c1, ...); the cell ids."""
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": kernel,
        "display_name": "Python 3 (reflow)" if kernel == "reflow" else "Python 3",
        "language": "python",
    }
    notebook.metadata["language_info"] = {"name": "python"}
    notebook.metadata.update(metadata or {})
    ids = [f"c{index}" for index in range(len(sources))]
    for index, source in enumerate(sources):
        cell = nbformat.v4.new_code_cell(source, id=ids[index])
        if outputs is not None:
            cell.outputs = [nbformat.from_dict(o) for o in outputs[index]]
        if counts is not None:
            cell.execution_count = counts[index]
        notebook.cells.append(cell)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nbformat.writes(notebook))
    return ids


class NotebookPage:
    """One notebook open in the browser, and the moves a user makes in it."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
        self.cells = self.panel.locator(".jp-Notebook .jp-Cell")

    def open(self, url: str) -> NotebookPage:
        from playwright.sync_api import expect

        self.page.set_default_timeout(LOAD)
        self.page.goto(url)
        # The extension connected: the kernel knows the notebook, every code cell has a badge.
        expect(self.panel.locator(".reflow-mode")).to_be_visible()
        self.synced()  # a kernel starts: slow on a busy machine
        expect(self.cells.first).to_have_attribute("data-reflow-status", _any())
        self.page.set_default_timeout(STEP)
        return self

    def synced(self, timeout: float = LOAD) -> None:
        from playwright.sync_api import expect

        synced = self.panel.locator(".jp-Notebook[data-reflow-kernel='synced']")
        expect(synced).to_have_count(1, timeout=timeout)

    def cell(self, index: int) -> Any:
        return self.cells.nth(index)

    def focus(self, index: int) -> None:
        """Put the cursor in a cell's editor, and wait until the notebook is in edit mode:
        keys typed before that are command-mode shortcuts (Space runs the stale cells)."""
        from playwright.sync_api import expect

        self.cell(index).locator(".cm-content").click()
        expect(self.cell(index)).to_have_class(re.compile(r"\bjp-mod-active\b"))
        expect(self.panel.locator(".jp-Notebook.jp-mod-editMode")).to_have_count(1)
        expect(self.cell(index).locator(".cm-editor.cm-focused")).to_have_count(1)

    def edit(self, index: int, code: str) -> None:
        """Replace a cell's source by typing, as a user does; wait until the editor shows
        it (a key pressed before that, Shift+Enter, could run the old code on a busy
        machine)."""
        from playwright.sync_api import expect

        self.focus(index)
        self.page.keyboard.press("Control+A")
        self.page.keyboard.type(code)
        lines = self.cell(index).locator(".cm-content .cm-line")
        expect(lines).to_have_text([line for line in code.split("\n")])

    def run(self, index: int, code: str | None = None, keys: str = "Shift+Enter") -> None:
        if code is not None:
            self.edit(index, code)
        else:
            self.focus(index)
        self.page.keyboard.press(keys)

    def command_mode(self) -> None:
        self.page.keyboard.press("Escape")

    def output(self, index: int) -> Any:
        return self.cell(index).locator(".jp-OutputArea-output")

    def badge(self, index: int) -> Any:
        return self.cell(index).locator(".reflow-badge")

    def select(self, index: int) -> None:
        """Select a cell in command mode (a click on its prompt)."""
        self.cell(index).locator(".jp-InputPrompt").click(position={"x": 4, "y": 4})

    def save(self) -> None:
        self.command_mode()
        self.page.keyboard.press("Control+s")


def _any() -> Any:
    return re.compile(".+")
