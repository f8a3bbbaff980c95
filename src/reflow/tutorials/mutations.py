# %% [markdown]
# # Mutations: parts, in-place changes, aliases and early cutoff
#
# Most notebook bugs are not about names being rebound, but about objects
# changing in place: a list appended to, a dataframe edited with
# `inplace=True`, a model fitted. reflow tracks these without slowing your
# code: it reads each cell's code for what it may change, and compares
# fingerprints of those objects before and after the cell runs.
#
# As in the `dataflow` tutorial, live cells are yours to edit and run;
# demo cells build a small notebook with `reflow.Notebook` and print what
# happened, so each rule comes with its result.

# %%
from reflow import Notebook


def demo(*cells: str, mode: str = "reactive") -> Notebook:
    """A notebook whose cells are named a, b, c, ... in order, run once."""
    nb = Notebook(mode=mode)
    for label, code in zip("abcdefgh", cells):
        nb.add(code, id=label)
    nb.run_all()
    return nb

# %% [markdown]
# ## 1. Changes in place are changes
#
# `append`, `update`, item and attribute stores, `+=`, `del x[k]`, methods
# such as `sort` or `fit`, numpy's `out=` and `np.random.shuffle`: every cell
# that reads the object afterwards depends on the cell that changed it.

# %%
nb = demo("scores = [3, 1, 2]", "scores.append(10)", "best = max(scores)")
print("best:", nb["best"])
nb.edit("b", "scores.append(20)")
print("edit b and run it: ran", nb.run("b").ran, "; best:", nb["best"])

# %% [markdown]
# A function your notebook defines can change its argument; reflow sees that
# through fingerprints, and a function that only reads does not count as a
# change:

# %%
nb = demo(
    "def add_bonus(xs):\n    xs.append(100)\n\ndef total(xs):\n    return sum(xs)",
    "points = [1, 2]",
    "add_bonus(points)",
    "n = total(points)",
    "check = len(points)",
)
print("ran b again:", nb.run("b").ran, "; n =", nb["n"])
print("calling total() changed nothing, so re-running d runs only", nb.run("d").ran)

# %% [markdown]
# ## 2. Parts: `xs[0]` is not `xs[1]`
#
# A cell that reads only `xs[0]`, `d["key"]` or `cfg.lr` does not re-run when
# another part of the object changes. Which parts changed comes from the
# fingerprints, so `d[k] = v`, `d.update(...)` and `xs[0].append(...)` are
# told apart as well as constant stores.

# %%
nb = demo(
    "config = {'lr': 0.1, 'epochs': 5}",
    "config['epochs'] = 10",
    "lr = config['lr']",
    "epochs = config['epochs']",
)
nb.edit("b", "config['epochs'] = 20")
print("a new epochs count re-runs only its reader:", nb.run("b").ran)

# %% [markdown]
# Parts are trusted only where they really are parts: items of a `list`,
# `tuple` or `dict`, and plain instance attributes. A property, a custom
# `__getitem__`, a numpy array or a dataframe is read whole, because
# `cfg.total` may well be computed from `cfg.lr`:

# %%
nb = demo(
    "class Cfg:\n    lr = 0.1\n    @property\n    def double(self):\n        return self.lr * 2\n"
    "cfg = Cfg()",
    "cfg.lr = 0.5",
    "d = cfg.double",
)
nb.edit("b", "cfg.lr = 0.25")
print("the property's reader re-runs:", nb.run("b").ran, "; d =", nb["d"])

# %% [markdown]
# ## 3. Aliases and containers
#
# Changing an object changes every name bound to it, and every container
# that holds it, however it got there.

# %%
nb = demo(
    "inner = [1]\nalias = inner\nouter = {'items': [inner]}",
    "pass",
    "n_alias = len(alias)",
    "n_outer = len(outer['items'][0])",
)
nb.edit("b", "inner.append(2)")
print("a change through `inner` reaches both readers:", nb.run("b").ran)
print(nb["n_alias"], nb["n_outer"])

# %% [markdown]
# ## 4. Early cutoff
#
# When a cell runs again and leaves a value equal to what a reader saw, the
# reader does not re-run. Equal means equal by fingerprint: numbers, strings
# and tuples by value, arrays and dataframes by content.

# %%
nb = demo("raw = 50", "answer = min(raw, 42)", "report = f'the answer is {answer}'")
nb.edit("a", "raw = 99")
print("answer is still 42, so the report is not redone:", nb.run("a").ran)

# %% [markdown]
# ## 5. Running a cell that changes something again
#
# Re-running a cell that appends would append twice; a fresh run-all would
# not. So when a cell changes an object in place and its own last run
# already changed it, reflow first runs the cell that built the object. A
# cell that only stores a part (`xs[1] = 5`) replaces what it stored, so it
# can run alone.

# %%
nb = demo("log = []", "log.append('run')", "n = len(log)")
print("appending again rebuilds the list first:", nb.run("b").ran, "; n =", nb["n"])
nb = demo("xs = [0, 1]", "xs[1] = 5", "y = xs[0] + 1")
print("storing a part again runs just that cell:", nb.run("b").ran)

# %% [markdown]
# ## 6. Your turn
#
# Edit the cell below: append to `basket`, or change `basket[0]`, and watch
# which of the two cells after it run again.

# %%
basket = ["apples", "pears"]

# %%
first_item = basket[0]
first_item

# %%
count = len(basket)
count
