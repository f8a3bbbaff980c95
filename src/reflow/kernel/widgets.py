"""Widgets as reactive inputs: a widget the user moves is a change no cell made.

ipywidgets applies a frontend's change to the widget's traits when the comm
message arrives, between executions, so no cell's fingerprints see it.
``WidgetInputs`` watches the widgets the notebook's globals hold (bound to a
name, inside a list, tuple or dict bound to one, among a box's children,
``interactive`` included, or the controls ``@interact`` hangs on a function)
and turns a change into ``Flow.outside_change``: the cells that read the name
re-run (reactive) or go stale (lazy); the cell that made the widget does not
re-run, which would reset it.

Coalescing. A change only schedules a flush on the kernel's event loop, once
the changes have been quiet for ``QUIET_SECONDS``. Messages that arrive while
cells run wait in the kernel's queue; when it is free they are applied one
after the other, each a trait change and nothing more, and the one flush that
follows runs the readers once, with the latest value. A slider dragged faster
than its readers finish therefore never queues a run per position.

Threads. ipywidgets 8 hands a widget's comm messages to a subshell of their own
(ipykernel 7), so a frontend's change is applied in that thread, even while a
cell runs in the main one. ipywidgets marks such a change (the trait is in the
widget's ``_property_lock`` while the frontend's state is applied): it is the
user's, whenever it comes, and a reader it overtook mid-run goes stale with it.
Any other change made while reflow runs cells (a cell setting ``slider.value``)
is left to the lineage, which sees it as that cell's write. The flush takes
ipykernel's shell lock, so it never interleaves with an execute_request.
Scanning costs nothing until a cell imports ipywidgets, and then one pass over
the globals per execution.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import time
import types
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from reflow.graph.names import links_cells

if TYPE_CHECKING:
    from reflow.kernel.flow import Flow
    from reflow.runtime.scheduler import Run

QUIET_SECONDS = 0.03
"""How long changes must pause before their readers run: longer than the gap between
the messages of one drag that the kernel had queued, short enough not to be seen."""

_CONTAINER_ITEMS = 256  # items of a list, tuple or dict looked at for widgets
_BOX_WIDGETS = 1024  # widgets looked at below one box

_log = logging.getLogger("reflow.kernel")

Holder = tuple[str, bool]
"""A global holding a widget, and whether it is bound to the widget itself (then a
change is of the attributes that changed) or holds it inside (of the whole value)."""


class WidgetInputs:
    def __init__(self, flow: Flow) -> None:
        self._flow = flow
        self._holders: dict[int, list[Holder]] = {}  # by id() of the widget
        self._observed: dict[int, Any] = {}  # the widgets observed, kept for unobserve
        self._pending: dict[str, set[str] | None] = {}
        self._last_change = 0.0
        self._scheduled = False
        self._lock = threading.Lock()  # the three above: changes come from other threads
        flow.listeners.append(self._after_execution)

    # ---- which widgets the globals hold -------------------------------------------------

    def _after_execution(self, run: Run | None) -> None:
        self.scan()

    def scan(self) -> None:
        """Observe the widgets the globals hold now; forget those they no longer hold."""
        widget_type = _widget_type()
        if widget_type is None:
            return
        holders: dict[int, list[Holder]] = {}
        found: dict[int, Any] = {}
        for name, value in list(self._flow.shell.user_ns.items()):
            if not links_cells(name):
                continue  # IPython's Out, _, _1 ... hold what cells showed, not inputs
            for widget, direct in _widgets_in(value, widget_type):
                holders.setdefault(id(widget), []).append((name, direct))
                found[id(widget)] = widget
        for key, widget in self._observed.items():
            if key not in found:
                _unobserve(widget, self._on_change)
        for key, widget in found.items():
            if key not in self._observed:
                widget.observe(self._on_change)
        self._holders, self._observed = holders, found

    # ---- changes ----------------------------------------------------------------------------

    def _on_change(self, change: dict[str, Any]) -> None:
        """A trait changed. Called by traitlets, in whatever thread made the change."""
        owner, trait = change.get("owner"), change.get("name")
        if not isinstance(trait, str) or trait.startswith("_"):
            return
        if trait not in getattr(owner, "keys", ()):
            return  # not synced with the frontend: a kernel-side detail
        from_frontend = trait in (getattr(owner, "_property_lock", None) or ())
        if self._flow.request is not None and not from_frontend:
            return  # a cell of a reflow run changed it: its own write, tracked as such
        with self._lock:
            for name, direct in self._holders.get(id(owner), ()):
                if not direct:
                    self._pending[name] = None
                    continue
                pending = self._pending.setdefault(name, set())
                if pending is not None:
                    pending.add(trait)
            self._last_change = time.monotonic()
            if self._scheduled or not self._pending:
                return
            loop = _io_loop(self._flow)
            if loop is None:
                return
            self._scheduled = True
        loop.add_callback(self._schedule, QUIET_SECONDS)  # thread-safe, unlike call_later

    def _schedule(self, delay: float) -> None:
        loop = _io_loop(self._flow)
        if loop is not None:
            loop.call_later(delay, self._flush)

    async def _flush(self) -> None:
        with self._lock:
            wait = self._last_change + QUIET_SECONDS - time.monotonic()
        if wait > 0:
            self._schedule(wait)  # still changing: wait until it pauses
            return
        kernel = getattr(self._flow.shell, "kernel", None)
        lock = getattr(kernel, "_main_asyncio_lock", None)  # ipykernel 7's shell lock
        if lock is None:
            self._apply()
            return
        async with lock:
            self._apply()

    def _apply(self) -> None:
        with self._lock:
            self._scheduled = False
            pending, self._pending = self._pending, {}
        if not pending:
            return
        changes = {
            name: None if attributes is None else frozenset(attributes)
            for name, attributes in pending.items()
        }
        try:
            self._flow.outside_change(changes, cause=_cause(changes))
        except Exception:  # a bug of ours must not take the kernel's event loop down
            _log.exception("reflow: running the readers of a changed widget failed")
        self.scan()  # the cells that ran may have made new widgets


def _widget_type() -> type | None:
    """ipywidgets' ``Widget``, if a cell has imported ipywidgets (anywidget does too)."""
    module = sys.modules.get("ipywidgets.widgets.widget")
    widget = getattr(module, "Widget", None)
    return widget if isinstance(widget, type) else None


