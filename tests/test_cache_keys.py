"""Cache keys: one row per case of "same key" or "different key" (reflow.cache.keys).

Each row sets up two namespaces (as two notebooks would, each with its own
setup code) and keys the same or another cell in each: a row says whether the
two keys must be equal. Equal keys where the values differ would be a wrong
hit; the rows with ``same=False`` guard against exactly that.

Every row is keyed twice: with the inputs digested whole, and with the parts
the cell reads (``parts=``, as ``run_memoized`` and the notebook pass them).
``PART_CASES`` are the rows where the two differ on purpose: a read of
``cfg["a"]`` keeps its key when ``cfg["b"]`` changes, as long as the object
vouches that ``["a"]`` is a part of its own.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from reflow.analysis import analyze
from reflow.cache.keys import Undigestable, block_key, cell_key, function_key, partial_inputs
from reflow.cache.parts import parts_from_analysis


@dataclass(frozen=True)
class KeyCase:
    id: str
    setup_a: str
    setup_b: str
    cell_a: str
    cell_b: str | None  # None: the same cell in both
    same: bool


def namespace(setup: str) -> dict[str, Any]:
    ns: dict[str, Any] = {"__name__": "__main__"}
    exec(compile(textwrap.dedent(setup), "<setup>", "exec"), ns)
    return ns


def key_of(cell: str, ns: dict[str, Any], by_parts: bool = False) -> str:
    analysis = analyze(cell)
    if not by_parts:
        return cell_key(cell, analysis.refs, ns)
    parts = parts_from_analysis(analysis.read_paths, ns, analysis.defs)
    return cell_key(cell, analysis.refs, ns, parts)


NP = "import numpy as np\n"
PD = "import pandas as pd\n"

CASES = [
    # ---- the code: comments and layout do not matter, the computation does
    KeyCase("comment", "x = 1", "x = 1", "y = x + 1", "y = x+1  # add one", True),
    KeyCase("layout", "x = 1", "x = 1", "y = f(\n  x,\n)", "y = f(x)", True),
    KeyCase("memoize-line", "x = 1", "x = 1", "%%memoize\ny = x", "y = x", True),
    KeyCase("other-code", "x = 1", "x = 1", "y = x + 1", "y = x + 2", False),
    KeyCase("other-target", "x = 1", "x = 1", "y = x", "z = x", False),
    # ---- scalar and container inputs
    KeyCase("int-value", "x = 1", "x = 2", "y = x", None, False),
    KeyCase("int-vs-float", "x = 1", "x = 1.0", "y = x", None, False),
    KeyCase("true-vs-1", "x = True", "x = 1", "y = x", None, False),
    KeyCase("nan-equals-nan", "x = float('nan')", "x = float('nan')", "y = x", None, True),
    KeyCase("str", "x = 'a'", "x = 'b'", "y = x", None, False),
    KeyCase("list-equal", "x = [1, [2, 3]]", "x = [1, [2, 3]]", "y = x", None, True),
    KeyCase("list-deep-change", "x = [1, [2, 3]]", "x = [1, [2, 4]]", "y = x", None, False),
    KeyCase("list-vs-tuple", "x = [1, 2]", "x = (1, 2)", "y = x", None, False),
    KeyCase("set-order-free", "x = {3, 1, 2}", "x = {1, 2, 3}", "y = x", None, True),
    KeyCase("dict-value", "x = {'a': 1}", "x = {'a': 2}", "y = x", None, False),
    # dicts compare in order: iteration order is observable, so it is part of the value
    KeyCase("dict-order", "x = {'a': 1, 'b': 2}", "x = {'b': 2, 'a': 1}", "y = x", None, False),
    KeyCase("absent-vs-present", "", "x = 1", "y = x", None, False),
    KeyCase("unread-name-ignored", "x = 1; z = 1", "x = 1; z = 2", "y = x", None, True),
    KeyCase(
        "self-holding-list", "x = [1]; x.append(x)", "x = [1]; x.append(x)", "y = x", None, True
    ),
    # ---- numpy (1 and 2), by content
    KeyCase("array-equal", NP + "a = np.arange(10)", NP + "a = np.arange(10)", "b = a", None, True),
    KeyCase(
        "array-one-element",
        NP + "a = np.arange(10)",
        NP + "a = np.arange(10); a[7] = 0",
        "b = a",
        None,
        False,
    ),
    KeyCase(
        "array-dtype",
        NP + "a = np.arange(10, dtype=np.int32)",
        NP + "a = np.arange(10, dtype=np.int64)",
        "b = a",
        None,
        False,
    ),
    KeyCase(
        "array-shape",
        NP + "a = np.arange(12).reshape(3, 4)",
        NP + "a = np.arange(12).reshape(4, 3)",
        "b = a",
        None,
        False,
    ),
    KeyCase(
        "array-view-vs-copy",
        NP + "a = np.arange(20)[::2]",
        NP + "a = np.arange(0, 20, 2)",
        "b = a",
        None,
        True,
    ),
    KeyCase(
        "array-fortran-vs-c",
        NP + "a = np.asfortranarray(np.arange(6.0).reshape(2, 3))",
        NP + "a = np.arange(6.0).reshape(2, 3)",
        "b = a",
        None,
        True,
    ),
    KeyCase(
        "array-datetime",
        NP + "a = np.array(['2024-01-01'], dtype='M8[D]')",
        NP + "a = np.array(['2024-01-02'], dtype='M8[D]')",
        "b = a",
        None,
        False,
    ),
    KeyCase(
        "array-object",
        NP + "a = np.array([{'k': 1}, None], dtype=object)",
        NP + "a = np.array([{'k': 2}, None], dtype=object)",
        "b = a",
        None,
        False,
    ),
    KeyCase(
        "numpy-scalar",
        NP + "a = np.float32(1.5)",
        NP + "a = np.float64(1.5)",
        "b = a",
        None,
        False,
    ),
    KeyCase(
        "array-in-dict",
        NP + "d = {'w': np.ones(3)}",
        NP + "d = {'w': np.ones(3)}",
        "b = d",
        None,
        True,
    ),
    # ---- pandas, by content and labels
    KeyCase(
        "frame-equal",
        PD + "df = pd.DataFrame({'a': [1, 2], 'b': ['x', 'y']})",
        PD + "df = pd.DataFrame({'a': [1, 2], 'b': ['x', 'y']})",
        "n = len(df)",
        None,
        True,
    ),
    KeyCase(
        "frame-value",
        PD + "df = pd.DataFrame({'a': [1, 2]})",
        PD + "df = pd.DataFrame({'a': [1, 3]})",
        "n = len(df)",
        None,
        False,
    ),
    KeyCase(
        "frame-column-name",
        PD + "df = pd.DataFrame({'a': [1, 2]})",
        PD + "df = pd.DataFrame({'b': [1, 2]})",
        "n = len(df)",
        None,
        False,
    ),
    KeyCase(
        "frame-index",
        PD + "df = pd.DataFrame({'a': [1, 2]})",
        PD + "df = pd.DataFrame({'a': [1, 2]}, index=[5, 6])",
        "n = len(df)",
        None,
        False,
    ),
    KeyCase(
        "frame-dtype",
        PD + "df = pd.DataFrame({'a': [1, 2]})",
        PD + "df = pd.DataFrame({'a': [1.0, 2.0]})",
        "n = len(df)",
        None,
        False,
    ),
    KeyCase(
        "series-name",
        PD + "s = pd.Series([1, 2], name='u')",
        PD + "s = pd.Series([1, 2], name='v')",
        "n = len(s)",
        None,
        False,
    ),
    KeyCase(
        "frame-list-cells",
        PD + "df = pd.DataFrame({'a': [[1], [2]]})",
        PD + "df = pd.DataFrame({'a': [[1], [3]]})",
        "n = len(df)",
        None,
        False,
    ),
    # ---- notebook functions: their code and the globals they read are inputs
    KeyCase("function-code", "def f(): return 1", "def f(): return 2", "y = f()", None, False),
    KeyCase(
        "function-comment",
        "def f():\n    return 1",
        "def f():  # why\n\n    # one\n    return 1",
        "y = f()",
        None,
        True,
    ),
    KeyCase(
        "function-global",
        "k = 1\ndef f(): return k",
        "k = 2\ndef f(): return k",
        "y = f()",
        None,
        False,
    ),
    KeyCase(
        "function-transitive-global",
        "k = 1\ndef g(): return k\ndef f(): return g()",
        "k = 2\ndef g(): return k\ndef f(): return g()",
        "y = f()",
        None,
        False,
    ),
    KeyCase(
        "function-callee-code",
        "def g(): return 1\ndef f(): return g()",
        "def g(): return 2\ndef f(): return g()",
        "y = f()",
        None,
        False,
    ),
    KeyCase(
        "function-default",
        "def f(a=1): return a",
        "def f(a=2): return a",
        "y = f()",
        None,
        False,
    ),
    KeyCase(
        "function-closure",
        "def mk(v):\n    def f(): return v\n    return f\nf = mk(1)",
        "def mk(v):\n    def f(): return v\n    return f\nf = mk(2)",
        "y = f()",
        None,
        False,
    ),
    KeyCase(
        "function-recursive",
        "def f(n): return 1 if n < 2 else f(n - 1)",
        "def f(n): return 1 if n < 2 else f(n - 1)",
        "y = f(3)",
        None,
        True,
    ),
    KeyCase(
        "class-method",
        "class C:\n    def m(self): return 1",
        "class C:\n    def m(self): return 2",
        "y = C().m()",
        None,
        False,
    ),
    KeyCase(
        "instance-attribute",
        "class C:\n    pass\nc = C(); c.v = 1",
        "class C:\n    pass\nc = C(); c.v = 2",
        "y = c.v",
        None,
        False,
    ),
    KeyCase(
        "partial-of-a-notebook-function",
        "import functools\ndef f(a, b): return a + b\ng = functools.partial(f, 1)",
        "import functools\ndef f(a, b): return a - b\ng = functools.partial(f, 1)",
        "y = g(2)",
        None,
        False,
    ),
    KeyCase(
        "library-object-holding-a-notebook-function",
        "import types\ndef f(): return 1\nh = types.SimpleNamespace(fn=f)",
        "import types\ndef f(): return 2\nh = types.SimpleNamespace(fn=f)",
        "y = h.fn()",
        None,
        False,
    ),
    # A notebook class over a dict or a list, or with slots: its state is not all in __dict__.
    KeyCase(
        "dict-subclass-items",
        "class M(dict):\n    pass\nm = M(a=1, b=2)",
        "class M(dict):\n    pass\nm = M(a=1, b=3)",
        "y = dict(m)",
        None,
        False,
    ),
    KeyCase(
        "list-subclass-items",
        "class L(list):\n    pass\nxs = L([1, 2])",
        "class L(list):\n    pass\nxs = L([1, 3])",
        "y = sum(xs)",
        None,
        False,
    ),
    KeyCase(
        "slots-below-a-dict",
        "class A:\n    pass\nclass B(A):\n    __slots__ = ('x',)\nb = B(); b.x = 1",
        "class A:\n    pass\nclass B(A):\n    __slots__ = ('x',)\nb = B(); b.x = 2",
        "y = b.x",
        None,
        False,
    ),
    KeyCase("module", "import json as m", "import json as m", "y = m.dumps(1)", None, True),
    # Widgets by their synced state, not their model ids: a slider moved back hits.
    KeyCase(
        "widget-same-value",
        "import ipywidgets as w\ns = w.IntSlider(value=3)",
        "import ipywidgets as w\ns = w.IntSlider(value=5)\ns.value = 3",
        "y = s.value * 2",
        None,
        True,
    ),
    KeyCase(
        "widget-other-value",
        "import ipywidgets as w\ns = w.IntSlider(value=3)",
        "import ipywidgets as w\ns = w.IntSlider(value=4)",
        "y = s.value * 2",
        None,
        False,
    ),
    KeyCase(
        "widget-in-a-box-other-value",
        "import ipywidgets as w\nb = w.VBox([w.IntSlider(value=3)])",
        "import ipywidgets as w\nb = w.VBox([w.IntSlider(value=4)])",
        "y = b.children[0].value",
        None,
        False,
    ),
    KeyCase(
        "widget-other-class",
        "import ipywidgets as w\ns = w.IntSlider(value=3)",
        "import ipywidgets as w\ns = w.IntText(value=3)",
        "y = s.value * 2",
        None,
        False,
    ),
    KeyCase(
        "other-module", "import json as m", "import pickle as m", "y = m.dumps(1)", None, False
    ),
]


PROPERTY = "class C:\n    def __init__(self, a, b): self._a, self._b = a, b\n"
PROPERTY += "    @property\n    def a(self): return self._b\n"
LOOKUP = "class M(dict):\n    def __getitem__(self, k): return dict.get(self, 'b')\n"
SLOTTED_AB = (
    "class P:\n    __slots__ = ('a', 'b')\n    def __init__(self, a, b): self.a, self.b = a, b\n"
)

PART_CASES = [
    # ---- read in part: another part changing keeps the key
    KeyCase(
        "dict-other-key",
        "cfg = {'a': 1, 'b': 2}",
        "cfg = {'a': 1, 'b': 3}",
        "y = cfg['a']",
        None,
        True,
    ),
    KeyCase(
        "dict-read-key",
        "cfg = {'a': 1, 'b': 2}",
        "cfg = {'a': 5, 'b': 2}",
        "y = cfg['a']",
        None,
        False,
    ),
    KeyCase(
        "dict-nested-other",
        "d = {'a': {'x': 1, 'y': 2}, 'b': 0}",
        "d = {'a': {'x': 1, 'y': 9}, 'b': 7}",
        "v = d['a']['x']",
        None,
        True,
    ),
    KeyCase(
        "dict-nested-read",
        "d = {'a': {'x': 1, 'y': 2}}",
        "d = {'a': {'x': 4, 'y': 2}}",
        "v = d['a']['x']",
        None,
        False,
    ),
    KeyCase("list-other-index", "xs = [1, 2, 3]", "xs = [1, 2, 4]", "y = xs[0]", None, True),
    KeyCase("list-read-index", "xs = [1, 2, 3]", "xs = [0, 2, 3]", "y = xs[0]", None, False),
    KeyCase(
        "tuple-of-arrays-other",
        NP + "t = (np.ones(3), np.zeros(3))",
        NP + "t = (np.ones(3), np.ones(3))",
        "y = t[0].sum()",
        None,
        True,
    ),
    KeyCase(
        "instance-other-attribute",
        "class C:\n    pass\nc = C(); c.a = 1; c.b = 2",
        "class C:\n    pass\nc = C(); c.a = 1; c.b = 3",
        "y = c.a",
        None,
        True,
    ),
    KeyCase(
        "runtime-key-other",
        "d = {'a': 1, 'b': 2}; k = 'a'",
        "d = {'a': 1, 'b': 3}; k = 'a'",
        "y = d[k]",
        None,
        True,
    ),
    KeyCase(
        "runtime-key-moved",
        "d = {'a': 1, 'b': 2}; k = 'a'",
        "d = {'a': 1, 'b': 2}; k = 'b'",
        "y = d[k]",
        None,
        False,
    ),
    KeyCase(
        "two-parts-other",
        "d = {'a': 1, 'b': 2, 'c': 3}",
        "d = {'a': 1, 'b': 2, 'c': 4}",
        "y = d['a'] + d['b']",
        None,
        True,
    ),
    KeyCase(
        "two-parts-read",
        "d = {'a': 1, 'b': 2, 'c': 3}",
        "d = {'a': 1, 'b': 5, 'c': 3}",
        "y = d['a'] + d['b']",
        None,
        False,
    ),
    # ---- what the object does not vouch for is digested whole
    KeyCase("property", PROPERTY + "c = C(1, 2)", PROPERTY + "c = C(1, 3)", "y = c.a", None, False),
    KeyCase(
        "property-below-a-key",
        PROPERTY + "d = {'k': C(1, 2)}",
        PROPERTY + "d = {'k': C(1, 3)}",
        "y = d['k'].a",
        None,
        False,
    ),
    KeyCase(
        "custom-getitem",
        LOOKUP + "m = M(a=1, b=2)",
        LOOKUP + "m = M(a=1, b=3)",
        "y = m['a']",
        None,
        False,
    ),
    KeyCase(
        "class-attribute",
        "class C:\n    a = 1\nc = C(); c.b = 2",
        "class C:\n    a = 2\nc = C(); c.b = 2",
        "y = c.a",
        None,
        False,
    ),
    KeyCase(
        "slots", SLOTTED_AB + "p = P(1, 2)", SLOTTED_AB + "p = P(1, 3)", "y = p.a", None, False
    ),
    KeyCase("missing-key", "cfg = {'b': 1}", "cfg = {'b': 2}", "y = cfg['a']", None, False),
    KeyCase(
        "also-read-whole",
        "cfg = {'a': 1, 'b': 2}",
        "cfg = {'a': 1, 'b': 3}",
        "y = cfg['a'] + len(cfg)",
        None,
        False,
    ),
    KeyCase(
        "read-whole-by-a-function",
        "cfg = {'a': 1, 'b': 2}\ndef f(): return cfg['b']",
        "cfg = {'a': 1, 'b': 3}\ndef f(): return cfg['b']",
        "y = cfg['a'] + f()",
        None,
        False,
    ),
    KeyCase(
        "read-by-a-function-of-the-cell",
        "cfg = {'a': 1, 'b': 2}",
        "cfg = {'a': 1, 'b': 3}",
        "def g(): return cfg['b']\ny = cfg['a'] + g()",
        None,
        False,
    ),
    KeyCase(
        "dict-subclass",
        "import collections\nd = collections.OrderedDict(a=1, b=2)",
        "import collections\nd = collections.OrderedDict(a=1, b=3)",
        "y = d['a']",
        None,
        False,
    ),
]


@pytest.mark.parametrize("by_parts", [False, True], ids=["whole", "parts"])
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_key(case: KeyCase, by_parts: bool) -> None:
    a = key_of(case.cell_a, namespace(case.setup_a), by_parts)
    b = key_of(case.cell_b or case.cell_a, namespace(case.setup_b), by_parts)
    assert (a == b) is case.same


@pytest.mark.parametrize("case", PART_CASES, ids=[c.id for c in PART_CASES])
def test_key_by_parts(case: KeyCase) -> None:
    a = key_of(case.cell_a, namespace(case.setup_a), by_parts=True)
    b = key_of(case.cell_b or case.cell_a, namespace(case.setup_b), by_parts=True)
    assert (a == b) is case.same
    if case.same:  # and only because of the parts: whole, the inputs differ
        assert key_of(case.cell_a, namespace(case.setup_a)) != key_of(
            case.cell_a, namespace(case.setup_b)
        )


def test_a_key_by_parts_is_not_the_key_of_the_whole() -> None:
    """Same namespace, same cell: the two keys must differ, or a run stored under one
    (which changed the part it read) could be restored through the other."""
    ns = namespace("cfg = {'a': 1}")
    parts = {"cfg": frozenset({("'a'",)})}
    assert cell_key("y = cfg['a']", ["cfg"], ns, parts) != cell_key("y = cfg['a']", ["cfg"], ns)
    assert partial_inputs(parts, ns) == {"cfg"}
    assert partial_inputs({"cfg": frozenset({("'z'",)})}, ns) == frozenset()  # missing: whole


def test_key_is_stable() -> None:
    ns = namespace(NP + "a = np.arange(5)")
    assert key_of("b = a", ns) == key_of("b = a", ns)


def test_numpy2_string_arrays_hit_by_content() -> None:
    """NumPy 2's variable-width strings keep pointers in the buffer: compared by element."""
    if not hasattr(np, "dtypes") or not hasattr(np.dtypes, "StringDType"):
        pytest.skip("StringDType is NumPy 2 only")  # pragma: no cover
    one = {"__name__": "__main__", "a": np.array(["x", "yy"], dtype=np.dtypes.StringDType())}
    two = {"__name__": "__main__", "a": np.array(["x", "yy"], dtype=np.dtypes.StringDType())}
    three = {"__name__": "__main__", "a": np.array(["x", "yz"], dtype=np.dtypes.StringDType())}
    assert key_of("b = a", one) == key_of("b = a", two) != key_of("b = a", three)


