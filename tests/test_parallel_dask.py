"""The same scenarios on a real ``dask.distributed`` LocalCluster, started here on localhost.

Two worker processes, one thread each (processes, so that a cell that kills
its process kills a worker, not the test). Starting the cluster costs about
3 to 6 s on this machine (threads: 0.05 s, but a cell's captured prints
would share ``sys.stdout`` with the test); it is started once for the module.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from formats_helpers import fixture
from reflow import Notebook
from reflow.parallel import Parallel
from reflow.parallel.dask_backend import DaskBackend
from reflow.parallel.prefetch import Remote
from test_parallel import SCENARIOS, check_equal

ON_DASK = [
    "branches",
    "diamond",
    "known-mutations-keep-their-order",
    "a-call-that-changes-its-argument-runs-again-in-main",
    "an-alias-stays-an-alias",
    "unpicklable-values-stay-in-main",
    "errors-cancel-their-dependents-only",
    "closures-made-in-workers-come-back-to-main",
]


@pytest.fixture(scope="module")
def cluster() -> Iterator[DaskBackend]:
    # Workers import the crash module of the worker-failure test from here: spawned
    # processes take this process's sys.path (not PYTHONPATH).
    sys.path.insert(0, str(fixture("parallel")))
    backend = DaskBackend(None, workers=2, processes=True)
    yield backend
    backend.close()
    sys.path.remove(str(fixture("parallel")))


@pytest.mark.parametrize("name", ON_DASK)
def test_a_dask_run_equals_the_sequential_one(name: str, cluster: DaskBackend) -> None:
    (scenario,) = [s for s in SCENARIOS if s.id == name]
    check_equal(scenario, cluster)


def test_values_stay_on_the_cluster_until_the_main_process_needs_them(
    cluster: DaskBackend,
) -> None:
    nb = Notebook()
    nb.add("big = list(range(100_000))", id="big")
    nb.add("total = sum(big)", id="total")
    nb.add("def show(v):\n    return f'total={v}'", id="show")
    nb.add("shown = show(total)", id="shown")
    nb.add("cells_read = len(big) + 1 if False else 0", id="noop")
    parallel = Parallel(nb, cluster)
    run = parallel.run_all()
    assert run.ok
    namespace = nb.namespace
    # Only ever read by worker cells: never shipped to this process.
    assert isinstance(namespace["big"], Remote) and isinstance(namespace["total"], Remote)
    assert isinstance(namespace["shown"], Remote)
    assert nb.cell("shown").status == "fresh"
    parallel.fetch_namespace()
    assert namespace["big"] == list(range(100_000)) and namespace["shown"] == "total=4999950000"


def test_a_value_a_main_cell_reads_is_fetched_first(cluster: DaskBackend) -> None:
    nb = Notebook()
    nb.add("xs = [3, 1, 2]", id="xs")
    nb.add("xs.sort()", id="sort")  # changes xs in place: runs here, with the real list
    nb.add("first = xs[0]", id="first")
    run = Parallel(nb, cluster).run_all()
    assert run.ok and nb["xs"] == [1, 2, 3]
    assert nb.cell("sort").error is None


def test_a_worker_that_dies_is_retried_then_its_cell_fails(cluster: DaskBackend) -> None:
    nb = Notebook()
    nb.add("x = 1", id="x")
    nb.add("import crash\ndied = crash.exit_now(3)", id="dies")
    nb.add("after = died", id="after")
    nb.add("y = x + 1", id="y")
    run = Parallel(nb, cluster).run_all()
    assert run.errors["dies"].type == "WorkerLost"
    assert "KilledWorker" in run.errors["dies"].message and "[dies]" in run.errors["dies"].message
    assert run.cancelled == ["after"]
    assert nb["y"] == 2 or isinstance(nb.namespace["y"], Remote)


def test_the_command_line_runs_on_an_existing_cluster(cluster: DaskBackend, tmp_path: Path) -> None:
    from test_parallel_cli import CELLS, reflow, write_notebook

    sequential = write_notebook(tmp_path / "sequential.ipynb", CELLS)
    remote = write_notebook(tmp_path / "remote.ipynb", CELLS)
    address = cluster.client.scheduler.address
    expected = reflow("run", sequential, cwd=tmp_path)
    done = reflow("run", remote, "--dask", address, cwd=tmp_path)
    assert (done.returncode, done.stderr) == (expected.returncode, expected.stderr)
    assert f"cells run in the Dask cluster at {address}" in done.stdout
    assert "dashboard: http://" in done.stdout
    assert remote.read_bytes() == sequential.read_bytes()
    assert cluster.client.nthreads()  # the cluster is still up: the run only disconnected
