"""Trust at the edge: one packet, written as an attacker would write it, must
never crash, steer or misuse the proxy.

* An INVITE whose Call-ID is not UTF-8, in cluster mode with a peer: the
  instance keeps serving, the session record reaches the peer with the exact
  bytes, and a related INVITE through the peer goes to the same SIP Server
  pair.
* A response that matches no client transaction (any method, 2xx included)
  is dropped, not reflected to the address in its second Via (RFC 6026).
* The ACK for a final response the proxy generated itself (400, 420, 483 ...)
  is absorbed: the proxy was the UAS (RFC 3261 §16.3, §17.2.1).
* The branches the proxy puts in its Via cannot be predicted from those seen
  before (64 bits from a per-process CSPRNG key).
* A response from elsewhere than where its request went is dropped, even with
  the right branch: a forged final cannot end a transaction.

Every wait is bounded; every process is stopped at teardown.
"""

from __future__ import annotations

import re
import socket
import time

import pytest

import ha
import mgmt_util as mu
from fakes import sipmsg
from test_pool import pool, shared_storage, two_pair_pool  # noqa: F401 (fixtures)

CONVERGE = 10.0


def udp_sink() -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(0.3)
    return s


def nothing_arrives(sink: socket.socket) -> bytes | None:
    try:
        return sink.recv(65535)
    except (TimeoutError, socket.timeout):
        return None


def proxy_answers_options(c, proxy) -> None:
    """An OPTIONS to the proxy itself from `c`'s socket: once its 200 is back,
    everything `c` sent before has been handled (one source, in order)."""
    resp = c.transact(c.request("OPTIONS", f"sip:{proxy.hostport}"), timeout=5)
    assert resp.status == 200, resp.text


def invite_with_raw_call_id(c, raw_call_id: bytes) -> tuple[bytes, str]:
    """An INVITE from `c` whose Call-ID is exactly `raw_call_id` (any bytes);
    returns it and the Call-ID as the fakes decode it."""
    marker = sipmsg.new_call_id("marker")
    req, _ = ha.new_invite(c, call_id=marker)
    req = req.replace(marker.encode(), raw_call_id)
    return req, sipmsg.parse(req).call_id


def test_call_id_not_utf8_neither_kills_nor_splits_the_pool(pool, fake_server, sip_client):
    a, b, i1, i2 = two_pair_pool(pool, fake_server)
    raw = b"edge-\xff\xfe\xc3(-" + sipmsg.new_call_id("x").encode()
    c1 = sip_client(i1.addr)
    _, ctrl = ha.invite_final(c1)  # takes the first pair, so the next goes to the other
    assert ctrl.status == 200, ctrl.text
    invite, cid = invite_with_raw_call_id(c1, raw)
    c1.send(invite)
    final = c1.wait_final(cid, timeout=5)
    assert final.status == 200, final.text
    first = ha.where([a, b], "INVITE", cid)
    assert len(first) == 1, first
    # The instance still serves (before: std::terminate on serialising the record).
    _, ctrl = ha.invite_final(c1)
    assert ctrl.status == 200, ctrl.text
    assert i1.proc.poll() is None, i1.report()
    # The session records reached the peer ...
    deadline = time.monotonic() + CONVERGE
    while mu.ctl("dialogs", target=i2.mgmt, as_json=True).json()["sessions"] < 3:
        assert time.monotonic() < deadline, "the sessions did not reach SIPProxy_2"
        time.sleep(0.05)
    # ... with the exact bytes: a related INVITE through the peer (whose own
    # round-robin would pick the other pair first) goes to the same pair.
    c2 = sip_client(i2.addr, name="client-2")
    again, _ = invite_with_raw_call_id(c2, raw)
    c2.send(again)
    final2 = c2.wait_final(cid, timeout=5)
    assert final2.status == 200, final2.text
    invs = [f.name for f in (a, b) for _ in ha.got(f, "INVITE", cid)]
    assert invs == first * 2, f"the related INVITE through SIPProxy_2 went to {invs}"


@pytest.mark.parametrize("method", ["INVITE", "MESSAGE", "REGISTER"])
def test_stray_response_is_not_reflected(method, deploy, fake_server, sip_client):
    fake = fake_server()
    proxy = deploy(server_port=fake.port)
    c = sip_client(proxy.addr)
    victim = udp_sink()
    try:
        vport = victim.getsockname()[1]
        stray = sipmsg.build("SIP/2.0 200 OK", [
            ("Via", f"SIP/2.0/UDP {proxy.hostport};branch=z9hG4bK{sipmsg.new_tag()}deadbeef"),
            ("Via", f"SIP/2.0/UDP 127.0.0.1:{vport};branch=z9hG4bK{sipmsg.new_tag()}"),
            ("From", f"<sip:alice@127.0.0.1>;tag={sipmsg.new_tag()}"),
            ("To", f"<sip:bob@127.0.0.1>;tag={sipmsg.new_tag()}"),
            ("Call-ID", sipmsg.new_call_id("stray")), ("CSeq", f"1 {method}"),
            ("Contact", "<sip:bob@127.0.0.1:9>")])
        c.send(stray)
        proxy_answers_options(c, proxy)
        got = nothing_arrives(victim)
        assert got is None, f"the stray {method} 200 was reflected to 127.0.0.1:{vport}:\n{got!r}"
    finally:
        victim.close()


