"""The DN in Record-Route is used (the seed's Route and Record-Route: in-dialog
requests go "to the specified SIP Proxy and SIP Server index, or SIP Proxy uses
the DN name to determine the correct destination").

The proxy's Record-Route carries the pair's index (sps), its application name
(spn) and the DN (dn), all under the route MAC.  When the pair at the recorded
index is not the dialog's pair any more, an endpoint's in-dialog request still
reaches the right SIP Server:

* the deployment file changed and the instance restarted (`applications`
  takes effect after restart, as the seed says): pairs swapped, or one removed
  before the dialog's pair, so the index now names another pair -> the pair of
  the recorded name;
* the pair is not configured at all on the instance that receives the request
  (a second instance of the pool with another deployment file, where the index
  names another pair) -> the pair that serves the DN (the one that accepted
  the DN's REGISTER, replicated by the pool);
* nothing names a configured pair -> 481 (RFC 3261 §12.2.2), and no SIP Server
  gets the request.

Real sipproxyd processes and fake SIP Servers on loopback; every wait bounded.
"""

from __future__ import annotations

import time

import ha
import helpers
import mgmt_util as mu
from fakes import sipmsg
from fakes.registrar_server import RegistrarPolicy, register_request
from test_pool import pool, shared_storage, wait_all_linked  # noqa: F401 (fixtures)

SECRET = "00112233445566778899aabbccddeeff"
CONVERGE = 10.0


def cluster_text(proxy, pairs: list[ha.Pair]) -> str:
    return ha.render_cluster_config(
        proxy_port=proxy.proxy_port, mgmt_port=proxy.mgmt_port, pairs=pairs,
        sipproxy_extra={"oos-check": 0, "route-secret": SECRET})


def restart_with(proxy, pairs: list[ha.Pair]) -> None:
    """The deployment file rewritten with these pairs, the instance restarted."""
    assert proxy.stop() == 0, proxy.report()
    proxy.config_text = cluster_text(proxy, pairs)
    proxy.start()


def bye_lands(d: ha.Dialog, fakes) -> tuple[sipmsg.SipMessage, list[str]]:
    """Send BYE in the dialog; (its final response, the fakes that got it)."""
    resp = d.bye(timeout=10)
    return resp, ha.where(fakes, "BYE", d.call_id)


def test_dialogs_keep_their_pair_when_a_restart_renumbers_the_pairs(deploy, fake_server,
                                                                     sip_client):
    x, y = fake_server(name="X"), fake_server(name="Y")
    pairs = [ha.Pair("SIPServer_X", x), ha.Pair("SIPServer_Y", y)]
    proxy = ha.deploy_cluster(deploy, pairs, sipproxy_extra={"oos-check": 0,
                                                             "route-secret": SECRET})
    c = sip_client(proxy.addr)
    d1, d2 = ha.establish(c), ha.establish(c)
    on = {d.call_id: ha.where([x, y], "INVITE", d.call_id) for d in (d1, d2)}
    assert sorted(on.values()) == [["X"], ["Y"]], f"round-robin should use both pairs: {on}"
    rr = sipmsg.uri_params(sipmsg.uri_of(d1.ok.record_routes()[0]))
    assert rr.get("spn") and rr.get("sps") is not None and rr.get("dn"), \
        f"the Record-Route should carry sps, spn and dn: {d1.ok.record_routes()}"

    # Swapped in the file: each dialog's index now names the other pair.
    restart_with(proxy, [pairs[1], pairs[0]])
    for d in (d1, d2):
        resp, got = bye_lands(d, [x, y])
        assert resp.status == 200, resp.text
        assert got == on[d.call_id], \
            f"BYE of a dialog set up with {on[d.call_id]} went to {got} after the renumbering"


def test_pair_removed_before_the_dialogs_pair(deploy, fake_server, sip_client):
    """X removed, Y moves from index 1 to 0 and a new pair W takes index 1: Y's
    dialog still reaches Y; X's dialog (its pair gone, no session or DN here
    after the restart) gets 481 and reaches no SIP Server."""
    x, y, w = fake_server(name="X"), fake_server(name="Y"), fake_server(name="W")
    pairs = [ha.Pair("SIPServer_X", x), ha.Pair("SIPServer_Y", y)]
    proxy = ha.deploy_cluster(deploy, pairs, sipproxy_extra={"oos-check": 0,
                                                             "route-secret": SECRET})
    c = sip_client(proxy.addr)
    dialogs = [ha.establish(c), ha.establish(c)]
    by_pair = {ha.where([x, y], "INVITE", d.call_id)[0]: d for d in dialogs}
    assert set(by_pair) == {"X", "Y"}, by_pair

    restart_with(proxy, [ha.Pair("SIPServer_Y", y), ha.Pair("SIPServer_W", w)])
    resp, got = bye_lands(by_pair["Y"], [x, y, w])
    assert resp.status == 200 and got == ["Y"], f"BYE of Y's dialog: {resp.start_line}, at {got}"
    resp, got = bye_lands(by_pair["X"], [x, y, w])
    assert resp.status == 481, \
        f"BYE of a dialog whose pair is no longer configured got {resp.start_line}:\n{resp.text}"
    assert got == [], f"BYE of a dialog whose pair is gone reached {got}"


