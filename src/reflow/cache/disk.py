"""The disk store: one directory per entry, content-addressed, shared by processes.

Layout under the root (``.reflow/cache/`` beside the notebook by default)::

    entries/ab/abcdef.../manifest.json   what the entry holds, and each file's size
                         a0.npy           a top-level array: a hit maps it copy-on-write
                         values.pkl       every other value, one pickle
                         b0, b1, ...      that pickle's large buffers, mapped on a hit
    tmp/                                  entries being written

- **Atomic**: an entry is written in ``tmp/`` and renamed into place in one
  step. Two processes writing the same key both write whole entries; the
  first rename wins and the second finds the place taken and drops its copy
  (same key, same content). A reader never sees half an entry.
- **Checked**: a hit compares every file's size with the manifest before
  reading; a truncated or unreadable entry is removed and counts as a miss,
  so the run that follows writes it again. Files are not fsynced: a crash
  can only leave an entry that this check rejects.
- **Bounded**: after each write, the least recently used entries go until
  the total is under ``max_bytes`` (``REFLOW_CACHE_MAX_BYTES``, else 20 GiB:
  ``sizes.py``); a hit touches the manifest's mtime, which is what "used"
  means here (and what ``reflow cache clear --older-than`` reads).
- **Copy-on-write**: arrays come back as ``np.load(..., mmap_mode="c")``
  views: writing to one changes the process's copy of those pages, never the file.
"""

from __future__ import annotations

import contextlib
import json
import mmap
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from reflow.cache.entry import CorruptEntry, Encoded, Entry, decode, part_names
from reflow.cache.sizes import DEFAULT_DISK_MAX_BYTES, disk_max_bytes
from reflow.cache.store import EntryInfo, evict_lru, warn

DEFAULT_MAX_BYTES = DEFAULT_DISK_MAX_BYTES
MANIFEST = "manifest.json"


