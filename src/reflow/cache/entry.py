"""A cache entry, and how it becomes parts a store can keep and back.

An entry holds what a run left: values by name (a cell's globals, a block's
variables, a function's return value), the names it deleted, what it printed,
what it displayed (rich outputs, in a kernel) and its last expression's
value. Encoding splits it into

- ``arrays``: top-level plain numpy arrays, which stores keep as ``.npy`` (on
  disk) or as raw memory, so that a hit maps them instead of copying them;
- ``blobs``: one pickle of every other value (one pickle, so that values
  sharing objects still share them after a hit), plus its large buffers out
  of band (pickle protocol 5): arrays inside dicts, DataFrames' columns, so
  that these too are mapped, not copied, on a hit;
- a ``manifest``: plain JSON data saying which part is which.

A hit must never hand out an object the store still holds: a user who
mutates what a hit gave them would change every later hit. Stores therefore
load parts copy-on-write (a private memory map) or as fresh objects.
"""

from __future__ import annotations

import importlib
import io
import pickle
import time
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

OUTPUT = "<output>"
"""The name a cell's last expression value is stored under (no global has it)."""
DISPLAYS = "<displays>"
"""The name rich displays are pickled under: images can be large, the manifest stays small."""

Display = dict[str, Any]
"""One rich output as IPython published it: ``{"data": {mime: ...}, "metadata": {...}}``."""
_OUT_OF_BAND = 1 << 20  # buffers this large are parts of their own, mapped on a hit
FORMAT = 1


class CorruptEntry(Exception):
    """Stored bytes that do not decode: a store drops the entry and the code runs."""


class Unpicklable(Exception):
    """A value no pickler can store: the code runs, its result is not cached."""


@dataclass(slots=True)
class Entry:
    values: dict[str, Any]
    deleted: tuple[str, ...] = ()
    stdout: str = ""
    stderr: str = ""
    run_seconds: float = 0.0
    label: str = ""
    """What made it, for ``reflow cache info``: ``cell 1a2b3c4d``, ``block 'train'``, ..."""
    displays: tuple[Display, ...] = ()


@dataclass(slots=True)
class Encoded:
    manifest: dict[str, Any]
    arrays: dict[str, Any] = field(default_factory=dict)
    blobs: dict[str, bytes | memoryview] = field(default_factory=dict)

    @property
    def nbytes(self) -> int:
        return sum(int(a.nbytes) for a in self.arrays.values()) + sum(
            memoryview(b).nbytes for b in self.blobs.values()
        )


def encode(entry: Entry) -> Encoded:
    """Split an entry into parts; raises ``Unpicklable`` naming the value that is."""
    values: dict[str, Any] = {}
    arrays: dict[str, Any] = {}
    pickled: dict[str, Any] = {}
    if entry.displays:
        pickled[DISPLAYS] = list(entry.displays)
        values[DISPLAYS] = {"pickled": True}
    for name, value in entry.values.items():
        if _is_plain_array(value):
            part = f"a{len(arrays)}"
            arrays[part] = value
            values[name] = {"array": part}
        elif isinstance(value, types.ModuleType):
            values[name] = {"module": value.__name__}
        else:
            pickled[name] = value
            values[name] = {"pickled": True}
    encoded = Encoded(
        {
            "format": FORMAT,
            "label": entry.label,
            "created": time.time(),
            "run_seconds": entry.run_seconds,
            "stdout": entry.stdout,
            "stderr": entry.stderr,
            "deleted": list(entry.deleted),
            "values": values,
        },
        arrays,
    )
    if pickled:
        data, buffers = _pickle(pickled)
        encoded.blobs["values.pkl"] = data
        names = []
        for index, buffer in enumerate(buffers):
            names.append(f"b{index}")
            encoded.blobs[f"b{index}"] = buffer
        encoded.manifest["buffers"] = names
    return encoded


