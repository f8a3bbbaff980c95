"""The percent format: a ``.py`` file whose ``# %%`` lines open cells.

This is what Jupytext, VS Code, Spyder and PyCharm read and write:

    # %% [markdown]          a markdown cell: each line commented with "# "
    # # A title
    # %% tags=["setup"]      a code cell, with metadata as key=JSON pairs
    import numpy as np

The rules follow Jupytext's so that a file goes back and forth unchanged:
one blank line separates cells and is not part of either; IPython magics
(``%time``, ``!ls``) are commented out in the file so that it stays valid
Python, and a comment that looks like a magic gets a second ``# ``. Text
before the first marker is a code cell; a Jupytext YAML header is kept as it
was. A cell that did not change is written back exactly as it was read.
"""

from __future__ import annotations

import json
import re
from typing import Any

from reflow.formats.model import CellKind, FileCell, Location, NotebookFile, Verbatim, number_cells

FORMAT = "percent"

_MARKER = re.compile(r"^#\s*%%(?:\s(?P<rest>.*))?$")
_KIND = re.compile(r"\[(markdown|md|raw)\]")
_KEY = re.compile(r"(?:^|\s)([A-Za-z_][\w.-]*)=")
_MAGIC = r"(?:%{1,3}[A-Za-z]|[!?]\s*[A-Za-z.~$\\/{}])"
_WRITE_ESCAPE = re.compile(rf"^(\s*)((?:# ?)*{_MAGIC})")
_READ_UNESCAPE = re.compile(rf"^(\s*)# ((?:# ?)*{_MAGIC})")
_TRIPLE_QUOTE = re.compile(r"\"\"\"|'''")
# Runtime state that Jupyter front ends keep in cell metadata; Jupytext leaves it out too.
_RUNTIME_METADATA = frozenset(
    {"autoscroll", "collapsed", "scrolled", "trusted", "execution", "ExecuteTime"}
)


def read(text: str) -> NotebookFile:
    lines = text.splitlines()
    start, preamble = _preamble(lines)
    blocks: list[tuple[int, bool]] = []  # (first line index, opens with a marker)
    for index in range(start, len(lines)):
        if _MARKER.match(lines[index]):
            blocks.append((index, True))
    if not blocks or blocks[0][0] > start:
        if any(line.strip() for line in lines[start : blocks[0][0] if blocks else len(lines)]):
            blocks.insert(0, (start, False))
        elif blocks:
            preamble += "\n".join(lines[start : blocks[0][0]]) + "\n"
    cells = []
    for number, (begin, marked) in enumerate(blocks):
        end = blocks[number + 1][0] if number + 1 < len(blocks) else len(lines)
        cells.append(_read_cell(lines, begin, end, marked, number))
    number_cells(cells)
    return NotebookFile(cells=cells, format=FORMAT, preamble=preamble)


def render(file: NotebookFile) -> str:
    out: list[str] = []
    if file.format == FORMAT and file.preamble:
        out.extend(file.preamble.split("\n")[:-1])
    previous: int | None = None  # the file order of the cell just written as it was read
    for position, cell in enumerate(file.cells):
        kept = cell.verbatim_for(FORMAT)
        if kept is not None and (position == 0 or _MARKER.match(kept.split("\n", 1)[0])):
            piece = kept.split("\n")
            order = cell.verbatim.order if cell.verbatim is not None else None
        else:
            piece, order = _render_cell(cell), None
        follows = order is not None and previous is not None and order == previous + 1
        if out and out[-1] != "" and not follows:
            out.append("")  # the blank line between cells
        out.extend(piece)
        previous = order
    return "\n".join(out) + "\n" if out else ""


# ---- reading ----------------------------------------------------------------------


def _preamble(lines: list[str]) -> tuple[int, str]:
    """A Jupytext header (``# ---`` ... ``# ---``) and the blank lines after it."""
    if not lines or lines[0].rstrip() != "# ---":
        return 0, ""
    for index in range(1, len(lines)):
        if lines[index].rstrip() == "# ---":
            end = index + 1
            while end < len(lines) and not lines[end].strip():
                end += 1
            return end, "\n".join(lines[:end]) + "\n"
    return 0, ""


