"""marimo's Markdown notebooks (``.md``).

    ---
    title: Tutorial          optional YAML front matter
    ---

    # Some prose             markdown; a line that is exactly <!----> splits cells

    ```python {.marimo hide_code="true"}
    x = 1                    a code cell: the braces name python or marimo
    ```

    ```sql {.marimo query="result"}
    SELECT * FROM t          a SQL cell: marimo runs the query
    ```

A fence whose braces do not name ``python``, ``sql`` or ``marimo`` (a plain
```` ```python ```` block included) is part of the markdown around it, as
is anything inside a longer fence that quotes an example. A SQL cell is a
code cell whose source is the query, marked ``metadata["marimo"]["language"]
== "sql"`` with its options (``query``, ``hide_output``, ``engine``) under
``["sql"]``; it does not run in reflow (``marimo_cells``). Writing produces
the layout marimo's own exporter does, so a notebook read and written again
is unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from reflow.formats.model import FileCell, Location, NotebookFile, number_cells

FORMAT = "marimo_md"
SEPARATOR = "<!---->"

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_BRACED = re.compile(r"^(?P<lang>[\w+-]*)\s*\{(?P<inner>.*)\}\s*$")
_ATTRIBUTE = re.compile(r"""([\w-]+)=(?:"([^"]*)"|'([^']*)'|(\S+))""")
_FRONT_MATTER_KEY = re.compile(r"^([\w-]+):\s*(.*)$")
_SQL_OPTIONS = ("query", "hide_output", "engine")


def read(text: str) -> NotebookFile:
    lines = text.splitlines()
    start, preamble, front_matter = _front_matter(lines)
    reader = _Reader(lines)
    reader.scan(start)
    cells = reader.cells
    number_cells(cells)
    metadata: dict[str, Any] = {"marimo": front_matter} if front_matter else {}
    return NotebookFile(cells=cells, metadata=metadata, format=FORMAT, preamble=preamble)


def render(file: NotebookFile) -> str:
    out: list[str] = []
    if file.format == FORMAT and file.preamble:
        out.extend(file.preamble.split("\n")[:-1])
    previous = ""
    for cell in file.cells:
        if cell.kind == "code":
            block = _code_block(cell)
        else:  # marimo has no raw cells: their text stays, as markdown
            block = cell.source.strip("\n").split("\n") if cell.source.strip() else []
            if not block:
                continue
        if previous != "code" and cell.kind != "code" and previous:
            out.append(SEPARATOR)
        elif out and out[-1] != "":
            out.append("")
        out.extend(block)
        previous = "code" if cell.kind == "code" else "markdown"
    return "\n".join(out) + "\n" if out else ""


# ---- reading ----------------------------------------------------------------------


def _front_matter(lines: list[str]) -> tuple[int, str, dict[str, str]]:
    """The YAML block's extent, text and its simple ``key: value`` scalars.

    Only the scalars are parsed (reflow needs nothing else from it, and a YAML
    parser would be a dependency for this alone); block values such as marimo's
    ``header: |-`` are kept in the text, which a save writes back unchanged.
    """
    if not lines or lines[0].rstrip() != "---":
        return 0, "", {}
    for index in range(1, len(lines)):
        if lines[index].rstrip() == "---":
            found: dict[str, str] = {}
            for line in lines[1:index]:
                match = _FRONT_MATTER_KEY.match(line)
                if match and match.group(2) and match.group(2)[0] not in "|>":
                    found[match.group(1)] = _unquote(match.group(2).strip())
            end = index + 1
            while end < len(lines) and not lines[end].strip():
                end += 1
            return end, "\n".join(lines[:end]) + "\n", found
    return 0, "", {}


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


