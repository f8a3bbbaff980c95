"""Property: fresh cells agree with a fresh run-all where objects are shared.

The families of ``test_run_all_equivalence.py`` hold one kind of object per name, and
their containers hold numbers. Here the objects hold lists that cells share and change
through every route at once: a dict's items (stores, ``update``, ``pop``), an object's
attributes (stores, methods that change ``self``), aliases a cell makes (``b = d``,
``b = d['k']``, ``b = o.xs``, ``b = d.get('j')``), changes through those aliases, and
calls through containers (``fs = [f]``, then ``fs[0](d['k'])``; ``fs = [o.add]``, a
bound method). Then the same random steps (add, edit, delete, move, run, run alone,
run all, run stale, mode switches), each cell checked against a fresh run of the
current cells (docs/semantics.md, "The promise").

Two smaller families follow: changes in place through a name only a cell below binds
(an out-of-order usage: `lst.append(1)` above `lst = get()`), where a run-all fails and
no object holds the change; and stores into the builtins module, which a name no
global binds reads. Then a family makes a module in a cell (`types.ModuleType`) and
stores into it and changes what it holds, with methods and functions reading a global
and calls through lists, dicts and the module itself; the last imports a module file,
which every import hands back as the cells left it, and changes what it holds through
the module, names bound to its objects, `from ... import`, notebook functions and the
module's own function.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from test_run_all_equivalence import (
    NAMES,
    cell_sources,
    check_mutable_against_run_all,
    exercise,
    settings_for,
    steps,
    tabled,
    tainted,
)

SHARED_NAMES = ["d", "o", "b", "fs", "v"]
SHARED_CLASS = (
    "class O:\n    def __init__(self, xs):\n        self.xs = xs\n"
    "    def add(self, k):\n        self.xs.append(k)\n"
    "    def reset(self):\n        self.xs = []\n"
    "    def __repr__(self):\n        return 'O' + repr(self.xs)"
)
SHARED_BINDERS = [
    SHARED_CLASS,
    "d = {'k': [0], 'j': [1]}\nrepr(d)",
    "o = O([0])\nrepr(o)",
    "def f(x):\n    x.append(9)",
    "fs = [f]\nlen(fs)",
]


def _shared_kinds() -> list[list[str]]:
    """Each cell: a statement, then the repr of the name it is about."""
    ks = range(3)

    def cells(rows: list[tuple[str, str]]) -> list[str]:
        return [f"{statement}\nrepr({shown})" for statement, shown in rows]

    binds = [(f"d = {{'k': [{k}]}}", "d") for k in ks]
    binds += [(f"o = O([{k}])", "o") for k in ks] + [("o = O(d['k'])", "o")]
    items = [(f"d['k'] = [{k}]", "d") for k in ks]
    items += [("d['j'] = d['k']", "d"), ("d['k'] = o.xs", "d"), ("del d['j']", "d")]
    items += [(f"d['k'].append({k})", "d") for k in ks]
    items += [(f"d.update(k=[{k}])", "d") for k in ks] + [("d.update(j=o.xs)", "d")]
    items += [("d.pop('k', None)", "d"), ("d.pop('j', None)", "d")]
    attributes = [(f"o.xs = [{k}]", "o") for k in ks] + [("o.xs = d['k']", "o")]
    attributes += [(f"o.add({k})", "o") for k in ks] + [("o.reset()", "o")]
    attributes += [(f"o.xs.append({k})", "o") for k in ks]
    aliases = [(f"b = {x}", "b") for x in ("d", "d['k']", "d['j']", "o.xs", "o", "fs")]
    aliases += [("b = d.get('j')", "b"), ("b = list(d['k'])", "b")]
    through = [(f"b.append({k})", "b") for k in ks] + [(f"b += [{k}]", "b") for k in ks]
    through += [(f"b['k'] = [{k}]", "b") for k in ks] + [("b.add(5)", "b"), ("b.clear()", "b")]
    calls = [(f"fs[0]({x})", x.split("[")[0].split(".")[0]) for x in ("d['k']", "o.xs", "b")]
    calls += [("fs = [f]", "fs"), ("fs = [o.add]", "fs"), ("fs.append(d['k'].append)", "fs")]
    calls += [(f"fs[-1]({k})", "fs") for k in ks] + [("fs = [f, f]", "fs")]
    calls += [("h = {'g': f}\nh['g'](d['k'])", "d"), ("for g in fs:\n    g(o.xs)", "o")]
    defs = [f"def f(x):\n    x.append({k})" for k in ks]
    defs += ["def f(x):\n    x.clear()", "def f(x):\n    d['k'] = x", "def f(x):\n    o.xs = x"]
    defs += [SHARED_CLASS, SHARED_CLASS.replace("self.xs.append(k)", "self.xs = self.xs + [k]")]
    reads = [(f"v = {x}", "v") for x in ("len(d['k'])", "sum(o.xs)", "repr(b)", "len(fs)")]
    reads += [("v = [len(x) for x in d.values()]", "v"), ("v = o.xs is d['k']", "v")]
    reads += [("v = d.get('j')", "v"), ("v = sorted(d)", "v")]
    tables = [binds, items, attributes, aliases, through, calls, reads]
    return [*(cells(table) for table in tables), defs]


shared_cell_sources = tabled(_shared_kinds())


_ADDRESS = re.compile(r" at 0x[0-9a-f]+")


def _plain(value: Any) -> Any:
    """A repr without the addresses in it (`<function f at 0x...>`): two runs' functions."""
    return _ADDRESS.sub("", value) if isinstance(value, str) else value