def test_instance_without_the_dialogs_pair_routes_by_the_dn(pool, fake_server, sip_client):
    """Instance 1 has pairs X, Y; instance 2 has X, W (its index 1 is W, and it
    does not know Y).  DN 1001 registers through instance 1 (accepted by X),
    then calls through instance 1 (set up with Y, sps=1).  Its BYE, sent to
    instance 2, goes to X: the pair that serves the DN, as the pool replicated it;
    not to W, which instance 2's index 1 would name."""
    x = fake_server(name="X", on_request=RegistrarPolicy())
    y = fake_server(name="Y", on_request=RegistrarPolicy())
    w = fake_server(name="W", on_request=RegistrarPolicy())

    def text(names: list[tuple[str, object]]) -> str:
        lines = ["[sipproxy]", "sipproxy-role = 0",
                 "applications = " + ",".join(n for n, _ in names),
                 "sipproxy-applications = SIPProxy_1,SIPProxy_2", "oos-check = 0",
                 f"route-secret = {SECRET}", "send-data-timeout = 20",
                 "wait-response-timeout = 1", ""]
        for i in (1, 2):
            lines += [f"[SIPProxy_{i}]", "type = sip-proxy", f"host = 127.0.0.{i}",
                      f"sip-address = 127.0.0.{i}", "sip-port = {sip_port}",
                      f"mgmt-address = 127.0.0.{i}", f"mgmt-port = {{mgmt{i}}}", ""]
        for n, f in names:
            lines += [f"[{n}]", "type = sip-server", f"primary = 127.0.0.1:{f.port}", ""]
        return "\n".join(lines)

    _, (i1, i2) = pool(n=2, texts={1: text([("SIPServer_X", x), ("SIPServer_Y", y)]),
                                   2: text([("SIPServer_X", x), ("SIPServer_W", w)])})
    wait_all_linked([i1, i2])

    c1 = sip_client(i1.addr)
    reg = register_request(c1, i1.hostport, "1001", f"sip:1001@127.0.0.1:{c1.port}",
                           contact_expires_=600)
    ok = c1.transact(reg, timeout=10)
    assert ok.status == 200, ok.text
    assert ha.where([x, y, w], "REGISTER", sipmsg.parse(reg).call_id) == ["X"], \
        "the first new request of instance 1 (round-robin) should go to X"

    invite = c1.request("INVITE", "sip:bob@127.0.0.1",
                        from_=f"<sip:1001@{i1.hostport}>;tag={sipmsg.new_tag()}",
                        body=sipmsg.SDP, content_type="application/sdp")
    c1.send(invite)
    final = ha.final_for(c1, invite, timeout=10)
    assert final.status == 200, final.text
    d = ha.Dialog(c1, invite, final)
    d.ack()
    assert ha.where([x, y, w], "INVITE", d.call_id) == ["Y"], \
        "the second new request of instance 1 (round-robin) should go to Y"
    rr = sipmsg.uri_params(sipmsg.uri_of(final.record_routes()[0]))
    assert rr.get("sps") == "1" and rr.get("spn") == "SIPServer_Y" and rr.get("dn") == "1001", \
        final.record_routes()

    # Instance 2 holds the DN's pair once the pool has replicated it (by name).
    deadline = time.monotonic() + CONVERGE
    while mu.ctl("dialogs", target=i2.mgmt, as_json=True).json()["sessions"] < 2:
        assert time.monotonic() < deadline, \
            f"the sessions did not reach SIPProxy_2:\n{helpers.tail(i2.log_path, 30)}"
        time.sleep(0.05)

    c2 = sip_client(i2.addr, name="client-2")
    d.c = c2
    resp, got = bye_lands(d, [x, y, w])
    assert resp.status == 200, resp.text
    assert got == ["X"], f"BYE through the instance that does not know Y went to {got}"


def test_a_call_id_cannot_read_or_write_a_dns_pair(deploy, fake_server, sip_client):
    """The pair of DN 1001 is kept in the session table under a key no Call-ID
    is (';' is not in RFC 3261's Call-ID grammar).  An endpoint whose INVITE
    carries that key as its Call-ID is load-balanced like any new call: its
    INVITE is not steered to the DN's pair (X, which took the REGISTER), and
    the round-robin's next pick (Y) takes it."""
    x = fake_server(name="X", on_request=RegistrarPolicy())
    y = fake_server(name="Y", on_request=RegistrarPolicy())
    proxy = ha.deploy_cluster(deploy, [ha.Pair("SIPServer_X", x), ha.Pair("SIPServer_Y", y)],
                              sipproxy_extra={"oos-check": 0, "route-secret": SECRET})
    c = sip_client(proxy.addr)
    reg = register_request(c, proxy.hostport, "1001", f"sip:1001@127.0.0.1:{c.port}",
                           contact_expires_=600)
    assert c.transact(reg, timeout=10).status == 200
    assert ha.where([x, y], "REGISTER", sipmsg.parse(reg).call_id) == ["X"]
    forged, final = ha.invite_final(c, call_id="dn;1001")
    assert final.status == 200, final.text
    assert ha.where([x, y], "INVITE", forged) == ["Y"], \
        "an INVITE whose Call-ID is a DN's key was routed by the DN's entry"
