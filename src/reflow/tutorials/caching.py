# %% [markdown]
# # Caching: unchanged work comes back from the cache instead of running again
#
# Reactive notebooks run cells again and again. Most of those re-runs compute
# what was already computed: the same code on the same inputs. Memoizing a
# cell tells reflow to remember each result under a *key* made of the cell's
# code and the content of everything it reads. When a run would have the same
# key as an earlier one, reflow puts the earlier result back (the values the
# cell bound, its output) and skips the code.
#
# As in the other tutorials, live cells are yours to edit and run; demo cells
# build a small notebook with `reflow.Notebook` and print what happened.
# Every demo keeps its cache in a temporary directory, removed when Python
# exits, so the demos leave nothing behind. (The live `%%memoize` cell in
# section 1 is different: it caches for real, in `.reflow/cache/` in the
# directory the notebook runs in; section 9 says how to clear it.)

# %%
import os
import tempfile
import warnings

import reflow
from reflow import Notebook
from reflow.cache import CacheWarning, DiskStore

scratch = tempfile.TemporaryDirectory(prefix="reflow-caching-")  # removed when Python exits


def demo(*cells: str, cache: str | None = None) -> Notebook:
    """A notebook whose cells are named a, b, c, ... in order, with a cache of its own."""
    nb = Notebook(cache=cache, cache_dir=tempfile.mkdtemp(dir=scratch.name))
    for label, code in zip("abcdefgh", cells):
        nb.add(code, id=label)
    return nb


def hit_or_ran(nb: Notebook, cell: str) -> str:
    return "restored from the cache" if nb.cell(cell).from_cache else "ran its code"

# %% [markdown]
# ## 1. `%%memoize` on a cell
#
# Put `%%memoize` on the first line of a cell. You do not list the inputs:
# they are the globals the cell reads, which reflow knows anyway. Run the
# cell below once (it takes a moment), then run it again.

# %%
limit = 3_000_000

# %%
# %%memoize
total = sum(i * i for i in range(limit) if i % 3)
print("the sum is", total)

# %% [markdown]
# The second run prints a line such as `[reflow] memoized: restored total
# from the cache (the run took 0.4 s)` and finishes at once: `total` came
# back from the cache. **Try it:** change `limit`, run that cell (the
# memoized cell runs, its input changed), then put `limit` back. The old
# result is still in the cache, so this time nothing is computed.
#
# The same steps, in a demo notebook whose cells are `a` and `b`:

# %%
nb = demo("n = 10", "%%memoize\nprint('computing')\nsquares = [i * i for i in range(n)]\nlen(squares)")
nb.run_all()
print("the key of b covers what it reads:", nb.refs("b"))
print("first run:", hit_or_ran(nb, "b"), "and printed", repr(nb.cell("b").stdout))

nb.run("b")
print("run b again:", hit_or_ran(nb, "b"), "; its output is still", nb.cell("b").output)
print("  and it says:", nb.cell("b").stdout.strip())

nb.edit("a", "n = 20")
nb.run("a")
print("n = 20:", hit_or_ran(nb, "b"), "; squares ends with", nb["squares"][-1])

nb.edit("a", "n = 10")
nb.run("a")
print("n = 10 again:", hit_or_ran(nb, "b"), "; squares ends with", nb["squares"][-1])

# %% [markdown]
# A hit is a run like any other for the rest of the notebook: the cell is
# fresh, and the cells that read what it restored run (or go stale) as they
# would after a real run, unless what came back equals what they read.
#
# ## 2. What a hit says: `--verbose` and `--quiet`
#
# By default a hit prints one line saying what it restored. `%%memoize
# --verbose` also replays what the cell printed when it ran; `%%memoize
# --quiet` prints nothing at all, so a hit looks exactly like a silent run.

# %%
for option in ["", " --verbose", " --quiet"]:
    nb = demo("word = 'cache'", f"%%memoize{option}\nprint('spelling', word)\nletters = list(word)")
    nb.run_all()
    nb.run("b")
    print(f"%%memoize{option:<10} a hit prints {nb.cell('b').stdout!r}")

# %% [markdown]
# ## 3. What the key is made of
#
# - the code, normalised: comments, blank lines and spacing do not matter,
#   any other change does;
# - the content of every input: numbers and strings by value, lists and
#   dicts by what they hold, numpy arrays and pandas objects by a hash of
#   their data. The name alone is not enough, nor is the object's identity;
# - for a function your notebook defines, its code and the globals it reads
#   (and so on for the functions it calls): change the function, and every
#   cell that calls it misses;
# - the versions of Python, reflow, numpy and pandas.

