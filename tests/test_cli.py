"""The ``reflow`` command line, driven through a subprocess as a shell or CI would."""

from __future__ import annotations

import base64
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
        stdin=subprocess.DEVNULL,  # not a terminal: nobody to ask before overwriting
    )


def copy(name: str, directory: Path) -> Path:
    target = directory / Path(name).name
    shutil.copy(fixture(name), target)
    return target


# ---- help -------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["", "run", "check", "export", "convert", "graph", "app"])
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


def test_run_writes_outputs_beside_the_notebook_and_prints_a_line_per_cell(
    tmp_path: Path,
) -> None:
    path = copy("ipynb/jupyter.ipynb", tmp_path)
    before = path.read_bytes()
    done = reflow("run", path)
    assert done.returncode == 1  # its last cell divides by zero
    lines = done.stdout.splitlines()
    assert re.fullmatch(r"\[1/4\] cell load \.\.\. ok \(\d+\.\d\ds\)", lines[0])
    assert lines[1].startswith("[2/4] cell total ... ok")
    assert lines[2] == "summing"  # what the cell printed, under its line
    assert lines[4].startswith("[4/4] cell oops ... error")
    out = tmp_path / "jupyter.out.ipynb"
    assert lines[5] == f"wrote {out}"
    assert path.read_bytes() == before  # the notebook itself is left as it was
    saved = nbformat.read(out, as_version=4)
    nbformat.validate(saved)
    assert [c.execution_count for c in saved.cells if c.cell_type == "code"] == [1, 2, 3, 4]
    assert saved.cells[0].attachments  # markdown, raw and metadata are all still there
    assert saved.cells[2].cell_type == "raw"
    assert saved.metadata["custom_tool"] == {"setting": [1, 2]}
    assert saved.metadata["reflow"]["run_of"] == "jupyter.ipynb"
    # The next run replaces its own output; --inplace writes into the notebook.
    assert reflow("run", path, "-q").returncode == 1
    inplace = reflow("run", path, "--inplace")
    assert inplace.stdout.splitlines()[-1] == f"wrote {path}"
    cells = nbformat.read(path, as_version=4).cells
    assert [c.execution_count for c in cells if c.cell_type == "code"] == [1, 2, 3, 4]


def test_run_leaves_a_file_it_did_not_write_where_its_output_goes(tmp_path: Path) -> None:
    path = copy("ipynb/jupyter.ipynb", tmp_path)
    (tmp_path / "jupyter.out.ipynb").write_text("{}")
    done = reflow("run", path)
    assert done.returncode == 2
    assert "jupyter.out.ipynb: already exists; add --force to overwrite it" in done.stderr
    assert (tmp_path / "jupyter.out.ipynb").read_text() == "{}"
    assert reflow("run", path, "--force", "-q").returncode == 1  # (its last cell fails)
    assert "cells" in json.loads((tmp_path / "jupyter.out.ipynb").read_text())


def test_inplace_and_a_text_notebook(tmp_path: Path) -> None:
    path = copy("percent/vscode.py", tmp_path)
    done = reflow("run", path, "--inplace")
    assert done.returncode == 2
    assert "--inplace: a text notebook has no place for outputs; use --out" in done.stderr
    both = reflow("run", path, "--inplace", "-o", tmp_path / "x.ipynb")
    assert both.returncode == 2 and "not allowed with argument" in both.stderr


def test_a_failing_cell_is_named_with_its_traceback(tmp_path: Path) -> None:
    path = copy("ipynb/failing.ipynb", tmp_path)
    done = reflow("run", path, "--inplace")
    assert done.returncode == 1
    assert "cell [boom] (code cell 2) failed:" in done.stderr
    assert "return a / 0" in done.stderr and "ZeroDivisionError" in done.stderr
    assert (
        "not run, because a cell they depend on failed: cell [after] (code cell 3)" in done.stderr
    )
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


PLOTTING = """\
# %% [markdown]
# # Squares

# %%
%matplotlib inline
import matplotlib.pyplot as plt
n = 6

# %%
print(f"the largest square is {(n - 1) ** 2}")
plt.plot([i * i for i in range(n)])
plt.show()
"""


