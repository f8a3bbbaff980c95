"""Fingerprints: telling "same value" cheaply, and saying so when it cannot.

A fingerprint is a hashable value; two equal fingerprints mean equal values.
``UNKNOWN`` means "cannot tell" and equals nothing, not even itself, so
every comparison involving it says "changed": soundness first.

- immutable scalars: their value (floats by their bits, so NaN equals NaN);
- bytes, numpy arrays (dtype, shape, data, and whether they are read-only) and pandas
  objects: a content hash, or for small ones of plain dtypes a private copy (copying and
  comparing is faster);
- tuples, lists, dicts, sets, and the ``__dict__`` and slots of plain objects
  (whose class adds no state in C: ``_all_in_dict``, ``_slots``): element-wise,
  within a budget of elements and bytes;
- values immutable by design (a date, a decimal, a path, a pandas timestamp:
  ``_VALUE_TYPES``): their text; a numpy dtype: its fields and metadata;
- functions, classes and modules, and numpy's functions (``_NUMPY_ROUTINES``):
  identity (their code is tracked by cell), with what a function holds that its
  calls change (``function_state``) and the state of a global random generator a
  module or a function is a way into (``global_generator``);
- anything else, anything over budget, anything whose inspection raises:
  ``UNKNOWN``.
"""

from __future__ import annotations

import builtins
import functools
import hashlib
import inspect
import re
import sys
import types
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reflow.analysis.effects import PathPart


class _Unknown:
    """Equal to nothing: a value reflow cannot vouch for."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return False

    def __ne__(self, other: object) -> bool:
        return True

    def __hash__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()


@dataclass(frozen=True, slots=True)
class Budget:
    """How much work one fingerprint may do before it gives up and says UNKNOWN."""

    elements: int = 100_000
    bytes: int = 256 * 1024 * 1024
    depth: int = 6


DEFAULT_BUDGET = Budget()

_SCALARS = (int, str, bool, type(None), complex, range, type(Ellipsis))
_BY_IDENTITY = (
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.ModuleType,
    type,
    property,  # code in a class body, tracked with the cell that defines it
    staticmethod,
    classmethod,
    # What the interpreter puts in a class: `__slots__` members and C-level methods.
    types.MemberDescriptorType,
    types.GetSetDescriptorType,
    types.WrapperDescriptorType,
    types.MethodDescriptorType,
    types.ClassMethodDescriptorType,
    # A memo of a function (`functools.lru_cache`): its cache changes no answer it gives,
    # unless the function reads globals (``_memo_state``).
    functools._lru_cache_wrapper,
    # Immutable by design (slots without setters; `replace` makes a new one): what
    # `functools.wraps` and numpy's functions carry as `__signature__`.
    inspect.Signature,
    inspect.Parameter,
)
_EMPTY_CELL = "<empty closure cell>"


def function_state(
    function: types.FunctionType,
) -> tuple[list[Any], tuple[Any, ...], dict[str, Any], dict[str, Any]]:
    """What a function holds that its calls may change: what its closure's cells hold
    (`nonlocal n; n += 1`, `n[0] += 1`), its default values (`def f(x, acc=[])`), its
    keyword-only defaults and its attributes (`f.calls += 1`)."""
    cells = []
    for cell in function.__closure__ or ():
        try:
            cells.append(cell.cell_contents)
        except ValueError:  # not bound yet
            cells.append(_EMPTY_CELL)
    return cells, function.__defaults__ or (), function.__kwdefaults__ or {}, vars(function)


def _holds_state(function: types.FunctionType) -> bool:
    """Whether a function holds anything (``function_state``): else its identity tells it."""
    return bool(
        function.__closure__ or function.__defaults__ or function.__kwdefaults__ or vars(function)
    )


_VALUE_TYPES = {
    "datetime": frozenset({"date", "datetime", "time", "timedelta", "timezone"}),
    "decimal": frozenset({"Decimal"}),
    "fractions": frozenset({"Fraction"}),
    "uuid": frozenset({"UUID"}),
    "pathlib": frozenset({"PurePosixPath", "PureWindowsPath", "PosixPath", "WindowsPath"}),
    "re": frozenset({"Pattern"}),
    "pandas": frozenset({"Timestamp", "Timedelta", "Period", "NaTType", "Interval"}),
}
"""Values immutable by design, told by their text (``_value_text``): a date, a decimal,
a path, a pandas timestamp. Once "cannot tell", so a cell calling a method of one
(`t.strftime('%Y')`) or handing it to a library (`pd.date_range(t, periods=3)`) counted
as changing it, and its binder and readers ran again. Exact types, by their module's
package and name (importing ``decimal`` to compare takes milliseconds; a subclass may
carry state of its own)."""


def _value_type(kind: type) -> bool:
    names = _VALUE_TYPES.get((getattr(kind, "__module__", None) or "").partition(".")[0])
    return names is not None and getattr(kind, "__qualname__", None) in names


def _value_text(obj: Any) -> Any:
    """What tells two such values apart as a reader sees them: their repr, where `==`
    is not enough (`Decimal('1.0') == Decimal('1.00')`; the same instant in two time
    zones), and a pattern's text and flags (its repr is cut short past 200 characters)."""
    if type(obj) is re.Pattern:
        return (obj.pattern, obj.flags)
    return repr(obj)


