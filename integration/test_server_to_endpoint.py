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
