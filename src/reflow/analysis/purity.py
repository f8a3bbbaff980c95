"""Which method calls change their receiver: a table, with the reason for each entry.

Static analysis cannot know the type of a receiver, so it keys on the method
name alone. That makes every entry a *candidate*: ``xs.sort()`` is a mutation
of ``xs``, but ``np.sort(xs)`` is a call of a pure function found on a module.
The analysis records both as a ``METHOD_CALL`` mutation of the receiver; the
runtime, which sees the receiver's type, discards the ones whose receiver is a
module or is otherwise known not to change (the fast paths of change tracking).

Entries were chosen by two rules:

1. the name is an in-place method of a type notebooks use all the time
   (``list``, ``dict``, ``set``, ``collections.deque``, ``bytearray``,
   ``numpy.ndarray``, ``pandas`` objects, ``random.Random``, scikit-learn
   estimators, files), and
2. the name is not, far more often than not, a pure function or method of
   the same libraries. ``sort_values``, ``drop``, ``fillna`` and ``resize``
   fail rule 2 (pandas returns a copy unless ``inplace=True``, which
   ``INPLACE_KEYWORD`` covers; ``np.resize`` is pure), so they are not here.

Methods in neither table are unknown: the runtime compares fingerprints of the
receiver before and after the cell to find out.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

INPLACE_KEYWORD = "inplace"
"""``x.m(..., inplace=True)`` changes ``x`` whatever ``m`` is (the pandas convention).

Any value other than the constant ``False`` counts, because a variable may be true.
"""

INPLACE_SUFFIX = "_"
"""``t.add_(1)``, ``t.zero_()``: PyTorch names its in-place methods with one trailing underscore.

