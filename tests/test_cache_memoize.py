"""Memoized cells, cached functions and cached blocks, through the real Notebook and CLI.

"Did not run" is proved by a side effect the cached code has: it appends a
line to a log file, which a hit must not do.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import reflow
from reflow import Notebook
from reflow.analysis import analyze
from reflow.cache import CacheWarning, MemoryStore, run_memoized
from reflow.runtime.executor import Executor


@pytest.fixture
def log(tmp_path: Path) -> Path:
    return tmp_path / "log.txt"


def runs(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


def logged(log: Path, body: str) -> str:
    """A cell body that first appends to the log: proof that it ran."""
    return f"open({str(log)!r}, 'a').write('ran\\n')\n{body}"


def notebook(tmp_path: Path, *cells: str, **options: Any) -> Notebook:
    nb = Notebook(cache_dir=tmp_path / "cache", **options)
    for index, code in enumerate(cells):
        nb.add(code, id=f"c{index}")
    return nb


# ---- %%memoize --------------------------------------------------------------------------

MAGIC_CASES = [
    # (magic line, stdout on a hit: "line" (one short line), "replay+line", "")
    ("%%memoize", "line"),
    ("%%memoize --verbose", "replay+line"),
    ("%%memoize --quiet", ""),
    ("  %%memoize   -q", ""),
]


@pytest.mark.parametrize(("magic", "shown"), MAGIC_CASES, ids=[m for m, _ in MAGIC_CASES])
def test_memoized_cell_restores_values_and_output(
    tmp_path: Path, log: Path, magic: str, shown: str
) -> None:
    cells = (
        "n = 4",
        f"{magic}\n" + logged(log, "print('computing')\nxs = list(range(n))\nlen(xs)"),
    )
    first = notebook(tmp_path, *cells)
    first.run_all()
    assert runs(log) == 1 and first.cell("c1").stdout == "computing\n"
    assert not first.cell("c1").from_cache

    second = notebook(tmp_path, *cells)  # another session, same cache directory
    run = second.run_all()
    assert run.ok and runs(log) == 1
    cell = second.cell("c1")
    assert cell.from_cache and cell.status == "fresh"
    assert second["xs"] == [0, 1, 2, 3] and cell.output == 4
    if shown == "":
        assert cell.stdout == ""
    else:
        replay, _, line = cell.stdout.rpartition("[reflow]")
        assert line.startswith(" memoized: restored xs from the cache") and line.count("\n") == 1
        assert replay == ("computing\n" if shown == "replay+line" else "")


def test_memoized_cell_misses_when_an_input_changes(tmp_path: Path, log: Path) -> None:
    nb = notebook(
        tmp_path, "import numpy as np\na = np.arange(10)", "%%memoize\n" + logged(log, "s = a * 2")
    )
    nb.run_all()
    nb.edit("c0", "import numpy as np\na = np.arange(11)")
    nb.run("c0")  # reactive: c1 re-runs, and must really run
    assert runs(log) == 2 and len(nb["s"]) == 11
    nb.edit("c0", "import numpy as np\na = np.arange(10)  # equal to the first array")
    nb.run("c0")
    assert runs(log) == 2 and nb.cell("c1").from_cache and len(nb["s"]) == 10


NOTEBOOK_FUNCTION_CASES = [
    ("same", "def f(v): return v * k", "k = 2", True),
    ("comment-only", "def f(v):\n    # doubled\n    return v * k", "k = 2", True),
    ("function-code", "def f(v): return v * k + 1", "k = 2", False),
    ("function-global", "def f(v): return v * k", "k = 3", False),
]


@pytest.mark.parametrize(
    ("function", "constant", "hits"),
    [c[1:] for c in NOTEBOOK_FUNCTION_CASES],
    ids=[c[0] for c in NOTEBOOK_FUNCTION_CASES],
)
def test_called_notebook_functions_are_part_of_the_key(
    tmp_path: Path, log: Path, function: str, constant: str, hits: bool
) -> None:
    memoized = "%%memoize\n" + logged(log, "y = f(21)")
    notebook(tmp_path, "k = 2", "def f(v): return v * k", memoized).run_all()
    second = notebook(tmp_path, constant, function, memoized)
    second.run_all()
    assert runs(log) == (1 if hits else 2)
    assert second.cell("c2").from_cache is hits
    assert second["y"] == second["f"](21)


def test_a_hit_reruns_its_readers_and_keeps_statuses(tmp_path: Path, log: Path) -> None:
    nb = notebook(tmp_path, "n = 2", "%%memoize\n" + logged(log, "m = n * 10"), "p = m + 1")
    nb.run_all()
    nb.edit("c0", "n = 3")
    nb.run("c0")
    nb.edit("c0", "n = 2")
    run = nb.run("c0")
    assert run.ran == ["c0", "c1", "c2"] and runs(log) == 2
    assert nb.cell("c1").from_cache and nb["p"] == 21
    assert [c.status for c in nb.cells] == ["fresh"] * 3


def test_mutating_a_restored_array_does_not_change_the_cache(tmp_path: Path, log: Path) -> None:
    cells = (
        "%%memoize\n" + logged(log, "import numpy as np\nbig = np.zeros(2_000_000)"),
        "big[0] = 7",
    )
    notebook(tmp_path, *cells).run_all()
    second = notebook(tmp_path, *cells)
    second.run_all()
    assert second.cell("c0").from_cache and second["big"][0] == 7
    third = notebook(tmp_path, *cells[:1])
    third.run_all()
    assert third.cell("c0").from_cache and third["big"][0] == 0 and runs(log) == 1


def test_a_cell_that_raises_is_not_stored(tmp_path: Path, log: Path) -> None:
    cells = ("%%memoize\n" + logged(log, "x = 1\n1 / 0"),)
    notebook(tmp_path, *cells).run_all()
    run = notebook(tmp_path, *cells).run_all()
    assert "c0" in run.errors and runs(log) == 2


def test_a_mutating_cell_restores_what_it_changed(tmp_path: Path, log: Path) -> None:
    cells = ("xs = [1, 2]", "%%memoize\n" + logged(log, "xs.append(3)\ndel_me = 1\ndel del_me"))
    notebook(tmp_path, *cells).run_all()
    second = notebook(tmp_path, *cells)
    second.run_all()
    assert second.cell("c1").from_cache and second["xs"] == [1, 2, 3] and "del_me" not in second


UNCACHEABLE = [
    (
        "unfingerprintable-input",
        "import threading\nlock = threading.Lock()",
        "y = str(lock)[:1]",
        "lock",
    ),
    ("unpicklable-result", "", "import threading\nlock2 = threading.Lock()", "cannot be pickled"),
    ("exec", "", "exec('y = 1')", "exec"),
]


@pytest.mark.parametrize(
    ("setup", "body", "message"), [u[1:] for u in UNCACHEABLE], ids=[u[0] for u in UNCACHEABLE]
)
def test_uncacheable_cells_run_every_time_with_one_warning(
    tmp_path: Path, log: Path, setup: str, body: str, message: str
) -> None:
    nb = notebook(tmp_path, setup, "%%memoize\n" + logged(log, body), "z = 0")
    with pytest.warns(CacheWarning, match=message) as caught:
        nb.run_all()
        nb.run("c1")
        nb.run("c1")
    assert runs(log) == 3  # never from the cache
    assert not nb.cell("c1").from_cache and nb.cell("c1").error is None
    assert len([w for w in caught if issubclass(w.category, CacheWarning)]) == 1


def test_memoize_magic_with_bad_arguments_is_a_cell_error(tmp_path: Path) -> None:
    nb = notebook(tmp_path, "%%memoize --fast\nx = 1")
    run = nb.run_all()
    assert "c0" in run.errors and "--quiet or --verbose" in run.errors["c0"].message


ANALYSIS_ROWS = [
    ("%%memoize\ny = x + 1", {"x"}, {"y"}, None),
    ("\n%%memoize --verbose\nimport numpy as np\nz = np.ones(n)", {"n"}, {"np", "z"}, None),
    ("%%time\ny = x", set(), set(), "invalid syntax"),
    ("%%memoize --both -q\ny = 1", set(), set(), "takes --quiet or --verbose"),
]


@pytest.mark.parametrize(("code", "refs", "defs", "error"), ANALYSIS_ROWS)
def test_analysis_reads_the_body_of_a_memoized_cell(
    code: str, refs: set[str], defs: set[str], error: str | None
) -> None:
    analysis = analyze(code)
    assert analysis.refs == refs and analysis.defs == defs
    if error is None:
        assert analysis.syntax_error is None
    else:
        assert analysis.syntax_error is not None and error in analysis.syntax_error.message


def test_memoized_cell_tracebacks_keep_line_numbers(tmp_path: Path) -> None:
    nb = notebook(tmp_path, "%%memoize\nx = 1\nraise ValueError('line three')")
    error = nb.run_all().errors["c0"]
    assert error.traceback is not None and "line 3" in error.traceback


# ---- a whole notebook on disk -------------------------------------------------------------


def test_a_notebook_cached_on_disk_reopens_without_recomputing(tmp_path: Path, log: Path) -> None:
    path = tmp_path / "analysis.py"
    path.write_text(
        "# %%\nimport numpy as np\nimport time\n\n"
        f"# %%\n{logged(log, 'time.sleep(0.2)')}\n"
        "data = np.arange(1_000_000) % 7\nprint('loaded')\n\n"
        "# %%\ndef summary(a):\n    return int(a.sum())\n\n"
        "# %%\ntotal = summary(data)\ntotal\n"
    )
    first = Notebook.open(path, cache="disk")
    first.run_all()
    assert runs(log) == 1
    second = Notebook.open(path, cache="disk")
    second.run_all()
    assert runs(log) == 1
    assert all(c.from_cache for c in second.cells[1:])
    assert (tmp_path / ".reflow" / "cache" / "entries").is_dir()  # beside the notebook
    assert (
        second["total"] == first["total"] and second.cell(second.cells[3]).output == second["total"]
    )
    assert second.cell(second.cells[1]).stdout == "loaded\n"  # replayed as it was, no notice
    assert second["summary"](np.arange(3)) == 3  # a restored function still works


def test_memory_cache_for_every_cell(tmp_path: Path, log: Path) -> None:
    nb = notebook(tmp_path, "n = 1", logged(log, "m = n + 1"), cache="memory")
    nb.run_all()
    nb.edit("c0", "n = 2")
    nb.run("c0")
    nb.edit("c0", "n = 1")
    nb.run("c0")
    assert runs(log) == 2 and nb.cell("c1").from_cache
    assert not (tmp_path / "cache").exists()


def test_cache_setting_is_checked() -> None:
    with pytest.raises(ValueError, match="cache must be"):
        Notebook(cache="everything")


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reflow", *args], cwd=cwd, capture_output=True, text=True
    )


def test_reflow_run_cache_across_processes(tmp_path: Path, log: Path) -> None:
    path = tmp_path / "nb.py"
    path.write_text(
        f"# %%\nn = 3\n\n# %%\n{logged(log, 'import time')}\n"
        "squares = [i * i for i in range(n)]\nsquares\n"
    )
    outputs = []
    for _ in range(2):
        done = run_cli("run", "nb.py", "--cache", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert runs(log) == 1
    assert "0 of 2 cells restored" in outputs[0] and "2 of 2 cells restored" in outputs[1]
    info = run_cli("cache", "info", "-v", cwd=tmp_path)
    assert info.returncode == 0 and "2 entries" in info.stdout and "cell c" in info.stdout
    kept = run_cli("cache", "clear", "--older-than", "7d", cwd=tmp_path)
    assert "removed 0 entries" in kept.stdout
    cleared = run_cli("cache", "clear", cwd=tmp_path)
    assert "removed 2 entries" in cleared.stdout
    assert run_cli("run", "nb.py", "--cache", cwd=tmp_path).returncode == 0 and runs(log) == 2


def test_cache_cli_rejects_a_bad_age(tmp_path: Path) -> None:
    done = run_cli("cache", "clear", "--older-than", "soon", cwd=tmp_path)
    assert done.returncode == 2 and "not an age" in done.stderr


# ---- @reflow.cache and @reflow.persistent_cache --------------------------------------------

DECORATED = """
import reflow
LOG = {log!r}
scale = {scale}

