"""Names through which a cell reaches past its namespace: files, the terminal, global state.

The lineage sees a cell's effects on the notebook's namespace; it cannot see
a file written by one cell and read by another, nor a seed set in a module's
global state. Such a cell runs in the main process at its sequential place,
and no later cell starts before it is done (a *barrier*), so the outside
world sees the same order of events as in a sequential run.

The tables are data, one reason per entry (STYLE 5). They are a deny-list:
a library function that writes a file without any of these names in sight
(``mylib.save(x)``) is not found; such a cell can be pinned to the main
process with a ``# reflow: main`` comment.
"""

from __future__ import annotations

import ast
import re

MODULES: dict[str, str] = {
    "os": "touches the process (files, environment, working directory)",
    "sys": "touches the interpreter's global state",
    "io": "opens files or streams",
    "subprocess": "starts processes",
    "shutil": "changes files",
    "pathlib": "touches files",
    "glob": "lists files",
    "tempfile": "creates files",
    "socket": "talks to the network",
    "urllib": "talks to the network",
    "http": "talks to the network",
    "requests": "talks to the network",
    "sqlite3": "opens a database",
    "random": "draws from the random module's global state",
    "secrets": "draws from the system's random source",
    "matplotlib": "draws on pyplot's global figure state",
    "logging": "configures global logging",
    "warnings": "changes global warning filters",
    "threading": "starts threads",
    "multiprocessing": "starts processes",
    "time": "reads or waits on the clock",
    "reflow": "asks reflow's state API, which lives in the main process",
    "IPython": "talks to the kernel",
}

BUILTINS: dict[str, str] = {
    "open": "opens files",
    "input": "reads the terminal",
    "breakpoint": "stops in a debugger",
    "exit": "ends the process",
    "quit": "ends the process",
    "get_ipython": "talks to the IPython shell (magics, !commands), which lives in the kernel",
    "display": "shows output in the kernel's frontend",
}

ATTRIBUTES: dict[str, str] = {
    "random": "draws from a library's global random state (np.random, torch.random)",
    "seed": "sets a library's global random state",
    "manual_seed": "sets a library's global random state",
    "set_option": "changes a library's global options",
    "savefig": "writes a figure file",
    "show": "shows a figure",
    "save": "writes a file",
    "savez": "writes a file",
    "savez_compressed": "writes a file",
    "savetxt": "writes a file",
    "tofile": "writes a file",
    "fromfile": "reads a file",
    "load": "reads a file",
    "loadtxt": "reads a file",
    "genfromtxt": "reads a file",
    "dump": "writes a file",
    "write": "writes a file or stream",
    "write_text": "writes a file",
    "write_bytes": "writes a file",
    "read_text": "reads a file",
    "read_bytes": "reads a file",
    "mkdir": "creates a directory",
    "unlink": "removes a file",
    "remove": "removes a file or an item",
}
# pandas' readers and writers: read_csv, to_parquet, ... (to_numpy and to_dict are pure).
_PANDAS_IO = ("csv", "parquet", "excel", "json", "pickle", "sql", "hdf", "feather", "orc", "stata")


# Calls that change state every later cell sees without reading any name: a worker
# process does not have it (it was set in the main process), so every cell after one
# of these runs in the main process too.
PROCESS_STATE: dict[str, str] = {
    "seed": "seeds a global random generator",
    "manual_seed": "seeds a global random generator",
    "set_option": "changes a library's global options",
    "set_printoptions": "changes a library's global options",
    "filterwarnings": "changes global warning filters",
    "simplefilter": "changes global warning filters",
    "setrecursionlimit": "changes the interpreter's recursion limit",
    "chdir": "changes the working directory",
    "environ": "changes or reads environment variables",
    "putenv": "changes environment variables",
    "basicConfig": "configures global logging",
    "rcParams": "changes matplotlib's global settings",
    "set_num_threads": "changes a library's thread count",
}


def process_state_reasons(source: str) -> list[str]:
    """Why a cell changes process-wide state that worker processes would not share."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            if node.attr in PROCESS_STATE:
                found.setdefault(f".{node.attr}", PROCESS_STATE[node.attr])
            elif (
                node.attr == "path" and isinstance(node.value, ast.Name) and node.value.id == "sys"
            ):
                found.setdefault("sys.path", "changes where modules are imported from")
    return [f"`{name}`: {reason}" for name, reason in found.items()]


def attribute_reason(name: str) -> str | None:
    if name in ATTRIBUTES:
        return ATTRIBUTES[name]
    prefix, _, suffix = name.partition("_")
    if prefix in ("read", "to") and suffix in _PANDAS_IO:
        return "reads or writes a file (pandas)"
    return None


def outside_reasons(source: str) -> list[str]:
    """Why a cell's source reaches past its namespace: ``"`open`: opens files"``, ...

    Empty when none of the names of the tables appears; a cell that cannot be
    parsed gives none (the graph refuses it anyway).
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in BUILTINS:
            found.setdefault(node.id, BUILTINS[node.id])
        elif isinstance(node, ast.Name) and node.id in MODULES:
            found.setdefault(node.id, MODULES[node.id])
        elif isinstance(node, ast.Attribute):
            reason = attribute_reason(node.attr)
            if reason is not None:
                found.setdefault(f".{node.attr}", reason)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            modules = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
            for module in modules:
                root = module.partition(".")[0]
                if root in MODULES:
                    found.setdefault(module, MODULES[root])
    return [f"`{name}`: {reason}" for name, reason in found.items()]


_PIN = re.compile(r"#\s*reflow:\s*main\b")


def pinned_to_main(source: str) -> bool:
    """A ``# reflow: main`` comment: the user says the cell must run in the main process."""
    return _PIN.search(source) is not None
