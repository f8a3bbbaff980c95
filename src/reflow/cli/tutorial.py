"""``reflow tutorial [NAME]``: a bundled tutorial, copied here as a notebook and opened.

The tutorials live in ``reflow/tutorials`` as percent-format ``.py`` files, so
that they read as code in a review, run under ``reflow run`` in the tests and
ship in the wheel with the package. What a user wants is a notebook, though:
``NAME.ipynb`` in the current directory, converted through ``reflow.formats``
and asking for the reflow kernel, then opened with ``reflow lab``.

A file of that name is never overwritten: it may hold the user's own edits
and outputs, and a tutorial is cheap to copy again under another directory.
The list of tutorials is the directory itself, and each one's summary is its
first heading, so adding a tutorial is adding a file.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from pathlib import Path

from reflow.cli.common import CommandFailed, HelpFormatter

DESCRIPTION = """\
Copy a tutorial notebook, NAME.ipynb, into the current directory and open it
in JupyterLab with the reflow kernel (see 'reflow lab'). A file of that name
is never overwritten: it is opened as it is. Without NAME, list the tutorials.

examples:
  reflow tutorial --list               the tutorials, one line each
  reflow tutorial dataflow             copy dataflow.ipynb here and open it
  reflow tutorial caching --no-open    only copy it; prints its path
"""

TUTORIALS = Path(__file__).resolve().parent.parent / "tutorials"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "tutorial",
        help="copy a tutorial notebook here and open it in JupyterLab",
        description=DESCRIPTION,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("name", nargs="?", metavar="NAME", help="the tutorial to open")
    parser.add_argument("--list", action="store_true", help="list the tutorials and exit")
    parser.add_argument(
        "--no-open", action="store_true", help="copy the notebook, print its path, do not open it"
    )
    # Passed on to `reflow lab`.
    parser.add_argument("--port", type=int, default=8888, help="default: 8888, or the next free")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser")
    parser.add_argument("--token", help="the token to require (default: a random one)")
    parser.set_defaults(command=main)


def main(args: argparse.Namespace) -> int:
    available = tutorials()
    if args.list or args.name is None:
        print_list(available)
        if not args.list:
            print("\nopen one with: reflow tutorial NAME")
        return 0
    source = available.get(args.name)
    if source is None:
        names = ", ".join(available) or "none (the installation lacks reflow/tutorials)"
        raise CommandFailed(f"no tutorial named {args.name!r}; the tutorials are: {names}")
    target = Path.cwd() / f"{args.name}.ipynb"
    if not copy_as_notebook(source, target):
        then = "" if args.no_open else "; opening it"
        print(
            f"reflow tutorial: {target.name} already exists, kept as it is{then} "
            "(move it away for a fresh copy)",
            file=sys.stderr,
        )
    print(target)
    if args.no_open:
        return 0
    sys.stdout.flush()
    from reflow.cli import lab

    lab_args = argparse.Namespace(
        notebook=str(target),
        port=args.port,
        no_browser=args.no_browser,
        token=args.token,
        keep_kernel=False,
    )
    return lab.main(lab_args)


def tutorials() -> dict[str, Path]:
    """The bundled tutorials by name, in name order."""
    return {p.stem: p for p in sorted(TUTORIALS.glob("*.py")) if not p.stem.startswith("_")}


def summary(name: str, path: Path) -> str:
    """The tutorial's first heading, without a leading "Name:" that repeats its name."""
    from reflow import formats

    for cell in formats.read(path).cells:
        if cell.kind != "markdown":
            continue
        for line in cell.source.splitlines():
            if line.startswith("#"):
                heading = line.lstrip("#").strip()
                title, colon, rest = heading.partition(":")
                return rest.strip() if colon and title.strip().lower() == name else heading
    return ""


def print_list(available: dict[str, Path]) -> None:
    width = max((len(name) for name in available), default=0)
    for name, path in available.items():
        print(f"  {name:<{width}}  {summary(name, path)}")


def copy_as_notebook(source: Path, target: Path) -> bool:
    """Write ``source`` as an ``.ipynb`` at ``target``; ``False`` if a file is already there."""
    from reflow import formats
    from reflow.kernel.kernelspec import DISPLAY_NAME, NAME

    if target.exists():
        return False
    file = formats.read(source)
    file.metadata = {
        **file.metadata,
        "kernelspec": {"display_name": DISPLAY_NAME, "language": "python", "name": NAME},
        "language_info": {"name": "python"},
    }
    data = formats.render(file, "ipynb").encode("utf-8")
    try:
        return _create(target, data)
    except PermissionError:
        raise CommandFailed(f"{target}: cannot write: permission denied") from None
    except OSError as error:
        raise CommandFailed(f"{target}: cannot write: {error.strerror or error}") from None


def _create(path: Path, data: bytes) -> bool:
    """Write a new file whole, or not at all; ``False`` if one appeared there first.

    The bytes go to a temporary file that is then hard-linked to ``path``: a
    link, unlike a rename, fails when the name is taken, so a file made in
    the meantime is kept, and no reader ever sees half a notebook. Where a
    file system has no hard links, an exclusive create does the same but for
    the half-written moment.
    """
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)  # mkstemp's file is private; a notebook is not
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        except OSError:
            try:
                with open(path, "xb") as stream:
                    stream.write(data)
            except FileExistsError:
                return False
        return True
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
