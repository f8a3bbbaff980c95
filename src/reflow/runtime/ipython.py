"""IPython cells outside a kernel: ``Notebook.open`` of an ``.ipynb``, ``reflow run``.

A notebook Jupyter saved was written for IPython: ``%matplotlib inline``,
``%time``, ``!pip list``, ``display(...)``, figures that appear by themselves.
``IPythonExecutor`` runs its cells through an ``InteractiveShell`` of the
notebook's own, made at the first cell run (IPython is imported only then):

- the shell's namespace is the notebook's ``__main__`` module; while a cell
  runs, the module is ``sys.modules["__main__"]`` and the shell is what
  ``get_ipython()`` returns, even inside a process that has a shell of its
  own (a Jupyter kernel calling ``Notebook.open``); both are put back after;
- what a cell shows is kept in order, as Jupyter saves it (``CellOutputs``):
  streams, ``display()`` bundles, the result's MIME bundle formatted when the
  cell ran, the error; figures come from matplotlib's inline backend, the
  default, as under ipykernel;
- errors read like Python's: the traceback from the cell's own frame on;
- nothing goes to IPython's history database, and ``x?`` shows nothing, as a
  saved notebook keeps nothing from the pager.

Without IPython a plain Python cell runs as ``Executor`` runs it, and a cell
of IPython syntax fails with a message naming the package to install.
"""

from __future__ import annotations

import ast
import atexit
import base64
import builtins
import contextlib
import functools
import importlib.util
import io
import json
import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from reflow.analysis.magics import IPythonMissing, ipython_line, is_python, python_form
from reflow.runtime import input_transform
from reflow.runtime.errors import CellError
from reflow.runtime.executor import (
    Execution,
    Executor,
    from_host,
    no_tracer,
    shown_value,
    stopped_at,
    traceback_text,
)
from reflow.runtime.rewrites import idle_set_aside

if TYPE_CHECKING:
    from reflow._types import CellId
    from reflow.cache.entry import Display
    from reflow.cache.memoize import Shown
    from reflow.runtime.main_module import MainModule

Output = dict[str, Any]
_INLINE = "module://matplotlib_inline.backend_inline"
_BINARY = frozenset({"image/png", "image/jpeg", "image/gif", "application/pdf"})
_UNSET = object()


class CellOutputs:
    """One run's outputs as nbformat holds them, in the order the cell made them."""

    def __init__(self) -> None:
        self.items: list[Output] = []
        self.stdout = io.StringIO()
        self.stderr = io.StringIO()
        self._clear_pending = False

    def stream(self, name: str, text: str) -> None:
        if not text:
            return
        self._before_output()
        (self.stdout if name == "stdout" else self.stderr).write(text)
        last = self.items[-1] if self.items else None
        if last is not None and last["output_type"] == "stream" and last["name"] == name:
            last["text"] += text
        else:
            self.items.append({"output_type": "stream", "name": name, "text": text})

    def display(
        self, data: dict[str, Any], metadata: dict[str, Any] | None, display_id: Any
    ) -> None:
        self._before_output()
        output: Output = {
            "output_type": "display_data",
            "data": json_ready(data),
            "metadata": json_ready(metadata or {}),
        }
        if display_id is not None:
            output["transient"] = {"display_id": display_id}
        self.items.append(output)

    def update(
        self, data: dict[str, Any], metadata: dict[str, Any] | None, display_id: Any
    ) -> None:
        """``update_display`` changes every output of this run shown under that id."""
        for output in self.items:
            if output.get("transient", {}).get("display_id") == display_id:
                output["data"] = json_ready(data)
                output["metadata"] = json_ready(metadata or {})

    def clear(self, wait: bool) -> None:
        if wait:
            self._clear_pending = True  # cleared when the next output comes, as frontends do
        else:
            self.items.clear()

    def result(self, data: dict[str, Any], metadata: dict[str, Any] | None) -> None:
        self._before_output()
        self.items.append(
            {
                "output_type": "execute_result",
                "execution_count": None,  # the save numbers the cells
                "data": json_ready(data),
                "metadata": json_ready(metadata or {}),
            }
        )

    def error(self, error: CellError) -> None:
        self._before_output()
        lines = error.traceback.rstrip("\n").split("\n") if error.traceback else [str(error)]
        self.items.append(
            {
                "output_type": "error",
                "ename": error.type,
                "evalue": error.message,
                "traceback": lines,
            }
        )

    def saved(self) -> list[Output]:
        """The outputs to write into a notebook (without the run-time display ids)."""
        return [{k: v for k, v in o.items() if k != "transient"} for o in self.items]

    def displays(self) -> tuple[Display, ...]:
        return tuple(
            {"data": o["data"], "metadata": o["metadata"]}
            for o in self.items
            if o["output_type"] == "display_data"
        )

    def _before_output(self) -> None:
        if self._clear_pending:
            self._clear_pending = False
            self.items.clear()