@reflow.{decorator}
def work(xs, offset=0):
    # why: stands for an expensive computation
    open(LOG, "a").write("ran\\n")
    return [x * scale + offset for x in xs]
"""


def test_cached_function_in_a_notebook(tmp_path: Path, log: Path) -> None:
    nb = notebook(
        tmp_path, DECORATED.format(log=str(log), scale=2, decorator="cache"), "a = work([1, 2])"
    )
    nb.run_all()
    nb.add("b = work([1, 2])\nc = work([1, 2], offset=1)\nd = work(xs=[1, 2])")
    nb.run_all()
    assert runs(log) == 3  # [1,2]; offset=1; xs= by keyword is another call
    assert nb["a"] == nb["b"] == [2, 4] and nb["c"] == [3, 5]
    nb.edit("c0", DECORATED.format(log=str(log), scale=3, decorator="cache"))
    nb.run("c0")  # a global the function reads changed: its readers run, and miss
    assert nb["a"] == [3, 6] and runs(log) >= 4


def test_persistent_function_cache_across_notebooks(tmp_path: Path, log: Path) -> None:
    cells = (DECORATED.format(log=str(log), scale=2, decorator="persistent_cache"), "a = work([5])")
    notebook(tmp_path, *cells).run_all()
    second = notebook(tmp_path, *cells)
    second.run_all()
    assert runs(log) == 1 and second["a"] == [10]


def test_cached_function_outside_a_notebook(tmp_path: Path, log: Path) -> None:
    where = str(log)  # a closure over a str: a list that grows would change the key

    @reflow.cache(max_bytes=10_000_000)
    def double(a: np.ndarray) -> np.ndarray:
        with open(where, "a") as stream:
            stream.write("ran\n")
        return a * 2

    first = double(np.arange(5))
    first[0] = 100  # the caller's copy: later hits are not affected
    again = double(np.arange(5))
    assert runs(log) == 1 and again.tolist() == [0, 2, 4, 6, 8]
    double(np.arange(6))
    assert runs(log) == 2


def test_a_closure_that_changes_changes_the_key() -> None:
    calls: list[int] = []

    @reflow.cache
    def count() -> int:
        calls.append(1)
        return len(calls)

    assert (count(), count(), count()) == (1, 2, 3)  # what calls holds is an input


def test_persistent_cache_decorator_with_a_directory(tmp_path: Path, log: Path) -> None:
    where = str(log)

    @reflow.persistent_cache(dir=tmp_path / "fn-cache")
    def square(v: int) -> int:
        with open(where, "a") as stream:
            stream.write("ran\n")
        return v * v

    assert square(4) == 16 and square(4) == 16 and runs(log) == 1
    assert (tmp_path / "fn-cache" / "entries").is_dir()


def test_cached_function_with_unfingerprintable_arguments_warns_once() -> None:
    import threading

    @reflow.cache
    def name(lock: Any) -> str:
        return type(lock).__name__

    with pytest.warns(CacheWarning, match="calls of .*name are not cached") as caught:
        name(threading.Lock())
        name(threading.Lock())
    assert len(caught) == 1


def test_cache_rejects_what_it_cannot_decorate() -> None:
    with pytest.raises(TypeError, match="decorates a function or names a block"):
        reflow.cache(3)  # type: ignore[call-overload]


# ---- with reflow.persistent_cache("name"): ------------------------------------------------

BLOCK = """
import reflow
n = {n}
with reflow.{kind}("squares") as block:
    open({log!r}, "a").write("ran\\n")
    squares = [i * i for i in range(n)]
    total = sum(squares)
