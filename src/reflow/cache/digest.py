"""Content digests of values: the part of a cache key that says "same inputs".

Unlike ``runtime.fingerprint`` (which may compare by identity, because it only
ever compares two moments of one session), a digest must mean the same thing
in another process, next week: it is a hash of content only, never of an
``id()``. Whatever cannot be digested that way raises ``Undigestable``, and
the caller runs the code instead of guessing: a miss costs time, a wrong hit
costs the user's trust.

- scalars, strings, bytes: type and value (floats by their bits);
- tuples, lists, dicts (in order), sets (order-free): element-wise;
- numpy arrays: dtype, shape and a hash of the data (NumPy 1 and 2; string
  and object arrays element-wise, since their buffers hold pointers);
- pandas objects: type, shape, labels, dtypes and ``hash_pandas_object``;
- functions and classes defined in the notebook: their code (bytecode and
  constants, not line numbers: comments and layout do not matter), defaults,
  closures and the values of the globals they read, transitively;
- modules, and functions and classes from modules: the module's name and its
  file's size and modification time (an edited helper module misses);
- other objects: the bytes ``pickle`` makes of them.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import os
import pickle
import struct
import sys
import types
from typing import Any

_DYNAMIC_BUILTINS = frozenset({"globals", "locals", "vars", "eval", "exec"})
_MAX_DEPTH = 64


class Undigestable(Exception):
    """A value whose content reflow cannot hash; the message says which and why."""


class Digest:
    """One streaming hash; ``add`` feeds it a value, ``hexdigest`` ends it."""

    def __init__(self) -> None:
        self._hash = hashlib.blake2b(digest_size=20)
        self._active: dict[int, int] = {}  # id of a container being walked -> its depth

    def tag(self, text: str) -> None:
        data = text.encode("utf-8", "surrogatepass")
        self._hash.update(struct.pack("<Q", len(data)))
        self._hash.update(data)

    def raw(self, data: bytes | memoryview) -> None:
        self._hash.update(struct.pack("<Q", len(data)))
        self._hash.update(data)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()

    def add(self, value: Any, path: str = "value", depth: int = 0) -> None:
        """Feed ``value``; ``path`` names it in an ``Undigestable`` message."""
        if depth > _MAX_DEPTH:
            raise Undigestable(f"{path} is nested too deeply to fingerprint")
        kind = type(value)
        if value is None or kind is bool or kind is int or kind is str or kind is complex:
            self.tag(f"{kind.__name__}:{value!r}")
            return
        if kind is float:
            self.tag(f"float:{value.hex()}")
            return
        if kind is bytes or kind is bytearray:
            self.tag(kind.__name__)
            self.raw(value)
            return
        if kind is range or kind is slice or value is Ellipsis:
            self.tag(repr(value))
            return
        key = id(value)
        if key in self._active:  # a container holding itself: where in the walk it points
            self.tag(f"cycle:{depth - self._active[key]}")
            return
        self._active[key] = depth
        try:
            self._composite(value, kind, path, depth + 1)
        finally:
            del self._active[key]

    def _composite(self, value: Any, kind: type, path: str, depth: int) -> None:
        if kind is tuple or kind is list:
            self.tag(f"{kind.__name__}:{len(value)}")
            for index, item in enumerate(value):
                self.add(item, f"{path}[{index}]", depth)
            return
        if kind is dict:
            self.tag(f"dict:{len(value)}")
            for k, v in value.items():
                self.add(k, f"{path} (a key)", depth)
                self.add(v, f"{path}[{k!r}]", depth)
            return
        if kind is set or kind is frozenset:
            parts = sorted(_sub_digest(item, f"{path} (an element)", depth) for item in value)
            self.tag(f"{kind.__name__}:{len(parts)}:{','.join(parts)}")
            return
        module = getattr(kind, "__module__", "") or ""
        if module.startswith("numpy") and "numpy" in sys.modules:
            self._numpy(value, path, depth)
            return
        if module.startswith("pandas") and "pandas" in sys.modules:
            self._pandas(value, path)
            return
        if isinstance(value, types.ModuleType):
            self.tag(f"module:{module_identity(value)}")
            return
        if isinstance(value, types.FunctionType):
            self._function(value, path, depth)
            return
        if isinstance(value, types.MethodType):
            self.tag("method")
            self.add(value.__self__, f"{path}.__self__", depth)
            self.add(value.__func__, f"{path}.__func__", depth)
            return
        if isinstance(value, types.BuiltinFunctionType | types.BuiltinMethodType):
            owner = getattr(value, "__self__", None)
            if owner is not None and not isinstance(owner, types.ModuleType):
                self.tag(f"bound builtin:{value.__qualname__}")
                self.add(owner, f"{path}.__self__", depth)
            else:
                self.tag(f"builtin:{getattr(value, '__module__', None)}.{value.__qualname__}")
            return
        if isinstance(value, type):
            self._class(value, path, depth)
            return
        if isinstance(value, types.CodeType):
            self._code(value, path)
            return
        if _is_widget(value):
            self._widget(value, kind, path, depth)
            return
        if _is_notebook_object(value):
            self.tag("instance")
            self._class(kind, f"type({path})", depth)
            self.add(dict(vars(value)), f"{path}.__dict__", depth)
            return
        # Anything else by its pickle, and by its class: a pickle names a class, so the
        # class's code (a notebook class) or module file (a library's) must be added.
        self._class(kind, f"type({path})", depth)
        self._pickled(value, path)

    # ---- kinds ------------------------------------------------------------------

    def _numpy(self, value: Any, path: str, depth: int) -> None:
        import numpy as np

        if isinstance(value, np.generic):
            if value.dtype.hasobject or value.dtype.kind == "T":
                self.add(value.item(), path, depth)
                return
            self.tag(f"numpy scalar:{value.dtype.str}")
            self.raw(value.tobytes())
            return
        if not isinstance(value, np.ndarray):
            self._pickled(value, path)
            return
        if type(value) not in (np.ndarray, np.memmap):
            self._pickled(value, path)  # a subclass: matrix, masked array, ...
            return
        self.tag(f"ndarray:{value.dtype.descr!r}:{value.shape}")
        if value.dtype.hasobject or value.dtype.kind == "T":
            # The buffer holds pointers (objects; NumPy 2's StringDType): compare elements.
            self.add(value.tolist(), path, depth)
            return
        data = value if value.flags.c_contiguous else np.ascontiguousarray(value)
        flat: Any = data.reshape(-1).view(np.uint8)
        self.raw(hashlib.blake2b(memoryview(flat)).digest())

    def _widget(self, value: Any, kind: type, path: str, depth: int) -> None:
        """A widget by what it holds: its class and the traits it syncs with the frontend
        (``value``, ``layout``, ``children``, ...), widgets among them likewise. Never its
        model id or comm: those are the session's, and a slider moved back must hit."""
        self.tag("widget")
        self._class(kind, f"type({path})", depth)
        for key in sorted(value.keys):
            self.tag(key)
            self.add(getattr(value, key), f"{path}.{key}", depth)

    def _pandas(self, value: Any, path: str) -> None:
        import pandas as pd

        if not isinstance(value, pd.DataFrame | pd.Series | pd.Index):
            self._pickled(value, path)
            return
        self.tag(f"pandas:{type(value).__name__}:{value.shape}")
        if isinstance(value, pd.DataFrame):
            self.tag(repr(list(value.columns)) + repr(list(value.columns.names)))
            self.tag(repr([str(t) for t in value.dtypes]))
        else:
            self.tag(f"{value.dtype}:{getattr(value, 'name', None)!r}")
        index = value if isinstance(value, pd.Index) else value.index
        self.tag(f"{type(index).__name__}:{index.dtype}:{list(index.names)!r}")
        try:
            hashed = pd.util.hash_pandas_object(value, index=not isinstance(value, pd.Index))
        except TypeError:  # unhashable cells (lists in an object column)
            self._pickled(value, path)
            return
        self.raw(hashed.to_numpy().tobytes())
        if isinstance(value, pd.DataFrame):  # rows are hashed without their column names
            for column, dtype in zip(value.columns, value.dtypes, strict=True):
                self.tag(f"{column!r}:{dtype}")

    def add_function(self, fn: types.FunctionType, path: str = "function") -> None:
        """A function by content wherever it was defined (what ``@reflow.cache`` keys on)."""
        self._function(fn, path, 0, by_content=True)

    def _function(
        self, fn: types.FunctionType, path: str, depth: int, by_content: bool = False
    ) -> None:
        if not by_content and not _defined_in_notebook(fn):
            self.tag(f"function:{fn.__module__}.{fn.__qualname__}:{_module_of(fn)}")
            return
        self.tag(f"notebook function:{fn.__qualname__}")
        self._code(fn.__code__, path)
        self.add(fn.__defaults__, f"{path} (its defaults)", depth)
        self.add(fn.__kwdefaults__, f"{path} (its keyword defaults)", depth)
        for name, cell in zip(fn.__code__.co_freevars, fn.__closure__ or (), strict=True):
            try:
                content = cell.cell_contents
            except ValueError:
                self.tag(f"empty cell:{name}")
                continue
            self.add(content, f"{name} (closed over by {fn.__qualname__})", depth)
        names = sorted(global_names(fn.__code__))
        dynamic = _DYNAMIC_BUILTINS & set(names)
        if dynamic and not any(n in fn.__globals__ for n in dynamic):
            raise Undigestable(
                f"{path} ({fn.__qualname__}) calls {', '.join(sorted(dynamic))}(): the globals it "
                "reads cannot be known"
            )
        for name in names:
            if name in fn.__globals__:
                self.tag(f"global:{name}")
                self.add(fn.__globals__[name], f"{name} (read by {fn.__qualname__})", depth)

    def _class(self, cls: type, path: str, depth: int) -> None:
        if cls.__module__ != "__main__":
            self.tag(f"class:{cls.__module__}.{cls.__qualname__}:{_module_of(cls)}")
            return
        self.tag(f"notebook class:{cls.__qualname__}:{len(cls.__bases__)}")
        for base in cls.__bases__:
            self._class(base, f"{path} (a base)", depth)
        for name, attribute in vars(cls).items():
            if name in ("__dict__", "__weakref__", "__module__"):
                continue
            self.tag(f"attribute:{name}")
            if isinstance(attribute, types.MemberDescriptorType | types.GetSetDescriptorType):
                continue  # a slot: its name is in __slots__, digested with the rest
            if isinstance(attribute, staticmethod | classmethod):
                attribute = attribute.__func__
            if isinstance(attribute, property):
                attribute = (attribute.fget, attribute.fset, attribute.fdel)
            self.add(attribute, f"{cls.__qualname__}.{name}", depth)

    def _code(self, code: types.CodeType, path: str) -> None:
        """Bytecode and what it refers to; not the file name nor line numbers."""
        self.tag(f"code:{code.co_name}:{code.co_argcount}:{code.co_kwonlyargcount}")
        self.tag(f"{code.co_posonlyargcount}:{code.co_flags}")
        self.raw(code.co_code)
        self.tag(repr((code.co_names, code.co_varnames, code.co_freevars, code.co_cellvars)))
        for constant in code.co_consts:
            if isinstance(constant, types.CodeType):
                self._code(constant, path)
            else:
                self.add(constant, f"{path} (a constant)")

    def _pickled(self, value: Any, path: str) -> None:
        buffer = io.BytesIO()
        try:
            _DigestPickler(buffer, path).dump(value)
        except Exception as problem:
            raise Undigestable(
                f"{path} (a {type(value).__module__}.{type(value).__qualname__}) cannot be "
                f"fingerprinted: {type(problem).__name__}: {problem}"
            ) from None
        self.tag(f"pickle:{type(value).__module__}.{type(value).__qualname__}")
        self.raw(hashlib.blake2b(buffer.getbuffer()).digest())


