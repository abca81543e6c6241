"""Helpers for the high-availability tests (HA pairs, cluster, overload, reload).

Everything is on 127.0.0.1 and every wait is bounded.  The tests check what
crossed the wire (which fake SIP Server got which request, in which order
relative to the OPTIONS probes) and the proxy log; they never assert that
something happened *quickly*, only within a generous deadline.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import helpers
from fakes import sipmsg
from fakes.sip_client import SipClient
from fakes.sip_server import FakeSipServer

# Health thresholds of the contract (lib/health/member_health.hpp): a probe has
# a 1 s deadline, 2 unanswered probes in a row -> out-of-service, 2 answers in a
# row 1 s apart -> active again.  Deadlines below are these plus a wide margin.
FAILOVER_DEADLINE = 12.0
RECOVERY_DEADLINE = 12.0


# ---------------------------------------------------------------------------
# Deployment files
# ---------------------------------------------------------------------------

@dataclass
class Pair:
    name: str
    primary: FakeSipServer
    backup: FakeSipServer | None = None
    geo: str | None = None


def _opts(d: dict | None) -> list[str]:
    return [f"{k} = {v}" for k, v in (d or {}).items()]


def render_cluster_config(*, proxy_port: int, mgmt_port: int, pairs: list[Pair],
                          sipproxy_extra: dict | None = None,
                          proxy_extra: dict | None = None) -> str:
    """A cluster-mode (sipproxy-role = 0) deployment: `applications` lists the
    pairs in order (their index is the sps= of the Record-Route)."""
    lines = [
        "; sipproxyd integration test deployment (cluster)",
        "[sipproxy]",
        "sipproxy-role = 0",
        "applications = " + ",".join(p.name for p in pairs),
        "sipproxy-applications = SIPProxy_1",
        f"contact-address = 127.0.0.1:{proxy_port}",
        *_opts(sipproxy_extra),
        "",
        "[SIPProxy_1]",
        "type = sip-proxy",
        "host = 127.0.0.1",
        f"sip-port = {proxy_port}",
        f"mgmt-port = {mgmt_port}",
        *_opts(proxy_extra),
    ]
    for p in pairs:
        lines += ["", f"[{p.name}]", "type = sip-server", f"primary = {p.primary.address}"]
        if p.backup is not None:
            lines.append(f"backup = {p.backup.address}")
        if p.geo:
            lines.append(f"geo-location = {p.geo}")
    return "\n".join(lines) + "\n"


def deploy_cluster(deploy, pairs: list[Pair], **kw) -> helpers.Deployment:
    proxy_port = helpers.free_port()
    mgmt_port = helpers.free_port()
    text = render_cluster_config(proxy_port=proxy_port, mgmt_port=mgmt_port, pairs=pairs, **kw)
    return deploy(proxy_port=proxy_port, mgmt_port=mgmt_port, config_text=text)


def deploy_pair(deploy, primary: FakeSipServer, backup: FakeSipServer, *,
                oos_check: int = 1, oos_force: int | None = None,
                extra: dict | None = None, timers: str | None = None) -> helpers.Deployment:
    """Standalone proxy serving one HA pair (primary + backup fakes); `timers`:
    SIPPROXY_TEST_TIMERS (None: the real internal timers)."""
    opts = {"oos-check": oos_check}
    if oos_force is not None:
        opts["oos-force"] = oos_force
    opts.update(extra or {})
    return deploy(server_port=primary.port, backup_port=backup.port, proxy_extra=opts,
                  timers=timers)


# ---------------------------------------------------------------------------
# Log
# ---------------------------------------------------------------------------

def log_lines(proxy: helpers.Deployment, pattern: str) -> list[str]:
    rx = re.compile(pattern)
    return [ln for ln in proxy.log_text().splitlines() if rx.search(ln)]


def wait_log(proxy: helpers.Deployment, pattern: str, timeout: float = 10.0,
             after: int = 0) -> str:
    """Bounded wait until a log line matching `pattern` appears (counting only
    matches beyond the first `after` ones).  Returns the line."""
    deadline = time.monotonic() + timeout
    while True:
        found = log_lines(proxy, pattern)
        if len(found) > after:
            return found[after]
        if time.monotonic() >= deadline:
            raise AssertionError(f"no log line matching {pattern!r} within {timeout}s; "
                                 f"log tail:\n{helpers.tail(proxy.log_path, 60)}")
        time.sleep(0.05)


# ---------------------------------------------------------------------------
# What the fakes got
# ---------------------------------------------------------------------------

def is_probe(msg: sipmsg.SipMessage, proxy: helpers.Deployment) -> bool:
    """An OPTIONS the proxy generated itself (one Via: the proxy's), as opposed
    to an OPTIONS forwarded from an endpoint (two Vias)."""
    if msg.method != "OPTIONS":
        return False
    vias = msg.vias()
    return len(vias) == 1 and vias[0].port == proxy.proxy_port


def probes(fake: FakeSipServer, proxy: helpers.Deployment, start: int = 0) -> list:
    """Distinct probes (by branch) the fake received from index `start` of its
    record on (retransmissions of one probe count once)."""
    seen, out = set(), []
    for rx in fake.rx.items()[start:]:
        if rx.msg is not None and rx.msg.is_request and is_probe(rx.msg, proxy):
            if rx.msg.branch not in seen:
                seen.add(rx.msg.branch)
                out.append(rx)
    return out


def got(fake: FakeSipServer, method: str, call_id: str) -> list:
    return [rx for rx in fake.requests(method) if rx.msg.call_id == call_id]


def index_of(fake: FakeSipServer, method: str, call_id: str) -> int | None:
    """Position in the fake's record of the first `method` with `call_id`."""
    for i, rx in enumerate(fake.rx.items()):
        m = rx.msg
        if m is not None and m.is_request and m.method == method and m.call_id == call_id:
            return i
    return None


def where(fakes: list[FakeSipServer], method: str, call_id: str) -> list[str]:
    """Names of the fakes that received `method` with `call_id`."""
    return [f.name for f in fakes if got(f, method, call_id)]


def mark(fake: FakeSipServer) -> int:
    """Current length of the fake's record (to look only at what comes later)."""
    return len(fake.rx.items())


def wait_any(fakes: list[FakeSipServer], method: str, call_id: str,
             timeout: float = 2.0) -> FakeSipServer | None:
    """Bounded wait until one of the fakes got `method` with `call_id`."""
    deadline = time.monotonic() + timeout
    while True:
        for f in fakes:
            if got(f, method, call_id):
                return f
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.02)


