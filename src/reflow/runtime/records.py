"""What the runtime remembers of each cell between runs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reflow._types import no_items
from reflow.analysis.effects import CellAnalysis, PathPart
from reflow.analysis.normalize import normalized
from reflow.runtime.errors import CellError
from reflow.runtime.versions import Symbol, Version


@dataclass(slots=True)
class CellRecord:
    """One cell's source and the facts of its last run.

    ``seen`` holds, for each name the cell read, the newest version it saw
    (``None`` where no cell above had written it), of the parts in
    ``read_paths`` where the cell read only those (see ``VersionLedger.visible``);
    ``seen_writes`` holds, for a name whose object had parts stored into since its
    binding, every write the cell saw of what it read (``VersionLedger.visible_writes``);
    ``wrote`` the versions its last run made, of whole names and of parts
    (``wrote_parts`` names the latter, so that nobody scans ``wrote`` for them).
    Status is derived from these, never stored, except for the two flags:
    ``interrupted_before_run`` (a run planned it and was stopped first) and
    ``blocked`` (the graph refused it: a clash, a cycle), both cleared by a run.
    """

    code: str
    analysis: CellAnalysis
    ran_code: str | None = None
    run_stamp: int = -1
    seen: Mapping[Symbol, Version | None] = field(default_factory=no_items)
    read_paths: Mapping[str, frozenset[tuple[PathPart, ...]]] = field(default_factory=no_items)
    seen_writes: Mapping[str, frozenset[Version]] = field(default_factory=no_items)
    shapes_seen: Mapping[Symbol, Version | None] = field(default_factory=no_items)
    """For each part its code stores whole (`xs[1] = 5`), the write that had made the part
    there when it ran (``VersionLedger.shaper``; ``None``: none, or its own): a store needs
    its part's shape (a list's index fails without it; a dict keeps a key where it was
    added), though it reads nothing of the part (``StatusBoard._reshaped``)."""
    wrote: dict[Symbol, Version] = field(default_factory=dict)
    wrote_parts: frozenset[str] = frozenset()
    out_of_order: frozenset[str] = frozenset()
    astray: frozenset[str] = frozenset()
    """Names its last run changed in place through a name only a cell below binds
    (``Session._changed_out_of_order``): no change a run-all makes. Such a run is not
    made again for others (a push, a pull, a replay), and no reader waits on it."""
    imported_left: Mapping[str, tuple[Any, Any]] = field(default_factory=no_items)
    """Names bound by an import from a module (`from lm import lst`) whose objects its last
    run changed in place, each with the object and its fingerprint after that run
    (``Session._stacked_in_imported``)."""
    reads_own: frozenset[str] = frozenset()
    """Names its last run read only as it bound them itself, having found them unbound
    (``Session._own_leftovers``): no read of another cell's write."""
    output: Any = None
    stdout: str = ""
    stderr: str = ""
    error: CellError | None = None
    interrupted_before_run: bool = False
    blocked: bool = False
    dirty: bool = False
    from_cache: bool = False
    """Its last run was a cache hit: values and output restored, the code not run."""

    @property
    def has_run(self) -> bool:
        return self.ran_code is not None

    @property
    def ever_planned(self) -> bool:
        """Ran, or was meant to: reactive pushes reach such cells, never brand-new ones."""
        return self.has_run or self.error is not None or self.interrupted_before_run or self.blocked

    def reading(
        self,
    ) -> tuple[
        dict[Symbol, Version | None],
        dict[str, frozenset[tuple[PathPart, ...]]],
        dict[str, frozenset[Version]],
    ]:
        """``seen``, ``read_paths`` and ``seen_writes`` as dicts of the record's own, to add
        to. A run that read nothing, or nothing by parts, leaves the one shared empty
        mapping instead (``EMPTY_MAP``): three empty dicts an execution, kept for as long
        as the cell is in the notebook."""
        if type(self.seen) is not dict:
            self.seen = {}
        if type(self.read_paths) is not dict:
            self.read_paths = {}
        if type(self.seen_writes) is not dict:
            self.seen_writes = {}
        return self.seen, self.read_paths, self.seen_writes

    def writes_of(self, name: str) -> list[tuple[Symbol, Version]]:
        """This cell's last writes of ``name``: of the whole and of its parts."""
        found = []
        if name in self.wrote_parts:
            found = [(s, v) for s, v in self.wrote.items() if s.name == name and s.path]
        whole = self.wrote.get(Symbol(name))
        if whole is not None:
            found.append((Symbol(name), whole))
        return found

    def left_alone(self, name: str) -> bool:
        """Whether its last run, without error, did not write ``name``, which its code
        binds only on some paths (``maybe_unbound``: a loop run zero times, an ``if`` not
        taken): a run-all leaves there what the writer above it leaves, or nothing."""
        return (
            name in self.analysis.maybe_unbound  # (first: for most cells, empty)
            and self.ran_code is not None
            and not self.dirty
            and self.error is None
            and Symbol(name) not in self.wrote
            and name not in self.wrote_parts
        )

    def failed_before(self, name: str) -> bool:
        """Whether its last run (of its code now) raised before writing ``name``."""
        return (
            self.error is not None
            and self.ran_code is not None
            and not self.dirty
            and Symbol(name) not in self.wrote
            and name not in self.wrote_parts
        )

    def edit(self, code: str, analysis: CellAnalysis) -> None:
        """New source; dirty if it ran and the edit changed more than comments and layout."""
        self.code = code
        self.analysis = analysis
        if self.ran_code is None and self.error is not None and self.error.cause is not None:
            self.error = None  # cancelled before it ever ran: the new code has not run
        if self.ran_code is None or self.ran_code == code:
            self.dirty = False
        else:
            before = normalized(self.ran_code)
            self.dirty = before is None or before != normalized(code)