after = total + 1
"""


@pytest.mark.parametrize("kind", ["persistent_cache", "cache"])
def test_cached_block_skips_its_body_on_a_hit(tmp_path: Path, log: Path, kind: str) -> None:
    code = BLOCK.format(n=4, log=str(log), kind=kind)
    first = notebook(tmp_path, code)
    first.run_all()
    assert runs(log) == 1 and first["after"] == 15 and not first["block"].hit
    second = notebook(tmp_path, code)  # a new session: disk (or this process's memory)
    second.run_all()
    assert runs(log) == 1 and second["squares"] == [0, 1, 4, 9] and second["after"] == 15
    assert second["block"].hit
    third = notebook(tmp_path, BLOCK.format(n=5, log=str(log), kind=kind))
    third.run_all()
    assert runs(log) == 2 and third["total"] == 30


def test_a_block_that_raises_is_not_stored(tmp_path: Path, log: Path) -> None:
    code = textwrap.dedent(
        f"""
        import reflow
        with reflow.persistent_cache("boom"):
            open({str(log)!r}, "a").write("ran\\n")
            x = 1 / 0
        """
    )
    for _ in range(2):
        assert "c0" in notebook(tmp_path, code).run_all().errors
    assert runs(log) == 2


def test_blocks_inside_functions_are_not_rewritten(tmp_path: Path, log: Path) -> None:
    code = textwrap.dedent(
        f"""
        import reflow
        def f():
            with reflow.persistent_cache("inner"):
                open({str(log)!r}, "a").write("ran\\n")
                v = 2
            return v
        r = f()
        """
    )
    with pytest.warns(CacheWarning, match="runs every time"):
        for _ in range(2):
            notebook(tmp_path, code).run_all()
    assert runs(log) == 2


def test_a_context_manager_that_is_not_reflows_is_left_alone(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """
        import contextlib
        @contextlib.contextmanager
        def cache(name):
            yield name.upper()
        with cache("x") as c:
            y = c
        """
    )
    nb = notebook(tmp_path, code)
    assert nb.run_all().ok and nb["y"] == "X"


def test_block_transformer_works_for_a_host_executor(tmp_path: Path, log: Path) -> None:
    """What IPython does with ``shell.ast_transformers``: the same transformer, another runner."""
    from reflow.cache import CachedBlockTransformer

    code = BLOCK.format(n=3, log=str(log), kind="persistent_cache")
    for _ in range(2):
        namespace: dict[str, Any] = {"__name__": "__main__"}
        executor = Executor(namespace)
        executor.transformers.append(CachedBlockTransformer())
        from reflow.cache.location import CACHE_DIR

        token = CACHE_DIR.set(str(tmp_path / "host-cache"))
        try:
            assert executor.execute(code, "<host cell>").error is None
        finally:
            CACHE_DIR.reset(token)
        assert namespace["after"] == 6
    assert runs(log) == 1


# ---- inputs read in part: keyed by the parts ------------------------------------------------


def test_a_cell_reading_a_part_is_restored_when_another_part_changed(
    tmp_path: Path, log: Path
) -> None:
    cell = "%%memoize\n" + logged(log, "y = d['a'] * 10")
    notebook(tmp_path, "d = {'a': 1, 'b': 2}", cell).run_all()
    other_part = notebook(tmp_path, "d = {'a': 1, 'b': 3}", cell)
    other_part.run_all()
    assert other_part.cell("c1").from_cache and other_part["y"] == 10 and runs(log) == 1
    read_part = notebook(tmp_path, "d = {'a': 2, 'b': 3}", cell)
    read_part.run_all()
    assert not read_part.cell("c1").from_cache and read_part["y"] == 20 and runs(log) == 2


def test_every_cell_cached_reads_parts_too(tmp_path: Path, log: Path) -> None:
    cells = ("cfg = {'lr': 0.1, 'epochs': 3}", logged(log, "steps = [cfg['epochs']] * 2"))
    notebook(tmp_path, *cells, cache="disk").run_all()
    again = notebook(tmp_path, "cfg = {'lr': 0.5, 'epochs': 3}", cells[1], cache="disk")
    again.run_all()
    assert again.cell("c1").from_cache and again["steps"] == [3, 3] and runs(log) == 1


@pytest.mark.parametrize(
    "body",
    ["d['c'] = d['a']", "x = d['a']\nx.append(1)", "d['a'].append(1)"],
    ids=["a-store", "through-an-alias", "a-method"],
)
def test_a_cell_changing_what_it_reads_in_part_is_kept_under_the_whole(
    tmp_path: Path, log: Path, body: str
) -> None:
    """The stored ``d`` holds ``d['b']`` too: restored for another ``d['b']``, it would
    bring the old one back."""
    cell = "%%memoize\n" + logged(log, body)
    first = notebook(tmp_path, "d = {'a': [0], 'b': 2}", cell)
    first.run_all()
    expected = dict(first["d"])
    other_part = notebook(tmp_path, "d = {'a': [0], 'b': 3}", cell)
    other_part.run_all()
    assert not other_part.cell("c1").from_cache and other_part["d"]["b"] == 3
    assert runs(log) == 2
    same = notebook(tmp_path, "d = {'a': [0], 'b': 2}", cell)
    same.run_all()
    assert same.cell("c1").from_cache and same["d"] == expected and runs(log) == 2


def test_a_property_read_is_keyed_on_the_whole_object(tmp_path: Path, log: Path) -> None:
    setup = "class C:\n    def __init__(self, b): self.b = b\n"
    setup += "    @property\n    def a(self): return self.b\n"
    cell = "%%memoize\n" + logged(log, "y = c.a")
    notebook(tmp_path, setup + "c = C(1)", cell).run_all()
    changed = notebook(tmp_path, setup + "c = C(2)", cell)
    changed.run_all()
    assert not changed.cell("c1").from_cache and changed["y"] == 2 and runs(log) == 2


def test_a_part_read_of_an_input_that_cannot_be_fingerprinted_whole(
    tmp_path: Path, log: Path
) -> None:
    """Its part has a key, but whether the run changed the rest cannot be told: not stored."""
    cells = ("import threading\nd = {'a': 1, 'lock': threading.Lock()}", logged(log, "y = d['a']"))
    for _ in range(2):
        nb = notebook(tmp_path, *cells, cache="memory")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")  # c0 warns too: a lock cannot be pickled
            nb.run_all()
        assert any("cannot tell whether the run changed it" in str(w.message) for w in caught)
        assert not nb.cell("c1").from_cache and nb["y"] == 1
    assert runs(log) == 2


def test_run_memoized_keys_parts(log: Path) -> None:
    store = MemoryStore()
    namespace: dict[str, Any] = {"__name__": "__main__", "d": {"a": 1, "b": 2}}
    executor = Executor(namespace)

    def execute(body: str) -> Any:
        return executor.execute(body, "<kernel cell>")

    code = "%%memoize\n" + logged(log, "y = d['a'] + 1")
    assert not run_memoized(code, namespace, execute, store).hit
    namespace["d"] = {"a": 1, "b": 7}
    assert run_memoized(code, namespace, execute, store).hit and runs(log) == 1
    namespace["d"] = {"a": 5, "b": 7}
    assert not run_memoized(code, namespace, execute, store).hit and namespace["y"] == 6


# ---- the memory tier in front of a notebook's disk -------------------------------------------


def test_a_disk_notebook_keeps_on_its_disk_what_memory_already_held(
    tmp_path: Path, log: Path
) -> None:
    """Another notebook of the process computed the cells: their hits come from memory,
    and the entries must reach this notebook's directory all the same."""
    from reflow.cache.disk import DiskStore

    path = tmp_path / "nb.py"
    path.write_text(f"# %%\nn = 3\n\n# %%\n{logged(log, 'squares = [i * i for i in range(n)]')}\n")
    Notebook.open(path, cache="memory").run_all()
    on_disk = Notebook.open(path, cache="disk")
    on_disk.run_all()
    assert all(c.from_cache for c in on_disk.cells) and runs(log) == 1
    assert len(list(DiskStore(tmp_path / ".reflow" / "cache").entries())) == 2
    done = run_cli("run", "nb.py", "--cache", cwd=tmp_path)  # a new process: memory is empty
    assert done.returncode == 0, done.stderr
    assert "2 of 2 cells restored" in done.stdout and runs(log) == 1


