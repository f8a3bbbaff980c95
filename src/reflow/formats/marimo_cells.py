"""What a cell read from a marimo notebook runs as.

marimo does not run every cell as the Python text it shows:

- a cell configured ``disabled=True`` does not run, and neither do the cells
  that read from it;
- a ```` ```sql {.marimo} ```` block of a Markdown notebook is a query, which
  marimo runs as ``_df = mo.sql(f"...")`` (``query="name"`` names the
  result) with its own SQL engine, reading the tables the query names.

reflow runs Python only, so both kinds refuse to run, with an error that
says why; they keep what they define (the cell's own code, or the query's
result name), so the cells that read from them are cancelled in any_order,
as marimo leaves them unrun. ``runnable_source`` is the code the live
notebook gets; the file keeps the cell as written, and a save writes it back
as it was read while the live code is still this.
"""

from __future__ import annotations

import ast
import copy
from typing import Any

from reflow.formats.model import FileCell

DISABLED = (
    'raise RuntimeError("this cell is disabled in the marimo notebook (disabled=True): '
    'it does not run")'
)
SQL = (
    'raise NotImplementedError("this is a marimo SQL cell: reflow runs Python, not SQL; '
    'below is the call marimo makes for it")'
)
DEFAULT_QUERY = "_df"


def runnable_source(cell: FileCell) -> str:
    """The code a live notebook runs for ``cell``: its source, unless marimo would not run it."""
    marimo = _marimo(cell)
    if marimo.get("language") == "sql":
        return f"{SQL}\n{_sql_call(cell.source, _options(marimo))}"
    config = marimo.get("config")
    if isinstance(config, dict) and config.get("disabled") is True and parses(cell.source):
        return f"{DISABLED}\n{cell.source}"
    return cell.source  # (a cell Python cannot parse refuses to run already)


def saved_source(stored: FileCell, live_code: str) -> tuple[str, dict[str, Any]]:
    """The source and metadata a save writes for ``stored`` when the live cell holds
    ``live_code``: the cell as read while the code is what ``runnable_source`` gave;
    after an edit, the edit, still disabled while its first line refuses to run, and a
    Python cell once a SQL cell's code was changed."""
    metadata = copy.deepcopy(stored.metadata)
    if live_code == runnable_source(stored):
        return stored.source, metadata
    marimo = metadata.get("marimo")
    if not isinstance(marimo, dict):
        return live_code, metadata
    first, _, rest = live_code.partition("\n")
    if marimo.get("language") == "sql":
        marimo.pop("language")
        marimo.pop("sql", None)
        return (rest if first == SQL else live_code), metadata
    config = marimo.get("config")
    if isinstance(config, dict) and config.get("disabled") is True:
        if first == DISABLED:
            return rest, metadata
        config.pop("disabled")  # the line that refused is gone: the user enabled it
        if not config:
            marimo.pop("config")
    return live_code, metadata


def _marimo(cell: FileCell) -> dict[str, Any]:
    marimo = cell.metadata.get("marimo")
    return marimo if isinstance(marimo, dict) else {}


def _options(marimo: dict[str, Any]) -> dict[str, str]:
    options = marimo.get("sql")
    return {str(k): str(v) for k, v in options.items()} if isinstance(options, dict) else {}


def _sql_call(query: str, options: dict[str, str]) -> str:
    """marimo's Python for a SQL block: the result name, the f-string query, its options."""
    target = options.get("query", DEFAULT_QUERY)
    arguments = ['    f"""', *(f"    {line}" if line else "" for line in query.split("\n"))]
    closing = ['    """']
    if options.get("hide_output", "").lower() == "true":
        closing.append("    output=False")
    if options.get("engine"):
        closing.append(f"    engine={options['engine']}")
    call = "\n".join([f"{target} = mo.sql(", *arguments, ",\n".join(closing), ")"])
    if target.isidentifier() and parses(call):
        return call
    # A query that an f-string cannot hold: show it, and keep the result name.
    shown = "\n".join(f"# {line}" if line else "#" for line in query.split("\n"))
    name = target if target.isidentifier() else DEFAULT_QUERY
    return f"{shown}\n{name} = mo.sql(...)"


def parses(source: str) -> bool:
    """Whether this Python parses ``source`` (a marimo cell may hold newer syntax)."""
    try:
        ast.parse(source)
    except SyntaxError:
        return False
    return True
