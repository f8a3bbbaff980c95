"""The peer-benchmark harness cannot rot: its pure parts, and its workloads run in process.

The full comparison (kernels, marimo) runs in its own venv via ``make bench``;
here only what the test venv has: plain ``exec`` and ``reflow.Notebook``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import graph_peers
import render
import workloads
from report import Summary, markdown_table, ratio, ratio_with_min, samples_of
from sessions import PlainSession, ReflowSession


@pytest.mark.parametrize(
    ("samples", "median", "low", "high"),
    [
        ([3.0], 3.0, 3.0, 3.0),
        ([1.0, 5.0, 2.0], 2.0, 1.0, 5.0),
        ([4.0, 1.0, 2.0, 3.0], 2.5, 1.0, 4.0),
    ],
)
def test_summary_is_median_and_spread(
    samples: list[float], median: float, low: float, high: float
) -> None:
    s = Summary.of(samples)
    assert (s.median, s.low, s.high, s.n) == (median, low, high, len(samples))


def test_summary_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError, match="no samples"):
        Summary.of([])


@pytest.mark.parametrize(
    ("samples", "unit", "text"),
    [
        ([0.0015], 1e-3, "1.50"),
        ([0.001, 0.002, 0.004], 1e-3, "2.00 (1.00-4.00)"),
        ([1234.5, 1234.5], 1.0, "1,234.50 (1,234.50-1,234.50)"),
    ],
)
def test_summary_text(samples: list[float], unit: float, text: str) -> None:
    assert Summary.of(samples).text(unit=unit) == text


@pytest.mark.parametrize(
    ("value", "floor", "text"),
    [
        ([2.0], [1.0], "2.00x"),
        ([1.0, 3.0, 5.0], [2.0], "1.50x"),
        (None, [1.0], "-"),
        ([1.0], None, "-"),
        ([1.0], [0.0], "-"),
    ],
)
def test_ratio_of_medians(value: list[float] | None, floor: list[float] | None, text: str) -> None:
    def summary(samples: list[float] | None) -> Summary | None:
        return Summary.of(samples) if samples is not None else None

    assert ratio(summary(value), summary(floor)) == text


def test_ratio_with_min_shows_both_ratios() -> None:
    assert ratio_with_min(Summary.of([2.0, 4.0, 9.0]), Summary.of([1.0, 2.0, 3.0])) == (
        "2.00x (min 2.00x)"
    )
    assert ratio_with_min(Summary.of([8.0, 9.0, 20.0]), Summary.of([9.0, 10.0])) == (
        "0.95x (min 0.89x)"
    )
    assert ratio_with_min(None, Summary.of([1.0])) == "-"


def test_markdown_table_escapes_pipes_and_checks_widths() -> None:
    table = markdown_table(["a", "b"], [["1", "x|y"]])
    assert table.splitlines() == ["| a | b |", "|---|---|", "| 1 | x\\|y |"]
    with pytest.raises(ValueError, match="has 1 cells"):
        markdown_table(["a", "b"], [["1"]])


def test_samples_of_reads_only_non_empty_lists() -> None:
    assert samples_of({"k": [1, 2, 3]}, "k") == Summary(2.0, 1.0, 3.0, 3)
    assert samples_of({"k": []}, "k") is None
    assert samples_of({"k": "failed"}, "k") is None
    assert samples_of({}, "k") is None


def test_report_renders_every_section_with_ratios_to_the_right_floor() -> None:
    results = {
        "meta": {"versions": {"marimo": "0.0"}, "cpu_count": 2, "python": "3.11"},
        "plan": {"repeats": 1},
        "systems": {
            "plain exec": {"kind": "in-process", "workloads": ["cells"], "cells": [0.001]},
            "reflow": {
                "kind": "in-process",
                "workloads": ["cells", "propagation"],
                "cells": [0.004],
                "rss:start": [10 * render.MB],
                "rss:after": [12 * render.MB],
            },
            "ipykernel": {"kind": "kernel", "workloads": ["cells"], "cells": [1.0]},
            "IPyflow": {"kind": "kernel", "workloads": ["cells"], "cells": [3.0]},
            # Paired: its ratio is to the floor kernel run alongside, not to ipykernel's row.
            "marimo": {
                "kind": "in-process",
                "workloads": ["cells"],
                "cells": [0.006],
                "floor:cells": [0.002],
            },
            "reflow kernel": {"kind": "kernel", "workloads": ["cells"], "missing": "no spec"},
        },
        "graph": {"reflow": {"parse:chain:10": [0.001], "build:chain:10": [0.004]}},
    }
    text = render.report(results, "scaling.png")
    for title in ("Per-cell", "Tracking", "Kernel start", "Graph build", "propagation", "Memory"):
        assert title in text
    assert "| reflow | 4.00 | 0.020 | 4.00x | - |" in text  # against plain exec
    assert "| IPyflow | 3,000.00 | 15.000 | - | 3.00x |" in text  # against ipykernel
    assert "| marimo | 6.00 | 0.030 | 3.00x | - |" in text  # against its own paired floor
    assert "| reflow kernel | not installed |" in text
    assert "| reflow | 10.0 | 12.0 | +2.0 |" in text
    assert "| chain | 10 | 1.00 | 4.00 | - | 4.00x | - |" in text
    assert "![How each system's cost grows with notebook size](scaling.png)" in text


@pytest.mark.parametrize("session", [PlainSession, ReflowSession], ids=["plain", "reflow"])
def test_workloads_run_and_check_their_results(session: workloads.Factory) -> None:
    cells = workloads.trivial_cells(session, repeats=1)
    assert len(cells["cells"]) == 1 and cells["rss:after"][0] > 0
    chain = workloads.propagation(session, [5, 12], repeats=2)
    assert set(chain) == {"chain-build:5", "propagate:5", "chain-build:12", "propagate:12"}
    assert len(chain["propagate:12"]) == 2


def test_trivial_cells_run_alongside_their_floor() -> None:
    out = workloads.trivial_cells(ReflowSession, repeats=2, floor=PlainSession)
    assert len(out["cells"]) == len(out["floor:cells"]) == 2
    assert all(t > 0 for t in out["floor:cells"])


def test_tracking_workloads_compute_what_they_claim_paired_with_their_floor() -> None:
    out = workloads.tracking(ReflowSession, repeats=1, floor=PlainSession)
    keys = [key for key, *_ in workloads.TRACKING]
    assert set(out) == {f"{p}:{k}" for k in keys for p in ("track", "floor:track")}


def test_a_wrong_result_fails_the_workload() -> None:
    class Liar(PlainSession):
        def value(self, name: str) -> object:
            return "wrong"

    with pytest.raises(AssertionError, match="expected"):
        workloads.trivial_cells(Liar, repeats=1)


def test_plain_reactive_floor_reruns_the_cells_below_an_edit() -> None:
    s = PlainSession()
    for cell_id, code in workloads.chain(4):
        assert s.run(cell_id, code) == 1
    assert s.run("p1", "v1 = v0 + 10") == 3
    assert s.value("v3") == 12


def test_graph_workload_on_reflow_counts_dependents() -> None:
    out = graph_peers.run("reflow", [40], repeats=1)
    assert {k.split(":")[0] for k in out} == {"parse", "build", "replan", "dependents"}
    assert set(out) >= {"build:chain:40", "replan:star:40"}


def test_graph_sizes_predicted_over_budget_are_not_run_but_reported() -> None:
    out = graph_peers.run("reflow", [30, 60, 120], repeats=1, budget=0.0)
    assert "build:chain:30" in out and "build:chain:60" not in out
    assert out["predicted:chain:120"][0] > out["predicted:chain:60"][0] > 0
    text = render.graph_section({"graph": {"marimo": out}})
    assert "| chain | 120 |" in text and "s predicted" in text