def test_the_cache_setting_can_change_on_an_open_notebook(tmp_path: Path, log: Path) -> None:
    nb = notebook(tmp_path, "n = 2", logged(log, "m = n + 1"))
    assert nb.cache is None
    nb.run_all()
    nb.cache = "disk"
    nb.run_all()  # stored now
    nb.run_all()
    assert nb.cache == "disk" and nb.cell("c1").from_cache and runs(log) == 2
    nb.cache = None
    nb.run_all()
    assert not nb.cell("c1").from_cache and runs(log) == 3
    with pytest.raises(ValueError, match="cache must be"):
        nb.cache = "everything"


# ---- the seam for a host's %%memoize (the Jupyter kernel) -----------------------------------


def test_run_memoized_seam(log: Path) -> None:
    store = MemoryStore()
    namespace: dict[str, Any] = {"__name__": "__main__", "n": 3}
    executor = Executor(namespace)

    def execute(body: str) -> Any:
        return executor.execute(body, "<kernel cell>")

    code = "%%memoize --verbose\n" + logged(log, "print('hi')\nm = n * 2\nm")
    first = run_memoized(code, namespace, execute, store)
    assert not first.hit and first.key is not None and first.execution.output == 6
    del namespace["m"]
    second = run_memoized(code, namespace, execute, store)
    assert second.hit and namespace["m"] == 6 and second.execution.output == 6
    assert second.execution.stdout.startswith("hi\n[reflow] memoized")
    assert runs(log) == 1
    namespace["n"] = 4
    assert not run_memoized(code, namespace, execute, store).hit and runs(log) == 2