@dataclass
class _Reader:
    lines: list[str]
    cells: list[FileCell] = field(default_factory=list)
    _markdown: list[tuple[int, str]] = field(default_factory=list)  # (line index, text)

    def scan(self, start: int) -> None:
        index = start
        while index < len(self.lines):
            opening = _FENCE.match(self.lines[index])
            if opening is None:
                self._markdown.append((index, self.lines[index]))
                index += 1
                continue
            end = _closing(self.lines, index + 1, opening.group("fence"))
            found = _code_attributes(opening.group("fence"), opening.group("info"))
            if found is None:
                self._markdown.extend(
                    (i, self.lines[i]) for i in range(index, min(end + 1, len(self.lines)))
                )
            else:
                self._flush_markdown()
                self._add_code(index + 1, end, *found)
            index = end + 1
        self._flush_markdown()

    def _add_code(self, first: int, end: int, language: str, attributes: dict[str, str]) -> None:
        source = "\n".join(self.lines[first:end])
        cell = FileCell("code", source, "", location=Location(first + 1))
        marimo: dict[str, Any] = {"language": "sql"} if language == "sql" else {}
        config: dict[str, Any] = {}
        sql: dict[str, str] = {}
        for key, value in attributes.items():
            if key == "name":
                marimo["name"] = value
            elif language == "sql" and key in _SQL_OPTIONS:
                sql[key] = value  # as written: marimo reads "True" and "true" alike
            else:
                config[key] = {"true": True, "false": False}.get(value.lower(), value)
        if config:
            marimo["config"] = config
        if sql:
            marimo["sql"] = sql
        if marimo:
            cell.metadata["marimo"] = marimo
        self.cells.append(cell)

    def _flush_markdown(self) -> None:
        chunk: list[tuple[int, str]] = []
        for index, line in [*self._markdown, (-1, SEPARATOR)]:
            if line == SEPARATOR:
                while chunk and not chunk[-1][1].strip():
                    chunk.pop()
                while chunk and not chunk[0][1].strip():
                    chunk.pop(0)
                if chunk:
                    source = "\n".join(text for _, text in chunk)
                    location = Location(chunk[0][0] + 1)
                    self.cells.append(FileCell("markdown", source, "", location=location))
                chunk = []
            else:
                chunk.append((index, line))
        self._markdown = []


def _closing(lines: list[str], start: int, fence: str) -> int:
    """The index of the line closing ``fence`` (CommonMark: same character, at least as long)."""
    closing = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
    for index in range(start, len(lines)):
        if closing.match(lines[index]):
            return index
    return len(lines)


def _code_attributes(fence: str, info: str) -> tuple[str, dict[str, str]] | None:
    """The language and attributes of a marimo code fence, ``None`` for a fence that is markdown."""
    if fence[0] == "`" and "`" in info:
        return None
    braced = _BRACED.match(info.strip())
    if braced is None or braced.group("lang") not in ("", "python", "sql"):
        return None
    inner = braced.group("inner")
    attributes = {
        m.group(1): next(g for g in m.groups()[1:] if g is not None)
        for m in _ATTRIBUTE.finditer(inner)
    }
    words = re.split(r"[\s.]+", _ATTRIBUTE.sub(" ", inner))
    if not {"python", "sql", "marimo"} & set(words):
        return None
    sql = braced.group("lang") == "sql" or (not braced.group("lang") and "sql" in words)
    return ("sql" if sql else "python"), attributes


# ---- writing ----------------------------------------------------------------------


def _code_block(cell: FileCell) -> list[str]:
    marimo = cell.metadata.get("marimo")
    marimo = marimo if isinstance(marimo, dict) else {}
    attributes = [".marimo"]
    config = marimo.get("config")
    if isinstance(config, dict):
        for key, value in config.items():
            shown = str(value).lower() if isinstance(value, bool) else str(value)
            attributes.append(f'{key}="{shown}"')
    name = marimo.get("name")
    if isinstance(name, str) and name:
        attributes.append(f'name="{name}"')
    language = "sql" if marimo.get("language") == "sql" else "python"
    sql = marimo.get("sql")
    if language == "sql" and isinstance(sql, dict):
        attributes.extend(f'{key}="{value}"' for key, value in sql.items())
    longest = max((len(run) for run in re.findall(r"`{3,}", cell.source)), default=2)
    fence = "`" * (longest + 1)
    body = cell.source.split("\n") if cell.source else []
    return [f"{fence}{language} {{{' '.join(attributes)}}}", *body, fence]
