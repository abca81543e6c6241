"""Socket plumbing shared by the fake SIP Server and the raw SIP client.

Every received datagram / framed TCP message is recorded (raw bytes, parsed
message when it parses, transport, source address) in a `Recorder`, which the
tests query with bounded waits.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from . import sipmsg

DEFAULT_WAIT = 5.0


@dataclass
class Received:
    raw: bytes
    msg: sipmsg.SipMessage | None  # None when it did not parse
    transport: str                 # "UDP" or "TCP"
    src: tuple[str, int]
    conn: "TcpConn | None" = None
    when: float = field(default_factory=time.monotonic)
    retransmission: bool = False

    def describe(self) -> str:
        head = f"--- {self.transport} from {self.src[0]}:{self.src[1]}"
        if self.retransmission:
            head += " (retransmission)"
        return head + "\n" + self.raw.decode("utf-8", "replace")


class Recorder:
    """Thread-safe list of Received with bounded waits."""

    def __init__(self, name: str):
        self.name = name
        self._items: list[Received] = []
        self._cv = threading.Condition()

    def add(self, rx: Received) -> None:
        with self._cv:
            self._items.append(rx)
            self._cv.notify_all()

    def items(self) -> list[Received]:
        with self._cv:
            return list(self._items)

    def wait_for(self, pred: Callable[[Received], bool], timeout: float = DEFAULT_WAIT,
                 what: str = "a matching message", start: int = 0) -> Received:
        """First recorded item (from index `start`) matching pred, waiting at most
        `timeout` seconds.  Raises AssertionError with a dump otherwise."""
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                for rx in self._items[start:]:
                    try:
                        ok = pred(rx)
                    except Exception:  # a predicate crashing on odd input is "no match"
                        ok = False
                    if ok:
                        return rx
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"{self.name}: timed out after {timeout:.1f}s waiting for {what}; "
                        f"received so far:\n{self.dump()}")
                self._cv.wait(left)

    def dump(self) -> str:
        items = self.items()  # the Condition's lock is an RLock: safe inside wait_for
        if not items:
            return "  (nothing)"
        return "\n".join(rx.describe() for rx in items)


class TcpConn:
    """One TCP connection; a reader thread frames messages by Content-Length."""

    def __init__(self, sock: socket.socket, peer: tuple[str, int],
                 on_message: Callable[[bytes, "TcpConn"], None], name: str):
        self.sock = sock
        self.peer = peer
        self._on_message = on_message
        self._lock = threading.Lock()
        self.closed = threading.Event()
        self.tls = isinstance(sock, ssl.SSLSocket)
        self._thread = threading.Thread(target=self._run, name=f"{name}-tcp-{peer[1]}", daemon=True)
        self.sock.settimeout(0.2)
        self._thread.start()

    def send(self, data: bytes) -> None:
        with self._lock:
            self.sock.sendall(data)

    def _run(self) -> None:
        buf = b""
        try:
            while not self.closed.is_set():
                try:
                    if self.tls:
                        # One SSL object is not used by two threads at once: the
                        # reader holds the lock for at most the 0.2 s timeout.
                        with self._lock:
                            chunk = self.sock.recv(65535)
                    else:
                        chunk = self.sock.recv(65535)
                except socket.timeout:
                    continue
                except OSError:
                    break
                if not chunk:
                    break
                buf += chunk
                msgs, buf = sipmsg.split_stream(buf)
                for m in msgs:
                    self._on_message(m, self)
        finally:
            self.closed.set()

    def close(self) -> None:
        self.closed.set()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self._thread.join(timeout=2)


def parse_or_none(data: bytes) -> sipmsg.SipMessage | None:
    try:
        return sipmsg.parse(data)
    except (sipmsg.SipParseError, ValueError):
        return None
