"""REGISTER handling for a FakeSipServer (the SIP Server is the proxy's
authentication server), plus small helpers the registrar and MWI tests share.

    reg = RegistrarPolicy()                 # 200, echoing each Contact with its expiry
    fake = fake_server(on_request=reg)
    reg.code = 401                          # switch at run time: 401 / 403 / 200
    reg.grant = 3600                        # grant this expiry whatever was asked

Plugs into FakeSipServer's existing `on_request` hook, so fakes/sip_server.py
is not changed.
"""

from __future__ import annotations

import threading

from . import sipmsg
from .net import DEFAULT_WAIT, Received

REASONS = {200: "OK", 401: "Unauthorized", 403: "Forbidden"}


def contact_expires(value: str) -> int | None:
    v = sipmsg.header_params(value).get("expires")
    return int(v) if v is not None and v.strip().isdigit() else None


def request_expires(msg: sipmsg.SipMessage) -> int | None:
    v = msg.get("Expires")
    return int(v.strip()) if v and v.strip().isdigit() else None


class RegistrarPolicy:
    """on_request hook: answers REGISTER with `code`.  A 200 lists every
    Contact of the request that is not being removed, with ;expires= the value
    asked for (Contact param, else Expires, else 3600), or `grant` when set;
    `Contact: *` and expires=0 give a 200 without Contact.  A 401 carries a
    WWW-Authenticate challenge."""

    def __init__(self, code: int = 200, grant: int | None = None):
        self.code = code
        self.grant = grant
        self.lock = threading.Lock()
        self.seen: list[Received] = []

    def __call__(self, server, rx: Received) -> bool:
        msg = rx.msg
        if msg is None or msg.method != "REGISTER":
            return False
        with self.lock:
            self.seen.append(rx)
            code, grant = self.code, self.grant
        extra: list[tuple[str, str]] = []
        if code == 200:
            default = request_expires(msg)
            default = 3600 if default is None else default
            for c in msg.values("Contact"):
                if c.strip() == "*":
                    continue
                asked = contact_expires(c)
                asked = default if asked is None else asked
                if asked == 0:
                    continue
                granted = grant if grant is not None else asked
                extra.append(("Contact", f"<{sipmsg.uri_of(c)}>;expires={granted}"))
        elif code == 401:
            extra.append(("WWW-Authenticate",
                          'Digest realm="it.example", nonce="abc123", algorithm=MD5'))
        data = sipmsg.response(msg, code, REASONS.get(code), to_tag=sipmsg.new_tag(), extra=extra)
        server._send_to(rx, data)  # noqa: SLF001 - the hook answers like the fake itself
        return True


# ---------------------------------------------------------------------------
# Endpoint side (raw SipClient)
# ---------------------------------------------------------------------------

def register_request(client, proxy_hostport: str, user: str, contact_uri: str, *,
                     contact_expires_: int | None = None, expires: int | None = None,
                     call_id: str | None = None, cseq: int = 1,
                     star: bool = False) -> bytes:
    """A REGISTER of sip:USER@PROXY (To/From) with one Contact."""
    aor = f"sip:{user}@{proxy_hostport}"
    if star:
        contact = "*"
    else:
        contact = f"<{contact_uri}>"
        if contact_expires_ is not None:
            contact += f";expires={contact_expires_}"
    extra = [("Expires", str(expires))] if expires is not None else []
    return client.request("REGISTER", f"sip:{proxy_hostport}", to=f"<{aor}>",
                          from_=f"<{aor}>;tag={sipmsg.new_tag()}", contact=contact,
                          call_id=call_id, cseq=cseq, extra=extra)


def wait_request(client, method: str, pred=None, timeout: float = DEFAULT_WAIT,
                 start: int = 0) -> Received:
    """A request the proxy sent to a raw SipClient."""
    method = method.upper()
    return client.rx.wait_for(
        lambda rx: rx.msg is not None and rx.msg.method == method
        and (pred is None or pred(rx.msg)),
        timeout=timeout, what=f"a {method} request", start=start)


def answer(client, req: sipmsg.SipMessage, code: int = 200) -> bytes:
    """Answer a request the proxy delivered (goes back on the client's socket /
    connection, i.e. to the proxy, its top Via)."""
    extra = [("Contact", client.contact())] if req.method in ("INVITE", "SUBSCRIBE") else None
    data = sipmsg.response(req, code, to_tag=None if req.to_tag else sipmsg.new_tag(),
                           extra=extra, copy_record_route=200 <= code < 300)
    client.send(data)
    return data


# ---------------------------------------------------------------------------
# SIP Server side
# ---------------------------------------------------------------------------

def server_request(fake, proxy_addr, method: str, ruri: str, *, transport: str = "UDP",
                   extra: list[tuple[str, str]] | None = None,
                   timeout: float = 10.0) -> tuple[sipmsg.SipMessage, sipmsg.SipMessage]:
    """The fake SIP Server sends METHOD ruri to the proxy and waits for the final
    response; a non-2xx final to an INVITE is ACKed (same branch).  Returns
    (request, final response)."""
    via = fake.via(transport)
    from_ = f"<sip:agent@{fake.address}>;tag={sipmsg.new_tag()}"
    kw = {}
    if method.upper() == "INVITE":
        kw = dict(contact=fake.contact(transport), body=sipmsg.SDP,
                  content_type="application/sdp")
    data = sipmsg.request(method.upper(), ruri, via=via, from_=from_, to=f"<{ruri}>",
                          extra=extra, **kw)
    req = sipmsg.parse(data)
    fake.send(data, proxy_addr, transport)
    resp = fake.wait_response(req.call_id, method=method, final=True, timeout=timeout).msg
    if method.upper() == "INVITE" and resp.status >= 300:
        ack = sipmsg.build(f"ACK {ruri} SIP/2.0", [
            ("Via", via), ("Max-Forwards", "70"), ("From", from_), ("To", resp.get("To")),
            ("Call-ID", req.call_id), ("CSeq", f"{req.cseq[0]} ACK")])
        fake.send(ack, proxy_addr, transport)
    return req, resp
