"""sipproxyd resolves next hops given as host names (RFC 3263) at run time.

A dnsmasq on a free loopback port (the one test_sipprobe.py starts, with
`--local-ttl=60` and its queries logged) is the proxy's `dns-server`.  The
fake SIP Server sends requests whose Request-URI (or Route) names the
endpoint by host name; a fake endpoint (UDP and TCP on 127.0.0.1, answering
200) must receive them:

* A record, port in the URI (MESSAGE and INVITE; the ACK for the 2xx too);
* SRV `_sip._udp` without a port; SRV `_sip._tcp` with `;transport=tcp`;
* a Route by name from the SIP Server (the Request-URI does not resolve);
* a name that does not resolve: the SIP Server gets 503;
* the cache: a second request to a name while dnsmasq is stopped still goes
  out (within the TTL), while a name not asked before now gets 503;
* an endpoint's Route to a name is 403 (no open relay) and asks no DNS.
* failover (RFC 3263 §4.3): a first SRV target answering 503 or refusing
  the TCP connection, the next one gets the request; all 503 → 500.

Everything on 127.0.0.1; every wait is bounded.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

import helpers
from fakes import sipmsg
from fakes.registrar_server import server_request
from test_sipprobe import Dnsmasq

TTL = 60


class LoggingDnsmasq(Dnsmasq):
    """test_sipprobe's dnsmasq, with our TTL and every query in its log."""

    def __init__(self, workdir: Path, args: list[str], ttl: int = TTL):
        super().__init__(workdir, [*args, "--log-queries", "--log-facility=-"])
        self.cmd = [f"--local-ttl={ttl}" if a.startswith("--local-ttl=") else a
                    for a in self.cmd]

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def queried(self, name: str) -> bool:
        return any(f" {name} from " in ln for ln in self.log_text().splitlines()
                   if "query[" in ln)


@pytest.fixture
def dnsmasq(tmp_path):
    if shutil.which("dnsmasq") is None:
        msg = "dnsmasq not found (apt-get install dnsmasq-base)"
        if helpers.ci():
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    started: list[LoggingDnsmasq] = []

    def make(*args: str) -> LoggingDnsmasq:
        d = LoggingDnsmasq(tmp_path, list(args)).start()
        started.append(d)
        return d

    yield make
    for d in started:
        d.stop()


@pytest.fixture
def deployment(dnsmasq, deploy, fake_server):
    """make(*dnsmasq args) -> (dnsmasq, fake SIP Server, endpoint, proxy).  The
    endpoint is a FakeSipServer (UDP and TCP, answers 200) that no section names;
    "{EP}" in an argument becomes its port."""

    def make(*dns_args: str):
        ep = fake_server(name="endpoint")
        dns = dnsmasq(*[a.replace("{EP}", str(ep.port)) for a in dns_args])
        fake = fake_server(name="sip-server")
        proxy = deploy(server_port=fake.port, sipproxy_extra={"dns-server": dns.server})
        return dns, fake, ep, proxy

    return make


def wire(*parties) -> str:
    return "\n".join(f"== {p.name} received:\n{p.dump()}" for p in parties)


def endpoint_got(ep, method: str, call_id: str, timeout: float = 10.0):
    return ep.wait_request(method, lambda m: m.call_id == call_id, timeout=timeout)


# ---------------------------------------------------------------------------
# A records, SRV records, Route by name
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["MESSAGE", "INVITE"])
def test_dns_next_hop_a_record(method, deployment):
    dns, fake, ep, proxy = deployment("--address=/ep.test/127.0.0.1")
    ruri = f"sip:1000@ep.test:{ep.port}"
    req, resp = server_request(fake, proxy.addr, method, ruri)
    assert resp.status == 200, \
        f"{method} {ruri} got {resp.start_line}\n{wire(fake, ep)}\n{dns.log_text()}"
    rx = endpoint_got(ep, method, req.call_id)
    assert rx.transport == "UDP" and rx.msg.ruri == ruri, rx.describe()
    assert dns.queried("ep.test"), dns.log_text()