def _widgets_in(value: Any, widget_type: type) -> Iterator[tuple[Any, bool]]:
    """The widgets a global holds: itself, and those inside it (not ``direct``)."""
    if isinstance(value, widget_type):
        yield value, True
        yield from ((w, False) for w in _box_descendants(value, widget_type))
        return
    if isinstance(value, types.FunctionType):
        # ``@interact`` leaves the function bound, its controls in ``f.widget``.
        shown = value.__dict__.get("widget")
        if isinstance(shown, widget_type):
            yield shown, False
            yield from ((w, False) for w in _box_descendants(shown, widget_type))
        return
    items: Any
    if type(value) in (list, tuple):
        items = value[:_CONTAINER_ITEMS]
    elif type(value) is dict:
        items = list(value.values())[:_CONTAINER_ITEMS]
    else:
        return
    for item in items:
        if isinstance(item, widget_type):
            yield item, False
            yield from ((w, False) for w in _box_descendants(item, widget_type))


def _box_descendants(widget: Any, widget_type: type) -> Iterator[Any]:
    """The widgets below a box (``VBox``, ``interactive``, ...), breadth first, bounded."""
    seen = {id(widget)}
    queue = [widget]
    while queue and len(seen) <= _BOX_WIDGETS:
        children = getattr(queue.pop(0), "children", None)
        if not isinstance(children, (list, tuple)):
            continue
        for child in children:
            if isinstance(child, widget_type) and id(child) not in seen:
                seen.add(id(child))
                queue.append(child)
                yield child


def _unobserve(widget: Any, handler: Any) -> None:
    with contextlib.suppress(ValueError):  # a closed widget has dropped its observers
        widget.unobserve(handler)


def _io_loop(flow: Flow) -> Any:
    kernel = getattr(flow.shell, "kernel", None)
    return getattr(kernel, "io_loop", None)


def _cause(changes: dict[str, frozenset[str] | None]) -> str:
    names = ", ".join(f"`{name}`" for name in changes)
    return f"a change of {names} in its widget"
