"""reflow side by side with what users would pick instead: plain exec, ipykernel, IPyflow, marimo.

Run ``make bench`` (it builds ``benchmarks/.peers-venv`` from
``peers-requirements.txt`` and rewrites ``RESULTS.md`` and ``scaling.png``), or
``benchmarks/.peers-venv/bin/python benchmarks/peers.py --quick`` for a smoke run.

Every (system, workload) pair runs in a fresh child process (``--child``), so
one system's imports, patches and garbage cannot tax another, and memory is
that system's alone. The raw samples go to ``peers-results.json``; the report
is rendered from them (``--from-json`` re-renders without measuring).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


@dataclass(frozen=True)
class System:
    """One system under comparison; ``kernel`` names a kernelspec for jupyter_client."""

    name: str
    driven: str
    session: str  # sessions.IN_PROCESS key, or "kernel"
    kernel: str | None = None
    frontend: str = "none"  # for kernels: "none", "ipyflow" or "in-kernel"
    workloads: tuple[str, ...] = ("cells", "tracking", "propagation")
    max_repeats: int = 99  # a system too slow to repeat a workload many times


SYSTEMS: list[System] = [
    System("plain exec", "`exec` of each cell into one dict, in process", "plain"),
    System("reflow", "`reflow.Notebook` (reactive, in order), in process", "reflow"),
    System(
        "marimo",
        "marimo's runtime `Kernel` (`create_kernel`, edit mode, default hooks), in process,"
        " messages to a `NoopStream`; `Kernel.run(ExecuteCellCommand)` per cell",
        "marimo",
    ),
    System("ipykernel", "kernelspec `python3` via jupyter_client", "kernel", "python3"),
    System(
        "IPyflow",
        "kernelspec `ipyflow` via jupyter_client, no frontend (dataflow tracing on, no comm)",
        "kernel",
        "ipyflow",
        workloads=("cells", "tracking"),
    ),
    System(
        "IPyflow + lab",
        "kernelspec `ipyflow` plus its JupyterLab extension's protocol played over the"
        " `ipyflow` comm (`compute_exec_schedule` after every execution)",
        "kernel",
        "ipyflow",
        frontend="ipyflow",
        workloads=("cells", "propagation"),
        max_repeats=1,  # 200 cells take about a minute: its per-cell cost grows with the notebook
    ),
    # The reflow kernel (issue: the Jupyter kernel) joins here once its kernelspec is installed.
    System(
        "reflow kernel",
        "kernelspec `reflow` via jupyter_client",
        "kernel",
        "reflow",
        frontend="in-kernel",
    ),
]

KERNEL_FLOOR = "ipykernel"
PLAIN_FLOOR = "plain exec"


@dataclass(frozen=True)
class Plan:
    """How much to measure: the full run, or ``--quick`` for a smoke test."""

    repeats: int
    tracking_repeats: int
    chain_sizes: tuple[int, ...]
    ipyflow_chain_sizes: tuple[int, ...]
    graph_sizes: tuple[int, ...]
    graph_repeats: int
    starts: int
    slow_cells: bool  # run the 200 cells on systems limited to one repeat
    graph_budget: float  # seconds one graph build may be predicted to take, else not run


FULL = Plan(5, 5, (50, 100, 200, 500), (50, 100), (1_000, 3_000, 10_000), 3, 5, True, 150.0)
QUICK = Plan(1, 1, (20, 50), (20,), (200, 500), 1, 1, False, 30.0)


def system(name: str) -> System:
    for s in SYSTEMS:
        if s.name == name:
            return s
    raise KeyError(f"no system named {name!r}; known: {[s.name for s in SYSTEMS]}")


# ---- child side: one workload on one system -----------------------------------------------


def factory(sys_: System) -> Any:
    import sessions

    if sys_.session == "kernel":
        assert sys_.kernel is not None
        return lambda: sessions.KernelSession(sys_.kernel, sys_.frontend)
    return sessions.IN_PROCESS[sys_.session]


def child(workload: str, name: str, plan: Plan) -> dict[str, list[float]]:
    import graph_peers
    import workloads

    sys_ = system(name)
    floor = system(KERNEL_FLOOR if sys_.session == "kernel" else PLAIN_FLOOR)
    paired = factory(floor) if floor != sys_ else None
    if workload == "cells":
        return workloads.trivial_cells(factory(sys_), min(plan.repeats, sys_.max_repeats), paired)
    if workload == "tracking":
        reps = min(plan.tracking_repeats, sys_.max_repeats)
        return workloads.tracking(factory(sys_), reps, paired)
    if workload == "propagation":
        sizes = plan.ipyflow_chain_sizes if sys_.frontend == "ipyflow" else plan.chain_sizes
        reps = min(plan.repeats, max(sys_.max_repeats, 2))
        return workloads.propagation(factory(sys_), list(sizes), reps)
    if workload == "graph":
        return graph_peers.run(
            sys_.session, list(plan.graph_sizes), plan.graph_repeats, plan.graph_budget
        )
    if workload == "first-cell":
        session = factory(sys_)()
        session.run("c0", "x = 1")
        return {}
    raise ValueError(f"unknown workload {workload!r}")


# ---- parent side ---------------------------------------------------------------------------


def kernel_env() -> dict[str, str]:
    """This venv's kernelspecs first, so ``python3`` and ``ipyflow`` are the pinned ones."""
    env = dict(os.environ)
    share = str(Path(sys.prefix) / "share" / "jupyter")
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (share, env.get("JUPYTER_PATH")) if p)
    env["PYTHONWARNINGS"] = "ignore"
    return env


