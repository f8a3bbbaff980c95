"""The committed build of the extension matches its sources: hashes of both, recorded at build time.

``python labextension/source_hash.py --write`` (run by ``make labextension``) records
them in labextension/build.sha256; ``--check`` (and tests/test_labextension_build.py)
compares. The built JavaScript is committed so that ``pip install reflow`` needs no
Node.js; this is what keeps it honest.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BUILT = HERE.parent / "share" / "jupyter" / "labextensions" / "reflow"
RECORD = HERE / "build.sha256"
SOURCES = ("package.json", "package-lock.json", "tsconfig.json", "install.json", "src", "style")


def digest(root: Path, names: tuple[str, ...] | None = None) -> str:
    """sha256 over the files' relative paths and bytes, in sorted order."""
    paths = [root / name for name in names] if names is not None else [root]
    files = sorted(
        file
        for path in paths
        for file in ([path] if path.is_file() else path.rglob("*"))
        if file.is_file()
    )
    h = hashlib.sha256()
    for file in files:
        h.update(file.relative_to(root).as_posix().encode() + b"\0")
        h.update(file.read_bytes() + b"\0")
    return h.hexdigest()


def current() -> str:
    return f"sources {digest(HERE, SOURCES)}\nbuild {digest(BUILT)}\n"


def main(argv: list[str]) -> int:
    if argv == ["--write"]:
        RECORD.write_text(current())
        return 0
    if argv == ["--check"]:
        if RECORD.exists() and RECORD.read_text() == current():
            return 0
        print("labextension: the committed build does not match its sources; run make labextension")
        return 1
    print("usage: source_hash.py --write | --check")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
