"""``reflow run``: run a notebook headless, in dependency order, and save its outputs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reflow.cli import progress
from reflow.cli.common import CommandFailed, HelpFormatter, add_direction, cell_name, load
from reflow.files import expected_errors, save_notebook

DESCRIPTION = """\
Run every cell of a notebook in the order a fresh "restart and run all" would
(dependency order in any_order), then write the outputs back into the .ipynb
(or to --out). Exits 1 if a cell raises, printing which cell and its traceback;
a cell tagged raises-exception (as nbclient and nbval read it) shows an error on
purpose: its error is kept in its output and fails nothing.

Percent and marimo .py and .md files have no place for outputs: they are run
and left as they are, unless --out names a file to write (an .ipynb keeps the
outputs).

Cells can run at the same time: --parallel N runs the cells whose inputs
are ready in N worker processes, --dask on a Dask cluster (a local one when
no ADDRESS is given). Results are the same as a sequential run's: each cell's
values enter the notebook in its sequential place. Cells a worker cannot run
faithfully (they write files, change an object in place, define functions,
hold values that cannot be pickled, ...) run in this process; --explain says
which and why. Needs the `parallel` extra (and `dask` for --dask).

examples:
  reflow run analysis.ipynb
  reflow run notebook.py --out executed.ipynb
  reflow run app.py --direction any_order
  reflow run analysis.ipynb --cache    # unchanged cells restored from .reflow/cache
  reflow run analysis.ipynb --parallel 4 --explain
  reflow run analysis.ipynb --dask tcp://10.0.0.5:8786
"""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "run",
        help="run a notebook headless and write its outputs back",
        description=DESCRIPTION,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("notebook", help="the notebook file (.ipynb, .py or .md)")
    parser.add_argument(
        "-o", "--out", metavar="FILE", help="write the notebook with outputs here instead"
    )
    add_direction(parser)
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress, only failures")
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
        help="run independent cells on a Dask cluster: the scheduler at ADDRESS, "
        "or a local cluster (one worker process per core) when none is given",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="with --parallel or --dask: say which cells run where, and why",
    )
    parser.set_defaults(command=main)


def _workers(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise argparse.ArgumentTypeError(f"expected a number of workers (1 or more), got {text!r}")
    return count


def main(args: argparse.Namespace) -> int:
    parallel = args.parallel is not None or args.dask is not None
    if args.explain and not parallel:
        raise CommandFailed("--explain goes with --parallel or --dask")
    options = {"cache": "disk"} if args.cache else {}
    if args.cache_dir is not None:
        options["cache_dir"] = args.cache_dir
    notebook = load(args.notebook, args.direction, **options)
    reporter = progress.reporter_for(sys.stdout, len(notebook), quiet=args.quiet)
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

    target = args.out
    if target is None and Path(args.notebook).suffix.lower() == ".ipynb":
        target = args.notebook
    if target is not None:
        save_notebook(notebook, target)

    expected = expected_errors(notebook)
    failures = {c: e for c, e in run.errors.items() if c not in expected}
    for cell_id, failure in failures.items():
        print(f"{cell_name(notebook, cell_id)} failed:", file=sys.stderr)
        print((failure.traceback or str(failure)).rstrip("\n"), file=sys.stderr)
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