# ---------------------------------------------------------------------------
# Endpoint side
# ---------------------------------------------------------------------------

def new_message(c: SipClient, user: str = "bob") -> tuple[bytes, str]:
    req = c.request("MESSAGE", f"sip:{user}@127.0.0.1", body="ha-test",
                    extra=[("Content-Type", "text/plain")])
    return req, sipmsg.parse(req).call_id


def new_invite(c: SipClient, user: str = "bob", call_id: str | None = None,
               extra: list | None = None) -> tuple[bytes, str]:
    req = c.request("INVITE", f"sip:{user}@127.0.0.1", call_id=call_id, body=sipmsg.SDP,
                    content_type="application/sdp", extra=extra)
    return req, sipmsg.parse(req).call_id


def poll_until_lands(c: SipClient, target: FakeSipServer, others: list[FakeSipServer],
                     deadline_s: float, method: str = "MESSAGE",
                     interval: float = 0.4) -> tuple[str, list[str]]:
    """Send new out-of-dialog requests (fresh Call-IDs) until one reaches
    `target`; bounded by deadline_s.  Returns (the Call-ID that landed, all
    Call-IDs sent).  Each request is given `interval` s to arrive somewhere."""
    sent: list[str] = []
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        req, cid = (new_message(c) if method == "MESSAGE" else new_invite(c))
        sent.append(cid)
        c.send(req)
        f = wait_any([target] + others, method, cid, timeout=interval)
        if f is target:
            return cid, sent
        if f is not None:
            # Landed elsewhere (still routed there): try again a little later.
            time.sleep(interval / 2)
    where_ = {cid: where([target] + others, method, cid) for cid in sent}
    raise AssertionError(
        f"no new {method} reached {target.name} within {deadline_s}s; "
        f"{len(sent)} sent, received by: {where_}")


def final_for(c: SipClient, request: bytes, timeout: float = 5.0) -> sipmsg.SipMessage:
    """The final response to exactly this request (Call-ID, CSeq and From tag
    match: two INVITEs may share a Call-ID)."""
    req = sipmsg.parse(request)

    def pred(rx) -> bool:
        m = rx.msg
        return (m is not None and m.is_response and m.status >= 200
                and m.call_id == req.call_id and m.cseq == req.cseq
                and m.from_tag == req.from_tag)
    rx = c.rx.wait_for(pred, timeout=timeout,
                       what=f"a final response to {req.method} {req.call_id} CSeq {req.cseq[0]}")
    return rx.msg


