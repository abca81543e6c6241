"""The torture corpus (tests/torture/, in the spirit of RFC 4475) against a real
sipproxyd, every message over UDP and over TCP.

tests/torture/index.txt says what each message must get: `forward` (it reaches
the SIP Server intact: Request-URI, every end-to-end header and the body as
sent; the proxy's own Via on top, Max-Forwards one less), a status code the
proxy answers itself (400 with a reason phrase saying what is wrong, 505, 416,
...), or `drop` (no answer at all: no Via to answer to, or a response nobody
can use). Nothing but the `forward` ones may reach the SIP Server. After every
message the proxy still serves a normal request: on the same socket, or, where
the index says the TCP connection is closed, on a new connection.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

import helpers
from fakes import sipmsg
from fakes.sip_client import SipClient
from fakes.sip_server import FakeSipServer

TORTURE = helpers.REPO_ROOT / "tests" / "torture"
# Headers a proxy changes or adds on the way (RFC 3261 §16.6); everything else must
# arrive as it was sent.
HOP_BY_HOP = {"via", "route", "record-route", "max-forwards", "content-length"}
_serial = itertools.count(1)


@dataclass
class Case:
    file: str
    parser: str
    proxy: str   # forward, drop, or a status code
    udp: str     # yes / skip
    tcp: str     # keep / close / reset / skip
    reason: str

    @property
    def path(self) -> Path:
        return TORTURE / "messages" / self.file


def load_index() -> list[Case]:
    cases = []
    for line in (TORTURE / "index.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split(None, 5)
        cases.append(Case(*parts[:5], parts[5].strip() if len(parts) > 5 else ""))
    return cases


CASES = load_index()
PARAMS = [pytest.param(c, t, id=f"{c.file[:-4]}-{t.lower()}")
          for c in CASES for t in ("UDP", "TCP")
          if (c.udp if t == "UDP" else c.tcp) != "skip"]


@pytest.fixture(scope="module")
def torture_proxy(sipproxyd_bin, tmp_path_factory):
    """One proxy and one fake SIP Server for the whole corpus: the point is that the
    same process takes every message in turn. The fake answers INVITE with 486, so a
    forwarded INVITE ends with the caller's ACK and leaves no dialog behind."""
    fake = FakeSipServer(helpers.free_port(), name="torture-sip-server", invite=486).start()
    proxy = helpers.Deployment(sipproxyd_bin, tmp_path_factory.mktemp("torture"),
                               server_port=fake.port, name="sipproxyd-torture").start()
    yield proxy, fake
    rc = proxy.stop()
    fake.stop()
    found = proxy.sanitizer_findings()
    assert rc == 0 and not found, (f"after the torture corpus: exit code {rc!r} after SIGTERM, "
                                   f"sanitizer lines: {found[:20]}\n{proxy.report()}")


def fill(data: bytes, client: SipClient, uniq: str) -> bytes:
    for key, value in ((b"${TRANSPORT}", client.transport), (b"${UNIQ}", uniq),
                       (b"${CLIENT}", f"{client.host}:{client.port}")):
        data = data.replace(key, value.encode())
    return data


