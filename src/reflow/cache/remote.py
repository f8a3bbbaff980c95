"""A store at an fsspec URL (``s3://bucket/prefix``, ``gs://``, ``memory://``, ``file://``).

Needs the optional ``remote`` extra (``pip install 'reflow[remote]'``: fsspec,
plus the file system's own package, s3fs for S3). Each entry is one object,
``entries/ab/<key>.entry``: a header, a JSON manifest and the parts one after
the other, written under a temporary name and moved into place, so that a
reader sees a whole entry or none (object stores write whole objects anyway).
Arrays come back as ordinary in-memory arrays: there is nothing to map.
"""

from __future__ import annotations

import contextlib
import io
import json
import struct
import time
import uuid
from collections.abc import Iterator
from typing import Any

from reflow.cache.entry import CorruptEntry, Encoded, Entry, decode
from reflow.cache.store import EntryInfo, warn

_MAGIC = b"REFLOW-CACHE-1\n"


class RemoteStore:
    def __init__(self, url: str, **storage_options: Any) -> None:
        try:
            import fsspec
        except ImportError:
            raise ImportError(
                f"a cache at {url!r} needs fsspec: pip install 'reflow[remote]'"
            ) from None
        self.url = url
        self.fs, self.root = fsspec.core.url_to_fs(url, **storage_options)
        self.root = self.root.rstrip("/")
        self._warned = False
        self._known: set[str] = set()  # keys seen there: touch() asks each once

    @property
    def location(self) -> str:
        return self.url

    def _path(self, key: str) -> str:
        if len(key) < 8 or not all(c in "0123456789abcdef" for c in key):
            raise ValueError(f"not a cache key: {key!r}")
        return f"{self.root}/entries/{key[:2]}/{key}.entry"

    def get(self, key: str, namespace: dict[str, Any] | None = None) -> Entry | None:
        path = self._path(key)
        try:
            data = self.fs.cat_file(path)
        except FileNotFoundError:
            return None
        except Exception as problem:  # a network or permission failure: run the code instead
            self._warn("read from", problem)
            return None
        try:
            manifest, parts = _unbundle(data)
            return decode(manifest, _array_loader(parts), _blob_loader(parts), namespace)
        except (CorruptEntry, ValueError, KeyError, struct.error):
            self.remove(key)
            return None

    def put(self, key: str, encoded: Encoded) -> bool:
        path = self._path(key)
        temporary = f"{path}.{uuid.uuid4().hex}.tmp"
        try:
            self.fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
            self.fs.pipe_file(temporary, _bundle(key, encoded))
            self.fs.mv(temporary, path)
            self._known.add(key)
        except Exception as problem:
            with contextlib.suppress(Exception):
                self.fs.rm_file(temporary)
            self._warn("write to", problem)
            return False
        return True

    def touch(self, key: str) -> bool:
        """Whether the entry is there. Object stores keep no "last used" to update, and
        a request per memory hit would cost more than the hit: asked once per key."""
        if key in self._known:
            return True
        try:
            there = bool(self.fs.exists(self._path(key)))
        except Exception:  # unreachable: no reason to write through, nothing to warn about
            return True
        if there:
            self._known.add(key)
        return there

    def entries(self) -> Iterator[EntryInfo]:
        try:
            found = self.fs.find(f"{self.root}/entries", detail=True)
        except FileNotFoundError:
            return
        for path, details in sorted(found.items()):
            if not path.endswith(".entry"):
                continue
            key = path.rsplit("/", 1)[1][: -len(".entry")]
            used = _modified(details)
            label = ""
            try:
                with self.fs.open(path, "rb") as stream:
                    head = stream.read(len(_MAGIC) + 8)
                    length = struct.unpack("<Q", head[len(_MAGIC) :])[0]
                    label = str(json.loads(stream.read(length)).get("label", ""))
            except Exception:
                label = "(unreadable)"
            yield EntryInfo(key, label, int(details.get("size") or 0), used)

    def remove(self, key: str) -> None:
        self._known.discard(key)
        with contextlib.suppress(Exception):
            self.fs.rm_file(self._path(key))

    def clear(self, older_than: float | None = None) -> list[EntryInfo]:
        now = time.time()
        removed = []
        for info in list(self.entries()):
            if older_than is None or now - info.last_used > older_than:
                self.remove(info.key)
                removed.append(info)
        return removed

    def _warn(self, doing: str, problem: Exception) -> None:
        if not self._warned:
            self._warned = True
            warn(f"cannot {doing} {self.url} ({type(problem).__name__}: {problem})")


def _bundle(key: str, encoded: Encoded) -> bytes:
    import numpy as np

    chunks: list[bytes] = []
    layout: list[tuple[str, int]] = []
    for part, array in encoded.arrays.items():
        stream = io.BytesIO()
        np.lib.format.write_array(stream, np.asanyarray(array), allow_pickle=False)
        chunks.append(stream.getvalue())
        layout.append((f"{part}.npy", len(chunks[-1])))
    for part, data in encoded.blobs.items():
        chunks.append(bytes(data))
        layout.append((part, len(chunks[-1])))
    manifest = json.dumps(dict(encoded.manifest, key=key, layout=layout)).encode()
    return b"".join([_MAGIC, struct.pack("<Q", len(manifest)), manifest, *chunks])


def _unbundle(data: bytes) -> tuple[dict[str, Any], dict[str, memoryview]]:
    if not data.startswith(_MAGIC):
        raise CorruptEntry("not a reflow cache entry")
    offset = len(_MAGIC)
    (length,) = struct.unpack_from("<Q", data, offset)
    offset += 8
    manifest = json.loads(data[offset : offset + length])
    offset += length
    view = memoryview(data)
    parts: dict[str, memoryview] = {}
    for name, size in manifest["layout"]:
        if offset + size > len(data):
            raise CorruptEntry("the entry is truncated")
        parts[name] = view[offset : offset + size]
        offset += size
    return manifest, parts


def _array_loader(parts: dict[str, memoryview]) -> Any:
    def load(part: str) -> Any:
        import numpy as np

        return np.lib.format.read_array(io.BytesIO(parts[f"{part}.npy"]), allow_pickle=False)

    return load


def _blob_loader(parts: dict[str, memoryview]) -> Any:
    def load(part: str) -> Any:
        # Out-of-band buffers become arrays' memory: a private, writable copy each.
        return parts[part] if part == "values.pkl" else bytearray(parts[part])

    return load


def _modified(details: dict[str, Any]) -> float:
    for field in ("mtime", "LastModified", "updated", "created"):
        value = details.get(field)
        if isinstance(value, int | float):
            return float(value)
        stamp = getattr(value, "timestamp", None)
        if callable(stamp):
            return float(stamp())
    return time.time()
