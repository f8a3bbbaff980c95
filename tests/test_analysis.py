"""Static analysis of one cell, one row per Python construct (docs/semantics.md).

Each row is: an id, the cell source, the expected ``refs`` and ``defs`` (as
space-separated names), and optionally any other field of ``CellAnalysis``.
Fields a row does not mention are not checked. Known gaps are rows marked
``xfail(strict=True)``: a to-do list that runs, as in Pluto's
ExpressionExplorer tests.
"""

from __future__ import annotations

import sys
import textwrap
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reflow.analysis import (
    BindingKind,
    CellAnalysis,
    Mutation,
    MutationKind,
    analyze,
    analyze_completed,
)
from reflow.analysis.purity import MUTATING_METHODS, PURE_METHODS

CONSTANT = BindingKind.CONSTANT
FUNCTION = BindingKind.FUNCTION
CLASS = BindingKind.CLASS
IMPORTED = BindingKind.IMPORTED
ITEM = MutationKind.ITEM_STORE
ATTR = MutationKind.ATTR_STORE
DEL_ITEM = MutationKind.ITEM_DELETE
DEL_ATTR = MutationKind.ATTR_DELETE
AUG = MutationKind.AUG_ASSIGN
CALL = MutationKind.METHOD_CALL


def row(
    id: str,
    source: str,
    refs: str = "",
    defs: str = "",
    *,
    xfail: str | None = None,
    **fields: Any,
) -> Any:
    """One construct: ``fields`` may give deletes, mutations, functions, closes_over, ..."""
    marks = [pytest.mark.xfail(reason=xfail, strict=True)] if xfail else []
    return pytest.param(textwrap.dedent(source), refs, defs, fields, id=id, marks=marks)


