"""Registrar: the SIP Server authenticates REGISTERs; only its 200 stores a
binding (with the flow the REGISTER came on).  A request from the SIP Server
for a registered AOR (sip:USER@proxy) reaches the endpoint at its contact over
that flow; for an unregistered AOR of the proxy it gets 480.
registrar-default-timeout caps the expiry both ways.

The fake SIP Server answers REGISTER through fakes/registrar_server.py
(RegistrarPolicy: 200 echoing each Contact with its expiry, or 401 / 403).
"""

from __future__ import annotations

import threading
import time

import pytest

import helpers
import mgmt_util as mu
from fakes import sipmsg
from fakes.registrar_server import (RegistrarPolicy, answer, contact_expires, register_request,
                                    request_expires, server_request, wait_request)

USER = "1000"


def start(deploy, fake_server, *, code=200, grant=None, **deploy_kw):
    reg = RegistrarPolicy(code=code, grant=grant)
    fake = fake_server(on_request=reg)
    proxy = deploy(server_port=fake.port, **deploy_kw)
    return reg, fake, proxy


def register(client, proxy, fake, contact_uri, *, user=USER, contact_expires_=600,
             expires=None, cseq=1, call_id=None, star=False):
    """REGISTER through the proxy; returns (REGISTER as the fake received it,
    final response at the client)."""
    data = register_request(client, proxy.hostport, user, contact_uri,
                            contact_expires_=contact_expires_, expires=expires, cseq=cseq,
                            call_id=call_id, star=star)
    req = sipmsg.parse(data)
    n = len(fake.rx.items())
    resp = transact(client, data)
    at_server = fake.wait_request("REGISTER", lambda m: m.call_id == req.call_id
                                  and m.cseq[0] == cseq, timeout=5, start=n)
    return at_server.msg, resp


def transact(client, data: bytes, timeout: float = 10.0) -> sipmsg.SipMessage:
    """Send a request, return its final response (matched by Call-ID and CSeq,
    so an earlier response in the same Call-ID is not taken for it)."""
    req = sipmsg.parse(data)
    start = len(client.rx.items())
    client.send(data)
    rx = client.rx.wait_for(
        lambda r: r.msg is not None and r.msg.is_response and r.msg.call_id == req.call_id
        and r.msg.cseq == req.cseq and r.msg.status >= 200,
        timeout=timeout, what=f"the final response to {req.method} CSeq {req.cseq[0]}",
        start=start)
    return rx.msg


def wait_registrations(proxy, n: int, timeout: float = 10.0) -> None:
    """Bounded wait until `sipproxyctl registrations` counts n bindings."""
    def count():
        return mu.ctl("registrations", target=mu.mgmt_target(proxy), as_json=True).json()["count"]
    assert mu.wait_until(lambda: count() == n, timeout=timeout), \
        f"{count()} registration(s), not {n}:\n{helpers.tail(proxy.log_path, 30)}"


def assert_480(fake, proxy, client=None, user=USER, timeout=10.0):
    """The SIP Server's INVITE for sip:USER@proxy gets 480 and does not reach
    `client` (the formerly / never registered endpoint)."""
    ruri = f"sip:{user}@{proxy.hostport}"
    via = fake.via()
    from_ = f"<sip:agent@{fake.address}>;tag={sipmsg.new_tag()}"
    data = sipmsg.request("INVITE", ruri, via=via, from_=from_, to=f"<{ruri}>",
                          contact=fake.contact(), body=sipmsg.SDP,
                          content_type="application/sdp")
    cid = sipmsg.parse(data).call_id
    fake.send(data, proxy.addr)
    deadline = time.monotonic() + timeout
    final = None
    while time.monotonic() < deadline and final is None:
        finals = [rx.msg for rx in fake.responses(cid) if rx.msg.status >= 200]
        final = finals[0] if finals else None
        if client is not None:
            leaked = [rx for rx in client.rx.items()
                      if rx.msg is not None and rx.msg.call_id == cid]
            if leaked:
                # Answer it, so nothing is left hanging, then fail with the evidence.
                if leaked[0].msg.is_request:
                    answer(client, leaked[0].msg, 486)
                raise AssertionError(
                    f"the INVITE for {ruri} reached the endpoint, which is not (or no longer) "
                    f"registered; expected 480 from the proxy:\n{leaked[0].describe()}")
        time.sleep(0.05)
    assert final is not None, f"no final response to the INVITE for {ruri}:\n{fake.dump()}"
    if final.status >= 300:
        fake.send(sipmsg.build(f"ACK {ruri} SIP/2.0", [
            ("Via", via), ("Max-Forwards", "70"), ("From", from_), ("To", final.get("To")),
            ("Call-ID", cid), ("CSeq", "1 ACK")]), proxy.addr)
    assert final.status == 480, \
        f"INVITE to an unregistered AOR got {final.start_line}, expected 480:\n{final.text}"


