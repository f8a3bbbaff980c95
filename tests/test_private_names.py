"""any_order's private names: which uses of `_x` a cell's rewrite renames.

One row per construct: the cell's source, and the source after the rewrite
(``runtime.private``), for a cell with id ``c``. Only uses that resolve to the
notebook's globals are renamed; a function's own names, attributes and keyword
arguments are left alone.
"""

from __future__ import annotations

import ast

import pytest

from reflow.runtime.private import rename_private

ROWS = [
    ("cell-level-binding", "_x = 1\ny = _x", "_cell_c_x = 1\ny = _cell_c_x"),
    ("free-in-a-function", "def f():\n    return _x", "def f():\n    return _cell_c_x"),
    ("parameter-stays", "def f(_x):\n    return _x", "def f(_x):\n    return _x"),
    (
        "local-of-a-function-stays",
        "def f():\n    _t = 1\n    return _t",
        "def f():\n    _t = 1\n    return _t",
    ),
    (
        "global-statement-renames",
        "def f():\n    global _x\n    _x = 3",
        "def f():\n    global _cell_c_x\n    _cell_c_x = 3",
    ),
    (
        "private-function-name",
        "def _f():\n    pass\n_f()",
        "def _cell_c_f():\n    pass\n_cell_c_f()",
    ),
    ("lambda-free", "g = lambda v: v + _k", "g = lambda v: v + _cell_c_k"),
    ("lambda-parameter", "g = lambda _v: _v", "g = lambda _v: _v"),
    (
        "comprehension-target-stays",
        "ys = [_i * _k for _i in range(3)]",
        "ys = [_i * _cell_c_k for _i in range(3)]",
    ),
    ("attribute-stays", "o._x = _y", "o._x = _cell_c_y"),
    ("keyword-argument-stays", "f(_a=_b)", "f(_a=_cell_c_b)"),
    ("import-alias", "import math as _m", "import math as _cell_c_m"),
    ("from-import", "from os import _exit", "from os import _exit as _cell_c_exit"),
    (
        "except-name",
        "try:\n    pass\nexcept E as _e:\n    pass",
        "try:\n    pass\nexcept E as _cell_c_e:\n    pass",
    ),
    (
        "class-body-name-is-the-class-s",
        "class K:\n    _a = 1\n    b = _a",
        "class K:\n    _a = 1\n    b = _a",
    ),
    (
        "method-does-not-see-the-class-body",
        "class K:\n    _a = 1\n    def m(self):\n        return _a",
        "class K:\n    _a = 1\n\n    def m(self):\n        return _cell_c_a",
    ),
    (
        "nested-function-sees-the-enclosing-local",
        "def f():\n    _t = 1\n    def g():\n        return _t\n    return g",
        "def f():\n    _t = 1\n\n    def g():\n        return _t\n    return g",
    ),
    ("default-runs-in-the-cell", "def f(v=_d):\n    return v", "def f(v=_cell_c_d):\n    return v"),
    ("dunder-and-double-underscore-stay", "__v__ = __x", "__v__ = __x"),
    ("double-underscore-alone-is-private", "__ = 1", "_cell_c__ = 1"),
    (
        "walrus-in-a-comprehension-binds-the-cell",
        "[(_w := v) for v in r]",
        "[(_cell_c_w := v) for v in r]",
    ),
]


@pytest.mark.parametrize(("source", "expected"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_private_names_are_renamed_where_they_are_globals(source: str, expected: str) -> None:
    tree = ast.parse(source)
    rename_private(tree, "c")
    assert ast.unparse(tree) == ast.unparse(ast.parse(expected))
