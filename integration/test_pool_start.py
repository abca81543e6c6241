"""A pool starting, and a pool across hosts: real sipproxyd instances on
127.0.0.1, .2 and .3 (each its own host, as far as the deployment says).

* mgmt-address not set, mgmt-token set: each instance binds its management
  port on its section's host, so instances on different hosts link, even with
  the same mgmt-port everywhere (on loopback they would collide, 40007);
* mgmt-address not set, no token: the port stays on loopback and the instance
  says once, at startup, that instances on other hosts cannot link;
* 40002 only for a peer expected up: an instance that starts late, within the
  start grace (ten reconnect waits), is never reported; one that never starts
  is reported (40002, an alarm) once the grace has passed, not at the first
  failed connection.

Every wait is bounded; every process is stopped at teardown.
"""

from __future__ import annotations

import socket

import pytest

import ha
import helpers
import mgmt_util as mu
from test_pool import Instance, pool, shared_storage, wait_all_linked  # noqa: F401 (fixtures)

TOKEN = "pool-start-token-0123456789"
CANNOT_LINK = "instances on other hosts cannot link"


def _two_hosts_config(sip_port: int, mgmt_port: int, server_port: int, token: str | None) -> str:
    """SIPProxy_2 on 127.0.0.2 and SIPProxy_3 on 127.0.0.3, the same sip-port and
    mgmt-port (as on two machines), no mgmt-address."""
    lines = ["[sipproxy]", "sipproxy-role = 10", "applications = SIPServer_A",
             "serving-sipserver = SIPServer_A", "sipproxy-applications = SIPProxy_2,SIPProxy_3",
             "oos-check = 0", "send-data-timeout = 20", "wait-response-timeout = 1",
             *([f"mgmt-token = {token}"] if token else []), ""]
    for n in (2, 3):
        lines += [f"[SIPProxy_{n}]", "type = sip-proxy", f"host = 127.0.0.{n}",
                  f"sip-address = 127.0.0.{n}", f"sip-port = {sip_port}",
                  f"mgmt-port = {mgmt_port}", ""]
    lines += ["[SIPServer_A]", "type = sip-server", f"primary = 127.0.0.1:{server_port}", ""]
    return "\n".join(lines)


@pytest.fixture
def two_hosts(sipproxyd_bin, tmp_path, fake_server):
    """make(token) -> [SIPProxy_2, SIPProxy_3], started; stopped at teardown."""
    made: list[Instance] = []

    def make(token: str | None):
        fake = fake_server()
        sip_port, mgmt_port = helpers.free_port(), helpers.free_port()
        text = _two_hosts_config(sip_port, mgmt_port, fake.port, token)
        for n in (2, 3):
            made.append(Instance(sipproxyd_bin, tmp_path, n, sip_port, mgmt_port, text))
        for inst in made:
            inst.start(wait_ready=False)
        for inst in made:
            inst.wait_ready(timeout=30)
        return made

    yield make
    problems = []
    for inst in made:
        rc = inst.stop()
        if rc not in (0, None) or inst.sanitizer_findings():
            problems.append(f"{inst.name}: exit {rc!r}\n{inst.report()}")
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def test_token_without_mgmt_address_binds_the_host_and_links(two_hosts):
    """The guide's pool spans hosts: with a mgmt-token and no mgmt-address, each
    instance's management port is on its host (127.0.0.2:P and 127.0.0.3:P, the same
    P), so both start and link; loopback's 127.0.0.1:P is not bound."""
    i2, i3 = two_hosts(TOKEN)
    wait_all_linked([i2, i3], timeout=15)
    for inst in (i2, i3):
        status = mu.ctl("status", target=inst.mgmt, as_json=True).json()
        assert status["listeners"]["mgmt"] == inst.mgmt, status
        assert not ha.log_lines(inst, CANNOT_LINK), helpers.tail(inst.log_path)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", i2.mgmt_port), timeout=2).close()
    # sipproxyctl --config finds the instance where the daemon bound it.
    r = mu.ctl("--config", str(i3.config_path), "--app", "SIPProxy_3", "status", as_json=True)
    assert r.rc == 0 and r.json()["application"] == "SIPProxy_3", str(r)


def test_no_token_keeps_loopback_and_says_so_once(deploy, fake_server):
    """Without a token the management port stays on 127.0.0.1, and the instance says
    once, at startup, that instances on other hosts cannot link with it."""
    fake = fake_server()
    proxy = deploy(server_port=fake.port)
    lines = ha.log_lines(proxy, CANNOT_LINK)
    assert len(lines) == 1, helpers.tail(proxy.log_path)
    assert "127.0.0.1" in lines[0] and "mgmt-token" in lines[0], lines[0]
    status = mu.ctl("status", target=mu.mgmt_target(proxy), as_json=True).json()
    assert status["listeners"]["mgmt"] == f"127.0.0.1:{proxy.mgmt_port}", status


def _not_yet(name: str) -> str:
    return rf"SIP Proxy instance {name} not connected yet"


def test_peer_starting_late_within_the_grace_is_not_reported(pool):
    """Instances 1 and 2 start; 3 is not running when they first try it (each logs
    'not connected yet'), and starts a moment later, well within the grace (ten
    reconnect waits: 10 s with the real timers). No 40002 for it, no alarm."""
    _, (i1, i2, i3) = pool(n=3, start=False)
    for inst in (i1, i2):
        inst.start(wait_ready=False)
    for inst in (i1, i2):
        inst.wait_ready(timeout=30)
        # Its first try at instance 3 has failed (reported or not).
        ha.wait_log(inst, _not_yet("SIPProxy_3") + r"|\b40002 .*SIPProxy_3", 5.0)
        alarms = mu.ctl("status", target=inst.mgmt, as_json=True).json()["alarms"]
        assert not alarms, alarms
    i3.start()
    wait_all_linked([i1, i2, i3], timeout=15)
    for inst in (i1, i2):
        assert not ha.log_lines(inst, r"\b40002 "), helpers.tail(inst.log_path)


def test_peer_that_never_starts_is_reported_after_the_grace(pool):
    """Instance 3 never starts. With reconnect=200ms the grace is 2 s: instances 1 and
    2 first log that it is not connected yet, and only later 40002 (an alarm),
    saying it never connected; the instance that did start is never reported."""
    _, (i1, i2, _i3) = pool(n=3, start=False, timers="reconnect=200ms")
    for inst in (i1, i2):
        inst.start(wait_ready=False)
    for inst in (i1, i2):
        inst.wait_ready(timeout=30)
    for inst in (i1, i2):
        line = ha.wait_log(inst, r"\b40002 .*SIPProxy_3", 15.0)
        assert "never connected since start" in line, line
        text = inst.log_text()
        first_try = text.find("SIP Proxy instance SIPProxy_3 not connected yet")
        assert 0 <= first_try < text.find(line), helpers.tail(inst.log_path)
        alarms = mu.ctl("status", target=inst.mgmt, as_json=True).json()["alarms"]
        assert any("40002" in a and "SIPProxy_3" in a for a in alarms), alarms
        assert not ha.log_lines(inst, r"\b40002 .*SIPProxy_[12]"), helpers.tail(inst.log_path)