def spawn(workload: str, name: str, quick: bool, timeout: float = 900) -> dict[str, Any]:
    """Run one workload on one system in a fresh process; its JSON samples, or the error."""
    cmd = [sys.executable, str(HERE / "peers.py"), "--child", workload, name]
    if quick:
        cmd.append("--quick")
    begin = time.perf_counter()
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=timeout, env=kernel_env(), check=False
    )
    wall = time.perf_counter() - begin
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": tail[:300], "wall": wall}
    result: dict[str, Any] = json.loads(lines[-1])
    result["wall"] = wall
    return result


def first_cell_launch(name: str) -> float:
    """Seconds from launching a process to its first cell having run (in-process systems)."""
    begin = time.perf_counter()
    result = spawn("first-cell", name, quick=True)
    if "error" in result:
        raise RuntimeError(result["error"])
    return time.perf_counter() - begin


def kernel_starts(kernel: str, n: int) -> dict[str, list[float]]:
    from kernels import first_reply

    os.environ.update(kernel_env())
    infos, firsts = [], []
    for _ in range(n):
        info, first = first_reply(kernel)
        infos.append(info)
        firsts.append(first)
    return {"start:info": infos, "start:first": firsts}


def installed(sys_: System) -> bool:
    if sys_.session != "kernel":
        return True
    from kernels import available

    os.environ.update(kernel_env())
    return available(sys_.kernel or "")


def measure(plan: Plan, quick: bool, only: list[str] | None) -> dict[str, Any]:
    results: dict[str, Any] = {"systems": {}, "meta": environment()}
    for sys_ in SYSTEMS:
        if only and sys_.name not in only:
            continue
        entry: dict[str, Any] = {
            "driven": sys_.driven,
            "kind": "kernel" if sys_.session == "kernel" else "in-process",
            "workloads": list(sys_.workloads),
        }
        results["systems"][sys_.name] = entry
        if not installed(sys_):
            entry["missing"] = f"kernelspec `{sys_.kernel}` not installed"
            print(f"{sys_.name}: {entry['missing']}", flush=True)
            continue
        for workload in sys_.workloads:
            if workload == "cells" and sys_.max_repeats < 2 and not plan.slow_cells:
                entry.setdefault("errors", {})[workload] = "skipped in --quick"
                continue
            print(f"{sys_.name}: {workload} ...", end=" ", flush=True)
            out = spawn(workload, sys_.name, quick)
            if "error" in out:
                entry.setdefault("errors", {})[workload] = out.pop("error")
            print(f"{out.get('wall', 0):.1f} s", flush=True)
            entry.update({k: v for k, v in out.items() if k != "wall"})
        if sys_.frontend == "ipyflow":
            continue  # the same kernel as "IPyflow": its start is measured there
        print(f"{sys_.name}: start ...", end=" ", flush=True)
        begin = time.perf_counter()
        if sys_.session == "kernel":
            entry.update(kernel_starts(sys_.kernel or "", plan.starts))
        else:
            entry["start:first"] = [first_cell_launch(sys_.name) for _ in range(plan.starts)]
        print(f"{time.perf_counter() - begin:.1f} s", flush=True)
    results["graph"] = {}
    for name in ("reflow", "marimo"):
        if only and name not in only:
            continue
        print(f"graph: {name} ...", end=" ", flush=True)
        out = spawn("graph", name, quick, timeout=1800)
        print(f"{out.pop('wall', 0):.1f} s", flush=True)
        results["graph"][name] = out
    results["meta"]["load_after"] = os.getloadavg()
    results["plan"] = plan.__dict__
    return results


def environment() -> dict[str, Any]:
    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "not installed"

    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(
            ["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    dists = [
        "reflow",
        "ipykernel",
        "ipython",
        "ipyflow",
        "ipyflow-core",
        "marimo",
        "jupyter_client",
        "pyzmq",
        "numpy",
        "pandas",
        "matplotlib",
    ]
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "cpu_model": model,
        "load_before": os.getloadavg(),
        "reflow_commit": commit,
        "versions": {d: version(d) for d in dists},
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="small sizes, one repeat: a smoke test"
    )
    parser.add_argument("--write", type=Path, help="write the report (markdown) to this file")
    parser.add_argument("--plot", type=Path, help="write the scaling plot (PNG) here")
    parser.add_argument("--json", type=Path, help="write the raw samples here")
    parser.add_argument("--from-json", type=Path, help="render a report from saved samples")
    parser.add_argument("--systems", nargs="*", help="only these systems (by name)")
    parser.add_argument("--child", nargs=2, metavar=("WORKLOAD", "SYSTEM"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    sys.setrecursionlimit(20_000)
    if args.child:
        print(json.dumps(child(args.child[0], args.child[1], plan)))
        return
    if args.from_json:
        results = json.loads(args.from_json.read_text())
    else:
        results = measure(plan, args.quick, args.systems)
        if args.json:
            args.json.write_text(json.dumps(results, indent=1) + "\n")
    import render

    plot_name = args.plot.name if args.plot else None
    text = render.report(results, plot_name)
    print(text)
    if args.write:
        args.write.write_text(text)
    if args.plot:
        render.plot(results, args.plot)


if __name__ == "__main__":
    main()
