"""Feature Servers, plural (the seed: "load balancing of incoming traffic across
SIP Servers and Feature Servers ... random or round-robin"; "SIP Proxy does
not support the retransmission of SUBSCRIBE messages to another destination in
case of destination failure").

feature-server-address lists two fake Feature Servers.  A registered
endpoint's message-summary SUBSCRIBEs:

* are balanced over both (round-robin), each Record-Route naming its server
  (a signed `fs=host:port`);
* go only to the live one once the other is killed (-9) and its OPTIONS probes
  go unanswered; `sipproxyctl servers` and `status` show each one's state;
* stay on their server when refreshed within the dialog, and a refresh that
  names the other server as its target is refused (403);
* are never sent to the other server when theirs answers 503 or cannot be
  reached;
* follow a SIGHUP that changes the list (the option takes effect immediately).

A malformed list stops the daemon with 40003 naming the file, line and the
valid values.  Real sipproxyd processes, fakes on loopback, bounded waits.
"""

from __future__ import annotations

import re
import signal
import time

import helpers
import mgmt_util as mu
from fakes import sipmsg
from fakes.registrar_server import RegistrarPolicy
from fakes.sip_server_process import SipServerProcess
from test_mwi import in_dialog_subscribe, register, subscribe, transact
from test_sipprobe import probe_json, sipprobe_bin  # noqa: F401 (fixture)

PROBE_BOUND = 15.0   # oos-check 1: two unanswered probes, with a wide margin


def start(deploy, fake_server, fs_addresses: list[str], **proxy_extra):
    sip_server = fake_server(name="sip-server", on_request=RegistrarPolicy())
    opts = {"feature-server-address": ",".join(fs_addresses)}
    proxy = deploy(server_port=sip_server.port, sipproxy_extra=opts, proxy_extra=proxy_extra)
    return sip_server, proxy


def fs_param(msg: sipmsg.SipMessage, proxy) -> str | None:
    ours = helpers.proxy_record_routes(msg, proxy)
    assert ours, f"no Record-Route of the proxy:\n{msg.text}"
    return sipmsg.uri_params(sipmsg.uri_of(ours[0])).get("fs")


def new_subscription(c, proxy) -> tuple[sipmsg.SipMessage, sipmsg.SipMessage]:
    """A new message-summary SUBSCRIBE and its final response."""
    data = subscribe(c, proxy)
    return sipmsg.parse(data), transact(c, data)


def feature_servers(proxy) -> list[dict]:
    r = mu.ctl("servers", target=f"127.0.0.1:{proxy.mgmt_port}", as_json=True)
    assert r.rc == 0, str(r)
    return r.json()["feature_servers"]


def wait_state(proxy, address: str, state: str, timeout: float = PROBE_BOUND) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        now = feature_servers(proxy)
        if any(f["address"] == address and f["state"] == state for f in now):
            return now
        if time.monotonic() >= deadline:
            raise AssertionError(f"Feature Server {address} not {state} within {timeout}s: "
                                 f"{now}\n{helpers.tail(proxy.log_path, 30)}")
        time.sleep(0.1)


def test_new_subscriptions_are_balanced_over_the_feature_servers(deploy, fake_server,
                                                                 sip_client):
    fs1, fs2 = fake_server(name="fs1"), fake_server(name="fs2")
    _, proxy = start(deploy, fake_server, [fs1.address, fs2.address])
    c = sip_client(proxy.addr)
    register(c, proxy)
    at: dict[str, list[str]] = {"fs1": [], "fs2": []}
    for _ in range(4):
        sub, ok = new_subscription(c, proxy)
        assert ok.status == 200, ok.text
        got = [f for f in (fs1, fs2) if f.requests("SUBSCRIBE")
               and any(rx.msg.call_id == sub.call_id for rx in f.requests("SUBSCRIBE"))]
        assert len(got) == 1, f"SUBSCRIBE {sub.call_id} reached {[f.name for f in got]}"
        f = got[0]
        at[f.name].append(sub.call_id)
        rx = f.wait_request("SUBSCRIBE", lambda m: m.call_id == sub.call_id, timeout=5)
        assert fs_param(rx.msg, proxy) == f.address, \
            f"the Record-Route should name {f.address} as the dialog's Feature Server:\n" \
            f"{rx.describe()}"
    assert len(at["fs1"]) == 2 and len(at["fs2"]) == 2, f"round-robin over two servers: {at}"


