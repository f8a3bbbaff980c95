"""The ``reflow`` kernelspec: what ``pip install`` ships and ``reflow kernel install`` writes.

The wheel carries ``share/jupyter/kernels/reflow/kernel.json`` (argv ``python``,
which jupyter_client resolves to the Python it runs under); an install into
another place writes this interpreter's absolute path instead, so that the
kernel starts from the environment reflow is installed in.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

NAME = "reflow"
DISPLAY_NAME = "Python 3 (reflow)"


def spec(python: str = sys.executable) -> dict[str, Any]:
    return {
        "argv": [python, "-m", "reflow.kernel", "-f", "{connection_file}"],
        "display_name": DISPLAY_NAME,
        "language": "python",
        "metadata": {},
    }


def install(*, user: bool = False, prefix: str | None = None) -> str:
    """Install the kernelspec; returns the directory it went to."""
    from jupyter_client.kernelspec import KernelSpecManager

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / NAME
        path.mkdir()
        (path / "kernel.json").write_text(json.dumps(spec(), indent=2) + "\n", encoding="utf-8")
        return str(
            KernelSpecManager().install_kernel_spec(str(path), NAME, user=user, prefix=prefix)
        )
