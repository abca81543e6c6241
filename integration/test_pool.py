"""The pool: three real sipproxyd instances on 127.0.0.1, 127.0.0.2 and
127.0.0.3 (same SIP port, each bound to its own address), linked over their
management ports, in front of one fake SIP Server.  Registrations made through
one instance are reachable through every other:

* a UDP endpoint registered via instance 1 is reached directly from
  instances 2 and 3 (its contact is its source address);
* a TCP endpoint (and a UDP one whose contact is not its source, as behind a
  NAT) is reached through instance 1, which holds its flow (Path-style);
* an unregistration through instance 3 removes the binding everywhere;
* instance 2 killed (SIGKILL), changes made meanwhile, instance 2 restarted: it holds
  exactly the current state when it logs 40004;
* instance 2 frozen with SIGSTOP: 40002 on the others, which keep serving;
  after SIGCONT the states converge;
* with mgmt-token set, a peer with the wrong token is refused (no state flows).

Every wait is bounded; every process is stopped at teardown.
"""

from __future__ import annotations

import json
import signal
import socket
import threading
import time

import pytest

import alert_rules
import ha
import helpers
import mgmt_util as mu
from fakes import sipmsg
from fakes.registrar_server import RegistrarPolicy, register_request, server_request, wait_request
from fakes.sip_client import SipClient

DOMAIN = "pool.test"
CONVERGE = 10.0   # bound for a change to reach every instance (send-data-timeout 20 ms)


class Instance(helpers.Deployment):
    def __init__(self, binary, workdir, n: int, sip_port: int, mgmt_port: int, text: str,
                 timers: str | None = None):
        super().__init__(binary, workdir, proxy_port=sip_port, mgmt_port=mgmt_port,
                         app=f"SIPProxy_{n}", config_text=text, name=f"sipproxyd-{n}",
                         timers=timers)
        self.host = f"127.0.0.{n}"

    @property
    def addr(self):
        return (self.host, self.proxy_port)

    @property
    def hostport(self):
        return f"{self.host}:{self.proxy_port}"

    @property
    def mgmt(self):
        return f"{self.host}:{self.mgmt_port}"


def pool_config(sip_port: int, mgmt_ports: list[int], server_port: int,
                http_ports: list[int] | None = None, client_side_port: int = 0) -> str:
    lines = ["[sipproxy]", "sipproxy-role = 10", "applications = SIPServer_A",
             "serving-sipserver = SIPServer_A",
             "sipproxy-applications = " + ",".join(f"SIPProxy_{i + 1}"
                                                  for i in range(len(mgmt_ports))),
             f"internal-domain = {DOMAIN}", "oos-check = 0", "send-data-timeout = 20",
             "wait-response-timeout = 1",
             *([f"client-side-port = {client_side_port}"] if client_side_port else []), ""]
    for i, mp in enumerate(mgmt_ports, start=1):
        lines += [f"[SIPProxy_{i}]", "type = sip-proxy", f"host = 127.0.0.{i}",
                  f"sip-address = 127.0.0.{i}", f"sip-port = {sip_port}",
                  f"mgmt-address = 127.0.0.{i}", f"mgmt-port = {mp}",
                  *([f"http-port = {http_ports[i - 1]}"] if http_ports else []), ""]
    lines += ["[SIPServer_A]", "type = sip-server", f"primary = 127.0.0.1:{server_port}", ""]
    return "\n".join(lines)


def with_storage(text: str, url: str | None) -> str:
    """The deployment text with `shared-storage = url` (None: the default, peers)."""
    if not url:
        return text
    return text.replace("[sipproxy]\n", f"[sipproxy]\nshared-storage = {url}\n", 1)


@pytest.fixture
def shared_storage():
    """The shared-storage value of the pool fixture's deployments: None is the
    default (peers); test_pool_redis.py overrides it with a redis:// URL."""
    return None


