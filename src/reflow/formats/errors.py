"""Why a file could not be read or written, said in one line that names the file."""

from __future__ import annotations

from pathlib import Path


class FormatProblem(ValueError):
    """A reader's complaint about a text it was given; ``read`` adds the file's name."""


class NotebookFileError(Exception):
    """A file reflow cannot use as a notebook, or cannot write: nothing was written."""

    def __init__(self, path: str | Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = str(path)
        self.problem = problem
