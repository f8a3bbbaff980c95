"""The Jupyter project's kernel conformance suite (jupyter_kernel_test), for ``reflow``.

Every sample is set, so that no test of the suite is skipped (one history
subtest aside, see below).
"""

from __future__ import annotations

import os
from typing import Any, ClassVar

import jupyter_kernel_test

from kernel_driver import ipython_dir


class ReflowKernelConformance(jupyter_kernel_test.KernelTests):
    kernel_name = "reflow"
    language_name = "python"
    file_extension = ".py"

    code_hello_world = "print('hello, world')"
    code_stderr = "import sys; print('oops', file=sys.stderr)"
    completion_samples: ClassVar[Any] = [{"text": "zi", "matches": {"zip"}}]
    complete_code_samples: ClassVar[Any] = [
        "1",
        "print('hello, world')",
        "def f(x):\n  return x*2\n\n\n",
    ]
    incomplete_code_samples: ClassVar[Any] = ["print('''hello", "def f(x):\n  x*2"]
    invalid_code_samples: ClassVar[Any] = ["import = 7q"]
    code_page_something = "zip?"
    code_generate_error = "raise ValueError('boom')"
    code_execute_result: ClassVar[Any] = [
        {"code": "1+2+3", "result": "6"},
        {"code": "[n * 2 for n in range(3)]", "result": "[0, 2, 4]"},
    ]
    code_display_data: ClassVar[Any] = [
        {
            "code": "from IPython.display import HTML, display; display(HTML('<b>test</b>'))",
            "mime": "text/html",
        },
        {
            "code": "from IPython.display import Math, display; display(Math('\\\\frac{1}{2}'))",
            "mime": "text/latex",
        },
    ]
    code_history_pattern = "1?2*"
    # "range" is left out: ipykernel itself fails it (a session's inputs reach the
    # database later than the suite asks), so the suite skips that one subtest.
    supported_history_operations = ("tail", "search")
    code_inspect_sample = "zip"
    code_clear_output = "from IPython.display import clear_output; clear_output()"


_SAVED: dict[str, str | None] = {}


def setUpModule() -> None:
    # The suite starts its own kernel: give it the tests' history database, not the user's.
    _SAVED["IPYTHONDIR"] = os.environ.get("IPYTHONDIR")
    os.environ["IPYTHONDIR"] = ipython_dir()


def tearDownModule() -> None:
    saved = _SAVED.pop("IPYTHONDIR", None)
    if saved is None:
        os.environ.pop("IPYTHONDIR", None)
    else:
        os.environ["IPYTHONDIR"] = saved