def _read_cell(lines: list[str], begin: int, end: int, marked: bool, order: int) -> FileCell:
    kind: CellKind = "code"
    metadata: dict[str, Any] = {}
    body_start = begin
    if marked:
        found = _MARKER.match(lines[begin])
        kind, metadata = _parse_marker((found.group("rest") if found else None) or "")
        body_start = begin + 1
    body = lines[body_start:end]
    while body and not body[-1].strip():
        body.pop()
    if kind == "code":
        source = "\n".join(_unescape_magics(body))
        offset = 0
    else:
        source = "\n".join(_uncomment(line) for line in body)
        offset = 2
    cell = FileCell(
        kind=kind,
        source=source,
        id="",
        metadata=metadata,
        location=Location(body_start + 1, column_offset=offset),
    )
    cell.verbatim = Verbatim(FORMAT, "\n".join(lines[begin:end]), cell.fingerprint(), order)
    return cell


def _parse_marker(rest: str) -> tuple[CellKind, dict[str, Any]]:
    """``title [markdown] key=value ...`` or ``{json}`` after the ``# %%``."""
    kind: CellKind = "code"
    found = _KIND.search(rest)
    head, tail = rest, ""
    if found is not None:
        kind = "raw" if found.group(1) == "raw" else "markdown"
        head, tail = rest[: found.start()], rest[found.end() :]
    metadata: dict[str, Any] = {}
    stripped = (head + " " + tail).strip()
    key = _KEY.search(stripped)
    brace = stripped.find("{")
    if brace != -1 and (key is None or brace < key.start()):
        title, metadata = stripped[:brace].strip(), _json_object(stripped[brace:])
    elif key is not None:
        title, metadata = stripped[: key.start()].strip(), _pairs(stripped[key.start() :])
    else:
        title = stripped
    if title:
        metadata = {"title": title, **metadata}
    return kind, metadata


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _pairs(text: str) -> dict[str, Any]:
    decoder = json.JSONDecoder()
    found: dict[str, Any] = {}
    position = 0
    while True:
        key = _KEY.search(text, position)
        if key is None:
            return found
        start = key.end()
        value: Any
        try:
            value, position = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            word = re.match(r"\S*", text[start:])
            value = word.group(0) if word else ""
            position = start + len(value)
        found[key.group(1)] = value


def _uncomment(line: str) -> str:
    if line.startswith("# "):
        return line[2:]
    return "" if line.rstrip() == "#" else line


def _unescape_magics(lines: list[str]) -> list[str]:
    return [
        _READ_UNESCAPE.sub(r"\1\2", line) if not quoted else line
        for line, quoted in zip(lines, _in_string(lines), strict=True)
    ]


# ---- writing ----------------------------------------------------------------------


def _render_cell(cell: FileCell) -> list[str]:
    metadata = {k: v for k, v in cell.metadata.items() if k not in _RUNTIME_METADATA}
    title = metadata.pop("title", None)
    marker = "# %%"
    if isinstance(title, str) and title:
        marker += f" {title}"
    if cell.kind != "code":
        marker += f" [{cell.kind}]"
    if metadata:
        marker += " " + _metadata_text(metadata)
    if not cell.source:
        return [marker]
    lines = cell.source.split("\n")
    if cell.kind == "code":
        body = _escape_magics(lines)
    else:
        body = [f"# {line}" if line else "#" for line in lines]
    return [marker, *body]


def _metadata_text(metadata: dict[str, Any]) -> str:
    if all(re.fullmatch(r"[A-Za-z_][\w.-]*", key) for key in metadata):
        return " ".join(f"{key}={json.dumps(value)}" for key, value in metadata.items())
    return json.dumps(metadata)


def _escape_magics(lines: list[str]) -> list[str]:
    return [
        _WRITE_ESCAPE.sub(r"\1# \2", line) if not quoted else line
        for line, quoted in zip(lines, _in_string(lines), strict=True)
    ]


def _in_string(lines: list[str]) -> list[bool]:
    """Whether each line starts inside a triple-quoted string, where ``%`` is just text."""
    inside = False
    result = []
    for line in lines:
        result.append(inside)
        if len(_TRIPLE_QUOTE.findall(line)) % 2 == 1:
            inside = not inside
    return result
