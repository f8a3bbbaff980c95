"""``%flow parallel on``: a reactive run's independent cells in worker processes, through a
real kernel; outputs land in their own cells' slots, values as a sequential run leaves them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kernel_driver import Kernel, running_kernel

WORK = "sum(i * i for i in range(200_000))"


@pytest.fixture
def kernel() -> Iterator[Kernel]:
    with running_kernel() as k:
        yield k


def test_independent_readers_run_in_workers_and_land_in_their_slots(kernel: Kernel) -> None:
    assert "parallel: on, 2 worker processes" in kernel.execute("%flow parallel on 2", "p").stdout
    kernel.execute("x = 1", "a")
    b = kernel.execute(f"y = x + {WORK}\nprint('b saw', x)\ny", "b")
    c = kernel.execute(f"z = x * 2 + {WORK}\nz", "c")
    d = kernel.execute("w = y + z\nw", "d")
    rerun = kernel.execute("x = 10", "a")
    summary = rerun.summary()
    assert "re-ran: In [3] `y = x" in summary
    assert "ran in worker processes: In [3] `y = x" in summary and "In [4] `z = x" in summary
    total = sum(i * i for i in range(200_000))
    updates = rerun.updates()
    assert updates[b.slot()]["text/plain"] == f"b saw 10\n{10 + total}"
    assert updates[c.slot()]["text/plain"] == str(20 + total)
    assert updates[d.slot()]["text/plain"] == str(30 + 2 * total)
    assert kernel.value("(x, w)") == f"(10, {30 + 2 * total})"


def test_cells_that_reach_outside_stay_in_the_kernel(kernel: Kernel) -> None:
    kernel.execute("%flow parallel on 2", "p")
    kernel.execute("x = 1", "a")
    kernel.execute("import os\npid = os.getpid()\nseen = x", "b")  # os: the process itself
    kernel.execute("%%time\nt = x + 1", "c")  # a magic: IPython lives in the kernel
    rerun = kernel.execute("x = 2", "a")
    assert "ran in worker processes" not in rerun.summary()
    assert kernel.value("(seen, t, pid == __import__('os').getpid())") == "(2, 3, True)"


def test_parallel_off_and_bad_arguments(kernel: Kernel) -> None:
    kernel.execute("%flow parallel on 2", "p")
    assert kernel.execute("%flow parallel", "q").stdout.startswith("parallel: on")
    assert kernel.execute("%flow parallel off", "q").stdout.startswith("parallel: off")
    bad = kernel.execute("%flow parallel on lots", "q")
    assert bad.status == "error" and "number of workers" in str(bad.reply.get("evalue"))
    kernel.execute("x = 1", "a")
    kernel.execute("y = x + 1", "b")
    assert "worker" not in kernel.execute("x = 5", "a").summary()
    assert kernel.value("y") == "6"
