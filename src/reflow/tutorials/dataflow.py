# %% [markdown]
# # Dataflow: how reflow decides what runs
#
# A notebook tells the truth when what it shows is what a fresh
# "restart and run all" would compute. reflow keeps it that way: it knows what
# every cell reads and writes, and when something changes it re-runs exactly
# the cells that must re-run (or marks them stale, if you prefer).
#
# This tutorial has two kinds of cells:
#
# - **Live cells** that you edit and run yourself with Shift+Enter, to feel
#   what happens.
# - **Demo cells** that build a small notebook with `reflow.Notebook` and show
#   the rule at work, so that every rule is written down with its result.
#   (Running this file with `reflow run` checks all of them.)

# %% [markdown]
# ## 1. Refs and defs
#
# A cell's *defs* are the globals it binds; its *refs* are the globals it
# reads that some other cell must provide. reflow finds both by reading the
# code, before anything runs. Ask a running cell for its own:

# %%
from reflow import Notebook, defs, refs

price = 12.5
quantity = 4

# %%
total = price * quantity
print("this cell reads", refs(), "and defines", defs())
total

# %% [markdown]
# **Try it:** change `quantity = 4` to `quantity = 10` above and press
# Shift+Enter. The cell that computes `total` runs again by itself, because
# it reads `quantity`. Cells that do not read it stay as they are.

# %% [markdown]
# ## 2. Reactive and lazy
#
# In **reactive** mode (the default), running a cell also runs every cell
# that depends on it, in notebook order. In **lazy** mode nothing else runs:
# the dependents are marked *stale* (their output no longer matches their
# inputs) until you run them, or run every stale cell at once.
#
# The demo notebook below has three cells, with ids `a`, `b`, `c`:


# %%
def demo(mode: str = "reactive", direction: str = "in_order") -> Notebook:
    nb = Notebook(mode=mode, direction=direction)
    nb.add("x = 1", id="a")
    nb.add("y = x + 1", id="b")
    nb.add("z = y * 10", id="c")
    nb.run_all()
    return nb


reactive = demo()
reactive.edit("a", "x = 5")
print("reactive: ran", reactive.run("a").ran, "so z is", reactive["z"])

lazy = demo(mode="lazy")
lazy.edit("a", "x = 5")
print("lazy: ran", lazy.run("a").ran, "and these are stale:", lazy.stale())
print("run_stale runs", lazy.run_stale().ran, "so z is", lazy["z"])

# %% [markdown]
# Before running an edited cell, reflow also *pulls*: if a cell it reads from
# is stale or was never run, that cell runs first. A cell never computes from
# values a fresh run-all would not give it.

# %%
pulled = demo(mode="lazy")
pulled.edit("a", "x = 7")  # edited, not run: `a` is now "dirty"
print("running c alone in lazy mode ran", pulled.run("c").ran, "so z is", pulled["z"])

# %% [markdown]
# ## 3. In order, or in any order
#
# reflow has two ways to read a notebook:
#
# - **in_order** (the default, like Jupyter): a cell sees what the cells
#   *above* it define. Defining a name twice is fine; each reader sees the
#   nearest definition above it.
# - **any_order** (like marimo): the order of cells does not matter; the
#   graph decides. Then each global must have exactly one defining cell, and
#   cycles are errors, because otherwise "run all" would have no single answer.

# %%
twice = Notebook(direction="in_order")
twice.add("x = 1", id="first")
twice.add("y = x", id="reader")
twice.add("x = 2", id="second")
twice.run_all()
print("in_order: y sees the x above it:", twice["y"], "; x ends as", twice["x"])

twice.direction = "any_order"
errors = twice.run_all().errors
for cell, error in errors.items():
    print(f"any_order, cell {cell}: {error.type}: {error.message}")

# %%
cycle = Notebook(direction="any_order")
cycle.add("a = b + 1", id="p")
cycle.add("b = a + 1", id="q")
print(cycle.run_all().errors["p"].message)

# %% [markdown]
# In any_order a cell may use a name defined further down: reflow runs the
# definer first.

# %%
backwards = Notebook(direction="any_order")
backwards.add("area = width * height", id="uses")
backwards.add("width, height = 3, 4", id="defines")
print("ran", backwards.run_all().ran, "; area =", backwards["area"])

# %% [markdown]
# In in_order, the same notebook is an *out-of-order usage*: the reader
# fails in a run-all, so it fails here too, even if you ran the definer
# first by hand. This cell shows that error on purpose:

# %% tags=["raises-exception"]
out_of_order = Notebook(direction="in_order")
out_of_order.add("area = width * height", id="uses")
out_of_order.add("width, height = 3, 4", id="defines")
run = out_of_order.run_all()
error = run.errors["uses"]
raise RuntimeError(f"{error.type}: {error.message} (as a run-all would say)")

# %% [markdown]
# ## 4. Private names and deleted cells
#
# In any_order, names with exactly one leading underscore (and `__` itself)
# are private to their cell, as in marimo: two cells may both use `_tmp`, and
# no other cell sees it. `__version__` and `__x` are ordinary names.
#
# Deleting a cell deletes the globals it defined, as a run-all without that
# cell would. A cell that still reads them becomes stale (or fails when run),
# rather than silently using a value that no cell computes any more.

# %%
private = Notebook(direction="any_order")
private.add("_tmp = 10\nx = _tmp + 1", id="one")
private.add("_tmp = 20\ny = _tmp + 2", id="two")
print("both ran:", private.run_all().ran, "; x, y =", private["x"], private["y"])
print("`_tmp` visible outside its cell:", "_tmp" in private)

deleting = Notebook(mode="lazy")
deleting.add("rate = 0.2", id="defines")
deleting.add("cost = 100 * (1 + rate)", id="reads")
deleting.run_all()
deleting.delete("defines")
print("after deleting the definer, `rate` in namespace:", "rate" in deleting)
print("the reader is", deleting.cell("reads").status, ":", deleting.cell("reads").stale_reason)

# %% [markdown]
# ## 5. What reflow tracks, and what it does not
#
# Tracked: names read and bound anywhere in a cell (loops in full, comprehensions,
# class bodies, decorators, default arguments); globals read by functions
# your cells define, when a cell calls them; `exec`, `eval` and `globals()`
# (such a cell counts as reading everything); changes in place, which the
# `mutations` tutorial covers.
#
# Not tracked: files on disk, databases, the network, the clock, random
# numbers drawn without a seed. A cell that reads a file does not re-run
# when the file changes. A thread a cell leaves running may change things
# later; reflow says so in the cell's stderr. When you know better than
# reflow, say it: `reflow.mutate(obj)` declares a change it cannot see.

# %%
files = Notebook()
files.add(
    "import os, tempfile, reflow\npath = os.path.join(tempfile.mkdtemp(), 'notes.txt')", id="where"
)
files.add("with open(path, 'w') as f:\n    f.write('v1')", id="write")
files.add("with open(path) as source:\n    text = source.read()", id="read")
files.run_all()

files.edit("write", "with open(path, 'w') as f:\n    f.write('v2')")
print("untracked: ran", files.run("write").ran, "and text is still", repr(files["text"]))

files.edit("write", "with open(path, 'w') as f:\n    f.write('v3')\nreflow.mutate(path)")
print("declared: ran", files.run("write").ran, "and text is", repr(files["text"]))
