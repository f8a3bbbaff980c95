"""The memory store: entries in this process, bounded by bytes, least recently used out.

Entries are held encoded, never as the objects a run made: a hit builds
fresh objects, so a user mutating what a hit gave them changes nothing here.
Large buffers (arrays) live in anonymous files (``memfd``, Linux) that a hit
maps copy-on-write: a hit of a 100 MB array costs a few microseconds, and a
write to it copies only the pages written. Elsewhere a hit copies them.
"""

from __future__ import annotations

import mmap
import os
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from reflow.cache.entry import CorruptEntry, Encoded, Entry, decode
from reflow.cache.store import EntryInfo

DEFAULT_MAX_BYTES = 1 << 30


class _Buffer:
    """Bytes that can be handed out as a private, writable copy, cheaply where possible."""

    def __init__(self, data: bytes | memoryview) -> None:
        view = memoryview(data).cast("B")
        self.nbytes = view.nbytes
        self._fd: int | None = None
        self._bytes: bytes | None = None
        if self.nbytes and hasattr(os, "memfd_create"):
            try:
                self._fd = _memory_file(view)
            except OSError:  # a file size limit, no memfd support: keep plain bytes
                self._fd = None
        if self._fd is not None:
            weakref.finalize(self, os.close, self._fd)
        else:
            self._bytes = bytes(view)

    def private_copy(self) -> Any:
        if self._fd is not None:
            return mmap.mmap(self._fd, self.nbytes, access=mmap.ACCESS_COPY)
        return bytearray(self._bytes or b"")


def _memory_file(view: memoryview) -> int:
    fd = os.memfd_create("reflow-cache", os.MFD_CLOEXEC)
    try:
        written = 0
        while written < view.nbytes:
            written += os.write(fd, view[written : written + (1 << 30)])
    except BaseException:
        os.close(fd)
        raise
    return fd


@dataclass(slots=True)
class _Held:
    manifest: dict[str, Any]
    arrays: dict[str, tuple[_Buffer, str, tuple[int, ...], bool]]
    blobs: dict[str, _Buffer | bytes]
    nbytes: int
    last_used: float


class MemoryStore:
    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        if max_bytes < 0:
            raise ValueError(f"max_bytes must be >= 0, got {max_bytes}")
        self.max_bytes = max_bytes
        self._held: OrderedDict[str, _Held] = OrderedDict()
        self.nbytes = 0
        self._lock = threading.RLock()  # cached functions may be called from threads

    @property
    def location(self) -> str:
        return "memory"

    def __contains__(self, key: object) -> bool:
        return key in self._held

    def __len__(self) -> int:
        return len(self._held)

    def get(self, key: str, namespace: dict[str, Any] | None = None) -> Entry | None:
        with self._lock:
            held = self._held.get(key)
            if held is None:
                return None
            self._held.move_to_end(key)
            held.last_used = time.time()
        try:
            return decode(held.manifest, _array_loader(held), _blob_loader(held), namespace)
        except CorruptEntry:
            self.remove(key)
            return None

    def put(self, key: str, encoded: Encoded) -> bool:
        nbytes = encoded.nbytes
        if nbytes > self.max_bytes:
            return False
        try:
            held = self._hold(encoded, nbytes)
        except MemoryError:
            return False
        with self._lock:
            self.remove(key)
            self._held[key] = held
            self.nbytes += nbytes
            self.evict()
            return key in self._held

    def touch(self, key: str) -> bool:
        with self._lock:
            held = self._held.get(key)
            if held is None:
                return False
            self._held.move_to_end(key)
            held.last_used = time.time()
            return True

    def encoded(self, key: str) -> Encoded | None:
        """The entry's parts again, as ``put`` was given them: to write it to another store.

        Buffers come back as private copies (mapped copy-on-write where possible), so
        writing them out reads the pages, never copies the entry first.
        """
        with self._lock:
            held = self._held.get(key)
        if held is None:
            return None
        load_array, load_blob = _array_loader(held), _blob_loader(held)
        return Encoded(
            dict(held.manifest),
            {part: load_array(part) for part in held.arrays},
            {part: memoryview(load_blob(part)) for part in held.blobs},
        )

    def _hold(self, encoded: Encoded, nbytes: int) -> _Held:
        arrays = {}
        import numpy as np

        for part, array in encoded.arrays.items():
            fortran = bool(array.flags.f_contiguous and not array.flags.c_contiguous)
            data = array if array.flags.c_contiguous or fortran else array.copy()
            flat = data.reshape(-1, order="F" if fortran else "C")
            buffer = _Buffer(memoryview(flat.view(np.uint8)))
            arrays[part] = (buffer, array.dtype.str, tuple(array.shape), fortran)
        blobs: dict[str, _Buffer | bytes] = {
            part: bytes(data) if part == "values.pkl" else _Buffer(data)
            for part, data in encoded.blobs.items()
        }
        return _Held(dict(encoded.manifest), arrays, blobs, nbytes, time.time())

    def evict(self) -> None:
        """Evict least recently used entries until the total fits ``max_bytes``."""
        with self._lock:
            while self.nbytes > self.max_bytes and self._held:
                self.remove(next(iter(self._held)))

    def entries(self) -> Iterator[EntryInfo]:
        for key, held in list(self._held.items()):
            yield EntryInfo(key, str(held.manifest.get("label", "")), held.nbytes, held.last_used)

    def remove(self, key: str) -> None:
        with self._lock:
            held = self._held.pop(key, None)
            if held is not None:
                self.nbytes -= held.nbytes

    def clear(self) -> None:
        with self._lock:
            self._held.clear()
            self.nbytes = 0


def _array_loader(held: _Held) -> Any:
    def load(part: str) -> Any:
        import numpy as np

        buffer, dtype, shape, fortran = held.arrays[part]
        if buffer.nbytes == 0:
            return np.empty(shape, dtype=np.dtype(dtype))
        return np.ndarray(
            shape, np.dtype(dtype), buffer=buffer.private_copy(), order="F" if fortran else "C"
        )

    return load


def _blob_loader(held: _Held) -> Any:
    def load(part: str) -> Any:
        blob = held.blobs[part]
        return blob if isinstance(blob, bytes) else blob.private_copy()

    return load