def test_killed_feature_server_gets_no_new_subscriptions(deploy, fake_server, sip_client,
                                                         tmp_path):
    fs1 = SipServerProcess(helpers.free_port(), tmp_path / "fs1.jsonl", name="fs1").start()
    try:
        fs2 = fake_server(name="fs2")
        _, proxy = start(deploy, fake_server, [fs1.address, fs2.address],
                         **{"oos-check": 1, "oos-force": 1})
        wait_state(proxy, fs1.address, "active")
        states = {f["address"]: f for f in feature_servers(proxy)}
        assert list(states) == [fs1.address, fs2.address], states
        deadline = time.monotonic() + PROBE_BOUND
        while states[fs1.address]["probes_answered"] < 1:
            assert time.monotonic() < deadline, f"fs1 never answered a probe: {states}"
            time.sleep(0.1)
            states = {f["address"]: f for f in feature_servers(proxy)}

        c = sip_client(proxy.addr)
        register(c, proxy)
        fs1.kill()
        wait_state(proxy, fs1.address, "out-of-service")
        status = mu.ctl("status", target=f"127.0.0.1:{proxy.mgmt_port}", as_json=True).json()
        assert {f["address"]: f["state"] for f in status["feature_servers"]} == \
            {fs1.address: "out-of-service", fs2.address: "active"}, status["feature_servers"]
        text = mu.ctl("servers", target=f"127.0.0.1:{proxy.mgmt_port}").out
        assert re.search(rf"Feature Server .*{re.escape(fs1.address)}\s+out-of-service", text), \
            text

        for _ in range(4):
            sub, ok = new_subscription(c, proxy)
            assert ok.status == 200, ok.text
            assert fs2.requests("SUBSCRIBE") and any(
                rx.msg.call_id == sub.call_id for rx in fs2.requests("SUBSCRIBE")), \
                f"SUBSCRIBE {sub.call_id} did not go to the live Feature Server"
        assert not [r for r in fs1.received() if r.get("method") == "SUBSCRIBE"], fs1.dump()
    finally:
        fs1.stop()


def test_refresh_stays_on_its_feature_server(deploy, fake_server, sip_client):
    fs1, fs2 = fake_server(name="fs1"), fake_server(name="fs2")
    _, proxy = start(deploy, fake_server, [fs1.address, fs2.address])
    c = sip_client(proxy.addr)
    register(c, proxy)
    dialogs = []
    for _ in range(2):
        sub, ok = new_subscription(c, proxy)
        assert ok.status == 200, ok.text
        home = next(f for f in (fs1, fs2)
                    if any(rx.msg.call_id == sub.call_id for rx in f.requests("SUBSCRIBE")))
        dialogs.append((sub, ok, home))
    assert {h.name for _, _, h in dialogs} == {"fs1", "fs2"}, "one subscription on each"

    for n, (sub, ok, home) in enumerate(dialogs):
        other = fs2 if home is fs1 else fs1
        resp = transact(c, in_dialog_subscribe(c, sub, ok, 2))
        assert resp.status == 200, f"refresh got {resp.start_line}:\n{resp.text}"
        home.wait_request("SUBSCRIBE", lambda m: m.call_id == sub.call_id and m.cseq[0] == 2,
                          timeout=5)
        assert not [rx for rx in other.requests("SUBSCRIBE") if rx.msg.call_id == sub.call_id], \
            f"the refresh of a subscription on {home.name} reached {other.name}"

        # The same route set with the other server as target: the dialog cannot move.
        moved = in_dialog_subscribe(c, sub, ok, 3, target=f"sip:{other.host}:{other.port}")
        resp = transact(c, moved)
        assert resp.status == 403, f"a refresh aimed at the other Feature Server got " \
                                   f"{resp.start_line}:\n{resp.text}"
        # Refused in the routing decision: nothing was forwarded for it.
        assert not [rx for rx in other.requests("SUBSCRIBE") if rx.msg.call_id == sub.call_id], \
            f"subscription {n} moved to {other.name}"