def names(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


BASICS = [
    row("name-read", "x", "x"),
    row("assign-then-read", "x = 1; print(x)", "print", "x"),
    row("read-then-assign", "print(x); x = 1", "print x", "x"),
    row("self-assign", "x = x + 1", "x", "x"),
    row("chained-assign", "a = b = c", "c", "a b"),
    row("tuple-swap", "a, b = b, a", "a b", "a b"),
    row("star-unpack", "a, *b = xs", "xs", "a b"),
    row("nested-unpack", "(a, [b, *c]) = v", "v", "a b c"),
    row("aug-assign-reads", "x += 1", "x", "x"),
    row("aug-assign-after-bind", "x = 0\nx += 1", "", "x"),
    row("ann-assign-binds", "x: int = 1", "int", "x"),
    row("ann-assign-bare", "x: T", "T", ""),
    row("ann-assign-lazy", "from __future__ import annotations\nx: T = 1", "", "x"),
    row("ann-assign-lazy-after-docstring", '"""doc"""\nfrom __future__ import annotations\nx: T'),
    row("ann-assign-value-first", "x: list = x", "list x", "x"),
    row("builtins-are-refs", "len(xs)", "len xs"),
    row("dunder-names", "__name__, __builtins__", "__name__ __builtins__"),
    row("ipython-names-not-special", "_ + Out[1] + In[0]", "_ Out In"),
    row("attribute-read", "a.b.c", "a"),
    row("fstring", "f'{x!r:{width}} {y}'", "x width y"),
    row("starred-call", "f(*a, **k)", "f a k"),
    row("slices", "x[a:b:c]", "x a b c"),
    row("assert", "assert x, msg", "x msg"),
    row("await-top-level", "await asyncio.sleep(t)", "asyncio t"),
    row("raise-from", "raise E(x) from err", "E x err"),
    row("print-if-else", "print(x) if x else y", "print x y"),
    row("dict-and-set-displays", "{a: b, **c}, {d, *e}", "a b c d e"),
    row("global-at-cell-level", "global x\nx = 1", "", "x"),
    row("walrus-top-level", "print(y := f())\ny", "print f", "y"),
]

IMPORTS = [
    row("import", "import os", "", "os"),
    row("import-dotted-binds-root", "import a.b.c", "", "a"),
    row("import-dotted-as", "import a.b as c", "", "c"),
    row("from-import-as", "from m import x as y, z", "", "y z"),
    row("relative-import", "from . import x", "", "x"),
    row("import-then-use", "import os\nos.path.join(a)", "a", "os"),
    row(
        "import-binds-a-module", "import numpy as np, os.path", "", "np os", imports=names("np os")
    ),
    row("from-import-may-bind-any-object", "from m import k", "", "k", imports=frozenset()),
    row("import-inside-function-is-local", "def f():\n import json", "", "f", imports=frozenset()),
    row("star-import", "from m import *", "", "", star_import=True),
    row("star-import-in-try", "try:\n from m import *\nexcept E:\n pass", "E", star_import=True),
    row("future-import-binds-nothing", "from __future__ import annotations", "", ""),
    row("no-star-import", "from m import x", "", "x", star_import=False),
]

BRANCHES = [
    row("if-maybe-bound", "if c:\n x = 1\nprint(x)", "c print x", "x"),
    row("if-both-branches", "if c:\n x = 1\nelse:\n x = 2\nprint(x)", "c print", "x"),
    row("if-other-branch-raises", "if c:\n x = 1\nelse:\n raise E\nprint(x)", "c E print", "x"),
    row("if-elif-partial", "if a:\n x = 1\nelif b:\n x = 2\nprint(x)", "a b print x", "x"),
    row("if-expression", "y = a if c else b", "a b c", "y"),
    row("if-expression-walrus-both", "(y := 1) if c else (y := 2)\nprint(y)", "c print", "y"),
    row("and-walrus-maybe", "c and (y := 1)\nprint(y)", "c print y", "y"),
    row("and-walrus-first-operand", "(y := f()) and y", "f", "y"),
    row("and-walrus-later-operand-sees-earlier", "c and (y := 1) and y", "c", "y"),
    row("walrus-in-if-test", "if (n := len(a)) > 1:\n pass\nprint(n)", "len a print", "n"),
]

LOOPS = [
    row("for-target", "for i in r:\n print(i)", "r print", "i"),
    row("for-target-maybe-unbound-after", "for i in r:\n pass\nprint(i)", "r print i", "i"),
    row("for-read-before-bind", "for i in r:\n y = x\n x = 1", "r x", "i x y"),
    row("for-bind-before-read", "for i in r:\n x = 1\n y = x", "r", "i x y"),
    row("for-else-no-break", "for i in r:\n pass\nelse:\n z = 1\nprint(z)", "r print", "i z"),
    row(
        "for-else-with-break",
        "for i in r:\n if i:\n  break\nelse:\n z = 1\nprint(z)",
        "r print z",
        "i z",
    ),
    row("for-continue", "for i in r:\n if i:\n  continue\n y = 1\nprint(y)", "r print y", "i y"),
    row("while", "while x:\n x = f(x)", "x f", "x"),
    row(
        "while-true-break",
        "while True:\n line = read()\n if line:\n  break\nprint(line)",
        "read print",
        "line",
    ),
    row("while-walrus-test", "while (chunk := read()):\n use(chunk)\nchunk", "read use", "chunk"),
    row("del-in-loop-next-iteration", "x = 1\nfor i in r:\n print(x)\n del x", "r print x", "x i"),
    row("async-for-top-level", "async for i in source:\n print(i)", "source print", "i"),
    row(
        "for-item-target",
        "for x[0] in r:\n pass",
        "r x",
        "",
        mutations=[("x", (0,), ITEM)],
    ),
    row("nested-loops", "for a in xs:\n for b in a:\n  t = b\nprint(t)", "xs print t", "a b t"),
]

TRY = [
    row("try-body-not-definite", "try:\n x = f()\nexcept E:\n pass\nprint(x)", "f E print x", "x"),
    row("try-both-paths-bind", "try:\n x = f()\nexcept E:\n x = None\nprint(x)", "f E print", "x"),
    row(
        "try-handler-reraises",
        "try:\n import foo\nexcept ImportError:\n raise\nfoo.bar",
        "ImportError",
        "foo",
    ),
    row("handler-sees-bound-before", "x = 1\ntry:\n pass\nexcept E:\n print(x)", "E print", "x"),
    row("handler-body-binding-unsure", "try:\n y = 1\nexcept E:\n print(y)", "E print y", "y"),
    row("except-as-not-a-def", "try:\n pass\nexcept E as e:\n print(e)", "E print", ""),
    row("except-as-unbound-after", "try:\n pass\nexcept E as e:\n pass\nprint(e)", "E print e", ""),
    row("except-as-rebound-in-handler", "try:\n pass\nexcept E as e:\n e = 5", "E", ""),
    row(
        "except-as-rebound-then-read",
        "try:\n pass\nexcept E as e:\n e = str(e)\n y = e",
        "E str",
        "y",
    ),
    row("except-as-bound-after-handler", "try:\n pass\nexcept E as e:\n e = 1\ne = 2", "E", "e"),
    row("except-as-bound-before-handler", "e = 1\ntry:\n pass\nexcept E as e:\n e = 2", "E", "e"),
    row(
        "try-else",
        "try:\n x = 1\nexcept E:\n raise\nelse:\n y = x\nprint(y)",
        "E print",
        "x y",
    ),
    row("try-finally-binds", "try:\n x = f()\nfinally:\n y = 1\nprint(x, y)", "f print", "x y"),
    row("finally-body-unsure", "try:\n x = f()\nfinally:\n print(x)", "f print x", "x"),
    row("try-star", "try:\n pass\nexcept* ValueError as eg:\n print(eg)", "ValueError print", ""),
    row("except-tuple", "try:\n pass\nexcept (A, B):\n pass", "A B"),
]

WITH = [
    row(
        "with-as", "with open(p) as fh:\n data = fh.read()\nprint(data)", "open p print", "fh data"
    ),
    row("with-items-in-order", "with a as x, b(x) as y:\n pass", "a b", "x y"),
    row("async-with", "async with lock:\n await f()", "lock f"),
    row("with-tuple-target", "with cm as (a, b):\n pass", "cm", "a b"),
    row(
        "with-suppress-may-skip",
        "with suppress(E):\n x = f()\nprint(x)",
        "suppress E f print x",
        "x",
        xfail="with bodies count as completing: suppress() cannot be told from open()",
    ),
]

FUNCTIONS = [
    row(
        "def-body-not-a-ref",
        "def f(a):\n return a + y",
        "",
        "f",
        functions={"f": ("y", "")},
        closes_over="y",
    ),
    row("def-defaults", "def f(a=b, *, k=c):\n pass", "b c", "f", functions={"f": ("", "")}),
    row("def-decorator", "@dec(arg)\ndef f():\n pass", "dec arg", "f"),
    row(
        "def-annotations", "def f(a: A, /, *args: B, k: K, **kw: C) -> R:\n pass", "A B K C R", "f"
    ),
    row(
        "def-annotations-lazy",
        "from __future__ import annotations\ndef f(a: A) -> R:\n pass",
        "",
        "f",
    ),
    row("async-def", "async def f():\n await g(y)", "", "f", functions={"f": ("g y", "")}),
    row(
        "def-params-shadow",
        "def f(x, *a, k, **kw):\n return x, a, k, kw",
        "",
        "f",
        functions={"f": ("", "")},
    ),
    row("def-local", "def f():\n y = 1\n return y", "", "f", functions={"f": ("", "")}),
    row(
        "def-local-assigned-later",
        "def f():\n print(y)\n y = 1",
        "",
        "f",
        functions={"f": ("print", "")},
    ),
    row(
        "def-local-annotation-makes-local",
        "def f():\n y: int\n return y",
        "",
        "f",
        functions={"f": ("", "")},
    ),
    row("def-local-import", "def f():\n import os\n return os", "", "f", functions={"f": ("", "")}),
    row(
        "def-recursive",
        "def fib(n):\n return fib(n - 1)",
        "",
        "fib",
        functions={"fib": ("fib", "")},
    ),
    row("def-used-in-cell-reads-body", "def f():\n return y\nf()", "y", "f"),
    row("def-used-after-binding", "def f():\n return y\ny = 1\nf()", "", "f y"),
    row(
        "def-call-chain-in-cell",
        "def g():\n return z\ndef f():\n return g()\nf()",
        "z",
        "f g",
        functions={"f": ("g", ""), "g": ("z", "")},
    ),
    row(
        "nested-def-free-names",
        "def f():\n a = 1\n def g():\n  return a + b\n return g",
        "",
        "f",
        functions={"f": ("b", "")},
    ),
    row("nested-lambda-param", "def f(a):\n return lambda: a", "", "f", functions={"f": ("", "")}),
    row(
        "nested-def-annotations-in-outer",
        "def f():\n def g(a: T = d):\n  pass",
        "",
        "f",
        functions={"f": ("T d", "")},
    ),
    row(
        "global-write",
        "def f():\n global counter\n counter += 1",
        "",
        "f",
        functions={"f": ("counter", "counter")},
    ),
    row("global-read", "def f():\n global x\n return x", "", "f", functions={"f": ("x", "")}),
    row(
        "global-in-nested",
        "def f():\n x = 1\n def g():\n  global x\n  x = 2",
        "",
        "f",
        functions={"f": ("", "x")},
    ),
    row(
        "nested-sees-outer-global-decl",
        "def f():\n global x\n def g():\n  return x",
        "",
        "f",
        functions={"f": ("x", "")},
    ),
    row(
        "nonlocal",
        "def f():\n x = 0\n def g():\n  nonlocal x\n  x += 1\n return g",
        "",
        "f",
        functions={"f": ("", "")},
    ),
    row("def-in-if", "if c:\n def f():\n  return y", "c", "f", functions={"f": ("y", "")}),
    row(
        "def-rebound-union",
        "def f():\n return a\ndef f():\n return b",
        "",
        "f",
        functions={"f": ("a b", "")},
    ),
    row(
        "def-comprehension-inside",
        "def f():\n return [x for x in y if x > t]",
        "",
        "f",
        functions={"f": ("y t", "")},
    ),
    row(
        "def-mutation-is-call-time",
        "def f():\n xs.append(1)",
        "",
        "f",
        mutations=[],
        functions={"f": ("xs", "")},
    ),
    row(
        "def-dynamic",
        "def f():\n return eval(s)",
        "",
        "f",
        dynamic=False,  # (its callers read any global: ``FunctionSummary.dynamic``)
        functions={"f": ("eval s", "")},
    ),
    row(
        "def-walrus-in-comprehension-is-local",
        "def f():\n [y := v for v in vs]\n return y",
        "",
        "f",
        functions={"f": ("vs", "")},
    ),
    row(
        "def-except-as-local",
        "def f():\n try:\n  pass\n except E as e:\n  return e",
        "",
        "f",
        functions={"f": ("E", "")},
    ),
    row(
        "def-match-capture-local",
        "def f(p):\n match p:\n  case [a, *rest]:\n   return a, rest",
        "",
        "f",
        functions={"f": ("", "")},
    ),
    row(
        "def-loop-then-later-call",
        "for i in r:\n if i:\n  f()\n def f():\n  return y",
        "r f y",
        "i f",
        xfail="a call on a later loop iteration of a function defined further down the body",
    ),
]

LAMBDAS = [
    row(
        "lambda-assigned",
        "f = lambda a: a + z",
        "",
        "f",
        functions={"f": ("z", "")},
        closes_over="z",
    ),
    row("lambda-default", "f = lambda a=b: a", "b", "f", functions={"f": ("", "")}),
    row(
        "lambda-annotated-assign",
        "f: Callable = lambda: z",
        "Callable",
        "f",
        functions={"f": ("z", "")},
    ),
    row(
        "lambda-argument",
        "xs.sort(key=lambda v: v[k])",
        "xs k",  # the sort calls the lambda now: the cell reads what its body reads
        "",
        closes_over="k",
        functions={},
        mutations=[("xs", (), CALL)],
    ),
    row(
        "lambda-rebound-union",
        "f = lambda: a\nf = lambda: b",
        "",
        "f",
        functions={"f": ("a b", "")},
    ),
    row(
        "lambda-in-comprehension-sees-var",
        "fs = [lambda: x for x in xs]",
        "xs",
        "fs",
        closes_over="",
    ),
    row("lambda-walrus", "(f := lambda: z)", "", "f", functions={"f": ("z", "")}),
]

CLASSES = [
    row("class-bases-keywords", "class A(Base, metaclass=M):\n pass", "Base M", "A"),
    row("class-body-reads", "class A:\n x = y", "y", "A"),
    row("class-body-sequential", "class A:\n y = 1\n z = y", "", "A"),
    row("class-body-forward-read", "class A:\n z = y\n y = 1", "y", "A"),
    row(
        "class-method-reads-global-not-class-attr",
        "class A:\n y = 1\n def m(self):\n  return y",
        "",
        "A",
        functions={"A": ("y", "")},
        closes_over="y",
    ),
    row("class-decorator", "@dataclass\nclass A:\n x: int = 0", "dataclass int", "A"),
    row(
        "class-method-decorator", "class A:\n @property\n def p(self):\n  return 1", "property", "A"
    ),
    row(
        "class-method-default-sees-class",
        "class A:\n k = 1\n def m(self, a=k):\n  return a",
        "",
        "A",
    ),
    row("class-comprehension-skips-class", "class A:\n y = 1\n zs = [y for _ in r]", "r y", "A"),
    row("class-comprehension-first-iter", "class A:\n xs = [1]\n ys = [x for x in xs]", "", "A"),
    row(
        "class-reads-own-name-in-method",
        "class A:\n def m(self):\n  return A()",
        "",
        "A",
        functions={"A": ("A", "")},
    ),
    row("class-body-reads-own-name", "class A:\n me = A", "A", "A"),
    row(
        "class-body-mutates-global",
        "class A:\n registry.append(1)",
        "registry",
        "A",
        mutations=[("registry", (), CALL)],
    ),
    row(
        "class-attr-mutation-not-global", "class A:\n xs = []\n xs.append(1)", "", "A", mutations=[]
    ),
    row(
        "class-in-function",
        "def f():\n class B:\n  y = 1\n  z = y + w\n return B",
        "",
        "f",
        functions={"f": ("w", "")},
    ),
    row("class-annotation", "class A:\n x: T", "T", "A"),
    row("class-annotation-lazy", "from __future__ import annotations\nclass A:\n x: T", "", "A"),
    row("class-if-in-body", "class A:\n if c:\n  y = 1\n z = y", "c y", "A"),
    row("nested-class-skips-outer", "class A:\n y = 1\n class B:\n  z = y", "y", "A"),
    row(
        "class-global-decl",
        "class A:\n global g\n g = 1",
        "",
        "A g",
    ),
    row(
        "class-used-in-cell-reads-methods",
        "class A:\n def m(self):\n  return y\nA().m()",
        "y",
        "A",
    ),
]

COMPREHENSIONS = [
    row("listcomp-reads-first-iter-outside", "[x for x in x]", "x", ""),
    row("listcomp-var-is-local", "[y for x in xs]", "y xs", ""),
    row("listcomp-var-does-not-leak", "[i for i in r]\nprint(i)", "r print i", ""),
    row("nested-generators", "[(a, b) for a in xs for b in a]", "xs", ""),
    row("second-iter-in-comprehension", "[b for a in xs for b in ys]", "xs ys", ""),
    row("comprehension-condition", "[a for a in xs if a > t]", "xs t", ""),
    row("dictcomp", "{k: v for k, v in d.items()}", "d", ""),
    row("setcomp", "{f(a) for a in xs}", "f xs", ""),
    row("genexp-deferred", "sum(a * k for a in xs)", "sum k xs", "", closes_over="k"),
    row("nested-comprehension", "[[c for c in row] for row in grid]", "grid", ""),
    row("walrus-in-comprehension", "[y := f(x) for x in xs]\nprint(y)", "f xs print y", "y"),
    row("walrus-in-first-iter", "[x for x in (ys := g())]\nprint(ys)", "g print", "ys"),
    row("walrus-in-nested-comprehension", "[[(t := c) for c in row] for row in m]", "m", "t"),
    row("async-comprehension", "[a async for a in source]", "source", ""),
    row(
        "comprehension-item-target",
        "[0 for x[0] in r]",
        "r x",
        "",
        mutations=[("x", (0,), ITEM)],
    ),
]

DELETES = [
    row("del-name", "del x", "x", "", deletes="x"),
    row("del-after-bind", "x = 1\ndel x", "", "x", deletes="x"),
    row("del-then-read", "x = 1\ndel x\nprint(x)", "print x", "x", deletes="x"),
    row("del-tuple", "del a, (b, c)", "a b c", "", deletes="a b c"),
    row("del-item", "del x[0]", "x", "", deletes="", mutations=[("x", (0,), DEL_ITEM)]),
    row("del-attr", "del x.a", "x", "", mutations=[("x", (".a",), DEL_ATTR)]),
    row(
        "del-in-function-not-cell",
        "def f():\n global g\n del g",
        "",
        "f",
        deletes="",
        functions={"f": ("", "g")},
    ),
    row(
        "except-as-deletes-global",
        "try:\n pass\nexcept E as e:\n pass",
        "E",
        "",
        deletes="e",
        xfail="Python's implicit `del e` after a handler is not reported as a delete",
    ),
]

MUTATIONS = [
    row("item-store", "x[0] = v", "v x", "", mutations=[("x", (0,), ITEM)]),
    row("attr-store", "x.a = v", "v x", "", mutations=[("x", (".a",), ATTR)]),
    row("deep-path", "x.a[1].b = v", "x v", "", mutations=[("x", (".a", 1, ".b"), ATTR)]),
    row("unknown-key", "x[k] = v", "x k v", "", mutations=[("x", (), ITEM)]),
    row("unknown-key-inside", "x.a[k].b = 1", "x k", "", mutations=[("x", (".a",), ATTR)]),
    row("str-key-as-repr", 'd["k"] = 1', "d", "", mutations=[("d", ("'k'",), ITEM)]),
    row("negative-index-unknown", "x[-1] = 1", "x", "", mutations=[("x", (), ITEM)]),
    row("bool-key-is-int", "x[True] = 1", "x", "", mutations=[("x", (1,), ITEM)]),
    row("float-key-unknown", "x[1.0] = 1", "x", "", mutations=[("x", (), ITEM)]),
    row("slice-store", "x[1:3] = v", "x v", "", mutations=[("x", (), ITEM)]),
    row("tuple-key-unknown", "a[0, 1] = 2", "a", "", mutations=[("a", (), ITEM)]),
    row("aug-item", "x[0] += 1", "x", "", mutations=[("x", (0,), AUG)]),
    row("aug-attr", "x.n += 1", "x", "", mutations=[("x", (".n",), AUG)]),
    row("method-call", "x.append(1)", "x", "", mutations=[("x", (), CALL)]),
    row("method-call-on-attr", "x.a.append(1)", "x", "", mutations=[("x", (".a",), CALL)]),
    row("method-call-on-item", "x[0].update(d)", "x d", "", mutations=[("x", (0,), CALL)]),
    row("unknown-method-not-here", "x.frobnicate(1)", "x", "", mutations=[]),
    row("pure-method", "df.sort_values('a')", "df", "", mutations=[]),
    row(
        "inplace-true",
        "df.drop(columns=['a'], inplace=True)",
        "df",
        "",
        mutations=[("df", (), CALL)],
    ),
    row("inplace-false", "df.drop(columns=['a'], inplace=False)", "df", "", mutations=[]),
    row(
        "inplace-variable",
        "df.fillna(0, inplace=flag)",
        "df flag",
        "",
        mutations=[("df", (), CALL)],
    ),
    row("torch-trailing-underscore", "t.add_(1)", "t", "", mutations=[("t", (), CALL)]),
    row("sklearn-fit", "model.fit(X, y)", "model X y", "", mutations=[("model", (), CALL)]),
    row("mutation-of-own-binding", "x = []\nx.append(1)", "", "x", mutations=[("x", (), CALL)]),
    row("mutation-in-loop", "for i in r:\n x[i] = i", "r x", "i", mutations=[("x", (), ITEM)]),
    row(
        "mutation-in-if-with-try",
        "if c:\n with m:\n  try:\n   x.a = 1\n  finally:\n   pass",
        "c m x",
        "",
        mutations=[("x", (".a",), ATTR)],
    ),
    row("mutation-in-tuple-target", "x[0], y = 1, 2", "x", "y", mutations=[("x", (0,), ITEM)]),
    row(
        "mutation-starred-target", "a, *x.rest = v", "v x", "a", mutations=[("x", (".rest",), ATTR)]
    ),
    row("comprehension-var-not-global", "[v.append(1) for v in vs]", "vs", "", mutations=[]),
    row(
        "comprehension-mutates-global",
        "[out.append(v) for v in vs]",
        "vs out",
        "",
        mutations=[("out", (), CALL)],
    ),
    row("call-result-receiver", "f().append(1)", "f", "", mutations=[]),
    row("lambda-body-mutation-deferred", "g = lambda: xs.append(1)", "", "g", mutations=[]),
    row(
        "mutations-deduplicated-in-order",
        "a[0] = 1\nb.x = 2\na[0] = 3\nb.x = 4",
        "a b",
        "",
        mutations=[("a", (0,), ITEM), ("b", (".x",), ATTR)],
    ),
    row(
        "chained-assign-mutation",
        "x.a = y[0] = 1",
        "x y",
        "",
        mutations=[("x", (".a",), ATTR), ("y", (0,), ITEM)],
    ),
    row("ann-assign-item-target", "x[0]: int = 1", "x int", "", mutations=[("x", (0,), ITEM)]),
    row("ann-assign-item-no-value", "x[0]: int", "x int", "", mutations=[]),
]

MATCH = [
    row("match-capture", "match p:\n case (a, b):\n  print(a)", "p print", "a b"),
    row("match-value-pattern", "match c:\n case Color.RED:\n  pass", "c Color", ""),
    row("match-class-keywords", "match p:\n case Point(x=0, y=yy):\n  pass", "p Point", "yy"),
    row(
        "match-star-and-as",
        "match s:\n case [first, *rest] as whole:\n  pass",
        "s",
        "first rest whole",
    ),
    row("match-mapping-rest", "match m:\n case {'k': v, **rest}:\n  pass", "m", "v rest"),
    row("match-guard", "match p:\n case a if a > lim:\n  pass", "p lim", "a"),
    row("match-not-exhaustive", "match p:\n case 1:\n  y = 1\nprint(y)", "p print y", "y"),
    row(
        "match-exhaustive",
        "match p:\n case 1:\n  y = 1\n case _:\n  y = 2\nprint(y)",
        "p print",
        "y",
    ),
    row("match-or-pattern", "match p:\n case (1, a) | (2, a):\n  print(a)", "p print", "a"),
    row(
        "match-capture-is-exhaustive",
        "match p:\n case 1:\n  y = 1\n case other:\n  y = other\nprint(y)",
        "p print",
        "y other",
    ),
    row("match-wildcard-binds-nothing", "match p:\n case [_, *_]:\n  pass", "p", ""),
]

DYNAMIC = [
    row("exec", "exec(code)", "exec code", "", dynamic=True),
    row("eval", "y = eval(s)", "eval s", "y", dynamic=True),
    row("globals-store", "globals()['x'] = 1", "globals", "", dynamic=True, mutations=[]),
    row("locals", "locals()", "locals", "", dynamic=True),
    row("vars-no-args", "vars()", "vars", "", dynamic=True),
    row("vars-with-arg", "vars(obj)", "vars obj", "", dynamic=False),
    row("dunder-import-not-dynamic", "__import__('os')", "__import__", "", dynamic=False),
    row("dynamic-in-lambda", "f = lambda: exec(c)", "", "f", dynamic=False),  # (its callers)
    row("plain-cell-not-dynamic", "y = x", "x", "y", dynamic=False),
]

CLOSES_OVER = [
    row("private-closed-over", "_k = 2\ndef f():\n return _k", "", "_k f", closes_over="_k"),
    row("private-not-closed-over", "_k = 2\ny = _k", "", "_k y", closes_over=""),
    row("class-body-read-not-closure", "class A:\n z = _k", "_k", "A", closes_over=""),
    row(
        "method-read-is-closure", "class A:\n def m(self):\n  return _k", "", "A", closes_over="_k"
    ),
    row("nested-lambda-closure", "def f():\n return lambda: _k", "", "f", closes_over="_k"),
]

# read_paths: refs read only through constant paths (an empty set: the binding only).
READ_PATHS = [
    row("path-item-read", "y = xs[0] + 1", "xs", "y", read_paths={"xs": frozenset({(0,)})}),
    row("path-key-read", "v = d['k']", "d", "v", read_paths={"d": frozenset({("'k'",)})}),
    row(
        "path-attribute-read", "lr = cfg.lr", "cfg", "lr", read_paths={"cfg": frozenset({(".lr",)})}
    ),
    row("path-nested-read", "v = x.a[1]", "x", "v", read_paths={"x": frozenset({(".a", 1)})}),
    row(
        "path-runtime-key-inner",
        "v = x[0][i]",
        "i x",
        "v",
        read_paths={"x": frozenset({(0, "$i")})},
    ),
    row("path-runtime-key", "v = x[i]", "i x", "v", read_paths={"x": frozenset({("$i",)})}),
    row("path-runtime-key-of-comprehension", "v = [x[i] for i in r]", "r x", "v", read_paths={}),
    row("path-runtime-key-expression", "v = x[i + 1]", "i x", "v", read_paths={}),
    row("path-store-reads-binding", "xs[1] = 5", "xs", "", read_paths={"xs": frozenset()}),
    # A slice store puts its items where the object's length and items say: it reads it.
    row("path-slice-store-reads-whole", "xs[1:2] = ys", "xs ys", "", read_paths={}),
    row("path-slice-in-a-tuple-store-reads-whole", "a[1:, 0] = 5", "a", "", read_paths={}),
    row(
        "path-slice-store-into-part",
        "x.a[1:] = []",
        "x",
        "",
        read_paths={"x": frozenset({(".a",)})},
    ),
    # `del d['k']` fails where there is no `d['k']`: it reads the part (as `+=` does).
    row("path-del-reads-its-part", "del d['k']", "d", "", read_paths={"d": frozenset({("'k'",)})}),
    row("path-del-attr-reads-its-part", "del o.a", "o", "", read_paths={"o": frozenset({(".a",)})}),
    row("path-store-into-part", "x.a[1] = 5", "x", "", read_paths={"x": frozenset({(".a",)})}),
    row("path-aug-reads-its-part", "c['k'] += 1", "c", "", read_paths={"c": frozenset({("'k'",)})}),
    row("path-and-whole-is-whole", "print(xs[0], xs)", "print xs", "", read_paths={}),
    row("path-method-receiver-is-whole", "v = d.get('k')", "d", "v", read_paths={}),
    row("path-receiver-part", "x.a.append(1)", "x", "", read_paths={"x": frozenset({(".a",)})}),
    row(
        "path-in-loop",
        "for _ in r:\n    t = xs[0]",
        "r xs",
        "_ t",
        read_paths={"xs": frozenset({(0,)})},
    ),
    row(
        "path-in-function-is-whole",
        "def f():\n    return xs[0]\ny = f()",
        "xs",
        "f y",
        read_paths={},
    ),
    row("path-negative-index-is-whole", "y = xs[-1]", "xs", "y", read_paths={}),
]

# What a call may change (issue 20 items 12 and 13): the names a cell only calls, what
# each binding binds (`bound_as`), and a class whose own code may change it (its summary
# names it: `changes`).
CALLS_AND_KINDS = [
    row("call-callee-is-called", "b = f(a)", "f a", "b", called="f", may_change="a f"),
    row("call-callee-also-handed-over", "f(f)", "f", "", called="", may_change="f"),
    row("call-callee-also-mutated", "f(1)\nf.n = 2", "f", "", called=""),
    row("call-in-a-body-is-called", "def h():\n    g(1)", "", "h", changes={"h": "g"}),
    row("call-of-a-loop-variable", "for g in fs:\n    g()", "fs", "g", called="g"),
    row("bound-before-a-call", "l = 1; x = f()", "f", "l x", bound_at_reads={"f": "l"}),
    row("bound-after-a-call", "x = f(); l = 1", "f", "x l", bound_at_reads={}),
    row("bound-on-one-branch", "if c:\n    l = 1\nx = f()", "c f", "l x", bound_at_reads={}),
    row(
        "bound-at-two-calls-intersects",
        "k = 0\nx = f()\nl = 1\ny = f()",
        "f",
        "k l x y",
        bound_at_reads={"f": "k"},
    ),
    row("bound-then-deleted", "l = 1\nx = f()\ndel l", "f", "l x", bound_at_reads={}),
    row(
        "bound-before-a-generator-runs",
        "l = 1\ng = (f() for _ in r)",
        "f r",
        "l g",
        bound_at_reads={},  # f is called when the generator runs; r is not called
    ),
    row(
        "bound-before-a-function-handed-over",
        "l = 1\nys = map(f, r)",
        "f map r",
        "l ys",
        bound_at_reads={"map": "l"},
    ),
    row(
        "bound-before-a-call-and-a-hand-over",
        "l = 1\nx = f()\nys = map(f, r)",
        "f map r",
        "l x ys",
        bound_at_reads={"map": "l x"},  # f: handed over once, so nothing
    ),
    row("kind-constant", "n = 5", "", "n", bound_as={"n": CONSTANT}),
    row(
        "kind-constant-expressions",
        "a, b = -1, (2 ** 10, 'x', None)\nc = f'{a}!' if a else 1.5",
        "",
        "a b c",
        bound_as={"a": CONSTANT, "b": CONSTANT, "c": CONSTANT},
    ),
    row("kind-bare-fstring-is-no-constant", "s = f'{x}'", "x", "s", bound_as={}),
    row("kind-starred-target-makes-a-list", "a, *b = 1, 2", "", "a b", bound_as={}),
    row("kind-list-is-no-constant", "xs = [1]", "", "xs", bound_as={}),
    row("kind-rebound-to-another-kind", "n = 1\nn = g()", "g", "n", bound_as={}),
    row("kind-ann-assign-constant", "n: int = 1", "int", "n", bound_as={"n": CONSTANT}),
    row("kind-function", "def f():\n    pass", "", "f", bound_as={"f": FUNCTION}),
    row("kind-lambda", "f = lambda: 1", "", "f", bound_as={"f": FUNCTION}),
    row("kind-decorated-function-unknown", "@d\ndef f():\n    pass", "d", "f", bound_as={}),
    row("kind-class", "class K:\n    pass", "", "K", bound_as={"K": CLASS}, changes={"K": ""}),
    row(
        "kind-dataclass",
        "@dataclass(frozen=True)\nclass K:\n    x: int = 0\n"
        "    ys: list = field(default_factory=list)",
        "dataclass int list field",
        "K",
        bound_as={"K": CLASS},
        changes={"K": ""},
    ),
    row("kind-decorated-class-unknown", "@d\nclass K:\n    pass", "d", "K", bound_as={}),
    row(
        "kind-imported",
        "from m import x, y as z",
        "",
        "x z",
        bound_as={"x": IMPORTED, "z": IMPORTED},
    ),
    row("kind-module-is-imports", "import m", "", "m", bound_as={}, imports=names("m")),
    row(
        "class-with-a-class-level-list-changes-itself",
        "class K:\n    made = []\n    def __init__(self):\n        self.made.append(self)",
        "",
        "K",
        changes={"K": "K"},
    ),
    row(
        "class-with-literal-attributes-does-not",
        "class K:\n    'doc'\n    n = 0\n    def __init__(self, v):\n        self.v = [v]",
        "",
        "K",
        changes={"K": ""},
    ),
    row(
        "class-reaching-itself-through-type-changes-itself",
        "class K:\n    def __init__(self):\n        type(self).n = 1",
        "",
        "K",
        changes={"K": "K"},
    ),
    row(
        "class-handing-its-instance-over-changes-itself",
        "class K:\n    def __init__(self):\n        register(self)",
        "",
        "K",
        changes={"K": "K register"},
    ),
    row(
        "class-with-a-classmethod-changes-itself",
        "class K:\n    @classmethod\n    def make(cls):\n        return cls()",
        "classmethod",
        "K",
        changes={"K": "K"},
    ),
    row("class-with-bases-changes-itself", "class K(B):\n    pass", "B", "K", changes={"K": "K"}),
    row(
        "class-storing-through-its-name",
        "class K:\n    n = 0\n    def __init__(self):\n        K.n += 1",
        "",
        "K",
        changes={"K": "K"},
    ),
]


def pairs(spaced: str) -> frozenset[tuple[str, str]]:
    """``"p:xs q:xs"`` as the pairs ``shares`` holds."""
    return frozenset((a, b) for a, _, b in (pair.partition(":") for pair in spaced.split()))


# Names bound by unpacking, a match capture or a `with` share with what they came from;
# an object reached through an expression that is no name path (`d.get("k")`, `f()`) may
# be any object the expression reaches.
SHARING_AND_REACH = [
    row("unpacking-shares", "p, q = xs", "xs", "p q", shares=pairs("p:xs q:xs")),
    row("starred-unpacking-shares", "p, *q = xs", "xs", "p q", shares=pairs("p:xs q:xs")),
    row("nested-unpacking-shares", "(a, [b, *c]) = v", "v", "a b c", shares=pairs("a:v b:v c:v")),
    row("unpacking-into-an-item-shares", "x[0], y = v", "x v", "y", shares=pairs("x:v y:v")),
    row("ann-assign-shares", "p: list = xs[0]", "list xs", "p", shares=pairs("p:xs")),
    row("aug-assign-shares", "xs += [p]", "xs p", "xs", shares=pairs("xs:p")),
    row("walrus-shares", "(ys := xs).append(1)", "xs", "ys", shares=pairs("ys:xs")),
    row("with-as-shares", "with box as b:\n    pass", "box", "b", shares=pairs("b:box")),
    row(
        "match-captures-share",
        "match xs:\n case [inner, *rest]:\n  pass",
        "xs",
        "inner rest",
        shares=pairs("inner:xs rest:xs"),
    ),
    row(
        "match-mapping-rest-shares",
        "match m:\n case {'k': v, **rest}:\n  pass",
        "m",
        "v rest",
        shares=pairs("v:m rest:m"),
    ),
    row(
        "a-loop-variable-bound-again-reaches-the-iterated",
        "for p in xs:\n    q = p\n    q.append(5)",
        "xs",
        "p q",
        shares=pairs("q:p"),
        may_change="p q xs",
    ),
    row(
        "except-as-reaches-what-the-try-body-raises",
        "try:\n raise err\nexcept E as e2:\n e2.data.append(1)",
        "err E",
        "",
        may_change="e2 err",
    ),
    row("receiver-reached-by-a-method", "d.get('k').append(1)", "d", "", may_change="d"),
    row("receiver-reached-by-a-builtin", "max(xs).append(1)", "max xs", "", may_change="xs"),
    row("store-reached-by-a-builtin", "min(xs)[0] += 1", "min xs", "", may_change="xs"),
    row("receiver-or", "(xs or ys).append(1)", "xs ys", "", may_change="xs ys"),
    row(
        "receiver-if-else-not-the-test",
        "(xs if c else ys).append(1)",
        "c xs ys",
        "",
        may_change="xs ys",
    ),
    row("receiver-in-a-display", "[xs][0].append(1)", "xs", "", may_change="xs"),
    row(
        "receiver-from-a-function-of-the-cell",
        "def get():\n    return xs\nget().append(1)",
        "xs",
        "get",
        may_change="get xs",
    ),
    row("unbound-method-receiver", "list.append(xs, 5)", "list xs", "", may_change="list xs"),
    row("method-got-by-getattr", "getattr(xs, 'append')(5)", "getattr xs", "", may_change="xs"),
    row("argument-reached-by-a-call", "f(max(xs))", "f max xs", "", may_change="f xs", called="f"),
    row("name-bound-to-a-call-result", "v = d.get('k')\nv.append(1)", "d", "v", may_change="d v"),
    row(
        # The twin: a class only called is `called`, no object its instance may hold.
        "name-bound-to-an-instance-calls-the-class",
        "d1 = OrderedDict()\nd1.update(a=1)",
        "OrderedDict",
        "d1",
        may_change="OrderedDict d1",
        called="OrderedDict",
    ),
    row(
        "loop-over-a-call-result",
        "for p in filter(None, xs):\n    p.append(1)",
        "filter xs",
        "p",
        may_change="p xs",
    ),
    row(
        "comprehension-variable-through-a-call",
        "[max(p).append(1) for p in xs]",
        "max xs",
        "",
        may_change="xs",
    ),
    row(
        "function-returning-a-global", "def get():\n    return xs", "", "get", changes={"get": "xs"}
    ),
    row("lambda-returning-a-global", "get = lambda: xs", "", "get", changes={"get": "xs"}),
    row("generator-yielding-a-global", "def g():\n    yield xs", "", "g", changes={"g": "xs"}),
    row("function-raising-a-global", "def g():\n    raise err", "", "g", changes={"g": "err"}),
    row(
        "function-unpacking-a-global",
        "def f():\n    p, q = xs\n    p.append(5)",
        "",
        "f",
        changes={"f": "xs"},
    ),
    row(
        "function-binding-a-part-of-a-global",
        "def f():\n    p = xs[0]\n    p.append(5)",
        "",
        "f",
        changes={"f": "xs"},
    ),
]

ROWS = (
    CALLS_AND_KINDS
    + READ_PATHS
    + BASICS
    + IMPORTS
    + BRANCHES
    + LOOPS
    + TRY
    + WITH
    + FUNCTIONS
    + LAMBDAS
    + CLASSES
    + COMPREHENSIONS
    + DELETES
    + MUTATIONS
    + MATCH
    + DYNAMIC
    + CLOSES_OVER
    + SHARING_AND_REACH
)


def check_fields(result: CellAnalysis, fields: dict[str, Any]) -> None:
    for key, expected in fields.items():
        if key == "changes":  # what calling each function or class may change
            got = {name: result.functions[name].may_change for name in expected}
            assert got == {name: names(n) for name, n in expected.items()}, key
            continue
        if key == "bound_at_reads":
            assert result.bound_at_reads == {n: names(b) for n, b in expected.items()}, key
            continue
        actual = getattr(result, key)
        if key in {"deletes", "closes_over", "called", "may_change"}:
            assert actual == names(expected), key
        elif key == "mutations":
            assert actual == tuple(Mutation(n, p, k) for n, p, k in expected), key
        elif key == "functions":
            got = {name: (s.reads, s.writes) for name, s in actual.items()}
            want = {name: (names(r), names(w)) for name, (r, w) in expected.items()}
            assert got == want, key
        else:
            assert actual == expected, key


@pytest.mark.parametrize(("source", "refs", "defs", "fields"), ROWS)
def test_construct(source: str, refs: str, defs: str, fields: dict[str, Any]) -> None:
    result = analyze(source)
    assert result.syntax_error is None
    assert result.refs == names(refs)
    assert result.defs == names(defs)
    check_fields(result, fields)


def test_rows_are_many_and_unique() -> None:
    ids = [p.id for p in ROWS]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 110


# -- not a row: errors, limits, versions ---------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "x = (",
        "def f(:\n pass",
        "x = 1\x00",
        "return 1",
        "yield x",
        "break",
        "nonlocal x",
        "class A:\n return 1",
        "[(yield) for _ in r]",
    ],
    ids=[
        "open-paren",
        "bad-def",
        "null-byte",
        "return-outside",
        "yield-outside",
        "break-outside",
        "nonlocal-at-cell",
        "return-in-class",
        "yield-in-comprehension",
    ],
)
def test_uncompilable_cell_has_no_effects(source: str) -> None:
    result = analyze(source)
    assert result.syntax_error is not None
    assert result.syntax_error.message
    assert (result.refs, result.defs, result.deletes, result.mutations) == (
        frozenset(),
        frozenset(),
        frozenset(),
        (),
    )


