"""Requests the proxy must answer itself instead of forwarding (RFC 3261 §16.3):
483 Too Many Hops, 482 Loop Detected, 420 Bad Extension (+ Unsupported),
416 Unsupported URI Scheme, 403 for open relay, and 200 to OPTIONS addressed
to the proxy itself."""

from __future__ import annotations

import pytest

import helpers
from fakes import sipmsg
from fakes.sip_server import BOUNCE


@pytest.fixture
def setup(deploy, fake_server, sip_client):
    fake = fake_server()
    proxy = deploy(server_port=fake.port)
    return proxy, fake, sip_client(proxy.addr)


def _not_forwarded(proxy, fake, call_id):
    helpers.barrier(proxy, fake)
    got = [rx for rx in fake.rx.items() if rx.msg is not None and rx.msg.call_id == call_id]
    assert not got, ("the proxy answered the request itself but also forwarded it to the "
                     "SIP Server:\n" + "\n".join(rx.describe() for rx in got))


def _final(c, req_bytes, timeout=5.0):
    req = sipmsg.parse(req_bytes)
    resp = c.transact(req_bytes, timeout=timeout)
    assert len(resp.vias()) == 1 and resp.branch == req.branch, \
        f"response must carry exactly the client's Via:\n{resp.text}"
    assert resp.call_id == req.call_id and resp.cseq == req.cseq, resp.text
    return req, resp


@pytest.mark.parametrize("method", ["INVITE", "MESSAGE", "OPTIONS"])
def test_max_forwards_zero_is_483(method, setup):
    proxy, fake, c = setup
    req, resp = _final(c, c.request(method, "sip:bob@127.0.0.1", max_forwards=0))
    assert resp.status == 483, f"Max-Forwards: 0 on {method} got {resp.start_line}, want 483"
    _not_forwarded(proxy, fake, req.call_id)


@pytest.mark.parametrize("transport", ["UDP", "TCP"])
def test_options_to_proxy_itself_is_200(transport, deploy, fake_server, sip_client):
    fake = fake_server()
    proxy = deploy(server_port=fake.port)
    c = sip_client(proxy.addr, transport)
    req, resp = _final(c, c.request("OPTIONS", f"sip:{proxy.hostport}"))
    assert resp.status == 200, f"OPTIONS to the proxy got {resp.start_line}:\n{resp.text}"
    assert resp.has("Allow"), f"200 to OPTIONS must list Allow:\n{resp.text}"
    allowed = {a.strip().upper() for a in resp.values("Allow")}
    assert {"INVITE", "ACK", "CANCEL", "BYE", "OPTIONS"} <= allowed, f"Allow: {sorted(allowed)}"
    assert resp.to_tag, f"final response from the proxy should have a To-tag:\n{resp.text}"
    _not_forwarded(proxy, fake, req.call_id)


def test_options_to_proxy_with_max_forwards_zero_is_200(setup):
    proxy, fake, c = setup
    req, resp = _final(c, c.request("OPTIONS", f"sip:{proxy.hostport}", max_forwards=0))
    assert resp.status == 200, \
        f"OPTIONS to the proxy itself with Max-Forwards: 0 got {resp.start_line}, want 200"
    _not_forwarded(proxy, fake, req.call_id)


def test_loop_serving_server_is_proxy_itself_482(deploy, sip_client, port):
    p = port()
    proxy = deploy(proxy_port=p, primary=f"127.0.0.1:{p}")
    c = sip_client(proxy.addr)
    # Request-URI at a port where nothing listens: without loop detection the
    # request would end up there (or bounce until Max-Forwards runs out: 483).
    _, resp = _final(c, c.request("INVITE", f"sip:bob@127.0.0.1:{port()}"), timeout=10)
    assert resp.status == 482, f"looping INVITE got {resp.start_line}, want 482 Loop Detected"


def test_loop_server_bounces_request_482(deploy, fake_server, sip_client, port):
    fake = fake_server(invite=BOUNCE)
    proxy = deploy(server_port=fake.port)
    c = sip_client(proxy.addr)
    _, resp = _final(c, c.request("INVITE", f"sip:bob@127.0.0.1:{port()}"), timeout=10)
    assert resp.status == 482, \
        f"INVITE bounced back unchanged by the server got {resp.start_line}, want 482"


@pytest.mark.parametrize("method", ["INVITE", "OPTIONS"])
def test_proxy_require_unknown_is_420(method, setup):
    proxy, fake, c = setup
    req, resp = _final(c, c.request(method, "sip:bob@127.0.0.1",
                                    extra=[("Proxy-Require", "foo")]))
    assert resp.status == 420, f"Proxy-Require: foo got {resp.start_line}, want 420"
    unsupported = [u.lower() for u in resp.values("Unsupported")]
    assert "foo" in unsupported, f"420 must list 'Unsupported: foo':\n{resp.text}"
    _not_forwarded(proxy, fake, req.call_id)


@pytest.mark.parametrize("method,ruri", [
    ("INVITE", "tel:+15551234567"),
    ("MESSAGE", "http://example.com/x"),
], ids=["tel", "http"])
def test_unsupported_uri_scheme_is_416(method, ruri, setup):
    proxy, fake, c = setup
    req, resp = _final(c, c.request(method, ruri, to="<sip:bob@127.0.0.1>"))
    assert resp.status == 416, f"Request-URI {ruri} got {resp.start_line}, want 416"
    _not_forwarded(proxy, fake, req.call_id)


@pytest.mark.parametrize("routes", ["foreign", "ours-then-foreign"])
@pytest.mark.parametrize("method", ["INVITE", "MESSAGE"])
def test_open_relay_is_403(method, routes, setup):
    proxy, fake, c = setup
    foreign = "<sip:127.0.0.1:9;lr>"
    route = [foreign] if routes == "foreign" else [f"<sip:{proxy.hostport};lr>", foreign]
    req, resp = _final(c, c.request(method, "sip:bob@127.0.0.1:9",
                                    extra=[("Route", r) for r in route]))
    assert resp.status == 403, \
        f"{method} from an unknown source with next hop 127.0.0.1:9 got {resp.start_line}, want 403"
    _not_forwarded(proxy, fake, req.call_id)


def test_route_to_configured_server_is_forwarded(setup):
    """The 403 rule is about foreign next hops only: a Route naming the
    configured SIP Server is fine."""
    proxy, fake, c = setup
    req_bytes = c.request("MESSAGE", "sip:bob@127.0.0.1",
                          extra=[("Route", f"<sip:{fake.address};lr>")])
    req, resp = _final(c, req_bytes)
    assert resp.status == 200, f"MESSAGE routed to the SIP Server got {resp.start_line}"
    fake.wait_request("MESSAGE", lambda m: m.call_id == req.call_id)