IMMUTABLE_TYPES: tuple[type, ...] = (*_SCALARS, float, bytes, frozenset, tuple)
"""Values that no cell can change in place (tuples and frozensets only shallowly)."""


class _OverBudget(Exception):
    pass


class _CannotTell(Exception):
    """Raised for a part reflow cannot fingerprint: the whole value is then ``UNKNOWN``.

    Returning ``UNKNOWN`` for the part would not do: a tuple holding the same
    ``UNKNOWN`` object compares equal to itself (``is`` before ``==``), so a
    change inside the part would go unseen.
    """


_SNAPSHOT_BYTES = 64 * 1024 * 1024


class _ArraySnapshot:
    """A private copy of an array standing for its value: copying and comparing
    memory runs an order of magnitude faster than hashing it."""

    __slots__ = ("array",)

    def __init__(self, array: Any) -> None:
        self.array = array

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _ArraySnapshot) and arrays_equal(self.array, other.array)

    def __hash__(self) -> int:
        return hash((self.array.dtype.str, self.array.shape))


_UNSIGNED_OF_SIZE = {1: "u1", 2: "u2", 4: "u4", 8: "u8"}


def arrays_equal(a: Any, b: Any) -> bool:
    """Same dtype, shape and elements, compared bit for bit where the item size allows.

    Bits are what a run-all must reproduce: NaN is then the same as NaN, and -0.0
    another value than 0.0 (``1 / x`` tells them apart). Compared as unsigned
    integers (a view, no copy), a 32 MB array takes one pass; ``array_equal`` with
    ``equal_nan`` made three boolean arrays and took ten times as long.
    """
    import numpy as np

    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    unsigned = _UNSIGNED_OF_SIZE.get(a.dtype.itemsize)
    if unsigned is not None and a.dtype.fields is None and not a.dtype.hasobject:
        return bool(np.array_equal(a.view(unsigned), b.view(unsigned)))
    try:
        return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    except TypeError:
        return bool(np.array_equal(a, b))