Only names that do not also start with an underscore count (``x.__len__`` is no mutation).
"""

MUTATING_METHODS: Mapping[str, str] = MappingProxyType(
    {
        # list, bytearray, deque
        "append": "list/deque/bytearray.append adds an element in place",
        "extend": "list/deque/bytearray.extend adds elements in place",
        "insert": "list/bytearray.insert adds an element in place",
        "pop": "list/dict/set/deque.pop removes an element in place",
        "remove": "list/set/deque.remove removes an element in place",
        "clear": "list/dict/set/deque.clear empties the container",
        "sort": "list.sort and ndarray.sort reorder in place (np.sort is pure: the "
        "runtime drops calls whose receiver is a module)",
        "reverse": "list.reverse reverses in place",
        # dict
        "update": "dict/set/Counter.update merge in place (also hash objects' state)",
        "setdefault": "dict.setdefault may insert a key",
        "popitem": "dict.popitem removes an item in place",
        # set
        "add": "set.add inserts an element in place",
        "discard": "set.discard removes an element in place",
        "difference_update": "set.difference_update shrinks the set in place",
        "intersection_update": "set.intersection_update shrinks the set in place",
        "symmetric_difference_update": "set.symmetric_difference_update changes the set",
        # collections.deque
        "appendleft": "deque.appendleft adds an element in place",
        "extendleft": "deque.extendleft adds elements in place",
        "popleft": "deque.popleft removes an element in place",
        "rotate": "deque.rotate reorders in place",
        # numpy.ndarray
        "fill": "ndarray.fill overwrites every element",
        "itemset": "ndarray.itemset overwrites one element",
        "put": "ndarray.put overwrites elements",
        "setfield": "ndarray.setfield overwrites a field",
        "setflags": "ndarray.setflags changes the array's flags",
        "partition": "ndarray.partition reorders in place (np.partition is pure, see sort)",
        # scikit-learn estimators and similar fitted models
        "fit": "estimator.fit learns state into the estimator (and returns it)",
        "partial_fit": "estimator.partial_fit updates the learned state",
        "fit_transform": "estimator.fit_transform fits the estimator, then transforms",
        "fit_predict": "estimator.fit_predict fits the estimator, then predicts",
        "set_params": "estimator.set_params changes hyperparameters in place",
        # random state
        "seed": "random.seed / RandomState.seed reset the generator's state",
        "shuffle": "Random.shuffle advances the generator; the shuffled argument is "
        "left to the runtime's fingerprints",
        "setstate": "Random.setstate replaces the generator's state",
        # files and streams
        "write": "file.write changes the stream's position and contents",
        "writelines": "file.writelines changes the stream's position and contents",
        "close": "file.close changes the stream's state",
        "seek": "file.seek moves the stream's position",
        "truncate": "file.truncate changes the stream's contents",
    }
)

PURE_METHODS: Mapping[str, str] = MappingProxyType(
    {
        # copies and views that leave the receiver alone
        "copy": "returns a copy",
        "deepcopy": "returns a deep copy",
        # mapping reads
        "get": "dict.get reads one key",
        "keys": "returns a view of the keys",
        "items": "returns a view of the items",
        "values": "returns a view of the values",
        # sequence reads
        "count": "list/tuple/str.count reads the elements",
        "index": "list/tuple/str.index reads the elements",
        "startswith": "str.startswith reads the string",
        "endswith": "str.endswith reads the string",
        "format": "str.format builds a new string",
        "join": "str.join builds a new string",
        "split": "str.split builds a new list",
        "strip": "str.strip builds a new string",
        "replace": "str.replace builds a new string (pandas replace without inplace too)",
        "lower": "str.lower builds a new string",
        "upper": "str.upper builds a new string",
        # set algebra without _update
        "union": "set.union builds a new set",
        "intersection": "set.intersection builds a new set",
        "difference": "set.difference builds a new set",
        "issubset": "set.issubset reads both sets",
        "issuperset": "set.issuperset reads both sets",
        # numpy / pandas summaries
        "head": "DataFrame.head returns the first rows",
        "tail": "DataFrame.tail returns the last rows",
        "describe": "DataFrame.describe summarises",
        "mean": "reduces to a mean",
        "sum": "reduces to a sum",
        "min": "reduces to a minimum",
        "max": "reduces to a maximum",
        "std": "reduces to a standard deviation",
        "var": "reduces to a variance",
        "median": "reduces to a median",
        "any": "reduces to a bool",
        "all": "reduces to a bool",
        "argmax": "reads the array",
        "argmin": "reads the array",
        "reshape": "returns a view or a copy",
        "astype": "returns a converted copy",
        "tolist": "returns a new list",
        "to_numpy": "returns an array (a view at worst; writes to it are stores)",
        "groupby": "returns a grouping object",
        "agg": "aggregates into a new object",
        "merge": "DataFrame.merge returns a new frame",
        "sort_values": "returns a sorted copy unless inplace=True",
        "drop": "returns a copy unless inplace=True",
        "fillna": "returns a copy unless inplace=True",
        "rename": "returns a copy unless inplace=True",
        "reset_index": "returns a copy unless inplace=True",
        "set_index": "returns a copy unless inplace=True",
        "dropna": "returns a copy unless inplace=True",
        "apply": "returns a new object (the applied function may mutate: not our call)",
        "predict": "estimator.predict reads the fitted state",
        "transform": "estimator.transform reads the fitted state",
        "score": "estimator.score reads the fitted state",
        "get_params": "estimator.get_params reads hyperparameters",
        # plotting and display: they draw what they are given
        "plot": "pyplot/Axes/DataFrame.plot draws the data",
        "scatter": "draws the data",
        "hist": "draws the data",
        "bar": "draws the data",
        "imshow": "draws the data",
        "show": "shows the current figure",
        "figure": "creates a figure",
        "subplots": "creates a figure and axes",
        "title": "labels the current axes",
        "xlabel": "labels the current axes",
        "ylabel": "labels the current axes",
        "legend": "labels the current axes",
        "savefig": "writes the current figure to a file",
        "display": "IPython.display.display renders the object",
        "dumps": "json/pickle.dumps serialise into a new string",
        "array": "np.array builds a new array",
        "asarray": "np.asarray returns the array itself or a new one",
        "zeros_like": "builds a new array",
        "ones_like": "builds a new array",
        "dot": "returns the product",
        "matmul": "returns the product",
        "concatenate": "builds a new array",
        "stack": "builds a new array",
        "where": "builds a new array",
        "unique": "builds a new array",
        "isnan": "builds a new array",
        "abs": "builds a new array",
        "sqrt": "builds a new array",
        "exp": "builds a new array",
        "log": "builds a new array",
    }
)

PURE_FUNCTIONS: frozenset[str] = frozenset(
    {
        # Builtins that read their arguments and change none of them. Absent on
        # purpose: next (advances an iterator), setattr/delattr, exec/eval/vars,
        # open, input, and anything that calls back into user code by design.
        "abs", "all", "any", "ascii", "bin", "bool", "bytes", "callable", "chr",
        "complex", "dict", "dir", "divmod", "enumerate", "filter", "float", "format",
        "frozenset", "getattr", "hasattr", "hash", "hex", "id", "int", "isinstance",
        "issubclass", "iter", "len", "list", "map", "max", "min", "oct", "ord", "pow",
        "print", "range", "repr", "reversed", "round", "set", "slice", "sorted", "str",
        "sum", "tuple", "type", "zip", "display",
    }
)  # fmt: skip
"""Functions called by a plain name whose arguments a call leaves unchanged."""

CALLBACK_ARGUMENTS: Mapping[str, tuple[int | None, str | None]] = MappingProxyType(
    {
        "map": (0, None),
        "filter": (0, None),
        "sorted": (None, "key"),
        "min": (None, "key"),
        "max": (None, "key"),
        "iter": (0, None),  # iter(callable, sentinel)
    }
)
"""Builtins of ``PURE_FUNCTIONS`` that call a function they are given: its position, its
keyword. The call leaves its arguments alone, but what the function it calls does
(``map(xs.append, ys)``, ``sorted(ys, key=d.setdefault)``) is the cell's doing."""

