"""What every cache store offers, the warning they all speak with, and their tiers.

A store maps a key to an ``Entry``. ``get`` never raises: a missing, corrupt
or unreadable entry is a miss (a corrupt one is dropped, so that the next run
rewrites it). ``put`` never raises either: a full disk or an unwritable
directory is one ``CacheWarning`` per store, and the computation goes on
uncached. ``touch`` marks an entry used without reading it, and says whether
the store holds it.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from reflow.cache.entry import Encoded, Entry

if TYPE_CHECKING:
    from reflow.cache.memory import MemoryStore


class CacheWarning(UserWarning):
    """Something reflow's cache could not do; the code ran (or will run) instead."""


def warn(message: str) -> None:
    """One warning; attributed to no source line (a line of reflow's would be noise)."""
    warnings.warn_explicit(f"{message}", CacheWarning, "reflow cache", 0, module="reflow.cache")


@dataclass(frozen=True, slots=True)
class EntryInfo:
    key: str
    label: str
    nbytes: int
    last_used: float
    """When a run stored it or a hit last read it (seconds since the epoch)."""


class CacheStore(Protocol):
    @property
    def location(self) -> str:
        """Where the entries are, for messages: a directory, a URL, ``memory``."""

    def get(self, key: str, namespace: dict[str, Any] | None = None) -> Entry | None: ...

    def put(self, key: str, encoded: Encoded) -> bool:
        """Keep an entry; ``False`` (after one warning per store) when it could not."""

    def touch(self, key: str) -> bool:
        """Mark the entry used (what eviction reads); whether the store holds it."""

    def entries(self) -> Iterator[EntryInfo]: ...

    def remove(self, key: str) -> None: ...


def evict_lru(store: CacheStore, max_bytes: int) -> list[EntryInfo]:
    """Remove least recently used entries until the store's total fits ``max_bytes``."""
    found = sorted(store.entries(), key=lambda e: e.last_used)
    total = sum(e.nbytes for e in found)
    removed = []
    for info in found:
        if total <= max_bytes:
            break
        store.remove(info.key)
        total -= info.nbytes
        removed.append(info)
    return removed


class TieredStore:
    """Memory in front of a slower store: a put goes to both, a get asks memory first.

    Entries over ``fast_limit`` bytes skip memory: a disk hit maps their arrays
    (a millisecond or so for 100 MB), so a copy in memory would cost a miss more
    (a copy of every byte) than it saves a hit. Nor is a hit from the slower
    store copied into memory, for the same reason.

    The memory store is the process's, shared by every tier: a hit there may be
    an entry another notebook (or a memory-only cache) put. So a memory hit
    touches the slower store's entry (its last use, for eviction) and, when that
    store lacks it, writes it through: a notebook cached on disk finds its
    entries on its own disk when it is opened again, whoever computed them.
    """

    def __init__(self, fast: MemoryStore, slow: CacheStore, fast_limit: int = 16 << 20) -> None:
        self.fast = fast
        self.slow = slow
        self.fast_limit = fast_limit

    @property
    def location(self) -> str:
        return self.slow.location

    def get(self, key: str, namespace: dict[str, Any] | None = None) -> Entry | None:
        found = self.fast.get(key, namespace)
        if found is None:
            return self.slow.get(key, namespace)
        if not self.slow.touch(key):
            encoded = self.fast.encoded(key)
            if encoded is not None:
                self.slow.put(key, encoded)
        return found

    def touch(self, key: str) -> bool:
        return self.slow.touch(key) or self.fast.touch(key)

    def put(self, key: str, encoded: Encoded) -> bool:
        kept = encoded.nbytes <= self.fast_limit and self.fast.put(key, encoded)
        return self.slow.put(key, encoded) or kept

    def entries(self) -> Iterator[EntryInfo]:
        return self.slow.entries()

    def remove(self, key: str) -> None:
        self.fast.remove(key)
        self.slow.remove(key)
