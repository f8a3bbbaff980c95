"""Memoization in an IPython shell: ``%%memoize`` and cached blocks for cells IPython runs.

The Jupyter kernel (and ``%load_ext reflow`` in a plain IPython kernel) calls
``register(shell)``; nothing here imports IPython, so reflow's core stays free
of it. What ``register`` adds:

- the ``%%memoize [--quiet|--verbose]`` cell magic: ``run_memoized`` over the
  shell's namespace; what the body prints and displays (``display()`` of HTML,
  images, plots) is shown as it runs, and kept for ``--verbose`` replays (the
  printed text first, then the displays: their interleaving is not kept); its
  last expression's value is the magic's result, so IPython displays it as
  the cell's output. The body is plain Python (no other magics, no top-level
  ``await``);
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
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TextIO

from reflow.analysis.magics import MagicUsageError, parse_memoize_args
from reflow.cache.blocks import CachedBlockTransformer
from reflow.cache.entry import Display
from reflow.cache.location import persistent_store
from reflow.cache.memoize import Shown, run_memoized
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

    # The rest is the stream's: code asks sys.stdout for its fd, encoding, tty-ness.
    def fileno(self) -> int:
        return int(self.through.fileno())

    def isatty(self) -> bool:
        return bool(self.through.isatty())

    @property  # io.TextIOBase's, read-only in C, an attribute to typeshed
    def encoding(self) -> str:  # type: ignore[override]
        return str(getattr(self.through, "encoding", None) or "utf-8")

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self.through, "errors", None)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.through, name)


LIVE_MIME = "application/vnd.jupyter.widget-view+json"
"""A widget's view: it names a live comm model, which a later session does not have."""


class Recorded:
    """What a run printed and displayed, as ``recording`` kept it."""

    def __init__(self, out: _Tee, err: _Tee) -> None:
        self.out = out
        self.err = err
        self.displays: list[Display] = []

    def shown(self) -> Shown:
        return Shown(self.out.kept.getvalue(), self.err.kept.getvalue(), tuple(self.displays))


@contextlib.contextmanager
def recording(shell: Any) -> Iterator[Recorded]:
    """Keep what a run prints and displays while it still reaches the shell as usual.

    Displays are kept by wrapping the shell's display publisher for the run (the
    one thing both a kernel's and a terminal's publisher share); updates of a
    display handle and widget views are not kept, a ``clear_output`` forgets
    what came before, as the frontend does.
    """
    recorded = Recorded(_Tee(sys.stdout), _Tee(sys.stderr))
    publisher = shell.display_pub
    wrapped = ("publish", "clear_output")
    own = {name: vars(publisher)[name] for name in wrapped if name in vars(publisher)}
    publish, clear = publisher.publish, publisher.clear_output

    def publish_kept(data: dict[str, Any], metadata: Any = None, *args: Any, **kwargs: Any) -> Any:
        if not kwargs.get("update") and isinstance(data, dict) and data and LIVE_MIME not in data:
            recorded.displays.append({"data": dict(data), "metadata": dict(metadata or {})})
        return publish(data, metadata, *args, **kwargs)

    def clear_kept(*args: Any, **kwargs: Any) -> Any:
        recorded.displays.clear()
        return clear(*args, **kwargs)

    publisher.publish, publisher.clear_output = publish_kept, clear_kept
    try:
        with contextlib.redirect_stdout(recorded.out), contextlib.redirect_stderr(recorded.err):
            yield recorded
    finally:
        for name in wrapped:
            if name in own:
                setattr(publisher, name, own[name])
            else:
                vars(publisher).pop(name, None)


def show_displays(shell: Any, displays: Iterable[Display]) -> None:
    """Publish kept displays again, as the run did."""
    for display in displays:
        shell.display_pub.publish(data=display["data"], metadata=display.get("metadata") or {})


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

        kept: list[Recorded] = []

        def execute(body: str) -> Execution:
            filename = f"<memoized cell {number}>"
            linecache.cache[filename] = (len(body), None, body.splitlines(True), filename)
            output: Any = None
            error: CellError | None = None
            with recording(shell) as recorded:
                kept.append(recorded)
                try:
                    compiled = compile_cell(body, filename, [CachedBlockTransformer()])
                    exec(compiled.body, shell.user_ns)
                    if compiled.last_expression is not None:
                        output = eval(compiled.last_expression, shell.user_ns)
                except Exception as exc:
                    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
                    error = CellError(type(exc).__name__, str(exc), text)
            shown = recorded.shown()
            return Execution(output, shown.stdout, shown.stderr, error)

        outcome = run_memoized(
            cell,
            shell.user_ns,
            execute,
            store(),
            directive=directive,
            shown=lambda: kept[-1].shown() if kept else None,
        )
        execution = outcome.execution
        if outcome.hit:  # a run printed as it went; a hit prints what it restored
            sys.stdout.write(execution.stdout)
            sys.stderr.write(execution.stderr)
            show_displays(shell, outcome.displays)
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
