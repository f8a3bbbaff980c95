"""``reflow run``: run a notebook headless, in dependency order, and save its outputs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reflow.cli import progress
from reflow.cli.common import CommandFailed, HelpFormatter, add_direction, cell_name, load
from reflow.cli.targets import RUN_SOURCE_KEY, claim, run_marker, written_by_run_of, wrote

if TYPE_CHECKING:
    from reflow.notebook import Notebook
    from reflow.runtime.errors import CellError

DESCRIPTION = """\
Run every cell of a notebook in the order a fresh "restart and run all" would
(dependency order in any_order), and save the notebook with its outputs as
Jupyter would: printed text, figures, display() output and each cell's result
as it was when the cell ran. The notebook itself is left as it is: the outputs
go to NB.out.ipynb beside it, or to --out FILE, or with --inplace into NB.
What each cell prints is shown under its progress line (-q hides both). Exits 1
if a cell raises, printing which cell and its traceback; a cell tagged
raises-exception (as nbclient and nbval read it) shows an error on purpose:
its error is kept in its output and fails nothing.

The cells of an .ipynb (and of a percent file that uses magics) are IPython
cells: %matplotlib inline, %time, %%capture, !cmd and the like run as in
Jupyter (IPython must be installed for them).

Percent and marimo .py and .md files have no place for outputs: they are run
and left as they are, unless --out names a file to write (an .ipynb keeps the
outputs). The file written is checked before any cell runs, and an existing
file there is replaced only with --force, or if an earlier run of the same
notebook wrote it.

Parameters, as papermill passes them: -p NAME VALUE (repeatable) and -f
FILE.yaml override the defaults in the cell tagged `parameters`; they go in a
cell inserted after it, tagged `injected-parameters`, so the saved notebook
says what ran. A VALUE is a Python literal (42, 0.5, [1, 2], None), else a
string. A name the parameters cell does not assign is an error, before any
cell runs. With --cache, a run with one parameter changed runs only the cells
that depend on it.

Cells can run at the same time: --parallel N runs the cells whose inputs
are ready in N worker processes, --dask on a local Dask cluster, and
--dask=ADDRESS (or --dask-address ADDRESS) on the cluster whose scheduler is
at ADDRESS. Results are the same as a sequential run's: each cell's
values enter the notebook in its sequential place. Cells a worker cannot run
faithfully (they write files, change an object in place, define functions,
hold values that cannot be pickled, ...) run in this process; --explain says
which and why. Needs the `parallel` extra (and `dask` for --dask).

examples:
  reflow run analysis.ipynb            # writes analysis.out.ipynb
  reflow run analysis.ipynb --inplace  # the outputs go into analysis.ipynb
  reflow run notebook.py --out executed.ipynb
  reflow run report.ipynb -p year 2024 -p region north -f params.yaml
  reflow run app.py --direction any_order
  reflow run analysis.ipynb --cache    # unchanged cells restored from .reflow/cache
  reflow run analysis.ipynb --parallel 4 --explain
  reflow run analysis.ipynb --dask
  reflow run analysis.ipynb --dask=tcp://10.0.0.5:8786