def test_export_html_runs_first_and_keeps_the_outputs_plots_as_images(tmp_path: Path) -> None:
    pytest.importorskip("nbconvert")
    path = tmp_path / "squares.py"
    path.write_text(PLOTTING)
    done = reflow("export", path, "--to", "html", "--run")
    assert done.returncode == 0, done.stderr
    page = tmp_path / "squares.html"
    assert done.stdout == f"wrote {page}\n"
    text = page.read_text()
    assert text.lstrip().lower().startswith("<!doctype html>")
    assert "the largest square is 25" in text and ">Squares<" in text
    images = re.findall(r'<img[^>]+src="data:image/png;base64,([A-Za-z0-9+/=\n]+)"', text)
    assert len(images) == 1
    assert base64.b64decode(images[0]).startswith(b"\x89PNG")

    # The export command's rules: never over an existing file unasked.
    again = reflow("export", path, "--to", "html")
    assert again.returncode == 2 and "add --force" in again.stderr
    assert page.read_text() == text
    # Without --run, the outputs the notebook holds: a percent file holds none.
    assert reflow("export", path, "--to", "html", "--force").returncode == 0
    assert "the largest square is 25" not in page.read_text()
    assert "the largest square is" in page.read_text()  # the code is on the page


def test_export_html_of_an_ipynb_keeps_its_outputs_and_says_when_a_cell_fails(
    tmp_path: Path,
) -> None:
    pytest.importorskip("nbconvert")
    path = copy("ipynb/jupyter.ipynb", tmp_path)
    shown = reflow("export", path, "--to", "html", "-o", "-")
    assert shown.returncode == 0, shown.stderr
    # What the notebook holds: a stream, an HTML result, an image, an error.
    assert "summing" in shown.stdout and "<b>12</b>" in shown.stdout
    assert 'src="data:image/png;base64,iVBORw0KGgo=' in shown.stdout
    assert "ZeroDivisionError" in shown.stdout
    ran = reflow("export", path, "--to", "html", "--run", "-o", tmp_path / "ran.html")
    assert ran.returncode == 1
    assert "failed (its error is on the page)" in ran.stderr
    page = (tmp_path / "ran.html").read_text()
    assert "ZeroDivisionError" in page and "<b>12</b>" not in page  # a fresh run's outputs
    assert ">12<" in page
    assert reflow("export", path, "--to", "py", "--run").returncode == 2


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
    assert "3 entries" in info.stdout and "(cap 20.0 GiB)" in info.stdout
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
    assert info.returncode == 0 and "(cap 5.0 GiB)" in info.stdout


# ---- never lose a user's file -------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["export", "{nb}", "--to", "script"],  # the derived target, nb.py
        ["export", "{nb}", "--to", "py"],
        ["export", "{nb}", "--to", "ipynb", "-o", "{other}"],  # a named one
        ["convert", "{nb}", "{py}"],
        ["convert", "{py}", "{other}"],  # an executed notebook's outputs are at stake
    ],
    ids=["export-script", "export-py", "export-o", "convert-to-py", "convert-to-ipynb"],
)
def test_an_existing_file_is_replaced_only_with_force(tmp_path: Path, command: list[str]) -> None:
    nb = copy("ipynb/jupyter.ipynb", tmp_path)
    py = tmp_path / "jupyter.py"
    other = tmp_path / "executed.ipynb"
    py.write_text("# written by hand\n")
    shutil.copy(fixture("ipynb/failing.ipynb"), other)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    names = {"{nb}": nb, "{py}": py, "{other}": other}
    args = [str(names.get(a, a)) for a in command]
    target = Path(args[-1]) if args[-2] in ("-o", args[1]) else py

    refused = reflow(*args)
    assert refused.returncode == 2
    assert (
        refused.stderr == f"reflow: error: {target}: already exists; add --force to overwrite it\n"
    )
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before

    forced = reflow(*args, "--force")
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout == f"wrote {target}\n"
    assert target.read_bytes() != before[target.name]


def test_a_new_file_is_written_and_named(tmp_path: Path) -> None:
    nb = copy("ipynb/jupyter.ipynb", tmp_path)
    done = reflow("export", nb, "--to", "script")
    assert (done.returncode, done.stdout) == (0, f"wrote {tmp_path / 'jupyter.py'}\n")
    assert "sales = json.loads" in (tmp_path / "jupyter.py").read_text()


