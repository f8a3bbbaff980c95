"""Cache keys: what a piece of code computes from, as one hex string.

A key is a digest of

- a salt: the key format, the Python implementation and version, reflow's
  version and those of numpy and pandas when installed (bytecode, pickles and
  hashing differ between them);
- the normalised code (an AST dump: comments and layout do not matter);
- each input by name: the digest of its value (a digest of its own, which
  a caller may keep: ``digests=``), or "absent"; an input the cell
  reads only at some paths (``cfg["a"]``, ``cfg.lr``) that the object vouches
  for, by those paths and the values there instead (``parts.py``);
- the modules the code imports (where their files are, how big, how old).

Functions the code calls are inputs like any other: a notebook function's
digest covers its code and the globals it reads (``digest.py``).
"""

from __future__ import annotations

import ast
import platform
import sys
from collections.abc import Iterable, Mapping
from functools import cache, lru_cache
from typing import Any

from reflow.analysis.normalize import normalized
from reflow.cache.digest import Digest, Undigestable, digest_of, module_identity_by_name
from reflow.cache.parts import Keyed, Parts, keyed_parts, render

KEY_FORMAT = 2  # 2: each input digested apart, and inputs read in part

__all__ = ["Undigestable", "block_key", "cell_key", "function_key", "partial_inputs", "salt"]


@cache
def salt() -> str:
    """What makes keys from another Python, reflow, numpy or pandas never match."""
    from importlib import metadata

    from reflow import __version__

    versions = []
    for package in ("numpy", "pandas"):
        try:
            versions.append(f"{package}={metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package}=none")
    return "|".join(
        [
            f"reflow-cache-{KEY_FORMAT}",
            platform.python_implementation(),
            sys.version.split()[0],
            f"reflow={__version__}",
            *versions,
        ]
    )


def cell_key(
    source: str,
    inputs: Iterable[str],
    namespace: Mapping[str, Any],
    parts: Parts | None = None,
    digests: dict[str, str] | None = None,
) -> str:
    """The key of a cell's source run on the given inputs read from ``namespace``.

    ``parts``: inputs the cell reads only at these paths; each is digested by
    its parts where ``keyed_parts`` allows, else whole. ``digests``: filled with
    the digest of each input digested whole (``digest_of(value, name)``), to
    tell later whether a run changed it. Raises ``Undigestable`` (naming the
    input) when one cannot be fingerprinted, and ``SyntaxError`` when the
    source does not parse.
    """
    digest = Digest()
    digest.tag(salt())
    _code(digest, "cell", source)
    keyed = keyed_parts(parts, namespace) if parts else {}
    _inputs(digest, inputs, namespace, keyed, digests)
    return digest.hexdigest()


def partial_inputs(parts: Parts | None, namespace: Mapping[str, Any]) -> frozenset[str]:
    """The inputs ``cell_key`` digests by parts rather than whole, given the same arguments."""
    return frozenset(keyed_parts(parts, namespace)) if parts else frozenset()


def block_key(name: str, body: str, inputs: Iterable[str], namespace: Mapping[str, Any]) -> str:
    """The key of a ``with reflow.cache("name"):`` block's body."""
    digest = Digest()
    digest.tag(salt())
    digest.tag(f"block:{name}")
    _code(digest, "block", body)
    _inputs(digest, inputs, namespace)
    return digest.hexdigest()


def function_key(fn: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> str:
    """The key of a call: the function's code and global reads, and its arguments."""
    digest = Digest()
    digest.tag(salt())
    digest.tag("call")
    digest.add_function(fn, getattr(fn, "__qualname__", "function"))
    digest.tag(f"args:{len(args)}")
    for index, value in enumerate(args):
        digest.add(value, f"argument {index + 1}")
    for name in sorted(kwargs):
        digest.tag(f"kwarg:{name}")
        digest.add(kwargs[name], f"argument {name}=")
    return digest.hexdigest()


def _code(digest: Digest, kind: str, source: str) -> None:
    dump, modules = _parsed(source)
    if dump is None:
        raise SyntaxError(f"the {kind} does not parse")
    digest.tag(f"{kind}:{dump}")
    for module in modules:  # looked up every time: an edited module must miss
        digest.tag(f"import:{module_identity_by_name(module)}")


@lru_cache(maxsize=1024)
def _parsed(source: str) -> tuple[str | None, tuple[str, ...]]:
    """The normalised code and the modules it imports: parsed once per source text."""
    dump = normalized(source)
    return dump, tuple(sorted(_imported_modules(source))) if dump is not None else ()


def _inputs(
    digest: Digest,
    inputs: Iterable[str],
    namespace: Mapping[str, Any],
    parts: Keyed | None = None,
    digests: dict[str, str] | None = None,
) -> None:
    for name in sorted(set(inputs)):
        read = parts.get(name) if parts else None
        if read is not None:  # "parts:" never collides with "input:": the two keys differ
            digest.tag(f"parts:{name}:{len(read)}")
            for path, value in read:
                digest.tag(repr(path))
                digest.add(value, render(name, path))
        elif name in namespace:
            whole = digest_of(namespace[name], name)
            digest.tag(f"input:{name}:{whole}")
            if digests is not None:
                digests[name] = whole
        else:
            digest.tag(f"absent:{name}")


def _imported_modules(source: str) -> set[str]:
    from reflow.analysis.magics import python_source

    found: set[str] = set()
    for node in ast.walk(ast.parse(python_source(source))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found
