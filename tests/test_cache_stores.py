"""The cache stores: memory (LRU by bytes), disk (atomic, checked, bounded), fsspec URLs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from reflow.cache.disk import DiskStore
from reflow.cache.entry import OUTPUT, Entry, encode
from reflow.cache.memoize import store_entry
from reflow.cache.memory import MemoryStore
from reflow.cache.remote import RemoteStore
from reflow.cache.sizes import DEFAULT_DISK_MAX_BYTES, parse_size
from reflow.cache.store import CacheWarning, TieredStore

SRC = str(Path(__file__).resolve().parents[1] / "src")


def key(n: int | str) -> str:
    return f"{n:0>40}" if isinstance(n, int) else n


def array_entry(size_bytes: int, fill: float = 1.0) -> Entry:
    return Entry({"a": np.full(size_bytes // 8, fill)}, label="test")


# ---- memory ---------------------------------------------------------------------------


def test_memory_evicts_least_recently_used_by_bytes() -> None:
    store = MemoryStore(max_bytes=1_000_000)
    for n in (1, 2, 3):
        assert store.put(key(n), encode(array_entry(300_000)))
    assert store.get(key(1)) is not None  # 1 is now the most recently used
    assert store.put(key(4), encode(array_entry(300_000)))
    assert key(2) not in store and key(1) in store and key(3) in store and key(4) in store
    assert store.nbytes <= 1_000_000


def test_memory_refuses_an_entry_over_its_budget() -> None:
    store = MemoryStore(max_bytes=1000)
    assert not store.put(key(1), encode(array_entry(8000)))
    assert len(store) == 0 and store.nbytes == 0


def test_memory_hits_are_private_copies() -> None:
    store = MemoryStore()
    frame = pd.DataFrame({"u": np.arange(300_000)})  # 2.4 MB: its column goes out of band
    store.put(key(1), encode(Entry({"a": np.arange(10.0), "df": frame, "xs": [1, [2]]})))
    first = store.get(key(1))
    assert first is not None
    first.values["a"][0] = 99.0
    first.values["df"].loc[0, "u"] = -1
    first.values["xs"][1].append(3)
    again = store.get(key(1))
    assert again is not None
    assert again.values["a"][0] == 0.0 and again.values["a"].flags.writeable
    assert again.values["df"].loc[0, "u"] == 0
    assert again.values["xs"] == [1, [2]]


# ---- disk -------------------------------------------------------------------------------


def test_disk_round_trip_maps_arrays_copy_on_write(tmp_path: Path) -> None:
    store = DiskStore(tmp_path)
    data = np.arange(1_000_000, dtype=np.float64)
    frame = pd.DataFrame({"u": np.arange(500_000), "v": np.ones(500_000)})
    entry = Entry({"a": data, "df": frame, OUTPUT: "shown"}, ("gone",), "out", "err", 1.5, "c")
    assert store.put(key(1), encode(entry))
    hit = store.get(key(1))
    assert hit is not None
    assert isinstance(hit.values["a"].base, np.memmap)  # mapped, not read
    np.testing.assert_array_equal(hit.values["a"], data)
    pd.testing.assert_frame_equal(hit.values["df"], frame)
    assert (hit.values[OUTPUT], hit.deleted, hit.stdout, hit.stderr) == (
        "shown",
        ("gone",),
        "out",
        "err",
    )
    hit.values["a"][:10] = -1.0  # copy-on-write: the file keeps the stored values
    hit.values["df"].loc[0, "v"] = 7.0
    again = store.get(key(1))
    assert again is not None
    np.testing.assert_array_equal(again.values["a"], data)
    assert again.values["df"].loc[0, "v"] == 1.0


@pytest.mark.parametrize(
    "value",
    [
        np.zeros((0, 3)),
        np.array(3.5),
        np.asfortranarray(np.arange(12.0).reshape(3, 4)),
        np.arange(10)[::3],
        np.array(["2024-01-01"], dtype="M8[D]"),
        np.array([(1, 2.0)], dtype=[("i", "i4"), ("f", "f8")]),
        np.array([{"k": 1}], dtype=object),
    ],
    ids=["empty", "0-d", "fortran", "strided", "datetime", "structured", "object"],
)
def test_disk_and_memory_keep_every_array_kind(tmp_path: Path, value: Any) -> None:
    for store in (DiskStore(tmp_path), MemoryStore()):
        assert store.put(key(1), encode(Entry({"a": value})))
        hit = store.get(key(1))
        assert hit is not None
        assert hit.values["a"].dtype == value.dtype and hit.values["a"].shape == value.shape
        assert hit.values["a"].tolist() == value.tolist()


CORRUPTIONS = {
    "truncated-array": lambda d: _truncate(d / "a0.npy"),
    "truncated-pickle": lambda d: _truncate(d / "values.pkl"),
    "garbage-pickle": lambda d: (d / "values.pkl").write_bytes(
        b"\x00" * (d / "values.pkl").stat().st_size
    ),
    "garbage-manifest": lambda d: (d / "manifest.json").write_text("{not json"),
    "manifest-without-sizes": lambda d: (d / "manifest.json").write_text(
        json.dumps(
            {k: v for k, v in json.loads((d / "manifest.json").read_text()).items() if k != "sizes"}
        )
    ),
    "missing-file": lambda d: (d / "a0.npy").unlink(),
}


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


@pytest.mark.parametrize("corrupt", list(CORRUPTIONS), ids=list(CORRUPTIONS))
def test_a_corrupt_disk_entry_is_a_miss_and_is_rewritten(tmp_path: Path, corrupt: str) -> None:
    store = DiskStore(tmp_path)
    entry = Entry({"a": np.arange(1000.0), "b": {"k": [1, 2]}})
    assert store.put(key(1), encode(entry))
    where = tmp_path / "entries" / key(1)[:2] / key(1)
    CORRUPTIONS[corrupt](where)
    assert store.get(key(1)) is None
    assert not where.exists()  # dropped, so that the next run writes it again
    assert store.put(key(1), encode(entry))
    hit = store.get(key(1))
    assert hit is not None and hit.values["b"] == {"k": [1, 2]}


def test_disk_evicts_least_recently_used_over_its_cap(tmp_path: Path) -> None:
    store = DiskStore(tmp_path, max_bytes=10**9)
    for n in (1, 2, 3):
        store.put(key(n), encode(array_entry(400_000)))
        manifest = tmp_path / "entries" / key(n)[:2] / key(n) / "manifest.json"
        os.utime(manifest, (1000.0 * n, 1000.0 * n))  # 1 oldest ... 3 newest
    assert store.get(key(1)) is not None  # a hit makes 1 the most recently used
    store.max_bytes = 1_000_000
    assert store.evict() == [key(2)]
    assert {e.key for e in store.entries()} == {key(1), key(3)}


def test_disk_put_evicts_to_fit(tmp_path: Path) -> None:
    store = DiskStore(tmp_path, max_bytes=1_000_000)
    for n in range(1, 6):
        store.put(key(n), encode(array_entry(300_000)))
        time.sleep(0.01)  # distinct modification times
    assert sum(e.nbytes for e in store.entries()) <= 1_000_000
    assert key(5) in {e.key for e in store.entries()}


SIZES = [
    ("20000", 20000),
    ("512K", 512 << 10),
    ("500M", 500 << 20),
    ("5G", 5 << 30),
    ("1.5GiB", 3 << 29),
    ("2TB", 2 << 40),
    (" 7 mb ", 7 << 20),
]


@pytest.mark.parametrize(("text", "expected"), SIZES, ids=[t for t, _ in SIZES])
def test_sizes_people_type(text: str, expected: int) -> None:
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["", "lots", "5X", "-1G", "1e3"])
def test_what_is_not_a_size(text: str) -> None:
    with pytest.raises(ValueError, match="is not a size"):
        parse_size(text)


def test_the_disk_cap_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert DiskStore(tmp_path).max_bytes == DEFAULT_DISK_MAX_BYTES
    monkeypatch.setenv("REFLOW_CACHE_MAX_BYTES", "700K")
    store = DiskStore(tmp_path)
    assert store.max_bytes == 700 << 10
    for n in (1, 2, 3):
        store.put(key(n), encode(array_entry(300_000)))
        time.sleep(0.01)  # distinct modification times
    assert {e.key for e in store.entries()} == {key(2), key(3)}  # the oldest went
    assert DiskStore(tmp_path, max_bytes=10).max_bytes == 10  # an explicit cap wins
    monkeypatch.setenv("REFLOW_CACHE_MAX_BYTES", "plenty")
    with pytest.warns(CacheWarning, match="REFLOW_CACHE_MAX_BYTES"):
        assert DiskStore(tmp_path).max_bytes == DEFAULT_DISK_MAX_BYTES


def test_clear_older_than(tmp_path: Path) -> None:
    store = DiskStore(tmp_path)
    for n in (1, 2):
        store.put(key(n), encode(Entry({"x": n})))
    old = tmp_path / "entries" / key(1)[:2] / key(1) / "manifest.json"
    os.utime(old, (time.time() - 10 * 86400,) * 2)
    assert [e.key for e in store.clear(older_than=7 * 86400)] == [key(1)]
    assert [e.key for e in store.entries()] == [key(2)]
    assert len(store.clear()) == 1 and list(store.entries()) == []


def test_an_unwritable_directory_warns_once_and_does_not_raise(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    store = DiskStore(blocker / "cache")
    with pytest.warns(CacheWarning, match="cannot write to") as caught:
        assert not store.put(key(1), encode(Entry({"x": 1})))
        assert not store.put(key(2), encode(Entry({"x": 2})))
    assert len(caught) == 1
    assert store.get(key(1)) is None


def test_an_unpicklable_value_is_one_warning_naming_it(tmp_path: Path) -> None:
    store = DiskStore(tmp_path)
    with pytest.warns(CacheWarning, match=r"`lock` \(a _thread.lock\) cannot be pickled"):
        assert not store_entry(store, key(1), Entry({"ok": 1, "lock": threading.Lock()}))
    assert list(store.entries()) == []


def test_a_full_file_system_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    """The file size limit makes writes fail as a full disk does (EFBIG rather than ENOSPC)."""
    program = textwrap.dedent(
        f"""
        import resource, signal, sys, warnings
        sys.path.insert(0, {SRC!r})
        import numpy as np
        from reflow import Notebook
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1_000_000, 1_000_000))
        warnings.simplefilter("always")
        nb = Notebook(cache_dir={str(tmp_path)!r})
        c = nb.add("%%memoize\\nimport numpy as np\\nbig = np.ones(1_000_000)")
        run = nb.run(c)
        print("ok" if run.ok and nb["big"].sum() == 1_000_000 else "wrong")
        """
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
    assert done.stderr.count("cannot write to") == 1
    assert not list((tmp_path / "tmp").iterdir())  # the partial entry was removed


WRITER = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {src!r})
    import numpy as np
    from reflow.cache.disk import DiskStore
    from reflow.cache.entry import Entry, encode
    store = DiskStore({root!r})
    start = float(sys.argv[1])
    while time.time() < start:
        time.sleep(0.001)
    for n in range(12):
        key = str(n).rjust(40, "0")
        store.put(key, encode(Entry({{"a": np.full(1_000_000, float(n)), "n": n}})))
        entry = store.get(key)
        assert entry is not None and entry.values["a"][-1] == n and entry.values["n"] == n
    print("done")
    """
)


