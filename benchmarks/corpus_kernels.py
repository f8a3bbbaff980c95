"""The reflow kernel against ipykernel on real notebooks, through nbclient (issue 24).

The notebooks are the corpus committed in ``tests/corpus/ipynb`` (public
notebooks; sources and licences in ``tests/corpus/README.md``): numpy and pandas
tutorials, plain Python lessons. Each is executed top to bottom by nbclient, as
``jupyter nbconvert --execute`` does, continuing past errors, on ipykernel
(kernelspec ``python3``) and on the reflow kernel (kernelspec ``reflow``), with a
``cellId`` in each execute_request as JupyterLab sends it (the cell's id, or
``cell-<index>`` for notebooks older than nbformat 4.5), so the reflow kernel
does all it does under a frontend: slots, summaries.

A round starts one kernel of each kind (which starts first alternates), each in
a directory of its own holding a copy of the notebook's folder (notebooks write
and read files), then runs the notebook on both, taking turns by ``BLOCK`` code
cells, so the machine's noise falls on both alike; both kernels write their
history to memory. Per notebook and kernel it measures the time from the first
cell's execute_request to the last cell's idle (kernel start excluded), the
start itself (launch to the first kernel_info reply) and the kernel's resident
set size after the last cell. A notebook's ratio is the median over rounds of
the paired ratios (reflow / ipykernel); the summary is their geometric mean. A
notebook whose cells fail differently on the two kernels is reported so: its
time would compare different work.

Targets (issue 24): geometric mean at most 1.05x ipykernel, no notebook above
1.25x, start at most 1.1x, memory after the run at most 1.2x.

Run: ``make bench`` (appends to RESULTS.md) or ``python benchmarks/corpus_kernels.py
[--rounds N] [--only SUBSTRING] [--append benchmarks/RESULTS.md]``, with the Python
whose Jupyter path has both kernelspecs.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

from timing import compile_reflow, geomean, report, spread

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus" / "ipynb"
KERNELS = ("python3", "reflow")
ROUNDS = 5
# Code cells run on one kernel before the other takes its turn: real cells take
# milliseconds to seconds, so a few of them outweigh waking the other process.
BLOCK = 5
TIMEOUT = 600


@dataclass
class Sample:
    """One kernel's run of one notebook."""

    start: float  # seconds from launch to the first kernel_info reply
    cells: float = 0.0  # seconds spent in the notebook's code cells
    cpu: float = 0.0  # CPU seconds the kernel process used meanwhile, all its threads
    rss: float = float("nan")  # MiB after the last cell
    errors: list[str | None] = field(default_factory=list)  # each code cell's error name


class NotebookRun:
    """One notebook on one kernel through nbclient, driven a cell at a time."""

    def __init__(self, path: Path, kernel: str, workdir: Path) -> None:
        for item in path.parent.iterdir():  # the notebook's data files, as in its repository
            if item.is_file():
                shutil.copy(item, workdir / item.name)
        self.notebook = nbformat.read(workdir / path.name, as_version=4)  # type: ignore[no-untyped-call]
        self.client = NotebookClient(
            self.notebook,
            timeout=TIMEOUT,
            allow_errors=True,
            kernel_name=kernel,
            resources={"metadata": {"path": str(workdir)}},
            # nbclient gives ipykernel (by its kernelspec name) an in-memory history;
            # the reflow kernel is an IPython kernel too: the same for both.
            extra_arguments=["--HistoryManager.hist_file=:memory:"],
        )
        self.code = [
            i
            for i, cell in enumerate(self.notebook.cells)
            if cell.cell_type == "code" and cell.source.strip()
        ]
        self._cell_id: str | None = None

    def start(self) -> float:
        """Launch the kernel and wait for its first reply; seconds taken."""
        began = time.perf_counter()
        client = self.client
        client.km = client.create_kernel_manager()
        client.start_new_kernel(stderr=subprocess.DEVNULL)
        client.start_new_kernel_client()
        elapsed = time.perf_counter() - began
        _send_cell_ids(client.kc, self)
        return elapsed

    def run(self, indices: list[int]) -> tuple[float, float]:
        """Execute these cells (indices into the notebook), in order: seconds taken, and
        CPU seconds the kernel used."""
        pid = self.client.km.provisioner.pid  # type: ignore[union-attr]
        cpu = cpu_seconds(pid)
        began = time.perf_counter()
        for index in indices:
            cell = self.notebook.cells[index]
            self._cell_id = str(cell.get("id") or f"cell-{index}")
            self.client.execute_cell(cell, index)
        return time.perf_counter() - began, cpu_seconds(pid) - cpu

    def errors(self) -> list[str | None]:
        found = []
        for index in self.code:
            names = [
                o["ename"] for o in self.notebook.cells[index].outputs if o.output_type == "error"
            ]
            found.append(names[0] if names else None)
        return found

    def rss(self) -> float:
        pid = self.client.km.provisioner.pid  # type: ignore[union-attr]
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def close(self) -> None:
        self.client._cleanup_kernel()


