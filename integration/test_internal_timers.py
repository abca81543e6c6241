"""SIPPROXY_TEST_TIMERS, the test-only way to shorten the daemon's internal timers
(sipproxyd(8), ENVIRONMENT), seen from outside:

* set: sipproxyd logs one WARNING line naming the variable and every timer's
  value before it serves, and serves;
* a bad value (unknown key, out of range, no unit): exit status 2 and one line
  naming the variable, the key and the valid keys or range; nothing served;
* drain=300ms: SIGTERM with an INVITE pending towards a silent SIP Server logs
  "draining (up to 0.3 s)", then "stopping with 1 transaction(s) still pending",
  and the process exits 0.  (test_limits.py's INVITE flood ends on the real 5 s
  drain bound.)

Everything on loopback; every wait is bounded.
"""

from __future__ import annotations

import os
import signal
import subprocess

import pytest

import ha
import helpers

WARNING = "WARNING: SIPPROXY_TEST_TIMERS is set (for testing only)"


def test_set_timers_are_announced_and_the_proxy_serves(deploy, fake_server, sip_client):
    fake = fake_server()
    proxy = deploy(server_port=fake.port, timers="heartbeat=250ms,drain=2s")
    lines = [ln for ln in proxy.log_text().splitlines() if WARNING in ln]
    assert len(lines) == 1, helpers.tail(proxy.log_path, 30)
    for shown in ("probe-deadline=1000ms", "heartbeat=250ms", "digest-check=10000ms",
                  "reconnect=1000ms", "dns-refresh-floor=5000ms", "drain=2000ms"):
        assert shown in lines[0], lines[0]
    # Announced before the proxy says it is ready.
    text = proxy.log_text()
    assert text.index(WARNING) < text.index("40004 SPR_PROXY_INITIALIZED"), helpers.tail(proxy.log_path)
    c = sip_client(proxy.addr)
    req, cid = ha.new_message(c)
    assert c.transact(req).status == 200
    fake.wait_request("MESSAGE", lambda m: m.call_id == cid, timeout=5)


def test_real_timers_are_not_announced(deploy, fake_server):
    fake = fake_server()
    proxy = deploy(server_port=fake.port)
    assert "SIPPROXY_TEST_TIMERS" not in proxy.log_text(), helpers.tail(proxy.log_path, 30)


@pytest.mark.parametrize("value, says", [
    ("hartbeat=1s", "unknown timer 'hartbeat' (keys: probe-deadline, heartbeat, "
                    "digest-check, reconnect, dns-refresh-floor, drain)"),
    ("drain=5ms", "drain = '5ms': valid values: 10ms to 600s"),
    ("drain=601s", "drain = '601s': valid values: 10ms to 600s"),
    ("heartbeat=2", "heartbeat = '2': valid values: 10ms to 600s"),
    ("heartbeat", "'heartbeat': expected KEY=VALUE"),
])
def test_bad_value_is_a_command_line_error(value, says, sipproxyd_bin, tmp_path):
    cfg = tmp_path / "sipproxy.conf"
    port = helpers.free_port()
    cfg.write_text(helpers.render_config(proxy_port=port, mgmt_port=helpers.free_port(),
                                         primary=f"127.0.0.1:{helpers.free_port()}"))
    env = dict(os.environ, SIPPROXY_TEST_TIMERS=value)
    proc = subprocess.run([str(sipproxyd_bin), "--config", str(cfg), "--app", "SIPProxy_1"],
                          env=env, stdin=subprocess.DEVNULL, capture_output=True,
                          timeout=helpers.START_TIMEOUT)
    out = (proc.stdout + proc.stderr).decode(errors="replace")
    assert proc.returncode == 2, f"exit {proc.returncode}:\n{out}"
    assert f"SIPPROXY_TEST_TIMERS: {says}" in out, out
    assert helpers.READY_EVENT not in out, out


def test_short_drain_bound_ends_the_drain(deploy, fake_server, sip_client):
    silent = fake_server(silent=True)
    proxy = deploy(server_port=silent.port, timers="drain=300ms")
    c = sip_client(proxy.addr)
    req, cid = ha.new_invite(c)
    c.send(req)
    silent.wait_request("INVITE", lambda m: m.call_id == cid, timeout=5)
    proxy.proc.send_signal(signal.SIGTERM)
    rc = proxy.proc.wait(timeout=helpers.STOP_TIMEOUT)
    assert rc == 0, helpers.tail(proxy.log_path, 30)
    text = proxy.log_text()
    assert "draining (up to 0.3 s), then stopping" in text, helpers.tail(proxy.log_path, 30)
    assert "stopping with 1 transaction(s) still pending" in text, helpers.tail(proxy.log_path, 30)