def test_failed_subscribe_is_not_retried_on_the_other_feature_server(deploy, fake_server,
                                                                     sip_client):
    """fs1 answers SUBSCRIBE 503, then is stopped (unreachable); oos-check 0, so
    it stays in the rotation: the SUBSCRIBEs it gets fail, and none of them is
    sent to fs2.  (A SIP Server's 503 to a new request is retried on another
    member or pair; a Feature Server's is not.)"""
    fs1, fs2 = fake_server(name="fs1", other=503), fake_server(name="fs2")
    _, proxy = start(deploy, fake_server, [fs1.address, fs2.address])
    c = sip_client(proxy.addr)
    register(c, proxy)

    def subscriptions(n: int) -> dict[str, int]:
        outcome = {}
        for _ in range(n):
            sub, resp = new_subscription(c, proxy)
            outcome[sub.call_id] = resp.status
        return outcome

    failed_503 = {cid: st for cid, st in subscriptions(4).items() if st != 200}
    # fs1's 503 reaches the endpoint as 500 (RFC 3261 §16.7 step 6: a proxy does not
    # pass a 503 on).
    assert failed_503 and all(st == 500 for st in failed_503.values()), failed_503
    for cid in failed_503:
        assert len([rx for rx in fs1.requests("SUBSCRIBE") if rx.msg.call_id == cid]) == 1
        assert not [rx for rx in fs2.requests("SUBSCRIBE") if rx.msg.call_id == cid], \
            f"SUBSCRIBE {cid}, answered 503 by fs1, was sent to fs2 as well"

    # Unreachable (no probes with oos-check 0, so it stays in the rotation): of two new
    # SUBSCRIBEs one goes to fs1 and fails when its transaction times out (Timer F,
    # 32 s); it is not sent to fs2 meanwhile or after.
    fs1.stop()
    sent = [subscribe(c, proxy) for _ in range(2)]
    for data in sent:
        c.send(data)
    finals = {}
    for data in sent:
        cid = sipmsg.parse(data).call_id
        finals[cid] = c.wait_response(cid, final=True, method="SUBSCRIBE", timeout=45).status
    unreachable = [cid for cid, st in finals.items() if st != 200]
    assert len(unreachable) == 1 and finals[unreachable[0]] >= 400, finals
    assert not [rx for rx in fs2.requests("SUBSCRIBE") if rx.msg.call_id == unreachable[0]], \
        f"SUBSCRIBE {unreachable[0]}, which fs1 could not take, was sent to fs2"


def test_sighup_changes_the_feature_server_list(deploy, fake_server, sip_client):
    fs1, fs2 = fake_server(name="fs1"), fake_server(name="fs2")
    _, proxy = start(deploy, fake_server, [fs1.address])
    c = sip_client(proxy.addr)
    register(c, proxy)
    for _ in range(2):
        sub, ok = new_subscription(c, proxy)
        assert ok.status == 200 and not fs2.requests("SUBSCRIBE"), ok.text
    proxy.config_text = proxy.config_text.replace(
        f"feature-server-address = {fs1.address}",
        f"feature-server-address = {fs1.address}, {fs2.address}")
    proxy.config_path.write_text(proxy.config_text)
    proxy.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while len(feature_servers(proxy)) != 2:
        assert time.monotonic() < deadline, helpers.tail(proxy.log_path, 20)
        time.sleep(0.05)
    for _ in range(2):
        sub, ok = new_subscription(c, proxy)
        assert ok.status == 200, ok.text
    assert fs2.requests("SUBSCRIBE"), "after the reload no SUBSCRIBE went to the new server"


def test_malformed_feature_server_list_is_a_config_error(sipproxyd_bin, tmp_path):
    for bad in ("127.0.0.1:5080,,127.0.0.1:5081", "127.0.0.1:5080,fs2",
                "127.0.0.1:5080,127.0.0.1:5080", "127.0.0.1:5080;geo-location=dc-1",
                "127.0.0.1:5080;dc=1"):
        text = helpers.render_config(proxy_port=helpers.free_port(),
                                     mgmt_port=helpers.free_port(),
                                     primary=f"127.0.0.1:{helpers.free_port()}",
                                     sipproxy_extra={"feature-server-address": bad})
        lineno = next(i for i, ln in enumerate(text.splitlines(), start=1)
                      if ln.startswith("feature-server-address"))
        rc, out, cfg = helpers.run_proxy_expect_exit(sipproxyd_bin, tmp_path, text)
        assert rc not in (None, 0), f"{bad!r}: exit {rc}\n{out}"
        line = next((ln for ln in out.splitlines() if "40003" in ln), "")
        assert f"{cfg.name}:{lineno}" in line and "feature-server-address" in line, out
        assert "host:port" in line, f"{bad!r}: the valid values are not shown:\n{line}"