class _Stream(io.TextIOBase):
    """``sys.stdout`` or ``sys.stderr`` while a cell runs: text goes into its outputs."""

    def __init__(self, outputs: CellOutputs, name: str) -> None:
        self._outputs = outputs
        self._name = name

    def write(self, text: str) -> int:
        self._outputs.stream(self._name, str(text))
        return len(text)

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    @property  # io.TextIOBase's, read-only in C, an attribute to typeshed
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"


_EVENTS = ("pre_execute", "pre_run_cell", "post_execute", "post_run_cell")


def shell_runs_cells_alone(shell: Any) -> bool:
    """``CellExecutor.runs_cells_alone`` for an IPython shell: no tracer, no custom
    exception handler, and only the host's own input and tree transformers and event
    callbacks (``from_host``): a user's ``post_run_cell`` callback runs within the cell's
    run and may bind any global."""
    if not no_tracer() or shell.custom_exceptions:
        return False
    hooks = [
        *shell.ast_transformers,
        *shell.input_transformers_post,
        *shell.input_transformers_cleanup,
    ]
    callbacks = shell.events.callbacks
    for event in _EVENTS:
        hooks.extend(callbacks.get(event, ()))
    return all(from_host(hook) for hook in hooks)


class IPythonExecutor:
    """Runs a notebook's cells as IPython cells (see the module's docstring).

    Also the memo's host (``reflow.cache.memoize.MemoHost``): a cell of IPython
    syntax is never memoized (a hit would skip its magics and shell commands),
    and a hit shows what the run it restores showed.
    """

    def __init__(self, main: MainModule) -> None:
        self.main = main
        self.namespace = main.namespace
        self.transformers: list[ast.NodeTransformer] = []  # IPython's ast_transformers too
        self.outputs: dict[str, CellOutputs] = {}
        """What each cell's last run showed, by the filename the session runs it under."""
        self._shell: Any = None
        self._plain: Executor | None = None
        self._filename = "<cell>"
        self._current: CellOutputs | None = None
        self._last: tuple[str, CellOutputs] | None = None

    # ---- CellExecutor ---------------------------------------------------------------

    def python_source(self, source: str) -> str:
        """The Python static analysis reads for the cell (raises ``IPythonMissing``)."""
        return python_form(source)

    def runs_cells_alone(self) -> bool:
        shell = self._ensure_shell()
        if shell is None:
            return no_tracer() and all(from_host(t) for t in self.transformers)
        return shell_runs_cells_alone(shell)

    def execute(self, source: str, filename: str) -> Execution:
        shell = self._ensure_shell()
        if shell is None:
            return self._without_ipython(source, filename)
        outputs = CellOutputs()
        self._current, self._filename = outputs, filename
        interrupted = False
        error: CellError | None = None
        try:
            with self._running(shell, outputs):
                result = shell.run_cell(source, store_history=True)
            raised = result.error_before_exec or result.error_in_exec
        except KeyboardInterrupt as stop:  # between IPython's own handlers
            raised, interrupted = stop, True
        finally:
            self._current = None
        if raised is not None:
            error = _cell_error(raised, filename)
            interrupted = interrupted or isinstance(raised, KeyboardInterrupt)
            if not any(o["output_type"] == "error" for o in outputs.items):
                outputs.error(error)
        self.outputs[filename] = outputs
        self._last = (filename, outputs)
        output = None if error is not None else shown_value(result.result)
        line = stopped_at(raised, self.namespace) if raised is not None else None
        return Execution(
            output, outputs.stdout.getvalue(), outputs.stderr.getvalue(), error, interrupted, line
        )

    def close(self) -> None:
        """End the shell's session and let it go: IPython registers every shell's
        ``atexit_operations`` (a reset and a garbage collection each), which kept every
        closed notebook's shell and namespace alive until the process exited, then spent
        minutes there in a process that had opened a few hundred."""
        shell, self._shell = self._shell, None
        if shell is not None and shell is not False:
            atexit.unregister(shell.atexit_operations)
            with contextlib.suppress(Exception):
                shell.history_manager.end_session()
        if self._plain is not None:
            self._plain.close()

    # ---- MemoHost ------------------------------------------------------------------------

    def memoizable(self, cell: CellId, body: str) -> bool:
        return is_python(body)

    def shown(self, cell: CellId) -> Shown | None:
        from reflow.cache.memoize import Shown

        last = self._last
        if last is None or last[0] != _filename_of(cell):
            return None
        outputs = last[1]
        return Shown(outputs.stdout.getvalue(), outputs.stderr.getvalue(), outputs.displays())

    def show_hit(
        self, cell: CellId, restored: Execution, displays: tuple[Display, ...]
    ) -> Execution:
        """A hit's outputs: what the run printed, then its displays, then its result."""
        outputs = CellOutputs()
        outputs.stream("stdout", restored.stdout)
        outputs.stream("stderr", restored.stderr)
        for shown in displays:
            outputs.display(shown.get("data") or {}, shown.get("metadata"), None)
        if restored.output is not None:
            shell = self._ensure_shell()
            if shell is not None:
                data, metadata = shell.display_formatter.format(restored.output)
            else:
                from reflow.formats.outputs import mime_bundle

                data, metadata = mime_bundle(restored.output)
            outputs.result(data, metadata)
        self.outputs[_filename_of(cell)] = outputs
        return restored

    # ---- internals -----------------------------------------------------------------------

    def _ensure_shell(self) -> Any:
        if self._shell is None:
            try:
                self._shell = _new_shell(self)
            except ImportError:
                self._shell = False
        return self._shell or None

    def _without_ipython(self, source: str, filename: str) -> Execution:
        if not is_python(source):
            found = ipython_line(source)
            if found is not None:
                missing = IPythonMissing(*found)
                return Execution(None, "", "", CellError("ModuleNotFoundError", str(missing)))
        if self._plain is None:
            self._plain = Executor(self.namespace, self.main)
            self._plain.transformers = self.transformers
        return self._plain.execute(source, filename)

    @contextlib.contextmanager
    def _running(self, shell: Any, outputs: CellOutputs) -> Iterator[None]:
        """The process as a kernel's while the cell runs: this notebook's ``__main__``, its
        shell as ``get_ipython()``, output into ``outputs``, figures inline by default."""
        with contextlib.ExitStack() as stack:
            stack.enter_context(self.main.installed())
            stack.enter_context(_current_shell(shell))
            stack.enter_context(contextlib.redirect_stdout(_Stream(outputs, "stdout")))
            stack.enter_context(contextlib.redirect_stderr(_Stream(outputs, "stderr")))
            if _has_inline_backend():
                stack.enter_context(_environment("MPLBACKEND", _INLINE))
            for name, value in shell.user_ns_hidden.items():
                # IPython's own names (`_oh`, `In`): a cell deleted them, or any_order did
                # (names with one leading `_` are private there); IPython needs them back.
                self.namespace.setdefault(name, value)
            for transformer in self.transformers:
                if transformer not in shell.ast_transformers:
                    shell.ast_transformers.append(transformer)
            yield


