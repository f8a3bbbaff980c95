"""A tour of reflow's reactivity, run with `make demo`.

Builds a small notebook with the in-process API, then edits and re-runs it
the way a person would, printing what reflow re-ran and why at each step.
"""

from __future__ import annotations

from reflow import Notebook, Run


def show(title: str, nb: Notebook, run: Run | None = None) -> None:
    print(f"\n== {title}")
    if run is not None:
        print(f"   ran: {run.ran or '-'}", end="")
        print(f"   stale: {run.stale}" if run.stale else "")
    for cell in nb.cells:
        line = cell.code.split("\n", 1)[0]
        extra = f"  <- {cell.stale_reason}" if cell.stale_reason else ""
        if cell.error is not None:
            extra = f"  <- {cell.error}"
        print(f"   {'[' + cell.id + ']':<9} {cell.status:<9} {line:<42}{extra}")


def main() -> None:
    nb = Notebook()
    nb.add("prices = [12.0, 15.5, 9.25]", id="data")
    nb.add("rate = 0.2", id="rate")
    nb.add("taxed = [p * (1 + rate) for p in prices]", id="taxed")
    nb.add("total = round(sum(taxed), 2)\ntotal", id="total")
    nb.add("count = 0", id="count0")
    nb.add("count += 1\ncount", id="count1")
    show("run all", nb, nb.run_all())

    nb.edit("rate", "rate = 0.25")
    show("edit the rate: the cell is dirty, its readers stale", nb)
    run = nb.run("rate")
    show("run it: its readers re-run, nothing else", nb, run)
    print(f"   total = {nb['total']}")

    run = nb.run("count1")
    show("re-run `count += 1`: `count = 0` is pulled first", nb, run)
    print(f"   count = {nb['count']} (a plain kernel would say 2)")

    nb.mode = "lazy"
    nb.edit("data", "prices = [10.0, 20.0]")
    show("lazy mode: run the edited cell; readers only go stale", nb, nb.run("data"))
    show("run the stale cells", nb, nb.run_stale())
    print(f"   total = {nb['total']}")

    nb.mode = "reactive"
    nb.direction = "any_order"
    nb.add("report = f'{len(prices)} items, total {total}'", index=0, id="report")
    show("any_order: a cell on top may read names defined below", nb, nb.run("report"))
    print(f"   report = {nb['report']!r}")
    nb.close()


if __name__ == "__main__":
    main()