def test_sipprobe_check_pings_each_feature_server(sipprobe_bin, fake_server, tmp_path):
    """`sipprobe check` has a line for each Feature Server of the list: the live
    one passes, the silent one fails."""
    live = fake_server(name="fs-live")
    dead = fake_server(name="fs-dead", silent=True)
    text = helpers.render_config(proxy_port=helpers.free_port(), mgmt_port=helpers.free_port(),
                                 primary=live.address,
                                 sipproxy_extra={"feature-server-address":
                                                 f"{live.address};geo-location=dc1, "
                                                 f"{dead.address}"})
    cfg = tmp_path / "check.conf"
    cfg.write_text(text)
    rc, j, err = probe_json(sipprobe_bin, "check", "--config", str(cfg), "--timeout", "1")
    checks = {c["check"]: c for c in j["checks"]}
    assert checks[f"feature server {live.address}"]["result"] == "OK", checks
    assert checks[f"feature server {dead.address}"]["result"] == "FAIL", checks
    assert rc == 1 and j["healthy"] is False, (rc, j, err)


def test_subscription_outlives_its_feature_server_leaving_the_list(deploy, fake_server,
                                                                   sip_client):
    """A reload that takes a Feature Server out of feature-server-address sends new
    subscriptions to the others, and a refresh of a subscription the old one holds
    still reaches it (RFC 6665: refreshes go to their notifier), and only it."""
    fs1, fs2 = fake_server(name="fs1"), fake_server(name="fs2")
    _, proxy = start(deploy, fake_server, [fs1.address])
    c = sip_client(proxy.addr)
    register(c, proxy)
    sub, ok = new_subscription(c, proxy)
    assert ok.status == 200 and fs1.requests("SUBSCRIBE"), ok.text
    proxy.config_text = proxy.config_text.replace(
        f"feature-server-address = {fs1.address}", f"feature-server-address = {fs2.address}")
    proxy.config_path.write_text(proxy.config_text)
    proxy.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while [f["address"] for f in feature_servers(proxy)] != [fs2.address]:
        assert time.monotonic() < deadline, helpers.tail(proxy.log_path, 20)
        time.sleep(0.05)
    resp = transact(c, in_dialog_subscribe(c, sub, ok, 2))
    assert resp.status == 200, f"the refresh got {resp.start_line}:\n{resp.text}"
    fs1.wait_request("SUBSCRIBE", lambda m: m.call_id == sub.call_id and m.cseq[0] == 2,
                     timeout=5)
    # The dialog's route set cannot be turned to another target, the new server included.
    moved = in_dialog_subscribe(c, sub, ok, 3, target=f"sip:{fs2.host}:{fs2.port}")
    assert transact(c, moved).status == 403
    assert not [rx for rx in fs2.requests("SUBSCRIBE") if rx.msg.call_id == sub.call_id]
    new, ok2 = new_subscription(c, proxy)
    assert ok2.status == 200, ok2.text
    fs2.wait_request("SUBSCRIBE", lambda m: m.call_id == new.call_id, timeout=5)


def test_feature_servers_of_the_proxys_geo_location_come_first(deploy, fake_server,
                                                               sip_client):
    """The seed balances "within the data center to which SIP Proxy belongs": with
    geo-location = east, new subscriptions go to the east Feature Server and to the
    one without a geo-location (it belongs to every data centre), never to the west
    one while either is in service; when both stop answering, to the west one."""
    east = fake_server(name="east")
    west = fake_server(name="west")
    anywhere = fake_server(name="anywhere")
    _, proxy = start(deploy, fake_server,
                     [f"{west.address};geo-location=west", f"{east.address};geo-location=east",
                      anywhere.address],
                     **{"geo-location": "east", "oos-check": 1, "oos-force": 1})
    c = sip_client(proxy.addr)
    register(c, proxy)

    def home_of(sub) -> str:
        got = [f.name for f in (east, west, anywhere)
               if any(rx.msg.call_id == sub.call_id for rx in f.requests("SUBSCRIBE"))]
        assert len(got) == 1, f"SUBSCRIBE {sub.call_id} reached {got}"
        return got[0]

    homes = []
    for _ in range(4):
        sub, ok = new_subscription(c, proxy)
        assert ok.status == 200, ok.text
        homes.append(home_of(sub))
    assert sorted(homes) == ["anywhere", "anywhere", "east", "east"], homes
    assert not west.requests("SUBSCRIBE")

    east.stop()
    anywhere.stop()
    wait_state(proxy, east.address, "out-of-service")
    wait_state(proxy, anywhere.address, "out-of-service")
    for _ in range(2):
        sub, ok = new_subscription(c, proxy)
        assert ok.status == 200, ok.text
        assert home_of(sub) == "west"
    assert "no Feature Server of geo-location 'east' is available" in \
        proxy.log_path.read_text(errors="replace")

