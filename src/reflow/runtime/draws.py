"""Draws from a global random generator that no code of the notebook can seed.

``np.random`` and ``random`` share hidden generators (``fingerprint.global_generator``);
a draw changes their state, which reflow tracks as a write of the module's part
(``np.random``; ``Version.drew``). Where some cell seeds the generator, the numbers a
cell draws depend on every draw between the seed and it, and reproducing them means
replaying those draws (a re-run of `v = np.random.rand()` runs the seed and the draws
above it first). Where no cell can seed it, a run-all's generator starts from the
entropy drawn when it was imported: the numbers a cell draws are one sample of what a
run-all may give, whatever was drawn before. Then a difference in the generator's state
alone is no reason to call a cell stale nor to run the cells above it again: doing so
re-ran the import and every draw above a drawing cell, and every reader of what they
drew, over and over (a real notebook ran 608 cells for one re-run).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reflow.runtime.records import CellRecord
from reflow.runtime.versions import Version, VersionLedger

SEEDING = ("seed", "set_state", "setstate")
"""Words in a cell's code that may fix a generator's state (conservative: any mention,
a comment's too)."""


def undetermined_draws(
    name: str, since: int, ledger: VersionLedger, records: Mapping[Any, CellRecord]
) -> bool:
    """Whether every write of ``name`` newer than the stamp ``since`` is a draw, and no
    cell's code can seed a generator."""
    later = [version for _, version in ledger.writes_of(name) if version.stamp > since]
    return bool(later) and all(v.drew for v in later) and not seeding(records)


def undetermined_draw(version: Version, records: Mapping[Any, CellRecord]) -> bool:
    """Whether ``version`` is a draw, and no cell's code can seed a generator."""
    return version.drew and not seeding(records)


def seeding(records: Mapping[Any, CellRecord]) -> bool:
    """Whether some cell's code may seed a generator (then every draw's numbers count)."""
    return any(may_seed(record.code) for record in records.values())


def may_seed(code: str) -> bool:
    """Whether the code may seed a generator: adding, editing or deleting such a cell
    changes what every drawing cell's status rests on."""
    return any(word in code for word in SEEDING)