def test_dns_next_hop_ack_for_2xx_resolves(deployment):
    """The ACK for a 2xx is routed on its own: its Request-URI names another
    host (not in the cache), which is resolved before the ACK goes out."""
    dns, fake, ep, proxy = deployment("--address=/ep.test/127.0.0.1",
                                      "--address=/ack.test/127.0.0.1")
    ruri = f"sip:1000@ep.test:{ep.port}"
    req, ok = server_request(fake, proxy.addr, "INVITE", ruri)
    assert ok.status == 200, f"INVITE got {ok.start_line}\n{wire(fake, ep)}"
    ack_uri = f"sip:1000@ack.test:{ep.port}"
    route = [("Route", r) for r in reversed(ok.record_routes())]
    fake.send(sipmsg.request("ACK", ack_uri, via=fake.via(), call_id=req.call_id,
                             from_=req.get("From"), to=ok.get("To"), cseq=req.cseq[0],
                             extra=route), proxy.addr)
    rx = endpoint_got(ep, "ACK", req.call_id)
    assert rx.msg.ruri == ack_uri, rx.describe()
    assert dns.queried("ack.test"), dns.log_text()


def test_dns_next_hop_srv_udp(deployment):
    dns, fake, ep, proxy = deployment("--address=/ep.test/127.0.0.1",
                                      "--srv-host=_sip._udp.srv.test,ep.test,{EP},0,10")
    ruri = "sip:1000@srv.test"
    req, resp = server_request(fake, proxy.addr, "MESSAGE", ruri)
    assert resp.status == 200, f"{ruri} got {resp.start_line}\n{wire(fake, ep)}\n{dns.log_text()}"
    rx = endpoint_got(ep, "MESSAGE", req.call_id)
    assert rx.transport == "UDP" and rx.msg.ruri == ruri, rx.describe()
    assert dns.queried("_sip._udp.srv.test"), dns.log_text()


def test_dns_next_hop_srv_tcp(deployment, fake_server):
    """`;transport=tcp` asks `_sip._tcp` only; the `_sip._udp` decoy is not used."""
    decoy = fake_server(name="udp-decoy")
    dns, fake, ep, proxy = deployment("--address=/ep.test/127.0.0.1",
                                      "--srv-host=_sip._tcp.srv.test,ep.test,{EP},0,10",
                                      f"--srv-host=_sip._udp.srv.test,ep.test,{decoy.port},0,10")
    ruri = "sip:1000@srv.test;transport=tcp"
    req, resp = server_request(fake, proxy.addr, "MESSAGE", ruri)
    assert resp.status == 200, \
        f"{ruri} got {resp.start_line}\n{wire(fake, ep, decoy)}\n{dns.log_text()}"
    rx = endpoint_got(ep, "MESSAGE", req.call_id)
    assert rx.transport == "TCP", f"expected the request over TCP:\n{rx.describe()}"
    assert not decoy.requests(), wire(decoy)


def test_dns_next_hop_route_by_name_from_server(deployment):
    """A SIP Server's Route by name is the next hop (loose routing); the
    Request-URI, which does not resolve, is left as it is."""
    dns, fake, ep, proxy = deployment("--address=/rt.test/127.0.0.1")
    ruri = "sip:1000@nowhere.test"
    route = f"<sip:rt.test:{ep.port};lr>"
    req, resp = server_request(fake, proxy.addr, "MESSAGE", ruri, extra=[("Route", route)])
    assert resp.status == 200, f"got {resp.start_line}\n{wire(fake, ep)}\n{dns.log_text()}"
    rx = endpoint_got(ep, "MESSAGE", req.call_id)
    assert rx.msg.ruri == ruri and rx.msg.routes() == [route], rx.describe()
    assert not dns.queried("nowhere.test"), dns.log_text()


