"""The ``reflow`` command line.

Each subcommand lives in a module of its own that adds its parser and
handles its arguments; ``COMMANDS`` lists them in the order ``--help``
shows. ``main`` owns what all of them share: a file that is not a notebook
(or cannot be written) is one ``reflow: error: PATH: problem`` line and exit
2, Ctrl-C exits 130, a closed pipe exits quietly.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from reflow import __version__
from reflow.cli import app, cache, check, export, graph, kernel, lab, run, tutorial
from reflow.cli.common import CommandFailed, HelpFormatter, error
from reflow.formats import NotebookFileError

Registrar = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]
COMMANDS: tuple[Registrar, ...] = (
    run.add_parser,
    check.add_parser,
    export.add_parsers,
    graph.add_parser,
    lab.add_parser,
    app.add_parser,
    kernel.add_parser,
    cache.add_parser,
    tutorial.add_parser,
)

DESCRIPTION = """\
reflow: a reactive, dataflow-aware Python notebook. Run, check, export and
draw notebooks (.ipynb, percent-format .py, marimo .py and .md) from a shell
or CI.

examples:
  reflow run analysis.ipynb            run every cell, save the outputs
  reflow check *.ipynb                 find cells that would fail or lie
  reflow export app.py --to script     a plain script, cells in run order
  reflow graph analysis.ipynb          the dependency graph as Mermaid
  reflow lab analysis.ipynb            JupyterLab with the reactive kernel
  reflow app dashboard.ipynb           the notebook as a web app (Voilà), widgets live
  reflow cache info                    what the persistent cache holds
  reflow tutorial dataflow             a tutorial notebook, copied here and opened

'reflow COMMAND --help' tells more about each command.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reflow", description=DESCRIPTION, formatter_class=HelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"reflow {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for register in COMMANDS:
        register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command: Callable[[argparse.Namespace], int] = args.command
    try:
        return command(args)
    except (NotebookFileError, CommandFailed) as problem:
        error(str(problem))
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into `head` and the like: stop without a traceback.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
