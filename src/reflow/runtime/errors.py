"""Errors as data: what a cell's run left for the user to read."""

from __future__ import annotations

from dataclasses import dataclass

from reflow._types import CellId


@dataclass(frozen=True, slots=True)
class CellError:
    """Why a cell is in error: it raised, it was cancelled, or the graph refused it.

    ``type`` is the exception's class name (``"ZeroDivisionError"``) or one of
    reflow's own kinds (``"Cancelled"``, ``"MultipleDefinitionError"``,
    ``"CycleError"``); ``cause`` names the cell that raised, for cancellations.
    """

    type: str
    message: str
    traceback: str = ""
    cause: CellId | None = None

    def __str__(self) -> str:
        return f"{self.type}: {self.message}" if self.message else self.type

    @property
    def unparsed(self) -> bool:
        """Whether the error is Python's refusal to parse (``IndentationError`` and
        ``TabError`` are syntax errors by their own names)."""
        return self.type in _PARSE_ERRORS


_PARSE_ERRORS = frozenset({"SyntaxError", "IndentationError", "TabError"})


class UnknownCellError(KeyError):
    """A cell id that is not in the notebook."""

    def __str__(self) -> str:
        return str(self.args[0])
