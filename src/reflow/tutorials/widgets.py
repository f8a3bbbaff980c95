# %% [markdown]
# # Widgets: sliders, boxes and interactive controls as reactive inputs
#
# A slider is a value you change with the mouse instead of the keyboard.
# In JupyterLab with the reflow kernel ("Python 3 (reflow)"), an ipywidgets
# widget bound to a global is an input like any other: when you move it,
# every cell that reads it runs again, and so does everything downstream of
# those cells. Nothing to wire up, no callbacks to write.
#
# As in the other tutorials, live cells are yours to play with (here: to
# drag), and demo cells build a small notebook with `reflow.Notebook` to show
# the rules that hold everywhere, with their results printed. You need
# ipywidgets (`pip install ipywidgets`) to run this notebook.

# %%
import ipywidgets as widgets

from reflow import Notebook


def demo(*cells: str, mode: str = "reactive") -> Notebook:
    """A notebook whose cells are named a, b, c, ... in order, run once."""
    nb = Notebook(mode=mode)
    for label, code in zip("abcdefgh", cells):
        nb.add(code, id=label)
    nb.run_all()
    return nb

# %% [markdown]
# ## 1. A slider is an input
#
# The cell below makes a slider and binds it to the global `slider`. The two
# cells after it read its value.

# %%
slider = widgets.IntSlider(value=3, min=0, max=12, description="n")
slider

# %%
squares = [i * i for i in range(slider.value)]
print("the first", slider.value, "squares:", squares)

# %%
total = sum(squares)
total

# %% [markdown]
# **Try it** (in JupyterLab, with the reflow kernel): drag the slider. The
# cell that reads `slider.value` runs again with the new value, and so does
# the cell that sums `squares`, because it reads what the other one computes.
# The cell that made the slider does not run again: that would make a new
# slider, back at 3, and undo your move.
#
# Drag quickly: when the slider moves faster than the cells finish, reflow
# does not queue one run per position. Changes that come in while cells run
# are put together, and the cells run once more with the latest value.
#
# In lazy mode, moving the slider runs nothing: the cells that read it (and
# what depends on them) are marked stale until you run them. Run
# `%flow mode lazy` in a cell, drag, look at the statuses, press Space (in
# command mode) to run every stale cell, then `%flow mode reactive` to come
# back.

# %% [markdown]
# ## 2. Without anyone to move it
#
# Outside a kernel with a frontend (the library, `reflow run`, a script), no
# one moves a slider: a widget keeps its value. A cell that sets
# `slider.value = 7` is an ordinary attribute store, which reflow tracks like
# any other change in place (see the `mutations` tutorial): the cells below
# it that read the slider see 7, and run again when the store changes.

# %%
nb = demo(
    "import ipywidgets as widgets\nslider = widgets.IntSlider(value=3, max=12)",
    "slider.value = 7",
    "squared = slider.value ** 2",
    "top = slider.max",
)
print("b set the value, so c computed", nb["squared"])
nb.edit("b", "slider.value = 9")
print("edit b and run it: ran", nb.run("b").ran, "; squared =", nb["squared"])

# %% [markdown]
# Two things to notice in what ran:
#
# - `a` ran before `b`. Re-running a cell that changed an object in place
#   first rebuilds the object, as a fresh run of the notebook would (section
#   5 of the `mutations` tutorial): here a new slider at 3, which `b` then
#   sets to 9.
# - `d`, which reads `slider.max`, ran too. A widget's `value` is a trait: a
#   descriptor on the widget's class, not a plain instance attribute, so
#   reflow takes every read of a widget as a read of the whole widget. That
#   costs a re-run now and then; it never leaves a stale output unmarked.
#
# In lazy mode the readers go stale instead, each with its reason:

# %%
nb = demo(
    "import ipywidgets as widgets\nslider = widgets.IntSlider(value=3, max=12)",
    "slider.value = 7",
    "squared = slider.value ** 2",
    "top = slider.max",
    mode="lazy",
)
nb.edit("b", "slider.value = 9")
print("lazy: ran", nb.run("b").ran, "; stale:", nb.stale(), "; squared is still", nb["squared"])
print("c is", nb.cell("c").status, "because it", nb.cell("c").stale_reason)
print("run_stale ran", nb.run_stale().ran, "; squared =", nb["squared"])

# %% [markdown]
# ## 3. Widgets inside containers
#
# A box of widgets (`widgets.VBox([low, high])`) bound to a global is an
# input too: moving one of its sliders re-runs the cells that read the box.
# Without a frontend the rule is the aliasing rule: a change to a widget is a
# change to every container that holds it. Here a new cell that sets
# `low.value` re-runs the cell that reads the box, and the cell that reads
# `low`, but not the one that reads only `high`:

# %%
nb = demo(
    "import ipywidgets as widgets\n"
    "low = widgets.IntSlider(value=1)\nhigh = widgets.IntSlider(value=2)\n"
    "panel = widgets.VBox([low, high])",
    "total = sum(w.value for w in panel.children)",
    "doubled_high = 2 * high.value",
    "print('low is', low.value)",
)
nb.add("low.value = 6", id="set", index=1)
print("ran", nb.run("set").ran, "; total =", nb["total"], "; d printed", nb.cell("d").stdout.strip())

# %% [markdown]
# ## 4. `interactive`
#
# `widgets.interactive(f, x=(0, 10))` makes one slider per argument and calls
# `f` whenever one moves; its `result` is what `f` returned last. Bound to a
# global, it is an input like a box: cells that read it run again when its
# sliders move. Without a frontend, setting one of its sliders in a cell
# calls `f` right away (that is ipywidgets' own doing), and reflow re-runs
# the cells below that read `ui.result`:

# %%
nb = demo(
    "import ipywidgets as widgets\ndef area(width=2, height=3):\n    return width * height\n"
    "ui = widgets.interactive(area, width=(1, 10), height=(1, 10))",
    "ui.children[0].value = 4",
    "print('the area is', ui.result)",
)
print("c printed:", nb.cell("c").stdout.strip())
nb.edit("b", "ui.children[0].value = 5")
print("edit b and run it: ran", nb.run("b").ran, "; c printed:", nb.cell("c").stdout.strip())

# %% [markdown]
# ## 5. Sliders and `%%memoize`
#
# With `%%memoize` on a slow cell that depends on a slider (see the
# `caching` tutorial), moving the slider back to a value it had replays the
# cached result instead of computing it again. Read the value into a plain
# name first (`n = slider.value`) and memoize the cell that uses `n`: its key
# is then the number itself, which reflow can always match, in this session
# or the next. (The key of a cell that reads `slider` itself covers the whole
# widget, not only its value: a new range or description misses too.)

# %%
import tempfile

scratch = tempfile.TemporaryDirectory(prefix="reflow-widgets-")  # removed when Python exits
nb = Notebook(cache_dir=scratch.name)
nb.add("import ipywidgets as widgets\nslider = widgets.IntSlider(value=3)", id="a")
nb.add("slider.value = 4", id="b")
nb.add("n = slider.value", id="c")
nb.add("%%memoize\nprint('computing for', n)\ncubes = [i ** 3 for i in range(n)]", id="d")
nb.run_all()
for value in [6, 4]:
    nb.edit("b", f"slider.value = {value}")
    nb.run("b")
    print(f"slider at {value}:", nb.cell("d").stdout.strip())

# %% [markdown]
# ## 6. anywidget
#
# Widgets made with [anywidget](https://anywidget.dev) work the same way:
# their synced traits (those tagged `sync=True`) are what the frontend
# changes, and a cell that reads the widget runs again when one of them
# changes. For example, with `pip install anywidget`:
#
# ```python
# import anywidget
# import traitlets
#
# class Stars(anywidget.AnyWidget):
#     _esm = """
#     export default {
#       render({ model, el }) {
#         const draw = () => {
#           el.replaceChildren();
#           for (let n = 1; n <= 5; n++) {
#             const star = document.createElement("button");
#             star.textContent = n <= model.get("rating") ? "★" : "☆";
#             star.onclick = () => { model.set("rating", n); model.save_changes(); };
#             el.appendChild(star);
#           }
#         };
#         model.on("change:rating", draw);
#         draw();
#       },
#     };
#     """
#     rating = traitlets.Int(3).tag(sync=True)
#
# stars = Stars()
# stars
# ```
#
# and in the next cell `print("rated", stars.rating, "out of 5")`: click a
# star, and that cell runs again.

# %% [markdown]
# ## 7. Your turn
#
# Two sliders in a box, and an `interactive` control. Drag them and watch
# which cells run again. Then switch to lazy mode (`%flow mode lazy`) and
# drag again.

# %%
width = widgets.IntSlider(value=4, min=1, max=10, description="width")
height = widgets.IntSlider(value=3, min=1, max=10, description="height")
size = widgets.VBox([width, height])
size

# %%
print("the rectangle is", width.value, "by", height.value)
print("its area is", width.value * height.value)

# %%
def scaled(factor=2.0):
    return [round(factor * v, 1) for v in squares]


control = widgets.interactive(scaled, factor=(0.5, 4.0, 0.5))
control

# %%
print("scaled squares:", control.result)