def _filename_of(cell: CellId) -> str:
    return f"<cell {cell}>"  # as Session.filename names it


def _cell_error(raised: BaseException, filename: str) -> CellError:
    if isinstance(raised, SystemExit):
        return CellError(
            "SystemExit",
            f"the cell called sys.exit({raised.code!r}); reflow kept the notebook running",
            traceback_text(raised, filename),
        )
    return CellError(type(raised).__name__, str(raised), traceback_text(raised, filename))


def json_ready(data: dict[str, Any]) -> dict[str, Any]:
    """A MIME bundle as nbformat stores it: binary data base64, JSON-safe values only."""
    ready: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, bytes):
            if key in _BINARY:
                value = base64.b64encode(value).decode("ascii")
            else:
                value = value.decode("utf-8", "replace")
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            continue
        ready[key] = value
    return ready


@functools.cache
def _has_inline_backend() -> bool:
    """Whether matplotlib's inline backend is installed: asked once, not before every cell
    (a search of the import path, as costly as running a small cell)."""
    return importlib.util.find_spec("matplotlib_inline") is not None


@contextlib.contextmanager
def _environment(name: str, value: str) -> Iterator[None]:
    """``name`` set to ``value`` unless the user set it."""
    if name in os.environ:
        yield
        return
    os.environ[name] = value
    try:
        yield
    finally:
        os.environ.pop(name, None)