class _Walker:
    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.elements = 0
        self.bytes = 0
        self.active: set[int] = set()

    def count(self, elements: int = 1, nbytes: int = 0) -> None:
        self.elements += elements
        self.bytes += nbytes
        if self.elements > self.budget.elements or self.bytes > self.budget.bytes:
            raise _OverBudget

    def walk(self, obj: Any, depth: int) -> Any:
        kind = type(obj)
        if kind in _SCALARS:
            self.count()
            return (kind, obj)
        if kind is float:
            self.count()
            return (float, obj.hex())
        if isinstance(obj, type) and obj.__module__ == "__main__" and depth <= self.budget.depth:
            # A class a cell defined: class attributes are state cells change.
            state = [(k, v) for k, v in vars(obj).items() if not k.startswith("__")]
            self.count(len(state))
            return ("class", id(obj), tuple((k, self.walk(v, depth + 1)) for k, v in state))
        if isinstance(obj, _BY_IDENTITY) and not (
            isinstance(obj, types.FunctionType) and _holds_state(obj)
        ):
            hidden = _hidden_state(obj)
            if hidden is None:
                return ("id", id(obj))
            part = _GENERATOR_PART.get(obj.__name__) if isinstance(obj, types.ModuleType) else None
            if part is not None:  # the state is the submodule's, a part of this module
                return ("parts", id(obj), ((part, hidden),))
            return ("id", id(obj), hidden)
        if kind is bytes or kind is bytearray:
            self.count(nbytes=len(obj))
            return (kind, hashlib.blake2b(obj, digest_size=16).digest())
        if depth > self.budget.depth:
            raise _OverBudget
        if id(obj) in self.active:  # a container that holds itself
            return ("cycle", id(obj))
        self.active.add(id(obj))
        try:
            return self._composite(obj, kind, depth + 1)
        finally:
            self.active.discard(id(obj))

    def _composite(self, obj: Any, kind: type, depth: int) -> Any:
        if kind is types.FunctionType:
            # Its code is the cell's; what its calls may change is what it holds.
            cells, defaults, keywords, attributes = function_state(obj)
            self.count(len(cells) + len(defaults) + len(keywords) + len(attributes))
            return (
                "function",
                id(obj),
                tuple(self.walk(v, depth) for v in cells),
                tuple(self.walk(v, depth) for v in defaults),
                tuple((k, self.walk(v, depth)) for k, v in keywords.items()),
                tuple((k, self.walk(v, depth)) for k, v in attributes.items()),
            )
        if kind is tuple or kind is list:
            self.count(len(obj))
            return (kind, tuple(self.walk(v, depth) for v in obj))
        if kind is dict:
            self.count(len(obj))
            return (dict, tuple((self.walk(k, depth), self.walk(v, depth)) for k, v in obj.items()))
        if kind is set or kind is frozenset:
            self.count(len(obj))
            return (kind, frozenset(self.walk(v, depth) for v in obj))
        if isinstance(obj, list | tuple | dict | set | frozenset):
            return self._subclass(obj, kind, depth)
        module = getattr(kind, "__module__", "") or ""
        # (Their other objects, a plain one such as `pd.IndexSlice`, are read below as
        # any other: once, every one was "cannot tell", so a cell that may run any code
        # changed `pd` in the part holding it, forever.)
        if module.startswith("numpy") and "numpy" in sys.modules and _numpy_data(obj):
            return self._array(obj)
        if module.startswith("pandas") and "pandas" in sys.modules and _pandas_data(obj):
            return self._pandas(obj)
        if module.startswith("numpy") and "numpy" in sys.modules and _numpy_dtype(obj):
            # Its fields' names can be set in place (`dt.names = ...`): its repr shows
            # them, as its kinds, sizes and alignment; its metadata is apart.
            metadata = obj.metadata
            extra = None if metadata is None else self.walk(dict(metadata), depth)
            return ("dtype", repr(obj), extra)
        if module == "numpy" and kind.__name__ in _NUMPY_ROUTINES:
            # What it was made with is fixed in C; a dispatcher's attributes are in its
            # dict. (Once "cannot tell": `from numpy import *`, then any call of `where`
            # or `sum` counted as changing it, and its importer and readers ran again.)
            self.count(len(state := getattr(obj, "__dict__", None) or {}))
            items = tuple((k, self.walk(v, depth)) for k, v in state.items())
            return ("numpy-routine", id(obj), items)
        random = sys.modules.get("random")
        if random is not None and isinstance(obj, random.Random):
            # Its generator's state lives in C, not in its __dict__: seed() changes only it.
            self.count(len(vars(obj)))
            items = tuple((k, self.walk(v, depth)) for k, v in vars(obj).items())
            return ("random", kind, id(obj), obj.getstate(), items)
        if kind is functools.partial:
            # Its C state is what it was made with (read-only), and its attributes.
            self.count(len(obj.args) + len(obj.keywords) + len(vars(obj)))
            made = (obj.func, obj.args, obj.keywords, vars(obj))
            return ("partial", id(obj), tuple(self.walk(v, depth) for v in made))
        if _value_type(kind):
            return ("value", kind, _value_text(obj))
        state = getattr(obj, "__dict__", None)
        if type(state) is dict and not hasattr(kind, "__slots__") and _all_in_dict(kind):
            # A plain object: its identity (aliasing matters) and its attributes.
            self.count(len(state))
            items = tuple((k, self.walk(v, depth)) for k, v in state.items())
            return ("object", kind, id(obj), items)
        slots = _slots(kind) if state is None or type(state) is dict else None
        if slots is not None:
            # Its attributes are its slots (`@dataclass(slots=True)`), and its dict if any,
            # read through the slots' own descriptors (no `__getattr__` of the class runs).
            held = [(k, _slot_value(member, obj)) for k, member in slots]
            if state:
                held += state.items()
            self.count(len(held))
            items = tuple((k, self.walk(v, depth)) for k, v in held)
            return ("object", kind, id(obj), items)
        raise _CannotTell

    def _subclass(self, obj: Any, kind: type, depth: int) -> Any:
        """A subclass of a builtin container (``OrderedDict``, ``Counter``, a user's own):
        its items, read through the base type so that overrides do not hide them, and the
        attributes it carries besides."""
        if isinstance(obj, dict):
            self.count(len(obj))
            # An OrderedDict keeps its own order beside the dict's (`move_to_end`).
            pairs = OrderedDict.items(obj) if isinstance(obj, OrderedDict) else dict.items(obj)
            items: Any = tuple((self.walk(k, depth), self.walk(v, depth)) for k, v in pairs)
        elif isinstance(obj, set | frozenset):
            self.count(len(obj))
            members = set.__iter__(obj) if isinstance(obj, set) else frozenset.__iter__(obj)
            items = frozenset(self.walk(v, depth) for v in members)
        else:
            base = list if isinstance(obj, list) else tuple
            self.count(len(obj))
            items = tuple(self.walk(v, depth) for v in base.__iter__(obj))
        state = getattr(obj, "__dict__", None)
        extra = (
            () if state is None else tuple((k, self.walk(v, depth)) for k, v in dict.items(state))
        )
        return ("subclass", kind, items, extra)

    def _array(self, obj: Any) -> Any:
        import numpy as np

        if not isinstance(obj, np.ndarray):
            if isinstance(obj, np.generic):
                return (type(obj), obj.tobytes())
            raise _CannotTell
        value = self._array_value(obj)
        # Whether it may be written to is part of what a run-all reproduces (`a.flags.
        # writeable = False`: `np.add(a, 1, out=a)` fails then); tagged only when it may
        # not, so the usual array's fingerprint stays its value alone.
        return value if obj.flags.writeable else ("read-only", value)

    def _array_value(self, obj: Any) -> Any:
        import numpy as np

        if obj.dtype.hasobject:
            self.count(obj.size)
            elements: Any = obj.flat
            return ("ndarray-object", obj.shape, tuple(self.walk(v, 0) for v in elements))
        self.count(nbytes=obj.nbytes)
        if obj.nbytes <= _SNAPSHOT_BYTES:
            return _ArraySnapshot(obj.copy())  # a memcpy, and later a compare: faster than a hash
        data: Any = obj if obj.flags.c_contiguous else np.ascontiguousarray(obj)
        digest = hashlib.blake2b(memoryview(data).cast("B"), digest_size=16).digest()
        return ("ndarray", obj.dtype.str, obj.shape, digest)

    def _pandas(self, obj: Any) -> Any:
        import pandas as pd

        frame = isinstance(obj, pd.DataFrame)
        if not (frame or isinstance(obj, pd.Series | pd.Index)):
            raise _CannotTell
        index = obj if isinstance(obj, pd.Index) else obj.index
        dtypes = tuple(obj.dtypes) if frame else (obj.dtype,)
        nbytes = 8 * (int(obj.size) + len(index) * index.nlevels)  # 8 a cell: see below
        self.count(nbytes=nbytes)
        values = _pandas_copy(obj, index, dtypes) if nbytes <= _SNAPSHOT_BYTES else None
        if values is None:
            hashed = pd.util.hash_pandas_object(obj, index=True).to_numpy()
            values = hashlib.blake2b(hashed.tobytes(), digest_size=16).digest()
        # What the values leave out: the labels' names (`df.index.name = 'i'`) and dtypes
        # (`equals` takes 1 and 1.0 alike), a Series' name, and what the object carries
        # besides (`attrs`, `flags`).
        names = (
            tuple(map(str, index.names)),
            tuple(map(str, obj.columns.names)) if frame else (),
            str(getattr(obj, "name", None)),
            str(index.dtype),
            str(obj.columns.dtype) if frame else "",
        )
        extra: tuple[Any, ...] = ()
        if not isinstance(obj, pd.Index):
            attrs = obj.attrs
            self.count(len(attrs))
            extra = (
                tuple((str(k), self.walk(v, 0)) for k, v in attrs.items()),
                obj.flags.allows_duplicate_labels,
            )
        columns = tuple(map(str, obj.columns)) if frame else ()
        return (type(obj), obj.shape, columns, tuple(map(str, dtypes)), values, names, extra)