def test_no_warnings_for_a_plain_notebook(tmp_path: Path) -> None:
    nb = notebook(tmp_path, "x = 1", "y = x + 1")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert nb.run_all().ok
    assert not (tmp_path / "cache").exists()  # no memoized cell, no cache directory


# ---- what a hit restores: exactly what the run bound ------------------------------------------


def test_a_binding_not_taken_is_not_restored(tmp_path: Path, log: Path) -> None:
    """``y`` comes from another cell when the branch is not taken: a hit must not freeze it."""
    cells = ("y = 1", "flag = False", "%%memoize\n" + logged(log, "if flag:\n    y = 2\nz = 3"))
    notebook(tmp_path, *cells).run_all()
    second = notebook(tmp_path, "y = 5", *cells[1:])
    second.run_all()
    assert second.cell("c2").from_cache and runs(log) == 1
    assert second["y"] == 5 and second["z"] == 3


def test_a_binding_to_the_same_object_is_restored(tmp_path: Path, log: Path) -> None:
    cells = ("x = [1]", "y = x", "%%memoize\n" + logged(log, "y = x"), "y.append(2)")
    notebook(tmp_path, *cells).run_all()
    second = notebook(tmp_path, *cells[:3])
    second.run_all()
    assert second.cell("c2").from_cache and second["y"] == [1]