def test_syntax_error_position() -> None:
    error = analyze("x = 1\ny = (").syntax_error
    assert error is not None
    assert error.lineno == 2


def test_break_inside_loop_is_fine() -> None:
    assert analyze("for i in r:\n break").syntax_error is None


def test_too_deep_for_the_walk_is_coarse_but_sound() -> None:
    # Deep enough to overflow a recursive walk, shallow enough for the parser.
    result = analyze("y = " + " + ".join(["x"] * 2500))
    assert result.syntax_error is None
    assert "x" in result.refs
    assert "y" in result.defs


def test_never_raises_on_ten_thousand_small_cells() -> None:
    sources = [f"v{i} = v{i - 1} + 1" for i in range(10_000)]
    results = [analyze(s) for s in sources]
    assert results[5].refs == {"v4"}
    assert results[5].defs == {"v5"}


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_never_raises_on_any_text(source: str) -> None:
    assert isinstance(analyze(source), CellAnalysis)


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="type statements parse from 3.12 on")
def test_type_alias_is_a_syntax_error_before_312() -> None:
    assert analyze("type X = list[Y]").syntax_error is not None


@pytest.mark.skipif(sys.version_info < (3, 12), reason="PEP 695 syntax needs 3.12")
def test_type_alias_and_type_params() -> None:
    alias = analyze("type X[T] = list[T] | Y")
    assert (alias.refs, alias.defs) == (frozenset(), {"X"})
    assert alias.functions["X"].reads == {"list", "Y"}
    generic = analyze("def f[T](a: T, b: U) -> T:\n return a\nclass C[S](Base[S]):\n z: S")
    assert generic.refs == {"U", "Base"}
    assert generic.defs == {"f", "C"}