# Pandas objects small enough are told by a private copy of their values and labels,
# compared after the cell: a Series' values and a plain Index copy in a microsecond as
# numpy arrays, a frame in 0.03 ms, where ``hash_pandas_object`` takes 0.15-0.4 ms even
# for a few rows. Only values a copy holds on its own (numbers, bools, dates, strings,
# categories): a column of lists would share the lists, so such objects are hashed. The
# bytes counted are 8 a cell, values and labels: ``memory_usage`` builds a Series (0.2 ms
# a frame), and for a Series it is an int, whose ``.sum()`` once made every Series and
# Index ``UNKNOWN``, changed by every cell that might change it.


def _pandas_copy(obj: Any, index: Any, dtypes: tuple[Any, ...]) -> Any:
    """A stand-in for ``obj``'s values and labels that owns what it holds, else None."""
    import pandas as pd

    if isinstance(obj, pd.DataFrame):
        if dtypes and len(set(dtypes)) == 1 and _plain_numpy(dtypes[0]):
            # One numpy dtype: the values are one array (a copy of a 2-d block; 0.001 ms
            # where copying the frame takes 0.03, most of it for the labels).
            labels = (_index_copy(index), _index_copy(obj.columns))
            if None in labels:
                return None
            return (_ArraySnapshot(obj.to_numpy(copy=True)), labels)
        if not all(_copied_whole(d) or _strings(obj.iloc[:, i], d) for i, d in enumerate(dtypes)):
            return None
        return _PandasSnapshot(obj.copy(deep=True))  # ``equals`` covers the labels too
    labels = _index_copy(index)
    if labels is None or isinstance(obj, pd.Index):
        return labels
    values = _array_copy(obj, dtypes[0])
    return None if values is None else (values, labels)