# %%
nb = demo(
    "factor = 3\ndef scale(x):\n    return x * factor",
    "%%memoize --quiet\nscaled = [scale(v) for v in range(4)]",
)
nb.run_all()

nb.edit("b", "%%memoize --quiet\n# the same code, laid out differently\nscaled = [ scale(v)  for v in range(4) ]")
nb.run("b")
print("comments and spacing:", hit_or_ran(nb, "b"))

nb.edit("b", "%%memoize --quiet\nscaled = [scale(v) for v in range(5)]")
nb.run("b")
print("range(5) instead of range(4):", hit_or_ran(nb, "b"))

nb.edit("a", "factor = 4\ndef scale(x):\n    return x * factor")
nb.run("a")
print("a global the function reads changed:", hit_or_ran(nb, "b"), "; scaled =", nb["scaled"])

# %% [markdown]
# ## 4. Caching every cell: `Notebook(cache="memory")` and `cache="disk"`
#
# Instead of marking cells one by one, a notebook can memoize all of them.
# `cache="memory"` keeps the results in this process; `cache="disk"` keeps
# them on disk too, so that the same notebook opened again later (tomorrow,
# in another process) gets its state back without computing it. Here a hit
# replays what the cell printed, so it looks like the run it restores. From
# the command line, `reflow run analysis.ipynb --cache` does the same for a
# notebook file.

# %%
nb = demo(
    "rows = list(range(1000))",
    "print('filtering')\neven = [r for r in rows if r % 2 == 0]",
    "count = len(even)",
    cache="memory",
)
nb.run_all()
nb.edit("a", "rows = list(range(2000))")
nb.run("a")
nb.edit("a", "rows = list(range(1000))")
ran = nb.run("a").ran
print("rows back to 1000: ran", ran, "and", [hit_or_ran(nb, c) for c in ran])
print("b printed", repr(nb.cell("b").stdout), "and count is", nb["count"])

# %%
cells = ["words = 'the cache keeps what the code computed'.split()", "longest = max(words, key=len)"]
where = tempfile.mkdtemp(dir=scratch.name)


def opened(cells: list[str]) -> Notebook:
    nb = Notebook(cache="disk", cache_dir=where)
    for label, code in zip("ab", cells):
        nb.add(code, id=label)
    return nb


first = opened(cells)
first.run_all()
for entry in DiskStore(where).entries():
    print("on disk:", entry.label, f"({entry.nbytes} bytes)")

again = opened(cells)  # the same notebook, opened again
ran = again.run_all().ran
print("opened again:", [hit_or_ran(again, c) for c in ran], "; longest =", again["longest"])

# %% [markdown]
# ## 5. Functions: `@reflow.cache` and `@reflow.persistent_cache`
#
# A function can be memoized by itself, wherever it is called from. The key
# of a call is the function's code, the globals it reads and the content of
# its arguments. `@reflow.cache` keeps results in memory (this process);
# `@reflow.persistent_cache` keeps them on disk as well (`.reflow/cache/`
# unless `dir=` says where), so they survive a restart.

# %%
@reflow.cache
def slow_square(x):
    print("computing the square of", x)
    return x * x


print(slow_square(12), slow_square(12), slow_square(13))
print("hits:", slow_square.hits, "misses:", slow_square.misses)

# %%
@reflow.persistent_cache(dir=os.path.join(scratch.name, "functions"))
def word_lengths(text):
    print("counting")
    return {word: len(word) for word in text.split()}


print(word_lengths("keys are made of content"))
print(word_lengths("keys are made of content"))

# %% [markdown]
# Only the return value is stored. What the function does besides returning
# (printing, changing its arguments) does not happen on a hit: above,
# `counting` is printed once. A hit returns a fresh copy of the value, so
# changing what one call returned never changes what the next call gets.

# %% [markdown]
# ## 6. Blocks: `with reflow.cache("name"):`
#
# Sometimes only part of a cell is slow. Put that part in a block:
# `with reflow.cache("name"):` (or `reflow.persistent_cache("name")` for disk).
# On a hit its body is skipped and the variables it binds are restored; the
# rest of the cell runs as usual. The block's key is its name, its code and
# the content of what it reads.

