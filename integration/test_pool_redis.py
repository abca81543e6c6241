"""The pool with shared-storage = redis://...: the same three instances as
test_pool.py, but registrations and session affinity live in a real
redis-server that the test starts on 127.0.0.1 (no persistence, its own
directory), instead of travelling over the peer links.

* the pool tests that do not look at the peer links pass unchanged (imported
  from test_pool.py, with the `shared_storage` fixture pointing at Redis);
* a binding deleted through one instance is gone on the others within the
  documented bound (3 s), and stays gone;
* keys carry the AOR as hash tag and expire by Redis at the binding's expiry;
* Redis killed: 40008 and an alarm on every instance; requests that need a
  look-up get 503 with Retry-After; new calls to the SIP Server and in-dialog
  requests go on; a REGISTER is still accepted.  Redis restarted (empty):
  40009, alarms cleared, every binding back in Redis and on every instance;
* Redis frozen (SIGSTOP): detected by the PING deadline; 503 meanwhile;
* a restarted instance holds exactly the current state when it logs 40004;
* `sipproxyctl peers`, `status` and /metrics show the storage;
* with requirepass: the URL's password is sent (also on reconnection) and
  masked in `get`; a wrong one is 40008 and 503, never logged.

Skipped (with the reason) only when redis-server is not installed."""

from __future__ import annotations

import re
import signal
import time

import pytest

import alert_rules
import ha
import helpers
import mgmt_util as mu
from fakes.registrar_server import server_request
from redis_server import REDIS_SERVER, RedisServer
from test_pool import (DOMAIN, bindings, invite_via, pool, register,  # noqa: F401 (fixture)
                       registered_everywhere, restarted_instance_has_current_state,
                       unregister_via_last,
                       test_pool_endpoint_cannot_relay_through_the_pool,
                       test_pool_flow_held_by_another_instance_is_reached_through_it,
                       test_pool_session_affinity_holds_across_instances,
                       test_pool_udp_binding_reached_from_every_instance,
                       test_pool_unregister_elsewhere_removes_everywhere, wait_bindings)

pytestmark = pytest.mark.skipif(REDIS_SERVER is None and not helpers.ci(),
                                reason="redis-server is not installed (Debian: redis-server)")

# The documented bound (README, sipproxy.conf(5)): ping period 1 s + answer deadline 2 s.
DELETE_BOUND = 3.0
UNAVAILABLE = r"\b40008 SPR_SHARED_STORAGE_UNAVAILABLE"
RESTORED = r"\b40009 SPR_SHARED_STORAGE_RESTORED"


@pytest.fixture
def redis(tmp_path, request):
    """A redis-server; with requirepass when parametrised (indirect) with a
    password, which the URL then carries."""
    r = RedisServer(tmp_path, password=getattr(request, "param", None)).start()
    yield r
    r.stop()


@pytest.fixture
def shared_storage(redis):
    return redis.url


def storage(inst) -> dict:
    return mu.ctl("status", target=inst.mgmt, as_json=True).json()["shared_storage"]


def alarms(inst) -> list[str]:
    return mu.ctl("status", target=inst.mgmt, as_json=True).json()["alarms"]


def binding_keys(redis) -> list[str]:
    return sorted(redis.command("KEYS", "sipproxy:b:*"))


WITH_PASSWORD = pytest.mark.parametrize("redis", [None, "s3cret"], ids=["open", "password"],
                                        indirect=True)


@pytest.mark.parametrize("redis", ["s3cret"], indirect=True)
def test_redis_wrong_password_is_refused(pool, redis):
    fake, (i1,) = pool(n=1, start=False)
    i1.config_text = i1.config_text.replace(redis.url, redis.url.replace(redis.password, "wrong"))
    i1.start(wait_ready=True)
    line = ha.wait_log(i1, UNAVAILABLE, 10.0)
    assert "AUTH refused" in line and "wrong" not in line, line
    assert any("40008" in a for a in alarms(i1)), alarms(i1)
    _, resp = server_request(fake, i1.addr, "INVITE", f"sip:1000@{DOMAIN}")
    assert resp.status == 503, resp.text


