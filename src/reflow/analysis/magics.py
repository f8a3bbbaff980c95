"""The ``%%memoize`` cell magic, as far as static analysis must know it.

IPython reads a cell magic from the first line that is not blank; what
follows is the cell's body. reflow runs ``%%memoize`` cells itself (the
magic only says "consult the cache first"), so analysis, normalisation and
execution all work on the body. The magic line becomes a blank line rather
than disappearing, so that line numbers in tracebacks and diagnostics still
point at the cell as the user sees it.

Other cell magics (``%%time``, ``%%bash``) are IPython's business: they are
left alone here, and Python does not parse them.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Literal

MEMOIZE = "memoize"
_MAGIC_LINE = re.compile(r"[ \t]*%%(?P<name>\w+)(?P<args>[^\n]*)")
_CELL_MAGIC_FIRST = re.compile(r"\s*%%")  # (blank lines first, as IPython allows)

Report = Literal["line", "quiet"]


class MagicUsageError(ValueError):
    """``%%memoize`` with arguments it does not take."""


@dataclass(frozen=True, slots=True)
class MemoizeDirective:
    """What ``%%memoize [--quiet|--verbose]`` asks for.

    ``report``: ``"line"`` says a hit in one short line, ``"quiet"`` says nothing.
    ``replay``: a hit also prints what the cell printed when it ran (``--verbose``).
    """

    report: Report = "line"
    replay: bool = False


@dataclass(frozen=True, slots=True)
class MemoizedSource:
    directive: MemoizeDirective | None
    body: str
    """The source with the magic line blanked: what Python parses and runs."""
    problem: str | None = None


def split_memoize(source: str) -> MemoizedSource:
    """The ``%%memoize`` directive of a cell, if it has one, and the body to run."""
    if _CELL_MAGIC_FIRST.match(source) is None:
        return MemoizedSource(None, source)  # asked twice of every run: no split of a big cell
    lines = source.split("\n")
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        match = _MAGIC_LINE.fullmatch(line)
        if match is None or match["name"] != MEMOIZE:
            break
        body = "\n".join([*lines[:index], "", *lines[index + 1 :]])
        try:
            return MemoizedSource(parse_memoize_args(match["args"]), body)
        except MagicUsageError as problem:
            return MemoizedSource(None, body, str(problem))
    return MemoizedSource(None, source)


def parse_memoize_args(args: str) -> MemoizeDirective:
    """``--quiet`` and ``--verbose`` (one of them at most); anything else is an error."""
    try:
        words = shlex.split(args)
    except ValueError as problem:
        raise MagicUsageError(f"%%memoize: {problem}") from None
    unknown = [w for w in words if w not in ("--quiet", "--verbose", "-q", "-v")]
    if unknown:
        raise MagicUsageError(f"%%memoize takes --quiet or --verbose, not {' '.join(unknown)!r}")
    quiet = "--quiet" in words or "-q" in words
    verbose = "--verbose" in words or "-v" in words
    if quiet and verbose:
        raise MagicUsageError("%%memoize takes --quiet or --verbose, not both")
    return MemoizeDirective(report="quiet" if quiet else "line", replay=verbose)


def python_source(source: str) -> str:
    """The part of a cell Python parses: the body of a ``%%memoize`` cell, else all of it."""
    return split_memoize(source).body
