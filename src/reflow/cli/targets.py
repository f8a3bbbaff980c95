"""Where a command writes: checked before any work, never over a user's file unasked.

A command that writes a file (``export``, ``convert``, ``run -o``) calls
``claim`` before it reads or runs anything, so that a long run is never
thrown away at the end because its target was a directory, a ``.txt`` file or
in a missing directory, and so that no file the user has is replaced
silently:

- an existing file is replaced only with ``--force``; on a terminal the
  command asks instead (as marimo's ``export`` does), elsewhere (CI, pipes,
  scripts) it refuses in one line that says how, exit 2;
- the one file a command may replace unasked is its own: the notebook
  ``reflow run`` writes its outputs into, which is the input itself, or a
  file an earlier ``reflow run`` of the same notebook wrote (``run_marker``).

``wrote`` prints the path of each file written, so that nothing lands on
disk unannounced.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from reflow.cli.common import CommandFailed

RUN_SOURCE_KEY = "run_of"
"""Under the notebook metadata's ``reflow`` key: the notebook a ``reflow run`` output came from."""


def claim(
    target: str,
    *,
    force: bool,
    flag: str = "--force",
    format: str | None = None,
    replaceable: bool = False,
) -> str:
    """Check that ``target`` may be written; return the format the write will use.

    ``replaceable``: the command owns the file (see the module's docstring)."""
    from reflow.formats import check_writable

    chosen = check_writable(target, format)
    if Path(target).exists() and not force and not replaceable and not _confirmed(target):
        raise CommandFailed(f"{target}: already exists; add {flag} to overwrite it")
    return chosen


def refuse_source(source: str, target: str, how: str) -> None:
    """A command never writes over the notebook it reads (``how``: what to do instead)."""
    if target != "-" and _same_file(source, target):
        raise CommandFailed(f"{target}: would overwrite the notebook being read; {how}")


def run_marker(source: str, target: str) -> str:
    """What a run's output records as its source: the input, relative to the output."""
    return os.path.relpath(Path(source).resolve(), Path(target).resolve().parent)


def written_by_run_of(source: str, target: str) -> bool:
    """Whether ``target`` is a notebook an earlier ``reflow run`` of ``source`` wrote."""
    from reflow.formats import NotebookFileError, read

    try:
        metadata: dict[str, Any] = read(target).metadata
    except NotebookFileError:
        return False
    saved = metadata.get("reflow")
    return isinstance(saved, dict) and saved.get(RUN_SOURCE_KEY) == run_marker(source, target)


def wrote(path: str | Path) -> None:
    print(f"wrote {path}", flush=True)


def _same_file(a: str, b: str) -> bool:
    return Path(a).resolve() == Path(b).resolve()


def _confirmed(target: str) -> bool:
    """On a terminal, ask; anywhere else there is nobody to ask."""
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        return False
    print(f"{target} exists. Overwrite it? [y/N] ", end="", file=sys.stderr, flush=True)
    try:
        answer = sys.stdin.readline()
    except KeyboardInterrupt:
        answer = ""
    return answer.strip().lower() in {"y", "yes"}