@pytest.fixture
def pool(sipproxyd_bin, tmp_path, fake_server, shared_storage):
    """make(n=3, start=True, timers=None) -> (fake, [Instance...]); everything stopped
    at teardown.  `timers`: SIPPROXY_TEST_TIMERS (None: the real internal timers)."""
    made: list[Instance] = []

    def make(n: int = 3, start: bool = True, texts: dict[int, str] | None = None,
             client_side_port: int = 0, timers: str | None = None):
        reg = RegistrarPolicy()
        fake = fake_server(on_request=reg)
        sip_port = helpers.free_port()
        mgmt_ports = [helpers.free_port() for _ in range(n)]
        http_ports = [helpers.free_port() for _ in range(n)]
        text = pool_config(sip_port, mgmt_ports, fake.port, http_ports, client_side_port)
        for i in range(1, n + 1):
            t = (texts or {}).get(i, text)
            if texts and i in texts:
                t = texts[i].format(sip_port=sip_port, server_port=fake.port,
                                    **{f"mgmt{j + 1}": p for j, p in enumerate(mgmt_ports)})
            t = with_storage(t, shared_storage)
            made.append(Instance(sipproxyd_bin, tmp_path, i, sip_port, mgmt_ports[i - 1], t,
                                 timers))
            made[-1].http_port = http_ports[i - 1]
        if start:
            for inst in made:
                inst.start(wait_ready=False)
            for inst in made:
                inst.wait_ready(timeout=30)
        return fake, made

    yield make
    problems = []
    for inst in made:
        if inst.proc is not None and inst.proc.poll() is None:
            try:
                inst.proc.send_signal(signal.SIGCONT)
            except ProcessLookupError:
                pass
        rc = inst.stop()
        if rc not in (0, None) or inst.sanitizer_findings():
            problems.append(f"{inst.name}: exit {rc!r}\n{inst.report()}")
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def wait_all_linked(instances, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ok = True
        for inst in instances:
            r = mu.ctl("peers", target=inst.mgmt, as_json=True)
            if r.rc != 0 or any(p["link"] != "up" for p in r.json()["peers"]):
                ok = False
                break
        if ok:
            return
        time.sleep(0.1)
    raise AssertionError("the pool's links did not all come up:\n" +
                         "\n".join(str(mu.ctl("peers", target=i.mgmt)) for i in instances))


def bindings(inst, token: str | None = None) -> list[dict]:
    """The bindings of sip:1000@DOMAIN on `inst` (`registrations` lists contacts, so it
    needs the instance's mgmt-token when one is configured)."""
    r = mu.ctl("registrations", f"sip:1000@{DOMAIN}", target=inst.mgmt, as_json=True,
               token=token)
    assert r.rc == 0, str(r)
    return r.json().get("bindings", [])


def wait_bindings(inst, pred, what: str, timeout: float = CONVERGE) -> list[dict]:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = bindings(inst)
        if pred(last):
            return last
        time.sleep(0.05)
    raise AssertionError(f"{inst.name}: {what} within {timeout}s; bindings: {last}\n"
                         f"{helpers.tail(inst.log_path, 30)}")


def register(client: SipClient, via: Instance, fake, contact: str, expires: int = 600) -> None:
    data = register_request(client, DOMAIN, "1000", contact, contact_expires_=expires)
    cid = sipmsg.parse(data).call_id
    client.send(data)
    rx = client.rx.wait_for(lambda r: r.msg is not None and r.msg.is_response
                            and r.msg.call_id == cid and r.msg.status >= 200, timeout=10,
                            what="the final response to REGISTER")
    assert rx.msg.status == 200, rx.describe()


def answer_to_sender(client: SipClient, rx, code: int) -> None:
    """A response goes where the request came from (RFC 3261 §18.2.2): on UDP to
    the sending instance, which need not be the one the client registered with."""
    data = sipmsg.response(rx.msg, code, to_tag=sipmsg.new_tag(),
                           extra=[("Contact", client.contact())], copy_record_route=True)
    if client.transport == "UDP":
        client.udp.sendto(data if isinstance(data, bytes) else data.encode(), rx.src)
    else:
        client.send(data)


def invite_via(fake, inst: Instance, client: SipClient) -> sipmsg.SipMessage:
    """The fake SIP Server INVITEs sip:1000@pool.test through `inst`; the
    client answers 200.  Returns the INVITE as the client received it."""
    start = len(client.rx.items())
    result = {}

    def run():
        result["v"] = server_request(fake, inst.addr, "INVITE", f"sip:1000@{DOMAIN}")

    t = threading.Thread(target=run, daemon=True)
    t.start()
    rx = wait_request(client, "INVITE", timeout=5, start=start)
    answer_to_sender(client, rx, 200)
    t.join(timeout=15)
    assert "v" in result, f"no final response through {inst.name}:\n{fake.dump()}"
    assert result["v"][1].status == 200, result["v"][1].text
    return rx


def test_pool_udp_binding_reached_from_every_instance(pool, sip_client):
    fake, (i1, i2, i3) = pool()
    wait_all_linked([i1, i2, i3])
    c = sip_client(i1.addr)
    contact = f"sip:1000@127.0.0.1:{c.port}"
    register(c, i1, fake, contact)
    for inst in (i2, i3):
        got = wait_bindings(inst, lambda b: len(b) == 1, "the binding made via SIPProxy_1")
        assert got[0]["contact"] == contact and got[0]["instance"] == "SIPProxy_1", got
    for inst in (i2, i3):
        rx = invite_via(fake, inst, c)
        # Directly: the INVITE comes from the instance the SIP Server used.
        assert rx.src[0] == inst.host, rx.describe()
        assert rx.msg.ruri == contact, rx.describe()


@pytest.mark.parametrize("flow", ["tcp", "udp-nat"])
def test_pool_flow_held_by_another_instance_is_reached_through_it(flow, pool, sip_client):
    fake, (i1, i2, i3) = pool()
    wait_all_linked([i1, i2, i3])
    if flow == "tcp":
        c = sip_client(i1.addr, "TCP")
        contact = f"sip:1000@127.0.0.1:{c.port};transport=tcp"
    else:
        c = sip_client(i1.addr)
        contact = f"sip:1000@127.0.0.1:{helpers.free_port()}"   # not where it sends from
    register(c, i1, fake, contact)
    wait_bindings(i3, lambda b: len(b) == 1, "the binding made via SIPProxy_1")
    rx = invite_via(fake, i3, c)
    # Only SIPProxy_1 holds the flow: the INVITE reaches the endpoint from it,
    # having passed SIPProxy_3 (two Vias of the pool, 3's below 1's).
    assert rx.src[0] == "127.0.0.1", rx.describe()
    hosts = [v.host for v in rx.msg.vias()][:2]
    assert hosts == ["127.0.0.1", "127.0.0.3"], rx.describe()
    if flow == "tcp":
        assert rx.transport == "TCP" and not c.tcp_closed


def registered_everywhere(pool, sip_client, n: int = 3):
    """A pool of n with one binding made via SIPProxy_1 (the client's own port),
    held by every instance.  Returns (fake, instances, client, contact)."""
    fake, instances = pool(n=n)
    wait_all_linked(instances)
    c = sip_client(instances[0].addr)
    contact = f"sip:1000@127.0.0.1:{c.port}"
    register(c, instances[0], fake, contact)
    for inst in instances[1:]:
        wait_bindings(inst, lambda b: len(b) == 1, "the binding made via SIPProxy_1")
    return fake, instances, c, contact


def unregister_via_last(fake, instances, sip_client, contact: str,
                        timeout: float = CONVERGE) -> None:
    """Unregisters `contact` through the last instance: gone from every instance
    within `timeout`, and still gone a second later (no late copy brings it back)."""
    c = sip_client(instances[-1].addr, name="unregistering-client")
    register(c, instances[-1], fake, contact, expires=0)
    for inst in instances:
        wait_bindings(inst, lambda b: not b, f"the binding removed via {instances[-1].app}",
                      timeout=timeout)
    time.sleep(1.0)
    for inst in instances:
        assert bindings(inst) == [], inst.name


def test_pool_unregister_elsewhere_removes_everywhere(pool, sip_client):
    fake, instances, _, contact = registered_everywhere(pool, sip_client)
    unregister_via_last(fake, instances, sip_client, contact)


def restarted_instance_has_current_state(pool, sip_client) -> Instance:
    """SIPProxy_2 killed (SIGKILL), a binding added and another removed via
    SIPProxy_1 meanwhile, SIPProxy_2 restarted: it holds exactly the current state
    when it reports ready.  Returns SIPProxy_2."""
    fake, (i1, i2, i3) = pool()
    wait_all_linked([i1, i2, i3])
    c = sip_client(i1.addr)
    kept = f"sip:1000@127.0.0.1:{c.port}"
    gone = f"sip:1000@127.0.0.1:{helpers.free_port()}"
    register(c, i1, fake, gone)
    wait_bindings(i2, lambda b: len(b) == 1, "the first binding")
    i2.proc.kill()  # SIGKILL: no drain, no goodbye to the peers
    i2.proc.wait(timeout=5)
    i2.stop()
    register(c, i1, fake, kept)
    register(c, i1, fake, gone, expires=0)
    wait_bindings(i3, lambda b: [x["contact"] for x in b] == [kept], "the current state")
    i2.start(wait_ready=True)
    # Right when it reports ready: exactly the current state.
    now = bindings(i2)
    assert [b["contact"] for b in now] == [kept], f"{now}\n{helpers.tail(i2.log_path, 30)}"
    return i2


def test_pool_restarted_instance_has_current_state_when_ready(pool, sip_client):
    i2 = restarted_instance_has_current_state(pool, sip_client)
    assert "pool: state from 2 of 2 peer(s)" in i2.log_text(), helpers.tail(i2.log_path, 30)


def test_pool_frozen_peer_is_disconnected_and_converges_after(pool, sip_client):
    fake, (i1, i2, i3) = pool()
    wait_all_linked([i1, i2, i3])
    frozen = r"40002 .*SIPProxy_2"
    before = len(ha.log_lines(i1, frozen))  # the 40002 of startup, if any, is not this one
    i2.proc.send_signal(signal.SIGSTOP)
    try:
        line = ha.wait_log(i1, frozen, 10.0, after=before)
        assert "no answer within" in line, line
        assert "SPR_OTHER_PROXY_INSTANCE_DISCONNECTED" in line, line
        alarms = mu.ctl("status", target=i1.mgmt, as_json=True).json()["alarms"]
        assert any("SIPProxy_2" in a and "40002" in a for a in alarms), alarms
        # The others keep serving meanwhile.
        c = sip_client(i1.addr)
        contact = f"sip:1000@127.0.0.1:{c.port}"
        register(c, i1, fake, contact)
        wait_bindings(i3, lambda b: len(b) == 1, "the binding on SIPProxy_3 while 2 is frozen")
        invite_via(fake, i3, c)
    finally:
        i2.proc.send_signal(signal.SIGCONT)
    wait_bindings(i2, lambda b: [x["contact"] for x in b] == [contact],
                  "the binding made while frozen", timeout=20)
    wait_all_linked([i1, i2, i3], timeout=20)
    assert not mu.ctl("status", target=i1.mgmt, as_json=True).json()["alarms"]


def test_pool_wrong_token_is_refused(pool, sip_client):
    base = ("[sipproxy]\nsipproxy-role = 10\napplications = SIPServer_A\n"
            "serving-sipserver = SIPServer_A\nsipproxy-applications = SIPProxy_1,SIPProxy_2\n"
            f"internal-domain = {DOMAIN}\noos-check = 0\nsend-data-timeout = 20\n"
            "wait-response-timeout = 1\nmgmt-token = {token}\n\n"
            "[SIPProxy_1]\ntype = sip-proxy\nhost = 127.0.0.1\nsip-address = 127.0.0.1\n"
            "sip-port = {sip_port}\nmgmt-address = 127.0.0.1\nmgmt-port = {mgmt1}\n\n"
            "[SIPProxy_2]\ntype = sip-proxy\nhost = 127.0.0.2\nsip-address = 127.0.0.2\n"
            "sip-port = {sip_port}\nmgmt-address = 127.0.0.2\nmgmt-port = {mgmt2}\n\n"
            "[SIPServer_A]\ntype = sip-server\nprimary = 127.0.0.1:{server_port}\n")
    fake, (i1, i2) = pool(n=2, texts={1: base.replace("{token}", "right-secret"),
                                      2: base.replace("{token}", "wrong-secret")})
    for inst, other in ((i1, "SIPProxy_2"), (i2, "SIPProxy_1")):
        ha.wait_log(inst, rf"\b40002 .*{other}", 10.0)
        line = ha.wait_log(inst, rf"{other} .*disconnected.*mgmt-token", 10.0)
        assert "refused by the peer" in line, line
        peers = mu.ctl("peers", target=inst.mgmt, as_json=True).json()["peers"]
        assert peers[0]["link"] == "down" and "mgmt-token" in peers[0]["error"], peers
    c = sip_client(i1.addr)
    register(c, i1, fake, f"sip:1000@127.0.0.1:{c.port}")
    # The change reached instance 1's link to 2, which holds it: refused, not sent.
    def held():
        (link,) = mu.ctl("peers", target=i1.mgmt, as_json=True).json()["peers"]
        return link["link"] == "down" and link["queued"] >= 1 and link["records_sent"] == 0
    assert mu.wait_until(held, timeout=5), mu.ctl("peers", target=i1.mgmt).out
    assert bindings(i2, token="wrong-secret") == [], "state crossed a link whose token is wrong"
    (link,) = mu.ctl("peers", target=i2.mgmt, as_json=True).json()["peers"]
    assert link["records_received"] == 0, link


# The digest check at 2 s, not FAST_TIMERS' 1 s: the test must see the divergence
# (three sipproxyctl calls, slow under sanitizers) before the repair can come.
@pytest.mark.parametrize("timers", [None, "heartbeat=200ms,digest-check=2s"],
                         ids=["real-timers", "fast-timers"])
def test_pool_divergence_is_repaired_by_the_digest_check(pool, timers):
    """A record that only one instance holds (handed to SIPProxy_2 alone, as if
    from SIPProxy_3, over its management port) reaches the other two through the
    periodic digest comparison: two mismatches a digest check apart (10 s on the
    real timers, 2 s shortened), then an exchange."""
    fake, (i1, i2, i3) = pool(timers=timers)
    wait_all_linked([i1, i2, i3])
    now_ms = int(time.time() * 1000)
    record = {"k": "b", "t": now_ms, "o": "SIPProxy_3", "x": now_ms + 600_000,
              "a": f"sip:1000@{DOMAIN}", "c": "sip:1000@127.0.0.1:5999", "p": "udp",
              "h": "127.0.0.1", "n": 5999, "i": "SIPProxy_3", "ci": "x", "cs": 1}
    line = json.dumps({"cmd": "peer-update", "args": ["SIPProxy_3"],
                       "data": {"records": [record]}}) + "\n"
    with socket.create_connection((i2.host, i2.mgmt_port), timeout=5) as s:
        s.sendall(line.encode())
        reply = json.loads(s.makefile().readline())
    assert reply.get("ok") and reply.get("applied") == 1, reply
    assert [b["contact"] for b in bindings(i2)] == ["sip:1000@127.0.0.1:5999"]
    # (Not asserted: that i1 and i3 lack it now. On the shortened timers a digest check
    # may already have repaired it on a loaded machine; the log lines below show that
    # the repair, not a plain update, brought it.)
    for inst in (i1, i3):
        wait_bindings(inst, lambda b: [x["contact"] for x in b] == ["sip:1000@127.0.0.1:5999"],
                      "the record repaired from SIPProxy_2", timeout=45)
    logs = i1.log_text() + i2.log_text() + i3.log_text()
    assert "pool: state differs from" in logs and "exchanging states" in logs


def test_pool_endpoint_cannot_relay_through_the_pool(pool, sip_client):
    """An endpoint's request with a forged `flow` Route to another instance does
    not make that instance trust it: it never reaches a foreign target."""
    fake, (i1, i2, i3) = pool()
    wait_all_linked([i1, i2, i3])
    victim = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    victim.bind(("127.0.0.1", 0))
    victim.settimeout(2.0)
    try:
        c = sip_client(i1.addr)
        target = f"sip:victim@127.0.0.1:{victim.getsockname()[1]}"
        data = c.request("MESSAGE", target, to=f"<{target}>",
                         extra=[("Route", f"<sip:{i2.hostport};lr;flow>")])
        cid = sipmsg.parse(data).call_id
        c.send(data)
        with pytest.raises(socket.timeout):
            got = victim.recv(65535)
            raise AssertionError(f"relayed to a foreign target:\n{got.decode(errors='replace')}")
        # It went where an endpoint's requests go: the serving SIP Server.
        fake.wait_request("MESSAGE", lambda m: m.call_id == cid, timeout=5)
    finally:
        victim.close()


def two_pair_pool(pool, fake_server):
    """Cluster mode (sipproxy-role = 0), SIP Server pairs A and B (fakes named
    so), two linked instances.  Returns (a, b, i1, i2)."""
    a = fake_server(name="A")
    b = fake_server(name="B")
    text = ("[sipproxy]\nsipproxy-role = 0\napplications = SIPServer_A,SIPServer_B\n"
            "sipproxy-applications = SIPProxy_1,SIPProxy_2\noos-check = 0\n"
            "send-data-timeout = 20\nwait-response-timeout = 1\n\n"
            "[SIPProxy_1]\ntype = sip-proxy\nhost = 127.0.0.1\nsip-address = 127.0.0.1\n"
            "sip-port = {sip_port}\nmgmt-address = 127.0.0.1\nmgmt-port = {mgmt1}\n\n"
            "[SIPProxy_2]\ntype = sip-proxy\nhost = 127.0.0.2\nsip-address = 127.0.0.2\n"
            "sip-port = {sip_port}\nmgmt-address = 127.0.0.2\nmgmt-port = {mgmt2}\n\n"
            f"[SIPServer_A]\ntype = sip-server\nprimary = 127.0.0.1:{a.port}\n\n"
            f"[SIPServer_B]\ntype = sip-server\nprimary = 127.0.0.1:{b.port}\n")
    _, (i1, i2) = pool(n=2, texts={1: text, 2: text})
    wait_all_linked([i1, i2])
    return a, b, i1, i2


def test_pool_session_affinity_holds_across_instances(pool, fake_server, sip_client):
    """Cluster mode, pairs A and B, two instances: a new INVITE with the Call-ID
    of a call set up through instance 1 goes, through instance 2, to that
    call's pair, though instance 2's round-robin would pick the other."""
    a, b, i1, i2 = two_pair_pool(pool, fake_server)
    c1 = sip_client(i1.addr)
    first = ha.establish(c1)
    second = ha.establish(c1)
    at_first = ha.where([a, b], "INVITE", first.call_id)
    at_second = ha.where([a, b], "INVITE", second.call_id)
    assert len(at_first) == 1 and len(at_second) == 1 and at_first != at_second, \
        (at_first, at_second)
    deadline = time.monotonic() + CONVERGE
    while mu.ctl("dialogs", target=i2.mgmt, as_json=True).json()["sessions"] < 2:
        assert time.monotonic() < deadline, "the sessions did not reach SIPProxy_2"
        time.sleep(0.05)
    c2 = sip_client(i2.addr, name="client-2")
    cid, final = ha.invite_final(c2, call_id=second.call_id)
    assert final.status == 200, final.text
    invs = [f.name for f in (a, b) for rx in ha.got(f, "INVITE", cid)]
    assert invs == at_second * 2, f"the related INVITE through SIPProxy_2 went to {invs}"
    # Control: a new call through SIPProxy_2 goes where its round-robin says first.
    cid, final = ha.invite_final(c2)
    assert final.status == 200 and ha.where([a, b], "INVITE", cid) == at_first, \
        ha.where([a, b], "INVITE", cid)


def test_pool_peers_and_metrics_show_the_links(pool, sip_client):
    fake, (i1, i2, i3) = pool()
    wait_all_linked([i1, i2, i3])
    c = sip_client(i1.addr)
    register(c, i1, fake, f"sip:1000@127.0.0.1:{c.port}")
    wait_bindings(i2, lambda b: len(b) == 1, "the binding")
    wait_bindings(i3, lambda b: len(b) == 1, "the binding")
    text = mu.ctl("peers", target=i1.mgmt)
    assert text.rc == 0, str(text)
    rows = [ln.split() for ln in text.out.splitlines()]
    assert rows[0][:3] == ["PEER", "MGMT", "ADDRESS"], text.out
    assert [r[0] for r in rows[1:3]] == ["SIPProxy_2", "SIPProxy_3"], text.out
    assert all(r[2] == "up" for r in rows[1:3]), text.out
    assert rows[1][1] == i2.mgmt and rows[2][1] == i3.mgmt, text.out
    assert "records held here: 1," in text.out, text.out
    doc = mu.ctl("peers", target=i1.mgmt, as_json=True).json()
    for p in doc["peers"]:
        assert p["records_sent"] >= 1 and p["queued"] == 0 and p["link"] == "up", p
    # The digests agree once the pool has converged.
    digests = {mu.ctl("peers", target=i.mgmt, as_json=True).json()["digest"] for i in (i1, i2, i3)}
    assert len(digests) == 1, digests
    def metrics(inst):
        r = mu.http(inst.http_port, "/metrics", host=inst.host)
        assert r.status == 200, r.raw[:300]
        return mu.parse_prometheus(r.body)

    m = metrics(i1)
    # The series the alerting rules use (dist/sipproxy-alerts.yml), Redis's aside.
    assert alert_rules.assert_exported(m, prefixes_absent=("sipproxy_shared_storage_",)) >= 5
    for peer in ("SIPProxy_2", "SIPProxy_3"):
        assert m.value("sipproxy_peer_up", peer=peer) == 1
        assert m.value("sipproxy_peer_records_sent_total", peer=peer) >= 1
        assert m.value("sipproxy_peer_queued", peer=peer) == 0
    assert m.value("sipproxy_pool_records") == 1
    m2 = metrics(i2)
    assert m2.value("sipproxy_peer_records_received_total", peer="SIPProxy_1") >= 1
    assert m2.value("sipproxy_registrations") == 1


def test_pool_links_use_client_side_port_and_survive_restarts(pool):
    """client-side-port: every outgoing link comes from a local port at or above it
    (the range is open-ended); after a peer restarts, the links come back although
    the ports they used first may still be in TIME_WAIT."""
    # The range is open-ended: hold 64 ports from base so that no port the test hands
    # out afterwards (the instances' own) falls where the links' local ports go.
    base = helpers.free_port_block(64)
    fake, (i1, i2, i3) = pool(client_side_port=base)
    wait_all_linked([i1, i2, i3])
    for inst in (i1, i2, i3):
        for p in mu.ctl("peers", target=inst.mgmt, as_json=True).json()["peers"]:
            assert p["local_port"] >= base, (inst.name, p)
    assert i2.stop() == 0
    i2.start(wait_ready=True)
    wait_all_linked([i1, i2, i3], timeout=20)
    for p in mu.ctl("peers", target=i2.mgmt, as_json=True).json()["peers"]:
        assert p["local_port"] >= base, p