def cpu_seconds(pid: int) -> float:
    """CPU time a process has used so far, summed over its threads, in nanoseconds as
    the scheduler counts it (``/proc/PID/task/*/schedstat``): less swayed than wall
    time by the other processes of a busy machine."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue  # a thread that ended meanwhile
    return total / 1e9


def _send_cell_ids(kc: Any, run: NotebookRun) -> None:
    """Make the client's execute_requests carry the cell's id as JupyterLab's do
    (``metadata.cellId``); jupyter_client's ``execute`` has no way to say it."""

    def execute(
        code: str,
        silent: bool = False,
        store_history: bool = True,
        user_expressions: dict[str, Any] | None = None,
        allow_stdin: bool | None = None,
        stop_on_error: bool = True,
    ) -> str:
        content = {
            "code": code,
            "silent": silent,
            "store_history": store_history,
            "user_expressions": user_expressions or {},
            "allow_stdin": kc.allow_stdin if allow_stdin is None else allow_stdin,
            "stop_on_error": stop_on_error,
        }
        metadata = {"cellId": run._cell_id} if run._cell_id else {}
        msg = kc.session.msg("execute_request", content, metadata=metadata)
        kc.shell_channel.send(msg)
        return str(msg["header"]["msg_id"])

    kc.execute = execute


@contextmanager
def _runs(path: Path, order: list[str]) -> Iterator[dict[str, NotebookRun]]:
    with tempfile.TemporaryDirectory(prefix="reflow-corpus-bench-") as root:
        runs: dict[str, NotebookRun] = {}
        try:
            for name in order:
                workdir = Path(root) / name
                workdir.mkdir()
                runs[name] = NotebookRun(path, name, workdir)
            yield runs
        finally:
            for run in runs.values():
                if run.client.km is not None:
                    run.close()


def one_round(path: Path, first: str, block: int = BLOCK) -> tuple[dict[str, Sample], Any]:
    """Both kernels on one notebook, taking turns by ``block`` code cells; ``first``
    starts first and goes first. Also returns each kernel's executed notebook."""
    order = [first, *(k for k in KERNELS if k != first)]
    with _runs(path, order) as runs:
        samples = {name: Sample(runs[name].start()) for name in order}
        code = runs[first].code
        for at in range(0, len(code), block):
            for name in order:
                seconds, cpu = runs[name].run(code[at : at + block])
                samples[name].cells += seconds
                samples[name].cpu += cpu
        for name in order:
            samples[name].rss = runs[name].rss()
            samples[name].errors = runs[name].errors()
        return samples, {name: runs[name].notebook for name in order}


def outputs(notebook: Any) -> list[list[tuple[str, str]]]:
    """Each code cell's outputs as a user reads them: streams, the text of results
    and displays, error names. reflow's slots are ``display_data`` where ipykernel
    sends ``execute_result``, and a cell with no result may get an empty one: both
    read the same."""
    found = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        seen: list[tuple[str, str]] = []
        for output in cell.outputs:
            kind = output.output_type
            if kind == "stream":
                if seen and seen[-1][0] == output.name:  # chunks of one stream, joined
                    seen[-1] = (output.name, seen[-1][1] + output.text)
                else:
                    seen.append((output.name, output.text))
            elif kind in ("execute_result", "display_data"):
                text = output.get("data", {}).get("text/plain")
                if text is not None:
                    seen.append(("result", text))
            elif kind == "error":
                seen.append(("error", output.ename))
        found.append(seen)
    return found