def _index_copy(index: Any) -> Any:
    import pandas as pd

    if isinstance(index, pd.MultiIndex):
        levels = tuple(_index_copy(level) for level in index.levels)
        if any(level is None for level in levels):
            return None
        return (levels, tuple(_ArraySnapshot(codes.copy()) for codes in index.codes))
    if isinstance(index, pd.RangeIndex):
        return ("range", index.start, index.stop, index.step)  # all it holds
    return _array_copy(index, index.dtype)


def _array_copy(obj: Any, dtype: Any) -> Any:
    """A copy of a Series' or an Index's values, of a dtype a copy holds whole."""
    if _plain_numpy(dtype):
        return _ArraySnapshot(obj.to_numpy(copy=True))
    if _copied_whole(dtype) or _strings(obj, dtype):
        return _PandasSnapshot(obj.array.copy())
    return None


class _PandasSnapshot:
    """A private copy of a pandas object or array, compared by ``equals`` (same values and
    dtypes, and labels for an object that has them; NaN equal to NaN)."""

    __slots__ = ("copy",)

    def __init__(self, copy: Any) -> None:
        self.copy = copy

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _PandasSnapshot) or type(self.copy) is not type(other.copy):
            return False
        try:
            return bool(self.copy.equals(other.copy))
        except Exception:  # a future pandas that refuses: cannot tell, so changed
            return False

    def __hash__(self) -> int:
        return hash((type(self.copy), self.copy.shape))


_COPIED_KINDS = frozenset("biufcmM")
"""dtype kinds whose values a copy holds on its own: numbers, bools, dates."""


