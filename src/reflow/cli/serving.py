"""What ``reflow lab`` and ``reflow app`` share: a local server run as a child, until stopped.

The server runs in a session of its own, so that Ctrl-C reaches reflow only
(no "Shutdown this Jupyter server (y/[n])?" question); reflow stops it on
Ctrl-C, SIGTERM and SIGHUP alike, and waits for it to shut its kernels down.
The URL printed is the one the server says it listens on (``locate``), since
both move to another port when the one asked for is busy, and it is printed
once that port accepts connections: Jupyter names its port (in its runtime
file) as soon as it has found it free, before its event loop binds it.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any

Locate = Callable[["subprocess.Popen[bytes]"], "str | None"]
"""The URL a started server serves, once it listens; None if it exited first."""


def add_server_arguments(parser: argparse.ArgumentParser, port: int, port_help: str) -> None:
    """``--port``, ``--no-browser`` and ``--token``, as both commands take them."""
    parser.add_argument("--port", type=int, default=port, help=port_help)
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser")
    parser.add_argument("--token", help="the token to require (default: a random one)")


def notebook_language(metadata: Mapping[str, Any]) -> str | None:
    """The language a notebook's metadata names (its kernelspec's, else language_info's)."""
    spec = metadata.get("kernelspec")
    language = spec.get("language") if isinstance(spec, dict) else None
    return language or (metadata.get("language_info") or {}).get("name")


class _Stopped(Exception):
    def __init__(self, signum: int) -> None:
        self.signum = signum


def serve(
    name: str,
    server_name: str,
    command: list[str],
    locate: Locate,
    *,
    env: dict[str, str] | None = None,
    stderr: int | None = None,
    ready: Callable[[str], None] | None = None,
) -> int:
    """Run the server until it exits or reflow is told to stop; stop it with reflow.
    ``name``: the command, ``server_name`` the server, for what reflow prints;
    ``ready``: called with the URL once it is printed."""

    def stop(signum: int, _frame: object) -> None:
        raise _Stopped(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    server = subprocess.Popen(command, start_new_session=True, env=env, stderr=stderr)
    try:
        url = locate(server)
        if url is not None and _accepting(server, url):
            print(f"reflow {name}: {url} (Ctrl-C stops it)", flush=True)
            if ready is not None:
                ready(url)
        return server.wait()
    except KeyboardInterrupt:
        shut_down(name, server_name, server)
        return 130
    except _Stopped as stopped:
        shut_down(name, server_name, server)
        return 128 + stopped.signum
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _accepting(server: subprocess.Popen[bytes], url: str) -> bool:
    """Wait until the URL's port accepts a connection; False if the server exits first.
    Jupyter writes the port to its runtime file right after probing it free, and binds
    it only once its event loop runs: a URL printed from the file alone could be refused
    for a moment on a busy machine (seen in CI)."""
    where = urllib.parse.urlsplit(url)
    address = (where.hostname or "127.0.0.1", where.port or 80)
    while server.poll() is None:
        with socket.socket() as probe:
            if probe.connect_ex(address) == 0:
                return True
        time.sleep(0.05)
    return False


def shut_down(name: str, server_name: str, server: subprocess.Popen[bytes]) -> None:
    """SIGTERM: the server shuts its kernels down and exits; a server that hangs is killed."""
    if server.poll() is not None:
        return
    print(f"reflow {name}: stopping {server_name}", file=sys.stderr, flush=True)
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def allow_root() -> list[str]:
    """Containers often run as root; Jupyter refuses that unless told."""
    return ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []


def ensure_kernelspec() -> None:
    """The ``reflow`` kernelspec in this environment, if no Jupyter path has one."""
    from jupyter_client.kernelspec import find_kernel_specs

    if "reflow" not in find_kernel_specs():
        from reflow.kernel.kernelspec import install

        install(prefix=sys.prefix)