def test_two_processes_writing_the_same_entries_never_tear_them(tmp_path: Path) -> None:
    program = WRITER.format(src=SRC, root=str(tmp_path))
    start = str(time.time() + 1.0)  # both begin at the same moment, well after starting up
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", program, start],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for writer in writers:
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
        assert out.strip() == "done"
    store = DiskStore(tmp_path)
    assert len(list(store.entries())) == 12
    for n in range(12):
        entry = store.get(key(n))
        assert entry is not None and entry.values["a"].sum() == n * 1_000_000
    assert not list((tmp_path / "tmp").iterdir())


def test_keys_must_be_hex(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a cache key"):
        DiskStore(tmp_path).get("../../etc/passwd")


# ---- memory in front of disk ----------------------------------------------------------------


def test_a_memory_hit_writes_through_to_a_disk_that_lacks_it(tmp_path: Path) -> None:
    """The memory store is the process's: an entry there may come from another tier."""
    memory, disk = MemoryStore(), DiskStore(tmp_path)
    tiered = TieredStore(memory, disk)
    frame = pd.DataFrame({"u": np.arange(300_000)})  # a buffer out of band
    entry = Entry({"a": np.asfortranarray(np.ones((3, 2))), "df": frame, "xs": [1]}, label="t")
    assert memory.put(key(1), encode(entry))  # as another notebook's memory-only cache did
    assert disk.get(key(1)) is None
    assert tiered.get(key(1)) is not None  # from memory ...
    on_disk = disk.get(key(1))  # ... and now on disk too, whole
    assert on_disk is not None and on_disk.label == "t" and on_disk.values["xs"] == [1]
    np.testing.assert_array_equal(on_disk.values["a"], np.ones((3, 2)))
    assert on_disk.values["df"]["u"].sum() == frame["u"].sum()


def test_a_memory_hit_marks_the_disk_entry_used(tmp_path: Path) -> None:
    memory, disk = MemoryStore(), DiskStore(tmp_path)
    tiered = TieredStore(memory, disk)
    assert tiered.put(key(1), encode(Entry({"x": 1})))
    manifest = tmp_path / "entries" / key(1)[:2] / key(1) / "manifest.json"
    os.utime(manifest, (1000.0, 1000.0))
    assert tiered.get(key(1)) is not None and key(1) in memory
    assert manifest.stat().st_mtime > 1000.0  # eviction and --older-than see the use
    assert not disk.touch(key(2)) and not memory.touch(key(2))


# ---- remote (fsspec) ----------------------------------------------------------------------


@pytest.fixture(params=["memory", "file"])
def remote(request: pytest.FixtureRequest, tmp_path: Path) -> RemoteStore:
    if request.param == "memory":
        return RemoteStore(f"memory://reflow-test-{uuid.uuid4().hex}")
    return RemoteStore(f"file://{tmp_path}/remote")


def test_remote_round_trip(remote: RemoteStore) -> None:
    frame = pd.DataFrame({"u": np.arange(300_000)})
    assert remote.put(key(1), encode(Entry({"a": np.arange(5.0), "df": frame}, label="x")))
    hit = remote.get(key(1))
    assert hit is not None
    np.testing.assert_array_equal(hit.values["a"], np.arange(5.0))
    hit.values["a"][0] = 9.0
    hit.values["df"].loc[0, "u"] = 9
    again = remote.get(key(1))
    assert again is not None and again.values["a"][0] == 0.0 and again.values["df"].loc[0, "u"] == 0
    assert [(e.key, e.label) for e in remote.entries()] == [(key(1), "x")]
    assert remote.get(key(2)) is None


def test_remote_corrupt_entry_is_a_miss(remote: RemoteStore) -> None:
    remote.put(key(1), encode(Entry({"a": np.arange(5.0)})))
    path = remote._path(key(1))
    data = remote.fs.cat_file(path)
    remote.fs.pipe_file(path, data[: len(data) - 10])
    assert remote.get(key(1)) is None
    assert list(remote.entries()) == []


def test_remote_touch_says_what_it_holds(remote: RemoteStore) -> None:
    assert not remote.touch(key(1))
    remote.put(key(1), encode(Entry({"x": 1})))
    assert remote.touch(key(1))
    remote.remove(key(1))
    assert not remote.touch(key(1))


def test_remote_clear(remote: RemoteStore) -> None:
    for n in (1, 2):
        remote.put(key(n), encode(Entry({"x": n})))
    assert len(remote.clear()) == 2 and list(remote.entries()) == []
