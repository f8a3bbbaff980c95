"""``reflow lab [NB]``: JupyterLab with the reflow kernel, on this machine only.

The server binds to 127.0.0.1 and asks for a token (a fresh random one unless
given), and starts new notebooks with the reflow kernel. A notebook path that
does not exist yet becomes an empty notebook using the reflow kernel; one that
asks for another Python kernel (``python3``: ipykernel, no reactivity), or
for none (JupyterLab would ask, preselecting ipykernel), is switched to the
reflow kernel in its metadata, saying so, unless ``--keep-kernel``. A notebook
in another language keeps its kernel.

The URL printed is the one the server reports in its runtime file (Jupyter
moves to the next free port when the one asked for is busy), once that port
accepts connections. How it runs and stops is ``serving``'s, shared with
``reflow app``.
"""

from __future__ import annotations

import argparse
import json
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from reflow.cli.common import CommandFailed, HelpFormatter
from reflow.cli.serving import (
    add_server_arguments,
    allow_root,
    ensure_kernelspec,
    notebook_language,
    serve,
)

KERNELSPEC = {"display_name": "Python 3 (reflow)", "language": "python", "name": "reflow"}

DESCRIPTION = """\
Start JupyterLab with the "Python 3 (reflow)" kernel as the default, bound to
127.0.0.1 with a token, opening NOTEBOOK if given (created, empty, if it does
not exist). A Python notebook saved with another kernel (python3) or none is
switched to the reflow kernel in its metadata (reflow says so); --keep-kernel
leaves it as it is. Prints the URL the server listens on, and runs until you
stop it (Ctrl-C, or SIGTERM/SIGHUP). Needs JupyterLab: pip install 'reflow[lab]'.

examples:
  reflow lab                         JupyterLab in the current directory
  reflow lab analysis.ipynb          open (or create) a notebook, on the reflow kernel
  reflow lab analysis.ipynb --keep-kernel
  reflow lab --port 9000 --no-browser
"""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "lab",
        help="start JupyterLab with the reflow kernel (localhost, token)",
        description=DESCRIPTION,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("notebook", nargs="?", help="a notebook to open (.ipynb)")
    add_server_arguments(parser, 8888, "default: 8888, or the next free")
    parser.add_argument(
        "--keep-kernel",
        action="store_true",
        help="open NOTEBOOK on the kernel it names, not on the reflow kernel",
    )
    parser.set_defaults(command=main)


def main(args: argparse.Namespace) -> int:
    import importlib.util

    if importlib.util.find_spec("jupyterlab") is None:
        raise CommandFailed("reflow lab needs JupyterLab: pip install 'reflow[lab]'")
    ensure_kernelspec()
    root = Path.cwd()
    opened: list[str] = []
    if args.notebook:
        path = Path(args.notebook).resolve()
        if path.suffix != ".ipynb":
            raise CommandFailed(f"{args.notebook}: reflow lab opens .ipynb notebooks")
        if not path.exists():
            _create(path)
        elif not args.keep_kernel:
            _switch_kernel(args.notebook, path)
        root = path.parent
        opened = [str(path)]
    token = args.token or secrets.token_urlsafe(24)
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={args.port}",
        f"--ServerApp.root_dir={root}",
        f"--IdentityProvider.token={token}",
        "--MappingKernelManager.default_kernel_name=reflow",
        *(["--no-browser"] if args.no_browser else []),
        *allow_root(),
        *opened,
    ]

    def locate(server: subprocess.Popen[bytes]) -> str | None:
        info = _server_info(server)
        return None if info is None else _lab_url(info, token)

    return serve("lab", "JupyterLab", command, locate)


def _server_info(server: subprocess.Popen[bytes]) -> dict[str, Any] | None:
    """What the server writes to its runtime file once it has found its port (it binds it
    a moment later: ``serving`` waits for that); None if it exited first."""
    from jupyter_core.paths import jupyter_runtime_dir

    info_file = Path(jupyter_runtime_dir()) / f"jpserver-{server.pid}.json"
    while server.poll() is None:
        try:
            found = json.loads(info_file.read_text())
        except (OSError, ValueError):  # not there yet, or being written
            time.sleep(0.1)
            continue
        if isinstance(found, dict) and "port" in found:
            return found
    return None


def _lab_url(info: dict[str, Any], token: str) -> str:
    base = str(info.get("base_url") or "/")
    return f"http://127.0.0.1:{info['port']}{base}lab?token={token}"


def _switch_kernel(shown: str, path: Path) -> None:
    """Make a Python notebook ask for the reflow kernel; say what it asked for before."""
    import dataclasses

    from reflow import formats

    file = formats.read(path)
    spec = file.metadata.get("kernelspec")
    spec = spec if isinstance(spec, dict) else {}
    if spec.get("name") == "reflow":
        return
    language = notebook_language(file.metadata)
    if language not in (None, "python"):
        kept = f"its kernel {spec['name']!r}" if spec.get("name") else "its kernel"
        print(f"reflow lab: {shown} is a notebook in {language}, not Python: it keeps {kept}")
        return
    metadata = {**file.metadata, "kernelspec": dict(KERNELSPEC)}
    metadata.setdefault("language_info", {"name": "python"})
    formats.write(dataclasses.replace(file, metadata=metadata), path)
    before = f"kernel {spec['name']!r}" if spec.get("name") else "no kernel"
    print(
        f"reflow lab: {shown} asked for {before}; it now uses the reflow kernel "
        "(--keep-kernel to leave it as it was)",
        flush=True,
    )


def _create(path: Path) -> None:
    """An empty notebook (one empty code cell) that asks for the reflow kernel."""
    import json
    import uuid

    from reflow.formats.atomic import write_atomic

    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": uuid.uuid4().hex[:8],
                "metadata": {},
                "outputs": [],
                "source": [],
            }
        ],
        "metadata": {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, (json.dumps(notebook, indent=1) + "\n").encode("utf-8"))
