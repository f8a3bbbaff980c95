"""Memoized cells: key, look up, restore on a hit, store after a miss.

The four outcomes of a memoized run::

    key?  --no (an input cannot be fingerprinted, exec/eval) --> run; one warning
     | yes
    hit?  --yes--> restore the values, the output (and, --verbose, what it printed)
     | no
    run   --raised--> nothing stored
     | ok
    store --unpicklable value, full disk--> one warning; the run's values stand

``CellMemoizer`` is what a ``Notebook`` gives its session (``runtime.memo``);
``run_memoized`` is the same logic for a host that runs cells its own way
(the Jupyter kernel's ``%%memoize`` magic, IPython with ``%load_ext reflow``).
A host executor that shows cells its own way (the kernel, with every cell
memoized) is a ``MemoHost``: it says which cells may be memoized, what a run
showed, and shows a hit as a run of the cell would have been shown.

Inputs the cell reads only in part (``cfg["a"]``) are keyed by those parts
(``parts.py``). Such a key covers a run that leaves those inputs alone; a run
that changes one (``cfg["c"] = 1``, or through an alias) is stored under the
key of the whole inputs instead, so a miss also looks that key up. Whether
it changed one is asked of the lineage (what the run wrote) and checked by
content: their digests before and after the run, since the lineage can miss
a change through an alias the cell made itself (``x = d["a"]; x.append(1)``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from reflow._types import CellId
from reflow.analysis import analyze
from reflow.analysis.magics import MemoizeDirective, split_memoize
from reflow.cache.digest import digest_of
from reflow.cache.entry import OUTPUT, Display, Entry, Unpicklable, encode
from reflow.cache.keys import Undigestable, cell_key, partial_inputs
from reflow.cache.parts import Parts, parts_from_analysis
from reflow.cache.store import CacheStore, warn
from reflow.graph.names import links_cells
from reflow.runtime.executor import Execution
from reflow.runtime.memo import MemoRequest

Policy = Literal["marked", "all"]
"""``marked``: only ``%%memoize`` cells; ``all``: every cell (``Notebook(cache="disk")``)."""

EVERY_CELL = MemoizeDirective(report="quiet", replay=True)
"""How cells are memoized when the whole notebook is: a hit looks like the run it restores."""


@dataclass(frozen=True, slots=True)
class Shown:
    """What a run showed besides its values: what it printed, and its rich displays."""

    stdout: str
    stderr: str
    displays: tuple[Display, ...] = ()


@runtime_checkable
class MemoHost(Protocol):
    """A host executor that shows cells its own way (the Jupyter kernel runs them through
    IPython): what a ``CellMemoizer`` asks it, since only the host knows."""

    def memoizable(self, cell: CellId, body: str) -> bool:
        """Whether every-cell memoization may take this cell (not one with IPython syntax,
        whose magics and shell commands a hit would skip)."""

    def shown(self, cell: CellId) -> Shown | None:
        """What the cell's run that just ended showed (``None``: not run by the host)."""

    def show_hit(
        self, cell: CellId, restored: Execution, displays: tuple[Display, ...]
    ) -> Execution:
        """Show a hit as the host shows a run: the restored output, printed text and
        displays; what it returns is the run the session records."""


class MissWitness:
    """Which names a missed run really bound, so that a hit restores exactly those.

    Two traps make "the names the code may bind" the wrong thing to store:

    - a binding not taken (``if flag: y = 2`` with ``flag`` false) leaves ``y``
      holding another cell's value; stored, a later hit would put that stale
      value back. So names the code may bind but does not read are taken out
      of the namespace while it runs (it does not read them: nothing can
      tell), and those it did not bind go back afterwards, unstored;
    - an object changed in place through an alias (``a.append(1)`` where ``b``
      is the same list) changes ``b``, which the key does not cover. A run
      that changes a name it neither reads nor binds is not stored at all.
    """

    def __init__(
        self, namespace: dict[str, Any], inputs: Iterable[str], binds: Iterable[str]
    ) -> None:
        self.namespace = namespace
        self.inputs = frozenset(inputs)
        self.hidden = {
            n: namespace.pop(n) for n in binds if n not in self.inputs and n in namespace
        }
        self.before = dict(namespace)  # who held which object as the run started
        self.put_back: set[str] = set()

    def settle(self) -> None:
        """Right after the run: put back what it did not bind."""
        for name, value in self.hidden.items():
            if name not in self.namespace:
                self.namespace[name] = value
                self.put_back.add(name)

    def written(self, names: Iterable[str]) -> list[str]:
        """The names among ``names`` that the run bound or changed (not those put back)."""
        return sorted(n for n in set(names) if n in self.namespace and n not in self.put_back)

    def outside_key(self, written: Iterable[str]) -> list[str]:
        """Names the run changed in place that the key does not cover (not read, not bound)."""
        return sorted(
            n
            for n in written
            if n not in self.inputs
            and n not in self.hidden
            and self.before.get(n, _MISSING) is self.namespace.get(n, _MISSING)
        )