def test_purity_tables_are_disjoint_and_explained() -> None:
    assert not set(MUTATING_METHODS) & set(PURE_METHODS)
    assert all(reason.strip() for reason in (*MUTATING_METHODS.values(), *PURE_METHODS.values()))


# What a cell that raised at a line surely wrote: the statements that end above that line.
COMPLETED = [
    # (source, line that raised, defs, mutated names)
    ("a = 1\nb = a / 0\nc = 2", 2, {"a"}, set()),
    ("a = 1\nxs[0] = 1\nmissing", 3, {"a"}, {"xs"}),
    ("a = 1; b = 1 / 0", 1, set(), set()),  # same line: `a = 1` may be past, not known
    ("for i in range(3):\n    xs.append(i)\n    1 / 0", 3, set(), set()),  # not ended
    ("a = (1,\n     2)\nb = 1 / 0", 3, {"a"}, set()),  # a statement over two lines
    ("%%memoize\nv = 1\nw = 1 / 0", 3, {"v"}, set()),  # the blanked magic line counts
    ("a = (", 1, set(), set()),  # does not parse: nothing
]


@pytest.mark.parametrize(("source", "line", "defs", "mutated"), COMPLETED)
def test_what_a_failed_run_surely_wrote(
    source: str, line: int, defs: set[str], mutated: set[str]
) -> None:
    completed = analyze_completed(source, line)
    assert (completed.defs, completed.mutated_names) == (defs, mutated)


