"""Raw SIP client: send crafted message text to the proxy, collect what comes back.

    with SipClient(("127.0.0.1", proxy_port), "UDP") as c:
        req = c.request("OPTIONS", f"sip:127.0.0.1:{proxy_port}")
        c.send(req)
        resp = c.wait_final(sipmsg.parse(req).call_id)

Over UDP the client has its own socket bound to 127.0.0.1:<ephemeral>, so its
Via can name a real port.  Over TCP it opens one connection to the proxy
(lazily, on first send) and frames what comes back by Content-Length.  Over TLS
the same, through Python's ssl module: pass `tls_context` (an ssl.SSLContext)
and the proxy's TLS port.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time

from . import sipmsg
from .net import DEFAULT_WAIT, Received, Recorder, TcpConn, parse_or_none


class SipClient:
    def __init__(self, proxy: tuple[str, int], transport: str = "UDP", *,
                 host: str = "127.0.0.1", name: str = "sip-client",
                 tls_context: ssl.SSLContext | None = None):
        self.proxy = (proxy[0], int(proxy[1]))
        self.transport = transport.upper()
        self.host = host
        self.name = name
        self.rx = Recorder(name)
        self.sent: list[bytes] = []
        self._stop = threading.Event()
        self._conn: TcpConn | None = None
        self.peer_cert: dict | None = None  # TLS: the proxy's certificate, as ssl parsed it
        self._udp_thread: threading.Thread | None = None
        self.udp: socket.socket | None = None
        # UDP: bind now so that port is known.  TCP: the Via names the local
        # port of the connection, so connect now as well.
        if self.transport == "UDP":
            self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.udp.bind((host, 0))
            self.udp.settimeout(0.2)
            self.port = self.udp.getsockname()[1]
            self._udp_thread = threading.Thread(target=self._udp_loop, name=f"{name}-udp",
                                                daemon=True)
            self._udp_thread.start()
        else:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((host, 0))
            s.settimeout(5)
            s.connect(self.proxy)
            if self.transport == "TLS":
                assert tls_context is not None, "TLS needs tls_context"
                s = tls_context.wrap_socket(s, server_hostname=self.proxy[0])
                # Before the reader thread starts: while it reads TLS 1.3's session
                # tickets, the handshake may look unfinished to getpeercert().
                self.peer_cert = s.getpeercert()
            self.port = s.getsockname()[1]
            self._conn = TcpConn(s, self.proxy, self._on_tcp, name)

    # ------------------------------------------------------------------ life
    def close(self) -> None:
        self._stop.set()
        if self._udp_thread is not None:
            self._udp_thread.join(timeout=2)
        if self.udp is not None:
            self.udp.close()
        if self._conn is not None:
            self._conn.close()

    def __enter__(self) -> "SipClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def tcp_closed(self) -> bool:
        """True once the proxy closed (or reset) our TCP connection."""
        return self._conn is not None and self._conn.closed.is_set()

    def wait_tcp_closed(self, timeout: float = DEFAULT_WAIT) -> bool:
        assert self._conn is not None
        return self._conn.closed.wait(timeout)

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
                continue
            self.rx.add(Received(data, parse_or_none(data), "UDP", src))

    def _on_tcp(self, data: bytes, conn: TcpConn) -> None:
        self.rx.add(Received(data, parse_or_none(data), self.transport, conn.peer, conn))

    # ----------------------------------------------------------- building
    def via(self, branch: str | None = None) -> str:
        return sipmsg.via_value(self.transport, self.host, self.port, branch)

    def contact(self) -> str:
        t = f";transport={self.transport.lower()}" if self.transport != "UDP" else ""
        return f"<sip:alice@{self.host}:{self.port}{t}>"

    def request(self, method: str, ruri: str, **kw) -> bytes:
        """sipmsg.request() with this client's Via (and Contact for INVITE)."""
        kw.setdefault("via", self.via())
        if method.upper() == "INVITE":
            kw.setdefault("contact", self.contact())
        return sipmsg.request(method, ruri, **kw)

    def ack_for(self, request: bytes | sipmsg.SipMessage, resp: sipmsg.SipMessage) -> bytes:
        """The ACK for a non-2xx final response to INVITE `request` (RFC 3261
        §17.1.1.3): same branch, R-URI, From, Call-ID and CSeq number; To from
        the response; Route from the INVITE."""
        req = request if isinstance(request, sipmsg.SipMessage) else sipmsg.parse(request)
        headers = [("Via", req.lines("Via")[0]), ("Max-Forwards", "70"),
                   ("From", req.get("From")), ("To", resp.get("To")),
                   ("Call-ID", req.get("Call-ID")), ("CSeq", f"{req.cseq[0]} ACK")]
        for r in req.lines("Route"):
            headers.append(("Route", r))
        return sipmsg.build(f"ACK {req.ruri} SIP/2.0", headers)

    # ------------------------------------------------------------- sending
    def send(self, data: bytes | str) -> None:
        if isinstance(data, str):
            data = data.encode()
        self.sent.append(data)
        if self.transport == "UDP":
            assert self.udp is not None
            self.udp.sendto(data, self.proxy)
        else:
            assert self._conn is not None
            self._conn.send(data)

    # --------------------------------------------------------------- waits
    def responses(self, call_id: str | None = None) -> list[sipmsg.SipMessage]:
        return [rx.msg for rx in self.rx.items()
                if rx.msg is not None and rx.msg.is_response
                and (call_id is None or rx.msg.call_id == call_id)]

    def wait_response(self, call_id: str, *, final: bool = True, method: str | None = None,
                      code: int | None = None, timeout: float = DEFAULT_WAIT) -> sipmsg.SipMessage:
        def pred(rx: Received) -> bool:
            m = rx.msg
            return (m is not None and m.is_response and m.call_id == call_id
                    and (method is None or m.cseq_method == method.upper())
                    and (code is None or m.status == code)
                    and (not final or m.status >= 200))
        rx = self.rx.wait_for(pred, timeout=timeout,
                              what=f"a {'final ' if final else ''}response for Call-ID {call_id}")
        assert rx.msg is not None
        return rx.msg

    def wait_final(self, call_id: str, timeout: float = DEFAULT_WAIT) -> sipmsg.SipMessage:
        return self.wait_response(call_id, final=True, timeout=timeout)

    def transact(self, data: bytes | str, timeout: float = DEFAULT_WAIT) -> sipmsg.SipMessage:
        """Send a request and return its final response.  For INVITE, a non-2xx
        final response is ACKed (so the proxy stops retransmitting it)."""
        if isinstance(data, str):
            data = data.encode()
        req = sipmsg.parse(data)
        self.send(data)
        resp = self.wait_response(req.call_id or "", final=True, method=req.method,
                                  timeout=timeout)
        if req.method == "INVITE" and resp.status is not None and resp.status >= 300:
            self.send(self.ack_for(req, resp))
        return resp

    def dump(self) -> str:
        return self.rx.dump()
