"""``%%memoize`` in the reflow kernel: the body links the cell, a hit replays.

A kernel of its own, started in a temporary directory as Jupyter starts one in
the notebook's: its ``.reflow/cache`` is there, fresh, and goes away with the test.
"""

from __future__ import annotations

from pathlib import Path

from kernel_driver import Executed, running_kernel

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


# ---- %flow cache: every cell memoized ------------------------------------------------------

DRAWN = """open("runs.log", "a").write("ran\\n")
print("computing")
display(HTML("<b>squares</b>"))
sq = [i * i for i in range(n)]
len(sq)
"""


def htmls(executed: Executed) -> list[str]:
    return [str(c["data"].get("text/html", "")) for c in executed.of("display_data")]


def test_flow_cache_disk_memoizes_every_cell_and_a_new_kernel_restores_them(
    tmp_path: Path,
) -> None:
    runs = tmp_path / "runs.log"
    with running_kernel(cwd=str(tmp_path)) as kernel:
        _, setting = kernel.cell("%flow cache disk")
        assert setting.status == "ok" and "cache: disk" in setting.stdout
        kernel.cell("from IPython.display import HTML, display")
        a, _ = kernel.cell("n = 3")
        b, first = kernel.cell(DRAWN)
        assert first.status == "ok", first.summary()
        assert first.stdout == "computing\n" and "3" in first.texts()
        assert runs.read_text() == "ran\n" and "cache" not in first.summary()

        # The same cell, the same inputs: restored, shown as the run was.
        again = kernel.execute(DRAWN, b)
        assert again.status == "ok", again.summary()
        assert runs.read_text() == "ran\n"
        assert "restored from the cache" in again.summary()
        assert again.stdout == "computing\n" and "3" in again.texts()
        assert "<b>squares</b>" in htmls(again)
        assert kernel.value("sq") == "[0, 1, 4]"

        # Another input: a miss; back to one seen before: the re-run is restored in its slot.
        assert kernel.execute("n = 4", a).status == "ok" and runs.read_text() == "ran\n" * 2
        back = kernel.execute("n = 3", a)
        assert back.status == "ok" and runs.read_text() == "ran\n" * 2
        assert "restored from the cache" in back.summary() and kernel.value("sq") == "[0, 1, 4]"
        slot = next(iter(back.updates().values()))
        assert "computing" in slot["text/plain"] and "<b>squares</b>" in slot["text/html"]

        # IPython syntax is never memoized: a hit would skip what it does to the shell.
        kernel.cell("!echo shell >> runs.log")
        _, shell_again = kernel.cell("!echo shell >> runs.log")
        assert "restored" not in shell_again.summary()
        assert runs.read_text().count("shell") == 2
    assert any((tmp_path / ".reflow" / "cache" / "entries").iterdir())

    # A new kernel in the same directory, the setting from its config.
    with running_kernel(cwd=str(tmp_path), arguments=["--ReflowKernel.cache=disk"]) as kernel:
        _, status = kernel.cell("%flow cache")
        assert "cache: disk" in status.stdout
        kernel.cell("from IPython.display import HTML, display")
        kernel.cell("n = 3")
        _, fresh = kernel.cell(DRAWN)
        assert fresh.status == "ok", fresh.summary()
        assert runs.read_text().count("ran") == 2  # restored, not run
        assert "restored from the cache" in fresh.summary() and "3" in fresh.texts()
        assert fresh.stdout == "computing\n" and kernel.value("sq") == "[0, 1, 4]"
        _, off = kernel.cell("%flow cache off")
        assert "cache: off" in off.stdout
        kernel.cell(DRAWN)
        assert runs.read_text().count("ran") == 3  # off: it runs


def test_memoize_verbose_replays_rich_output_in_the_kernel(tmp_path: Path) -> None:
    code = '%%memoize {flags}\nopen("runs.log", "a").write("ran\\n")\nprint("drawing")\n'
    code += 'display(HTML("<i>plot</i>"))\nv = {value}\n'  # the flags are not in the key
    with running_kernel(cwd=str(tmp_path)) as kernel:
        kernel.cell("from IPython.display import HTML, display")
        for value, flags, replays in ((1, "--verbose", True), (2, "", False)):
            cell = code.format(flags=flags, value=value)
            _, first = kernel.cell(cell)
            assert first.status == "ok" and "<i>plot</i>" in htmls(first)
            _, hit = kernel.cell(cell)  # a new cell: the same key
            assert hit.status == "ok" and "[reflow] memoized" in hit.stdout
            assert ("<i>plot</i>" in htmls(hit)) is replays
            assert ("drawing" in hit.stdout) is replays
    assert (tmp_path / "runs.log").read_text() == "ran\n" * 2
