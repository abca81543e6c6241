"""A request from the SIP Server follows its Request-URI to the endpoint.

The fake SIP Server sends an INVITE whose Request-URI is a SIPp UAS (an
endpoint) to the proxy; it must reach the UAS, and the 200 must come back to
the fake server; ACK and BYE go along the recorded route.  Over UDP the server
is recognised by its source ip:port; over TCP (ephemeral source port) by the
source IP plus the top Via sent-by.
"""

from __future__ import annotations

import pytest

import helpers
from fakes import sipmsg


@pytest.mark.parametrize("server_transport", ["UDP", "TCP"])
@pytest.mark.parametrize("preloaded_route", [False, True], ids=["no-route", "route-to-proxy"])
def test_server_invite_reaches_endpoint(server_transport, preloaded_route, deploy, sipp,
                                        fake_server, port):
    uas = sipp("uas_call.xml", local_port=port(), transport="UDP")
    uas.wait_listening()
    fake = fake_server()
    proxy = deploy(server_port=fake.port)

    extra = []
    if preloaded_route:
        # The SIP Server uses the proxy as its outbound proxy.
        extra.append(("Route", f"<sip:{proxy.hostport};lr>"))
    ruri = f"sip:carol@127.0.0.1:{uas.local_port}"
    from_ = f"<sip:agent@{fake.address}>;tag={sipmsg.new_tag()}"
    invite = sipmsg.request("INVITE", ruri, via=fake.via(server_transport), from_=from_,
                            to=f"<{ruri}>", contact=fake.contact(server_transport),
                            extra=extra, body=sipmsg.SDP, content_type="application/sdp")
    req = sipmsg.parse(invite)
    cid = req.call_id
    fake.send(invite, proxy.addr, server_transport)

    ok_rx = fake.wait_response(cid, method="INVITE", final=True, timeout=10)
    ok = ok_rx.msg
    assert ok.status == 200, f"INVITE towards the endpoint got {ok.start_line}:\n{fake.dump()}"
    assert ok_rx.transport == server_transport, \
        f"200 came back over {ok_rx.transport}, the INVITE was sent over {server_transport}"
    vias = ok.vias()
    assert len(vias) == 1 and (vias[0].host, vias[0].port) == ("127.0.0.1", fake.port), \
        f"200 should carry only the server's Via (proxy's removed):\n{ok_rx.describe()}"
    ours = helpers.proxy_record_routes(ok, proxy)
    assert ours, f"200 carries no Record-Route of the proxy (the UAS copies it):\n{ok_rx.describe()}"
    assert ok.body.startswith(b"v=0"), f"200 lost its SDP:\n{ok_rx.describe()}"

    # ACK (2xx: new transaction) and BYE along the route set (RR reversed).
    route = [("Route", r) for r in reversed(ok.record_routes())]
    target = sipmsg.uri_of(ok.get("Contact"))
    common = dict(call_id=cid, from_=from_, to=ok.get("To"))
    fake.send(sipmsg.request("ACK", target, via=fake.via(server_transport), cseq=1,
                             extra=route, **common), proxy.addr, server_transport)
    fake.send(sipmsg.request("BYE", target, via=fake.via(server_transport), cseq=2,
                             extra=route, **common), proxy.addr, server_transport)
    bye_ok = fake.wait_response(cid, method="BYE", final=True, timeout=10)
    assert bye_ok.msg.status == 200, f"BYE got {bye_ok.msg.start_line}:\n{fake.dump()}"

    rc = uas.wait()
    assert rc == 0, f"SIPp UAS (the endpoint) did not complete the call:\n{uas.report()}"