@dataclass(slots=True)
class CellAttempt:
    """One memoized run: a hit (``restored``) or a miss waiting for ``store``."""

    key: str
    store_to: CacheStore
    label: str
    namespace: dict[str, Any]
    restored: Execution | None = None
    warn: Callable[[str], None] = warn
    witness: MissWitness | None = None
    partial: frozenset[str] = frozenset()
    """Inputs ``key`` digests by parts: a run that changes one is stored under ``whole_key``."""
    whole_key: str | None = None
    part_digests: dict[str, str] = field(default_factory=dict)
    """The whole digest of each of ``partial`` before the run (``whole_key`` took them)."""
    shown: Callable[[], Shown | None] | None = None
    """What the run showed, when the execution does not say it all (rich displays)."""

    def after_run(self) -> None:
        if self.witness is not None:
            self.witness.settle()

    def _changed_in_place(self) -> set[str]:
        """The inputs read in part whose content the run changed (or that cannot be told)."""
        changed = set()
        for name in self.partial:
            before = self.part_digests.get(name)
            try:
                after = digest_of(self.namespace[name], name) if name in self.namespace else None
            except Undigestable:
                after = None
            if before is None or after != before:
                changed.add(name)
        return changed

    def store(
        self, execution: Execution, written: Iterable[str], deleted: Iterable[str], seconds: float
    ) -> None:
        if self.witness is not None:
            written = self.witness.written(written)
            outside = self.witness.outside_key(written)
            if outside:
                names = ", ".join(f"`{n}`" for n in outside)
                self.warn(
                    f"{self.label} is not cached: it changes {names} without reading "
                    "it (through an alias?), which a cache hit could not replay"
                )
                return
        changed_parts = sorted(self.partial.intersection(written) | self._changed_in_place())
        written = sorted(set(written) | set(changed_parts))
        # A run that changed a part it read is stored under the key of the whole inputs.
        key = self.whole_key if changed_parts else self.key
        if key is None:
            names = ", ".join(f"`{n}`" for n in changed_parts)
            self.warn(
                f"{self.label} is not cached: it reads only a part of {names}, which cannot "
                "be fingerprinted whole, so reflow cannot tell whether the run changed it"
            )
            return
        values = {name: self.namespace[name] for name in written if name in self.namespace}
        if execution.output is not None:
            values[OUTPUT] = execution.output
        shown = self.shown() if self.shown is not None else None
        if shown is None:
            shown = Shown(execution.stdout, execution.stderr)
        entry = Entry(
            values,
            tuple(deleted),
            shown.stdout,
            shown.stderr,
            seconds,
            self.label,
            shown.displays,
        )
        store_entry(self.store_to, key, entry, self.warn)


@dataclass
class CellMemoizer:
    """The notebook's memo: which cells are memoized, and where their runs are kept.

    ``store`` is called the first time a cell needs it, so that a notebook
    without memoized cells never creates a cache directory.
    """

    store: Callable[[], CacheStore]
    policy: Policy = "marked"
    host: MemoHost | None = None
    _warned: set[str] = field(default_factory=set)

    def memoizes(self, directive: MemoizeDirective | None) -> bool:
        return directive is not None or self.policy == "all"

    def attempt(self, request: MemoRequest) -> CellAttempt | None:
        directive = request.directive
        if directive is None:
            if self.policy != "all":
                return None
            directive = EVERY_CELL
        if self.host is not None and not self.host.memoizable(request.cell, request.body):
            return None
        label = f"cell {request.cell}"
        if request.reads_all:
            self._warn_once(
                f"{label} is not cached: it uses exec, eval, globals() or import *, "
                "so reflow cannot know every input it reads",
            )
            return None
        try:
            key = cell_key(request.body, request.inputs, request.namespace, request.parts)
        except Undigestable as problem:
            self._warn_once(f"{label} is not cached: {problem}")
            return None
        except SyntaxError:
            return None  # the run reports it
        store = self.store()
        attempt = CellAttempt(key, store, label, request.namespace, warn=self._warn_once)
        entry = look_up(attempt, request.body, request.inputs, request.parts)
        host, cell = self.host, request.cell
        if entry is not None:
            restored = restore(entry, request.namespace, directive)
            if host is not None:
                displays = entry.displays if directive.replay else ()
                restored = host.show_hit(cell, restored, displays)
            attempt.restored = restored
        else:
            attempt.witness = MissWitness(request.namespace, request.inputs, request.binds)
            if host is not None:
                attempt.shown = lambda: host.shown(cell)
        return attempt

    def _warn_once(self, message: str) -> None:
        if message not in self._warned:
            self._warned.add(message)
            warn(message)