@contextlib.contextmanager
def _current_shell(shell: Any) -> Iterator[None]:
    """``get_ipython()`` is ``shell`` (IPython's singleton, swapped for the duration), and
    the builtins IPython adds are there, as in a kernel."""
    from IPython.core.interactiveshell import InteractiveShell

    classes = [k for k in type(shell).__mro__ if issubclass(k, InteractiveShell)]
    saved = [(k, k.__dict__.get("_instance", _UNSET)) for k in classes]
    added = {"__IPYTHON__": True, "display": _display()}
    before = {name: builtins.__dict__.get(name, _UNSET) for name in added}
    for klass in classes:
        setattr(klass, "_instance", shell)  # noqa: B010 (a traitlets class attribute)
    builtins.__dict__.update(added)
    try:
        yield
    finally:
        for klass, instance in saved:
            if instance is _UNSET:
                with contextlib.suppress(AttributeError):
                    delattr(klass, "_instance")
            else:
                setattr(klass, "_instance", instance)  # noqa: B010
        _restore(builtins.__dict__, before)


def _restore(namespace: dict[str, Any], before: dict[str, Any]) -> None:
    for name, value in before.items():
        if value is _UNSET:
            namespace.pop(name, None)
        else:
            namespace[name] = value


def _display() -> Any:
    from IPython.display import display

    return display


def _new_shell(executor: IPythonExecutor) -> Any:
    """The notebook's shell; making it leaves the process as it found it."""
    from traitlets.config import Config

    shell_class = _headless_shell_class()
    config = Config()
    config.HistoryManager.enabled = False  # in memory: nothing written to ~/.ipython
    main = executor.main
    before_main = sys.modules.get("__main__")
    before_builtins = {
        name: builtins.__dict__.get(name, _UNSET) for name in ("__IPYTHON__", "display")
    }
    try:
        shell = shell_class(config=config, user_module=main.module, user_ns=main.namespace)
    finally:
        if before_main is not None:
            sys.modules["__main__"] = before_main
        _restore(builtins.__dict__, before_builtins)
    shell.executor = executor
    # IPython's `open` warns on the standard streams' descriptors, and is not the builtin
    # a cell reads (so a cell would seem to write it): the cells see the builtin.
    for namespace in (shell.user_ns, shell.user_ns_hidden):
        if namespace.get("open") is not builtins.open:
            namespace.pop("open", None)
    # Frames of a cell's code carry the name the session runs it under, as with Executor.
    shell.compile.get_code_name = lambda raw, transformed, number: executor._filename
    shell.set_hook("show_in_pager", lambda *args, **kwargs: None)  # a saved notebook has no pager
    input_transform.install(shell)
    return shell


_SHELL_CLASS: Any = None


