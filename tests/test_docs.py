"""What the README and the example promise, run as written."""

from __future__ import annotations

import re
import runpy
import subprocess
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


# A clone or a wheel has only what the repository holds: no file may send a
# reader to a path outside it (a sibling checkout, a design file kept elsewhere).
# (Character classes keep this file from matching itself.)
OUTSIDE = re.compile(r"\.\./[s]hared|/w[o]rk/|\bS[P]EC\.md\b|\bS[P]EC (?:section )?\d")


def _tracked_text_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    files = []
    for name in filter(None, listed.split("\0")):
        path = ROOT / name
        if path.suffix in {".png", ".sha256"} or not path.is_file():
            continue
        files.append(path)
    return files


def test_no_file_names_a_path_outside_the_repository() -> None:
    files = _tracked_text_files()
    assert any(f.name == "semantics.md" for f in files), "docs/semantics.md is missing"
    offenders = []
    for path in files:
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_docs_link_only_to_files_that_exist() -> None:
    for doc in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]:
        for target in re.findall(r"\]\(([^)#\s]+)\)", doc.read_text()):
            if "://" in target:
                continue
            resolved = (doc.parent / target).resolve()
            assert resolved.is_relative_to(ROOT), f"{doc.name} links outside the repo: {target}"
            assert resolved.exists(), f"{doc.name} links to missing {target}"


def test_the_example_notebook_says_what_the_kernel_does() -> None:
    """examples/reactive.ipynb, followed as its prose says, on the real reflow kernel."""
    import json

    from kernel_driver import running_kernel

    notebook = json.loads((ROOT / "examples" / "reactive.ipynb").read_text())
    prose = " ".join(
        "".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown"
    )
    code = {c["id"]: "".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"}
    assert code["tour-2"] == "rate = 0.2" and "change `rate` below to `0.25`" in prose
    assert "run only that cell: the cells that read it re-run" in prose
    assert "this one always shows 1, however many times you run it" in prose
    assert "`%flow status` lists every cell's status when it runs" in prose

    with running_kernel() as kernel:
        for cell_id, source in code.items():  # top to bottom
            assert kernel.execute(source, cell_id).status == "ok"
        changed = kernel.execute("rate = 0.25", "tour-2")
        # The readers re-ran, their outputs replaced in place with the new values.
        updates = changed.updates()
        prices = [12.0, 15.5, 9.25]
        taxed = [round(p * 1.25, 2) for p in prices]
        assert updates["reflow-tour-3-3"]["text/plain"] == repr(taxed)
        assert updates["reflow-tour-4-4"]["text/plain"] == f"3 items\n{round(sum(taxed), 2)!r}"

        for _ in range(3):  # `count += 1` shows 1, however many times it runs
            again = kernel.execute("count += 1\ncount", "tour-7")
            assert [t for t in again.texts() if not t.startswith("reflow: ")] == ["1"]

        status = kernel.execute("%flow status", "tour-9").stdout
        assert "fresh     In [" in status and "`rate = 0.25`" in status
        assert "`rate = 0.2`" not in status
        listed = [line for line in status.splitlines()[1:] if line]
        assert len(listed) == len(code)  # every cell, with its status
