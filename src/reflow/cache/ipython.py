"""Memoization in an IPython shell: ``%%memoize`` and cached blocks for cells IPython runs.

The Jupyter kernel (and ``%load_ext reflow`` in a plain IPython kernel) calls
``register(shell)``; nothing here imports IPython, so reflow's core stays free
of it. What ``register`` adds:

- the ``%%memoize [--quiet|--verbose]`` cell magic: ``run_memoized`` over the
  shell's namespace; what the body prints is shown as it runs (and kept for
  ``--verbose`` replays), its last expression's value is the magic's result,
  so IPython displays it as the cell's output. The body is plain Python
  (no other magics, no top-level ``await``);
- ``CachedBlockTransformer`` in ``shell.ast_transformers``: ``with
  reflow.persistent_cache("name"):`` skips its body on a hit in every cell.

A host that runs cells through ``reflow.Notebook`` (whose session strips the
magic line and consults the cache itself) needs only the transformer.
"""

from __future__ import annotations

import contextlib
import io
import linecache
import sys
import traceback
from collections.abc import Callable
from typing import Any, TextIO

from reflow.analysis.magics import MagicUsageError, parse_memoize_args
from reflow.cache.blocks import CachedBlockTransformer
from reflow.cache.location import persistent_store
from reflow.cache.memoize import run_memoized
from reflow.cache.store import CacheStore
from reflow.runtime.errors import CellError
from reflow.runtime.executor import Execution, compile_cell


class _Tee(io.TextIOBase):
    """Writes through to the shell's stream and keeps a copy (for ``--verbose`` replays)."""

    def __init__(self, through: TextIO) -> None:
        self.through = through
        self.kept = io.StringIO()

    def write(self, text: str) -> int:
        self.kept.write(text)
        return self.through.write(text)

    def flush(self) -> None:
        self.through.flush()


def memoize_magic(
    shell: Any, store: Callable[[], CacheStore] = persistent_store
) -> Callable[[str, str], Any]:
    """The ``%%memoize`` cell magic for ``shell`` (what ``register`` registers)."""

    def memoize(line: str, cell: str) -> Any:
        try:
            directive = parse_memoize_args(line)
        except MagicUsageError as problem:
            print(problem, file=sys.stderr)
            return None
        number = getattr(shell, "execution_count", 0)

        def execute(body: str) -> Execution:
            filename = f"<memoized cell {number}>"
            linecache.cache[filename] = (len(body), None, body.splitlines(True), filename)
            out, err = _Tee(sys.stdout), _Tee(sys.stderr)
            output: Any = None
            error: CellError | None = None
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    compiled = compile_cell(body, filename, [CachedBlockTransformer()])
                    exec(compiled.body, shell.user_ns)
                    if compiled.last_expression is not None:
                        output = eval(compiled.last_expression, shell.user_ns)
                except Exception as exc:
                    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
                    error = CellError(type(exc).__name__, str(exc), text)
            return Execution(output, out.kept.getvalue(), err.kept.getvalue(), error)

        outcome = run_memoized(cell, shell.user_ns, execute, store(), directive=directive)
        execution = outcome.execution
        if outcome.hit:  # a run printed as it went; a hit prints what it restored
            sys.stdout.write(execution.stdout)
            sys.stderr.write(execution.stderr)
        if execution.error is not None:
            print(execution.error.traceback or str(execution.error), file=sys.stderr)
            return None
        return execution.output

    return memoize


def register(shell: Any, store: Callable[[], CacheStore] = persistent_store) -> None:
    """Add ``%%memoize`` and cached blocks to an IPython ``InteractiveShell``.

    ``store``: where results go (default: memory in front of ``.reflow/cache``
    in the working directory, or the running notebook's cache directory).
    """
    shell.register_magic_function(memoize_magic(shell, store), "cell", "memoize")
    if not any(isinstance(t, CachedBlockTransformer) for t in shell.ast_transformers):
        shell.ast_transformers.append(CachedBlockTransformer())
