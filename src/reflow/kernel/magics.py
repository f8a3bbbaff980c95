"""``%flow``: reflow's settings and questions from inside a notebook.

    %flow mode [reactive|lazy]             show or set what a run does downstream
    %flow direction [in_order|any_order]   show or set which cells a cell reads from
    %flow deps NAME | users NAME | code NAME
    %flow graph                            the cell graph, one line per edge
    %flow status                           every cell's status and stale reason
    %flow parallel [on [N]|off]            run a reactive run's independent cells in N workers
    %flow cache [off|memory|disk]          memoize every cell (disk: in .reflow/cache, kept)

Cell magics whose body is Python (``%%time``, ``%%capture``, the cache's
``%%memoize``) are analysed by their body: ``register_cell_magic`` adds one,
so that the names the body reads and writes link cells like any other code.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class

# Shared with headless runs, which analyse IPython cells the same way (re-exported here).
from reflow.analysis.magics import (
    BODY_IS_PYTHON,
    LINE_BODY_IS_PYTHON,
    inline_line_magics,
    magic_body,
)

if TYPE_CHECKING:
    from reflow.kernel.flow import Flow

__all__ = [
    "BODY_IS_PYTHON",
    "LINE_BODY_IS_PYTHON",
    "FlowMagics",
    "inline_line_magics",
    "magic_body",
    "register_cell_magic",
]

USAGE = __doc__.split("\n\n")[1] if __doc__ else ""


def register_cell_magic(
    shell: Any, name: str, function: Callable[[str, str], Any], *, body_is_python: bool = True
) -> None:
    """Register ``%%name`` on the shell; ``body_is_python``: analyse its body as the cell."""
    shell.register_magic_function(function, magic_kind="cell", magic_name=name)
    if body_is_python:
        BODY_IS_PYTHON.add(name)
    else:
        BODY_IS_PYTHON.discard(name)


@magics_class
class FlowMagics(Magics):  # type: ignore[misc]
    def __init__(self, shell: Any, flow: Flow) -> None:
        super().__init__(shell)
        self._flow = flow

    @line_magic  # type: ignore[untyped-decorator]
    def flow(self, line: str) -> None:
        """reflow's settings and questions; `%flow` alone lists the subcommands."""
        words = line.split()
        if not words:
            print(USAGE)
            return
        command, arguments = words[0], words[1:]
        handler = {
            "mode": self._mode,
            "direction": self._direction,
            "deps": self._state("deps"),
            "users": self._state("users"),
            "code": self._state("code"),
            "graph": self._graph,
            "status": self._status,
            "parallel": self._parallel,
            "cache": self._cache,
        }.get(command)
        if handler is None:
            raise UsageError(f"%flow: unknown command {command!r}\n{USAGE}")
        handler(arguments)

    def _mode(self, arguments: list[str]) -> None:
        self._setting("mode", arguments, ("reactive", "lazy"))

    def _direction(self, arguments: list[str]) -> None:
        self._setting("direction", arguments, ("in_order", "any_order"))

    def _setting(self, what: str, arguments: list[str], allowed: tuple[str, ...]) -> None:
        notebook = self._flow.notebook
        if not arguments:
            print(f"{what}: {getattr(notebook, what)}")
            return
        if len(arguments) != 1 or arguments[0] not in allowed:
            raise UsageError(f"%flow {what} takes one of {', '.join(allowed)}")
        # Applied once the current run is over: a run keeps the rules it started with.
        self._flow.pending_settings[what] = arguments[0]
        print(f"{what}: {arguments[0]}")

    def _cache(self, arguments: list[str]) -> None:
        """Every cell of plain Python memoized from the next execution on, as ``Notebook(
        cache=...)`` does; ``%%memoize`` cells and cells with magics or ``!`` are left alone."""
        flow = self._flow
        setting = arguments[0] if arguments else flow.cache
        if len(arguments) > 1 or setting not in ("off", "memory", "disk"):
            raise UsageError("%flow cache takes one of off, memory, disk")
        if arguments:
            flow.pending_settings["cache"] = setting  # as mode: from the next execution on
        where = {
            "off": "only %%memoize cells are memoized",
            "memory": "every cell is memoized in this kernel's memory",
            "disk": f"every cell is memoized, in {flow.cache_dir} too",
        }[setting]
        print(f"cache: {setting} ({where})")

    def _parallel(self, arguments: list[str]) -> None:
        flow = self._flow
        if not arguments:
            backend = flow.parallel
            print("parallel: off" if backend is None else f"parallel: on, {backend.describe()}")
            return
        if arguments[0] == "off" and len(arguments) == 1:
            print(flow.set_parallel(None))
            return
        if arguments[0] != "on" or len(arguments) > 2:
            raise UsageError("%flow parallel takes on [N] (N worker processes) or off")
        workers = os.cpu_count() or 1
        if len(arguments) == 2:
            if not arguments[1].isdigit() or int(arguments[1]) < 1:
                raise UsageError(
                    f"%flow parallel on N: N is a number of workers, not {arguments[1]!r}"
                )
            workers = int(arguments[1])
        try:
            print(flow.set_parallel(workers))
        except ImportError as missing:
            raise UsageError(
                f"%flow parallel needs {missing.name or 'cloudpickle'}: "
                "pip install 'reflow[parallel]'"
            ) from None

    def _state(self, question: str) -> Callable[[list[str]], None]:
        def answer(arguments: list[str]) -> None:
            if len(arguments) != 1:
                raise UsageError(f"%flow {question} takes one name, e.g. %flow {question} df")
            state = self._flow.notebook.state
            try:
                found = getattr(state, question)(arguments[0])
            except (NameError, ValueError) as problem:
                raise UsageError(f"%flow {question}: {problem}") from None
            print(found if isinstance(found, str) else ", ".join(found) or "(none)")

        return answer

    def _graph(self, arguments: list[str]) -> None:
        flow = self._flow
        notebook = flow.notebook
        for cell in notebook.cells:
            print(flow.label(cell.id))
            for parent, names in notebook.parent_edges(cell.id).items():
                print(f"    <- {flow.label(parent)}: {', '.join(names)}")

    def _status(self, arguments: list[str]) -> None:
        flow = self._flow
        notebook = flow.notebook
        print(f"mode: {notebook.mode}, direction: {notebook.direction}")
        for cell in notebook.cells:
            status = cell.status
            reason = cell.stale_reason if status == "stale" else None
            error = cell.error if status == "error" else None
            extra = reason or (str(error) if error else "")
            line = f"{status:9} {flow.label(cell.id)}"
            print(line + (f": {flow.relabel(extra)}" if extra else ""))
