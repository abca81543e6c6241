"""A small fake SIP Server for the integration tests.

Listens on UDP and TCP at 127.0.0.1:port (one thread per socket / connection),
records every message it receives, and answers requests per a policy:

  OPTIONS -> `options` (an int code, or None to stay silent); a 503 carries
             `Retry-After: options_retry_after` when that is set
  INVITE  -> 100, 180 (if `ring`), then `invite`: 200 (with SDP, To-tag and
             Contact <sip:127.0.0.1:PORT>), another final code (486, ...),
             RING_FOREVER (no final; a CANCEL gets 200 and the INVITE 487), or
             BOUNCE (the INVITE is sent back, unchanged, to where it came from;
             responses not meant for us are then passed on to their top Via)
  BYE     -> `bye` (200)
  ACK     -> recorded only
  CANCEL  -> 200 + 487 for a ringing INVITE of the same branch, else 481
  other   -> `other` (200; for SUBSCRIBE/REFER/NOTIFY with Contact and the
             Record-Route copied)
  silent  -> when `silent` is true, nothing at all is answered (a dead host):
             every request is still recorded

With `retransmit_2xx=True` a 2xx to INVITE is retransmitted like a real UAS
does (RFC 3261 §13.3.1.4: T1 = 0.5 s doubling to T2 = 4 s, for at most 32 s)
until an ACK with its Call-ID and CSeq number arrives.  Off by default.

The policy can be switched while it runs: `set_policy(options=503,
options_retry_after=5)`, `set_policy(silent=True)`, ...  (an INVITE 503 gets
`Retry-After: invite_retry_after` when that is set).

Responses copy Via/From/To/Call-ID/CSeq and go to the source address (UDP) or
on the same TCP connection.  Retransmitted requests get the last response
again and are recorded with `retransmission=True`.

It can also send requests (as a SIP Server sends towards endpoints through the
proxy) with `send()` and wait for responses with `wait_response()`.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Callable

from . import sipmsg
from .net import DEFAULT_WAIT, Received, Recorder, TcpConn, parse_or_none

RING_FOREVER = "ring-forever"
BOUNCE = "bounce"


class FakeSipServer:
    def __init__(self, port: int, host: str = "127.0.0.1", *, name: str = "fake-sip-server",
                 options: int | None = 200, invite: int | str = 200, ring: bool = True,
                 bye: int = 200, other: int = 200, silent: bool = False,
                 options_retry_after: int | None = None,
                 invite_retry_after: int | None = None,
                 retransmit_2xx: bool = False,
                 on_request: Callable[["FakeSipServer", Received], bool] | None = None):
        self.host = host
        self.port = port
        self.name = name
        self.options = options
        self.invite = invite
        self.ring = ring
        self.bye = bye
        self.other = other
        self.silent = silent
        self.options_retry_after = options_retry_after
        self.invite_retry_after = invite_retry_after
        self.retransmit_2xx = retransmit_2xx
        # (Call-ID, CSeq number) -> [response bytes, Received INVITE, next send, interval, end]
        self._pending_2xx: dict[tuple[str, int], list] = {}
        self.on_request = on_request
        self.rx = Recorder(name)
        self.sent: list[tuple[str, tuple[str, int], bytes]] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        # (branch, method) -> last response bytes, for retransmissions
        self._answered: dict[tuple[str, str], bytes] = {}
        # branch -> (INVITE Received, to_tag) for INVITEs still ringing
        self._ringing: dict[str, tuple[Received, str]] = {}
        self._conns: list[TcpConn] = []
        self._threads: list[threading.Thread] = []
        self.udp: socket.socket | None = None
        self.tcp: socket.socket | None = None

    # ------------------------------------------------------------------ life
    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self) -> "FakeSipServer":
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind((self.host, self.port))
        self.udp.settimeout(0.2)
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind((self.host, self.port))
        self.tcp.listen(16)
        self.tcp.settimeout(0.2)
        for target, nm in ((self._udp_loop, "udp"), (self._accept_loop, "accept"),
                           (self._retransmit_loop, "retx")):
            t = threading.Thread(target=target, name=f"{self.name}-{nm}", daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=2)
        with self._lock:
            conns = list(self._conns)
        for c in conns:
            c.close()
        for s in (self.udp, self.tcp):
            if s is not None:
                s.close()

    def __enter__(self) -> "FakeSipServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ----------------------------------------------------------------- loops
    def _udp_loop(self) -> None:
        assert self.udp is not None
        while not self._stop.is_set():
            try:
                data, src = self.udp.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            if not data.strip(b"\r\n"):
                continue  # keep-alive
            self._on_message(Received(data, parse_or_none(data), "UDP", src))

    def _accept_loop(self) -> None:
        assert self.tcp is not None
        while not self._stop.is_set():
            try:
                s, peer = self.tcp.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self._add_conn(s, peer)

    def _add_conn(self, s: socket.socket, peer: tuple[str, int]) -> TcpConn:
        conn = TcpConn(s, peer, self._on_tcp, self.name)
        with self._lock:
            self._conns.append(conn)
        return conn

    def _on_tcp(self, data: bytes, conn: TcpConn) -> None:
        self._on_message(Received(data, parse_or_none(data), "TCP", conn.peer, conn))

    def _retransmit_loop(self) -> None:
        """Resends unacknowledged 2xx to INVITE (only with retransmit_2xx)."""
        while not self._stop.wait(0.05):
            now = time.monotonic()
            due = []
            with self._lock:
                for key, p in list(self._pending_2xx.items()):
                    if now >= p[4]:
                        del self._pending_2xx[key]
                    elif now >= p[2]:
                        p[3] = min(p[3] * 2, 4.0)
                        p[2] = now + p[3]
                        due.append((p[1], p[0]))
            for rx, data in due:
                self._send_to(rx, data)

    # ------------------------------------------------------------- sending
    def _send_to(self, rx: Received, data: bytes) -> None:
        """Send on the transport the message `rx` came in on, back to its source."""
        if rx.transport == "TCP" and rx.conn is not None:
            self.sent.append(("TCP", rx.src, data))
            try:
                rx.conn.send(data)
            except OSError:
                pass
        else:
            self.sent.append(("UDP", rx.src, data))
            assert self.udp is not None
            self.udp.sendto(data, rx.src)

    def send(self, data: bytes | str, dest: tuple[str, int], transport: str = "UDP") -> None:
        """Send a request (or anything) to dest.  UDP goes from the listening
        socket (source = our configured address); TCP opens a connection to dest
        (or reuses one we opened before) whose replies are recorded as usual."""
        if isinstance(data, str):
            data = data.encode()
        if transport.upper() == "UDP":
            assert self.udp is not None
            self.sent.append(("UDP", dest, data))
            self.udp.sendto(data, dest)
            return
        with self._lock:
            conn = next((c for c in self._conns
                         if c.peer == tuple(dest) and not c.closed.is_set()), None)
        if conn is None:
            s = socket.create_connection(dest, timeout=5)
            conn = self._add_conn(s, tuple(dest))
        self.sent.append(("TCP", dest, data))
        conn.send(data)

    def via(self, transport: str = "UDP", branch: str | None = None) -> str:
        return sipmsg.via_value(transport, self.host, self.port, branch)

    def contact(self, transport: str = "UDP") -> str:
        t = ";transport=tcp" if transport.upper() == "TCP" else ""
        return f"<sip:{self.host}:{self.port}{t}>"

    # ------------------------------------------------------------- policy
    _POLICY = ("options", "invite", "ring", "bye", "other", "silent", "options_retry_after",
               "invite_retry_after")

    def set_policy(self, **kw) -> None:
        """Change the answering policy at runtime (takes effect for the next
        request received)."""
        with self._lock:
            for k, v in kw.items():
                if k not in self._POLICY:
                    raise TypeError(f"unknown policy {k!r}")
                setattr(self, k, v)

    def _respond(self, rx: Received, code: int, *, to_tag: str | None = None,
                 extra: list[tuple[str, str]] | None = None, body: str = "",
                 content_type: str | None = None, copy_rr: bool = False) -> bytes:
        assert rx.msg is not None
        data = sipmsg.response(rx.msg, code, to_tag=to_tag, extra=extra, body=body,
                               content_type=content_type, copy_record_route=copy_rr)
        br = rx.msg.branch or ""
        with self._lock:
            self._answered[(br, rx.msg.method or "")] = data
        self._send_to(rx, data)
        return data

    def _on_message(self, rx: Received) -> None:
        msg = rx.msg
        if msg is None or msg.is_response:
            self.rx.add(rx)
            if msg is not None and self.invite == BOUNCE:
                self._reflect_response(rx)
            return
        key = (msg.branch or "", msg.method or "")
        with self._lock:
            previous = self._answered.get(key)
        # A retransmission is a request with a branch+method we already answered
        # (ACK and CANCEL are matched separately below).
        if previous is not None and msg.method not in ("ACK",):
            rx.retransmission = True
            self.rx.add(rx)
            if previous and not self.silent:  # b"" marks "seen, do not answer" (BOUNCE)
                self._send_to(rx, previous)
            return
        self.rx.add(rx)
        if self.silent:
            return
        if self.on_request is not None and self.on_request(self, rx):
            return
        m = msg.method
        if m == "ACK":
            with self._lock:
                self._pending_2xx.pop((msg.call_id or "", msg.cseq[0] or 0), None)
            return
        if m == "OPTIONS":
            if self.options is not None:
                extra = [("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS")]
                if self.options == 503 and self.options_retry_after is not None:
                    extra.append(("Retry-After", str(self.options_retry_after)))
                self._respond(rx, self.options, to_tag=sipmsg.new_tag(), extra=extra)
            return
        if m == "INVITE":
            self._on_invite(rx)
            return
        if m == "CANCEL":
            self._on_cancel(rx)
            return
        if m == "BYE":
            self._respond(rx, self.bye)
            return
        dialog = m in ("SUBSCRIBE", "REFER", "NOTIFY") and 200 <= self.other < 300
        self._respond(rx, self.other, to_tag=None if msg.to_tag else sipmsg.new_tag(),
                      extra=[("Contact", self.contact(rx.transport))] if dialog else None,
                      copy_rr=dialog)

    def _on_invite(self, rx: Received) -> None:
        msg = rx.msg
        assert msg is not None
        if self.invite == BOUNCE:
            # Send it back, byte for byte, to where it came from.
            with self._lock:
                self._answered[(msg.branch or "", "INVITE")] = b""  # retransmissions: ignore
            self._send_to(rx, rx.raw)
            return
        tag = msg.to_tag or sipmsg.new_tag()
        self._respond(rx, 100)
        contact = [("Contact", self.contact(rx.transport))]
        if self.ring:
            self._respond(rx, 180, to_tag=tag, extra=contact, copy_rr=True)
        if self.invite == RING_FOREVER:
            with self._lock:
                self._ringing[msg.branch or ""] = (rx, tag)
            return
        code = int(self.invite)
        if 200 <= code < 300:
            data = self._respond(rx, code, to_tag=tag, extra=contact, body=sipmsg.SDP,
                                 content_type="application/sdp", copy_rr=True)
            if self.retransmit_2xx:
                now = time.monotonic()
                with self._lock:
                    self._pending_2xx[(msg.call_id or "", msg.cseq[0] or 0)] = \
                        [data, rx, now + 0.5, 0.5, now + 32.0]
        else:
            extra = None
            if code == 503 and self.invite_retry_after is not None:
                extra = [("Retry-After", str(self.invite_retry_after))]
            self._respond(rx, code, to_tag=tag, extra=extra)

    def _reflect_response(self, rx: Received) -> None:
        """BOUNCE mode behaves as a stateless reflector: a response that is not
        for us (top Via not ours, e.g. the 482 the proxy sent for the bounced
        INVITE to the INVITE's source) goes on to its top Via (RFC 3261 §16.11)."""
        assert rx.msg is not None
        top = rx.msg.top_via
        if top is None or (top.host, top.port) == (self.host, self.port):
            return
        if rx.transport == "TCP" and rx.conn is not None:
            self._send_to(rx, rx.raw)
        else:
            dest = (top.params.get("received") or top.host,
                    int(top.params.get("rport") or 0) or top.port or 5060)
            self.sent.append(("UDP", dest, rx.raw))
            assert self.udp is not None
            self.udp.sendto(rx.raw, dest)

    def _on_cancel(self, rx: Received) -> None:
        msg = rx.msg
        assert msg is not None
        with self._lock:
            pending = self._ringing.pop(msg.branch or "", None)
        if pending is None:
            self._respond(rx, 481)
            return
        self._respond(rx, 200)
        inv_rx, tag = pending
        self._respond(inv_rx, 487, to_tag=tag)

    # -------------------------------------------------------------- queries
    def requests(self, method: str | None = None, *, include_retransmissions: bool = False
                 ) -> list[Received]:
        return [rx for rx in self.rx.items()
                if rx.msg is not None and rx.msg.is_request
                and (method is None or rx.msg.method == method.upper())
                and (include_retransmissions or not rx.retransmission)]

    def responses(self, call_id: str | None = None) -> list[Received]:
        return [rx for rx in self.rx.items()
                if rx.msg is not None and rx.msg.is_response
                and (call_id is None or rx.msg.call_id == call_id)]

    def wait_request(self, method: str, pred: Callable[[sipmsg.SipMessage], bool] | None = None,
                     timeout: float = DEFAULT_WAIT, start: int = 0) -> Received:
        method = method.upper()
        return self.rx.wait_for(
            lambda rx: rx.msg is not None and rx.msg.method == method and not rx.retransmission
            and (pred is None or pred(rx.msg)),
            timeout=timeout, what=f"a {method} request", start=start)

    def wait_response(self, call_id: str, *, method: str | None = None, final: bool = True,
                      code: int | None = None, timeout: float = DEFAULT_WAIT) -> Received:
        def pred(rx: Received) -> bool:
            m = rx.msg
            return (m is not None and m.is_response and m.call_id == call_id
                    and (method is None or m.cseq_method == method.upper())
                    and (code is None or m.status == code)
                    and (not final or m.status >= 200))
        return self.rx.wait_for(pred, timeout=timeout,
                                what=f"a {'final ' if final else ''}response"
                                     f"{f' {code}' if code else ''} for Call-ID {call_id}")

    def dump(self) -> str:
        return self.rx.dump()
