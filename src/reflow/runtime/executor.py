"""Running one cell's source in a namespace, the way IPython would.

- the value of a trailing expression is the cell's output, unless the cell
  ends with ``;``;
- top-level ``await``, ``async for`` and ``async with`` work;
- stdout and stderr are captured per cell;
- whatever the cell raises (``SystemExit`` and ``KeyboardInterrupt`` included)
  comes back as data; tracebacks show the cell's own lines, not reflow's frames;
- the cell runs in the notebook's ``__main__`` module (``main_module.py``);
- the output is the value as it was when the cell ended (``shown_value``): a
  later cell's ``xs.append(3)`` does not change what ``xs`` showed.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import copy
import inspect
import io
import linecache
import sys
import tokenize
import traceback
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from types import CodeType, FunctionType, MethodType, TracebackType
from typing import TYPE_CHECKING, Any, Protocol

from reflow.runtime.errors import CellError
from reflow.runtime.rewrites import at_work

if TYPE_CHECKING:
    from reflow.runtime.main_module import MainModule

_FLAGS = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
_COMPILED_KEPT = 2048  # cells whose code objects stay cached


@dataclass(frozen=True, slots=True)
class Execution:
    output: Any
    stdout: str
    stderr: str
    error: CellError | None
    interrupted: bool = False
    stopped_at: int | None = None
    """For an error, the line of the cell's own top-level code that raised: the statements
    that end above it ran to the end. ``None`` when that is not known."""


class CellExecutor(Protocol):
    """What a Session runs cell source through: this module's ``Executor``, or a
    host's own machinery (the Jupyter kernel runs cells through IPython's shell so
    that magics, rich display and history keep working)."""

    def execute(self, source: str, filename: str) -> Execution: ...

    def close(self) -> None: ...

    def runs_cells_alone(self) -> bool:
        """Whether running a cell now runs no code but the cell's own and the host's: no
        tracer, no hook a user or a library put in (a tree transformer, an IPython event
        callback), any of which could bind globals the cell's analysis does not show."""
        ...


_HOST_MODULES = ("reflow.", "IPython.", "ipykernel.", "matplotlib.", "matplotlib_inline.")
"""Where the hooks a host installs by itself come from: reflow's tree rewrites, IPython's
own event callbacks, the inline figure backend's ``flush_figures``."""


def no_tracer() -> bool:
    return sys.gettrace() is None and sys.getprofile() is None


def from_host(hook: object) -> bool:
    """Whether a hook is the host's own (``_HOST_MODULES``), told by its code's module; a
    hook of any other kind (a ``functools.partial``, a builtin) counts as foreign."""
    if isinstance(hook, (FunctionType, MethodType)):
        module = hook.__module__
    else:
        module = type(hook).__module__  # not the instance's: a `__getattr__` is code
    return isinstance(module, str) and module.startswith(_HOST_MODULES)


@dataclass(frozen=True, slots=True)
class CompiledCell:
    body: CodeType
    last_expression: CodeType | None


def ends_with_semicolon(source: str) -> bool:
    """IPython's rule: a final ``;`` (before comments and blank lines) hides the output."""
    last = None
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type not in (
                tokenize.NEWLINE,
                tokenize.NL,
                tokenize.COMMENT,
                tokenize.ENDMARKER,
                tokenize.INDENT,
                tokenize.DEDENT,
            ):
                last = token
    except (tokenize.TokenError, SyntaxError):
        return False
    return last is not None and last.type == tokenize.OP and last.string == ";"


def compile_cell(
    source: str, filename: str, transformers: Sequence[ast.NodeTransformer] = ()
) -> CompiledCell:
    """Split off a trailing expression so that its value can be shown. Raises SyntaxError.

    ``transformers`` rewrite the tree first, as IPython's ``ast_transformers`` do
    (the cached blocks of ``reflow.cache`` are one).
    """
    tree = ast.parse(source, filename, mode="exec")
    for transformer in at_work(transformers, tree):
        tree = ast.fix_missing_locations(transformer.visit(tree))
    last: CodeType | None = None
    last_statement = tree.body[-1] if tree.body else None
    if isinstance(last_statement, ast.Expr) and not ends_with_semicolon(source):
        tree.body.pop()
        expr = ast.Expression(last_statement.value)
        last = compile(expr, filename, "eval", flags=_FLAGS, dont_inherit=True)
    body = compile(tree, filename, "exec", flags=_FLAGS, dont_inherit=True)
    return CompiledCell(body, last)