class _DigestPickler(pickle.Pickler):
    """A pickle for hashing: notebook functions and classes inside go in by content.

    A plain pickle names them (``__main__.f``), and a name does not change
    when their code does: ``functools.partial(f, 1)`` or an estimator holding
    ``f`` would keep their key while ``f`` changed.
    """

    def __init__(self, stream: io.BytesIO, path: str) -> None:
        super().__init__(stream, protocol=5)
        self._path = path

    def persistent_id(self, obj: Any) -> str | None:
        if isinstance(obj, types.FunctionType) and _defined_in_notebook(obj):
            return _sub_digest(obj, f"{self._path} (holds {obj.__qualname__})", 0)
        if isinstance(obj, type) and obj.__module__ == "__main__":
            return _sub_digest(obj, f"{self._path} (holds {obj.__qualname__})", 0)
        return None


def _sub_digest(value: Any, path: str, depth: int) -> str:
    digest = Digest()
    digest.add(value, path, depth)
    return digest.hexdigest()


def digest_of(value: Any, path: str = "value") -> str:
    """The hex digest of one value; raises ``Undigestable``."""
    digest = Digest()
    digest.add(value, path)
    return digest.hexdigest()


def global_names(code: types.CodeType) -> set[str]:
    """Every name a code object (and the code nested in it) may look up as a global.

    ``co_names`` also holds attribute names: a superset, which only costs
    misses, never a wrong hit.
    """
    names = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names |= global_names(constant)
    return names