def test_redis_delete_is_gone_everywhere_within_the_bound(pool, redis, sip_client):
    fake, instances, _, contact = registered_everywhere(pool, sip_client)
    unregister_via_last(fake, instances, sip_client, contact, timeout=DELETE_BOUND)
    # Redis holds the tombstone (so that no late write brings the binding back).
    (key,) = binding_keys(redis)
    assert '"d":true' in redis.command("GET", key), redis.command("GET", key)
    # And a look-up through another instance finds nothing to send to.
    _, resp = server_request(fake, instances[1].addr, "INVITE", f"sip:1000@{DOMAIN}")
    assert resp.status == 480, resp.text


def test_redis_keys_share_the_aor_slot_and_expire_by_redis(pool, redis, sip_client):
    fake, (i1, i2) = pool(n=2)
    c = sip_client(i1.addr)
    long_lived = f"sip:1000@127.0.0.1:{c.port}"
    register(c, i1, fake, long_lived, expires=600)
    # No wait: the 200 is relayed only once Redis acknowledged the write (REGISTRATION
    # GUARANTEE in sipproxy.conf(5)), so the key is there when the 200 is read.
    (key,) = binding_keys(redis)
    assert key == f"sipproxy:b:{{sip:1000@{DOMAIN}}}:{long_lived}", key
    value = redis.command("GET", key)
    assert re.match(r"^\d+ SIPProxy_1\n\{", value), value
    ttl = redis.command("PTTL", key)
    assert 590_000 < ttl <= 601_000, ttl
    short = f"sip:1000@127.0.0.1:{helpers.free_port()}"
    # Long enough for i2 to see it before it expires on a loaded machine (sanitizers).
    register(c, i1, fake, short, expires=5)
    wait_bindings(i2, lambda b: len(b) == 2, "both bindings", timeout=5)
    # Redis drops the short one by its TTL; every instance by the same absolute time.
    deadline = time.monotonic() + 15
    while len(binding_keys(redis)) != 1:
        assert time.monotonic() < deadline, binding_keys(redis)
        time.sleep(0.1)
    for inst in (i1, i2):
        wait_bindings(inst, lambda b: [x["contact"] for x in b] == [long_lived],
                      "the short binding expired")


@WITH_PASSWORD
def test_redis_killed_and_restarted(pool, redis, sip_client):
    fake, (i1, i2, i3), c, before = registered_everywhere(pool, sip_client)
    dialog = ha.establish(c)  # through SIPProxy_1 to the SIP Server, record-routed
    marks = {i.name: len(ha.log_lines(i, UNAVAILABLE)) for i in (i1, i2, i3)}

    redis.kill()
    for inst in (i1, i2, i3):
        line = ha.wait_log(inst, UNAVAILABLE, 10.0, after=marks[inst.name])
        assert f"127.0.0.1:{redis.port}/0" in line, line
        assert any("40008" in a for a in alarms(inst)), alarms(inst)
        assert storage(inst)["state"] != "up"
    # A request that needs a look-up: a clear 503.
    _, resp = server_request(fake, i2.addr, "INVITE", f"sip:1000@{DOMAIN}")
    assert resp.status == 503, resp.text
    assert "registration storage unreachable" in resp.text and resp.get("Retry-After") == "5", \
        resp.text
    # What needs none goes on: a new call to the SIP Server, and the dialog's BYE.
    _, final = ha.invite_final(c)
    assert final.status == 200, final.text
    assert dialog.bye().status == 200
    # A REGISTER is still taken (held here, written to Redis when it is back).
    c2 = sip_client(i1.addr, name="client-during-outage")
    during = f"sip:1000@127.0.0.1:{c2.port}"
    register(c2, i1, fake, during)

    redis.start()  # the same port, and empty
    for inst in (i1, i2, i3):
        ha.wait_log(inst, RESTORED, 20.0)
    for inst in (i1, i2, i3):
        wait_bindings(inst, lambda b: sorted(x["contact"] for x in b) == sorted([before, during]),
                      "both bindings after Redis came back")
        assert not alarms(inst), alarms(inst)
        assert storage(inst)["state"] == "up"
    # Nothing Redis had acknowledged is lost, though it restarted empty.
    assert len(binding_keys(redis)) == 2, binding_keys(redis)
    # And look-ups work again, from any instance (the newest binding: c2's).
    rx = invite_via(fake, i3, c2)
    assert rx.msg.ruri == during, rx.describe()