UNDIGESTABLE = [
    ("lock", "import threading\nx = threading.Lock()", "lock"),
    ("generator", "x = (i for i in range(3))", "generator"),
    ("function-with-eval", "def f(): return eval('1')\nx = f", "eval"),
]


@pytest.mark.parametrize(
    ("setup", "mentions"), [u[1:] for u in UNDIGESTABLE], ids=[u[0] for u in UNDIGESTABLE]
)
def test_undigestable_inputs_raise_naming_the_input(setup: str, mentions: str) -> None:
    with pytest.raises(Undigestable) as raised:
        key_of("y = x", namespace(setup))
    assert "x" in str(raised.value) and mentions in str(raised.value)


def test_block_keys_depend_on_the_name_and_the_body() -> None:
    ns = namespace("x = 1")
    base = block_key("a", "y = x", ["x"], ns)
    assert base == block_key("a", "y = x  # same", ["x"], ns)
    assert base != block_key("b", "y = x", ["x"], ns)
    assert base != block_key("a", "y = x + 1", ["x"], ns)


def test_function_keys_cover_arguments_and_globals() -> None:
    ns = namespace("k = 1\ndef f(a, b=0): return a + b + k")
    f = ns["f"]
    base = function_key(f, (1,), {})
    assert base == function_key(f, (1,), {})
    assert base != function_key(f, (2,), {})
    assert base != function_key(f, (1,), {"b": 0})  # as called, not as bound
    ns["k"] = 2
    assert base != function_key(f, (1,), {})


