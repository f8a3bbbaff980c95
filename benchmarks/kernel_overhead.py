"""The reflow kernel against ipykernel, through jupyter_client, in one run (issue 5).

- start: from launching the kernel process to its first kernel_info reply;
- 200 trivial cells (``x{i} = {i}``) executed one by one, each with a cellId
  as JupyterLab sends it, waiting for the kernel to be idle after each;
- memory: the kernel's resident set size after those 200 cells.

Kernels alternate (ipykernel, reflow, ipykernel, ...) so that the machine's
noise falls on both. Targets: 200 cells at most 1.15x ipykernel's time,
start at most 1.2x.

Run: ``make bench`` (appends to RESULTS.md) or ``python benchmarks/kernel_overhead.py``.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from pathlib import Path

from jupyter_client.manager import KernelManager

from timing import fmt, report

CELLS = 200
ROUNDS = 5


def one_round(kernel_name: str) -> tuple[float, float, float]:
    """(start seconds, 200-cell seconds, RSS MiB after) for one fresh kernel."""
    manager = KernelManager(kernel_name=kernel_name)
    began = time.perf_counter()
    manager.start_kernel()
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=120)
        started = time.perf_counter() - began
        sources = [f"x{i} = {i}" for i in range(CELLS)]
        began = time.perf_counter()
        for source in sources:
            _execute(client, source, uuid.uuid4().hex[:8])
        ran = time.perf_counter() - began
        rss = _rss_mib(manager.provisioner.pid)  # type: ignore[union-attr]
        return started, ran, rss
    finally:
        client.stop_channels()
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
    samples: dict[str, list[tuple[float, float, float]]] = {"python3": [], "reflow": []}
    for _ in range(args.rounds):
        for name in samples:
            samples[name].append(one_round(name))
    rows = []
    base = samples["python3"]
    for name, label in (("python3", "ipykernel"), ("reflow", "reflow kernel")):
        got = samples[name]
        start = [s for s, _, _ in got]
        cells = [c for _, c, _ in got]
        rss = [m for _, _, m in got]
        rows.append(
            {
                "kernel": label,
                "start to first reply ms": fmt(start),
                "start ratio": _ratio(start, [s for s, _, _ in base]),
                f"{CELLS} cells ms": fmt(cells),
                "cells ratio": _ratio(cells, [c for _, c, _ in base]),
                "per cell ms": f"{statistics.median(cells) / CELLS * 1e3:.2f}",
                "RSS after MiB": f"{statistics.median(rss):.1f}",
            }
        )
    report(
        "The Jupyter kernel (`benchmarks/kernel_overhead.py`)",
        [
            f"Medians (min-max) of {args.rounds} fresh kernels each, alternating, through "
            "jupyter_client on this machine; each cell is an execute_request with a cellId, "
            "waited for until the kernel is idle. Targets (issue 5): 200 cells at most 1.15x "
            "ipykernel, start at most 1.2x.",
        ],
        rows,
        args.append,
        append=True,
    )


def _ratio(samples: list[float], floor: list[float]) -> str:
    return f"{statistics.median(samples) / statistics.median(floor):.2f}x"


if __name__ == "__main__":
    main()