def test_converting_a_notebook_onto_itself_says_how_without_a_missing_option(
    tmp_path: Path,
) -> None:
    nb = copy("ipynb/jupyter.ipynb", tmp_path)
    done = reflow("convert", nb, nb, "--force")
    assert done.returncode == 2
    assert done.stderr == (
        f"reflow: error: {nb}: would overwrite the notebook being read; name another TARGET\n"
    )


def test_on_a_terminal_reflow_asks_before_overwriting(tmp_path: Path) -> None:
    import pty

    nb = copy("ipynb/jupyter.ipynb", tmp_path)
    target = tmp_path / "jupyter.py"
    for answer, kept in (("n\n", True), ("y\n", False)):
        target.write_text("# written by hand\n")
        controller, terminal = pty.openpty()
        with subprocess.Popen(
            [sys.executable, "-m", "reflow", "export", str(nb), "--to", "py"],
            stdin=terminal,
            stderr=terminal,
            stdout=subprocess.PIPE,
            text=True,
        ) as process:
            os.close(terminal)
            prompt = b""
            while b"[y/N]" not in prompt:
                prompt += os.read(controller, 1024)
            assert f"{target} exists. Overwrite it?".encode() in prompt
            os.write(controller, answer.encode())
            out, _ = process.communicate(timeout=60)
        os.close(controller)
        assert process.returncode == (2 if kept else 0)
        assert (target.read_text() == "# written by hand\n") == kept
        assert out == ("" if kept else f"wrote {target}\n")


# ---- reflow run -o: checked before any cell runs -------------------------------------