def notebooks(only: str | None = None) -> list[Path]:
    found = sorted(CORPUS.glob("*.ipynb"))
    return [p for p in found if only is None or only in p.name]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--append", type=Path, help="append the results section to this file")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--only", help="only notebooks whose file name contains this")
    args = parser.parse_args()
    compile_reflow()
    rows = []
    ratios, cpu_ratios, starts, memory = [], [], [], []
    worst = ("", 0.0)
    for path in notebooks(args.only):
        rounds = []
        for number in range(args.rounds):
            rounds.append(one_round(path, KERNELS[number % 2])[0])
        base = [r["python3"] for r in rounds]
        ours = [r["reflow"] for r in rounds]
        paired = [o.cells / b.cells for o, b in zip(ours, base, strict=True)]
        cpu = statistics.median(o.cpu / b.cpu for o, b in zip(ours, base, strict=True))
        starts += [o.start / b.start for o, b in zip(ours, base, strict=True)]
        memory += [o.rss / b.rss for o, b in zip(ours, base, strict=True)]
        ratio = statistics.median(paired)
        same = all(o.errors == b.errors for o, b in zip(ours, base, strict=True))
        cells = len(base[0].errors)
        if same:
            ratios.append(ratio)
            cpu_ratios.append(cpu)
            worst = max(worst, (path.stem, ratio), key=lambda w: w[1])
        extra = (
            statistics.median(o.cells for o in ours) - statistics.median(b.cells for b in base)
        ) / cells
        rows.append(
            {
                "notebook": f"`{path.stem}`",
                "code cells": str(cells),
                "ipykernel s": spread([b.cells for b in base]),
                "reflow s": spread([o.cells for o in ours]),
                "ratio": f"{ratio:.2f}x ({min(paired):.2f}-{max(paired):.2f})"
                if same
                else "failed: cells fail differently",
                "reflow extra ms per cell": f"{extra * 1e3:+.2f}",
                "kernel CPU ratio": f"{cpu:.2f}x",
                "RSS MiB (ipykernel / reflow)": f"{statistics.median(b.rss for b in base):.0f}"
                f" / {statistics.median(o.rss for o in ours):.0f}",
            }
        )
        print(rows[-1], flush=True)
    overall, cpu_overall = geomean(ratios), geomean(cpu_ratios)
    report(
        "Real notebooks on the kernel (`benchmarks/corpus_kernels.py`)",
        [
            f"The notebooks of `tests/corpus/ipynb` run top to bottom through nbclient on "
            f"ipykernel and on the reflow kernel, each execute_request with a cellId as "
            f"JupyterLab sends it; {args.rounds} rounds, each starting both kernels (kernel "
            f"start excluded from the notebook's time) and taking turns by {BLOCK} code "
            "cells. Times: median (min-max) of the rounds; ratio: the median (min-max) of "
            "the rounds' paired ratios. Kernel CPU ratio: the same for the CPU time the "
            "kernel process used meanwhile (all threads), which the other work of a busy "
            "machine sways less than the wall time, but which leaves out what the client and "
            "the messages between them cost.",
            "",
            f"**Geometric mean of the ratios: {overall:.2f}x** (worst: `{worst[0]}`, "
            f"{worst[1]:.2f}x; kernel CPU: {cpu_overall:.2f}x); kernel start "
            f"{_median_range(starts)}; RSS after the run "
            f"{_median_range(memory)} (medians (min-max) of paired ratios over every "
            "notebook and round). Targets (issue 24): geometric mean at most 1.05x, no "
            "notebook above 1.25x, start at most 1.1x, memory at most 1.2x.",
        ],
        rows,
        args.append,
        append=True,
    )


def _median_range(ratios: list[float]) -> str:
    return f"{statistics.median(ratios):.2f}x ({min(ratios):.2f}-{max(ratios):.2f})"


if __name__ == "__main__":
    main()
