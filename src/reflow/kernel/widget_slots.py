"""Output slots as ipywidgets ``Output`` widgets, for a frontend that renders outputs once.

Voilà (``reflow app``) runs a notebook's cells through nbclient, renders the
outputs they left into the page once, and from then on keeps only widgets
live: an ``update_display_data`` that replaces a slot in JupyterLab changes
nothing on its page. Its executor also sends no ``cellId``, so every cell is
a cell of its own, executed once, in the notebook's order; that is the
model the kernel makes of cells without an id, and it is right here.

What such a frontend needs is a slot it keeps live, which a widget is: a cell
that may re-run (it reads a name) shows what it printed, displayed and
returned inside an ``Output`` widget, and a re-run sets the widget's outputs,
which the page re-renders in place. Its error goes out as an ordinary error
output, so that Voilà's own setting decides whether its traceback is shown;
a re-run's traceback is shown in the slot only when ``REFLOW_APP_TRACEBACKS``
says so (``reflow app --show-tracebacks``).

Slots are widgets only once a cell has imported ipywidgets: before that, no
widget exists that could make a cell re-run, and an app without widgets is
served as plain Voilà serves it.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from reflow.kernel.bundles import Bundle, SlotContent, with_note

OUTPUTS = "application/vnd.reflow.outputs+json"
"""In a slot's bundle, the nbformat outputs the widget shows: a bundle alone merges the
parts into one HTML, where a widget view among them would be lost."""

HIDDEN = (
    "There was an error when running this cell (tracebacks are hidden; "
    "reflow app --show-tracebacks shows them)."
)


def for_environment() -> WidgetSlots | None:
    """Widget slots when the kernel was started by Voilà, which says so in the
    environment of every kernel it starts (CGI's ``SERVER_SOFTWARE=voila/...``)."""
    if not os.environ.get("SERVER_SOFTWARE", "").startswith("voila/"):
        return None
    return WidgetSlots(tracebacks=os.environ.get("REFLOW_APP_TRACEBACKS") == "1")


class WidgetSlots:
    def __init__(self, *, tracebacks: bool) -> None:
        self.tracebacks = tracebacks
        self._widgets: dict[str, Any] = {}  # slot id -> its Output widget

    @staticmethod
    def active() -> bool:
        """Whether a cell has imported ipywidgets (anywidget does too)."""
        return "ipywidgets" in sys.modules

    def bundle(self, content: SlotContent) -> Bundle:
        bundle = content.bundle()
        if not bundle:
            return {}
        bundle[OUTPUTS] = self._outputs(content)
        return bundle

    def with_note(self, base: Bundle, note: str) -> Bundle:
        if not note:
            return base
        bundle = with_note({k: v for k, v in base.items() if k != OUTPUTS}, note)
        bundle[OUTPUTS] = [*self._outputs(SlotContent(note=note)), *_outputs_of(base)]
        return bundle

    def publish(self, shell: Any, slot: str, bundle: Bundle, *, update: bool) -> None:
        widget = self._widgets.get(slot)
        if widget is None:
            if update:
                return  # a slot of an earlier page: nothing shows it
            from ipywidgets import Output

            widget = self._widgets[slot] = Output()
            data, metadata = shell.display_formatter.format(widget)
            shell.display_pub.publish(data=data, metadata=metadata)
        widget.outputs = tuple(_outputs_of(bundle))

    def _outputs(self, content: SlotContent) -> list[dict[str, Any]]:
        outputs: list[dict[str, Any]] = []
        if content.note:
            note = with_note({}, content.note)
            outputs.append(_display(note))
        if content.stdout:
            outputs.append({"output_type": "stream", "name": "stdout", "text": content.stdout})
        if content.error:
            text = content.error if self.tracebacks else HIDDEN
            outputs.append({"output_type": "stream", "name": "stderr", "text": text + "\n"})
        outputs.extend(_display(shown) for shown in content.displays)
        if content.result:
            outputs.append(_display(content.result))
        return outputs


def _outputs_of(bundle: Bundle) -> list[dict[str, Any]]:
    if OUTPUTS in bundle:
        return list(bundle[OUTPUTS])
    return [_display(bundle)] if bundle else []


def _display(bundle: Bundle) -> dict[str, Any]:
    return {"output_type": "display_data", "data": dict(bundle), "metadata": {}}