def _copied_whole(dtype: Any) -> bool:
    import pandas as pd

    if _numpy(dtype):
        return _plain_numpy(dtype)
    # pandas' own extension dtypes: masked numbers, dates with a zone, periods, strings,
    # categories (whose categories are an Index); not a sparse or third-party one.
    if isinstance(dtype, pd.StringDtype | pd.CategoricalDtype | pd.PeriodDtype):
        return True
    return (
        (type(dtype).__module__ or "").startswith("pandas")
        and not isinstance(dtype, pd.SparseDtype)
        and getattr(dtype, "kind", "O") in _COPIED_KINDS
    )


def _numpy(dtype: Any) -> bool:
    import numpy as np

    return isinstance(dtype, np.dtype)


def _plain_numpy(dtype: Any) -> bool:
    """A numpy dtype whose values a copy of the array holds whole (one ``_ArraySnapshot``)."""
    return _numpy(dtype) and dtype.kind in _COPIED_KINDS


def _strings(values: Any, dtype: Any) -> bool:
    """An ``object`` column or Index of strings (and missing values) alone."""
    from pandas.api.types import infer_dtype

    return (
        _numpy(dtype)
        and dtype.kind == "O"
        and infer_dtype(values, skipna=True) in ("string", "empty")
    )


class _Plain:
    """An instance of a class written in Python over ``object``: all its state is in its
    attribute dict."""


_PLAIN_SIZE = _Plain.__basicsize__


def _numpy_data(obj: Any) -> bool:
    import numpy as np

    return isinstance(obj, np.ndarray | np.generic)


def _numpy_dtype(obj: Any) -> bool:
    import numpy as np

    return isinstance(obj, np.dtype)


def _pandas_data(obj: Any) -> bool:
    import pandas as pd

    return isinstance(obj, pd.DataFrame | pd.Series | pd.Index)


def _all_in_dict(kind: type) -> bool:
    """Whether an instance of ``kind`` keeps all its state in its ``__dict__``: no base
    written in C adds fields to its layout. A file, a ``StringIO``, a tensor, an exception
    carry a ``__dict__`` beside state in C (a read position, the data, ``args``) that
    their methods change; read through the dict alone, ``s.readline()`` would be no
    change. (``SimpleNamespace`` is C, but its dict is all it holds.)"""
    return kind.__basicsize__ <= _PLAIN_SIZE or kind is types.SimpleNamespace


_SLOTS: weakref.WeakKeyDictionary[type, tuple[tuple[str, Any], ...] | None] = (
    weakref.WeakKeyDictionary()
)
_UNSET = "<unset slot>"


def _slots(kind: type) -> tuple[tuple[str, Any], ...] | None:
    """The slots (name, descriptor) an instance of ``kind`` keeps its state in, beside its
    ``__dict__`` if it has one, where they are all it holds: only classes written in
    Python name slots (`__slots__`), each a pointer in the layout, and the layout is no
    larger than a plain object's and those pointers (a base written in C adds fields,
    shown as members or not: ``functools.partial``, an exception's ``args``). Else None."""
    found = _SLOTS.get(kind, _ABSENT)
    if found is not _ABSENT:
        return found  # type: ignore[no-any-return]
    members: dict[str, Any] = {}
    for base in kind.__mro__[:-1]:
        if "__slots__" not in vars(base):
            continue
        for name, member in vars(base).items():
            if type(member) is types.MemberDescriptorType:
                members.setdefault(name, member)
    layout = None
    if members and kind.__basicsize__ <= _PLAIN_SIZE + 8 * len(members):
        layout = tuple(members.items())
    _SLOTS[kind] = layout
    return layout


def _slot_value(member: Any, obj: Any) -> Any:
    try:
        return member.__get__(obj, type(obj))
    except AttributeError:  # not set yet
        return _UNSET


_NUMPY_ROUTINES = frozenset({"ufunc", "_ArrayFunctionDispatcher"})
"""numpy's functions that are no Python functions: a ufunc (`np.add`), and the wrapper
numpy puts around each function an array type may override (`np.sum`, `np.where`, since
numpy 1.25). Told by identity and attributes, as a function is."""


_STATEFUL_MODULES = frozenset({"random", "numpy", "numpy.random"})
"""Modules holding a global random generator that their functions advance and ``seed``
resets: ``random.seed(2)`` or ``np.random.rand()`` changes what later calls return, so
the state is part of the module's value. Cells calling other functions of numpy leave
it alone, so they do not count as changing ``np``."""


