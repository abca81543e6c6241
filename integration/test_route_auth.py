"""The proxy's own Route parameters are authenticated, and who counts as a SIP
Server, the Feature Server or a pool instance is decided from what an endpoint
cannot share.  Every test plays the attacker with raw datagrams or a TCP
connection against a real sipproxyd:

* `Route: <sip:PROXY;lr;fs>` (or that URI as the Request-URI with the target
  in a Route, the strict-router fix-up) used to make the proxy send the request
  to any host and port the Request-URI named, over UDP or a new TCP
  connection.  Now our parameters count only with a valid `sig` (a SipHash MAC
  keyed by route-secret): the forged Route is removed and ignored, and the
  request goes where an endpoint's requests go, the serving SIP Server.
* A genuine, signed `fs` Record-Route of one's own MWI dialog, replayed with
  another target, gets 403: the Feature Server dialog reaches only its host.
* A phone on the Feature Server's host, over TCP, is not the Feature Server; one on
  a SIP Server's host is not that SIP Server (it cannot reach registered phones
  directly, past the SIP Server).
* An endpoint cannot name a pool instance's host with another port in a Route.
"""

from __future__ import annotations

import socket

import pytest

import helpers
import mgmt_util as mu
from fakes import sipmsg
from test_mwi import register, start, subscribe, transact


def udp_sink() -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(0.5)
    return s


def tcp_sink() -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(4)
    s.settimeout(0.5)
    return s


def nothing_arrives(sink: socket.socket) -> str | None:
    """What reached the victim (None: nothing).  Called once the request has
    been handled, so anything relayed would already be there."""
    try:
        if sink.type == socket.SOCK_STREAM:
            conn, _ = sink.accept()
            conn.settimeout(0.5)
            with conn:
                try:
                    return "a TCP connection: " + conn.recv(65535).decode(errors="replace")
                except (TimeoutError, socket.timeout):
                    return "a TCP connection"
        return sink.recv(65535).decode(errors="replace")
    except (TimeoutError, socket.timeout):
        return None


def forged_routes(proxy: helpers.Deployment) -> int:
    """The proxy's count of requests whose Route parameters failed their MAC."""
    doc = mu.ctl("status", target=mu.mgmt_target(proxy), as_json=True).json()
    return doc["counters"]["forged_routes"]


def victim_uri(sink: socket.socket) -> str:
    t = ";transport=tcp" if sink.type == socket.SOCK_STREAM else ""
    return f"sip:victim@127.0.0.1:{sink.getsockname()[1]}{t}"


@pytest.mark.parametrize("victim_transport", ["UDP", "TCP"])
@pytest.mark.parametrize("shape", ["loose", "strict"])
@pytest.mark.parametrize("params", ["fs", "sps=0;spm=p;dn=1000", "fs;sig=0123456789abcdef"])
def test_forged_route_parameters_do_not_relay(shape, params, victim_transport, deploy, fake_server,
                                              sip_client):
    fake = fake_server()
    proxy = deploy(server_port=fake.port)
    c = sip_client(proxy.addr)
    sink = udp_sink() if victim_transport == "UDP" else tcp_sink()
    try:
        target = victim_uri(sink)
        forged = f"sip:{proxy.hostport};lr;{params}"
        if shape == "loose":
            data = c.request("MESSAGE", target, to=f"<{target}>", extra=[("Route", f"<{forged}>")])
        else:  # the proxy's URI as Request-URI, the target last in Route (RFC 3261 §16.4)
            data = c.request("MESSAGE", forged, to=f"<{target}>", extra=[("Route", f"<{target}>")])
        cid = sipmsg.parse(data).call_id
        c.send(data)
        # Ignored parameters: the forged Route is only a loose route to the proxy, and
        # the request goes where every endpoint request goes, the serving SIP Server.
        at_server = fake.wait_request("MESSAGE", lambda m: m.call_id == cid, timeout=5)
        assert not [r for r in at_server.msg.routes() if helpers.points_at(r, proxy.addr)], \
            at_server.describe()
        got = nothing_arrives(sink)
        assert got is None, f"relayed to {target} by a forged ;{params}:\n{got}"
        assert forged_routes(proxy) == 1
    finally:
        sink.close()


def test_signed_feature_server_route_reaches_only_the_feature_server(deploy, fake_server,
                                                                     sip_client):
    sip_server, fs, proxy = start(deploy, fake_server)
    c = sip_client(proxy.addr)
    register(c, proxy)
    data = subscribe(c, proxy)
    sub = sipmsg.parse(data)
    ok = transact(c, data)
    assert ok.status == 200, ok.text
    rr = ok.record_routes()
    ours = helpers.proxy_record_routes(ok, proxy)
    assert ours and "sig=" in ours[0], f"the Record-Route is not signed: {rr}"
    sink = udp_sink()
    try:
        target = victim_uri(sink)
        # The endpoint's own, genuine Route set, with another target.
        again = c.request("SUBSCRIBE", target, call_id=sub.call_id, from_=sub.get("From"),
                          to=ok.get("To"), cseq=2,
                          extra=[("Route", r) for r in reversed(rr)] +
                          [("Event", "message-summary"), ("Expires", "3600")])
        resp = transact(c, again)
        assert resp.status == 403, resp.text
        got = nothing_arrives(sink)
        assert got is None, f"relayed through the Feature Server dialog's Route:\n{got}"
        # The dialog itself still works: the same Route set to the Feature Server's contact.
        refresh = c.request("SUBSCRIBE", sipmsg.uri_of(fs.contact()), call_id=sub.call_id,
                            from_=sub.get("From"), to=ok.get("To"), cseq=3,
                            extra=[("Route", r) for r in reversed(rr)] +
                            [("Event", "message-summary"), ("Expires", "3600")])
        assert transact(c, refresh).status == 200
        fs.wait_request("SUBSCRIBE", lambda m: m.call_id == sub.call_id and m.cseq[0] == 3,
                        timeout=5)
    finally:
        sink.close()