_BODY = "class Foo:\n    a = 1\n    def __init__(self):\n"
CONSTRUCTS = [
    ("spelled", _BODY + "        self.b = self.c", {"b", "c"}),
    (
        "a-method-it-calls",
        _BODY + "        self.setup()\n    def setup(self):\n        self.q = 0",
        {"setup", "q"},
    ),
    ("a-lambda-on-self", _BODY + "        self.f = lambda: self.z", {"f", "z"}),
    ("handed-to-a-call", _BODY + "        setup(self)", None),
    ("through-an-alias", _BODY + "        s = self\n        setup(s)", None),
    ("returned-by-a-method", _BODY + "        pass\n    def me(self):\n        return self", None),
    ("getattr", _BODY + "        self.b = getattr(self, 'a')", None),
    ("super", _BODY + "        super().__init__()", None),
    ("a-base", "class Foo(Base):\n    def __init__(self):\n        self.b = 1", None),
    ("a-decorator", "@dataclass\nclass Foo:\n    a: int = 1", None),
    ("a-metaclass", "class Foo(metaclass=M):\n    pass", None),
]


@pytest.mark.parametrize(
    ("source", "spelled"), [c[1:] for c in CONSTRUCTS], ids=[c[0] for c in CONSTRUCTS]
)
def test_what_making_an_instance_reads_of_its_class(source: str, spelled: set[str] | None) -> None:
    """`Foo()` reads the attributes the class's code spells, and the methods that make
    instances; anything (None) where other code may read the instance or the class."""
    constructs = analyze(source).functions["Foo"].constructs
    if spelled is None:
        assert constructs is None
    else:
        assert constructs is not None and spelled <= constructs
        assert {"__init__", "__new__"} <= constructs and "a" not in constructs


