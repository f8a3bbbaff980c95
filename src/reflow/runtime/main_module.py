"""The module a notebook's cells run in: ``__main__``, as in Jupyter and marimo.

Python finds a function by its module and name when it pickles it
(``foo.__module__`` is ``"__main__"`` for a function a cell defines), so
``pickle.dumps(foo)``, ``multiprocessing``, ``ProcessPoolExecutor`` and joblib
work only if ``sys.modules["__main__"]`` is the module whose globals the cell
ran in. ``MainModule.installed()`` makes it so while cells run, and puts back
the host's ``__main__`` (the script or the test runner that drives reflow)
afterwards; ``sys.argv`` names the notebook meanwhile, as ``jupyter`` and
``marimo`` arrange it, when the notebook came from a file.

A child process started with ``spawn`` or ``forkserver`` does not re-run a
notebook as a script: the module's spec names ``__main__``, which such a child
skips, as it does for IPython's. Functions a cell defines then do not reach it
(as in Jupyter); with ``fork``, Linux's default, they do.
"""

from __future__ import annotations

import builtins
import contextlib
import importlib.machinery
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class MainModule:
    """A real module named ``__main__``, whose ``__dict__`` is the notebook's namespace."""

    def __init__(self, path: str | Path | None = None) -> None:
        """``path``: the notebook file: ``__file__`` names it, ``sys.argv`` too while cells run."""
        module = types.ModuleType("__main__")
        module.__dict__["__builtins__"] = builtins
        # A spec named __main__: a spawned child does not try to run the notebook as a script.
        module.__spec__ = importlib.machinery.ModuleSpec("__main__", None)
        self.module = module
        self.argv: list[str] | None = None
        if path is not None:
            module.__file__ = str(Path(path).absolute())
            self.argv = [str(path)]

    @property
    def namespace(self) -> dict[str, Any]:
        return self.module.__dict__

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        """``sys.modules["__main__"]`` (and ``sys.argv``, for a file) are the notebook's
        for the duration; what they were is restored, even when nested."""
        modules = sys.modules
        before = modules.get("__main__")
        argv = sys.argv
        modules["__main__"] = self.module
        if self.argv is not None:
            sys.argv = list(self.argv)
        try:
            yield
        finally:
            if before is None:
                modules.pop("__main__", None)
            else:
                modules["__main__"] = before
            if self.argv is not None:
                sys.argv = argv
