"""Where a cell's output goes: its own output area, or its slot after a re-run.

- The cell the user executed prints and displays as in ipykernel. Its result
  is sent as ``display_data`` with a display id tied to that execution (the
  cell's *slot*) instead of ``execute_result``, because frontends only replace
  ``display_data`` outputs in place; a cell without a result gets an empty
  slot so that a later re-run has somewhere to show what it left.
- A cell that another cell's execution re-runs is captured: its prints,
  displays, tracebacks and result are gathered (``RerunCapture``) and sent to
  its slot as one ``update_display_data``; nothing of it lands in the output
  of the cell the user executed.

Both use ipykernel's message hooks on the display hook and publisher, so
nothing here patches ipykernel's classes. A shell without them (terminal
IPython) gets no slots: re-runs print as they go.
"""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Iterator
from typing import Any

from reflow.kernel.bundles import Bundle, SlotContent

Message = dict[str, Any]


def has_slots(shell: Any) -> bool:
    """Whether the shell speaks the Jupyter protocol (display ids and hooks)."""
    return hasattr(shell.displayhook, "register_hook") and hasattr(
        shell.display_pub, "register_hook"
    )


class ResultAsSlot:
    """Hook on the display hook: this execution's result becomes its slot."""

    def __init__(self, display_id: str) -> None:
        self.display_id = display_id
        self.sent = False
        self.bundle: Bundle = {}

    def __call__(self, msg: Message) -> Message:
        if msg["header"]["msg_type"] != "execute_result":
            return msg
        content = msg["content"]
        msg["header"]["msg_type"] = "display_data"
        msg["msg_type"] = "display_data"
        msg["content"] = {
            "data": content.get("data", {}),
            "metadata": content.get("metadata") or {},
            "transient": {"display_id": self.display_id},
        }
        self.sent = True
        self.bundle = dict(msg["content"]["data"])
        return msg


@contextlib.contextmanager
def result_as_slot(shell: Any, display_id: str) -> Iterator[ResultAsSlot]:
    hook = ResultAsSlot(display_id)
    shell.displayhook.register_hook(hook)
    try:
        yield hook
    finally:
        shell.displayhook.unregister_hook(hook)


class RerunCapture:
    """Everything one re-run produced, kept out of the requesting cell's output."""

    def __init__(self) -> None:
        self.stdout = io.StringIO()
        self.displays: list[Bundle] = []
        self.result: Bundle | None = None
        self.tracebacks: list[str] = []

    def content(self, note: str) -> SlotContent:
        return SlotContent(
            note=note,
            stdout=self.stdout.getvalue(),
            error="\n".join(self.tracebacks),
            displays=self.displays,
            result=self.result,
        )

    def on_result(self, msg: Message) -> None:
        if msg["header"]["msg_type"] == "execute_result":
            data = msg["content"].get("data")
            if data:
                self.result = dict(data)
        return None  # suppressed: the slot shows it

    def on_display(self, msg: Message) -> Message | None:
        kind = msg["header"]["msg_type"]
        if kind == "display_data":
            data = msg["content"].get("data")
            if data and not msg["content"].get("transient", {}).get("display_id"):
                self.displays.append(dict(data))
                return None
            return msg  # a display with its own id: the user's own handle keeps working
        if kind == "clear_output":
            self.displays.clear()
            self.stdout.seek(0)
            self.stdout.truncate()
            return None
        return msg


