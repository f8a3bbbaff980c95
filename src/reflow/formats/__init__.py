"""Notebook files: reading and writing each format as a ``NotebookFile`` value.

The format comes from the file's extension: ``.ipynb``; ``.md`` is a marimo
Markdown notebook (any other Markdown file is refused); ``.py`` is a marimo
notebook when it says so (``import marimo`` and ``app = marimo.App``), else
the percent format. Every failure to read or write is a ``NotebookFileError``
naming the file and the problem, and a write either replaces the whole file
or leaves it as it was.

Nothing here runs code or knows about the graph; ``reflow.files`` does the
bridging to a live ``Notebook``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from reflow.formats import ipynb, marimo_md, marimo_py, percent, script
from reflow.formats.atomic import write_atomic
from reflow.formats.errors import FormatProblem, NotebookFileError
from reflow.formats.model import FileCell, Location, NotebookFile

__all__ = [
    "EXTENSIONS",
    "FileCell",
    "Location",
    "NotebookFile",
    "NotebookFileError",
    "check_writable",
    "format_for",
    "read",
    "read_text",
    "render",
    "write",
]

EXTENSIONS = (".ipynb", ".py", ".md")

_READERS: dict[str, Callable[[str], NotebookFile]] = {
    ipynb.FORMAT: ipynb.read,
    percent.FORMAT: percent.read,
    marimo_py.FORMAT: marimo_py.read,
    marimo_md.FORMAT: marimo_md.read,
}
_RENDERERS: dict[str, Callable[[NotebookFile], str]] = {
    ipynb.FORMAT: ipynb.render,
    percent.FORMAT: percent.render,
    marimo_md.FORMAT: marimo_md.render,
    script.FORMAT: script.render,
}
WRITABLE = tuple(_RENDERERS)


def read(path: str | Path) -> NotebookFile:
    path = Path(path)
    if path.is_dir():
        raise NotebookFileError(path, "is a directory, not a notebook file")
    extension = _extension(path)
    text = read_text(path)
    if extension == ".ipynb":
        reader = ipynb.FORMAT
    elif extension == ".md":
        reader = marimo_md.FORMAT
    else:
        reader = marimo_py.FORMAT if marimo_py.looks_like_marimo(text) else percent.FORMAT
    try:
        file = _READERS[reader](text)
    except FormatProblem as problem:
        raise NotebookFileError(path, str(problem)) from None
    if reader == marimo_md.FORMAT and not _is_marimo_markdown(file):
        raise NotebookFileError(
            path,
            "not a marimo notebook: no ```python {.marimo} cell and no marimo-version "
            "in its front matter",
        )
    return file


def read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotebookFileError(path, "no such file") from None
    except IsADirectoryError:
        raise NotebookFileError(path, "is a directory, not a notebook file") from None
    except PermissionError:
        raise NotebookFileError(path, "permission denied") from None
    except OSError as error:
        raise NotebookFileError(path, error.strerror or str(error)) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise NotebookFileError(
            path, f"not a text file (invalid UTF-8 at byte {error.start})"
        ) from None


def format_for(path: str | Path) -> str:
    """The format a write to ``path`` uses: ``.py`` is always percent (marimo's is read-only)."""
    extension = _extension(Path(path))
    if extension == ".ipynb":
        return ipynb.FORMAT
    if extension == ".md":
        return marimo_md.FORMAT
    return percent.FORMAT


def render(file: NotebookFile, format: str) -> str:
    return _RENDERERS[format](file)


def check_writable(path: str | Path, format: str | None = None) -> str:
    """The format a write to ``path`` would use, or the ``NotebookFileError`` it would hit,
    found without writing anything: a command checks its target before the work that
    would be lost if the write failed."""
    path = Path(path)
    if path.is_dir():
        raise NotebookFileError(path, "is a directory, not a notebook file")
    chosen = format or format_for(path)
    if chosen == percent.FORMAT and _is_marimo_file(path):
        # Rewriting it in the percent format would silently take it away from marimo.
        raise NotebookFileError(
            path,
            "is a marimo notebook, which reflow reads but does not write (save as .ipynb or .md)",
        )
    directory = path.parent
    if not directory.is_dir():
        raise NotebookFileError(path, "cannot write: its directory does not exist")
    if not os.access(directory, os.W_OK | os.X_OK) or (
        path.exists() and not os.access(path, os.W_OK)
    ):
        raise NotebookFileError(path, "cannot write: permission denied")
    return chosen


def write(file: NotebookFile, path: str | Path, format: str | None = None) -> bool:
    """Write ``file`` to ``path`` atomically; ``False`` when the file already held those bytes."""
    path = Path(path)
    chosen = check_writable(path, format)
    data = render(file, chosen).encode("utf-8")
    try:
        return write_atomic(path, data)
    except FileNotFoundError:
        raise NotebookFileError(path, "cannot write: its directory does not exist") from None
    except PermissionError:
        raise NotebookFileError(path, "cannot write: permission denied") from None
    except OSError as error:
        raise NotebookFileError(path, f"cannot write: {error.strerror or error}") from None


def _is_marimo_markdown(file: NotebookFile) -> bool:
    """Whether a ``.md`` file is a notebook, not a README read as one (0 cells, "all clear").

    marimo writes ``marimo-version`` into the front matter of every notebook it
    saves; one written by hand has at least one ``{.marimo}`` or ``{python}`` cell.
    """
    front_matter = file.metadata.get("marimo")
    return bool(file.code_cells) or (
        isinstance(front_matter, dict) and "marimo-version" in front_matter
    )


def _is_marimo_file(path: Path) -> bool:
    try:
        return marimo_py.looks_like_marimo(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return False


def _extension(path: Path) -> str:
    extension = path.suffix.lower()
    if extension not in EXTENSIONS:
        shown = repr(extension) if extension else "no extension"
        raise NotebookFileError(
            path, f"unsupported file type ({shown}; expected .ipynb, .py or .md)"
        )
    return extension
