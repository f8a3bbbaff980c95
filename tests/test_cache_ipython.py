"""``reflow.cache.ipython.register``: %%memoize and cached blocks in a real IPython shell.

The shell runs in a subprocess: an ``InteractiveShell`` is a process-wide
singleton that takes over ``sys.displayhook`` and the like.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PROGRAM = """
import sys
from IPython.core.interactiveshell import InteractiveShell
from reflow.cache.ipython import register
from reflow.cache.location import CACHE_DIR

CACHE_DIR.set({cache!r})
shell = InteractiveShell.instance()
register(shell)
register(shell)  # twice is once
assert sum(type(t).__name__ == "CachedBlockTransformer" for t in shell.ast_transformers) == 1
LOG = {log!r}
shell.user_ns["LOG"] = LOG
shell.run_cell("n = 4")
memoized = '''%%memoize {flags}
open(LOG, "a").write("ran\\\\n")
print("computing")
squares = [i * i for i in range(n)]
len(squares)
'''
block = '''import reflow
with reflow.persistent_cache("cubes"):
    open(LOG, "a").write("ran\\\\n")
    cubes = [i ** 3 for i in range(n)]
'''
for _ in range(2):
    shell.user_ns.pop("squares", None)
    shell.user_ns.pop("cubes", None)
    result = shell.run_cell(memoized)
    assert result.success, result.error_in_exec
    print("RESULT", result.result, shell.user_ns["squares"])
    assert shell.run_cell(block).success
    print("CUBES", shell.user_ns["cubes"])
print("RUNS", len(open(LOG).read().splitlines()))
"""


@pytest.mark.parametrize(
    ("flags", "hit_shows"),
    [("", "[reflow] memoized"), ("--verbose", "computing\n[reflow] memoized"), ("--quiet", "")],
)
def test_memoize_magic_and_blocks_in_ipython(tmp_path: Path, flags: str, hit_shows: str) -> None:
    program = PROGRAM.format(cache=str(tmp_path / "cache"), log=str(tmp_path / "log"), flags=flags)
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(program)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    out = done.stdout
    assert out.count("RESULT 4 [0, 1, 4, 9]") == 2 and out.count("CUBES [0, 1, 8, 27]") == 2
    assert "RUNS 2" in out  # one memoized cell, one block: each ran once
    first, _, second = out.partition("CUBES")
    assert first.startswith("computing\n")  # printed as it ran
    hit = second.split("RESULT")[0].split("\n", 1)[1]
    assert hit.startswith(hit_shows) if hit_shows else "computing" not in hit


def test_memoize_magic_rejects_bad_flags_and_keeps_no_failed_run(tmp_path: Path) -> None:
    program = textwrap.dedent(
        """
        from IPython.core.interactiveshell import InteractiveShell
        from reflow.cache.ipython import register
        shell = InteractiveShell.instance()
        register(shell)
        shell.run_cell("%%memoize --fast\\nx = 1")
        print("DEFINED", "x" in shell.user_ns)
        for _ in range(2):
            shell.run_cell("%%memoize\\nprint('trying')\\n1 / 0")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, cwd=tmp_path
    )
    assert "DEFINED False" in done.stdout
    assert "takes --quiet or --verbose" in done.stderr
    assert done.stdout.count("trying") == 2  # a run that raised was not stored
    assert done.stderr.count("ZeroDivisionError") == 2
