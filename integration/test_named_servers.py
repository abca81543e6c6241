"""SIP Servers configured by host name (`primary = srv-a.test:PORT`).

Before serving, sipproxyd resolves each configured name: through `dns-server`
when it is set (here a dnsmasq on a free loopback port, the one
test_sipprobe.py starts, with `--local-ttl=1` and its queries logged), else
through the system resolver (getaddrinfo, /etc/hosts too).  With dns-server
set, each name is resolved again when its TTL runs out (at least every 5 s):

* a MESSAGE / INVITE from an endpoint reaches the fake SIP Server named by
  srv-a.test;
* re-pointing: dnsmasq is restarted on the same port with srv-a.test at
  127.0.0.2, where a second fake listens on the same port; new requests reach
  it within a bounded poll and the log says "now resolves to 127.0.0.2";
* the DNS server stops: 40005 SPR_HOST_NOT_RESOLVED is logged and requests
  still go to the last address;
* a name that does not resolve at startup: exit 1 with 40003 naming the SIP
  Server and the host;
* without dns-server, `primary = localhost:PORT` (getaddrinfo, /etc/hosts).

dnsmasq is only ever stopped through its own Popen.  Everything on loopback;
every wait is bounded.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest

import helpers
from ha import establish, got, new_invite, new_message, poll_until_lands, wait_log, where
from test_dns_next_hop import LoggingDnsmasq

TTL = 1                 # --local-ttl: the proxy clamps it to a 5 s refresh
REPOINT_DEADLINE = 12.0
NOT_RESOLVED_DEADLINE = 12.0


class NamedDnsmasq(LoggingDnsmasq):
    """test_dns_next_hop's dnsmasq (every query in its log) with TTL 1 and an
    optional fixed port (to restart it where the proxy already points)."""

    def __init__(self, workdir: Path, args: list[str], port: int | None = None,
                 generation: int = 0):
        super().__init__(workdir, args, ttl=TTL)
        if port is not None:
            self.port = port
        self.log_path = workdir / f"dnsmasq-{self.port}-{generation}.log"
        self.cmd = [f"--port={self.port}" if a.startswith("--port=") else a for a in self.cmd]

    def queries(self, name: str, qtype: str = "A") -> int:
        return sum(1 for ln in self.log_text().splitlines()
                   if f"query[{qtype}] {name} from " in ln)


@pytest.fixture
def dnsmasq(tmp_path):
    """make(*args, port=None) -> a started NamedDnsmasq; all stopped at teardown
    (each through its own Popen)."""
    if shutil.which("dnsmasq") is None:
        msg = "dnsmasq not found (apt-get install dnsmasq-base)"
        if helpers.ci():
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    started: list[NamedDnsmasq] = []

    def make(*args: str, port: int | None = None) -> NamedDnsmasq:
        d = NamedDnsmasq(tmp_path, list(args), port=port, generation=len(started))
        started.append(d)
        return d.start()

    yield make
    for d in started:
        d.stop()


def wire(*parties) -> str:
    return "\n".join(f"== {p.name} received:\n{p.dump()}" for p in parties)


def reaches(c, fake, method: str = "MESSAGE", timeout: float = 5.0) -> str:
    """A new out-of-dialog request from the endpoint; asserts it reaches `fake`
    and that the endpoint gets 200.  Returns its Call-ID."""
    if method == "INVITE":
        d = establish(c, timeout=timeout)
        cid = d.call_id
    else:
        req, cid = new_message(c)
        c.send(req)
        final = c.wait_final(cid, timeout=timeout)
        assert final.status == 200, f"MESSAGE {cid} got {final.start_line}"
    fake.wait_request(method, lambda m: m.call_id == cid, timeout=timeout)
    return cid


def wait_refresh(proxy, dns: NamedDnsmasq, name: str, timeout: float = 10.0) -> None:
    """Bounded wait until the proxy has asked `dns` about `name` once more (A
    and then AAAA: one whole refresh), so the next one is a full refresh floor away."""
    start = dns.queries(name, "AAAA")
    deadline = time.monotonic() + timeout
    while dns.queries(name, "AAAA") <= start:
        if time.monotonic() >= deadline:
            raise AssertionError(f"the proxy did not ask {dns.server} about {name} again "
                                 f"within {timeout}s\ndnsmasq log:\n{dns.log_text()}\n"
                                 f"proxy log:\n{helpers.tail(proxy.log_path, 40)}")
        time.sleep(0.02)


def deploy_named(deploy, dns: NamedDnsmasq | None, host: str, fake, **kw):
    """`timers` in kw: SIPPROXY_TEST_TIMERS (None: the real 5 s refresh floor)."""
    extra = {"dns-server": dns.server} if dns is not None else {}
    return deploy(primary=f"{host}:{fake.port}", sipproxy_extra=extra, **kw)


# ---------------------------------------------------------------------------
# Resolved through dns-server
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("ip", ["127.0.0.1", "127.0.0.2"])
@pytest.mark.parametrize("method", ["MESSAGE", "INVITE"])
def test_named_servers_primary_by_name(method, ip, dnsmasq, deploy, fake_server, sip_client):
    """127.0.0.2: nothing listens on 127.0.0.1 (or 0.0.0.0, the local host) at
    that port, so only the resolved address itself can reach the fake."""
    dns = dnsmasq(f"--address=/srv-a.test/{ip}")
    fake = fake_server(host=ip, name=f"srv-a@{ip}")
    proxy = deploy_named(deploy, dns, "srv-a.test", fake)
    assert dns.queries("srv-a.test") >= 1, dns.log_text()
    assert f"primary srv-a.test:{fake.port}" in proxy.log_text(), \
        helpers.tail(proxy.log_path, 20)
    c = sip_client(proxy.addr)
    cid = reaches(c, fake, method)
    assert len(got(fake, method, cid)) == 1, wire(fake)


def test_named_servers_repointed(dnsmasq, deploy, fake_server, sip_client):
    """On the real internal timers (a 5 s refresh floor)."""
    first = fake_server(name="srv-a@127.0.0.1")
    second = fake_server(port=first.port, host="127.0.0.2", name="srv-a@127.0.0.2")
    dns = dnsmasq("--address=/srv-a.test/127.0.0.1")
    proxy = deploy_named(deploy, dns, "srv-a.test", first)
    c = sip_client(proxy.addr)
    for method in ("MESSAGE", "INVITE"):
        cid = reaches(c, first, method)
        assert not got(second, method, cid), wire(first, second)

    # Restart dnsmasq (same port) just after a refresh, so that no refresh
    # falls into the moment it is down.
    wait_refresh(proxy, dns, "srv-a.test")
    dns.stop()
    dns2 = dnsmasq("--address=/srv-a.test/127.0.0.2", port=dns.port)

    cid, sent = poll_until_lands(c, second, [first], REPOINT_DEADLINE)
    line = wait_log(proxy, r"now resolves to 127\.0\.0\.2", timeout=2.0)
    assert "SIP Server SIPServer_A primary host 'srv-a.test'" in line \
        and "(was 127.0.0.1)" in line, line
    assert dns2.queries("srv-a.test") >= 1, dns2.log_text()
    assert "40005" not in proxy.log_text(), helpers.tail(proxy.log_path, 40)

    # From now on: the second one only.
    for method in ("MESSAGE", "INVITE"):
        cid = reaches(c, second, method)
        assert where([first, second], method, cid) == [second.name], wire(first, second)


def test_named_servers_dns_stopped_keeps_address(dnsmasq, deploy, fake_server, sip_client):
    """With a 0.5 s refresh floor (helpers.FAST_TIMERS); test_named_servers_repointed
    runs on the real 5 s."""
    dns = dnsmasq("--address=/srv-a.test/127.0.0.1")
    fake = fake_server(name="srv-a")
    proxy = deploy_named(deploy, dns, "srv-a.test", fake, timers=helpers.FAST_TIMERS)
    c = sip_client(proxy.addr)
    reaches(c, fake)

    wait_refresh(proxy, dns, "srv-a.test")
    dns.stop()
    t0 = time.monotonic()
    line = wait_log(proxy, r"\b40005\b.*srv-a\.test", timeout=NOT_RESOLVED_DEADLINE)
    elapsed = time.monotonic() - t0
    assert "SPR_HOST_NOT_RESOLVED" in line and "SIP Server SIPServer_A primary" in line \
        and "keeping 127.0.0.1" in line, line
    print(f"40005 logged {elapsed:.1f}s after dnsmasq stopped: {line}")

    # The last address is kept: requests still reach the server.
    for method in ("MESSAGE", "INVITE"):
        reaches(c, fake, method)
    assert not re.search(r"now resolves to", proxy.log_text()), \
        helpers.tail(proxy.log_path, 40)


@pytest.mark.parametrize("member", ["primary", "backup"])
def test_named_servers_unresolvable_at_startup(member, dnsmasq, sipproxyd_bin, tmp_path):
    dns = dnsmasq("--address=/srv-a.test/127.0.0.1")
    primary, backup = (("nosuch.test:5060", None) if member == "primary"
                       else ("srv-a.test:5060", "nosuch.test:5060"))
    text = helpers.render_config(proxy_port=helpers.free_port(), mgmt_port=helpers.free_port(),
                                 primary=primary, backup=backup,
                                 sipproxy_extra={"dns-server": dns.server})
    rc, out, cfg = helpers.run_proxy_expect_exit(sipproxyd_bin, tmp_path, text)
    assert rc == 1, f"exit code {rc!r}\nconfig:\n{text}\noutput:\n{out}"
    lines = [ln for ln in out.splitlines() if "40003" in ln]
    assert len(lines) == 1, f"expected one 40003 line:\n{out}"
    assert "SIPServer_A" in lines[0] and "nosuch.test" in lines[0], lines[0]
    assert "40004" not in out, out
    assert dns.queries("nosuch.test") >= 1, dns.log_text()


# ---------------------------------------------------------------------------
# Without dns-server: the system resolver
# ---------------------------------------------------------------------------

def test_named_servers_localhost_without_dns_server(deploy, fake_server, sip_client):
    fake = fake_server(name="localhost")
    proxy = deploy_named(deploy, None, "localhost", fake)
    assert f"primary localhost:{fake.port}" in proxy.log_text(), \
        helpers.tail(proxy.log_path, 20)
    c = sip_client(proxy.addr)
    for method in ("MESSAGE", "INVITE"):
        cid = reaches(c, fake, method)
        assert len(got(fake, method, cid)) == 1, wire(fake)