def norm(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()


def end_to_end(msg: sipmsg.SipMessage) -> dict[str, list[str]]:
    names = {n.lower() for n, _ in msg.headers} - HOP_BY_HOP
    return {n: [norm(v) for v in msg.values(n)] for n in sorted(names)}


def expected_body(sent: sipmsg.SipMessage) -> bytes:
    cl = sent.get("Content-Length")
    return sent.body[:int(cl)] if cl is not None else sent.body


def ack_for(ruri: str, resp: sipmsg.SipMessage) -> bytes:
    """ACK of a non-2xx final response, from the response's own headers (the
    tortuous INVITEs are not something the fake parser should re-read)."""
    return sipmsg.build(f"ACK {ruri} SIP/2.0", [
        ("Via", resp.lines("Via")[0]), ("Max-Forwards", "70"), ("From", resp.get("From")),
        ("To", resp.get("To")), ("Call-ID", resp.get("Call-ID")),
        ("CSeq", f"{resp.cseq[0]} ACK")])


def assert_serves(proxy, fake, client: SipClient) -> str:
    """A plain MESSAGE through the proxy to the SIP Server and its 200 back."""
    req = client.request("MESSAGE", "sip:bob@127.0.0.1", body="still alive",
                         content_type="text/plain")
    cid = sipmsg.parse(req).call_id
    resp = client.transact(req)
    assert resp.status == 200, f"a normal MESSAGE after the torture message got {resp.start_line}"
    fake.wait_request("MESSAGE", lambda m: m.call_id == cid)
    return cid


def reached_server(fake, uniq: str) -> list:
    return [rx for rx in fake.rx.items() if uniq.encode() in rx.raw]


def check_forwarded(case: Case, sent: sipmsg.SipMessage, fake, uniq: str) -> None:
    rx = fake.rx.wait_for(lambda r: r.msg is not None and r.msg.is_request
                          and uniq in (r.msg.call_id or ""),
                          what=f"{case.file} forwarded to the SIP Server")
    got = rx.msg
    assert got.method == sent.method and got.ruri == sent.ruri, \
        f"start line changed: sent {sent.start_line!r}, got {got.start_line!r}"
    assert end_to_end(got) == end_to_end(sent), \
        f"end-to-end headers changed:\nsent {end_to_end(sent)}\ngot  {end_to_end(got)}"
    assert got.body == expected_body(sent), "the body changed on the way"
    sent_vias = [norm(v) for v in sent.values("Via")]
    got_vias = [norm(v) for v in got.values("Via")]
    assert len(got_vias) == len(sent_vias) + 1 and got_vias[2:] == sent_vias[1:], \
        f"Via stack: sent {sent_vias}, got {got_vias}"
    mf = sent.max_forwards
    assert got.max_forwards == (mf - 1 if mf is not None else 70), \
        f"Max-Forwards sent {mf}, forwarded {got.max_forwards}"


@pytest.mark.parametrize("case,transport", PARAMS)
def test_torture_message(case, transport, torture_proxy, request):
    proxy, fake = torture_proxy
    client = SipClient(proxy.addr, transport, name=f"torture-{transport.lower()}")
    request.addfinalizer(client.close)
    uniq = f"tt{next(_serial)}{transport.lower()}"
    data = fill(case.path.read_bytes(), client, uniq)
    branch = f"z9hG4bK-{uniq}"
    client.send(data)

    def answer(rx) -> bool:
        return (rx.msg is not None and rx.msg.is_response and rx.msg.status >= 200
                and branch in rx.raw.decode("latin-1"))

    closing = transport == "TCP" and case.tcp == "close"
    if case.proxy == "forward":
        sent = sipmsg.parse(data)
        check_forwarded(case, sent, fake, uniq)
        resp = client.rx.wait_for(answer, what=f"the final response to {case.file}").msg
        if sent.method == "INVITE":
            assert resp.status == 486, resp.start_line  # the fake's answer, relayed
            client.send(ack_for(sent.ruri, resp))
    elif case.proxy.isdigit():
        resp = client.rx.wait_for(answer, what=f"the {case.proxy} to {case.file}").msg
        assert str(resp.status) == case.proxy, f"{case.file}: got {resp.start_line}"
        assert case.reason.lower() in (resp.reason or "").lower(), \
            f"{case.file}: reason phrase {resp.reason!r} does not say {case.reason!r}"
    # The proxy is single-threaded and handles one socket's bytes in order: once a
    # normal MESSAGE sent after the torture message has been forwarded and answered on
    # the same flow (or, where the proxy closed the connection, once it has closed it:
    # it had handled the message by then), anything it was going to forward or answer
    # for the torture message has already arrived.
    alive = None
    if closing:
        assert client.wait_tcp_closed(), f"{case.file}: the proxy kept the TCP connection open"
        fresh = SipClient(proxy.addr, transport, name="torture-after-close")
        request.addfinalizer(fresh.close)
        assert_serves(proxy, fake, fresh)
    else:
        assert not client.tcp_closed, f"{case.file}: the proxy closed the TCP connection"
        alive = assert_serves(proxy, fake, client)
    if case.proxy != "forward":
        leaked = reached_server(fake, uniq)
        assert not leaked, f"{case.file} reached the SIP Server:\n" + "\n".join(
            rx.describe() for rx in leaked)
    if case.proxy == "drop":
        answers = [rx for rx in client.rx.items()
                   if rx.msg is None or (rx.msg.is_response and rx.msg.call_id != alive)]
        assert not answers, f"{case.file} must go unanswered, got:\n" + "\n".join(
            rx.describe() for rx in answers)
    assert proxy.proc.poll() is None, "sipproxyd died"


def test_index_covers_the_corpus():
    listed = {c.file for c in CASES}
    present = {p.name for p in (TORTURE / "messages").iterdir()}
    assert listed == present, f"not in index: {present - listed}; missing: {listed - present}"
    assert len(PARAMS) >= 100
