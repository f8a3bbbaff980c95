"""The ``%%memoize`` cell magic, as far as static analysis must know it.

IPython reads a cell magic from the first line that is not blank; what
follows is the cell's body. reflow runs ``%%memoize`` cells itself (the
magic only says "consult the cache first"), so analysis, normalisation and
execution all work on the body. The magic line becomes a blank line rather
than disappearing, so that line numbers in tracebacks and diagnostics still
point at the cell as the user sees it.

Other cell magics (``%%time``, ``%%bash``) are IPython's business, and so are
line magics, ``!cmd`` and ``x?``: Python does not parse them. A cell of an
``.ipynb`` file is an IPython cell, and ``python_form`` gives the Python that
static analysis reads for it: IPython's own input transformation, with the
body of ``%%time``-like magics and the code of ``%time``-like line magics put
where analysis sees what they read and bind. The kernel shares these rules.
IPython is imported only for a cell that is not plain Python.
"""

from __future__ import annotations

import ast
import functools
import keyword
import re
import shlex
import warnings
from dataclasses import dataclass
from typing import Any, Literal

MEMOIZE = "memoize"
_MAGIC_LINE = re.compile(r"[ \t]*%%(?P<name>\w+)(?P<args>[^\n]*)")
_CELL_MAGIC_FIRST = re.compile(r"\s*%%")  # (blank lines first, as IPython allows)

Report = Literal["line", "quiet"]


class MagicUsageError(ValueError):
    """``%%memoize`` with arguments it does not take."""


@dataclass(frozen=True, slots=True)
class MemoizeDirective:
    """What ``%%memoize [--quiet|--verbose]`` asks for.

    ``report``: ``"line"`` says a hit in one short line, ``"quiet"`` says nothing.
    ``replay``: a hit also prints what the cell printed when it ran (``--verbose``).
    """

    report: Report = "line"
    replay: bool = False


@dataclass(frozen=True, slots=True)
class MemoizedSource:
    directive: MemoizeDirective | None
    body: str
    """The source with the magic line blanked: what Python parses and runs."""
    problem: str | None = None


def split_memoize(source: str) -> MemoizedSource:
    """The ``%%memoize`` directive of a cell, if it has one, and the body to run."""
    if _CELL_MAGIC_FIRST.match(source) is None:
        return MemoizedSource(None, source)  # asked twice of every run: no split of a big cell
    lines = source.split("\n")
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        match = _MAGIC_LINE.fullmatch(line)
        if match is None or match["name"] != MEMOIZE:
            break
        body = "\n".join([*lines[:index], "", *lines[index + 1 :]])
        try:
            return MemoizedSource(parse_memoize_args(match["args"]), body)
        except MagicUsageError as problem:
            return MemoizedSource(None, body, str(problem))
    return MemoizedSource(None, source)


def parse_memoize_args(args: str) -> MemoizeDirective:
    """``--quiet`` and ``--verbose`` (one of them at most); anything else is an error."""
    try:
        words = shlex.split(args)
    except ValueError as problem:
        raise MagicUsageError(f"%%memoize: {problem}") from None
    unknown = [w for w in words if w not in ("--quiet", "--verbose", "-q", "-v")]
    if unknown:
        raise MagicUsageError(f"%%memoize takes --quiet or --verbose, not {' '.join(unknown)!r}")
    quiet = "--quiet" in words or "-q" in words
    verbose = "--verbose" in words or "-v" in words
    if quiet and verbose:
        raise MagicUsageError("%%memoize takes --quiet or --verbose, not both")
    return MemoizeDirective(report="quiet" if quiet else "line", replay=verbose)


def python_source(source: str) -> str:
    """The part of a cell Python parses: the body of a ``%%memoize`` cell, else all of it."""
    return split_memoize(source).body


# ---- IPython cells ------------------------------------------------------------------

BODY_IS_PYTHON: set[str] = {"time", "timeit", "capture", "prun"}
"""Cell magics whose body reflow analyses as the cell's code."""


def magic_body(raw: str) -> str | None:
    """The body of a cell that starts with a cell magic whose body is Python."""
    stripped = raw.lstrip()
    if not stripped.startswith("%%"):
        return None
    first, _, body = stripped.partition("\n")
    name = first[2:].split(maxsplit=1)[0] if first[2:].strip() else ""
    return body if name in BODY_IS_PYTHON else None


