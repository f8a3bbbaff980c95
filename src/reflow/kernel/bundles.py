"""Mime bundles for a cell's output slot: what a re-run left, or a stale marker.

A slot is one ``display_data`` output that frontends can replace in place
(``update_display_data``), so it must carry everything a re-run produced in a
single bundle: a note, what the run printed, the tracebacks, what it
displayed, and its result. Plain text always; HTML when there is more than
one part, with images inlined, since a frontend shows only one mime type of a
bundle.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

Bundle = dict[str, Any]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_IMAGES = ("image/png", "image/jpeg", "image/gif")


@dataclass
class SlotContent:
    """The parts of one slot, in the order they are shown."""

    note: str = ""
    stdout: str = ""
    error: str = ""
    displays: list[Bundle] = field(default_factory=list)
    result: Bundle | None = None

    def bundle(self) -> Bundle:
        rich = [*self.displays, *([self.result] if self.result else [])]
        if not (self.note or self.stdout or self.error) and len(rich) <= 1:
            return dict(rich[0]) if rich else {}
        text = [self.note, self.stdout.rstrip("\n"), _ANSI.sub("", self.error).rstrip("\n")]
        text += [str(b.get("text/plain", "")) for b in rich]
        bundle: Bundle = {"text/plain": "\n".join(t for t in text if t)}
        parts = []
        if self.note:
            parts.append(f'<div class="reflow-note"><i>{html.escape(self.note)}</i></div>')
        for part in (self.stdout, _ANSI.sub("", self.error)):
            if part:
                parts.append(f"<pre>{html.escape(part.rstrip())}</pre>")
        parts.extend(_as_html(b) for b in rich)
        bundle["text/html"] = "".join(parts)
        return bundle


def with_note(base: Bundle, note: str) -> Bundle:
    """``base`` with a line above it (a stale marker): the old output stays readable."""
    if not note:
        return base
    content = SlotContent(note=note, displays=[base] if base else [])
    return content.bundle()


def _as_html(bundle: Bundle) -> str:
    if "text/html" in bundle:
        return str(bundle["text/html"])
    for mime in _IMAGES:
        if mime in bundle:
            return f'<img src="data:{mime};base64,{bundle[mime]}"/>'
    if "image/svg+xml" in bundle:
        return str(bundle["image/svg+xml"])
    return f"<pre>{html.escape(str(bundle.get('text/plain', '')))}</pre>"