DYNAMIC_BODIES = [
    # Read only at a call: the callers read any global, the defining cell does not.
    ("eval-in-a-def", "def f():\n    return eval('a + 0')", False, {"f": True}),
    ("globals-in-a-lambda", "f = lambda: globals()['a']", False, {"f": True}),
    (
        "exec-in-a-nested-def",
        "def f():\n    def g():\n        exec('a')\n    return g",
        False,
        {"f": True},
    ),
    # ... unless the cell calls it, or it is a method: the class body may call it.
    ("eval-in-a-def-called", "def f():\n    return eval('a')\nb = f()", True, {"f": True}),
    (
        "eval-in-a-method",
        "class K:\n    def get(self):\n        return eval('a')",
        True,
        {"K": True},
    ),
    # Run when the cell runs, not at a call.
    ("eval-in-a-default", "def f(x=eval('a')):\n    return x", True, {"f": False}),
    ("eval-in-a-class-body", "class K:\n    x = eval('a')", True, {"K": False}),
    ("eval-in-a-lambda-no-name-holds", "xs = [lambda: eval('a')]", True, {}),
    # A function's own names, no global.
    ("vars-and-locals-in-a-def", "def f():\n    return vars(), locals()", False, {"f": False}),
]


@pytest.mark.parametrize(
    ("source", "cell", "expected"),
    [c[1:] for c in DYNAMIC_BODIES],
    ids=[c[0] for c in DYNAMIC_BODIES],
)
def test_a_body_using_exec_eval_or_globals_reads_any_global_when_called(
    source: str, cell: bool, expected: dict[str, bool]
) -> None:
    """`FunctionSummary.dynamic`: a call of the function may read any global, so its
    callers read every name (``Expanded.reads_all``), as a read its body spells makes
    them read that name; the defining cell reads them only where it may call it."""
    result = analyze(source)
    assert result.dynamic is cell
    assert {name: result.functions[name].dynamic for name in expected} == expected