LINE_BODY_IS_PYTHON = frozenset({"time", "timeit", "prun"})
"""Line magics whose argument is Python run in the user's namespace (``%time y = f(x)``)."""


def inline_line_magics(python: str) -> str:
    """IPython's Python form of a cell, with ``%time CODE`` and the like replaced by CODE.

    IPython turns ``%time y = f(x)`` into a call with the code as a string, which
    reads and binds nothing that analysis can see: the cell would look independent
    of ``x``, a stale result shown as fresh. Only statements at cell level are
    replaced, and assignments of such a magic's value (``r = %time f(x)``: ``r =
    f(x)``, which reads and binds what the magic does); an argument that does not
    parse (after ``%timeit``'s options) stays.
    """
    if "run_line_magic" not in python:
        return python
    try:
        tree = ast.parse(python)
    except SyntaxError:
        return python
    body: list[ast.stmt] = []
    for statement in tree.body:
        inner = _line_magic_code(statement)
        body.extend(inner if inner is not None else [statement])
    if body == tree.body:
        return python
    tree.body = body
    return ast.unparse(tree)


def _line_magic_code(statement: ast.stmt) -> list[ast.stmt] | None:
    if isinstance(statement, ast.Expr):
        found = _magic_python(statement.value, "exec")
        return found.body if isinstance(found, ast.Module) else None
    if isinstance(statement, ast.Assign):
        found = _magic_python(statement.value, "eval")
        if isinstance(found, ast.Expression):
            assigned = ast.Assign(targets=statement.targets, value=found.body)
            return [ast.copy_location(assigned, statement)]
    return None


def _magic_python(call: ast.expr, mode: Literal["exec", "eval"]) -> ast.AST | None:
    """The Python a ``get_ipython().run_line_magic('time', CODE)`` call runs, parsed in
    ``mode`` (a Module of statements, or an Expression); None if not such a call."""
    if not (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "run_line_magic"
        and isinstance(call.func.value, ast.Call)
        and isinstance(call.func.value.func, ast.Name)
        and call.func.value.func.id == "get_ipython"
        and len(call.args) == 2
        and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in call.args)
    ):
        return None
    name, argument = (str(a.value) for a in call.args if isinstance(a, ast.Constant))
    if name not in LINE_BODY_IS_PYTHON:
        return None
    words = argument.split(" ")
    for start in range(len(words)):  # past the options (`%timeit -n 10 -r 3 f(x)`)
        if start and not (words[start - 1].startswith("-") or words[start - 1].isdigit()):
            return None
        try:
            return ast.parse(" ".join(words[start:]), mode=mode)
        except SyntaxError:
            continue
    return None


class IPythonMissing(ImportError):
    """A cell is IPython code (a magic, ``!cmd``, ``x?``) and IPython is not installed."""

    def __init__(self, line: int, text: str) -> None:
        self.line = line
        self.text = text
        super().__init__(
            f"this cell is IPython code (line {line}: `{text}`) and IPython is not "
            "installed: pip install ipython",
            name="IPython",
        )


def is_python(source: str) -> bool:
    """Whether Python parses the cell as it is (a ``%%memoize`` cell: its body)."""
    try:
        ast.parse(split_memoize(source).body)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def python_form(source: str) -> str:
    """The Python static analysis reads for an IPython cell; plain Python unchanged.

    ``%%time``-like cell magics (``BODY_IS_PYTHON``) give their body, the magic line
    blanked so that lines keep their numbers (``%%capture out`` binds ``out`` too);
    everything else goes through IPython's input transformation, then
    ``inline_line_magics``. A cell that is no more valid as IPython than as Python
    comes back as it is, for analysis to report its syntax error. Raises
    ``IPythonMissing`` for IPython code when IPython is not installed.
    """
    if _IPYTHON_MARKS.search(source) is None and _LEADING_INDENT.match(source) is None:
        # Nothing IPython transforms: Python as it is, or a syntax error, or one line that
        # IPython runs as a line magic without its `%` (automagic).
        return _automagic(source) or source
    if is_python(source) or split_memoize(source).directive is not None:
        return source
    lines = source.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), 0)
    if magic_body(source) is not None:
        words = lines[first].split()
        body = "\n".join(["", *lines[first + 1 :]])
        if not is_python(body):
            body = "\n" + python_form(body[1:])
        body = "\n" * first + body
        if words[0] == "%%capture" and len(words) > 1 and words[-1].isidentifier():
            body += f"\n{words[-1]} = None"  # the captured output's name: bound by the cell
        return body
    transformed = _ipython_transform(source)
    form = inline_line_magics(transformed.rstrip("\n")) if transformed is not None else source
    return form if is_python(form) else _automagic(source) or form