# ---------------------------------------------------------------------------
# Failures, cache, open relay
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["MESSAGE", "INVITE"])
@pytest.mark.parametrize("host", ["unknown.test:5099", "unknown.test"], ids=["port", "srv"])
def test_dns_next_hop_unresolvable_is_503(method, host, deployment):
    dns, fake, ep, proxy = deployment("--address=/ep.test/127.0.0.1")
    ruri = f"sip:1000@{host}"
    req, resp = server_request(fake, proxy.addr, method, ruri)
    assert resp.status == 503, f"{method} {ruri} got {resp.start_line}\n{wire(fake, ep)}"
    assert "cannot resolve" in resp.start_line, resp.start_line
    assert dns.queried("unknown.test"), dns.log_text()
    assert not ep.requests(), wire(ep)


def test_dns_next_hop_cached_within_ttl(deployment):
    dns, fake, ep, proxy = deployment("--address=/ep.test/127.0.0.1",
                                      "--address=/other.test/127.0.0.1")
    ruri = f"sip:1000@ep.test:{ep.port}"
    req1, resp1 = server_request(fake, proxy.addr, "MESSAGE", ruri)
    assert resp1.status == 200, f"first MESSAGE got {resp1.start_line}\n{wire(fake, ep)}"
    endpoint_got(ep, "MESSAGE", req1.call_id)

    dns.stop()
    # Within the TTL (60 s) the cached hop is used: no DNS needed.
    req2, resp2 = server_request(fake, proxy.addr, "MESSAGE", ruri)
    assert resp2.status == 200, \
        f"second MESSAGE (DNS stopped, within TTL) got {resp2.start_line}\n{wire(fake, ep)}"
    endpoint_got(ep, "MESSAGE", req2.call_id)

    # Control: the DNS server really is gone, a name not asked before fails.
    start = time.monotonic()
    _, resp3 = server_request(fake, proxy.addr, "MESSAGE", f"sip:1000@other.test:{ep.port}",
                              timeout=15)
    assert resp3.status == 503, f"uncached name with DNS stopped got {resp3.start_line}"
    assert time.monotonic() - start < 15


def test_dns_next_hop_endpoint_route_by_name_is_403(deployment, sip_client):
    dns, fake, ep, proxy = deployment("--address=/ep.test/127.0.0.1",
                                      "--address=/later.test/127.0.0.1")
    c = sip_client(proxy.addr)
    ruri = f"sip:1000@ep.test:{ep.port}"
    data = c.request("MESSAGE", ruri, extra=[("Route", f"<sip:ep.test:{ep.port};lr>")])
    c.send(data)
    resp = c.wait_final(sipmsg.parse(data).call_id, timeout=10)
    assert resp.status == 403, f"endpoint's Route to a name got {resp.start_line}"
    # A later request on the same paths (a DNS look-up, then the endpoint): the
    # proxy handled the refused one first, so its look-up and its copy would
    # have come first.
    later, ok = server_request(fake, proxy.addr, "MESSAGE", f"sip:1000@later.test:{ep.port}")
    assert ok.status == 200, ok.text
    deadline = time.monotonic() + 5  # dnsmasq's log line of the later look-up
    while not dns.queried("later.test") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert dns.queried("later.test"), dns.log_text()
    assert [rx.msg.call_id for rx in ep.requests()] == [later.call_id], wire(ep)
    assert not dns.queried("ep.test"), f"the proxy asked DNS for a refused relay:\n{dns.log_text()}"