def check_shared(nb: Any) -> None:
    check_mutable_against_run_all(nb, SHARED_NAMES, plain=_plain)


# 600 sequences: about 20 seconds on two cores.
@settings_for(600)
@given(
    initial=st.lists(shared_cell_sources, min_size=1, max_size=6),
    actions=st.lists(steps(shared_cell_sources), max_size=14),
)
def test_shared_objects_match_a_fresh_run_all(
    initial: list[str], actions: list[tuple[str, Any, Any]]
) -> None:
    exercise(SHARED_BINDERS + initial, actions, check_shared, aliased=True)


# Out-of-order usages that change objects: `lst.append(1)` moved above `lst = get()`,
# where `get()` gives the list `C` holds, and `box` holds it too. A run-all fails at such
# a cell, so no object holds its change: the cells that bound the object, and their
# readers, must not be shown fresh with it (docs/semantics.md, "In order and any order").
ASTRAY_NAMES = ["C", "lst", "box", "n"]
ASTRAY_BINDERS = [
    "C = [0]\nrepr(C)",
    "def get():\n    return C",
    "lst = get()\nrepr(lst)",
    "box = [C]\nrepr(box)",
]


def _astray_kinds() -> list[list[str]]:
    ks = range(3)
    binds = [f"C = [{k}]\nrepr(C)" for k in ks] + ["def get():\n    return C"]
    binds += ["lst = get()\nrepr(lst)", "lst = C\nrepr(lst)", "lst = [5]\nrepr(lst)"]
    binds += ["box = [C]\nrepr(box)", "box = [lst]\nrepr(box)"]
    changes = [f"lst.append({k})\nrepr(lst)" for k in ks] + [f"C.append({k})\nrepr(C)" for k in ks]
    changes += [f"box[0].append({k})\nrepr(box)" for k in ks] + ["lst.clear()\nrepr(lst)"]
    reads = ["n = len(lst)\nn", "n = len(C)\nn", "n = sum(box[0])\nn", "n = C[-1]\nn"]
    reads += ["n = len(get())\nn"]
    return [binds, changes, reads]


astray_cell_sources = tabled(_astray_kinds())


def out_of_order_only(nb: Any) -> set[str]:
    """What ``tainted`` excuses, but only through bindings: the cells with an out-of-order
    usage, and the cells reading a name that the nearest cell above binding it (by its
    code, skipping cells in error, as a run-all goes on past them) binds out of order in
    turn. Not what such a cell changes in place, nor the edges its runs were seen to make
    by changing objects: that change must show as stale wherever it reaches."""
    cells = nb.cells
    graph = nb._graph
    bad = {c.id for c in cells if nb.out_of_order_usages(c.id)}
    binds = [graph.effects(c.id).analysis.defs for c in cells]
    grew = True
    while grew:
        grew = False
        for at, cell in enumerate(cells):
            if cell.id in bad:
                continue
            for name in graph.expanded(cell.id).refs:
                binder = _binder_above(cells, binds, at, name)
                if binder is not None and binder in bad:
                    bad.add(cell.id)
                    grew = True
                    break
    return bad


