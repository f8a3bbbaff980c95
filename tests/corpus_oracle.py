"""The oracle of the corpus test: a notebook run the way its own tool runs it.

- ``.ipynb``: nbclient on ipykernel, top to bottom, continuing past errors
  (what "restart and run all" gives in Jupyter);
- marimo ``.py``: marimo's own script run (``app.run()``, what ``python
  file.py`` does), which returns the globals the cells defined.

Both report the same things reflow's run is compared on: each code cell's
stdout and the type of its error, and a digest of the globals left at the
end (``digest``). Run as a script in a fresh process, it prints that as JSON:
``python corpus_oracle.py (ipynb|marimo) PATH [KERNEL]``.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import types
from pathlib import Path
from typing import Any

_MARK = "@@corpus-digest@@"
# What IPython puts in a kernel's namespace (``open`` is its wrapper of the builtin).
_HOST_NAMES = frozenset({"In", "Out", "exit", "quit", "get_ipython", "open"})
_SCALARS = (bool, int, float, complex, str, bytes, type(None))


def digest(namespace: dict[str, Any], skip: frozenset[str] = frozenset()) -> dict[str, str]:
    """A comparable summary of each user global: the value where it can be told
    cheaply and exactly, else its type; modules, functions and classes by name only."""
    found = {}
    for name, value in namespace.items():
        if name.startswith("_") or name in skip or name in _HOST_NAMES:
            continue
        if isinstance(value, types.ModuleType | types.FunctionType | type):
            found[name] = f"<{type(value).__name__}>"
            continue
        found[name] = _summary(value)
    return found


def _summary(value: Any, depth: int = 0) -> str:
    if isinstance(value, float) and value != value:
        return "nan"
    if isinstance(value, _SCALARS):
        return repr(value)
    kind = type(value)
    module = kind.__module__
    if module.startswith("numpy") and hasattr(value, "tobytes") and hasattr(value, "dtype"):
        data = value.tobytes() if value.dtype != object else repr(value.tolist()).encode()
        return f"ndarray {value.dtype} {getattr(value, 'shape', ())} {_hash(data)}"
    if module.startswith("pandas") and hasattr(value, "to_json"):
        try:
            return f"{kind.__name__} {_hash(value.to_json(default_handler=str).encode())}"
        except (TypeError, ValueError, OverflowError):
            return kind.__name__
    if depth < 3 and isinstance(value, list | tuple | set | frozenset):
        items = [_summary(v, depth + 1) for v in value]
        if isinstance(value, set | frozenset):
            items.sort()
        return f"{kind.__name__}[{', '.join(items)}]"
    if depth < 3 and isinstance(value, dict):
        pairs = [f"{k!r}: {_summary(v, depth + 1)}" for k, v in value.items()]
        return "{" + ", ".join(pairs) + "}"
    return f"<{kind.__module__}.{kind.__qualname__}>"


def _hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


# ---- the two runners --------------------------------------------------------------------

SEED = (
    "import random as _random\n_random.seed(0)\ntry:\n    import numpy as _np\n"
    "    _np.random.seed(0)\nexcept ImportError:\n    pass"
)
"""Run before the cells, here and in reflow's run: notebooks that draw unseeded random
numbers give the same numbers to both runs (any seed is a valid run of such a notebook)."""


def run_ipynb(path: Path, kernel: str = "python3") -> dict[str, Any]:
    """``kernel``: ipykernel's ``python3`` for the oracle; ``reflow`` runs the same
    notebook the same way on reflow's kernel, to compare the two cell for cell."""
    import nbclient
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    here = Path(__file__).parent
    probe = (
        f"import sys as _s, json as _j\n_s.path.insert(0, {str(here)!r})\n"
        "from corpus_oracle import digest as _d\n"
        f"print({_MARK!r} + _j.dumps(_d(globals())))"
    )
    # Unseeded random numbers: both runs start from the same seed (see ``seed_random``).
    notebook.cells.insert(0, nbformat.v4.new_code_cell(SEED))
    notebook.cells.append(nbformat.v4.new_code_cell(probe))
    client = nbclient.NotebookClient(
        notebook, timeout=60, allow_errors=True, resources={"metadata": {"path": str(path.parent)}}
    )
    client.kernel_name = kernel
    client.execute()
    cells = []
    for cell in notebook.cells[1:-1]:
        if cell.cell_type != "code":
            continue
        stdout = "".join(
            o.get("text", "")
            for o in cell.outputs
            if o.get("output_type") == "stream" and o.get("name") == "stdout"
        )
        errors = [o["ename"] for o in cell.outputs if o.get("output_type") == "error"]
        cells.append({"stdout": stdout, "error": errors[0] if errors else None})
    printed = "".join(o.get("text", "") for o in notebook.cells[-1].outputs)
    state = json.loads(printed.split(_MARK, 1)[1]) if _MARK in printed else {}
    return {"cells": cells, "state": state}


def run_marimo(path: Path) -> dict[str, Any]:
    import runpy

    os.chdir(path.parent)
    exec(SEED, {})
    module = runpy.run_path(str(path), run_name="corpus_notebook")
    _, defs = module["app"].run()
    return {"state": digest(dict(defs))}


if __name__ == "__main__":
    kind, where = sys.argv[1], Path(sys.argv[2]).resolve()
    result = run_ipynb(where, *sys.argv[3:4]) if kind == "ipynb" else run_marimo(where)
    sys.stdout.write(_MARK + json.dumps(result) + "\n")