# ---------------------------------------------------------------------------
# 1. Register, then the SIP Server's INVITE reaches the endpoint
# ---------------------------------------------------------------------------

def test_register_then_server_invite_reaches_contact(deploy, fake_server, sip_client):
    reg, fake, proxy = start(deploy, fake_server)
    c = sip_client(proxy.addr)
    contact = f"sip:{USER}@127.0.0.1:{c.port}"
    at_server, ok = register(c, proxy, fake, contact)

    assert ok.status == 200, f"REGISTER got {ok.start_line}:\n{c.dump()}"
    assert len(ok.vias()) == 1, f"proxy Via left in the 200:\n{ok.text}"
    assert [sipmsg.uri_of(v) for v in ok.values("Contact")] == [contact], ok.text
    assert contact_expires(ok.values("Contact")[0]) == 600, ok.text
    # The REGISTER went on to the SIP Server with the contact untouched (option 0).
    assert [sipmsg.uri_of(v) for v in at_server.values("Contact")] == [contact], at_server.text
    assert (at_server.top_via.host, at_server.top_via.port) == proxy.addr, at_server.text

    req = sipmsg.request("INVITE", f"sip:{USER}@{proxy.hostport}", via=fake.via(),
                         from_=f"<sip:agent@{fake.address}>;tag={sipmsg.new_tag()}",
                         to=f"<sip:{USER}@{proxy.hostport}>", contact=fake.contact(),
                         body=sipmsg.SDP, content_type="application/sdp")
    cid = sipmsg.parse(req).call_id
    fake.send(req, proxy.addr)
    inv = wait_request(c, "INVITE", lambda m: m.call_id == cid, timeout=5).msg
    assert inv.ruri == contact, \
        f"Request-URI should be rewritten to the registered contact {contact}:\n{inv.text}"
    assert (inv.top_via.host, inv.top_via.port) == proxy.addr, inv.text
    answer(c, inv, 200)
    resp_rx = fake.wait_response(cid, method="INVITE", final=True, timeout=10)
    assert resp_rx.msg.status == 200, f"endpoint's 200 did not come back:\n{fake.dump()}"
    assert len(resp_rx.msg.vias()) == 1, resp_rx.describe()