def test_tampered_signed_route_is_ignored(deploy, fake_server, sip_client):
    """Changing one signed parameter (sps=0 to fs) voids the MAC."""
    fake = fake_server()
    proxy = deploy(server_port=fake.port)
    c = sip_client(proxy.addr)
    inv = c.request("INVITE", f"sip:2000@{proxy.hostport}")
    icid = sipmsg.parse(inv).call_id
    c.send(inv)
    got = fake.wait_request("INVITE", lambda m: m.call_id == icid, timeout=5)
    rr = helpers.proxy_record_routes(got.msg, proxy)[0]
    uri = sipmsg.uri_of(rr)
    assert "sig=" in uri and "sps=0" in uri, rr
    tampered = uri.replace("sps=0", "fs")
    sink = udp_sink()
    try:
        target = victim_uri(sink)
        data = c.request("MESSAGE", target, to=f"<{target}>", extra=[("Route", f"<{tampered}>")])
        cid = sipmsg.parse(data).call_id
        c.send(data)
        fake.wait_request("MESSAGE", lambda m: m.call_id == cid, timeout=5)
        got = nothing_arrives(sink)
        assert got is None, f"relayed with a tampered Route {tampered}:\n{got}"
        # The genuine Route of the INVITE's dialog verified; only the tampered one counts.
        assert forged_routes(proxy) == 1
    finally:
        sink.close()


def test_phone_on_the_feature_servers_host_is_not_the_feature_server(deploy, fake_server,
                                                                     sip_client):
    sip_server, fs, proxy = start(deploy, fake_server)
    phone = sip_client(proxy.addr, "TCP")  # same host as the Feature Server, its own port
    sink = udp_sink()
    try:
        target = victim_uri(sink)
        data = phone.request("MESSAGE", target, to=f"<{target}>")
        cid = sipmsg.parse(data).call_id
        phone.send(data)
        sip_server.wait_request("MESSAGE", lambda m: m.call_id == cid, timeout=5)
        got = nothing_arrives(sink)
        assert got is None, f"a TCP phone on the Feature Server's host was trusted:\n{got}"
    finally:
        sink.close()


def test_phone_on_the_sip_servers_host_is_not_the_sip_server(deploy, fake_server, sip_client):
    """A TCP phone on the SIP Server's address (127.0.0.1, its own port): were it taken
    for the SIP Server by address alone, its INVITE to a registered AOR would go
    straight to that phone. It goes to the SIP Server, as any endpoint's does."""
    sip_server, _, proxy = start(deploy, fake_server, feature_server=False)
    victim = sip_client(proxy.addr)
    register(victim, proxy, user="2000")
    phone = sip_client(proxy.addr, "TCP")
    data = phone.request("INVITE", f"sip:2000@{proxy.hostport}")
    cid = sipmsg.parse(data).call_id
    phone.send(data)
    sip_server.wait_request("INVITE", lambda m: m.call_id == cid, timeout=5)
    assert not [rx for rx in victim.rx.items()
                if rx.msg is not None and rx.msg.call_id == cid], \
        f"a TCP phone on the SIP Server's host reached the registered phone:\n{victim.dump()}"


def test_route_to_a_pool_hosts_other_port_is_refused(deploy, fake_server, sip_client):
    fake = fake_server()
    port, mgmt, peer_port = helpers.free_port(), helpers.free_port(), helpers.free_port()
    text = helpers.render_config(proxy_port=port, mgmt_port=mgmt,
                                 primary=f"127.0.0.1:{fake.port}").replace(
        "sipproxy-applications = SIPProxy_1", "sipproxy-applications = SIPProxy_1,SIPProxy_2")
    text += (f"\n[SIPProxy_2]\ntype = sip-proxy\nhost = 127.0.0.1\nsip-port = {peer_port}\n"
             f"mgmt-port = {helpers.free_port()}\n")
    proxy = deploy(proxy_port=port, mgmt_port=mgmt, config_text=text)
    c = sip_client(proxy.addr)
    sink = tcp_sink()
    try:
        target = victim_uri(sink)
        data = c.request("MESSAGE", f"sip:2000@{proxy.hostport}",
                         extra=[("Route", f"<{target.replace('victim@', '')};lr>")])
        resp = c.transact(data, timeout=5)
        assert resp.status == 403, resp.text
        got = nothing_arrives(sink)
        assert got is None, f"an endpoint reached another port of a pool host:\n{got}"
    finally:
        sink.close()
