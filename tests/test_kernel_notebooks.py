"""The reflow kernel from outside: its kernelspec where pip put it, ``reflow kernel
install``, notebooks executed by nbclient."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from kernel_driver import running_kernel


def reflow(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reflow", *args], capture_output=True, text=True, timeout=60
    )


def test_pip_installs_the_kernelspec_into_the_environment() -> None:
    spec = KernelSpecManager().get_kernel_spec("reflow")
    assert spec.display_name == "Python 3 (reflow)"
    assert spec.argv[1:3] == ["-m", "reflow.kernel"] and spec.language == "python"
    assert Path(spec.resource_dir).is_relative_to(Path(sys.prefix))


def test_kernel_install_writes_a_kernelspec_that_starts(tmp_path: Path) -> None:
    done = reflow("kernel", "install", "--prefix", str(tmp_path))
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "share" / "jupyter" / "kernels" / "reflow"
    spec = json.loads((folder / "kernel.json").read_text())
    assert spec["argv"][0] == sys.executable and spec["display_name"] == "Python 3 (reflow)"
    # Started from that folder alone: JUPYTER_PATH puts it first.
    old = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = str(tmp_path / "share" / "jupyter")
    try:
        assert KernelSpecManager().find_kernel_specs()["reflow"] == str(folder)
        with running_kernel() as kernel:
            _, executed = kernel.cell(
                "import reflow.kernel.kernel as k\nk.ReflowKernel.implementation"
            )
            assert executed.texts() == ["'reflow'"]
    finally:
        if old is None:
            del os.environ["JUPYTER_PATH"]
        else:
            os.environ["JUPYTER_PATH"] = old


def test_kernel_install_refuses_two_places() -> None:
    done = reflow("kernel", "install", "--user", "--sys-prefix")
    assert done.returncode == 2 and "not allowed with argument" in done.stderr


def notebook(*sources: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "reflow", "display_name": "Python 3 (reflow)"}
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    return nb


def test_nbclient_runs_a_notebook_with_the_reflow_kernel() -> None:
    nb = notebook(
        "import pandas as pd\ndf = pd.DataFrame({'a': [1, 2, 3]})",
        "total = df['a'].sum()\nprint('total', total)",
        "%flow status",
        "from IPython.display import Markdown\nMarkdown(f'**{total * 2}**')",
        "from reflow import deps\ndeps('total')",
    )
    NotebookClient(nb, kernel_name="reflow", timeout=60).execute()
    outputs = [cell.outputs for cell in nb.cells]
    assert outputs[1] == [{"output_type": "stream", "name": "stdout", "text": "total 6\n"}]
    status = outputs[2][0]["text"].splitlines()
    assert status[0] == "mode: reactive, direction: in_order"
    assert all(line.startswith("fresh") for line in status[1:3])
    assert outputs[3][0]["output_type"] == "execute_result"
    assert outputs[3][0]["data"]["text/markdown"] == "**12**"
    assert outputs[4][0]["data"]["text/plain"] == "['df']"


def test_nbclient_reports_a_failing_cell() -> None:
    nb = notebook("x = 1", "x / 0", "y = 2")
    with pytest.raises(CellExecutionError, match="ZeroDivisionError"):
        NotebookClient(nb, kernel_name="reflow", timeout=60).execute()
    assert nb.cells[1].outputs[0]["ename"] == "ZeroDivisionError"
    assert nb.cells[2].outputs == []  # stopped there, as with ipykernel


EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "reactive.ipynb"


def test_the_example_notebook_does_what_it_says() -> None:
    """examples/reactive.ipynb (what `make lab` opens), cell by cell as JupyterLab sends them."""
    nb = nbformat.read(EXAMPLE, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "reflow"
    code = {cell.id: cell.source for cell in nb.cells if cell.cell_type == "code"}
    with running_kernel() as kernel:
        ran = {cell: kernel.execute(source, cell) for cell, source in code.items()}
        assert all(r.status == "ok" for r in ran.values())
        taxed, total = ran["tour-3"], ran["tour-4"]
        assert taxed.texts() == ["[14.4, 18.6, 11.1]"] and total.texts() == ["44.1"]
        changed = kernel.execute("rate = 0.25", "tour-2")
        updates = changed.updates()
        assert updates[taxed.slot()]["text/plain"] == "[15.0, 19.38, 11.56]"
        assert updates[total.slot()]["text/plain"] == "3 items\n45.94"
        again = kernel.execute(code["tour-7"], "tour-7")
        assert again.texts()[0] == "1"
    NotebookClient(nb, kernel_name="reflow", timeout=60).execute()  # and headless, too


def test_reflow_lab_refuses_what_it_cannot_open(tmp_path: Path) -> None:
    done = reflow("lab", str(tmp_path / "notes.py"), "--no-browser")
    assert done.returncode == 2
    assert "reflow lab opens .ipynb notebooks" in done.stderr
    assert not (tmp_path / "notes.py").exists()