ACKED_ANSWERS = {
    # name: (extra headers, Max-Forwards, Content-Length override, expected status)
    "483": ([], 0, None, 483),
    "420": ([("Proxy-Require", "foo")], 70, None, 420),
    "400": ([], 70, "999", 400),
}


# A Content-Length past the end is a 400 only in a datagram: on a stream the proxy waits
# for the rest of the body (test_malformed.py covers TCP's own 400s).
@pytest.mark.parametrize("transport,case", [(t, c) for t in ("UDP", "TCP") for c in ACKED_ANSWERS
                                            if not (t == "TCP" and ACKED_ANSWERS[c][2])])
def test_ack_for_the_proxys_own_answer_is_absorbed(case, transport, deploy, fake_server,
                                                   sip_client):
    extra, max_forwards, clen, status = ACKED_ANSWERS[case]
    fake = fake_server()
    proxy = deploy(server_port=fake.port)
    c = sip_client(proxy.addr, transport)
    invite = c.request("INVITE", "sip:bob@127.0.0.1", max_forwards=max_forwards, extra=extra)
    if clen:
        invite = invite.replace(b"Content-Length: 0", f"Content-Length: {clen}".encode())
    cid = sipmsg.parse(invite).call_id
    c.send(invite)
    final = c.wait_final(cid, timeout=5)
    assert final.status == status, final.text
    c.send(c.ack_for(invite, final))
    # A barrier on the same flow: once it reached the SIP Server, the ACK was handled.
    barrier = c.request("OPTIONS", "sip:bob@127.0.0.1")
    bcid = sipmsg.parse(barrier).call_id
    c.send(barrier)
    fake.wait_request("OPTIONS", lambda m: m.call_id == bcid, timeout=5)
    acks = ha.got(fake, "ACK", cid)
    assert not acks, (f"the ACK for the proxy's own {status} reached the SIP Server:\n"
                      + "\n".join(rx.describe() for rx in acks))


def test_branches_are_unpredictable(deploy, fake_server, sip_client):
    fake = fake_server()
    proxy = deploy(server_port=fake.port)
    c = sip_client(proxy.addr)
    nonces = []
    for _ in range(8):
        req = c.request("OPTIONS", "sip:bob@127.0.0.1")
        cid = sipmsg.parse(req).call_id
        c.send(req)
        rx = fake.wait_request("OPTIONS", lambda m, cid=cid: m.call_id == cid, timeout=5)
        branch = rx.msg.branch
        m = re.fullmatch(r"z9hG4bKsp[0-9a-f]{16}\.([0-9a-f]{16})", branch or "")
        assert m, f"branch {branch!r}: want the loop hash, then 64 bits in 16 hex digits"
        nonces.append(int(m.group(1), 16))
        c.wait_final(cid, timeout=5)
    # A counter (or anything close to one) would let a seen branch predict the next.
    gaps = [abs(a - b) for a, b in zip(nonces, nonces[1:])]
    assert min(gaps) > 2 ** 32, [hex(n) for n in nonces]


def test_forged_response_from_another_address_is_dropped(deploy, fake_server, sip_client):
    """An attacker who saw the branch (here: the test hands it over) answers
    from its own socket before the SIP Server does; the client must get the
    SIP Server's answer, not the forgery."""
    held = {}

    def hold_message(fake, rx):
        if rx.msg.method == "MESSAGE":
            held["rx"] = rx
            return True  # answered below, after the forgery
        return False

    fake = fake_server(on_request=hold_message)
    proxy = deploy(server_port=fake.port)
    c = sip_client(proxy.addr)
    req = c.request("MESSAGE", "sip:bob@127.0.0.1")
    cid = sipmsg.parse(req).call_id
    c.send(req)
    rx = fake.wait_request("MESSAGE", lambda m: m.call_id == cid, timeout=5)
    forged = sipmsg.response(rx.msg, 403, to_tag=sipmsg.new_tag())
    attacker = udp_sink()
    try:
        attacker.sendto(forged, proxy.addr)
        fake._respond(held["rx"], 200, to_tag=sipmsg.new_tag())  # the real answer, later
        final = c.wait_final(cid, timeout=5)
    finally:
        attacker.close()
    assert final.status == 200, f"the forged 403 from another address was believed:\n{final.text}"
