"""Memoization: cache keys, memory, disk and remote stores, and the front doors over them.

- ``keys``/``digest``: what a result was computed from, as a key that means the
  same in every process (normalised code, content digests of inputs, a salt);
  ``parts``: which inputs a key may digest by the parts a cell reads;
- ``entry``: a result as parts a store keeps (arrays apart, to be mapped back);
- ``memory``, ``disk``, ``remote``: the stores; ``location``: which one a
  notebook, block or function uses; ``sizes``: the disk cap
  (``REFLOW_CACHE_MAX_BYTES``);
- ``memoize``: memoized cells (``%%memoize``, ``Notebook(cache="disk")``), and
  ``run_memoized``, the seam a host running cells its own way calls;
- ``blocks`` and ``decorators``: ``with reflow.persistent_cache("name"):`` and
  ``@reflow.cache``;
- ``ipython``: ``register(shell)`` gives an IPython shell ``%%memoize`` and
  cached blocks (the seam the Jupyter kernel and ``%load_ext reflow`` call).

The functions ``reflow.cache`` and ``reflow.persistent_cache`` are the decorators
(``reflow.cache.decorators``); import this package's modules by their full name.
"""

from __future__ import annotations

from reflow.cache.blocks import CachedBlock, CachedBlockTransformer
from reflow.cache.decorators import CachedFunction, cache, persistent_cache
from reflow.cache.disk import DiskStore
from reflow.cache.memoize import CellMemoizer, MemoOutcome, run_memoized
from reflow.cache.memory import MemoryStore
from reflow.cache.store import CacheStore, CacheWarning, TieredStore

__all__ = [
    "CacheStore",
    "CacheWarning",
    "CachedBlock",
    "CachedBlockTransformer",
    "CachedFunction",
    "CellMemoizer",
    "DiskStore",
    "MemoOutcome",
    "MemoryStore",
    "TieredStore",
    "cache",
    "persistent_cache",
    "run_memoized",
]