# ---------------------------------------------------------------------------
# Failover across the targets DNS gave (RFC 3263 §4.3)
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["MESSAGE", "INVITE"])
def test_dns_next_hop_srv_failover_on_503(method, deployment, fake_server):
    """The first SRV target answers 503: the request goes on to the next one,
    and its answer is what the SIP Server gets.  The second request, from the
    cache, fails over the same way."""
    busy = fake_server(name="busy-target", other=503, invite=503, ring=False)
    dns, fake, ep, proxy = deployment(
        "--address=/ep.test/127.0.0.1",
        f"--srv-host=_sip._udp.fo.test,ep.test,{busy.port},0,10",
        "--srv-host=_sip._udp.fo.test,ep.test,{EP},10,10")
    ruri = "sip:1000@fo.test"
    for attempt in (1, 2):
        req, resp = server_request(fake, proxy.addr, method, ruri)
        assert resp.status == 200, \
            f"attempt {attempt}: {method} got {resp.start_line}\n{wire(fake, busy, ep)}"
        first = busy.wait_request(method, lambda m, c=req.call_id: m.call_id == c, timeout=5)
        rx = endpoint_got(ep, method, req.call_id)
        assert rx.msg.ruri == ruri, rx.describe()
        # The retry is the same request: the same Record-Route (sps= names the SIP
        # Server's pair, the DN the callee), only the Via branch differs.
        assert rx.msg.record_routes() == first.msg.record_routes(), \
            f"{first.describe()}\n{rx.describe()}"
        if method == "INVITE":
            assert "sps=" in rx.msg.record_routes()[0], rx.describe()
    assert sum(1 for ln in dns.log_text().splitlines()
               if "query[SRV] _sip._udp.fo.test" in ln) == 1, dns.log_text()


def test_dns_next_hop_srv_failover_when_tcp_refused(deployment):
    """The first `_sip._tcp` target refuses the connection: the next one gets
    the request at once (no timer runs out first)."""
    dead = helpers.free_port()
    dns, fake, ep, proxy = deployment(
        "--address=/ep.test/127.0.0.1",
        f"--srv-host=_sip._tcp.fo.test,ep.test,{dead},0,10",
        "--srv-host=_sip._tcp.fo.test,ep.test,{EP},10,10")
    ruri = "sip:1000@fo.test;transport=tcp"
    start = time.monotonic()
    req, resp = server_request(fake, proxy.addr, "MESSAGE", ruri)
    assert resp.status == 200, f"got {resp.start_line}\n{wire(fake, ep)}\n{proxy.log_text()}"
    assert time.monotonic() - start < 10, "failover waited for a transaction timer"
    rx = endpoint_got(ep, "MESSAGE", req.call_id)
    assert rx.transport == "TCP", rx.describe()
    assert "the next DNS target" in proxy.log_text(), proxy.log_text()


def test_dns_next_hop_every_target_503_is_500(deployment, fake_server):
    """Every target answers 503: each was tried once, in SRV order, and the
    SIP Server gets 500 (RFC 3261 §16.7: a downstream 503 is not relayed)."""
    first = fake_server(name="first-target", other=503)
    second = fake_server(name="second-target", other=503)
    dns, fake, ep, proxy = deployment(
        "--address=/ep.test/127.0.0.1",
        f"--srv-host=_sip._udp.fo.test,ep.test,{second.port},20,10",
        f"--srv-host=_sip._udp.fo.test,ep.test,{first.port},10,10")
    req, resp = server_request(fake, proxy.addr, "MESSAGE", "sip:1000@fo.test")
    assert resp.status == 500, f"got {resp.start_line}\n{wire(fake, first, second)}"
    a = first.wait_request("MESSAGE", lambda m: m.call_id == req.call_id, timeout=5)
    b = second.wait_request("MESSAGE", lambda m: m.call_id == req.call_id, timeout=5)
    assert a.when <= b.when, "the lower SRV priority was not tried first"
    # A later request to each target by address: a second copy of the first
    # would have reached it before.
    for s in (first, second):
        later, _ = server_request(fake, proxy.addr, "MESSAGE", f"sip:1000@127.0.0.1:{s.port}")
        s.wait_request("MESSAGE", lambda m: m.call_id == later.call_id, timeout=5)
    for s in (first, second):
        assert len([r for r in s.requests() if r.msg.call_id == req.call_id]) == 1, wire(s)
    assert not ep.requests(), wire(ep)