def test_redis_frozen_is_detected_and_lookups_refused(pool, redis, sip_client):
    fake, (i1, i2), c, _ = registered_everywhere(pool, sip_client, n=2)
    marks = {i.name: len(ha.log_lines(i, UNAVAILABLE)) for i in (i1, i2)}
    redis.signal(signal.SIGSTOP)
    t0 = time.monotonic()
    try:
        line = ha.wait_log(i2, UNAVAILABLE, 10.0, after=marks[i2.name])
        print(f"40008 logged {time.monotonic() - t0:.2f} s after SIGSTOP (bound {DELETE_BOUND} s)")
        assert "no answer to PING within 2 s" in line, line
        _, resp = server_request(fake, i2.addr, "INVITE", f"sip:1000@{DOMAIN}")
        assert resp.status == 503, resp.text
        # Both lost it before Redis wakes up (else the 40009 awaited below never comes).
        ha.wait_log(i1, UNAVAILABLE, 10.0, after=marks[i1.name])
    finally:
        redis.signal(signal.SIGCONT)
    for inst in (i1, i2):
        ha.wait_log(inst, RESTORED, 20.0)
    invite_via(fake, i2, c)


def test_redis_restarted_instance_has_current_state_when_ready(pool, redis, sip_client):
    i2 = restarted_instance_has_current_state(pool, sip_client)
    assert re.search(rf"shared storage: Redis 127\.0\.0\.1:{redis.port}/0: 2 key\(s\) read",
                     i2.log_text()), helpers.tail(i2.log_path, 30)


@WITH_PASSWORD
def test_redis_peers_status_and_metrics_show_the_storage(pool, redis, sip_client):
    _, (i1, i2), _, _ = registered_everywhere(pool, sip_client, n=2)
    text = mu.ctl("peers", target=i1.mgmt)
    assert text.rc == 0, str(text)
    assert f"shared storage: Redis 127.0.0.1:{redis.port}/0, up for" in text.out, text.out
    assert "held here: 1 binding(s)" in text.out, text.out
    doc = mu.ctl("peers", target=i2.mgmt, as_json=True).json()
    assert doc["peers"] == [] and doc["storage"]["state"] == "up", doc
    assert doc["storage"]["changes_applied"] >= 1, doc
    status = mu.ctl("status", target=i1.mgmt)
    assert f"shared storage: Redis 127.0.0.1:{redis.port}/0 up" in status.out, status.out
    got = mu.ctl("get", "shared-storage", target=i1.mgmt, as_json=True).json()
    shown = redis.url.replace(f":{redis.password}@", ":***@") if redis.password else redis.url
    assert got["value"] == shown, got
    r = mu.http(i1.http_port, "/metrics", host=i1.host)
    assert r.status == 200, r.raw[:300]
    m = mu.parse_prometheus(r.body)
    assert m.value("sipproxy_shared_storage_up") == 1
    # The series the alerting rules use (dist/sipproxy-alerts.yml), the peer links' aside.
    assert alert_rules.assert_exported(m, prefixes_absent=("sipproxy_peer_",)) >= 5
    assert m.value("sipproxy_registrations") == 1
