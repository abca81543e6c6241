"""Limits (README "Robustness", sipproxy.conf(5)): what a peer sees over each.

- max-connections-per-source: TCP connections from one IP beyond the limit are
  closed as soon as they are accepted; those already open, and other source
  addresses, go on being served; the refusals are logged at most once a second.
- max-transactions: INVITEs to a SIP Server that never answers pile up as
  server transactions awaiting a final response; at the limit, new ones get
  503 with Retry-After and are not forwarded, while a CANCEL still gets
  through (the reserve for CANCEL and in-dialog requests).
- max-registrations-per-aor: the REGISTER that would bind one contact too many
  gets 403 and does not reach the SIP Server; refreshes and removals still do.

Every connection and request here is on 127.0.0.1/127.0.0.2 and every wait is
bounded.
"""

from __future__ import annotations

import socket
import time

import ha
import mgmt_util as mu
from fakes import sipmsg
from fakes.registrar_server import RegistrarPolicy, register_request

# ---------------------------------------------------------------------------
# max-connections-per-source
# ---------------------------------------------------------------------------

CONN_LIMIT = 4


def _tcp_connect(proxy, source: str = "127.0.0.1") -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((source, 0))
    s.settimeout(5)
    s.connect(proxy.addr)
    return s


def _closed_by_peer(s: socket.socket, timeout: float) -> bool:
    """True when the proxy closes `s` within `timeout` (end of file or reset)."""
    s.settimeout(timeout)
    try:
        return s.recv(1) == b""
    except socket.timeout:
        return False
    except ConnectionResetError:
        return True


def test_tcp_connections_over_the_per_source_limit_are_closed_at_once(deploy, fake_server,
                                                                      sip_client):
    fake = fake_server()
    proxy = deploy(server_port=fake.port,
                   proxy_extra={"max-connections-per-source": CONN_LIMIT})
    # CONN_LIMIT - 1 idle connections plus one SipClient over TCP fill the allowance.
    held = [_tcp_connect(proxy) for _ in range(CONN_LIMIT - 1)]
    client = sip_client(proxy.addr, "TCP")
    msg, cid = ha.new_message(client)
    assert client.transact(msg).status == 200, "MESSAGE over a TCP connection within the limit"
    try:
        extra = [_tcp_connect(proxy) for _ in range(3)]
        for i, s in enumerate(extra):
            assert _closed_by_peer(s, 5), \
                f"connection {CONN_LIMIT + i + 1} from 127.0.0.1 was not closed by the proxy"
        # The ones within the limit are still open and still served.
        for s in held:
            assert not _closed_by_peer(s, 0.2), "a connection within the limit was closed"
        msg, cid = ha.new_message(client)
        assert client.transact(msg).status == 200, \
            "the TCP client within the limit is no longer served after the refusals"
        # Another source address has its own allowance.
        other = _tcp_connect(proxy, "127.0.0.2")
        assert not _closed_by_peer(other, 0.5), "a connection from 127.0.0.2 was refused"
        other.close()
        # Refusals are logged, and a burst of them gives few lines (one a second at most).
        line = ha.wait_log(proxy, r"TCP connection from 127\.0\.0\.1 refused", timeout=5)
        assert f"max-connections-per-source = {CONN_LIMIT}" in line, line
        assert len(ha.log_lines(proxy, r"TCP connection from 127\.0\.0\.1 refused")) <= 3
        # A closed connection makes room for a new one.
        held.pop().close()
        deadline = time.monotonic() + 5
        while True:
            again = _tcp_connect(proxy)
            if not _closed_by_peer(again, 0.3):
                break
            again.close()
            assert time.monotonic() < deadline, \
                "after one connection closed, a new one from the same address is still refused"
            time.sleep(0.2)
        again.close()
        for s in extra:
            s.close()
    finally:
        for s in held:
            s.close()


# ---------------------------------------------------------------------------
# max-transactions
# ---------------------------------------------------------------------------

TXN_LIMIT = 10


