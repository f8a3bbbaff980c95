"""The ``reflow`` command line, driven through a subprocess as a shell or CI would."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest

from formats_helpers import fixture
from reflow import Notebook
from reflow.cli import progress

DIAGNOSTIC = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<code>RF\d{3}) .+$")


def reflow(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reflow", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
    )


def copy(name: str, directory: Path) -> Path:
    target = directory / Path(name).name
    shutil.copy(fixture(name), target)
    return target


# ---- help -------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["", "run", "check", "export", "convert", "graph"])
def test_every_help_says_what_it_does_with_an_example(command: str) -> None:
    done = reflow(*([command] if command else []), "--help")
    assert done.returncode == 0
    assert "examples:" in done.stdout
    assert f"reflow {command}".strip() in done.stdout


def test_version_and_usage_errors() -> None:
    assert reflow("--version").stdout.startswith("reflow ")
    missing = reflow("run")
    assert missing.returncode == 2 and "the following arguments are required" in missing.stderr
    assert reflow("export", "x.ipynb", "--to", "pdf").returncode == 2


# ---- run --------------------------------------------------------------------------


def test_run_writes_outputs_back_and_prints_a_line_per_cell(tmp_path: Path) -> None:
    path = copy("ipynb/jupyter.ipynb", tmp_path)
    done = reflow("run", path)
    assert done.returncode == 1  # its last cell divides by zero
    lines = done.stdout.splitlines()
    assert re.fullmatch(r"\[1/4\] cell load \.\.\. ok \(\d+\.\d\ds\)", lines[0])
    assert lines[3].startswith("[4/4] cell oops ... error")
    saved = nbformat.read(path, as_version=4)
    nbformat.validate(saved)
    assert [c.execution_count for c in saved.cells if c.cell_type == "code"] == [1, 2, 3, 4]
    assert saved.cells[0].attachments  # markdown, raw and metadata are all still there
    assert saved.cells[2].cell_type == "raw"
    assert saved.metadata["custom_tool"] == {"setting": [1, 2]}


def test_a_failing_cell_is_named_with_its_traceback(tmp_path: Path) -> None:
    path = copy("ipynb/failing.ipynb", tmp_path)
    done = reflow("run", path)
    assert done.returncode == 1
    assert "cell [boom] (cell 2) failed:" in done.stderr
    assert "return a / 0" in done.stderr and "ZeroDivisionError" in done.stderr
    assert "not run, because a cell they depend on failed: cell [after] (cell 3)" in done.stderr
    outputs = {c.id: c.outputs for c in nbformat.read(path, as_version=4).cells}
    assert outputs["boom"][0]["ename"] == "ZeroDivisionError"
    assert outputs["free"][0]["text"] == "independent\n"


def test_run_to_another_file_leaves_the_notebook_alone(tmp_path: Path) -> None:
    path = copy("marimo/clean.py", tmp_path)
    before = path.read_bytes()
    done = reflow("run", path, "--out", tmp_path / "executed.ipynb")
    assert done.returncode == 0, done.stderr
    assert path.read_bytes() == before
    cells = nbformat.read(tmp_path / "executed.ipynb", as_version=4).cells
    assert cells[0].outputs[0]["text"] == "total: 10\n"  # run in dependency order
    assert [c.execution_count for c in cells] == [3, 2, 1, 4, 5, 6]


def test_run_of_a_text_notebook_does_not_rewrite_it(tmp_path: Path) -> None:
    path = copy("percent/vscode.py", tmp_path)
    before = path.read_bytes()
    assert reflow("run", path, "--quiet").returncode == 0
    assert path.read_bytes() == before


def test_direction_can_be_chosen(tmp_path: Path) -> None:
    path = copy("marimo/clean.md", tmp_path)
    assert reflow("run", path, "--direction", "in_order", "-q").returncode == 1
    assert reflow("run", path, "--direction", "any_order", "-q").returncode == 0


def test_the_bar_on_a_terminal_updates_one_line() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    nb = Notebook()
    nb.add("x = 1")
    nb.add("y = x + 1")
    stream = Terminal()
    reporter = progress.reporter_for(stream, len(nb))
    run = nb.run_all(observer=reporter)
    reporter.close(run)
    text = stream.getvalue()
    assert text.count("\n") == 1 and text.endswith("\n")
    assert "[####################] 2/2" in text and "2 ran in" in text


# ---- check ------------------------------------------------------------------------


def test_check_prints_editor_lines_and_exits_1() -> None:
    done = reflow(
        "check", "marimo/dataflow_rules.py", "percent/in_order_problems.py", cwd=fixture("")
    )
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    problems = [DIAGNOSTIC.match(line) for line in lines[:-1]]
    assert all(problems), lines
    codes = sorted({m.group("code") for m in problems if m})
    assert codes == ["RF001", "RF002", "RF003", "RF004", "RF005"]
    assert lines[-1] == "Found 9 problems in 2 files."


def test_check_json_and_a_clean_notebook() -> None:
    done = reflow(
        "check", "--format", "json", fixture("percent/star_import.py"), "--direction", "any_order"
    )
    (item,) = json.loads(done.stdout)
    assert item["code"] == "RF006" and item["name"] == "star-import"
    assert (item["line"], item["column"], item["cell"]) == (2, 1, "c1")
    clean = reflow("check", fixture("marimo/clean.md"))
    assert (clean.returncode, clean.stdout) == (0, "All checks passed.\n")


def test_check_reports_the_files_it_can_read_and_exits_2_for_the_others() -> None:
    done = reflow("check", fixture("bad/not_json.ipynb"), fixture("percent/star_import.py"))
    assert done.returncode == 2
    assert done.stderr.startswith("reflow: error: ") and "not valid JSON" in done.stderr


# ---- export, convert, graph -------------------------------------------------------


def test_export_script_puts_cells_in_run_order_and_runs(tmp_path: Path) -> None:
    script = tmp_path / "clean_script.py"
    done = reflow("export", fixture("marimo/clean.py"), "--to", "script", "-o", script)
    assert done.returncode == 0, done.stderr
    text = script.read_text()
    assert text.index("size = 5") < text.index("data = list") < text.index("total = sum")
    ran = subprocess.run([sys.executable, script], capture_output=True, text=True, check=True)
    assert ran.stdout == "total: 10\n"


def test_export_next_to_the_input_and_never_over_it(tmp_path: Path) -> None:
    path = copy("marimo/clean.md", tmp_path)
    assert reflow("export", path, "--to", "ipynb").returncode == 0
    assert Notebook.open(tmp_path / "clean.ipynb").cells[0].code.startswith("total")
    refused = reflow("export", path, "--to", "md")
    assert refused.returncode == 2 and "would overwrite" in refused.stderr
    shown = reflow("export", path, "--to", "py", "-o", "-")
    assert shown.stdout.startswith("# %% [markdown]\n# # A clean notebook\n")


def test_convert_ipynb_to_percent_that_jupytext_reads(tmp_path: Path) -> None:
    target = tmp_path / "jupyter.py"
    assert reflow("convert", fixture("ipynb/jupyter.ipynb"), target).returncode == 0
    cells = jupytext.read(target).cells
    original = nbformat.read(fixture("ipynb/jupyter.ipynb"), as_version=4).cells
    assert [(c.cell_type, c.source) for c in cells] == [(c.cell_type, c.source) for c in original]


def test_convert_refuses_to_write_marimo_py(tmp_path: Path) -> None:
    target = copy("marimo/clean.py", tmp_path)
    done = reflow("convert", fixture("ipynb/failing.ipynb"), target)
    assert done.returncode == 2 and "reads but does not write" in done.stderr


@pytest.mark.parametrize(
    ("format", "expected"),
    [
        ("mermaid", ["flowchart TD", "c3 -->|size| c2", "c2 -->|data| c1"]),
        ("dot", ['"c3" -> "c2" [label="size"];', "digraph notebook {"]),
        ("text", ["cell 2 [c2]: data = list(range(size))", "    <- cell 3 [c3]: size"]),
    ],
)
def test_graph_labels_edges_with_their_variables(format: str, expected: list[str]) -> None:
    done = reflow("graph", fixture("marimo/clean.py"), "--format", format)
    assert done.returncode == 0
    for line in expected:
        assert line in done.stdout


# ---- bad input ------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "bad/not_json.ipynb",
        "bad/not_notebook.ipynb",
        "bad/future.ipynb",
        "bad/unknown_cell.ipynb",
        "bad/notes.txt",
        "bad/binary.py",
        "bad/missing.ipynb",
        "bad",
    ],
)
@pytest.mark.parametrize("command", ["run", "graph"])
def test_bad_input_is_one_line_exit_2_and_nothing_written(
    tmp_path: Path, name: str, command: str
) -> None:
    source = fixture(name)
    target = tmp_path / source.name
    if source.is_file():
        shutil.copy(source, target)
    elif source.is_dir():
        target.mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())
    done = reflow(command, target)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith(f"reflow: error: {target}: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    if source.is_file():
        assert target.read_bytes() == source.read_bytes()


# ---- cache ------------------------------------------------------------------------


def test_cache_clear_max_size_evicts_least_recently_used(tmp_path: Path) -> None:
    import numpy as np

    from reflow.cache.disk import DiskStore
    from reflow.cache.entry import Entry, encode

    store = DiskStore(tmp_path / "cache")
    keys = [f"{n:0>40}" for n in (1, 2, 3)]
    for age, key in zip((3, 1, 2), keys, strict=True):  # keys[0] least recently used
        store.put(key, encode(Entry({"a": np.ones(100_000 // 8)}, label=key[-1])))
        manifest = tmp_path / "cache" / "entries" / key[:2] / key / "manifest.json"
        os.utime(manifest, (1e9 - age * 1000,) * 2)
    info = reflow("cache", "info", "--dir", tmp_path / "cache")
    assert "3 entries" in info.stdout and "(cap 20.0 GB)" in info.stdout
    done = reflow("cache", "clear", "--dir", tmp_path / "cache", "--max-size", "250K")
    assert done.returncode == 0, done.stderr
    assert "removed 1 entries" in done.stdout
    assert {e.key for e in store.entries()} == {keys[1], keys[2]}
    assert reflow("cache", "clear", "--dir", tmp_path / "cache", "--max-size", "0").returncode == 0
    assert list(store.entries()) == []


def test_cache_max_size_and_its_environment_variable(tmp_path: Path) -> None:
    bad = reflow("cache", "clear", "--dir", tmp_path, "--max-size", "huge")
    assert bad.returncode == 2 and "is not a size" in bad.stderr
    info = subprocess.run(
        [sys.executable, "-m", "reflow", "cache", "info", "--dir", str(tmp_path)],
        capture_output=True,
        text=True,
        env={**os.environ, "REFLOW_CACHE_MAX_BYTES": "5G"},
        timeout=60,
    )
    assert info.returncode == 0 and "(cap 5.0 GB)" in info.stdout
