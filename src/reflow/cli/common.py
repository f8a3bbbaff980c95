"""What the subcommands share: options, opening a notebook, naming a cell."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reflow.notebook import Notebook

DIRECTIONS = ("in_order", "any_order")


class CommandFailed(Exception):
    """A problem with the user's input that the command reports on one line, exit 2."""


def add_direction(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--direction",
        choices=DIRECTIONS,
        help="in_order: a cell reads from the cells above it (Jupyter); any_order: from "
        "any cell, one definer per name (marimo). Default: saved in the notebook, "
        "else any_order for marimo files and in_order for the rest",
    )


def load(path: str, direction: str | None, **options: Any) -> Notebook:
    """``options``: for the notebook's constructor (``cache``, ``cache_dir``)."""
    from reflow.notebook import Notebook

    return Notebook.open(path, direction=direction, **options)


def cell_name(notebook: Notebook, cell_id: str) -> str:
    return f"cell [{cell_id}] (code cell {notebook.cell(cell_id).index + 1})"


def error(message: str) -> None:
    print(f"reflow: error: {message}", file=sys.stderr)


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the examples in descriptions as written; wraps option help to the terminal."""
