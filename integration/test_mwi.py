"""MWI (RFC 3842): a registered endpoint's out-of-dialog SUBSCRIBE with
`Event: message-summary` goes to feature-server-address (Record-Route with
;lr;fs), and the Feature Server's NOTIFY in that dialog reaches the endpoint;
with no feature-server-address it gets 489; an unregistered endpoint's
message-summary SUBSCRIBE goes to the SIP Server like any other request.
"""

from __future__ import annotations

import helpers
from fakes import sipmsg
from fakes.registrar_server import RegistrarPolicy, answer, register_request, wait_request

USER = "1000"


def transact(client, data: bytes, timeout: float = 10.0) -> sipmsg.SipMessage:
    req = sipmsg.parse(data)
    start = len(client.rx.items())
    client.send(data)
    return client.rx.wait_for(
        lambda r: r.msg is not None and r.msg.is_response and r.msg.call_id == req.call_id
        and r.msg.cseq == req.cseq and r.msg.status >= 200,
        timeout=timeout, what=f"the final response to {req.method}", start=start).msg


def start(deploy, fake_server, *, feature_server: bool = True):
    sip_server = fake_server(name="sip-server", on_request=RegistrarPolicy())
    fs = fake_server(name="feature-server") if feature_server else None
    extra = {"feature-server-address": f"127.0.0.1:{fs.port}"} if fs else {}
    proxy = deploy(server_port=sip_server.port, sipproxy_extra=extra)
    return sip_server, fs, proxy


def register(client, proxy, user=USER):
    contact = f"sip:{user}@127.0.0.1:{client.port}"
    ok = transact(client, register_request(client, proxy.hostport, user, contact,
                                           contact_expires_=600))
    assert ok.status == 200, f"REGISTER got {ok.start_line}:\n{client.dump()}"
    return contact


def subscribe(client, proxy, user=USER, event="message-summary"):
    aor = f"sip:{user}@{proxy.hostport}"
    return client.request(
        "SUBSCRIBE", aor, from_=f"<{aor}>;tag={sipmsg.new_tag()}", to=f"<{aor}>",
        contact=f"<sip:{user}@127.0.0.1:{client.port}>",
        extra=[("Event", event), ("Expires", "3600"),
               ("Accept", "application/simple-message-summary")])


def in_dialog_subscribe(client, sub, ok, cseq: int, *, expires: int = 3600,
                        target: str | None = None) -> bytes:
    """A SUBSCRIBE within the dialog of `sub` (answered `ok`): Route = the route set
    of the 200, Request-URI = its Contact (or `target`)."""
    route = [("Route", r) for r in reversed(ok.record_routes())]
    return client.request(
        "SUBSCRIBE", target or sipmsg.uri_of(ok.get("Contact")), call_id=sub.call_id,
        from_=sub.get("From"), to=ok.get("To"), cseq=cseq, contact=sub.get("Contact"),
        extra=route + [("Event", "message-summary"), ("Expires", str(expires))])


def test_mwi_subscribe_to_feature_server_and_notify_back(deploy, fake_server, sip_client):
    sip_server, fs, proxy = start(deploy, fake_server)
    c = sip_client(proxy.addr)
    register(c, proxy)

    data = subscribe(c, proxy)
    sub = sipmsg.parse(data)
    ok = transact(c, data)
    assert ok.status == 200, \
        f"message-summary SUBSCRIBE of a registered endpoint got {ok.start_line}:\n{ok.text}"

    at_fs = fs.wait_request("SUBSCRIBE", lambda m: m.call_id == sub.call_id, timeout=5)
    s = at_fs.msg
    ours = helpers.proxy_record_routes(s, proxy)
    assert ours, f"no Record-Route of the proxy on the SUBSCRIBE:\n{at_fs.describe()}"
    params = sipmsg.uri_params(sipmsg.uri_of(ours[0]))
    assert "lr" in params and "fs" in params, \
        f"the proxy's Record-Route should carry ;lr and ;fs:\n{at_fs.describe()}"
    assert len(s.vias()) == 2 and (s.top_via.host, s.top_via.port) == proxy.addr, \
        at_fs.describe()
    assert not [rx for rx in sip_server.requests("SUBSCRIBE")], \
        f"the MWI SUBSCRIBE also went to the SIP Server:\n{sip_server.dump()}"
    assert ok.to_tag and len(ok.vias()) == 1, ok.text

    # NOTIFY in the dialog: R-URI = the SUBSCRIBE's Contact, Route = the Record-Route.
    route = [("Route", r) for r in s.record_routes()]
    target = sipmsg.uri_of(s.get("Contact"))
    body = "Messages-Waiting: yes\r\nVoice-Message: 2/8 (0/2)\r\n"
    notify = sipmsg.request(
        "NOTIFY", target, via=fs.via(), call_id=s.call_id, from_=ok.get("To"),
        to=s.get("From"), cseq=1, contact=fs.contact(),
        extra=route + [("Event", "message-summary"),
                       ("Subscription-State", "active;expires=3600")],
        body=body, content_type="application/simple-message-summary")
    fs.send(notify, proxy.addr)
    got = wait_request(c, "NOTIFY", lambda m: m.call_id == s.call_id, timeout=5)
    n = got.msg
    assert n.ruri == target, got.describe()
    assert not [r for r in n.routes() if helpers.points_at(r, proxy.addr)], \
        f"the proxy's own Route entry was not removed:\n{got.describe()}"
    assert n.body.decode() == body, got.describe()
    answer(c, n, 200)
    notify_ok = fs.wait_response(s.call_id, method="NOTIFY", final=True, timeout=5)
    assert notify_ok.msg.status == 200, fs.dump()
    assert len(notify_ok.msg.vias()) == 1, notify_ok.describe()