@contextlib.contextmanager
def capture_rerun(shell: Any, *, tracebacks: bool = True) -> Iterator[RerunCapture]:
    """Route a re-run's prints, displays, result and tracebacks into a RerunCapture;
    ``tracebacks=False``: an error goes out as usual, as the executed cell's."""
    capture = RerunCapture()
    slots = has_slots(shell)
    own = vars(shell).get("_showtraceback")  # normally None: the class's method
    # The executed cell's error reply reads this: a re-run's traceback must not replace it.
    last_traceback = getattr(shell, "_last_traceback", None)

    def keep_traceback(etype: type, evalue: BaseException, stb: list[str]) -> None:
        capture.tracebacks.append("\n".join(stb))

    if slots:
        shell.displayhook.register_hook(capture.on_result)
        shell.display_pub.register_hook(capture.on_display)
    if tracebacks:
        shell._showtraceback = keep_traceback
    try:
        with contextlib.redirect_stdout(capture.stdout), contextlib.redirect_stderr(capture.stdout):
            yield capture
    finally:
        if tracebacks:
            shell._last_traceback = last_traceback
            if own is None:
                del shell._showtraceback
            else:
                shell._showtraceback = own
        if slots:
            shell.displayhook.unregister_hook(capture.on_result)
            shell.display_pub.unregister_hook(capture.on_display)


def publish_slot(shell: Any, display_id: str, bundle: Bundle, *, update: bool) -> None:
    """Send a slot, or replace what it shows.

    ipykernel's publisher flushes stdout and stderr first, so that a display lands
    after what the cell printed; each flush waits for a round trip through its IO
    thread, which made the empty slot of a cell that printed cost more than the
    cell. Here no flush is waited for: a stream holding no unsent output is left
    alone, and when one does, the slot is handed to the IO thread behind its flush
    (``_SentAfterStreams``), which sends in order.
    """
    publish(shell, bundle, {"display_id": display_id}, update=update)


def publish(shell: Any, bundle: Bundle, transient: dict[str, Any], *, update: bool) -> None:
    """A display message, after what the cell printed, without waiting for the streams
    (``publish_slot``)."""
    publisher = shell.display_pub
    flush = getattr(publisher, "_flush_streams", None)
    sender = _SentAfterStreams.of(publisher) if callable(flush) else None
    if sender is None:  # not ipykernel's streams and IO thread: its own way
        publisher.publish(data=bundle, metadata={}, transient=transient, update=update)
        return
    publisher._flush_streams = _nothing
    if sender.streams:
        publisher.register_hook(sender)  # the last hook: it sees the message as sent
    try:
        publisher.publish(data=bundle, metadata={}, transient=transient, update=update)
    finally:
        if sender.streams:
            publisher.unregister_hook(sender)
        del publisher._flush_streams


class _SentAfterStreams:
    """A display hook that sends the message from ipykernel's IO thread, after that
    thread has flushed the streams holding unsent output.

    The IO thread runs what it is given in order, and a stream's flush, run there,
    queues the stream's message there in turn: queuing the display from the same
    call puts it after the text, and the kernel's thread waits for neither.
    """

    def __init__(self, publisher: Any, thread: Any, streams: list[Any]) -> None:
        self.publisher = publisher
        self.thread = thread
        self.streams = streams

    @classmethod
    def of(cls, publisher: Any) -> _SentAfterStreams | None:
        """For ipykernel's publisher and streams, else None."""
        thread = getattr(getattr(publisher, "pub_socket", None), "io_thread", None)
        if (
            thread is None
            or not callable(getattr(thread, "schedule", None))
            or not callable(getattr(publisher, "register_hook", None))
        ):
            return None
        pending = []
        for stream in (sys.stdout, sys.stderr):
            if getattr(stream, "_flush_pending", True) is False and (
                getattr(stream, "_subprocess_flush_pending", True) is False
            ):
                continue  # nothing unsent
            if getattr(stream, "pub_thread", None) is not thread or not callable(
                getattr(stream, "_flush", None)
            ):
                return None
            pending.append(stream)
        return cls(publisher, thread, pending)

    def __call__(self, msg: Message) -> None:
        publisher, streams = self.publisher, self.streams

        def send() -> None:  # on the IO thread
            for stream in streams:
                stream._flush()
            publisher.session.send(publisher.pub_socket, msg, ident=publisher.topic)

        self.thread.schedule(send)
        return None  # sent by the IO thread


def _nothing() -> None:
    return None