def test_sipp_uac_registers_then_sipp_uas_takes_the_call(deploy, fake_server, sipp, port):
    """A SIPp UAC registers 1000 from port P (200 relayed to it); then a SIPp UAS
    on the same P (the registered endpoint) takes the SIP Server's INVITE for
    sip:1000@proxy and completes the call."""
    reg, fake, proxy = start(deploy, fake_server)
    p = port()
    uac = sipp("uac_register.xml", local_port=p, remote=proxy.addr, service=USER,
               name=f"uac_register-{p}")
    rc = uac.wait()
    assert rc == 0, f"SIPp REGISTER did not get its 200:\n{uac.report()}"
    at_server = fake.wait_request("REGISTER", timeout=5).msg
    assert sipmsg.uri_of(at_server.values("Contact")[0]) == f"sip:{USER}@127.0.0.1:{p}"
    log = uac.sent_and_received()
    assert "SIP/2.0 200" in log, log

    uas = sipp("uas_call.xml", local_port=p, transport="UDP", name=f"uas_registered-{p}")
    uas.wait_listening()
    ruri = f"sip:{USER}@{proxy.hostport}"
    from_ = f"<sip:agent@{fake.address}>;tag={sipmsg.new_tag()}"
    invite = sipmsg.request("INVITE", ruri, via=fake.via(), from_=from_, to=f"<{ruri}>",
                            contact=fake.contact(), body=sipmsg.SDP,
                            content_type="application/sdp")
    cid = sipmsg.parse(invite).call_id
    fake.send(invite, proxy.addr)
    ok = fake.wait_response(cid, method="INVITE", final=True, timeout=10).msg
    assert ok.status == 200, f"INVITE to the registered SIPp got {ok.start_line}:\n{fake.dump()}"
    route = [("Route", r) for r in reversed(ok.record_routes())]
    target = sipmsg.uri_of(ok.get("Contact"))
    common = dict(call_id=cid, from_=from_, to=ok.get("To"))
    fake.send(sipmsg.request("ACK", target, via=fake.via(), cseq=1, extra=route, **common),
              proxy.addr)
    fake.send(sipmsg.request("BYE", target, via=fake.via(), cseq=2, extra=route, **common),
              proxy.addr)
    assert fake.wait_response(cid, method="BYE", timeout=10).msg.status == 200
    assert uas.wait() == 0, f"SIPp UAS (registered endpoint) did not complete:\n{uas.report()}"
    assert f"INVITE sip:{USER}@127.0.0.1:{p} SIP/2.0" in uas.sent_and_received(), \
        f"the UAS did not get the INVITE with R-URI = its contact:\n{uas.report()}"


def test_unregistered_aor_gets_480(deploy, fake_server):
    reg, fake, proxy = start(deploy, fake_server)
    assert_480(fake, proxy, user="4242")


# ---------------------------------------------------------------------------
# 2. Authentication failures store nothing
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("code", [401, 403])
def test_rejected_register_stores_nothing(code, deploy, fake_server, sip_client):
    reg, fake, proxy = start(deploy, fake_server, code=code)
    c = sip_client(proxy.addr)
    _, resp = register(c, proxy, fake, f"sip:{USER}@127.0.0.1:{c.port}")
    assert resp.status == code, f"the {code} was not relayed: {resp.start_line}\n{c.dump()}"
    if code == 401:
        assert resp.get("WWW-Authenticate"), f"challenge lost:\n{resp.text}"
    assert_480(fake, proxy, c)


def test_401_then_200_stores(deploy, fake_server, sip_client):
    reg, fake, proxy = start(deploy, fake_server, code=401)
    c = sip_client(proxy.addr)
    contact = f"sip:{USER}@127.0.0.1:{c.port}"
    cid = sipmsg.new_call_id("reg")
    assert register(c, proxy, fake, contact, call_id=cid)[1].status == 401
    reg.code = 200
    assert register(c, proxy, fake, contact, call_id=cid, cseq=2)[1].status == 200
    _, resp = server_request_answered(fake, proxy, c, "MESSAGE")
    assert resp.status == 200


def server_request_answered(fake, proxy, client, method, ruri=None, code=200):
    """The fake sends METHOD to the AOR; the client answers the delivered copy."""
    ruri = ruri or f"sip:{USER}@{proxy.hostport}"
    start = len(client.rx.items())
    result = {}

    def run():
        result["v"] = server_request(fake, proxy.addr, method, ruri)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    delivered = wait_request(client, method, timeout=5, start=start).msg
    answer(client, delivered, code)
    t.join(timeout=15)
    assert "v" in result, f"no final response for the {method}:\n{fake.dump()}"
    return delivered, result["v"][1]


# ---------------------------------------------------------------------------
# 3. Removal and expiry
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["contact-param", "expires-header", "star"])
def test_expires_zero_removes_binding(how, deploy, fake_server, sip_client):
    reg, fake, proxy = start(deploy, fake_server)
    c = sip_client(proxy.addr)
    contact = f"sip:{USER}@127.0.0.1:{c.port}"
    cid = sipmsg.new_call_id("reg")
    assert register(c, proxy, fake, contact, call_id=cid)[1].status == 200
    delivered, resp = server_request_answered(fake, proxy, c, "MESSAGE")
    assert resp.status == 200 and delivered.ruri == contact

    if how == "contact-param":
        kw = dict(contact_expires_=0)
    elif how == "expires-header":
        kw = dict(contact_expires_=None, expires=0)
    else:
        kw = dict(star=True, contact_expires_=None, expires=0)
    at_server, ok = register(c, proxy, fake, contact, call_id=cid, cseq=2, **kw)
    assert ok.status == 200, ok.text
    if how == "star":
        assert at_server.values("Contact") == ["*"], \
            f"Contact: * must reach the server untouched:\n{at_server.text}"
    assert_480(fake, proxy, c)