def test_invite_flood_to_a_silent_server_gets_503_at_max_transactions(deploy, fake_server,
                                                                      sip_client):
    fake = fake_server(silent=True)   # takes every INVITE, never answers
    proxy = deploy(server_port=fake.port, proxy_extra={"max-transactions": TXN_LIMIT})
    c = sip_client(proxy.addr)

    invites: dict[str, bytes] = {}
    for _ in range(TXN_LIMIT):
        req, cid = ha.new_invite(c)
        invites[cid] = req
        c.send(req)
        c.wait_response(cid, final=False, code=100, timeout=5)   # in flight, one by one
    flood: dict[str, bytes] = {}
    for _ in range(2 * TXN_LIMIT):
        req, cid = ha.new_invite(c)
        flood[cid] = req
        c.send(req)
    refused = {cid: ha.final_for(c, req, timeout=5) for cid, req in flood.items()}
    for cid, final in refused.items():
        assert final.status == 503, \
            f"INVITE {cid} over max-transactions got {final.start_line}, expected 503"
        assert final.get("Retry-After") and final.get("Retry-After").strip().isdigit(), final.text
        assert "transactions" in final.reason, final.start_line
        c.send(c.ack_for(flood[cid], final))
    # The refused ones were not forwarded; those in flight were.
    for cid in invites:
        assert ha.got(fake, "INVITE", cid), f"INVITE {cid} within the limit was not forwarded"
    leaked = [cid for cid in flood if ha.got(fake, "INVITE", cid)]
    assert not leaked, f"{len(leaked)} INVITEs refused with 503 reached the SIP Server"
    # Those in flight have no final response (the server is silent).
    assert not [m for cid in invites for m in c.responses(cid) if m.status >= 200]

    # A CANCEL at the limit uses the reserve: it is answered 200, not 503.
    first_cid, first = next(iter(invites.items()))
    inv = sipmsg.parse(first)
    c.send(sipmsg.build(f"CANCEL {inv.ruri} SIP/2.0", [
        ("Via", inv.lines("Via")[0]), ("Max-Forwards", "70"), ("From", inv.get("From")),
        ("To", inv.get("To")), ("Call-ID", first_cid), ("CSeq", f"{inv.cseq[0]} CANCEL")]))
    ok = c.wait_response(first_cid, method="CANCEL", timeout=5)
    assert ok.status == 200, f"CANCEL at max-transactions got:\n{ok.text}"

    # The management status counts them: the cap held, nothing grew beyond it.
    status = mu.ctl("status", target=f"127.0.0.1:{proxy.mgmt_port}", as_json=True).json()
    assert status["counters"]["transactions_refused"] == 2 * TXN_LIMIT, status["counters"]
    assert status["transactions"]["awaiting_final"] <= TXN_LIMIT + 1, status["transactions"]


# ---------------------------------------------------------------------------
# max-registrations-per-aor
# ---------------------------------------------------------------------------

REG_LIMIT = 3
USER = "2000"


def _register(c, proxy, contact_uri, expires=600):
    data = register_request(c, proxy.hostport, USER, contact_uri, contact_expires_=expires)
    return sipmsg.parse(data).call_id, c.transact(data)


def _binding_count(proxy) -> int:
    doc = mu.ctl("registrations", f"sip:{USER}@127.0.0.1", target=f"127.0.0.1:{proxy.mgmt_port}",
                 as_json=True).json()
    return len(doc["bindings"])


def test_register_beyond_max_registrations_per_aor_gets_403(deploy, fake_server, sip_client):
    reg = RegistrarPolicy()
    fake = fake_server(on_request=reg)
    proxy = deploy(server_port=fake.port,
                   proxy_extra={"max-registrations-per-aor": REG_LIMIT})
    c = sip_client(proxy.addr)
    contacts = [f"sip:{USER}@127.0.0.1:{6000 + i}" for i in range(REG_LIMIT + 1)]
    for contact in contacts[:REG_LIMIT]:
        _, ok = _register(c, proxy, contact)
        assert ok.status == 200, f"REGISTER of {contact} within the limit got {ok.start_line}"
    assert _binding_count(proxy) == REG_LIMIT

    # One too many: 403 from the proxy, the SIP Server never sees it.
    cid, refused = _register(c, proxy, contacts[REG_LIMIT])
    assert refused.status == 403, \
        f"REGISTER of contact {REG_LIMIT + 1} got {refused.start_line}, expected 403"
    assert "too many registrations" in refused.reason.lower(), refused.start_line
    assert not [rx for rx in reg.seen if rx.msg.call_id == cid], \
        "the refused REGISTER was forwarded to the SIP Server"
    assert _binding_count(proxy) == REG_LIMIT

    # A refresh of a bound contact at the limit still passes.
    _, ok = _register(c, proxy, contacts[0], expires=900)
    assert ok.status == 200, f"refresh at the limit got {ok.start_line}"
    # A removal makes room, and then the new contact is accepted.
    _, ok = _register(c, proxy, contacts[1], expires=0)
    assert ok.status == 200, f"removal at the limit got {ok.start_line}"
    _, ok = _register(c, proxy, contacts[REG_LIMIT])
    assert ok.status == 200, f"REGISTER after a removal got {ok.start_line}"
    assert _binding_count(proxy) == REG_LIMIT