class DiskStore:
    def __init__(self, root: str | os.PathLike[str], max_bytes: int | None = None) -> None:
        """``max_bytes``: the cap; by default ``REFLOW_CACHE_MAX_BYTES``, else 20 GiB."""
        if max_bytes is None:
            max_bytes = disk_max_bytes()
        if max_bytes < 0:
            raise ValueError(f"max_bytes must be >= 0, got {max_bytes}")
        self.root = Path(root)
        self.max_bytes = max_bytes
        self._warned = False

    @property
    def location(self) -> str:
        return str(self.root)

    def _dir(self, key: str) -> Path:
        if len(key) < 8 or not all(c in "0123456789abcdef" for c in key):
            raise ValueError(f"not a cache key: {key!r}")
        return self.root / "entries" / key[:2] / key

    # ---- reading ----------------------------------------------------------------

    def get(self, key: str, namespace: dict[str, Any] | None = None) -> Entry | None:
        where = self._dir(key)
        try:
            manifest = json.loads((where / MANIFEST).read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            self._drop(where)
            return None
        try:
            self._check_sizes(where, manifest)
            entry = decode(manifest, _array_loader(where), _blob_loader(where), namespace)
        except (CorruptEntry, OSError, ValueError, KeyError, TypeError):
            self._drop(where)
            return None
        with contextlib.suppress(OSError):
            os.utime(where / MANIFEST)  # last used: what eviction and --older-than read
        return entry

    def touch(self, key: str) -> bool:
        manifest = self._dir(key) / MANIFEST
        try:
            os.utime(manifest)
        except FileNotFoundError:
            return False
        except OSError:  # read-only: used or not, it is there
            return manifest.exists()
        return True

    def _check_sizes(self, where: Path, manifest: dict[str, Any]) -> None:
        sizes = manifest.get("sizes")
        if not isinstance(sizes, dict):
            raise CorruptEntry("the manifest lists no file sizes")
        arrays, blobs = part_names(manifest)
        for name in [f"{a}.npy" for a in arrays] + blobs:
            if (where / name).stat().st_size != sizes.get(name):
                raise CorruptEntry(f"{name} does not have the size the manifest says")

    # ---- writing ----------------------------------------------------------------

    def put(self, key: str, encoded: Encoded) -> bool:
        final = self._dir(key)
        if (final / MANIFEST).exists():
            return True
        staging: Path | None = None
        try:
            (self.root / "tmp").mkdir(parents=True, exist_ok=True)
            staging = self.root / "tmp" / f"{key}.{uuid.uuid4().hex}"
            staging.mkdir()
            sizes = self._write_parts(staging, encoded)
            manifest = dict(encoded.manifest, sizes=sizes, key=key)
            (staging / MANIFEST).write_text(json.dumps(manifest))
            final.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.rename(staging, final)
            except OSError:
                if not (final / MANIFEST).exists():
                    raise
                # Another process stored this key first: same key, same content.
                shutil.rmtree(staging, ignore_errors=True)
            staging = None
        except OSError as problem:
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
            if not self._warned:
                self._warned = True
                warn(
                    f"cannot write to {self.root} ({type(problem).__name__}: {problem}); "
                    "results are not cached on disk"
                )
            return False
        self.evict()
        return True

    @staticmethod
    def _write_parts(staging: Path, encoded: Encoded) -> dict[str, int]:
        import numpy as np

        sizes = {}
        for part, array in encoded.arrays.items():
            path = staging / f"{part}.npy"
            with path.open("wb") as stream:
                np.lib.format.write_array(stream, np.asanyarray(array), allow_pickle=False)
            sizes[path.name] = path.stat().st_size
        for part, data in encoded.blobs.items():
            path = staging / part
            with path.open("wb") as stream:
                stream.write(data)
            sizes[part] = path.stat().st_size
        return sizes

    # ---- housekeeping -------------------------------------------------------------

    def entries(self) -> Iterator[EntryInfo]:
        base = self.root / "entries"
        if not base.is_dir():
            return
        for shard in sorted(base.iterdir()):
            if not shard.is_dir():
                continue
            for where in sorted(shard.iterdir()):
                try:
                    manifest_path = where / MANIFEST
                    used = manifest_path.stat().st_mtime
                    manifest = json.loads(manifest_path.read_bytes())
                    nbytes = sum(int(v) for v in manifest.get("sizes", {}).values())
                    label = str(manifest.get("label", ""))
                except (OSError, ValueError, TypeError, AttributeError):
                    used, nbytes, label = 0.0, _du(where), "(unreadable)"
                yield EntryInfo(where.name, label, nbytes, used)

    def remove(self, key: str) -> None:
        self._drop(self._dir(key))

    def evict(self) -> list[str]:
        """Remove least recently used entries until the total fits ``max_bytes``."""
        return [info.key for info in evict_lru(self, self.max_bytes)]

    def clear(self, older_than: float | None = None) -> list[EntryInfo]:
        """Remove every entry, or those not used for ``older_than`` seconds."""
        now = time.time()
        removed = []
        for info in list(self.entries()):
            if older_than is None or now - info.last_used > older_than:
                self.remove(info.key)
                removed.append(info)
        with contextlib.suppress(OSError):
            for stray in (self.root / "tmp").iterdir():
                if older_than is None or now - stray.stat().st_mtime > max(older_than, 3600):
                    shutil.rmtree(stray, ignore_errors=True)
        return removed

    def _drop(self, where: Path) -> None:
        """Remove an entry; renamed away first, so that no reader sees it half removed."""
        trash = self.root / "tmp" / f"trash.{uuid.uuid4().hex}"
        try:
            trash.parent.mkdir(parents=True, exist_ok=True)
            os.rename(where, trash)
        except OSError:
            return
        shutil.rmtree(trash, ignore_errors=True)


def _array_loader(where: Path) -> Any:
    def load(part: str) -> Any:
        import numpy as np

        array = np.load(where / f"{part}.npy", mmap_mode="c", allow_pickle=False)
        return array.view(np.ndarray)  # a plain array, still backed by the private map

    return load


def _blob_loader(where: Path) -> Any:
    def load(part: str) -> Any:
        path = where / part
        if part == "values.pkl":
            return path.read_bytes()
        with path.open("rb") as stream:
            if os.fstat(stream.fileno()).st_size == 0:
                return bytearray()
            return mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_COPY)

    return load


def _du(where: Path) -> int:
    total = 0
    for path in where.rglob("*"):
        with contextlib.suppress(OSError):
            total += path.stat().st_size
    return total
