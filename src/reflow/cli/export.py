"""``reflow export`` and ``reflow convert``: a notebook in another format."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reflow.cli.common import CommandFailed, HelpFormatter, add_direction, cell_name, load
from reflow.cli.targets import claim, refuse_source, wrote

# --to value -> (format, extension of the default output file); the format names are
# those of reflow.formats, spelled here so that `reflow --help` imports no format.
TARGETS = {
    "script": ("script", ".py"),
    "ipynb": ("ipynb", ".ipynb"),
    "py": ("percent", ".py"),
    "md": ("marimo_md", ".md"),
    "html": ("html", ".html"),
}

EXPORT_DESCRIPTION = """\
Write a notebook in another format:

  script  a plain Python file, code cells in run order (dependency order in any_order)
  ipynb   a Jupyter notebook (outputs kept when the source is an .ipynb)
  py      the percent format (# %% cells), as Jupytext and VS Code read it
  md      a marimo Markdown notebook
  html    a web page with the outputs (nbconvert's HTML exporter), for someone
          without Python; --run runs the notebook first (as `reflow run` does)

The output goes next to the input with the new extension, or to -o FILE
(-o - for standard output). An existing file is replaced only with --force
(on a terminal, reflow asks).

examples:
  reflow export analysis.ipynb --to script -o analysis_script.py
  reflow export app.py --to ipynb
  reflow export notes.ipynb --to md -o -
  reflow export analysis.ipynb --to py --force    # replace analysis.py
  reflow export analysis.py --to html --run        # analysis.html, with fresh outputs
"""

CONVERT_DESCRIPTION = """\
Convert a notebook from one format to another, each chosen by its extension
(.ipynb, .py for the percent format, .md for marimo Markdown). marimo .py
notebooks can be read but not written. An existing TARGET is replaced only
with --force (on a terminal, reflow asks).

examples:
  reflow convert analysis.ipynb analysis.py
  reflow convert app.py app.ipynb
  reflow convert app.py app.ipynb --force    # replace app.ipynb, outputs and all
"""


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = commands.add_parser(
        "export",
        help="write a notebook as a script (cells in run order), ipynb, py, md or html",
        description=EXPORT_DESCRIPTION,
        formatter_class=HelpFormatter,
    )
    export.add_argument("notebook", help="the notebook file (.ipynb, .py or .md)")
    export.add_argument("--to", required=True, choices=tuple(TARGETS), help="the format to write")
    export.add_argument("-o", "--output", metavar="FILE", help="where to write ('-': stdout)")
    export.add_argument("--force", action="store_true", help="replace an existing file")
    export.add_argument(
        "--run", action="store_true", help="with --to html: run every cell first, for its outputs"
    )
    add_direction(export)
    export.set_defaults(command=main_export)

    convert = commands.add_parser(
        "convert",
        help="convert a notebook between .ipynb, percent .py and marimo .md",
        description=CONVERT_DESCRIPTION,
        formatter_class=HelpFormatter,
    )
    convert.add_argument("source", help="the notebook to read")
    convert.add_argument("target", help="the file to write; its extension picks the format")
    convert.add_argument("--force", action="store_true", help="replace an existing TARGET")
    add_direction(convert)
    convert.set_defaults(command=main_convert)


def main_export(args: argparse.Namespace) -> int:
    format, extension = TARGETS[args.to]
    output = args.output or str(Path(args.notebook).with_suffix(extension))
    refuse_source(args.notebook, output, "name another file with -o")
    if format == "html":
        return _export_html(args.notebook, output, args.direction, args.force, args.run)
    if args.run:
        raise CommandFailed("--run goes with --to html")
    return _export(args.notebook, output, format, args.direction, args.force)


def main_convert(args: argparse.Namespace) -> int:
    refuse_source(args.source, args.target, "name another TARGET")
    return _export(args.source, args.target, None, args.direction, args.force)


def _export(
    source: str, output: str, format: str | None, direction: str | None, force: bool
) -> int:
    from reflow.files import in_run_order, notebook_file
    from reflow.formats import format_for, render, write

    if output != "-":
        format = claim(output, force=force, format=format)
    notebook = load(source, direction)
    file = notebook_file(notebook)
    if format == "script":
        file = in_run_order(file, [str(c) for c in notebook.execution_order()])
    if output == "-":
        sys.stdout.write(render(file, format or format_for(output)))
    else:
        write(file, output, format)
        wrote(output)
    return 0


def _export_html(source: str, output: str, direction: str | None, force: bool, run: bool) -> int:
    """nbconvert's HTML page of the notebook, with the outputs it holds, or (``run``) with
    those of a fresh run in dependency order; 1 if a cell failed (its error is on the page)."""
    import importlib.util

    if importlib.util.find_spec("nbconvert") is None:
        raise CommandFailed("--to html needs nbconvert: pip install nbconvert")
    if output != "-":
        claim(output, force=force, format="html")
    from reflow.files import expected_errors, notebook_file
    from reflow.formats import ipynb

    notebook = load(source, direction)
    failed: list[str] = []
    if run:
        done = notebook.run_all()
        expected = expected_errors(notebook)
        failed = [c for c in [*done.errors, *done.cancelled] if c not in expected]
    page = _html(ipynb.render(notebook_file(notebook)))
    if output == "-":
        sys.stdout.write(page)
    else:
        from reflow.formats.atomic import write_atomic

        write_atomic(Path(output), page.encode("utf-8"))
        wrote(output)
    for cell_id in failed:
        print(f"{cell_name(notebook, cell_id)} failed (its error is on the page)", file=sys.stderr)
    return 1 if failed else 0


def _html(notebook_json: str) -> str:
    import nbformat
    from nbconvert import HTMLExporter

    # reads, not from_dict: it joins the sources that the file stores as lists of lines.
    notebook = nbformat.reads(notebook_json, as_version=4)  # type: ignore[no-untyped-call]
    body, _ = HTMLExporter().from_notebook_node(notebook)
    return str(body)
