"""A cell's run as Jupyter outputs: streams, the result's MIME bundle, and errors.

The order is Jupyter's for a cell that prints and then returns: stdout,
stderr, then the ``execute_result`` (or the ``error``). The result always
has ``text/plain``; the rich representations IPython asks an object for
(``_repr_html_`` and friends) are added when the object has them, so that a
notebook run headless shows the same tables and plots a kernel would.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from reflow.runtime.errors import CellError

Output = dict[str, Any]

# (method, MIME type); IPython's display formatters use the same pairs.
_RICH_REPRS: tuple[tuple[str, str], ...] = (
    ("_repr_html_", "text/html"),
    ("_repr_markdown_", "text/markdown"),
    ("_repr_svg_", "image/svg+xml"),
    ("_repr_png_", "image/png"),
    ("_repr_jpeg_", "image/jpeg"),
    ("_repr_latex_", "text/latex"),
    ("_repr_json_", "application/json"),
)
_BINARY = frozenset({"image/png", "image/jpeg"})


def cell_outputs(
    value: Any, stdout: str, stderr: str, error: CellError | None, execution_count: int | None
) -> list[Output]:
    outputs: list[Output] = []
    if stdout:
        outputs.append({"output_type": "stream", "name": "stdout", "text": stdout})
    if stderr:
        outputs.append({"output_type": "stream", "name": "stderr", "text": stderr})
    if error is not None:
        outputs.append(error_output(error))
    elif value is not None:
        data, metadata = mime_bundle(value)
        outputs.append(
            {
                "output_type": "execute_result",
                "execution_count": execution_count,
                "data": data,
                "metadata": metadata,
            }
        )
    return outputs


def error_output(error: CellError) -> Output:
    lines = error.traceback.rstrip("\n").split("\n") if error.traceback else [str(error)]
    return {
        "output_type": "error",
        "ename": error.type,
        "evalue": error.message,
        "traceback": lines,
    }


def mime_bundle(value: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(data, metadata)`` for an object, as a kernel's display formatter would build them."""
    data: dict[str, Any] = {"text/plain": _safe_repr(value)}
    metadata: dict[str, Any] = {}
    bundle = _call_repr(value, "_repr_mimebundle_")
    if bundle is not None:
        found, found_metadata = _split_metadata(bundle)
        if isinstance(found, dict):
            for mime, content in found.items():
                if isinstance(mime, str) and _json_safe(content):
                    data[mime] = content
        if isinstance(found_metadata, dict) and _json_safe(found_metadata):
            metadata.update(found_metadata)
    for method, mime in _RICH_REPRS:
        if mime in data:
            continue
        result = _call_repr(value, method)
        if result is None:
            continue
        content, content_metadata = _split_metadata(result)
        encoded = _encode(mime, content)
        if encoded is None:
            continue
        data[mime] = encoded
        if isinstance(content_metadata, dict) and _json_safe(content_metadata):
            metadata[mime] = content_metadata
    return data, metadata


def _safe_repr(value: Any) -> str:
    try:
        return repr(value)
    except Exception as error:  # a broken __repr__ must not lose the rest of the notebook
        return f"<{type(value).__name__} object (repr failed: {type(error).__name__})>"


def _call_repr(value: Any, method: str) -> Any:
    # Look the method up on the type: a class object has _repr_html_ as an unbound
    # function, which is not a representation of the class itself.
    function: Callable[..., Any] | None = getattr(type(value), method, None)
    if not callable(function):
        return None
    try:
        return function(value)
    except Exception:  # IPython skips a representation that raises; so do we
        return None


def _split_metadata(result: Any) -> tuple[Any, Any]:
    if isinstance(result, tuple) and len(result) == 2:
        return result[0], result[1]
    return result, None


def _encode(mime: str, content: Any) -> Any:
    if mime in _BINARY:
        if isinstance(content, bytes):
            return base64.b64encode(content).decode("ascii")
        return content if isinstance(content, str) else None
    if mime == "application/json":
        return content if _json_safe(content) else None
    return content if isinstance(content, str) else None


def _json_safe(content: Any) -> bool:
    try:
        json.dumps(content)
    except (TypeError, ValueError):
        return False
    return True
