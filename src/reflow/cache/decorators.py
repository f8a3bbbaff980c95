"""``reflow.cache`` and ``reflow.persistent_cache``: one name for functions and blocks.

::

    @reflow.cache                       # memoize calls in memory (this process)
    def features(df, k): ...

    @reflow.persistent_cache            # ... and on disk, across sessions
    def train(X, y, alpha=1.0): ...     # (same as @reflow.cache(persist=True))

    @reflow.cache(max_bytes=2**30)      # a memory budget of its own

    with reflow.persistent_cache("embeddings"):   # a block: skipped on a hit,
        vectors = model.encode(texts)             # its variables restored

A call's key is the function's code and the globals it reads (transitively
through the notebook functions it calls) plus its arguments' fingerprints.
A hit returns a fresh copy of the stored value, never an object a previous
caller may have mutated. Functions should be pure: what they do besides
returning (printing, mutating arguments) is not replayed on a hit.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable
from typing import Any, TypeVar, overload

from reflow.cache.blocks import CachedBlock
from reflow.cache.entry import OUTPUT, Entry
from reflow.cache.keys import Undigestable, function_key
from reflow.cache.location import memory_store, persistent_store
from reflow.cache.memoize import store_entry
from reflow.cache.memory import MemoryStore
from reflow.cache.store import CacheStore, warn

F = TypeVar("F", bound=Callable[..., Any])


class CachedFunction:
    """A memoized function; ``__wrapped__`` is the original, ``uncached(...)`` calls it."""

    def __init__(
        self,
        fn: Callable[..., Any],
        *,
        persist: bool,
        location: str | os.PathLike[str] | None,
        max_bytes: int | None,
    ) -> None:
        self.__wrapped__ = fn
        self.persist = persist
        self.location = None if location is None else str(location)
        self._own_memory = MemoryStore(max_bytes) if max_bytes is not None else None
        self._warned = False
        self.hits = 0
        self.misses = 0
        functools.update_wrapper(self, fn)

    def store(self) -> CacheStore:
        if self.persist:
            return persistent_store(self.location)
        return self._own_memory if self._own_memory is not None else memory_store()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        fn = self.__wrapped__
        try:
            key = function_key(fn, args, kwargs)
        except Undigestable as problem:
            if not self._warned:
                self._warned = True
                warn(f"calls of {fn.__qualname__} are not cached: {problem}")
            return fn(*args, **kwargs)
        store = self.store()
        entry = store.get(key, getattr(fn, "__globals__", None))
        if entry is not None:
            self.hits += 1
            return entry.values[OUTPUT]
        self.misses += 1
        started = time.perf_counter()
        result = fn(*args, **kwargs)
        seconds = time.perf_counter() - started
        label = f"function {fn.__module__}.{fn.__qualname__}"
        store_entry(store, key, Entry({OUTPUT: result}, run_seconds=seconds, label=label))
        return result

    def uncached(self, *args: Any, **kwargs: Any) -> Any:
        return self.__wrapped__(*args, **kwargs)

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        return functools.partial(self, instance)

    def __repr__(self) -> str:
        where = "persistent" if self.persist else "memory"
        return f"<reflow {where} cache of {self.__wrapped__!r}>"


@overload
def cache(target: F, /) -> F: ...
@overload
def cache(target: str, /, *, persist: bool = ..., dir: str | None = ...) -> CachedBlock: ...
@overload
def cache(
    target: None = None,
    /,
    *,
    persist: bool = ...,
    dir: str | os.PathLike[str] | None = ...,
    max_bytes: int | None = ...,
) -> Callable[[F], F]: ...


def cache(
    target: Any = None,
    /,
    *,
    persist: bool = False,
    dir: str | os.PathLike[str] | None = None,
    max_bytes: int | None = None,
) -> Any:
    """Memoize a function (``@cache``, ``@cache(persist=True)``) or a block (``with cache("n"):``).

    ``persist``: keep results on disk (``dir``, default ``.reflow/cache`` beside the
    running notebook or in the working directory; an fsspec URL works too).
    ``max_bytes``: a memory budget for this function alone (default: the
    process-wide memory cache's).
    """
    if isinstance(target, str):
        return CachedBlock(target, persist, None if dir is None else str(dir))
    if target is None:

        def decorate(fn: F) -> F:
            wrapped: Any = CachedFunction(fn, persist=persist, location=dir, max_bytes=max_bytes)
            return wrapped  # type: ignore[no-any-return]

        return decorate
    if not callable(target):
        raise TypeError(
            "reflow.cache decorates a function or names a block (a str), "
            f"got {type(target).__name__}"
        )
    return CachedFunction(target, persist=persist, location=dir, max_bytes=max_bytes)


@overload
def persistent_cache(target: F, /) -> F: ...
@overload
def persistent_cache(target: str, /, *, dir: str | None = ...) -> CachedBlock: ...
@overload
def persistent_cache(
    target: None = None, /, *, dir: str | os.PathLike[str] | None = ...
) -> Callable[[F], F]: ...


def persistent_cache(target: Any = None, /, *, dir: str | os.PathLike[str] | None = None) -> Any:
    """``cache(..., persist=True)``: results kept on disk, across sessions."""
    return cache(target, persist=True, dir=dir)
