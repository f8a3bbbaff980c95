"""IPython's input transformation, token transforms skipped where none applies
(``runtime/input_transform.py``): the text must be IPython's own for every cell."""

from __future__ import annotations

import tokenize
from pathlib import Path
from typing import Any

import nbformat
import pytest
from IPython.core.inputtransformer2 import TokenTransformBase, TransformerManager

from reflow import Notebook
from reflow.runtime import input_transform
from reflow.runtime.ipython import IPythonExecutor
from reflow.runtime.main_module import MainModule

CORPUS = Path(__file__).parent / "corpus" / "ipynb"

CELLS = [
    # Plain Python, the common case.
    "x = 1",
    "x = 1\n",
    "def f(a):\n    return a % 2\n",
    "s = '%d items' % n\n",
    "if a != b:\n    pass\n",
    "d = {'k': 1}\nd['k']",
    "x = 1;",
    # Cleanup passes: IPython's, applied on the fast way too.
    "\n\n   \nx = 1\n",
    "    x = 1\n    y = 2\n",
    "\n    x = 1\n",
    ">>> x = 1\n>>> x\n",
    "In [1]: x = 1\n   ...: y = 2\n",
    "...\n",
    # Token transforms, each kind, and look-alikes that must take IPython's way.
    "%time x = 1\n",
    "%%time\nx = 1\n",
    "!ls\n",
    "files = !ls\n",
    "t = %time 1\n",
    "t =\t%time 1\n",
    "t = \xa0!ls\n",
    "x?\n",
    "x??\n",
    "?x\n",
    "/f 1\n",
    ",f a b\n",
    ";f a b\n",
    "y = (1,\n%time 2)\n",
    "x = \\\n!ls\n",
    "s = '''\n%not a magic\n'''\n",
    "# what? a comment\nx = 1\n",
    "s = 'a=%s'\n",
    "for i in range(2):\n    %time i\n",
    "for i in range(2):\n\t!echo $i\n",
    # Line breaks other than newlines: str.splitlines splits there, `^` would not.
    "x = 1\x0c%time 2\n",
    "x = 1\r%time 2\r",
    "x = 1\r\ny = 2\r\n",
    "x = 1\u2028!ls\n",
    "x = 1\x0b\n",
    # Not Python, not IPython: transformed as IPython does, errors included.
    "def (:\n",
    "x = '\n",
    "",
    "\n",
]


@pytest.mark.filterwarnings("ignore:`make_tokens_by_line` received")
@pytest.mark.parametrize("cell", CELLS)
def test_the_text_is_ipythons_own(cell: str) -> None:
    manager = TransformerManager()
    expected = TransformerManager().transform_cell(cell)
    known = input_transform._known_token_transforms()
    assert known is not None
    assert input_transform.transform(manager, cell, known[1]) == expected


def test_every_corpus_cell_is_transformed_as_ipython_does() -> None:
    known = input_transform._known_token_transforms()
    assert known is not None
    manager = TransformerManager()
    cells = [
        cell.source
        for path in sorted(CORPUS.glob("*.ipynb"))
        for cell in nbformat.read(path, as_version=4).cells
        if cell.cell_type == "code"
    ]
    assert len(cells) > 1000
    differing = [
        cell
        for cell in cells
        if input_transform.transform(manager, cell, known[1]) != manager.transform_cell(cell)
    ]
    assert differing == []


def test_a_plain_cell_is_not_tokenized_and_an_ipython_cell_is() -> None:
    """The saving itself: a cell without IPython syntax skips the token transforms."""
    manager = TransformerManager()
    calls: list[list[str]] = []
    plain_transforms = manager.do_token_transforms

    def counted(lines: list[str]) -> list[str]:
        calls.append(lines)
        return plain_transforms(lines)

    manager.do_token_transforms = counted
    known = input_transform._known_token_transforms()
    assert known is not None
    input_transform.transform(manager, "x = [i % 3 for i in range(9)]\nx\n", known[1])
    assert calls == []
    input_transform.transform(manager, "x = 1\n%time x\n", known[1])
    assert len(calls) == 1


class _Shout(TokenTransformBase):  # type: ignore[misc]
    """An extension's token transform: ``shout`` (a name, not IPython syntax) -> ``print``."""

    @classmethod
    def find(cls, tokens_by_line: list[list[Any]]) -> _Shout | None:
        for line in tokens_by_line:
            for token in line:
                if token.type == tokenize.NAME and token.string == "shout":
                    return cls(token.start)
        return None

    def transform(self, lines: list[str]) -> list[str]:
        row, col = self.start_line, self.start_col
        lines = list(lines)
        lines[row] = lines[row][:col] + "print" + lines[row][col + len("shout") :]
        return lines


def test_a_shell_with_an_extensions_token_transform_applies_it(tmp_path: Path) -> None:
    executor = IPythonExecutor(MainModule(str(tmp_path / "nb.ipynb")))
    try:
        shell = executor._ensure_shell()
        assert "transform_cell" in vars(shell.input_transformer_manager)  # installed
        assert shell.transform_cell("x = 1") == "x = 1\n"
        shell.input_transformer_manager.token_transformers.append(_Shout)
        assert shell.transform_cell("shout('hi')") == "print('hi')\n"
        result = executor.execute("shout('hi')\n", "<cell>")
        assert result.error is None and result.stdout == "hi\n"
    finally:
        executor.close()


def test_a_top_level_await_still_runs_in_an_ipython_notebook(tmp_path: Path) -> None:
    """In process, IPython's ``should_run_async`` is asked only where the word is."""
    path = tmp_path / "nb.ipynb"
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(code, id=f"c{i}")
        for i, code in enumerate(
            ["import asyncio\nx = await asyncio.sleep(0, result=3)", "%time y = x + 1", "y"]
        )
    ]
    nbformat.write(notebook, path)
    nb = Notebook.open(path)
    try:
        run = nb.run_all()
        assert not run.errors
        assert nb["x"] == 3 and nb["y"] == 4
    finally:
        nb.close()
