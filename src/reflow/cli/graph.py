"""``reflow graph``: the cell dependency graph as Mermaid, DOT or text."""

from __future__ import annotations

import argparse
import sys

from reflow.cli.common import HelpFormatter, add_direction, load
from reflow.diagram import DRAWINGS

DESCRIPTION = """\
Print the graph of a notebook's cells: an edge from the cell that writes a
variable to each cell that reads it, labelled with the variables. Paste
Mermaid into Markdown (GitHub renders it); render DOT with Graphviz.

examples:
  reflow graph analysis.ipynb
  reflow graph app.py --format dot | dot -Tsvg > graph.svg
  reflow graph notes.md --format text
"""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "graph",
        help="print the cell dependency graph (mermaid, dot or text)",
        description=DESCRIPTION,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("notebook", help="the notebook file (.ipynb, .py or .md)")
    parser.add_argument(
        "--format", choices=tuple(DRAWINGS), default="mermaid", help="default: mermaid"
    )
    add_direction(parser)
    parser.set_defaults(command=main)


def main(args: argparse.Namespace) -> int:
    notebook = load(args.notebook, args.direction)
    sys.stdout.write(DRAWINGS[args.format](notebook))
    return 0