def test_short_expiry_binding_expires(deploy, fake_server, sip_client):
    reg, fake, proxy = start(deploy, fake_server)
    c = sip_client(proxy.addr)
    contact = f"sip:{USER}@127.0.0.1:{c.port}"
    assert register(c, proxy, fake, contact, contact_expires_=2)[1].status == 200
    delivered, resp = server_request_answered(fake, proxy, c, "MESSAGE")
    assert resp.status == 200, "freshly registered endpoint not reachable"
    # The proxy's own count says when the expiry sweep has removed it.
    wait_registrations(proxy, 0)
    assert_480(fake, proxy, c)


def test_refresh_keeps_binding_past_first_expiry(deploy, fake_server, sip_client):
    """Re-REGISTER before expiry: the binding outlives the first deadline."""
    reg, fake, proxy = start(deploy, fake_server)
    c = sip_client(proxy.addr)
    contact = f"sip:{USER}@127.0.0.1:{c.port}"
    cid = sipmsg.new_call_id("reg")
    assert register(c, proxy, fake, contact, contact_expires_=2, call_id=cid)[1].status == 200
    # A witness: another AOR registered for 2 s just after.  Once the expiry sweep
    # has removed it, the first binding's original deadline has passed too.
    w = sip_client(proxy.addr, name="witness")
    assert register(w, proxy, fake, f"sip:witness@127.0.0.1:{w.port}", user="witness",
                    contact_expires_=2)[1].status == 200
    assert register(c, proxy, fake, contact, contact_expires_=60, call_id=cid,
                    cseq=2)[1].status == 200
    wait_registrations(proxy, 2)
    wait_registrations(proxy, 1)
    delivered, resp = server_request_answered(fake, proxy, c, "MESSAGE")
    assert resp.status == 200 and delivered.ruri == contact


# ---------------------------------------------------------------------------
# 4. registrar-default-timeout
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("asked,expected", [(3600, 60), (30, 30)])
def test_default_timeout_caps_both_ways(asked, expected, deploy, fake_server, sip_client):
    reg, fake, proxy = start(deploy, fake_server,
                             sipproxy_extra={"registrar-default-timeout": 60})
    c = sip_client(proxy.addr)
    contact = f"sip:{USER}@127.0.0.1:{c.port}"
    at_server, ok = register(c, proxy, fake, contact, contact_expires_=asked, expires=asked)
    assert request_expires(at_server) == expected, \
        f"Expires at the SIP Server should be {expected}:\n{at_server.text}"
    cs = at_server.values("Contact")
    assert len(cs) == 1 and contact_expires(cs[0]) == expected, \
        f"Contact expires at the SIP Server should be {expected}:\n{at_server.text}"
    assert ok.status == 200
    cs = ok.values("Contact")
    assert len(cs) == 1 and contact_expires(cs[0]) == expected, \
        f"Contact expires in the 200 at the endpoint should be {expected}:\n{ok.text}"


def test_default_timeout_applies_when_client_gives_no_expiry(deploy, fake_server, sip_client):
    reg, fake, proxy = start(deploy, fake_server,
                             sipproxy_extra={"registrar-default-timeout": 60})
    c = sip_client(proxy.addr)
    at_server, ok = register(c, proxy, fake, f"sip:{USER}@127.0.0.1:{c.port}",
                             contact_expires_=None)
    # No expiry anywhere means 3600 (RFC 3261 §10.2.1.1), so the cap applies.
    assert request_expires(at_server) == 60, at_server.text
    assert contact_expires(at_server.values("Contact")[0]) == 60, at_server.text
    assert contact_expires(ok.values("Contact")[0]) == 60, ok.text


