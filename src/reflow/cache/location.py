"""Where cached results live: the stores a notebook, a block or a function uses.

- ``memory``: one store per process, bounded by bytes (1 GiB unless
  ``set_memory_limit`` says otherwise), shared by every cache in it;
- persistent: memory in front of a directory (``.reflow/cache/`` beside the
  notebook, else in the working directory) or an fsspec URL.

While a ``Notebook`` runs cells, ``CACHE_DIR`` holds its cache directory, so
that ``@reflow.persistent_cache`` and ``with reflow.persistent_cache(...)`` in
its cells store beside the notebook too.
"""

from __future__ import annotations

import os
from contextvars import ContextVar
from pathlib import Path

from reflow.cache.disk import DiskStore
from reflow.cache.memory import DEFAULT_MAX_BYTES, MemoryStore
from reflow.cache.store import CacheStore, TieredStore

DEFAULT_DIR = Path(".reflow") / "cache"

CACHE_DIR: ContextVar[str | None] = ContextVar("reflow_cache_dir", default=None)
"""The running notebook's cache location (a directory or a URL), if any."""

_memory = MemoryStore(DEFAULT_MAX_BYTES)
_persistent: dict[str, CacheStore] = {}


def memory_store() -> MemoryStore:
    return _memory


def set_memory_limit(max_bytes: int) -> None:
    """Bound the process's memory cache (entries beyond it go, least recently used first)."""
    _memory.max_bytes = max_bytes
    _memory.evict()


def is_url(location: str | os.PathLike[str]) -> bool:
    return isinstance(location, str) and "://" in location


def current_location() -> str:
    """The running notebook's cache location, else ``.reflow/cache`` in the working directory."""
    return CACHE_DIR.get() or str(Path.cwd() / DEFAULT_DIR)


def persistent_store(location: str | os.PathLike[str] | None = None) -> CacheStore:
    """Memory in front of a directory or a URL (one store object per location)."""
    where = str(location) if location is not None else current_location()
    key = where if is_url(where) else str(Path(where).absolute())
    store = _persistent.get(key)
    if store is None:
        if is_url(where):
            from reflow.cache.remote import RemoteStore

            # Nothing maps from a remote store: every size is worth keeping in memory.
            store = TieredStore(_memory, RemoteStore(where), fast_limit=1 << 62)
        else:
            store = TieredStore(_memory, DiskStore(key))
        _persistent[key] = store
    return store