def decode(
    manifest: dict[str, Any],
    load_array: Callable[[str], Any],
    load_blob: Callable[[str], Any],
    namespace: dict[str, Any] | None = None,
) -> Entry:
    """The entry back from its parts; raises ``CorruptEntry`` for parts that do not decode.

    ``namespace``: where functions and classes defined in the notebook should look
    their globals up (a pickle gives them a dict of their own, frozen in time).
    """
    try:
        if manifest.get("format") != FORMAT:
            raise CorruptEntry(f"entry format {manifest.get('format')!r}, expected {FORMAT}")
        pickled: dict[str, Any] = {}
        if "values.pkl" in _blob_names(manifest):
            buffers = [load_blob(name) for name in manifest.get("buffers", [])]
            pickled = pickle.loads(load_blob("values.pkl"), buffers=buffers)
        values: dict[str, Any] = {}
        for name, where in manifest["values"].items():
            if "array" in where:
                values[name] = load_array(where["array"])
            elif "module" in where:
                values[name] = importlib.import_module(where["module"])
            else:
                values[name] = pickled[name]
        displays = tuple(values.pop(DISPLAYS, ()))
    except CorruptEntry:
        raise
    except Exception as problem:  # unpickling runs arbitrary code: any failure is a bad entry
        raise CorruptEntry(f"{type(problem).__name__}: {problem}") from None
    if namespace is not None:
        for name, value in values.items():
            values[name] = rebind_globals(value, namespace)
    return Entry(
        values,
        tuple(manifest.get("deleted", ())),
        str(manifest.get("stdout", "")),
        str(manifest.get("stderr", "")),
        float(manifest.get("run_seconds", 0.0)),
        str(manifest.get("label", "")),
        displays,
    )


def _blob_names(manifest: dict[str, Any]) -> list[str]:
    has_pickle = any("pickled" in where for where in manifest["values"].values())
    return ["values.pkl", *manifest.get("buffers", [])] if has_pickle else []


def part_names(manifest: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The array parts and the blob parts an entry's manifest refers to."""
    arrays = [w["array"] for w in manifest["values"].values() if "array" in w]
    return arrays, _blob_names(manifest)


def rebind_globals(value: Any, namespace: dict[str, Any]) -> Any:
    """A notebook function (or a notebook class's methods) reading ``namespace`` again."""
    if isinstance(value, types.FunctionType) and value.__module__ == "__main__":
        return _rebound(value, namespace)
    if isinstance(value, type) and value.__module__ == "__main__":
        for name, attribute in list(vars(value).items()):
            if isinstance(attribute, types.FunctionType):
                setattr(value, name, _rebound(attribute, namespace))
    return value


def _rebound(fn: types.FunctionType, namespace: dict[str, Any]) -> types.FunctionType:
    if fn.__globals__ is namespace:
        return fn
    new = types.FunctionType(fn.__code__, namespace, fn.__name__, fn.__defaults__, fn.__closure__)
    new.__kwdefaults__ = fn.__kwdefaults__
    new.__qualname__ = fn.__qualname__
    new.__doc__ = fn.__doc__
    new.__module__ = fn.__module__
    new.__annotations__ = dict(fn.__annotations__)
    new.__dict__.update(fn.__dict__)
    return new


def _is_plain_array(value: Any) -> bool:
    kind = type(value)
    if kind.__module__ != "numpy" or kind.__name__ not in ("ndarray", "memmap"):
        return False
    return not value.dtype.hasobject and value.dtype.kind != "T" and value.dtype.names is None


def _pickle(values: dict[str, Any]) -> tuple[bytes, list[memoryview]]:
    buffers: list[memoryview] = []

    def out_of_band(buffer: pickle.PickleBuffer) -> bool:
        view = buffer.raw()
        if view.nbytes < _OUT_OF_BAND:
            return True  # in band
        buffers.append(view)
        return False

    stream = io.BytesIO()
    try:
        _pickler(stream, out_of_band).dump(values)
    except Exception:
        raise Unpicklable(_first_unpicklable(values)) from None
    return stream.getvalue(), buffers


def _pickler(stream: io.BytesIO, callback: Callable[[pickle.PickleBuffer], bool]) -> Any:
    try:  # cloudpickle stores functions and classes defined in the notebook by value
        import cloudpickle
    except ImportError:
        return pickle.Pickler(stream, protocol=5, buffer_callback=callback)
    return cloudpickle.CloudPickler(stream, protocol=5, buffer_callback=callback)


def _first_unpicklable(values: dict[str, Any]) -> str:
    for name, value in values.items():
        try:
            _pickler(io.BytesIO(), lambda _buffer: True).dump(value)
        except Exception as problem:
            kind = f"{type(value).__module__}.{type(value).__qualname__}"
            return f"`{name}` (a {kind}) cannot be pickled: {type(problem).__name__}: {problem}"
    return "the values cannot be pickled together"