def test_a_change_through_an_alias_is_not_stored(tmp_path: Path, log: Path) -> None:
    cells = ("a = []\nb = a", "%%memoize\n" + logged(log, "a.append(1)"))
    with pytest.warns(CacheWarning, match="changes `b` without reading it"):
        notebook(tmp_path, *cells).run_all()
    second = notebook(tmp_path, "a = []\nb = [7]", cells[1])
    second.run_all()
    assert not second.cell("c1").from_cache and second["b"] == [7] and runs(log) == 2


def test_a_block_binding_not_taken_is_not_restored(tmp_path: Path, log: Path) -> None:
    block = textwrap.dedent(
        f"""
        import reflow
        with reflow.persistent_cache("maybe"):
            open({str(log)!r}, "a").write("ran\\n")
            if flag:
                y = 2
            gone = 1
            del gone
        """
    )
    notebook(tmp_path, "y = 1\nflag = False", block).run_all()
    second = notebook(tmp_path, "y = 5\nflag = False\ngone = 0", block)
    second.run_all()
    assert runs(log) == 1 and second["y"] == 5 and "gone" not in second


# ---- optional dependencies ------------------------------------------------------------------


def test_a_notebook_cached_at_an_fsspec_url(tmp_path: Path, log: Path) -> None:
    from reflow.cache.location import memory_store

    url = f"file://{tmp_path}/remote-cache"
    cells = ("import numpy as np", logged(log, "a = np.arange(5) * 2"))
    for _ in range(2):
        memory_store().clear()  # this process's memory tier: every hit must come from the URL
        nb = Notebook(cache="disk", cache_dir=url)
        for index, code in enumerate(cells):
            nb.add(code, id=f"c{index}")
        nb.run_all()
    assert runs(log) == 1
    assert nb.cell("c1").from_cache and nb["a"].tolist() == [0, 2, 4, 6, 8]
    assert list((tmp_path / "remote-cache" / "entries").rglob("*.entry"))


def test_without_cloudpickle_data_is_cached_and_functions_are_a_warning(tmp_path: Path) -> None:
    program = textwrap.dedent(
        f"""
        import sys, warnings
        sys.modules["cloudpickle"] = None  # as if it were not installed
        from reflow import Notebook
        warnings.simplefilter("always")
        for _ in range(2):
            nb = Notebook(cache_dir={str(tmp_path)!r})
            data = nb.add("%%memoize\\nxs = [1, 2, 3]")
            fn = nb.add("%%memoize\\ndef f(): return 1")
            nb.run_all()
            print(nb.cell(data).from_cache, nb.cell(fn).from_cache, nb["f"]())
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["False False 1", "True False 1"]
    assert "cannot be pickled" in done.stderr