def _notebook_that_leaves_a_trace(directory: Path) -> Path:
    """A notebook whose first cell creates `ran.txt`: whether any cell ran shows on disk."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("open('ran.txt', 'w').close()", id="trace"),
        nbformat.v4.new_code_cell("print('hello')", id="hello"),
    ]
    path = directory / "trace.ipynb"
    nbformat.write(notebook, path)
    return path


@pytest.mark.parametrize(
    ("out", "problem"),
    [
        ("missing/out.ipynb", "cannot write: its directory does not exist"),
        ("adir", "is a directory, not a notebook file"),
        ("out.txt", "unsupported file type ('.txt'; expected .ipynb, .py or .md)"),
        ("mine.ipynb", "already exists; add --force to overwrite it"),
    ],
)
def test_run_checks_its_output_before_running_any_cell(
    tmp_path: Path, out: str, problem: str
) -> None:
    path = _notebook_that_leaves_a_trace(tmp_path)
    (tmp_path / "adir").mkdir()
    (tmp_path / "mine.ipynb").write_text("{}")
    done = reflow("run", path, "-o", out, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == f"reflow: error: {out}: {problem}\n"
    assert not (tmp_path / "ran.txt").exists()
    assert (tmp_path / "mine.ipynb").read_text() == "{}"


def test_run_replaces_its_own_output_and_others_only_with_force(tmp_path: Path) -> None:
    path = _notebook_that_leaves_a_trace(tmp_path)
    first = reflow("run", path, "-o", "out.ipynb", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[-1] == "wrote out.ipynb"
    assert nbformat.read(tmp_path / "out.ipynb", as_version=4).metadata["reflow"]["run_of"] == (
        "trace.ipynb"
    )
    # The next run of the same notebook may replace what the last one wrote...
    assert reflow("run", path, "-o", "out.ipynb", cwd=tmp_path).returncode == 0
    # ... a run of another notebook may not, unless told.
    other = tmp_path / "other.ipynb"
    shutil.copy(path, other)
    refused = reflow("run", other, "-o", "out.ipynb", cwd=tmp_path)
    assert refused.returncode == 2 and "add --force" in refused.stderr
    assert reflow("run", other, "-o", "out.ipynb", "--force", cwd=tmp_path).returncode == 0
    assert nbformat.read(tmp_path / "out.ipynb", as_version=4).metadata["reflow"]["run_of"] == (
        "other.ipynb"
    )


def test_run_shows_what_each_cell_printed_under_its_line_and_quiet_hides_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "talk.py"
    path.write_text(
        "# %%\nimport sys\nprint('to stdout')\nprint('to stderr', file=sys.stderr)\n"
        "# %%\nx = 1\n# %%\nprint('second', x)\n"
    )
    done = reflow("run", path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("[1/3] cell c1 ... ok")
    assert lines[1] == "to stdout"
    assert lines[2].startswith("[2/3] cell c2 ... ok")
    assert lines[3].startswith("[3/3] cell c3 ... ok")
    assert lines[4] == "second 1"
    assert done.stderr == "to stderr\n"
    quiet = reflow("run", path, "-q")
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")


def test_a_syntax_error_reads_as_python_says_it_where_check_puts_it(tmp_path: Path) -> None:
    path = tmp_path / "broken.py"
    path.write_text("# %%\nx = 1\n# %%\ny = (x,\n")
    ran = reflow("run", path)
    checked = reflow("check", path)
    assert ran.returncode == 1
    assert f"{path}:4:5: SyntaxError: '(' was never closed" in ran.stderr
    assert ran.stderr.count("SyntaxError") == 1
    assert checked.stdout.startswith(f"{path}:4:5: RF005 SyntaxError: '(' was never closed")


def test_broken_json_is_described_once(tmp_path: Path) -> None:
    path = tmp_path / "cut.ipynb"
    path.write_text('{\n "cells": [\n  {\n   "source": "abc')
    done = reflow("check", path)
    assert done.returncode == 2
    assert done.stderr == (
        f"reflow: error: {path}: not valid JSON: Unterminated string starting at line 4, "
        "column 14\n"
    )


@pytest.mark.parametrize("command", ["check", "run", "graph", "export"])
def test_a_markdown_file_that_is_not_a_marimo_notebook_is_refused(
    tmp_path: Path, command: str
) -> None:
    path = tmp_path / "README.md"
    path.write_text("# Notes\n\nSome prose, and an example:\n\n```python\nx = 1\n```\n")
    extra = ["--to", "script"] if command == "export" else []
    done = reflow(command, path, *extra)
    assert done.returncode == 2
    assert done.stderr == (
        f"reflow: error: {path}: not a marimo notebook: no ```python {{.marimo}} cell and no "
        "marimo-version in its front matter\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md"]


def test_a_marimo_markdown_notebook_with_prose_only_is_still_one(tmp_path: Path) -> None:
    path = tmp_path / "empty.md"
    path.write_text("---\ntitle: Empty\nmarimo-version: 0.10.0\n---\n\n# Nothing yet\n")
    assert reflow("check", path).stdout == "All checks passed.\n"


# ---- start fast -----------------------------------------------------------------------

HEAVY = ("nbformat", "jsonschema", "IPython", "ipykernel", "numpy")
# Runs the command as the `reflow` script does, then lists which heavy modules it loaded.
IMPORTS_PROBE = """
import sys
from reflow.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
sys.stdout.flush()
print("LOADED", sorted(m for m in {heavy!r} if m in sys.modules), code)
"""


@pytest.mark.parametrize(
    "args",
    [["--version"], ["--help"], ["run", "--help"], ["check", "{py}"], ["check", "{marimo}"]],
    ids=["version", "help", "run-help", "check-percent", "check-marimo"],
)
def test_the_command_line_imports_no_heavy_module_it_does_not_need(
    tmp_path: Path, args: list[str]
) -> None:
    py = tmp_path / "x.py"
    py.write_text("# %%\nimport numpy as np\n# %%\ny = np.zeros(3)\n")
    names = {"{py}": str(py), "{marimo}": str(fixture("marimo/clean.py"))}
    probe = IMPORTS_PROBE.format(heavy=HEAVY)
    done = subprocess.run(
        [sys.executable, "-c", probe, *(names.get(a, a) for a in args)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    last = done.stdout.splitlines()[-1]
    assert last in ("LOADED [] 0", "LOADED [] None"), done.stdout + done.stderr


def test_checking_an_ipynb_needs_no_jsonschema(tmp_path: Path) -> None:
    probe = IMPORTS_PROBE.format(heavy=HEAVY)
    done = subprocess.run(
        [sys.executable, "-c", probe, "check", str(fixture("ipynb/jupyter.ipynb"))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.splitlines()[-1] == "LOADED [] 0"
