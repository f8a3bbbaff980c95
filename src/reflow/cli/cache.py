"""``reflow cache``: what the persistent cache holds, and removing it."""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING

from reflow.cli.common import CommandFailed, HelpFormatter

if TYPE_CHECKING:
    from reflow.cache.disk import DiskStore
    from reflow.cache.remote import RemoteStore

DESCRIPTION = """\
Show or clear reflow's persistent cache: the results of memoized cells
(%%memoize, 'reflow run --cache'), of @reflow.persistent_cache functions and
of 'with reflow.persistent_cache(...)' blocks. The cache is .reflow/cache
beside the notebook; --dir names another directory (or an fsspec URL).

A cache directory is capped at 20 GiB, least recently used entries out;
REFLOW_CACHE_MAX_BYTES (e.g. 5G) sets another cap for every cache written
while it is set. 'clear --max-size' shrinks a cache once, to that size.

examples:
  reflow cache info
  reflow cache info --dir analysis/.reflow/cache
  reflow cache clear --older-than 7d
  reflow cache clear --max-size 5G
  reflow cache clear --dir s3://bucket/reflow-cache
"""

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "cache",
        help="show or clear the persistent cache of memoized results",
        description=DESCRIPTION,
        formatter_class=HelpFormatter,
    )
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)
    info = actions.add_parser("info", help="entries, sizes and ages", formatter_class=HelpFormatter)
    _add_dir(info)
    info.add_argument("-v", "--verbose", action="store_true", help="one line per entry")
    info.set_defaults(command=show)
    clear = actions.add_parser("clear", help="remove entries", formatter_class=HelpFormatter)
    _add_dir(clear)
    clear.add_argument(
        "--older-than",
        metavar="AGE",
        type=parse_age,
        help="only entries not used for this long: 90s, 30m, 12h, 7d, 2w",
    )
    clear.add_argument(
        "--max-size",
        metavar="SIZE",
        type=_size,
        help="only least recently used entries, until the cache fits SIZE: 500M, 5G, 1.5GiB",
    )
    clear.set_defaults(command=remove)


def _add_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dir",
        default=str(Path(".reflow") / "cache"),
        help="the cache directory or URL (default: .reflow/cache)",
    )


def parse_age(text: str) -> float:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*", text)
    if match is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an age: a number and a unit, as in 90s, 30m, 12h, 7d, 2w"
        )
    return float(match[1]) * _UNITS[match[2] or "s"]


def _size(text: str) -> int:
    from reflow.cache.sizes import parse_size

    try:
        return parse_size(text)
    except ValueError as problem:
        raise argparse.ArgumentTypeError(str(problem)) from None


def _store(location: str) -> DiskStore | RemoteStore:
    if "://" in location:
        from reflow.cache.remote import RemoteStore as Remote

        try:
            return Remote(location)
        except ImportError as problem:
            raise CommandFailed(str(problem)) from None
    from reflow.cache.disk import DiskStore as Disk

    if Path(location).exists() and not Path(location).is_dir():
        raise CommandFailed(f"{location}: not a directory")
    return Disk(location)


def show(args: argparse.Namespace) -> int:
    store = _store(args.dir)
    entries = sorted(store.entries(), key=lambda e: e.last_used)
    total = sum(e.nbytes for e in entries)
    cap = getattr(store, "max_bytes", None)
    capped = f" (cap {human_bytes(cap)})" if cap is not None else ""
    print(f"{args.dir}: {len(entries)} entries, {human_bytes(total)}{capped}")
    if entries:
        now = time.time()
        print(f"  least recently used {human_age(now - entries[0].last_used)} ago")
        print(f"  most recently used {human_age(now - entries[-1].last_used)} ago")
    if args.verbose:
        for e in reversed(entries):
            age = human_age(time.time() - e.last_used)
            print(f"  {e.key[:12]}  {human_bytes(e.nbytes):>9}  {age:>6} ago  {e.label}")
    return 0


def remove(args: argparse.Namespace) -> int:
    from reflow.cache.store import evict_lru

    store = _store(args.dir)
    if args.max_size is None:
        removed = store.clear(args.older_than)
    else:  # --older-than first, then least recently used until it fits
        removed = store.clear(args.older_than) if args.older_than is not None else []
        removed += evict_lru(store, args.max_size)
    freed = sum(e.nbytes for e in removed)
    print(f"{args.dir}: removed {len(removed)} entries, {human_bytes(freed)}")
    return 0


def human_bytes(count: int) -> str:
    size = float(count)
    # Powers of 1024, named as such: the caps are written 1 GiB and 20 GiB too.
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"


def human_age(seconds: float) -> str:
    seconds = max(seconds, 0.0)
    for unit, length in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= length:
            return f"{seconds / length:.0f}{unit}"
    return f"{seconds:.0f}s"
