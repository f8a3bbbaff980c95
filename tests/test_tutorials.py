"""The bundled tutorials run top to bottom, say what reflow really does, and `reflow tutorial`
hands them out.

A cell tagged ``raises-exception`` (the Jupyter convention nbclient and nbval
read) shows an error on purpose; every other cell must run cleanly. The
caching and widgets tutorials print each rule's result in a demo cell; the
lines checked here are the ones their prose relies on, so that a change in
reflow's behaviour shows up as a tutorial that no longer tells the truth.

Each tutorial runs once per session (``ran``): running one again in the same
process would find the first run's results in the process-wide memory cache.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import nbformat
import pytest

from reflow import Notebook, Run, formats
from reflow.cli import main, tutorial

TUTORIAL_DIR = Path(__file__).parent.parent / "src/reflow/tutorials"
TUTORIALS = sorted(TUTORIAL_DIR.glob("*.py"))
NAMES = [path.stem for path in TUTORIALS]
REFLOW = [sys.executable, "-m", "reflow"]

Ran = Callable[[str], tuple[Notebook, Run]]


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ran]:
    """Run a tutorial (once) from an empty working directory, its live cache elsewhere."""
    done: dict[str, tuple[Notebook, Run]] = {}
    workdir = tmp_path_factory.mktemp("workdir")

    def run(name: str) -> tuple[Notebook, Run]:
        if name not in done:
            nb = Notebook.open(
                TUTORIAL_DIR / f"{name}.py", cache_dir=tmp_path_factory.mktemp(f"{name}-cache")
            )
            before = Path.cwd()
            os.chdir(workdir)
            try:
                done[name] = (nb, nb.run_all())
            finally:
                os.chdir(before)
            assert list(workdir.iterdir()) == [], f"{name} left files in the working directory"
        return done[name]

    yield run


def stdout(nb: Notebook, marker: str) -> str:
    """What the one code cell whose source contains ``marker`` printed."""
    (cell,) = [c for c in nb.cells if marker in c.code]
    return cell.stdout


def test_there_are_tutorials() -> None:
    assert set(NAMES) >= {"dataflow", "mutations", "widgets", "caching"}


@pytest.mark.parametrize("name", NAMES)
def test_tutorial_runs_top_to_bottom(name: str, ran: Ran) -> None:
    expected_errors = {
        cell.id
        for cell in formats.read(TUTORIAL_DIR / f"{name}.py").code_cells
        if "raises-exception" in cell.metadata.get("tags", [])
    }
    nb, run = ran(name)
    assert set(run.errors) == expected_errors, {c: e.message for c, e in run.errors.items()}
    assert not nb.stale()
    outputs = [cell for cell in nb.cells if cell.stdout or cell.output is not None]
    assert len(outputs) >= len(nb.cells) // 2  # a tutorial shows what it explains


def test_running_the_tutorials_adds_nothing_to_the_package(ran: Ran) -> None:
    for name in NAMES:
        ran(name)
    # (Bytecode is the interpreter's, as after `make bench`'s compileall; not the tutorials'.)
    left = sorted(p.name for p in TUTORIAL_DIR.iterdir() if p.name != "__pycache__")
    assert left == sorted(p.name for p in TUTORIALS)


# ---- what the dataflow tutorial says -----------------------------------------------------


def test_dataflow_tutorial_says_private_names_stay_in_their_cell(ran: Ran) -> None:
    nb, _ = ran("dataflow")
    printed = stdout(nb, "_tmp = 10").splitlines()
    assert printed[:2] == [
        "both ran: ['one', 'two'] ; x, y = 11 22",
        "`_tmp` visible outside its cell: False",
    ]


# ---- what the caching tutorial says ------------------------------------------------------


def test_caching_tutorial_memoizes_a_cell_and_restores_it(ran: Ran) -> None:
    nb, _ = ran("caching")
    shown = stdout(nb, "print('computing')\\nsquares")
    assert "the key of b covers what it reads: ['n']" in shown
    assert "first run: ran its code and printed 'computing\\n'" in shown
    assert "run b again: restored from the cache ; its output is still 10" in shown
    assert "and it says: [reflow] memoized: restored squares from the cache" in shown
    assert "n = 20: ran its code ; squares ends with 361" in shown
    assert "n = 10 again: restored from the cache ; squares ends with 81" in shown
    live = next(c for c in nb.cells if c.code.startswith("%%memoize\ntotal"))
    assert live.stdout.startswith("the sum is") and not live.from_cache


def test_caching_tutorial_reports_verbose_quiet_and_the_key(ran: Ran) -> None:
    nb, _ = ran("caching")
    reports = stdout(nb, 'for option in ["", " --verbose", " --quiet"]').splitlines()
    assert reports[0].startswith("%%memoize           a hit prints '[reflow] memoized: restored")
    assert reports[1].startswith("%%memoize --verbose a hit prints 'spelling cache\\n[reflow]")
    assert reports[2] == "%%memoize --quiet   a hit prints ''"
    assert stdout(nb, "laid out differently").splitlines() == [
        "comments and spacing: restored from the cache",
        "range(5) instead of range(4): ran its code",
        "a global the function reads changed: ran its code ; scaled = [0, 4, 8, 12, 16]",
    ]


def test_caching_tutorial_caches_whole_notebooks_functions_and_blocks(ran: Ran) -> None:
    nb, _ = ran("caching")
    memory = stdout(nb, 'cache="memory"')
    assert "ran ['a', 'b', 'c'] and " + str(["restored from the cache"] * 3) in memory
    assert "b printed 'filtering\\n' and count is 500" in memory
    disk = stdout(nb, "opened again")
    assert disk.count("on disk: cell") == 2
    assert "opened again: ['restored from the cache', 'restored from the cache']" in disk
    functions = stdout(nb, "def slow_square")
    assert functions.count("computing the square of 12") == 1
    assert "hits: 1 misses: 2" in functions
    assert stdout(nb, "def word_lengths").count("counting") == 1
    assert stdout(nb, "reflow.cache('primes')").splitlines() == [
        "first run: 'sieving\\nmiss 10 primes\\n'",
        "again:     'hit 10 primes\\n'",
        "upper=50:  'sieving\\nmiss 15 primes\\n'",
    ]


def test_caching_tutorial_shows_what_is_not_cached_and_why_code_must_be_deterministic(
    ran: Ran,
) -> None:
    nb, _ = ran("caching")
    warned = stdout(nb, "def caught_warnings").splitlines()
    assert [line.split(":")[0] for line in warned] == [
        "a lock as input",
        "eval",
        "a lock as result",
    ]
    assert all("1 warning in two runs: cell " in line for line in warned)
    assert "lock (a _thread.lock) cannot be fingerprinted" in warned[0]
    assert "`guard` (a _thread.lock) cannot be pickled" in warned[2]
    caveats = stdout(nb, "random.random()")
    assert "restored from the cache ; the same number: True" in caveats
    assert "a cell that writes a file: restored from the cache ; the file is back: False" in caveats
    aliases = stdout(nb, "alias = base").splitlines()
    assert aliases == [
        "after a real run: alias is base: True ; c printed [1, 2, 3]",
        "after a hit:      alias is base: False ; c printed [1, 2]",
    ]


# ---- what the widgets tutorial says ------------------------------------------------------


def test_widgets_tutorial_tracks_value_stores_like_any_mutation(ran: Ran) -> None:
    nb, _ = ran("widgets")
    reactive, lazy = (
        stdout(nb, marker) for marker in ('"top = slider.max",\n)', 'mode="lazy",\n)')
    )
    assert reactive.splitlines() == [
        "b set the value, so c computed 49",
        "edit b and run it: ran ['a', 'b', 'c', 'd'] ; squared = 81",
    ]
    assert lazy.splitlines() == [
        "lazy: ran ['a', 'b'] ; stale: ['c', 'd'] ; squared is still 49",
        "c is stale because it reads `slider`, changed by cell [b]",
        "run_stale ran ['c', 'd'] ; squared = 81",
    ]


def test_widgets_tutorial_containers_interactive_and_memoize(ran: Ran) -> None:
    nb, _ = ran("widgets")
    box = stdout(nb, "panel = widgets.VBox")
    assert box.strip() == "ran ['set', 'b', 'd'] ; total = 8 ; d printed low is 6"
    assert stdout(nb, "widgets.interactive(area").splitlines() == [
        "c printed: the area is 12",
        "edit b and run it: ran ['a', 'b', 'c'] ; c printed: the area is 15",
    ]
    memoized = stdout(nb, "computing for").splitlines()
    assert memoized[0] == "slider at 6: computing for 6"
    assert memoized[1].startswith("slider at 4: [reflow] memoized: restored cubes from the cache")


# ---- reflow tutorial ---------------------------------------------------------------------


def first_heading(path: Path) -> str:
    return next(
        line[4:] for line in path.read_text(encoding="utf-8").splitlines() if line[:4] == "# # "
    )


def test_list_gives_every_tutorial_with_its_heading(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tutorial", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == NAMES
    for line, path in zip(lines, TUTORIALS, strict=True):
        summary = line.split(None, 1)[1]
        assert len(summary) > 10 and first_heading(path).endswith(summary)


def test_no_name_lists_and_says_how_to_open_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tutorial"]) == 0
    out = capsys.readouterr().out
    assert "dataflow" in out and "widgets" in out
    assert out.rstrip().endswith("open one with: reflow tutorial NAME")


def test_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["tutorial", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out and "reflow tutorial dataflow" in out


@pytest.mark.parametrize("name", NAMES)
def test_copy_is_an_ipynb_with_the_same_code_cells(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["tutorial", name, "--no-open"]) == 0
    target = tmp_path / f"{name}.ipynb"
    assert capsys.readouterr().out.strip() == str(target)
    assert os.listdir(tmp_path) == [target.name]  # no temporary file left beside it
    saved = nbformat.read(target, as_version=4)
    nbformat.validate(saved)
    assert saved.metadata.kernelspec.name == "reflow"
    bundled = TUTORIAL_DIR / f"{name}.py"
    copied = [(c.id, c.code) for c in Notebook.open(target).cells]
    assert copied == [(c.id, c.code) for c in Notebook.open(bundled).cells]
    tags = [c.metadata.get("tags") for c in formats.read(target).code_cells]
    assert tags == [c.metadata.get("tags") for c in formats.read(bundled).code_cells]


def test_an_existing_file_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    mine = tmp_path / "dataflow.ipynb"
    mine.write_text(json.dumps({"mine": True}), encoding="utf-8")
    assert main(["tutorial", "dataflow", "--no-open"]) == 0
    assert json.loads(mine.read_text(encoding="utf-8")) == {"mine": True}
    captured = capsys.readouterr()
    assert "dataflow.ipynb already exists, kept as it is" in captured.err
    assert captured.out.strip() == str(mine)  # what would be opened: the user's own file


def test_a_new_copy_is_opened_with_reflow_lab(tmp_path: Path) -> None:
    """The real thing: JupyterLab on 127.0.0.1 with a token, serving the copied notebook."""
    port, token = free_port(), secrets.token_urlsafe(8)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config")}
    server = subprocess.Popen(
        # `--token=...`: a token may start with `-`, which argparse takes for an option.
        [*REFLOW, "tutorial", "widgets", "--no-browser", "--port", str(port), f"--token={token}"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/api/contents/widgets.ipynb?token={token}"
        for _ in range(600):
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    served = json.load(response)
                break
            except OSError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                time.sleep(0.2)
        else:
            raise AssertionError("JupyterLab did not serve the tutorial")
        assert served["content"]["metadata"]["kernelspec"]["name"] == "reflow"
        assert (tmp_path / "widgets.ipynb").is_file()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


@pytest.mark.parametrize("name", NAMES)
def test_reflow_run_runs_the_copied_tutorial(name: str, tmp_path: Path) -> None:
    """What a CI job (or a reader) does with a copy: `reflow run` it; only the cells tagged
    raises-exception show an error, and the run succeeds."""
    copy = subprocess.run(
        [*REFLOW, "tutorial", name, "--no-open"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert copy.returncode == 0, copy.stderr
    run = subprocess.run(
        [*REFLOW, "run", f"{name}.ipynb", "--quiet", "--inplace"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    saved = nbformat.read(tmp_path / f"{name}.ipynb", as_version=4)
    code = [cell for cell in saved.cells if cell.cell_type == "code"]
    failed = {c.id for c in code if any(o.output_type == "error" for o in c.outputs)}
    tagged = {c.id for c in code if "raises-exception" in c.metadata.get("tags", [])}
    assert failed == tagged
    assert sum(bool(c.outputs) for c in code) >= len(code) // 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_file_that_appears_meanwhile_is_not_replaced(tmp_path: Path) -> None:
    target = tmp_path / "caching.ipynb"
    target.write_bytes(b"theirs")
    assert tutorial._create(target, b"ours") is False
    assert target.read_bytes() == b"theirs"
    assert os.listdir(tmp_path) == [target.name]


def test_an_unknown_name_is_one_error_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["tutorial", "dataflw", "--no-open"]) == 2
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        f"reflow: error: no tutorial named 'dataflw'; the tutorials are: {', '.join(NAMES)}"
    ]
    assert captured.out == "" and os.listdir(tmp_path) == []
