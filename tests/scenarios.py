"""A tiny language for scheduler scenarios, so each case reads as data.

A case names its cells with letters, in notebook order, and lists steps:

    "run b"            nb.run(b)            "alone b"       nb.run(b, alone=True)
    "run_all"          nb.run_all()         "run_stale"     nb.run_stale()
    "edit b: x = 2"    nb.edit(b, "x = 2")  "delete b"      nb.delete(b)
    "move b 0"         nb.move(b, 0)        "add d: y = 1"  nb.add("y = 1") as d
    "add d@1: y = 1"   insert d at index 1
    "mode lazy"        nb.mode = "lazy"     "direction any_order"

Expectations apply to the last step: the cells it ran (in order), statuses,
values in the namespace, names absent from it, errors by type, and text a
stale cell's reason holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reflow import Notebook, Run


@dataclass
class Case:
    id: str
    cells: dict[str, str]
    steps: list[str]
    ran: list[str] | None = None
    status: dict[str, str] = field(default_factory=dict)
    ns: dict[str, Any] = field(default_factory=dict)
    absent: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    cancelled: list[str] | None = None
    unpulled: list[str] | None = None
    run_stale: list[str] | None = None
    parents: dict[str, list[str]] = field(default_factory=dict)
    refs: dict[str, list[str]] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    stdout: dict[str, str] = field(default_factory=dict)
    error_mentions: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)  # text in a stale cell's reason
    mode: str = "reactive"
    direction: str = "in_order"


class Scenario:
    def __init__(self, case: Case) -> None:
        self.case = case
        self.nb = Notebook(mode=case.mode, direction=case.direction)
        self.ids: dict[str, str] = {}
        for label, code in case.cells.items():
            self.ids[label] = self.nb.add(code, id=label).id
        self.last: Run | None = None

    def label(self, cell_id: str) -> str:
        return next(k for k, v in self.ids.items() if v == cell_id)

    def step(self, step: str) -> None:
        nb = self.nb
        verb, _, rest = step.partition(" ")
        if verb == "run":
            self.last = nb.run(self.ids[rest])
        elif verb == "alone":
            self.last = nb.run(self.ids[rest], alone=True)
        elif verb == "run_all":
            self.last = nb.run_all()
        elif verb == "run_stale":
            self.last = nb.run_stale()
        elif verb == "edit":
            label, _, code = rest.partition(": ")
            nb.edit(self.ids[label], code.replace("\\n", "\n"))
        elif verb == "delete":
            self.last = nb.delete(self.ids[rest])
        elif verb == "move":
            label, index = rest.split()
            nb.move(self.ids[label], int(index))
        elif verb == "add":
            head, _, code = rest.partition(": ")
            label, _, index = head.partition("@")
            cell = nb.add(code.replace("\\n", "\n"), int(index) if index else None, id=label)
            self.ids[label] = cell.id
        elif verb == "mode":
            nb.mode = rest
        elif verb == "direction":
            nb.direction = rest
        else:
            raise ValueError(f"unknown step {step!r}")

    def play(self) -> None:
        for step in self.case.steps:
            self.step(step)

    def check(self) -> None:
        case, nb = self.case, self.nb
        if case.ran is not None:
            assert self.last is not None, "no run step"
            ran = [self.label(c) for c in self.last.ran]
            assert ran == case.ran, f"ran {ran}, expected {case.ran}; errors {self.last.errors}"
        if case.cancelled is not None:
            assert self.last is not None
            assert sorted(self.label(c) for c in self.last.cancelled) == sorted(case.cancelled)
        if case.unpulled is not None:
            assert self.last is not None
            assert [self.label(c) for c in self.last.unpulled] == case.unpulled
        if case.run_stale is not None:
            assert self.last is not None
            assert [self.label(c) for c in self.last.stale] == case.run_stale
        for label, parents in case.parents.items():
            assert [self.label(c) for c in nb.parents(self.ids[label])] == parents
        for label, refs in case.refs.items():
            assert nb.refs(self.ids[label]) == refs
        for label, status in case.status.items():
            cell = nb.cell(self.ids[label])
            assert cell.status == status, (
                f"{label}: {cell.status} != {status} ({cell.stale_reason or cell.error})"
            )
        for name, value in case.ns.items():
            assert name in nb, f"{name} missing from the namespace"
            assert nb[name] == value, f"{name} = {nb[name]!r}, expected {value!r}"
        for name in case.absent:
            assert name not in nb, f"{name} should not be in the namespace"
        for label, kind in case.errors.items():
            error = nb.cell(self.ids[label]).error
            assert error is not None and error.type == kind, f"{label}: {error}"
        for label, text in case.error_mentions.items():
            error = nb.cell(self.ids[label]).error
            assert error is not None and text in error.message, f"{label}: {error}"
        for label, text in case.reasons.items():
            reason = nb.cell(self.ids[label]).stale_reason
            assert reason is not None and text in reason, f"{label}: {reason!r}"
        for label, value in case.outputs.items():
            assert nb.cell(self.ids[label]).output == value
        for label, text in case.stdout.items():
            assert nb.cell(self.ids[label]).stdout == text
