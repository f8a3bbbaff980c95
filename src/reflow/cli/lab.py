"""``reflow lab [NB]``: JupyterLab with the reflow kernel, on this machine only.

The server binds to 127.0.0.1 and asks for a token (a fresh random one unless
given), and starts new notebooks with the reflow kernel. A notebook path that
does not exist yet becomes an empty notebook using the reflow kernel.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
from pathlib import Path

from reflow.cli.common import CommandFailed, HelpFormatter

DESCRIPTION = """\
Start JupyterLab with the "Python 3 (reflow)" kernel as the default, bound to
127.0.0.1 with a token, opening NOTEBOOK if given (created, empty, if it does
not exist). Runs until you stop it with Ctrl-C. Needs JupyterLab:
pip install 'reflow[lab]'.

examples:
  reflow lab                         JupyterLab in the current directory
  reflow lab analysis.ipynb          open (or create) a notebook
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
    parser.add_argument("--port", type=int, default=8888, help="default: 8888, or the next free")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser")
    parser.add_argument("--token", help="the token to require (default: a random one)")
    parser.set_defaults(command=main)


def main(args: argparse.Namespace) -> int:
    import importlib.util

    if importlib.util.find_spec("jupyterlab") is None:
        raise CommandFailed("reflow lab needs JupyterLab: pip install 'reflow[lab]'")
    _ensure_kernelspec()
    root = Path.cwd()
    opened: list[str] = []
    if args.notebook:
        path = Path(args.notebook).resolve()
        if path.suffix != ".ipynb":
            raise CommandFailed(f"{args.notebook}: reflow lab opens .ipynb notebooks")
        if not path.exists():
            _create(path)
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
        # Containers often run as root; Jupyter refuses that unless told.
        *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
        *opened,
    ]
    print(f"reflow lab: http://127.0.0.1:{args.port}/lab?token={token} (Ctrl-C stops it)")
    sys.stdout.flush()
    return subprocess.call(command)


def _ensure_kernelspec() -> None:
    from jupyter_client.kernelspec import find_kernel_specs

    if "reflow" not in find_kernel_specs():
        from reflow.kernel.kernelspec import install

        install(prefix=sys.prefix)


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
        "metadata": {
            "kernelspec": {
                "display_name": "Python 3 (reflow)",
                "language": "python",
                "name": "reflow",
            },
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, (json.dumps(notebook, indent=1) + "\n").encode("utf-8"))