_IPYTHON_MARKS = re.compile(r"^[ \t]*(?:[%!?/,;]|>>>|\.\.\.|In \[)|=[ \t]*[%!]|\?", re.MULTILINE)
"""Where IPython's input transformation may change a cell (its cleanup, line and token
transforms): an escape at a line's start (``%time``, ``%%bash``, ``!ls``, ``?x``, ``/f
x``, ``,f a``, ``;f a``), a prompt (``>>>``, ``...``, ``In [1]:``), a magic or a command
assigned (``x = %time f()``, ``x = !ls``), a help mark (``x?``). Wider than IPython's
rules (a ``?`` in a string, a ``%`` that continues an expression): such a cell takes
the slower way, a parse first. A cell without any, and not indented as a whole
(``_LEADING_INDENT``), is no IPython: ``python_form`` spares it that parse (analysis
parses it anyway), the cost of a small cell's analysis."""

_LEADING_INDENT = re.compile(r"(?:[ \t\r\f]*\n)*[ \t\f]+\S")
"""A first line that is not blank and starts indented: IPython dedents the cell."""


def ipython_line(source: str) -> tuple[int, str] | None:
    """The first line of a cell that looks like IPython syntax (1-based), for messages."""
    for number, line in enumerate(source.split("\n"), start=1):
        stripped = line.strip()
        if stripped.startswith(("%", "!", "?", ">>>")) or (
            stripped.endswith("?") and not stripped.startswith("#")
        ):
            return number, stripped
    return None


_transformer: Any = None


def _automagic(source: str) -> str | None:
    """The Python form of a one-line cell that Python cannot parse and whose first word
    names one of IPython's own line magics or aliases (`cat FILE`, `ls *.py`, `cd ..`,
    `pip install x`): IPython runs it as that magic, its `%` left out (automagic, on by
    default, for one-line cells). None for any other cell, at the cost of a look at its
    first two words for most. (A global named like the magic turns automagic off in
    IPython; analysis cannot know one exists.)"""
    line = source.strip()
    word, _, rest = line.partition(" ")
    rest = rest.strip()
    if (
        not rest
        or "\n" in line
        or rest[0] in _OPERATORS
        or not word.isidentifier()
        or keyword.iskeyword(word)
        or word not in _automagic_names()
        or is_python(source)
    ):
        return None
    return f"get_ipython().run_line_magic({word!r}, {rest!r})"


_OPERATORS = frozenset("=([,:;")
"""What follows a name in a common Python statement (`x = 1`, `f (1)`, `a, b = c`): no
automagic cell, told without IPython's list of magics (imported on first need)."""


@functools.cache
def _automagic_names() -> frozenset[str]:
    """IPython's own line magics and default aliases (none without IPython)."""
    try:
        from IPython.core import magics
        from IPython.core.alias import default_aliases
    except ImportError:
        return frozenset()
    names = {name for name, _ in default_aliases()}
    # IPython 9 names its magics without importing them; earlier ones import the classes.
    names.update(getattr(magics, "BUILTIN_LAZY_MAGICS", {}).get("line", {}))
    for kind in vars(magics).values():
        table = getattr(kind, "magics", None) if isinstance(kind, type) else None
        if isinstance(table, dict):
            names.update(table.get("line", {}))
    return frozenset(names)


def _ipython_transform(source: str) -> str | None:
    """IPython's own input transformation of a cell (None: IPython cannot transform it)."""
    global _transformer
    if _transformer is None:
        try:
            from IPython.core.inputtransformer2 import TransformerManager
        except ImportError:
            found = ipython_line(source)
            if found is None:
                return None  # not IPython either: a syntax error, for analysis to report
            raise IPythonMissing(*found) from None
        _transformer = TransformerManager()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return str(_transformer.transform_cell(source))
    except Exception:  # IPython's transformers raise on some broken input
        return None
