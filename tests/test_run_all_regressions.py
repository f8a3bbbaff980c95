"""Sequences the run-all property tests found on other seeds (50,000 by hand), kept as
regression cases, each replayed with the same checks (tests/test_run_all_equivalence.py)."""

from __future__ import annotations

from typing import Any

import pytest

from test_run_all_equivalence import (
    KINDS,
    check_against_run_all,
    check_mutable_against_run_all,
    exercise,
)

A_LIST = "a = [0]\nrepr(a)"
COPY = "a = list(a)\nrepr(a)"

FOUND: list[tuple[str, list[str], list[tuple[str, int, str]], Any, dict[str, Any]]] = [
    (
        "ints-a-reader-of-a-failed-writer-asked-for-by-name",
        ["c = 0\nc", "c = b + 0\nc", "c += 1\nc"],
        [
            ("edit", 0, "c += 0\nc"),
            ("add", 0, "a += 0\na"),
            ("edit", 0, "c = 0\nc"),
            ("edit", 0, "a = 0\na"),
            ("run", 3, "b += 3\nb"),
        ],
        check_against_run_all,
        {},
    ),
    (
        "lists-copies-after-adds-and-a-delete",
        ["b = [0]\nrepr(b)", "b = [0]\nrepr(b)", "a = list(c)\nrepr(a)", A_LIST, A_LIST, A_LIST],
        [
            ("add", 17, A_LIST),
            ("add", 0, COPY),
            ("add", 0, COPY),
            ("add", 0, A_LIST),
            ("delete", 0, A_LIST),
            ("add", 5, COPY),
            ("add", 0, COPY),
            ("run", 17, A_LIST),
        ],
        check_mutable_against_run_all,
        {"aliased": True},
    ),
    (
        "lists-copies-after-a-move-and-adds",
        [
            A_LIST,
            "b = [1]\nrepr(b)",
            "a = list(c)\nrepr(a)",
            A_LIST,
            "a = list(b)\nrepr(a)",
            A_LIST,
        ],
        [
            ("add", 17, COPY),
            ("move", 12, A_LIST),
            ("delete", 1, A_LIST),
            ("add", 0, A_LIST),
            ("add", 0, A_LIST),
            ("add", 0, A_LIST),
            ("add", 0, A_LIST),
            ("run", 17, A_LIST),
        ],
        check_mutable_against_run_all,
        {"aliased": True},
    ),
    (
        "parts-a-reader-added-then-its-binder-deleted",
        [
            *(f"{n} = {build.format(k=0)}\nrepr({n})" for n, (build, _) in KINDS.items()),
            "b = {'p': 1, 'q': 1}\na[0]",
        ],
        [("add", 2, "\nb['p']"), ("delete", 0, "a = [0, 0]\nrepr(a)"), ("run_all", 0, "")],
        check_mutable_against_run_all,
        {"settles": False},
    ),
]


@pytest.mark.parametrize(
    ("initial", "actions", "check", "options"),
    [row[1:] for row in FOUND],
    ids=[row[0] for row in FOUND],
)
def test_found_sequences_match_a_fresh_run_all(
    initial: list[str], actions: list[tuple[str, int, str]], check: Any, options: dict[str, Any]
) -> None:
    exercise(initial, actions, check, **options)