class Executor:
    """Executes cells in one namespace; owns the event loop that top-level ``await`` uses."""

    def __init__(self, namespace: dict[str, Any], main: MainModule | None = None) -> None:
        """``main``: the module whose globals ``namespace`` is, installed as ``__main__``
        while a cell runs (a host's own namespace, the kernel's, has its own)."""
        self.namespace = namespace
        self.main = main
        self._loop: asyncio.AbstractEventLoop | None = None
        self.transformers: list[ast.NodeTransformer] = []
        # Re-running a cell is the common case: parse and compile its source once.
        self._compiled: OrderedDict[tuple[str, str, tuple[Any, ...]], CompiledCell] = OrderedDict()

    def close(self) -> None:
        if self._loop is not None:
            self._loop.close()
            self._loop = None

    def runs_cells_alone(self) -> bool:
        return no_tracer() and all(from_host(t) for t in self.transformers)

    def execute(self, source: str, filename: str) -> Execution:
        # Lines as a file's, each with its newline: without one, Python 3.11 puts a
        # traceback's carets a column off.
        lines = [line.rstrip("\r\n") + "\n" for line in source.splitlines()]
        linecache.cache[filename] = (len(source), None, lines, filename)
        stdout, stderr = io.StringIO(), io.StringIO()
        output: Any = None
        error: CellError | None = None
        interrupted = False
        raised: BaseException | None = None
        main = self.main.installed() if self.main is not None else contextlib.nullcontext()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr), main:
            try:
                compiled = self._compile(source, filename)
                self._run(compiled.body)
                if compiled.last_expression is not None:
                    output = shown_value(self._run(compiled.last_expression))
            except KeyboardInterrupt as exc:
                interrupted, raised = True, exc
                error = _as_error(exc, filename)
            except SystemExit as exc:
                raised = exc
                error = CellError(
                    "SystemExit",
                    f"the cell called sys.exit({exc.code!r}); reflow kept the notebook running",
                    traceback_text(exc, filename),
                )
            except BaseException as exc:
                raised = exc
                error = _as_error(exc, filename)
        line = stopped_at(raised, self.namespace) if raised is not None else None
        return Execution(output, stdout.getvalue(), stderr.getvalue(), error, interrupted, line)

    def _compile(self, source: str, filename: str) -> CompiledCell:
        # A transformer whose rewrite depends on more than the tree (which cell runs, the
        # notebook's direction) says so with a ``state``; the compiled code depends on it.
        states = tuple(getattr(t, "state", None) for t in self.transformers)
        key = (source, filename, states)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = compile_cell(source, filename, self.transformers)
            if len(self._compiled) > _COMPILED_KEPT:
                self._compiled.popitem(last=False)
        else:
            self._compiled.move_to_end(key)
        return compiled

    def _run(self, code: CodeType) -> Any:
        result = eval(code, self.namespace)
        if code.co_flags & inspect.CO_COROUTINE:
            result = self._event_loop().run_until_complete(result)
        return result

    def _event_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None or self._loop.is_closed():
            self._loop = asyncio.new_event_loop()
        return self._loop


_SHOWN_ITEMS = 10_000
_SCALARS = (int, float, complex, str, bytes, bool, type(None))


def shown_value(value: Any) -> Any:
    """The output to keep for a cell: a copy of a list, dict or set of plain data (up to
    10,000 items in all), so that what the cell showed stays what it showed when a later
    cell changes the object in place, as Jupyter's saved output does; anything else, the
    object itself (copying it could be costly, or change what it is)."""
    if type(value) in (list, dict, set) and _plain_data(value, [_SHOWN_ITEMS]):
        return copy.deepcopy(value)
    return value


def _plain_data(value: Any, budget: list[int]) -> bool:
    budget[0] -= 1
    if budget[0] < 0:
        return False
    kind = type(value)
    if kind in _SCALARS:
        return True
    if kind in (list, tuple, set, frozenset):
        return all(_plain_data(item, budget) for item in value)
    if kind is dict:
        return all(_plain_data(k, budget) and _plain_data(v, budget) for k, v in value.items())
    return False


def _as_error(exc: BaseException, filename: str) -> CellError:
    return CellError(type(exc).__name__, str(exc), traceback_text(exc, filename))


def stopped_at(raised: BaseException, namespace: dict[str, Any]) -> int | None:
    """The line of the cell's top-level code at which ``raised`` left it: the outermost
    module-level frame that runs in the notebook's namespace (a function the cell called
    raised at that call). ``None`` when the cell's code never started (a syntax error)."""
    tb: TracebackType | None = raised.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_name == "<module>" and frame.f_globals is namespace:
            return tb.tb_lineno
        tb = tb.tb_next
    return None


def traceback_text(exc: BaseException, filename: str) -> str:
    """The traceback from the cell's first frame on: reflow's frames are noise to the user."""
    tb: TracebackType | None = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != filename:
        tb = tb.tb_next
    if isinstance(exc, SyntaxError):
        tb = None
    return "".join(traceback.format_exception(type(exc), exc, tb))
