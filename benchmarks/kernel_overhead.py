"""The reflow kernel against ipykernel, through jupyter_client, in one run (issue 5).

- start: from launching the kernel process to its first kernel_info reply;
- 200 trivial cells (``x{i} = {i}``) executed one by one, each with a cellId
  as JupyterLab sends it, waiting for the kernel to be idle after each; then
  200 cells that each read one of those names (``r{i} = x{i} + 1``): reflow
  gives a cell that reads nothing no output slot, so the first workload is its
  best case and the second its usual one;
- memory: the kernel's resident set size after those 400 cells.

Each round starts one kernel of each kind (which starts first alternates) and
then runs the cells on both, taking turns by blocks of 20 cells, so that the noise
falls on both alike: on this shared machine the speed of one 200-cell run
drifts by a third from one minute to the next, which alternating whole runs
did not cancel. The ratio is the median over rounds of the paired ratios.
Targets: 200 cells at most 1.15x ipykernel's time, start at most 1.2x.

Run: ``make bench`` (appends to RESULTS.md) or ``python benchmarks/kernel_overhead.py``.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from pathlib import Path

from jupyter_client.manager import KernelManager

from timing import compile_reflow, fmt, report

CELLS = 200
ROUNDS = 7
# Cells run on one kernel before the other takes its turn: short enough that both see
# the same machine, long enough that waking the other kernel's process (about a
# millisecond, added to both) is not billed per cell, which would flatter the ratio.
BLOCK = 20


KERNELS = ("python3", "reflow")
WORKLOADS = ("x{i} = {i}", "r{i} = x{i} + 1")  # the second reads what the first bound


def one_round(first: str) -> dict[str, tuple[float, list[float], float]]:
    """Per kernel: (start seconds, seconds per workload, RSS MiB after), both kernels
    alive together, taking turns by ``BLOCK`` cells; ``first`` starts first and goes first."""
    order = [first, *(k for k in KERNELS if k != first)]
    managers: dict[str, KernelManager] = {}
    clients: dict[str, object] = {}
    started: dict[str, float] = {}
    try:
        for name in order:
            manager = managers[name] = KernelManager(kernel_name=name)
            began = time.perf_counter()
            manager.start_kernel()
            client = clients[name] = manager.client()
            client.start_channels()
            client.wait_for_ready(timeout=120)
            started[name] = time.perf_counter() - began
        ran = {name: [0.0] * len(WORKLOADS) for name in order}
        for workload, template in enumerate(WORKLOADS):
            for block in range(0, CELLS, BLOCK):
                for name in order:
                    began = time.perf_counter()
                    for i in range(block, min(block + BLOCK, CELLS)):
                        code = template.format(i=i)
                        _execute(clients[name], code, uuid.uuid4().hex[:8])
                    ran[name][workload] += time.perf_counter() - began
        return {
            name: (started[name], ran[name], _rss_mib(managers[name].provisioner.pid))  # type: ignore[union-attr]
            for name in order
        }
    finally:
        for client in clients.values():
            client.stop_channels()  # type: ignore[attr-defined]
        for manager in managers.values():
            manager.shutdown_kernel(now=True)


def _execute(client: object, code: str, cell: str) -> None:
    session = client.session  # type: ignore[attr-defined]
    msg = session.msg(
        "execute_request",
        {
            "code": code,
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        },
        metadata={"cellId": cell},
    )
    client.shell_channel.send(msg)  # type: ignore[attr-defined]
    msg_id = msg["header"]["msg_id"]
    while True:
        reply = client.get_shell_msg(timeout=60)  # type: ignore[attr-defined]
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    while True:
        message = client.get_iopub_msg(timeout=60)  # type: ignore[attr-defined]
        if (
            message["parent_header"].get("msg_id") == msg_id
            and message["msg_type"] == "status"
            and message["content"]["execution_state"] == "idle"
        ):
            return


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--append", type=Path, help="append the results section to this file")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args()
    compile_reflow()
    samples: dict[str, list[tuple[float, list[float], float]]] = {name: [] for name in KERNELS}
    for round_number in range(args.rounds):
        measured = one_round(KERNELS[round_number % 2])
        for name in KERNELS:
            samples[name].append(measured[name])
    rows = []
    base = samples["python3"]
    for name, label in (("python3", "ipykernel"), ("reflow", "reflow kernel")):
        got = samples[name]
        start = [s for s, _, _ in got]
        cells = [c[0] for _, c, _ in got]
        reading = [c[1] for _, c, _ in got]
        rss = [m for _, _, m in got]
        rows.append(
            {
                "kernel": label,
                "start to first reply ms": fmt(start),
                "start ratio": _paired(start, [s for s, _, _ in base]),
                f"{CELLS} cells ms": fmt(cells),
                "cells ratio": _paired(cells, [c[0] for _, c, _ in base]),
                "per cell ms": f"{statistics.median(cells) / CELLS * 1e3:.2f}",
                f"{CELLS} reading cells ms": fmt(reading),
                "reading ratio": _paired(reading, [c[1] for _, c, _ in base]),
                f"RSS after {2 * CELLS} cells MiB": f"{statistics.median(rss):.1f}",
            }
        )
    report(
        "The Jupyter kernel (`benchmarks/kernel_overhead.py`)",
        [
            f"Medians (min-max) of {args.rounds} rounds, through jupyter_client on this "
            "machine; each round starts one kernel of each kind and runs the cells on both, in "
            f"turns of {BLOCK} cells, each an execute_request with a cellId, waited for "
            "until the kernel is idle: 200 trivial cells `x{i} = {i}`, then 200 cells "
            "`r{i} = x{i} + 1` that each read one of them (reflow gives a cell that reads no "
            "name no output slot: the first workload is its best case). Ratios: the median "
            "(min-max) of the rounds' paired ratios. Targets (issue 5): 200 cells at most "
            "1.15x ipykernel, start at most 1.2x.",
        ],
        rows,
        args.append,
        append=True,
    )


def _paired(samples: list[float], floor: list[float]) -> str:
    """The median of the round-by-round ratios, and their range."""
    ratios = [a / b for a, b in zip(samples, floor, strict=True)]
    return f"{statistics.median(ratios):.2f}x ({min(ratios):.2f}-{max(ratios):.2f})"


if __name__ == "__main__":
    main()
