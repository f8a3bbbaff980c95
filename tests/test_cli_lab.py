"""``reflow lab``: the kernel notebooks open on, the URL it prints, how it stops.

Each test starts the real command (JupyterLab in a child process) with a
Jupyter configuration, runtime directory and workspace of its own, and
drives it as a user would: through its output, HTTP and signals. That the
notebook then runs on the reflow kernel in the browser is
``the browser test at the end.
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

import nbformat
import pytest

from browser import (
    CHROMIUM,
    QUIET,
    NotebookPage,
    chromium,
    reflow_command,
    write_notebook,
)

pytest.importorskip("jupyterlab")


@dataclass
class Lab:
    process: subprocess.Popen[str]
    printed: list[str]  # stdout lines up to and including the URL line
    url: str


@contextmanager
def reflow_lab(tmp_path: Path, *args: str, port: int | None = None) -> Iterator[Lab]:
    page_config = {"labconfig/page_config.json": QUIET}
    with reflow_command("lab", tmp_path, args, port, scratch_in=tmp_path, config=page_config) as (
        process,
        printed,
        url,
    ):
        yield Lab(process, printed, url)


def _status(url: str) -> dict[str, object]:
    base, token = url.split("/lab?token=")
    with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=30) as response:
        return dict(json.load(response))


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_a_python3_notebook_is_switched_to_the_reflow_kernel_saying_so(tmp_path: Path) -> None:
    path = tmp_path / "analysis.ipynb"
    write_notebook(path, ["x = 1"], kernel="python3")
    with reflow_lab(tmp_path, "analysis.ipynb") as lab:
        assert lab.printed[0] == (
            "reflow lab: analysis.ipynb asked for kernel 'python3'; it now uses the reflow "
            "kernel (--keep-kernel to leave it as it was)"
        )
        assert _status(lab.url)["started"]
    saved = nbformat.read(path, as_version=4)
    assert saved.metadata.kernelspec == {
        "display_name": "Python 3 (reflow)",
        "language": "python",
        "name": "reflow",
    }
    assert saved.cells[0].source == "x = 1"


def test_keep_kernel_and_other_languages_leave_the_notebook_alone(tmp_path: Path) -> None:
    pinned = tmp_path / "pinned.ipynb"
    write_notebook(pinned, ["x = 1"], kernel="python3")
    before = pinned.read_bytes()
    with reflow_lab(tmp_path, "pinned.ipynb", "--keep-kernel") as lab:
        assert len(lab.printed) == 1  # only the URL: nothing switched
    assert pinned.read_bytes() == before

    r_notebook = tmp_path / "r.ipynb"
    r_notebook.write_text(
        json.dumps(
            {
                "cells": [],
                "metadata": {"kernelspec": {"name": "ir", "language": "R", "display_name": "R"}},
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        )
    )
    before = r_notebook.read_bytes()
    with reflow_lab(tmp_path, "r.ipynb") as lab:
        assert lab.printed[0] == (
            "reflow lab: r.ipynb is a notebook in R, not Python: it keeps its kernel 'ir'"
        )
    assert r_notebook.read_bytes() == before


def test_the_url_printed_is_the_port_jupyter_serves_on(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        with reflow_lab(tmp_path, port=taken) as lab:
            served = int(lab.url.split(":")[2].split("/")[0])
            assert served != taken
            assert _status(lab.url)["started"]


# A server whose port is named before it listens on it, as Jupyter's is (its runtime file
# is written before its event loop binds the port it probed free): two seconds after it
# starts it listens on the port (`listen`), or exits with 3 without ever listening (`exit`).
_LATE_SERVER = """
import socket, sys, time
time.sleep(2)
if sys.argv[2] == "exit":
    sys.exit(3)
with socket.socket() as s:
    s.bind(("127.0.0.1", int(sys.argv[1])))
    s.listen()
    time.sleep(60)
"""


@pytest.mark.parametrize(
    ("listens", "printed", "code"),
    [
        (True, True, 130),  # printed once the port accepts; Ctrl-C then stops it
        (False, False, 3),  # exited before accepting: no URL, its exit code
    ],
    ids=["listens-late", "exits-first"],
)
def test_the_url_is_printed_once_its_port_accepts(
    capsys: pytest.CaptureFixture[str], listens: bool, printed: bool, code: int
) -> None:
    from reflow.cli.serving import serve

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/lab?token=t"
    seen: list[bool] = []

    def ready(_: str) -> None:
        seen.append(_listening(port))
        raise KeyboardInterrupt  # as Ctrl-C: reflow stops the server

    command = [sys.executable, "-c", _LATE_SERVER, str(port), "listen" if listens else "exit"]
    assert serve("lab", "JupyterLab", command, lambda _: url, ready=ready) == code
    assert seen == ([True] if printed else [])
    assert (f"reflow lab: {url}" in capsys.readouterr().out) == printed


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["TERM", "HUP"])
def test_a_signal_to_reflow_lab_stops_its_jupyterlab(tmp_path: Path, signum: int) -> None:
    with reflow_lab(tmp_path) as lab:
        port = int(lab.url.split(":")[2].split("/")[0])
        assert _listening(port)  # the URL is printed once the port accepts
        lab.process.send_signal(signum)
        assert lab.process.wait(timeout=60) == 128 + signum
        # reflow waited for its child: nothing serves on the port any more.
        assert not _listening(port)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")
def test_in_the_browser_a_python3_notebook_runs_reactively_on_the_reflow_kernel(
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    write_notebook(tmp_path / "plain.ipynb", ["x = 1", "y = x + 1\ny"], kernel="python3")
    with reflow_lab(tmp_path, "plain.ipynb") as lab, chromium() as browser:
        base, token = lab.url.split("/lab?token=")
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        # open() waits for what only the reflow kernel brings: the extension's toolbar
        # and every cell's status badge.
        nb = NotebookPage(page).open(f"{base}/lab/tree/plain.ipynb?reset&token={token}")
        expect(page.locator(".jp-NotebookPanel-toolbar .jp-KernelName")).to_have_text(
            "Python 3 (reflow)"
        )
        nb.run(0)
        nb.run(1)
        expect(nb.output(1)).to_have_text("2")
        nb.run(0, "x = 5")  # reactive: the reader re-runs in place
        expect(nb.output(1)).to_have_text("6")
        expect(nb.cell(1)).to_have_attribute("data-reflow-status", "fresh")