def look_up(attempt: CellAttempt, body: str, inputs: Iterable[str], parts: Parts) -> Entry | None:
    """The entry under the attempt's key; else, for a key that took parts, under the key
    of the whole inputs (set as ``whole_key``: where a run changing a part read is kept).

    Computed before the run, while the inputs still hold what the run reads.
    """
    namespace, store = attempt.namespace, attempt.store_to
    entry = store.get(attempt.key, namespace)
    if entry is not None:
        return entry
    attempt.partial = partial_inputs(parts, namespace) & frozenset(inputs)
    if not attempt.partial:
        attempt.whole_key = attempt.key
        return None
    digests: dict[str, str] = {}
    try:
        attempt.whole_key = cell_key(body, inputs, namespace, digests=digests)
    except Undigestable:  # a part read can be fingerprinted, the whole cannot
        return None
    attempt.part_digests = {n: digests[n] for n in attempt.partial if n in digests}
    return store.get(attempt.whole_key, namespace)


def restore(entry: Entry, namespace: dict[str, Any], directive: MemoizeDirective) -> Execution:
    """Put an entry's values back; what the cell shows on a hit."""
    output = entry.values.get(OUTPUT)
    names = sorted(n for n in entry.values if n != OUTPUT)
    for name in names:
        namespace[name] = entry.values[name]
    for name in entry.deleted:
        namespace.pop(name, None)
    stdout = entry.stdout if directive.replay else ""
    stderr = entry.stderr if directive.replay else ""
    if directive.report == "line":
        stdout += hit_line(names, entry.run_seconds) + "\n"
    return Execution(output, stdout, stderr, None)


def hit_line(names: list[str], seconds: float) -> str:
    shown = ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")
    what = f"restored {shown}" if names else "restored the output"
    return f"[reflow] memoized: {what} from the cache (the run took {seconds:.3g} s)"


def store_entry(
    store: CacheStore, key: str, entry: Entry, warn: Callable[[str], None] = warn
) -> bool:
    """Encode and keep an entry; one warning (and ``False``) if a value cannot be pickled."""
    try:
        encoded = encode(entry)
    except Unpicklable as problem:
        warn(f"{entry.label or 'the result'} is not cached: {problem}")
        return False
    return store.put(key, encoded)


@dataclass(frozen=True, slots=True)
class MemoOutcome:
    """What ``run_memoized`` did: ``hit`` or ran; ``key`` is None when nothing could be keyed.

    ``displays``: on a hit that replays (``--verbose``), the rich outputs the run displayed,
    for the host to show again.
    """

    execution: Execution
    hit: bool
    key: str | None
    displays: tuple[Display, ...] = ()


def run_memoized(
    code: str,
    namespace: dict[str, Any],
    execute: Callable[[str], Execution],
    store: CacheStore,
    *,
    directive: MemoizeDirective | None = None,
    inputs: Iterable[str] | None = None,
    label: str = "cell",
    shown: Callable[[], Shown | None] | None = None,
) -> MemoOutcome:
    """Memoize one cell run by a host: the seam for the kernel's ``%%memoize`` magic.

    ``code`` may open with the ``%%memoize`` line (it is parsed) or be the body
    alone (then ``directive`` says how to report). ``execute(body)`` runs the
    body the host's way. ``inputs`` defaults to the names static analysis says
    the code reads; notebook functions among them bring their own code and
    globals into the key; names the code reads only at constant paths
    (``cfg["a"]``) are keyed by those parts. What is stored after a miss: the
    names the code binds or mutates (static analysis) and any other name whose
    binding the run changed. ``shown()``, called after a miss's run, says what
    it showed when ``execute``'s result does not (its rich displays).
    """
    memoized = split_memoize(code)
    if memoized.problem is not None:
        raise ValueError(memoized.problem)
    directive = memoized.directive or directive or MemoizeDirective()
    analysis = analyze(memoized.body)
    if analysis.dynamic or analysis.star_import:
        warn(f"{label} is not cached: it uses exec, eval, globals() or import *")
        return MemoOutcome(execute(memoized.body), False, None)
    names = set(analysis.refs) if inputs is None else set(inputs)
    parts = parts_from_analysis(analysis.read_paths, namespace, analysis.defs)
    try:
        key = cell_key(memoized.body, names, namespace, parts)
    except Undigestable as problem:
        warn(f"{label} is not cached: {problem}")
        return MemoOutcome(execute(memoized.body), False, None)
    attempt = CellAttempt(key, store, label, namespace, shown=shown)
    entry = look_up(attempt, memoized.body, names, parts)
    if entry is not None:
        displays = entry.displays if directive.replay else ()
        return MemoOutcome(restore(entry, namespace, directive), True, key, displays)
    attempt.witness = witness = MissWitness(namespace, names, analysis.defs - analysis.deletes)
    started = time.perf_counter()
    try:
        execution = execute(memoized.body)
    finally:
        attempt.after_run()
    seconds = time.perf_counter() - started
    if execution.error is None:
        before = witness.before
        changed = {
            n for n, v in namespace.items() if before.get(n, _MISSING) is not v and links_cells(n)
        }
        written = (analysis.defs | analysis.mutated_names | changed) & set(namespace)
        deleted = (set(before) | analysis.deletes) - set(namespace)
        attempt.store(execution, sorted(written), sorted(deleted), seconds)
    return MemoOutcome(execution, False, key)


_MISSING = object()