ARGUMENT_MUTATING: Mapping[str, str] = MappingProxyType(
    {
        "shuffle": "random.shuffle / np.random.shuffle reorder their argument in place",
        "copyto": "np.copyto writes into its first argument",
        "place": "np.place writes into its first argument",
        "putmask": "np.putmask writes into its first argument",
        "put_along_axis": "np.put_along_axis writes into its first argument",
        "fill_diagonal": "np.fill_diagonal writes into its first argument",
        "heappush": "heapq.heappush adds to the heap list it is given",
        "heappop": "heapq.heappop removes from the heap list it is given",
        "heapify": "heapq.heapify reorders the list it is given",
        "insort": "bisect.insort inserts into the list it is given",
    }
)
"""Functions and methods known to change the arguments they are given."""

PURE_MODULE_FUNCTIONS: Mapping[str, str] = MappingProxyType(
    {
        "numpy.sort": "returns a sorted copy (ndarray.sort is the one in place)",
        "numpy.partition": "returns a partitioned copy (ndarray.partition is in place)",
        "numpy.append": "returns a new array",
        "numpy.insert": "returns a new array",
        "numpy.delete": "returns a new array",
        "numpy.resize": "returns a new array (ndarray.resize is in place)",
    }
)
"""Functions of a library's module, by module and name, that share a name with a method of
``MUTATING_METHODS`` and leave what they are handed alone: called through the module
(``np.sort(a)``), which makes a mutating name a function that may change its arguments
(``runtime.changes.receiver_call_changes``), they change nothing."""

OUT_KEYWORD = "out"
"""``np.add(x, 1, out=x)``: numpy's ufuncs write into the ``out=`` argument."""

DYNAMIC_CALLS: frozenset[str] = frozenset({"exec", "eval", "globals", "locals"})
"""Builtins through which a cell can read or bind any global by a computed name.

``vars`` belongs here only when called without arguments (then it is ``locals()``);
the visitor checks that case itself.
"""