def _binder_above(cells: list[Any], binds: list[frozenset[str]], at: int, name: str) -> str | None:
    """The nearest cell above ``at`` whose code binds ``name``, past cells in error."""
    for index in range(at - 1, -1, -1):
        if name in binds[index] and not cells[index].error:
            return str(cells[index].id)
    return None


def check_astray(nb: Any) -> None:
    check_mutable_against_run_all(nb, ASTRAY_NAMES, excused=out_of_order_only)


# 300 sequences: about 10 seconds.
@settings_for(300)
@given(
    between=st.lists(astray_cell_sources, max_size=3),
    below=st.lists(astray_cell_sources, max_size=3),
    actions=st.lists(steps(astray_cell_sources), max_size=12),
)
def test_changes_through_out_of_order_names_match_a_fresh_run_all(
    between: list[str], below: list[str], actions: list[tuple[str, Any, Any]]
) -> None:
    # Cells between `C`'s binder and `lst = get()` read `lst` out of order from the start.
    # Soundness only: what is left stale here, a run may not bring up to date.
    initial = ASTRAY_BINDERS[:2] + between + ASTRAY_BINDERS[2:] + below
    exercise(initial, actions, check_astray, settles=False)


# Modules made in a cell (`types.ModuleType`), their attributes stored and changed in
# place (`m.attr = 1`, `m.lst.append(1)`, `setattr`), methods and functions reading a
# global (`def get(self): return g`), calls through containers (`fs[0](1)`, `d['f'](2)`,
# a bound method stored in a module), and aliases of objects and modules (`o2 = o`, `o2 =
# m`, then `o2.x = 1`).
MODULE_NAMES = ["m", "g", "o", "o2", "v", "fs", "d"]
MODULE_CLASS = (
    "class C:\n    def __init__(self):\n        self.x = 0\n"
    "    def get(self):\n        return g\n"
    "    def put(self, x):\n        self.x = x\n"
    "    def __repr__(self):\n        return 'C' + repr(self.x)"
)
NEW_MODULE = (
    "import types\nm = types.ModuleType('m')\nm.lst = [0]\nm.attr = 0\nrepr((m.attr, m.lst))"
)
MODULE_BINDERS = [
    NEW_MODULE,
    "g = 1\nrepr(g)",
    MODULE_CLASS,
    "o = C()\nrepr(o)",
    "def f(x):\n    return x + g",
    "fs = [f]\nd = {'f': f}\nrepr(len(fs))",
]


def _module_kinds() -> list[list[str]]:
    ks = range(3)

    def cells(rows: list[tuple[str, str]]) -> list[str]:
        return [f"{statement}\nrepr({shown})" for statement, shown in rows]

    binds = [(f"g = {k}", "g") for k in ks] + [("o = C()", "o"), ("o2 = o", "o2")]
    binds += [("o2 = m", "o2.attr"), ("g = m.attr", "g"), ("g = len(m.lst)", "g")]
    module = [(f"m.attr = {k}", "m.attr") for k in ks] + [(f"m.lst = [{k}]", "m.lst") for k in ks]
    module += [(f"m.lst.append({k})", "m.lst") for k in ks] + [("m.attr = g", "m.attr")]
    module += [("setattr(m, 'attr', 5)", "m.attr"), ("m.f = f", "m.attr"), ("m.o = o", "m.o")]
    module += [("m.f = o.get", "m.attr"), ("m.lst = o2.x", "m.lst"), ("del m.attr", "m.lst")]
    objects = [(f"o2.x = {k}", "o2") for k in ks] + [(f"o.put({k})", "o") for k in ks]
    objects += [("o.x = g", "o"), ("o.x = m.lst", "o"), ("o2.x.append(1)", "o2")]
    objects += [("o.put(m.lst)", "o"), ("C.get = lambda self: g * 2", "o")]
    calls = [("fs = [f]", "len(fs)"), ("fs = [o.get]", "len(fs)"), ("fs.append(m.f)", "len(fs)")]
    calls += [("d = {'f': f}", "len(d)"), ("d['f'] = o.put", "len(d)"), ("fs[0](7)", "o")]
    calls += [
        ("d['f'] = lambda x: x * g", "len(d)"),
        ("d['f'](m.lst)", "m.lst"),
        ("fs = [m.f]", "len(fs)"),
    ]
    defs = ["def f(x):\n    return x + g", "def f(x):\n    return x * 2"]
    defs += [
        "def f(x):\n    m.attr = x\n    return x",
        "def f(x):\n    m.lst.append(x)\n    return 0",
    ]
    defs += [MODULE_CLASS, MODULE_CLASS.replace("return g", "return g + m.attr")]
    reads = [("v = o.get()", "v"), ("v = fs[0](1)", "v"), ("v = d['f'](2)", "v")]
    reads += [
        ("v = m.attr", "v"),
        ("v = len(m.lst)", "v"),
        ("v = m.lst[-1]", "v"),
        ("v = o2.x", "v"),
    ]
    reads += [
        ("v = o.x", "v"),
        ("v = f(3)", "v"),
        ("v = [h(1) for h in fs]", "v"),
        ("v = m.f(1)", "v"),
    ]
    reads += [("v = m.o.get()", "v"), ("v = getattr(m, 'attr', None)", "v")]
    tables = [binds, module, objects, calls, reads]
    return [*(cells(table) for table in tables), defs]