def _headless_shell_class() -> Any:
    """InteractiveShell with a display publisher and display hook that keep what a cell
    shows in the running cell's ``CellOutputs``, and tracebacks kept as data."""
    global _SHELL_CLASS
    if _SHELL_CLASS is not None:
        return _SHELL_CLASS
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets import Any as AnyTrait
    from traitlets import Type

    def outputs_of(shell: Any) -> CellOutputs | None:
        executor = getattr(shell, "executor", None)
        return executor._current if executor is not None else None

    class Publisher(DisplayPublisher):  # type: ignore[misc]
        def publish(
            self,
            data: dict[str, Any],
            metadata: dict[str, Any] | None = None,
            source: Any = None,
            *,
            transient: dict[str, Any] | None = None,
            update: bool = False,
            **kwargs: Any,
        ) -> None:
            outputs = outputs_of(self.shell)
            if outputs is None:
                return
            display_id = (transient or {}).get("display_id")
            if update:
                outputs.update(data, metadata, display_id)
            else:
                outputs.display(data, metadata, display_id)

        def clear_output(self, wait: bool = False) -> None:
            outputs = outputs_of(self.shell)
            if outputs is not None:
                outputs.clear(wait)

    class Hook(DisplayHook):  # type: ignore[misc]
        def start_displayhook(self) -> None:
            pass

        def write_output_prompt(self) -> None:
            pass

        def write_format_data(
            self, format_dict: dict[str, Any], md_dict: dict[str, Any] | None = None
        ) -> None:
            outputs = outputs_of(self.shell)
            if outputs is not None:
                outputs.result(format_dict, md_dict)

        def finish_displayhook(self) -> None:
            pass

    class HeadlessShell(InteractiveShell):  # type: ignore[misc]
        display_pub_class = Type(Publisher)
        displayhook_class = Type(Hook)
        executor = AnyTrait(None, allow_none=True)

        def should_run_async(
            self,
            raw_cell: str,
            *,
            transformed_cell: str | None = None,
            preprocessing_exc_tuple: Any = None,
        ) -> bool:
            """IPython's answer, which compiles the cell, only where a top-level await
            may be."""
            return input_transform.should_run_async(
                super().should_run_async, raw_cell, transformed_cell, preprocessing_exc_tuple
            )

        def enable_matplotlib(self, gui: str | None = None) -> Any:
            # matplotlib_inline sets the figure formats once per process (its
            # ``configure_inline_support.current_backend``), on the first shell to ask;
            # each notebook has a shell of its own.
            inline = sys.modules.get("matplotlib_inline.backend_inline")
            if inline is not None:
                inline.configure_inline_support.current_backend = "unset"
            return super().enable_matplotlib(gui)

        def transform_ast(self, node: Any) -> Any:
            """reflow's rewrites that would leave this tree as it is set aside meanwhile:
            any registered one makes IPython walk the tree again (``runtime.rewrites``)."""
            with idle_set_aside(self.ast_transformers, node):
                return super().transform_ast(node)

        def enable_gui(self, gui: str | None = None) -> None:
            """No event loop to hook into: ``%matplotlib inline`` needs none, and a GUI
            backend draws nothing a saved notebook could keep."""

        def showtraceback(
            self,
            exc_tuple: Any = None,
            filename: str | None = None,
            tb_offset: int | None = None,
            exception_only: bool = False,
            running_compiled_code: bool = False,
        ) -> None:
            """A traceback shown (by the cell, or by a magic that caught it: ``%time``)
            becomes an error output, written as Python writes it."""
            value = exc_tuple[1] if exc_tuple is not None else sys.exc_info()[1]
            outputs = outputs_of(self)
            if value is not None and outputs is not None:
                outputs.error(_cell_error(value, self.executor._filename))

        def showsyntaxerror(
            self, filename: str | None = None, running_compiled_code: bool = False
        ) -> None:
            self.showtraceback()

        def showindentationerror(self) -> None:
            self.showtraceback()

    _SHELL_CLASS = HeadlessShell
    return HeadlessShell