def _defined_in_notebook(fn: types.FunctionType) -> bool:
    """Functions whose globals are a notebook namespace (or a script's ``__main__``)."""
    return fn.__globals__.get("__name__") == "__main__"


def _is_widget(value: Any) -> bool:
    """An ipywidgets widget (anywidget's too), if a cell has imported ipywidgets."""
    module = sys.modules.get("ipywidgets.widgets.widget")
    widget = getattr(module, "Widget", None)
    return isinstance(widget, type) and isinstance(value, widget)


def _is_notebook_object(value: Any) -> bool:
    kind = type(value)
    return (
        kind.__module__ == "__main__"
        and type(getattr(value, "__dict__", None)) is dict
        and _state_is_its_dict(kind)
    )


_HEAP_TYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE: a class made by a class statement (or its like)
_PLAIN_SIZE = object.__basicsize__ + 2 * struct.calcsize("P")  # a dict and a weakref, at most


def _state_is_its_dict(kind: type) -> bool:
    """Whether an instance holds nothing but its ``__dict__``, all ``vars()`` shows.

    Not so for a subclass of ``dict``, ``list``, an exception or any class made in
    C (their items and fields live outside ``__dict__``), nor for a class with
    ``__slots__`` somewhere above it: those go by their pickle, which has it all.
    """
    if kind.__itemsize__ or kind.__basicsize__ > _PLAIN_SIZE:
        return False
    return all(
        cls is object or (cls.__flags__ & _HEAP_TYPE and "__slots__" not in vars(cls))
        for cls in kind.__mro__
    )


def _module_of(obj: Any) -> str:
    module = sys.modules.get(getattr(obj, "__module__", "") or "")
    return module_identity(module) if module is not None else "?"


def module_identity(module: types.ModuleType) -> str:
    """A module's name and where its code is: its file's size and modification time."""
    return f"{module.__name__}@{_file_stamp(getattr(module, '__file__', None))}"


def module_identity_by_name(name: str) -> str:
    """``module_identity`` without importing: an ``import`` statement's module, found on path."""
    top = name.partition(".")[0]
    if top in sys.modules:
        return module_identity(sys.modules[top])
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        spec = None
    origin = spec.origin if spec is not None else None
    return f"{top}@{_file_stamp(origin)}"


def _file_stamp(path: str | None) -> str:
    if not path:
        return "built-in"
    try:
        status = os.stat(path)
    except OSError:
        return "missing"
    return f"{status.st_size}:{status.st_mtime_ns}"