module_cell_sources = tabled(_module_kinds())


def check_modules(nb: Any) -> None:
    check_mutable_against_run_all(nb, MODULE_NAMES, plain=_plain)


# 300 sequences: about 15 seconds.
@settings_for(300)
@given(
    initial=st.lists(module_cell_sources, min_size=1, max_size=6),
    actions=st.lists(steps(module_cell_sources), max_size=14),
)
def test_modules_and_methods_match_a_fresh_run_all(
    initial: list[str], actions: list[tuple[str, Any, Any]]
) -> None:
    exercise(MODULE_BINDERS + initial, actions, check_modules, aliased=True)


def usages_only(nb: Any) -> set[str]:
    """Only the cells with an out-of-order usage themselves, not what reads from them: a
    reader of what such a cell bound is stale (a run-all fails at both), never fresh."""
    return {c.id for c in nb.cells if nb.out_of_order_usages(c.id)}


# 600 sequences over the first family's ints and functions, whose out-of-order usages
# (`a += 0` above `a = 0`, `b = f(a)` above `def f`) are many: about 10 seconds.
@settings_for(600)
@given(
    initial=st.lists(cell_sources(), min_size=1, max_size=6),
    actions=st.lists(steps(cell_sources()), max_size=14),
)
def test_readers_of_out_of_order_cells_match_a_fresh_run_all(
    initial: list[str], actions: list[tuple[str, Any, Any]]
) -> None:
    exercise(
        initial, actions, lambda nb: check_mutable_against_run_all(nb, NAMES, excused=usages_only)
    )


# A module file a cell imports (`import rf_pi_mod as m`): an import gives the same module
# every time, so a change in place of what it holds stays until a restart, whichever
# way it is made: through the module (`m.lst.append(1)`), a name bound to its object (`e
# = m.lst`, then `e.append(1)`), a notebook function, a function of the module, `from
# rf_pi_mod import lst`; stores into its parts replace what they held (`m.d['p'] = g`,
# `m.d.update(p=g)`). The run-all it is checked against imports the module anew.
IMPORTED = "rf_pi_mod"
IMPORTED_SOURCE = "lst = [0]\nd = {'p': 0}\nattr = 0\ndef add(x):\n    lst.append(x)\n"
IMPORTED_NAMES = ["g", "v", "e", "h", "lst"]
IMPORTED_BINDERS = [
    f"import {IMPORTED} as m\nrepr(m.lst)",
    "g = 1\nrepr(g)",
    "def f(x):\n    m.lst.append(x)\n    return 0",
    "e = m.lst\nrepr(e)",
    "h = m.d\nrepr(h)",
]