def test_mwi_without_feature_server_gets_489(deploy, fake_server, sip_client):
    sip_server, _, proxy = start(deploy, fake_server, feature_server=False)
    c = sip_client(proxy.addr)
    register(c, proxy)
    data = subscribe(c, proxy)
    resp = transact(c, data)
    assert resp.status == 489, f"expected 489 Bad Event, got {resp.start_line}:\n{resp.text}"
    helpers.barrier(proxy, sip_server)
    cid = sipmsg.parse(data).call_id
    assert not [rx for rx in sip_server.requests("SUBSCRIBE") if rx.msg.call_id == cid], \
        f"the SUBSCRIBE reached the SIP Server:\n{sip_server.dump()}"


def test_unregistered_mwi_subscribe_goes_to_sip_server(deploy, fake_server, sip_client):
    sip_server, fs, proxy = start(deploy, fake_server)
    c = sip_client(proxy.addr)
    data = subscribe(c, proxy, user="2000")
    cid = sipmsg.parse(data).call_id
    resp = transact(c, data)
    assert resp.status == 200, resp.text
    at = sip_server.wait_request("SUBSCRIBE", lambda m: m.call_id == cid, timeout=5)
    ours = helpers.proxy_record_routes(at.msg, proxy)
    assert ours and "sps" in sipmsg.uri_params(sipmsg.uri_of(ours[0])), at.describe()
    assert not fs.requests("SUBSCRIBE"), f"went to the Feature Server:\n{fs.dump()}"


def test_registered_non_mwi_subscribe_goes_to_sip_server(deploy, fake_server, sip_client):
    sip_server, fs, proxy = start(deploy, fake_server)
    c = sip_client(proxy.addr)
    register(c, proxy)
    data = subscribe(c, proxy, event="presence")
    cid = sipmsg.parse(data).call_id
    assert transact(c, data).status == 200
    sip_server.wait_request("SUBSCRIBE", lambda m: m.call_id == cid, timeout=5)
    assert not fs.requests("SUBSCRIBE"), f"went to the Feature Server:\n{fs.dump()}"


def test_mwi_in_dialog_resubscribe_goes_to_feature_server(deploy, fake_server, sip_client):
    """Refresh / un-SUBSCRIBE (Expires: 0) within the MWI dialog: R-URI = the
    Feature Server's Contact, Route = the route set from the 200; it must reach
    the Feature Server, not the SIP Server."""
    sip_server, fs, proxy = start(deploy, fake_server)
    c = sip_client(proxy.addr)
    register(c, proxy)
    data = subscribe(c, proxy)
    sub = sipmsg.parse(data)
    ok = transact(c, data)
    assert ok.status == 200, ok.text
    assert ok.record_routes(), f"the 200 carries no Record-Route:\n{ok.text}"
    target = sipmsg.uri_of(ok.get("Contact"))
    again = in_dialog_subscribe(c, sub, ok, 2, expires=0)
    resp = transact(c, again)
    assert resp.status == 200, f"in-dialog SUBSCRIBE got {resp.start_line}:\n{resp.text}"
    at_fs = fs.wait_request("SUBSCRIBE", lambda m: m.call_id == sub.call_id and m.cseq[0] == 2,
                            timeout=5)
    assert at_fs.msg.ruri == target, at_fs.describe()
    assert not [r for r in at_fs.msg.routes() if helpers.points_at(r, proxy.addr)], \
        at_fs.describe()
    assert not sip_server.requests("SUBSCRIBE"), \
        f"the MWI dialog's SUBSCRIBE went to the SIP Server:\n{sip_server.dump()}"
