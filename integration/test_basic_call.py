"""Basic call through the proxy: INVITE / 100 / 180 / 200 / ACK / BYE / 200.

* SIPp UAC -> sipproxyd -> SIPp UAS (end to end, UDP and TCP endpoints)
* SIPp UAC -> sipproxyd -> fake SIP Server (what the server got: Via,
  Record-Route, Max-Forwards; ACK and BYE routed by our Record-Route, our
  Route removed)
* raw client -> sipproxyd -> fake SIP Server (what the endpoint got: the
  proxy's own 100, the downstream 100 absorbed, the proxy's Via removed)
"""

from __future__ import annotations

import pytest

import helpers
from fakes import sipmsg

TRANSPORTS = ["UDP", "TCP"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_sipp_call_end_to_end(transport, deploy, sipp, port):
    server_port = port()
    if transport == "UDP":
        uas_runs = [sipp("uas_call.xml", local_port=server_port, transport="UDP")]
        uas_runs[0].wait_listening()
    else:
        uas_runs = helpers.start_uas_any_transport(sipp, "uas_call.xml", server_port)
    proxy = deploy(server_port=server_port)

    uac = sipp("uac_call.xml", remote=proxy.addr, transport=transport)
    rc = uac.wait()
    assert rc == 0, f"SIPp UAC call through the proxy failed (rc={rc}):\n{uac.report()}"

    uas = helpers.finish_uas_any_transport(uas_runs)
    assert uas.poll() == 0, f"SIPp UAS did not complete its call:\n{uas.report()}"


def _check_proxy_via(via: sipmsg.Via, proxy, transport: str, what: str) -> None:
    assert (via.host, via.port) == ("127.0.0.1", proxy.proxy_port), \
        f"{what}: top Via is not the proxy's: {via.raw}"
    assert via.transport == transport, \
        f"{what}: proxy Via transport {via.transport}, but it was sent over {transport}: {via.raw}"
    assert via.branch and via.branch.startswith("z9hG4bK") and len(via.branch) > len("z9hG4bK"), \
        f"{what}: proxy Via branch is not RFC 3261 (z9hG4bK...): {via.raw}"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_sipp_call_to_fake_server(transport, deploy, sipp, fake_server):
    fake = fake_server()
    proxy = deploy(server_port=fake.port)

    uac = sipp("uac_call.xml", remote=proxy.addr, transport=transport)
    rc = uac.wait()
    assert rc == 0, f"SIPp UAC call through the proxy failed (rc={rc}):\n{uac.report()}"

    inv_rx = fake.wait_request("INVITE")
    inv = inv_rx.msg
    out_t = inv_rx.transport          # how the proxy chose to reach the server
    vias = inv.vias()

    # Via: the proxy's on top, with an RFC 3261 branch; the UAC's below it.
    _check_proxy_via(vias[0], proxy, out_t, "forwarded INVITE")
    assert len(vias) == 2, f"forwarded INVITE should carry 2 Vias:\n{inv_rx.describe()}"
    assert vias[1].port == uac.local_port and vias[1].transport == transport, \
        f"second Via should be SIPp's:\n{inv_rx.describe()}"

    # Max-Forwards decremented by one (SIPp sends 70).
    assert inv.max_forwards == 69, f"Max-Forwards not 69:\n{inv_rx.describe()}"

    # Record-Route: ours, on top, loose-routing, with sps= and dn=.
    ours = helpers.proxy_record_routes(inv, proxy)
    assert ours, f"no Record-Route naming the proxy:\n{inv_rx.describe()}"
    assert inv.record_routes()[:len(ours)] == ours, \
        f"the proxy's Record-Route must be the topmost:\n{inv_rx.describe()}"
    for rr in ours:
        params = sipmsg.uri_params(sipmsg.uri_of(rr))
        assert "lr" in params, f"Record-Route without ;lr: {rr}"
        assert params.get("sps") == "0", f"Record-Route without sps=0 (one SIP Server): {rr}"
        assert params.get("dn"), f"Record-Route without dn=: {rr}"
    if transport == out_t:
        assert len(ours) == 1, f"one Record-Route expected (same transport):\n{inv_rx.describe()}"
        assert helpers.rr_transport(ours[0]) == transport, \
            f"Record-Route transport should be {transport}: {ours[0]}"
    else:
        # RFC 5658: the top one faces the server side, the next the endpoint side.
        assert len(ours) == 2, \
            f"in {transport} / out {out_t}: two Record-Routes expected (RFC 5658):\n{inv_rx.describe()}"
        assert helpers.rr_transport(ours[0]) == out_t, f"top Record-Route should be {out_t}: {ours}"
        assert helpers.rr_transport(ours[1]) == transport, \
            f"second Record-Route should be {transport}: {ours}"

    # The 2xx ACK and the BYE follow our Record-Route to the server, with our
    # Route removed and the Request-URI = the server's Contact.
    fake_contact = sipmsg.uri_of(fake.contact(out_t))
    for method in ("ACK", "BYE"):
        rx = fake.wait_request(method)
        m = rx.msg
        assert m.ruri.lower() == fake_contact.lower(), \
            f"{method} Request-URI should be the server's Contact {fake_contact}:\n{rx.describe()}"
        assert not [r for r in m.routes() if helpers.points_at(r, proxy.addr)], \
            f"{method} still carries a Route to the proxy:\n{rx.describe()}"
        assert m.routes() == [], f"{method} should carry no Route at all:\n{rx.describe()}"
        _check_proxy_via(m.vias()[0], proxy, rx.transport, f"forwarded {method}")
        assert m.max_forwards == 69, f"{method} Max-Forwards not 69:\n{rx.describe()}"
        assert m.call_id == inv.call_id


def _route_set_from(resp: sipmsg.SipMessage) -> list[str]:
    """UAC route set: the 2xx Record-Route list reversed (RFC 3261 §12.1.2)."""
    return list(reversed(resp.record_routes()))


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_raw_client_call_responses(transport, deploy, fake_server, sip_client):
    fake = fake_server()
    proxy = deploy(server_port=fake.port)
    c = sip_client(proxy.addr, transport)

    invite = c.request("INVITE", "sip:bob@127.0.0.1", body=sipmsg.SDP,
                       content_type="application/sdp")
    req = sipmsg.parse(invite)
    cid = req.call_id
    c.send(invite)
    ok = c.wait_response(cid, code=200, method="INVITE")
    helpers.barrier(proxy, fake)

    responses = c.responses(cid)
    trying = [r for r in responses if r.status == 100]
    assert len(trying) == 1, \
        ("expected exactly one 100 Trying (the proxy's own; the server's 100 absorbed), got "
         f"{len(trying)}:\n{c.dump()}")
    assert [r.status for r in responses if r.status != 100][:2] == [180, 200], \
        f"180 then 200 expected:\n{c.dump()}"
    for r in responses:
        vias = r.vias()
        assert len(vias) == 1 and vias[0].port == c.port, \
            f"the proxy's Via must be removed from the {r.status} response:\n{r.text}"
        assert r.call_id == cid and r.cseq == (1, "INVITE")

    assert ok.body.startswith(b"v=0"), f"200 OK lost its SDP body:\n{ok.text}"
    assert helpers.proxy_record_routes(ok, proxy), f"200 OK lost the Record-Route:\n{ok.text}"

    # ACK and BYE along the route set.
    route = [("Route", r) for r in _route_set_from(ok)]
    target = sipmsg.uri_of(ok.get("Contact"))
    common = dict(call_id=cid, from_=req.get("From"), to=ok.get("To"))
    c.send(c.request("ACK", target, cseq=1, extra=route, **common))
    ack_rx = fake.wait_request("ACK", lambda m: m.call_id == cid)
    assert ack_rx.msg.routes() == [], f"ACK reached the server with a Route:\n{ack_rx.describe()}"

    bye = c.request("BYE", target, cseq=2, extra=route, **common)
    c.send(bye)
    bye_ok = c.wait_response(cid, method="BYE")
    assert bye_ok.status == 200, f"BYE: {bye_ok.start_line}"
    bye_rx = fake.wait_request("BYE", lambda m: m.call_id == cid)
    assert bye_rx.msg.routes() == [], f"BYE reached the server with a Route:\n{bye_rx.describe()}"
    assert len(bye_ok.vias()) == 1, f"proxy Via left in 200 (BYE):\n{bye_ok.text}"


def test_max_forwards_inserted_when_absent(deploy, fake_server, sip_client):
    fake = fake_server()
    proxy = deploy(server_port=fake.port)
    c = sip_client(proxy.addr)
    req = c.request("OPTIONS", "sip:bob@127.0.0.1", max_forwards=None)
    cid = sipmsg.parse(req).call_id
    resp = c.transact(req)
    assert resp.status == 200, resp.text
    rx = fake.wait_request("OPTIONS", lambda m: m.call_id == cid)
    assert rx.msg.max_forwards == 70, \
        f"a request without Max-Forwards must be forwarded with 70:\n{rx.describe()}"


@pytest.mark.parametrize("method,extra,record_routed", [
    ("SUBSCRIBE", [("Event", "presence"), ("Expires", "60")], True),
    ("REFER", [("Refer-To", "<sip:carol@127.0.0.1>")], True),
    ("NOTIFY", [("Event", "message-summary"), ("Subscription-State", "active")], True),
    ("MESSAGE", [("Content-Type", "text/plain")], False),
    ("OPTIONS", [], False),
    ("INFO", [], False),
])
def test_record_route_on_dialog_creating_requests(method, extra, record_routed, deploy,
                                                  fake_server, sip_client):
    """Record-Route goes on INVITE, SUBSCRIBE, REFER and out-of-dialog NOTIFY only."""
    fake = fake_server()
    proxy = deploy(server_port=fake.port)
    c = sip_client(proxy.addr)
    contact = [("Contact", c.contact())] if record_routed else []
    req = c.request(method, "sip:bob@127.0.0.1", extra=extra + contact,
                    body="hi" if method == "MESSAGE" else b"")
    cid = sipmsg.parse(req).call_id
    resp = c.transact(req)
    assert resp.status == 200, f"{method} through the proxy got {resp.start_line}"
    rx = fake.wait_request(method, lambda m: m.call_id == cid)
    ours = helpers.proxy_record_routes(rx.msg, proxy)
    if record_routed:
        assert len(ours) == 1, f"{method} must be record-routed once:\n{rx.describe()}"
        params = sipmsg.uri_params(sipmsg.uri_of(ours[0]))
        assert "lr" in params and "sps" in params, ours[0]
        assert helpers.proxy_record_routes(resp, proxy), \
            f"200 to {method} should still carry the Record-Route:\n{resp.text}"
    else:
        assert not ours, f"{method} must not be record-routed:\n{rx.describe()}"
    assert len(resp.vias()) == 1, resp.text