def _imported_kinds() -> list[list[str]]:
    ks = range(3)

    def cells(rows: list[tuple[str, str]]) -> list[str]:
        return [f"{statement}\nrepr({shown})" for statement, shown in rows]

    module = [(f"m.lst.append({k})", "m.lst") for k in ks] + [("m.lst += [g]", "m.lst")]
    module += [(f"m.lst[0] = {k}", "m.lst") for k in ks] + [("m.lst.clear()", "m.lst")]
    module += [(f"m.d['p'] = {k}", "m.d") for k in ks] + [("m.d['q'] = g", "m.d")]
    module += [("m.d.update(p=g)", "m.d"), ("m.d.update({'q': g})", "m.d")]
    module += [(f"m.attr = {k}", "m.attr") for k in ks] + [("m.attr += 1", "m.attr")]
    module += [(f"m.add({k})", "m.lst") for k in ks] + [("m.lst = [g]", "m.lst")]
    module += [("m.d = {'p': g}", "m.d"), ("m.d.setdefault('r', []).append(g)", "m.d")]
    aliases = [(f"e.append({k})", "e") for k in ks] + [("e[0] = g", "e"), ("e = m.lst", "e")]
    aliases += [(f"h['p'] = {k}", "h") for k in ks] + [("h.update(q=g)", "h"), ("h = m.d", "h")]
    aliases += [("e = [g]", "e"), ("h.pop('q', None)", "h"), ("h['p'] += 1", "h")]
    aliases += [(f"from {IMPORTED} import lst", "lst"), ("lst.append(g)", "lst")]
    calls = [(f"f({k})", "m.lst") for k in ks] + [("v = f(g)", "v")]
    binds = [(f"g = {k}", "g") for k in ks] + [(f"import {IMPORTED} as m", "m.attr")]
    reads = [("v = len(m.lst)", "v"), ("v = m.d.get('p')", "v"), ("v = m.attr", "v")]
    reads += [("v = sorted(h)", "v"), ("v = list(e)", "v"), ("v = m.lst[-1]", "v")]
    defs = [
        "def f(x):\n    m.lst.append(x)\n    return 0",
        "def f(x):\n    m.d['p'] = x\n    return 0",
        "def f(x):\n    m.d.update(p=x + g)\n    return 0",
        "def f(x):\n    m.attr += x\n    return 0",
        "def f(x):\n    e.append(x)\n    return 0",
    ]
    tables = [module, aliases, calls, binds, reads]
    return [*(cells(table) for table in tables), defs]


imported_cell_sources = tabled(_imported_kinds())
_IMPORTED_DIR: list[str] = []


def own_imports_excused(nb: Any) -> set[str]:
    """``tainted``, and the cells that import the module themselves (or take a name from it)
    and read it below a cell that writes it (or any module), or changes anything in place,
    and is not fresh (`m.lst.append(0)` once `import m` is deleted): such a cell
    does not depend on the cells above that store into the module, nor on their edits and
    deletes (docs/semantics.md, "What reflow does not track")."""
    bad = tainted(nb)
    graph = nb._graph
    cells = nb.cells
    modules = set(graph.imported_names())
    for at, cell in enumerate(cells):
        own = graph.effects(cell.id).analysis.reads_own_imports
        if own and any(
            c.status != "fresh"
            and (
                not (own | modules).isdisjoint(graph.expanded(c.id).writes)
                or graph.expanded(c.id).mutates
            )
            for c in cells[:at]
        ):
            bad.add(cell.id)
        if any(c.status in ("never_run", "dirty") and ".add(" in c.code for c in cells[:at]):
            # A call of the module's function not run yet (`m.add(0)`): what it changes is
            # seen once it runs (docs/semantics.md, "What reflow does not track").
            bad.add(cell.id)
    return bad | graph.dependents(bad)


def check_imported(nb: Any) -> None:
    """What a run-all from a restart gives: the module imported anew (the notebook's own
    module is put back after)."""
    kept = sys.modules.pop(IMPORTED, None)
    try:
        check_mutable_against_run_all(nb, IMPORTED_NAMES, excused=own_imports_excused, plain=_plain)
    finally:
        if kept is not None:
            sys.modules[IMPORTED] = kept


# 300 sequences: about 15 seconds.
@settings_for(300)
@given(
    initial=st.lists(imported_cell_sources, min_size=1, max_size=6),
    actions=st.lists(steps(imported_cell_sources), max_size=14),
)
def test_imported_modules_match_a_fresh_run_all(
    initial: list[str], actions: list[tuple[str, Any, Any]]
) -> None:
    # Soundness only: a change stacked on another is stale until a restart.
    if not _IMPORTED_DIR:
        _IMPORTED_DIR.append(tempfile.mkdtemp(prefix="rf_pi_"))
        with open(os.path.join(_IMPORTED_DIR[0], f"{IMPORTED}.py"), "w") as file:
            file.write(IMPORTED_SOURCE)
    sys.path.insert(0, _IMPORTED_DIR[0])
    sys.modules.pop(IMPORTED, None)
    try:
        exercise(IMPORTED_BINDERS + initial, actions, check_imported, settles=False)
    finally:
        sys.path.remove(_IMPORTED_DIR[0])
        sys.modules.pop(IMPORTED, None)
