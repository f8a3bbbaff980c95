"""What the README and the example promise, run as written."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_readme_tour_runs_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert blocks, "the README lost its tour"
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert "reads `count` from cell" in printed
    assert "`count` is defined by more than one cell" in printed


def test_example_notebook_shows_reactivity(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(ROOT / "examples" / "reactivity.py"), run_name="__main__")
    printed = capsys.readouterr().out
    assert "count = 1 (a plain kernel would say 2)" in printed
    assert "ran: ['rate', 'taxed', 'total']" in printed
    assert "report = '2 items, total 37.5'" in printed
