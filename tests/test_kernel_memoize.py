"""``%%memoize`` in the reflow kernel: the body links the cell, a hit replays.

A kernel of its own, started in a temporary directory as Jupyter starts one in
the notebook's: its ``.reflow/cache`` is there, fresh, and goes away with the test.
"""

from __future__ import annotations

from pathlib import Path

from kernel_driver import running_kernel

MEMOIZED = """%%memoize
open("runs.log", "a").write("ran\\n")
msq = [i * i for i in range(mn)]
len(msq)
"""


def test_memoize_in_the_kernel_reruns_on_change_and_replays_a_hit(tmp_path: Path) -> None:
    with running_kernel(cwd=str(tmp_path)) as kernel:
        a, _ = kernel.cell("mn = 3")
        _, first = kernel.cell(MEMOIZED)
        assert first.status == "ok", first.summary()
        assert first.texts() == ["3"]
        _, total = kernel.cell("mtotal = sum(msq)\nmtotal")
        assert total.texts() == ["5"]
        runs = tmp_path / "runs.log"
        assert runs.read_text() == "ran\n"

        # The body reads mn: editing mn re-runs the memoized cell (a miss) and its reader.
        edited = kernel.execute("mn = 4", a)
        assert edited.status == "ok", edited.summary()
        assert "%%memoize" in edited.summary() and "mtotal = sum(msq)" in edited.summary()
        assert kernel.value("mtotal") == "14"
        assert runs.read_text() == "ran\n" * 2

        # Back to an input seen before: restored from the cache, the body does not run.
        back = kernel.execute("mn = 3", a)
        assert back.status == "ok", back.summary()
        assert kernel.value("msq") == "[0, 1, 4]"
        assert kernel.value("mtotal") == "5"
        assert runs.read_text() == "ran\n" * 2
        assert any((tmp_path / ".reflow" / "cache").iterdir())
