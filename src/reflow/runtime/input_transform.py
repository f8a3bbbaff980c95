"""IPython's input transformation of a cell, the same text for less work.

Before it runs a cell, IPython rewrites its IPython syntax as Python
(``TransformerManager.transform_cell``): cleanup passes over the lines (blank
lines first, a common indent, ``>>>`` prompts), the cell magic line, then token
transforms (``%magic``, ``!cmd``, ``x = %time f()``, ``x = !ls``, ``x?``), which
tokenize the whole cell to look for any. The tokenizing is most of the cost,
about 50 us for a cell of a few lines here, as much as reflow's own analysis of
the cell; and almost every cell of a real notebook holds none of that syntax
(985 of 1,000 in our corpus).

``install`` makes a shell skip the token transforms when the cell's text, after
the cleanup, holds none of the characters that any of IPython's token
transforms looks for where it looks (``_TOKEN_MARKS``, wider than their rules).
The answer is then the very text IPython would give: each rule below is one of
theirs, read as a superset, so a cell that could be transformed always takes
IPython's own way. A transform that is not one of IPython's own (an extension
appended one) makes every cell take it too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_TOKEN_MARKS = re.compile(r"^\s*[%!?/,;]|=\s*[%!]|\?", re.MULTILINE)
"""Where one of IPython's token transforms may find its syntax: an escape as the first
token of a line (``EscapedCommand``: ``%``, ``!``, ``?``, ``/``, ``,``, ``;``, after the
tokenizer's whitespace), ``%`` or ``!`` after an ``=`` (``MagicAssign``, and
``SystemAssign``, which also skips whitespace the tokenizer takes for errors), a ``?``
(``HelpEnd``). Inside strings and comments too: those cells take IPython's way."""

_OTHER_LINE_BREAKS = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
"""Line boundaries of ``str.splitlines`` (which IPython splits a cell by) other than
``\\n``, where ``^`` in ``_TOKEN_MARKS`` sees no line start. Whether IPython's tokenizer
then sees one is left unasked: such a cell (rare) takes IPython's way."""


def install(shell: Any) -> None:
    """Make ``shell`` transform its cells by ``transform``, if its transformer manager is
    IPython's own class (an instance attribute; ``uninstall`` removes it)."""
    manager = getattr(shell, "input_transformer_manager", None)
    known = _known_token_transforms()
    if manager is None or known is None or "transform_cell" in vars(manager):
        return
    if type(manager).transform_cell is not known[0]:
        return  # a manager of another kind: its transform is its own

    def transform_cell(cell: str) -> str:
        return transform(manager, cell, known[1])

    manager.transform_cell = transform_cell


def uninstall(shell: Any) -> None:
    manager = getattr(shell, "input_transformer_manager", None)
    if manager is not None and "transform_cell" in vars(manager):
        del manager.transform_cell


def transform(manager: Any, cell: str, known: frozenset[type]) -> str:
    """``TransformerManager.transform_cell``, its token transforms skipped where none can
    apply (``_TOKEN_MARKS``)."""
    if not cell.endswith("\n"):
        cell += "\n"
    lines = cell.splitlines(keepends=True)
    for step in manager.cleanup_transforms + manager.line_transforms:
        lines = step(lines)
    text = "".join(lines)
    if (
        _TOKEN_MARKS.search(text) is None
        and _OTHER_LINE_BREAKS.search(text) is None
        and known.issuperset(manager.token_transformers)
    ):
        return text
    return "".join(manager.do_token_transforms(lines))


def may_await(code: str) -> bool:
    """Whether a cell may hold a top-level ``await`` (or ``async for``/``with``), which
    IPython tells by compiling it (as costly as running a small cell): never without
    either word."""
    return "await" in code or "async" in code


def should_run_async(
    plain: Callable[..., Any],
    raw_cell: str,
    transformed_cell: str | None,
    preprocessing_exc_tuple: Any,
) -> bool:
    """IPython's ``should_run_async`` (``plain``), asked only where ``may_await``."""
    code = raw_cell if transformed_cell is None else transformed_cell
    return may_await(code) and bool(
        plain(
            raw_cell,
            transformed_cell=transformed_cell,
            preprocessing_exc_tuple=preprocessing_exc_tuple,
        )
    )


_KNOWN: tuple[Callable[..., str], frozenset[type]] | None = None


def _known_token_transforms() -> tuple[Callable[..., str], frozenset[type]] | None:
    """IPython's own ``transform_cell`` and the token transforms ``_TOKEN_MARKS`` covers;
    None without IPython or when it has none of those names (another version's)."""
    global _KNOWN
    if _KNOWN is None:
        try:
            from IPython.core import inputtransformer2 as it

            kinds = frozenset({it.MagicAssign, it.SystemAssign, it.EscapedCommand, it.HelpEnd})
            _KNOWN = (it.TransformerManager.transform_cell, kinds)
        except (ImportError, AttributeError):
            return None
    return _KNOWN