def test_backup_server_request_reaches_endpoint(deploy, sipp, fake_server, port):
    """The backup member of the pair is a SIP Server too (source ip:port)."""
    uas = sipp("uas_call.xml", local_port=port(), transport="UDP")
    uas.wait_listening()
    primary = fake_server(name="primary")
    backup = fake_server(name="backup")
    proxy = deploy(server_port=primary.port, backup_port=backup.port)

    ruri = f"sip:carol@127.0.0.1:{uas.local_port}"
    from_ = f"<sip:agent@{backup.address}>;tag={sipmsg.new_tag()}"
    invite = sipmsg.request("INVITE", ruri, via=backup.via(), from_=from_, to=f"<{ruri}>",
                            contact=backup.contact(), body=sipmsg.SDP,
                            content_type="application/sdp")
    cid = sipmsg.parse(invite).call_id
    backup.send(invite, proxy.addr)
    ok = backup.wait_response(cid, method="INVITE", final=True, timeout=10).msg
    assert ok.status == 200, f"INVITE from the backup SIP Server got {ok.start_line}:\n{backup.dump()}"
    route = [("Route", r) for r in reversed(ok.record_routes())]
    target = sipmsg.uri_of(ok.get("Contact"))
    common = dict(call_id=cid, from_=from_, to=ok.get("To"))
    backup.send(sipmsg.request("ACK", target, via=backup.via(), cseq=1, extra=route, **common),
                proxy.addr)
    backup.send(sipmsg.request("BYE", target, via=backup.via(), cseq=2, extra=route, **common),
                proxy.addr)
    assert backup.wait_response(cid, method="BYE", timeout=10).msg.status == 200
    assert uas.wait() == 0, f"SIPp UAS did not complete the call:\n{uas.report()}"
    assert not [rx for rx in primary.rx.items() if rx.msg is not None and rx.msg.call_id == cid], \
        f"the backup's call leaked to the primary:\n{primary.dump()}"


@pytest.mark.parametrize("transport", ["UDP", "TCP"])
def test_server_bye_reaches_endpoint(transport, deploy, sipp, fake_server):
    """In a call the endpoint set up, the SIP Server hangs up: its BYE (R-URI =
    the endpoint's Contact, Route = the Record-Route set) reaches the endpoint
    through the proxy, and the 200 comes back."""
    fake = fake_server()
    proxy = deploy(server_port=fake.port)
    uac = sipp("uac_call_remote_bye.xml", remote=proxy.addr, transport=transport)

    inv_rx = fake.wait_request("INVITE", timeout=10)
    fake.wait_request("ACK", timeout=10)
    inv = inv_rx.msg
    ok_sent = [s[2] for s in fake.sent if s[2].startswith(b"SIP/2.0 200")
               and sipmsg.parse(s[2]).cseq_method == "INVITE"]
    assert ok_sent, "the fake never sent its 200 to the INVITE"
    our_to = sipmsg.parse(ok_sent[-1]).get("To")

    route_set = inv.record_routes()  # UAS side: in order (RFC 3261 §12.1.1)
    assert route_set and helpers.points_at(route_set[0], proxy.addr), inv_rx.describe()
    first_hop_t = helpers.rr_transport(route_set[0])
    assert first_hop_t == inv_rx.transport, \
        (f"the top Record-Route asks for {first_hop_t}, but the proxy reached the server over "
         f"{inv_rx.transport}:\n{inv_rx.describe()}")
    bye = sipmsg.request("BYE", sipmsg.uri_of(inv.get("Contact")), via=fake.via(first_hop_t),
                         call_id=inv.call_id, from_=our_to, to=inv.get("From"), cseq=101,
                         extra=[("Route", r) for r in route_set])
    fake.send(bye, proxy.addr, first_hop_t)
    bye_ok = fake.wait_response(inv.call_id, method="BYE", timeout=10)
    assert bye_ok.msg.status == 200, f"BYE towards the endpoint got {bye_ok.msg.start_line}"
    assert len(bye_ok.msg.vias()) == 1, f"proxy Via left in the 200 (BYE):\n{bye_ok.describe()}"

    rc = uac.wait()
    assert rc == 0, f"SIPp UAC did not receive the BYE / complete (rc={rc}):\n{uac.report()}"
