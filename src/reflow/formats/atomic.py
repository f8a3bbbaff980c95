"""Writing a file so that no reader ever sees it half-written.

The new bytes go to a temporary file in the same directory (same file
system, so the rename is atomic), are flushed to disk, and replace the old
file in one ``os.replace``. A file whose bytes would not change is not
touched at all, so that its modification time says when its content last
changed.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes) -> bool:
    """Replace ``path`` with ``data``; ``False`` when the file already held exactly that."""
    try:
        if path.read_bytes() == data:
            return False
        mode: int | None = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = None
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        # mkstemp makes the file private: a replaced file keeps its permissions, a new
        # one gets the usual 0o644 (reading the umask would race with other threads).
        os.chmod(temporary, mode if mode is not None else 0o644)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return True
