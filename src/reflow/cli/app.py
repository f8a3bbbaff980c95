"""``reflow app NB``: a notebook served as a web app, with Voilà on the reflow kernel.

Voilà runs the notebook's cells in a kernel of their own for each visitor and
shows their outputs and widgets, not their code. The notebook it serves is a
copy in a temporary directory (removed when the app stops), never a file
beside the user's: an ``.ipynb`` asking for the reflow kernel whatever it
asked for, a percent or marimo file converted (marimo's cells in their run
order, the only order a kernel that sees one cell at a time can run them in).
The kernels still start in the notebook's own directory, so that its relative
paths and its ``.reflow/cache`` are the ones ``reflow run`` and ``reflow lab``
use: a memoized cell one visitor ran is restored for the next.

What makes it reactive is the kernel's (``reflow.kernel.widget_slots``): a
slider a visitor moves re-runs the cells that read it, their outputs replaced
in place. A raising cell shows its error (its traceback only with
``--show-tracebacks``, Voilà's setting) and the cells that do not depend on it
run. Bound to 127.0.0.1 with a token; how it runs and stops is ``serving``'s.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import IO, Any

from reflow.cli.common import CommandFailed, HelpFormatter
from reflow.cli.serving import add_server_arguments, ensure_kernelspec, notebook_language, serve

KERNELSPEC = {"display_name": "Python 3 (reflow)", "language": "python", "name": "reflow"}

DESCRIPTION = """\
Serve NOTEBOOK as a web app with Voilà, on the reflow kernel: its outputs and
widgets are shown, its code is not, and each visitor gets a kernel of their
own. Moving a widget re-runs the cells that read it, their outputs replaced
in place. Works for .ipynb, percent .py and marimo .py and .md notebooks
(converted into a temporary directory, never beside NOTEBOOK); the kernels
start in NOTEBOOK's directory. Bound to 127.0.0.1 with a token; prints the URL
it serves, and runs until you stop it (Ctrl-C, or SIGTERM/SIGHUP). Needs
Voilà: pip install 'reflow[app]'.

examples:
  reflow app dashboard.ipynb
  reflow app analysis.py --port 9000 --no-browser
  reflow app dashboard.ipynb --show-tracebacks
"""

_RUNNING = "Voilà is running at:"
_PORT = re.compile(r"https?://[^/:\s]+:(\d+)")


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "app",
        help="serve a notebook as a web app (Voilà on the reflow kernel; localhost, token)",
        description=DESCRIPTION,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("notebook", help="the notebook file (.ipynb, .py or .md)")
    add_server_arguments(parser, 8866, "default: 8866, or a free one")
    parser.add_argument(
        "--show-tracebacks",
        action="store_true",
        help="show a failing cell's traceback in the app (default: only that it failed)",
    )
    parser.set_defaults(command=main)


def main(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("voila") is None:
        raise CommandFailed("reflow app needs Voilà: pip install 'reflow[app]'")
    source = Path(args.notebook)
    notebook = app_notebook(source)
    ensure_kernelspec()
    token = args.token or secrets.token_urlsafe(24)
    folder = Path(tempfile.mkdtemp(prefix="reflow-app-"))
    try:
        served = folder / f"{source.stem}.ipynb"
        served.write_text(notebook, encoding="utf-8")
        return _serve(args, served, source.resolve().parent, token)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _serve(args: argparse.Namespace, served: Path, home: Path, token: str) -> int:
    import os

    tracebacks = bool(args.show_tracebacks)
    command = [
        sys.executable,
        "-m",
        "voila",
        str(served),
        "--no-browser",  # reflow opens it: Voilà's page would not carry the token
        "--Voila.ip=127.0.0.1",
        f"--Voila.port={args.port}",
        f"--Voila.token={token}",
        # The kernels start where the notebook is, not in the temporary copy's directory.
        f"--MappingKernelManager.root_dir={home}",
        # A raising cell shows its error and the cells after it still run.
        "--VoilaExecutor.allow_errors=True",
        f"--VoilaConfiguration.show_tracebacks={tracebacks}",
    ]
    env = {**os.environ, "REFLOW_APP_TRACEBACKS": "1" if tracebacks else "0"}

    def locate(server: subprocess.Popen[bytes]) -> str | None:
        port = _listening_port(server)
        return None if port is None else f"http://127.0.0.1:{port}/?token={token}"

    def ready(url: str) -> None:
        if not args.no_browser:
            import webbrowser

            webbrowser.open(url)

    return serve("app", "Voilà", command, locate, env=env, stderr=subprocess.PIPE, ready=ready)


def _listening_port(server: subprocess.Popen[bytes]) -> int | None:
    """The port Voilà says it listens on (it takes another when the one asked for is
    busy); its log goes on to reflow's stderr, then and after."""
    stream = server.stderr
    assert stream is not None
    port: int | None = None
    announced = False
    for raw in iter(stream.readline, b""):
        line = raw.decode("utf-8", "replace")
        sys.stderr.write(line)
        if announced and (found := _PORT.search(line)):
            port = int(found.group(1))
            break
        announced = announced or _RUNNING in line
    sys.stderr.flush()
    threading.Thread(target=_copy, args=(stream, sys.stderr), daemon=True).start()
    return port


def _copy(stream: IO[bytes], to: IO[str]) -> None:
    for raw in iter(stream.readline, b""):
        to.write(raw.decode("utf-8", "replace"))
        to.flush()


def app_notebook(path: Path) -> str:
    """The notebook Voilà serves for ``path``, as ipynb text, on the reflow kernel."""
    import json

    from reflow import formats
    from reflow.files import file_direction
    from reflow.formats.marimo_cells import runnable_source

    file = formats.read(path)
    language = notebook_language(file.metadata)
    if language not in (None, "python"):
        raise CommandFailed(f"{path}: a notebook in {language}; reflow app serves Python")
    cells = list(file.cells)
    if file_direction(file) == "any_order":
        cells = _in_run_order(path, cells)
    served: list[dict[str, Any]] = []
    for cell in cells:
        if cell.kind == "raw":
            continue  # raw cells are for converters, not for a page
        made: dict[str, Any] = {"cell_type": cell.kind, "id": _cell_id(cell.id), "metadata": {}}
        if cell.kind == "code":
            made.update(source=runnable_source(cell), outputs=[], execution_count=None)
        else:
            made["source"] = cell.source
            if cell.attachments:
                made["attachments"] = cell.attachments
        tags = cell.metadata.get("tags")
        if isinstance(tags, list):
            made["metadata"]["tags"] = list(tags)
        served.append(made)
    notebook = {
        "cells": served,
        "metadata": {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(notebook, indent=1) + "\n"


def _in_run_order(path: Path, cells: list[Any]) -> list[Any]:
    """A notebook written for any order (marimo's) in its run order, each markdown cell
    kept after the code cell it followed: the kernel sees one cell at a time."""
    from reflow.cli.common import load

    order = [str(c) for c in load(str(path), None).execution_order()]
    rank = {cell_id: index for index, cell_id in enumerate(order)}
    groups: list[list[Any]] = [[]]
    for cell in cells:
        if cell.kind == "code":
            groups.append([cell])
        else:
            groups[-1].append(cell)
    head, rest = groups[0], groups[1:]
    rest.sort(key=lambda group: rank.get(group[0].id, len(rank)))
    return [*head, *(cell for group in rest for cell in group)]


def _cell_id(cell_id: str) -> str:
    """An id nbformat accepts (1-64 letters, digits, ``-`` and ``_``)."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "-", cell_id)[:64]
    return cleaned or secrets.token_hex(4)
