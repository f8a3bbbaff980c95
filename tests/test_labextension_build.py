"""The JupyterLab extension ships prebuilt: the committed build matches its sources,
and installing reflow puts it where JupyterLab and Notebook 7 look for it.

The build is committed (no Node.js at install time); ``make labextension``
rebuilds it and records hashes of the sources and of the build, which this
test recomputes. A change to labextension/src without a rebuild fails here.
"""

from __future__ import annotations

import filecmp
import json
import runpy
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILT = ROOT / "share" / "jupyter" / "labextensions" / "reflow"


def test_the_committed_build_matches_its_sources() -> None:
    hashes = runpy.run_path(str(ROOT / "labextension" / "source_hash.py"))
    recorded = (ROOT / "labextension" / "build.sha256").read_text()
    assert recorded == hashes["current"](), "labextension changed: run make labextension"


def test_the_build_is_a_federated_extension_named_reflow() -> None:
    package = json.loads((BUILT / "package.json").read_text())
    assert package["name"] == "reflow"
    entry = package["jupyterlab"]["_build"]["load"]
    assert (BUILT / entry).is_file()
    assert (BUILT / "static" / "style.js").is_file()


def test_installing_reflow_installs_the_extension() -> None:
    shared = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"][
        "targets"
    ]["wheel"]["shared-data"]
    assert shared["share/jupyter/labextensions/reflow"] == "share/jupyter/labextensions/reflow"
    installed = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "reflow"
    assert (installed / "install.json").is_file()
    # What make setup installed into this venv is the committed build.
    comparison = filecmp.dircmp(BUILT, installed)
    assert not comparison.left_only and not comparison.diff_files
    assert not filecmp.dircmp(BUILT / "static", installed / "static").diff_files
