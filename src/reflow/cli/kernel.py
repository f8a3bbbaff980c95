"""``reflow kernel install``: make "Python 3 (reflow)" available to Jupyter elsewhere.

``pip install reflow[kernel]`` already ships the kernelspec into the
environment's ``share/jupyter``; this writes one for another place (your
user directory, or a prefix a Jupyter in another environment reads), pointing
at this Python.
"""

from __future__ import annotations

import argparse

from reflow.cli.common import CommandFailed, HelpFormatter

DESCRIPTION = """\
Install the "Python 3 (reflow)" kernelspec (name: reflow) so that Jupyter
(JupyterLab, Notebook 7, VS Code, nbclient) can start the reflow kernel with
this Python. Needs ipykernel: pip install 'reflow[kernel]'.

examples:
  reflow kernel install --user          for every Jupyter of this user
  reflow kernel install --sys-prefix    into this environment (what pip does)
  reflow kernel install --prefix /opt/jupyter
"""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "kernel",
        help="install the Jupyter kernel 'Python 3 (reflow)'",
        description=DESCRIPTION,
        formatter_class=HelpFormatter,
    )
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)
    install = actions.add_parser(
        "install",
        help="install the kernelspec",
        description=DESCRIPTION,
        formatter_class=HelpFormatter,
    )
    where = install.add_mutually_exclusive_group()
    where.add_argument("--user", action="store_true", help="into the user's Jupyter data dir")
    where.add_argument(
        "--sys-prefix", action="store_true", help="into this environment (sys.prefix)"
    )
    where.add_argument("--prefix", metavar="DIR", help="under DIR/share/jupyter/kernels")
    install.set_defaults(command=main)


def main(args: argparse.Namespace) -> int:
    import sys

    try:
        from reflow.kernel.kernelspec import install
    except ImportError as missing:  # depends on the environment
        raise CommandFailed(
            f"the kernel needs ipykernel ({missing}): pip install 'reflow[kernel]'"
        ) from None
    prefix = sys.prefix if args.sys_prefix else args.prefix
    try:
        path = install(user=args.user, prefix=prefix)
    except OSError as problem:
        raise CommandFailed(f"cannot install the kernelspec: {problem}") from None
    print(f"installed kernelspec reflow (Python 3 (reflow)) in {path}")
    return 0