# %%
nb = demo(
    "import reflow\nupper = 30",
    "with reflow.cache('primes') as block:\n"
    "    print('sieving')\n"
    "    primes = [p for p in range(2, upper) if all(p % d for d in range(2, p))]\n"
    "print('hit' if block.hit else 'miss', len(primes), 'primes')",
)
nb.run_all()
print("first run:", repr(nb.cell("b").stdout))
nb.run("b")
print("again:    ", repr(nb.cell("b").stdout))
nb.edit("a", "import reflow\nupper = 50")
nb.run("a")
print("upper=50: ", repr(nb.cell("b").stdout))

# %% [markdown]
# ## 7. What is not cached
#
# reflow never guesses. If it cannot compute a key, or cannot store a result,
# the cell simply runs, and you get one `CacheWarning` (`from reflow.cache
# import CacheWarning`) saying
# why (one per cell and reason, not one per run). That happens when:
#
# - an input cannot be fingerprinted: a lock, an open file, a socket, a
#   database connection;
# - the cell uses `exec`, `eval`, `globals()` or `import *`, so reflow cannot
#   know every input it reads;
# - a value the cell binds cannot be pickled, so it cannot be stored.

# %%
def caught_warnings(*cells: str) -> list[str]:
    """Run a demo notebook twice; the CacheWarnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        nb = demo(*cells)
        nb.run_all()
        nb.run_all()
    return [str(w.message) for w in caught if issubclass(w.category, CacheWarning)]


for what, cells in [
    ("a lock as input", ["import threading\nlock = threading.Lock()", "%%memoize\nwith lock:\n    safe = 1"]),
    ("eval", ["x = 2", "%%memoize\ny = eval('x * 2')"]),
    ("a lock as result", ["%%memoize\nimport threading\nguard = threading.Lock()"]),
]:
    messages = caught_warnings(*cells)
    print(f"{what}: {len(messages)} warning in two runs: {messages[0]}")

# %% [markdown]
# ## 8. Memoize deterministic code
#
# The key covers the code and the values of the globals it reads. It does not
# cover anything else the code depends on: the files it reads, the network,
# the clock, a random generator's hidden state. And a hit does not repeat the
# cell's side effects: files it wrote, messages it sent. So memoize a cell
# only when running it twice on the same inputs would give the same result
# and do nothing else that matters. Here is what goes wrong otherwise:

# %%
nb = demo("import random", "%%memoize --quiet\ndraw = random.random()")
nb.run_all()
first_draw = nb["draw"]
nb.run("b")
print("a random number, run again:", hit_or_ran(nb, "b"), "; the same number:", nb["draw"] == first_draw)

log = os.path.join(scratch.name, "log.txt")
nb = demo(f"import pathlib\npath = pathlib.Path({log!r})", "%%memoize --quiet\nwritten = path.write_text('ran')")
nb.run_all()
os.remove(log)
nb.run("b")
print("a cell that writes a file:", hit_or_ran(nb, "b"), "; the file is back:", os.path.exists(log))

# %% [markdown]
# One more difference: a hit gives new objects. A memoized cell that binds
# `alias = base` stores the list; a hit restores a copy of it, no longer the
# object `base` is bound to. A change through `alias` then does not reach
# `base`, although it would in a fresh run of the notebook.

# %%
nb = demo("base = [1, 2]", "%%memoize --quiet\nalias = base", "alias.append(3)\nprint(base)")
nb.run_all()
print("after a real run: alias is base:", nb["alias"] is nb["base"], "; c printed", nb.cell("c").stdout.strip())
nb.run_all()
print("after a hit:      alias is base:", nb["alias"] is nb["base"], "; c printed", nb.cell("c").stdout.strip())

# %% [markdown]
# ## 9. Where results live
#
# - In memory: one cache per process (1 GiB, the least recently used results
#   go first), shared by every notebook in it. (So if you run a demo cell of
#   this tutorial twice, even its "first" runs are restored the second time.)
# - On disk: `.reflow/cache/` beside the notebook (or in the working
#   directory), unless `cache_dir=` or `dir=` says where; an fsspec URL such as
#   `s3://bucket/cache` works too. numpy arrays come back memory-mapped, so
#   even a large one is restored at once.
#
# From a shell, `reflow cache info` shows what the disk cache holds and
# `reflow cache clear` empties it (`--older-than 7d` keeps recent results).
# A cached result is a pickle, and loading a pickle can run code: share a
# cache directory only with people whose notebooks you would run.