_GENERATOR_PART = {"numpy": ".random"}
"""Stateful modules whose generator is a submodule's (``np.random``): its state changes
that part of the module, not what ``np.zeros`` reads (``runtime.parts.module_paths``)."""


def global_generator(obj: Any) -> Any:
    """The global random generator ``obj`` is a way into, else None.

    The modules of ``_STATEFUL_MODULES``, and the functions they bind to their hidden
    generator (``from random import randint``, ``from numpy.random import rand``: bound
    methods of ``random``'s ``Random`` instance and of numpy's legacy ``RandomState``),
    share one state: a draw through any of them changes what all the others give next,
    so a change seen through one name is a change of every name bound to another way in.
    Read without running user code: types first, then identity.
    """
    kind = type(obj)
    if kind is types.MethodType or kind is types.BuiltinFunctionType:
        obj = obj.__self__
    if isinstance(obj, types.ModuleType):
        name = obj.__name__
        if name not in _STATEFUL_MODULES:
            return None
        if name == "random":
            return getattr(obj, "_inst", None)
        mtrand = sys.modules.get("numpy.random.mtrand")
        return getattr(mtrand, "_rand", None)
    random = sys.modules.get("random")
    if random is not None and obj is getattr(random, "_inst", None):
        return obj
    mtrand = sys.modules.get("numpy.random.mtrand")
    if mtrand is not None and obj is getattr(mtrand, "_rand", None):
        return obj
    return None


def generator_changed(obj: Any, parts: frozenset[PathPart] | None) -> Any:
    """The global generator that a change of ``obj`` in ``parts`` (None: as a whole) was a
    change of, else None (``np`` changed in another part than ``np.random``)."""
    generator = global_generator(obj)
    if generator is None or parts is None:
        return generator
    part = _GENERATOR_PART.get(obj.__name__) if isinstance(obj, types.ModuleType) else None
    return generator if part is None or part in parts else None


def generator_parts(generator: Any) -> dict[int, frozenset[PathPart]]:
    """The stateful modules, by id, in which ``generator`` is a part (numpy's is
    ``np.random``): a draw through another name changes only that part of them."""
    found: dict[int, frozenset[PathPart]] = {}
    for name, part in _GENERATOR_PART.items():
        module = sys.modules.get(name)
        if module is not None and global_generator(module) is generator:
            found[id(module)] = frozenset({part})
    return found


def _memo_state(obj: Any) -> tuple[int, int] | None:
    """For a notebook function in a memo (``functools.lru_cache``, ``functools.cache``)
    whose code reads globals, how many answers it has worked out and holds; else None.

    Its answers then hold the values those globals had when each was worked out, which a
    run-all, starting with an empty memo, would work out anew: the memo is state that its
    callers fill, as a dict a function stores its answers into is (a caller re-run after
    such a global changed has the definition run first, emptying it). A function that
    reads none but builtins, modules and its own name (a recursive ``fib``) gives the
    same answer from its memo as without: its memo changes nothing.
    """
    if type(obj) is not functools._lru_cache_wrapper:
        return None
    function = getattr(obj, "__wrapped__", None)
    if not isinstance(function, types.FunctionType):
        return None
    namespace = function.__globals__
    if namespace.get("__name__") != "__main__" or not _reads_globals(function, namespace):
        return None
    try:
        info = obj.cache_info()
        return (info.misses, info.currsize)
    except Exception:
        return None


def _reads_globals(function: types.FunctionType, namespace: dict[str, Any]) -> bool:
    """Whether ``function``'s code (nested code included) loads a global that is neither
    its own name, a module, nor a builtin the notebook leaves alone."""
    pending = [function.__code__]
    while pending:
        code = pending.pop()
        for name in code.co_names:
            # (co_names holds attribute names too: `x.real` counts as a read of `real`,
            # which is at worst a memo counted as state when it is none.)
            if name == function.__name__:
                continue
            value = namespace.get(name, _ABSENT)
            if value is _ABSENT:
                if not hasattr(builtins, name):
                    return True
            elif not isinstance(value, types.ModuleType):
                return True
        pending += [c for c in code.co_consts if isinstance(c, types.CodeType)]
    return False