class Dialog:
    """A dialog set up by a raw client through the proxy (INVITE / 200)."""

    def __init__(self, c: SipClient, invite: bytes, ok: sipmsg.SipMessage):
        req = sipmsg.parse(invite)
        self.c = c
        self.call_id = req.call_id
        self.from_ = req.get("From")
        self.ok = ok
        self.to = ok.get("To")
        self.route = [("Route", r) for r in reversed(ok.record_routes())]
        self.target = sipmsg.uri_of(ok.get("Contact"))
        self.cseq = 1

    @property
    def to_tag(self) -> str | None:
        return self.ok.to_tag

    @property
    def from_tag(self) -> str | None:
        return sipmsg.header_params(self.from_).get("tag")

    def _req(self, method: str, cseq: int, **kw) -> bytes:
        return self.c.request(method, self.target, cseq=cseq, call_id=self.call_id,
                              from_=self.from_, to=self.to, extra=self.route, **kw)

    def ack(self) -> None:
        self.c.send(self._req("ACK", self.cseq))

    def request(self, method: str, **kw) -> bytes:
        """Send a new in-dialog request (BYE, re-INVITE, INFO...); returns it."""
        self.cseq += 1
        data = self._req(method, self.cseq, **kw)
        self.c.send(data)
        return data

    def bye(self, timeout: float = 5.0) -> sipmsg.SipMessage:
        self.request("BYE")
        return self.c.wait_response(self.call_id, method="BYE", timeout=timeout)


def establish(c: SipClient, user: str = "bob", call_id: str | None = None,
              extra: list | None = None, timeout: float = 5.0) -> Dialog:
    """INVITE through the proxy, wait for 200, send the ACK."""
    invite, cid = new_invite(c, user, call_id=call_id, extra=extra)
    c.send(invite)
    final = final_for(c, invite, timeout=timeout)
    if final.status != 200:
        c.send(c.ack_for(invite, final))
        raise AssertionError(f"INVITE {cid} through the proxy got {final.start_line}, "
                             f"not 200:\n{final.text}")
    d = Dialog(c, invite, final)
    d.ack()
    return d


def invite_final(c: SipClient, call_id: str | None = None, extra: list | None = None,
                 timeout: float = 5.0) -> tuple[str, sipmsg.SipMessage]:
    """Send a new INVITE, return (Call-ID, its final response); a non-2xx final
    is ACKed, a 2xx is ACKed along the route set as well."""
    invite, cid = new_invite(c, call_id=call_id, extra=extra)
    c.send(invite)
    final = final_for(c, invite, timeout=timeout)
    if final.status >= 300:
        c.send(c.ack_for(invite, final))
    else:
        Dialog(c, invite, final).ack()
    return cid, final


def points_to(value: str | None, fake: FakeSipServer) -> bool:
    """True when a URI / name-addr (e.g. a Contact) names the fake's host:port."""
    return bool(value) and helpers.points_at(value, (fake.host, fake.port))


# ---------------------------------------------------------------------------
# SIP Server side
# ---------------------------------------------------------------------------

def server_in_dialog(fake: FakeSipServer, proxy: helpers.Deployment, call_id: str,
                     method: str = "INFO", cseq: int = 101,
                     timeout: float = 10.0) -> sipmsg.SipMessage:
    """The fake SIP Server sends a request within a dialog it answered 200 (R-URI =
    the caller's Contact, Route = the Record-Route set of the INVITE as it arrived,
    over UDP) through the proxy, and returns the final response."""
    inv = got(fake, "INVITE", call_id)
    assert inv, f"{fake.name} has no INVITE {call_id}"
    inv = inv[0].msg
    ok = [sipmsg.parse(s[2]) for s in fake.sent if s[2].startswith(b"SIP/2.0 200")]
    ok = [m for m in ok if m.call_id == call_id and m.cseq_method == "INVITE"]
    assert ok, f"{fake.name} never answered INVITE {call_id} with 200"
    req = sipmsg.request(method, sipmsg.uri_of(inv.get("Contact")), via=fake.via(),
                         call_id=call_id, from_=ok[-1].get("To"), to=inv.get("From"), cseq=cseq,
                         extra=[("Route", r) for r in inv.record_routes()])
    fake.send(req, proxy.addr)
    return fake.wait_response(call_id, method=method, final=True, timeout=timeout).msg