def test_keys_are_the_same_in_another_process() -> None:
    program = textwrap.dedent(
        """
        import numpy as np, pandas as pd
        from reflow.cache.keys import cell_key
        ns = {"__name__": "__main__"}
        exec("def f(x):\\n    return x * k\\nk = 3", ns)
        ns["a"] = np.arange(1000.0)
        ns["df"] = pd.DataFrame({"u": [1, 2], "v": ["p", "q"]})
        print(cell_key("y = f(a).sum() + len(df)", ["f", "a", "df", "k"], ns))
        """
    )
    keys = {
        subprocess.run(
            [sys.executable, "-c", program], capture_output=True, text=True, check=True
        ).stdout.strip()
        for _ in range(2)
    }
    assert len(keys) == 1 and len(next(iter(keys))) == 40


SLOTTED = "class P:\n    __slots__ = ('v',)\n    def __init__(self, v): self.v = v\n"


def test_instances_without_a_dict_key_on_their_class_code() -> None:
    """Such instances are pickled, and a pickle names a notebook class without its code."""
    main = sys.modules["__main__"]
    keys = []
    for method in ("def get(self): return self.v", "def get(self): return -self.v"):
        ns = namespace(f"{SLOTTED}    {method}\np = P(1)")
        main.P = ns["P"]  # type: ignore[attr-defined]  # a kernel's __main__ holds its classes
        try:
            keys.append(key_of("y = p.get()", ns))
        finally:
            del main.P  # type: ignore[attr-defined]
    assert keys[0] != keys[1]