def test_default_timeout_caps_the_200_when_the_server_grants_more(deploy, fake_server,
                                                                  sip_client):
    reg, fake, proxy = start(deploy, fake_server, grant=3600,
                             sipproxy_extra={"registrar-default-timeout": 60})
    c = sip_client(proxy.addr)
    _, ok = register(c, proxy, fake, f"sip:{USER}@127.0.0.1:{c.port}", contact_expires_=3600)
    assert ok.status == 200
    assert contact_expires(ok.values("Contact")[0]) == 60, \
        f"the 200 sent to the endpoint must carry at most the option's value:\n{ok.text}"


def test_default_timeout_zero_leaves_client_value(deploy, fake_server, sip_client):
    reg, fake, proxy = start(deploy, fake_server,
                             sipproxy_extra={"registrar-default-timeout": 0})
    c = sip_client(proxy.addr)
    at_server, ok = register(c, proxy, fake, f"sip:{USER}@127.0.0.1:{c.port}",
                             contact_expires_=3600)
    assert not at_server.has("Expires"), f"no Expires should be added:\n{at_server.text}"
    assert contact_expires(at_server.values("Contact")[0]) == 3600, at_server.text
    assert contact_expires(ok.values("Contact")[0]) == 3600, ok.text


# ---------------------------------------------------------------------------
# 5. TCP: reached over the connection it registered on
# ---------------------------------------------------------------------------

def test_tcp_registered_endpoint_reached_over_its_connection(deploy, fake_server, sip_client):
    reg, fake, proxy = start(deploy, fake_server)
    c = sip_client(proxy.addr, "TCP")
    contact = f"sip:{USER}@127.0.0.1:{c.port};transport=tcp"
    assert register(c, proxy, fake, contact)[1].status == 200

    ruri = f"sip:{USER}@{proxy.hostport}"
    from_ = f"<sip:agent@{fake.address}>;tag={sipmsg.new_tag()}"
    invite = sipmsg.request("INVITE", ruri, via=fake.via(), from_=from_, to=f"<{ruri}>",
                            contact=fake.contact(), body=sipmsg.SDP,
                            content_type="application/sdp")
    cid = sipmsg.parse(invite).call_id
    fake.send(invite, proxy.addr)
    # Nothing listens on the client's port: the INVITE can only come on the
    # connection the REGISTER was sent on.
    rx = wait_request(c, "INVITE", lambda m: m.call_id == cid, timeout=5)
    assert rx.transport == "TCP"
    assert rx.msg.ruri == contact, rx.describe()
    assert rx.msg.top_via.transport == "TCP", rx.describe()
    answer(c, rx.msg, 200)
    ok = fake.wait_response(cid, method="INVITE", final=True, timeout=10).msg
    assert ok.status == 200, f"the 200 from the TCP endpoint did not come back:\n{fake.dump()}"
    assert not c.tcp_closed


# ---------------------------------------------------------------------------
# 6. Request-URI = the registered contact: over the registered flow
# ---------------------------------------------------------------------------

def test_request_to_contact_uri_goes_over_registered_flow(deploy, fake_server, sip_client, port):
    """The contact names an address nobody listens on (as behind a NAT) and a
    user part that is not the AOR's; a request for exactly that contact URI
    must still reach the endpoint, over the flow it registered from."""
    reg, fake, proxy = start(deploy, fake_server)
    c = sip_client(proxy.addr)
    contact = f"sip:dev-7f3a@127.0.0.1:{port()}"
    assert register(c, proxy, fake, contact)[1].status == 200
    delivered, resp = server_request_answered(fake, proxy, c, "MESSAGE", ruri=contact)
    assert delivered.ruri == contact, delivered.text
    assert resp.status == 200, f"MESSAGE to the contact got {resp.start_line}:\n{fake.dump()}"


def test_aor_request_goes_over_registered_flow_not_contact_address(deploy, fake_server,
                                                                   sip_client, port):
    reg, fake, proxy = start(deploy, fake_server)
    c = sip_client(proxy.addr)
    contact = f"sip:{USER}@127.0.0.1:{port()}"   # not where the client is
    assert register(c, proxy, fake, contact)[1].status == 200
    delivered, resp = server_request_answered(fake, proxy, c, "MESSAGE")
    assert delivered.ruri == contact, delivered.text
    assert resp.status == 200