"""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "run",
        help="run a notebook headless and save it with its outputs (NB.out.ipynb)",
        description=DESCRIPTION,
        formatter_class=HelpFormatter,
    )
    # Optional for argparse only: `--dask nb.py` gives the notebook to --dask (see _settle).
    parser.add_argument("notebook", nargs="?", help="the notebook file (.ipynb, .py or .md)")
    target = parser.add_mutually_exclusive_group()
    target.add_argument(
        "-o",
        "--out",
        metavar="FILE",
        help="write the notebook with its outputs here (default: NB.out.ipynb beside NB)",
    )
    target.add_argument(
        "--inplace", action="store_true", help="write the outputs into the notebook itself"
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace an existing --out file that reflow did not write",
    )
    add_direction(parser)
    parser.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="set a parameter (a name the cell tagged `parameters` assigns); VALUE is a "
        "Python literal, else a string",
    )
    parser.add_argument(
        "-f",
        "--parameters-file",
        action="append",
        default=[],
        metavar="FILE",
        help="parameters from a YAML or JSON file (-p wins over it)",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="no progress and no cell output, only failures"
    )
    parser.add_argument(
        "--cache",
        action="store_true",
        help="memoize every cell on disk (.reflow/cache beside the notebook): a cell whose "
        "code and inputs are unchanged since a run is restored, not run",
    )
    parser.add_argument("--cache-dir", metavar="DIR", help="the cache directory (or URL) to use")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--parallel",
        metavar="N",
        type=_workers,
        help="run independent cells at the same time, in N worker processes",
    )
    where.add_argument(
        "--dask",
        metavar="ADDRESS",
        nargs="?",
        const="",
        help="run independent cells on a Dask cluster: a local one (one worker process "
        "per core), or with --dask=ADDRESS the scheduler at ADDRESS",
    )
    where.add_argument(
        "--dask-address",
        metavar="ADDRESS",
        help="the same as --dask=ADDRESS",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="with --parallel or --dask: say which cells run where, and why",
    )
    parser.set_defaults(command=main, parser=parser)


def _settle(args: argparse.Namespace) -> None:
    """``--dask`` takes an optional value, so ``reflow run --dask nb.py`` hands it the
    notebook: with no notebook left, that value was the notebook (on a local cluster)."""
    if args.dask_address is not None:
        args.dask = args.dask_address
    if args.notebook is None and args.dask:
        args.notebook, args.dask = args.dask, ""
    if args.notebook is None:
        args.parser.error("the following arguments are required: notebook")


def _workers(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise argparse.ArgumentTypeError(f"expected a number of workers (1 or more), got {text!r}")
    return count


def main(args: argparse.Namespace) -> int:
    _settle(args)
    parallel = args.parallel is not None or args.dask is not None
    if args.explain and not parallel:
        raise CommandFailed("--explain goes with --parallel or --dask")
    target = _target(args)
    options = {"cache": "disk"} if args.cache else {}
    if args.cache_dir is not None:
        options["cache_dir"] = args.cache_dir
    notebook = load(args.notebook, args.direction, **options)
    _inject_parameters(notebook, args)
    reporter = progress.reporter_for(
        sys.stdout, len(notebook), quiet=args.quiet, printed=_printed(notebook)
    )
    if args.cache:
        reporter = _SaysRestored(reporter, notebook)
    explained: list[str] = []
    if parallel:
        from reflow.cli.run_parallel import run_in_parallel

        run, explained = run_in_parallel(notebook, args, reporter)
    else:
        run = notebook.run_all(observer=reporter)
    reporter.close(run)
    if args.cache and not args.quiet:
        restored = sum(notebook.cell(c).from_cache for c in run.ran)
        print(f"{restored} of {len(run.ran)} cells restored from the cache")
    if explained:
        print("\n".join(explained))

    if target is not None:
        _save(notebook, args.notebook, target, quiet=args.quiet)

    from reflow.files import expected_errors

    expected = expected_errors(notebook)
    failures = {c: e for c, e in run.errors.items() if c not in expected}
    for cell_id, failure in failures.items():
        print(f"{cell_name(notebook, cell_id)} failed:", file=sys.stderr)
        print(_described(notebook, args.notebook, cell_id, failure), file=sys.stderr)
    if run.cancelled:
        names = ", ".join(cell_name(notebook, c) for c in run.cancelled)
        print(f"not run, because a cell they depend on failed: {names}", file=sys.stderr)
    if run.interrupted:
        print("interrupted", file=sys.stderr)
        return 130
    if not args.quiet and len(failures) < len(run.errors):
        shown = ", ".join(cell_name(notebook, c) for c in run.errors if c in expected)
        print(f"raised as tagged (raises-exception): {shown}")
    return 1 if failures or run.cancelled else 0


def _inject_parameters(notebook: Notebook, args: argparse.Namespace) -> None:
    """The overrides of -f and -p in a cell after the ``parameters`` cell; a name the
    notebook does not take fails here, before any cell runs."""
    from reflow.parameters import ParameterError, inject, parse_value, read_file

    values: dict[str, object] = {}
    try:
        for path in args.parameters_file:
            values.update(read_file(path))
        for name, text in args.parameter:
            values[name] = parse_value(text)
        injected = inject(notebook, values)
    except ParameterError as problem:
        raise CommandFailed(f"{args.notebook}: {problem}") from None
    if injected is not None and not args.quiet:
        shown = ", ".join(f"{name} = {value!r}" for name, value in values.items())
        print(f"parameters: {shown}", flush=True)


def _target(args: argparse.Namespace) -> str | None:
    """Where the outputs go, checked before any cell runs: a run's work is never lost
    to a target it cannot write, nor written over a file the user has."""
    notebook = str(args.notebook)
    ipynb = Path(notebook).suffix.lower() == ".ipynb"
    if args.inplace:
        if not ipynb:
            raise CommandFailed(
                f"{notebook}: --inplace: a text notebook has no place for outputs; "
                "use --out FILE.ipynb"
            )
        claim(notebook, force=True)
        return notebook
    out = args.out
    if out is None:
        if not ipynb:
            return None  # a text notebook has no place for outputs: left as it is
        out = default_output(notebook)
    own = Path(out).resolve() == Path(notebook).resolve() or (
        Path(out).is_file() and written_by_run_of(notebook, out)
    )
    claim(out, force=args.force, replaceable=own)
    return str(out)


def default_output(notebook: str) -> str:
    """``analysis.ipynb`` -> ``analysis.out.ipynb``, beside it."""
    path = Path(notebook)
    return str(path.with_name(f"{path.stem}.out.ipynb"))


def _save(notebook: Notebook, source: str, target: str, *, quiet: bool) -> None:
    from reflow.files import METADATA_KEY, notebook_file
    from reflow.formats import write

    file = notebook_file(notebook)
    if Path(target).resolve() != Path(source).resolve():
        # Marks the file as this run's output: the next run of `source` may replace it.
        file.metadata[METADATA_KEY][RUN_SOURCE_KEY] = run_marker(source, target)
    changed = write(file, target)
    if not quiet:
        if changed:
            wrote(target)
        else:
            print(f"{target}: unchanged", flush=True)


class _SaysRestored:
    """A cell restored from the cache says so on its progress line."""

    def __init__(self, reporter: progress.Reporter, notebook: Notebook) -> None:
        self._reporter = reporter
        self._notebook = notebook

    def finished(self, cell: str, outcome: str) -> None:
        if outcome == "ok" and self._notebook.cell(cell).from_cache:
            outcome = "restored"
        self._reporter.finished(cell, outcome)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reporter, name)


def _printed(notebook: Notebook) -> progress.Printed:
    def printed(cell: str) -> tuple[str, str]:
        found = notebook.cell(cell)
        return found.stdout or "", found.stderr or ""

    return printed


def _described(notebook: Notebook, path: str, cell_id: str, failure: CellError) -> str:
    """The failure as Python would say it; a syntax error once, where `reflow check` puts it."""
    if failure.unparsed:
        from reflow._types import CellId
        from reflow.files import position_in_file

        found = notebook._record(CellId(cell_id)).analysis.syntax_error
        if found is not None:
            line, column = found.lineno or 1, found.offset or 1
            where = position_in_file(notebook, cell_id, line, column)
            place = f"{path}:{where[0]}:{where[1]}" if where else f"line {line}, column {column}"
            return f"{place}: {found.kind}: {found.message}"
    return (failure.traceback or str(failure)).rstrip("\n")
