"""Sizes people type (``5G``, ``500MB``, ``1.5GiB``), and the disk cache's cap.

The cap of a disk cache is ``REFLOW_CACHE_MAX_BYTES`` when set (a size as
``parse_size`` reads it), else 20 GiB. It is read when a store is made, so a
notebook, ``reflow run --cache`` and a kernel started with it set all evict to
the same size; ``reflow cache clear --max-size`` shrinks a cache once. Units
are binary (``1K`` is 1024 bytes), as ``reflow cache info`` prints them.
"""

from __future__ import annotations

import os
import re

DEFAULT_DISK_MAX_BYTES = 20 << 30
ENVIRONMENT = "REFLOW_CACHE_MAX_BYTES"

_UNITS = {"": 0, "K": 10, "M": 20, "G": 30, "T": 40}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:I?B)?\s*", re.IGNORECASE)
_warned: set[str] = set()


def parse_size(text: str) -> int:
    """Bytes from ``20000``, ``512K``, ``5G``, ``1.5GiB``, ``2TB``; ``ValueError`` otherwise."""
    match = _SIZE.fullmatch(text)
    if match is None:
        raise ValueError(
            f"{text!r} is not a size: a number and an optional unit, as in 500M, 5G, 1.5GiB"
        )
    return int(float(match[1]) * (1 << _UNITS[match[2].upper()]))


def disk_max_bytes() -> int:
    """The cap for a disk cache: ``REFLOW_CACHE_MAX_BYTES``, else 20 GiB.

    A value that does not parse is one warning and the default: a setting
    mistyped must not stop a notebook from running.
    """
    text = os.environ.get(ENVIRONMENT, "").strip()
    if not text:
        return DEFAULT_DISK_MAX_BYTES
    try:
        return parse_size(text)
    except ValueError as problem:
        if text not in _warned:
            _warned.add(text)
            from reflow.cache.store import warn

            warn(f"{ENVIRONMENT}: {problem}; the disk cache keeps its default cap of 20 GiB")
        return DEFAULT_DISK_MAX_BYTES