_ABSENT: Any = object()


def _hidden_state(obj: Any) -> Any:
    """The state of the global generator ``obj`` is a way into (``global_generator``), or
    of the memo of a notebook function reading globals (``_memo_state``); else None."""
    generator = global_generator(obj)
    if generator is None:
        return _memo_state(obj)
    try:
        random = sys.modules.get("random")
        if random is not None and isinstance(generator, random.Random):
            return generator.getstate()
        name, keys, position, has_gauss, gauss = generator.get_state(legacy=True)
        return (name, keys.tobytes(), position, has_gauss, gauss)
    except Exception:  # not the generator we know (a stub, a future numpy): identity
        return None


def fingerprint(obj: Any, budget: Budget = DEFAULT_BUDGET) -> Any:
    """A hashable stand-in for ``obj``'s value, or ``UNKNOWN``; never raises."""
    try:
        return _Walker(budget).walk(obj, 0)
    except (_OverBudget, _CannotTell):
        return UNKNOWN
    except Exception:
        return UNKNOWN


def equal_values(a: Any, b: Any, budget: Budget = DEFAULT_BUDGET) -> bool:
    """Whether two values are equal by the fingerprint rules, comparing arrays directly."""
    module = getattr(type(a), "__module__", "") or ""
    if type(a) is type(b) and module.startswith("numpy") and "numpy" in sys.modules:
        import numpy as np

        if isinstance(a, np.ndarray) and not a.dtype.hasobject:
            return arrays_equal(a, b)
    if type(a) is type(b) and module.startswith("pandas") and "pandas" in sys.modules:
        try:
            return bool(a.equals(b)) and _pandas_labels_equal(a, b)
        except Exception:
            pass
    found = fingerprint(a, budget)
    return found is not UNKNOWN and found == fingerprint(b, budget)


def _pandas_labels_equal(a: Any, b: Any) -> bool:
    """``equals`` ignores the dtype of labels and the names; a run-all would not."""
    same_names = getattr(a, "name", None) == getattr(b, "name", None)
    columns = getattr(a, "columns", None)
    if columns is not None:
        same_names = same_names and list(columns) == list(b.columns)
    return bool(
        same_names and a.index.equals(b.index) and list(a.index.names) == list(b.index.names)
    )


def cannot_change(obj: Any) -> bool:
    """Values no cell can change in place, so never worth a fingerprint before and after."""
    kind = type(obj)
    if kind in _SCALARS or kind is float or kind is bytes:
        return True
    if getattr(kind, "__reflow_immutable__", False):
        return True  # a stand-in reflow itself puts in the namespace (reflow.parallel's Remote)
    if isinstance(obj, type) and obj.__module__ == "__main__":
        return False  # a notebook class: its attributes are state
    if isinstance(obj, types.FunctionType):
        # A closure's cells can be bound again (`nonlocal`), attributes set; defaults only
        # changed in place.
        cells, defaults, keywords, attributes = function_state(obj)
        return not (cells or attributes) and all(
            cannot_change(v) for v in (*defaults, *keywords.values())
        )
    if isinstance(obj, _BY_IDENTITY):
        return global_generator(obj) is None and _memo_state(obj) is None
    if kind is tuple or kind is frozenset:
        return all(cannot_change(v) for v in obj) if len(obj) <= 64 else False
    if not (getattr(kind, "__module__", "") or "").startswith("numpy"):
        # (asked first: a user's __getattr__ may raise anything)
        return _value_type(kind)
    try:  # a read-only numpy array that is no view of a writeable one
        flags = obj.flags
        return flags.writeable is False and obj.base is None
    except Exception:
        return False


def immutable_print(obj: Any, budget: Budget = DEFAULT_BUDGET) -> Any:
    """The fingerprint of a value nobody can change in place, else ``None``.

    Only such values may be called "the same" across different objects: for
    a mutable one, a reader may hold the old object, so identity matters.
    """
    if not cannot_change(obj) or isinstance(obj, _BY_IDENTITY):
        return None
    found = fingerprint(obj, budget)
    return None if found is UNKNOWN else found
