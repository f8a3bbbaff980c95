"""``reflow check``: static diagnostics as ``path:line:col: CODE message`` lines."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from reflow.checks import RULES, Diagnostic, check
from reflow.cli.common import HelpFormatter, add_direction, error, load
from reflow.files import position_in_file
from reflow.formats import NotebookFileError

if TYPE_CHECKING:
    from reflow.notebook import Notebook

_RULE_LIST = "\n".join(f"  {r.code} {r.name:<20} {r.summary}" for r in RULES)

DESCRIPTION = f"""\
Check notebooks without running them, and print one line per problem in the
form editors and CI annotate: path:line:col: CODE message. Exits 1 if there is
any problem, 2 if a file cannot be read as a notebook.

rules:
{_RULE_LIST}

RF001, RF002 and RF006 apply in any_order (marimo's rules), RF003 in in_order.

examples:
  reflow check analysis.ipynb
  reflow check notebooks/*.ipynb app.py --format json
"""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "check",
        help="report multiple definitions, cycles, out-of-order and undefined names",
        description=DESCRIPTION,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("notebooks", nargs="+", metavar="NB", help="notebook files to check")
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default: text)"
    )
    add_direction(parser)
    parser.set_defaults(command=main)


def main(args: argparse.Namespace) -> int:
    found: list[dict[str, Any]] = []
    unreadable = False
    for path in args.notebooks:
        try:
            notebook = load(path, args.direction)
        except NotebookFileError as problem:
            error(str(problem))
            unreadable = True
            continue
        for diagnostic in check(notebook):
            found.append(_as_dict(path, notebook, diagnostic))
    if args.format == "json":
        print(json.dumps(found, indent=2, ensure_ascii=False))
    else:
        for item in found:
            # Where the file's layout gave no position, the cell says where to look.
            where = "" if item["mapped"] else f" (code cell {item['cell_index']} [{item['cell']}])"
            print(
                f"{item['path']}:{item['line']}:{item['column']}: {item['code']} "
                f"{item['message']}{where}"
            )
        if found:
            files = len({item["path"] for item in found})
            print(f"Found {_plural(len(found), 'problem')} in {_plural(files, 'file')}.")
        elif not unreadable:
            print("All checks passed.")
    if unreadable:
        return 2
    return 1 if found else 0


def _as_dict(path: str, notebook: Notebook, diagnostic: Diagnostic) -> dict[str, Any]:
    mapped = position_in_file(notebook, diagnostic.cell, diagnostic.line, diagnostic.column)
    line, column = mapped or (1, 1)
    return {
        "path": path,
        "line": line,
        "column": column,
        "code": diagnostic.rule.code,
        "name": diagnostic.rule.name,
        "message": diagnostic.message,
        "cell": diagnostic.cell,
        "cell_index": diagnostic.index + 1,
        "cell_line": diagnostic.line,
        "cell_column": diagnostic.column,
        "mapped": mapped is not None,
    }


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
