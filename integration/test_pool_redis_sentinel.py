"""The pool with shared-storage = redis-sentinel://...: the three instances of
test_pool.py over a real master, its replica and three sentinels on 127.0.0.1
(RedisSentinels in redis_server.py).  The URL lists a sentinel address where
nothing listens first, so every connection asks the sentinels in turn.

* the pool tests that do not look at the peer links pass unchanged, and a
  binding deleted through one instance is gone on the others within the
  documented bound (3 s);
* the master killed (SIGKILL): 40008 on every instance, the sentinels promote
  the replica, 40009 naming the new master; registrations still resolve and
  new ones are stored on the new master;
* a failover the sentinels are asked for (SENTINEL FAILOVER, the old master
  alive and turned replica) is followed through +switch-master;
* the sentinel watched for +switch-master killed: another is watched, the
  storage stays up;
* `sipproxyctl peers` and `status` show the mode and the master in use.

Skipped (with the reason) only when redis-server is not installed."""

from __future__ import annotations

import pytest

import ha
import helpers
import mgmt_util as mu
from redis_server import (REDIS_SERVER, RedisSentinels, SharedSets, flush_sentinels,
                          sentinels_whole, wait_until)
from test_pool_redis import DELETE_BOUND, RESTORED, UNAVAILABLE, storage  # the bound, events, status
from test_pool import (DOMAIN, invite_via, pool, register,  # noqa: F401 (fixture)
                       registered_everywhere, unregister_via_last,
                       test_pool_flow_held_by_another_instance_is_reached_through_it,
                       test_pool_session_affinity_holds_across_instances,
                       test_pool_udp_binding_reached_from_every_instance,
                       test_pool_unregister_elsewhere_removes_everywhere, wait_bindings)

pytestmark = pytest.mark.skipif(REDIS_SERVER is None and not helpers.ci(),
                                reason="redis-server is not installed (Debian: redis-server)")


@pytest.fixture(scope="module")
def shared_sentinels(tmp_path_factory):
    """One set per password for the module's tests that leave it whole (flushed
    before each; see SharedSets).  They never fail over, so they need not wait
    until the sentinels know each other."""
    sets = SharedSets(lambda password: RedisSentinels(tmp_path_factory.mktemp("sentinels"),
                                                      password=password).start(failover=False),
                      sentinels_whole, flush_sentinels)
    yield sets
    sets.stop()


@pytest.fixture
def sentinels(shared_sentinels, tmp_path, request):
    """With requirepass on every data node when parametrised (indirect) with a
    password, which the URL then carries.  A test marked own_storage (it kills or
    fails over something) gets a set of its own; the others share the module's."""
    password = getattr(request, "param", None)
    if request.node.get_closest_marker("own_storage") is None:
        yield shared_sentinels.take(password)
        return
    s = RedisSentinels(tmp_path, password=password).start()
    yield s
    s.stop()


@pytest.fixture
def shared_storage(sentinels):
    return sentinels.url


def binding_keys(server) -> list[str]:
    return sorted(server.command("KEYS", "sipproxy:b:*"))


def test_sentinel_delete_is_gone_everywhere_within_the_bound(pool, sentinels, sip_client):
    fake, instances, _, contact = registered_everywhere(pool, sip_client)
    assert len(binding_keys(sentinels.master)) == 1
    unregister_via_last(fake, instances, sip_client, contact, timeout=DELETE_BOUND)
    (key,) = binding_keys(sentinels.master)
    assert '"d":true' in sentinels.master.command("GET", key)


@pytest.mark.own_storage
def test_sentinel_master_killed_replica_promoted(pool, sentinels, sip_client):
    fake, (i1, i2, i3), c, before = registered_everywhere(pool, sip_client)
    old, new = sentinels.master, sentinels.replica
    for inst in (i1, i2, i3):
        assert storage(inst)["master"] == f"127.0.0.1:{old.port}", storage(inst)
    marks = {i.name: len(ha.log_lines(i, UNAVAILABLE)) for i in (i1, i2, i3)}
    restored = {i.name: len(ha.log_lines(i, RESTORED)) for i in (i1, i2, i3)}

    old.kill()
    for inst in (i1, i2, i3):
        ha.wait_log(inst, UNAVAILABLE, 10.0, after=marks[inst.name])
    wait_until(lambda: sentinels.named_master() == new.port, "the sentinels promote the replica",
               30.0)
    for inst in (i1, i2, i3):
        line = ha.wait_log(inst, RESTORED, 30.0, after=restored[inst.name])
        assert f"(master 127.0.0.1:{new.port})" in line, line
        assert storage(inst)["master"] == f"127.0.0.1:{new.port}", storage(inst)
        assert storage(inst)["state"] == "up"
    # What was registered before still resolves, from every instance.
    for inst in (i2, i3):
        rx = invite_via(fake, inst, c)
        assert rx.msg.ruri == before, rx.describe()
    # And a new registration is stored on the new master and reaches the others.
    c2 = sip_client(i2.addr, name="after-failover")
    after = f"sip:1000@127.0.0.1:{c2.port}"
    register(c2, i2, fake, after)
    for inst in (i1, i3):
        wait_bindings(inst, lambda b: sorted(x["contact"] for x in b) == sorted([before, after]),
                      "the binding made after the failover")
    assert any(after in k for k in binding_keys(new)), binding_keys(new)


@pytest.mark.own_storage
def test_sentinel_failover_is_followed_by_switch_master(pool, sentinels, sip_client):
    fake, (i1, i2), c, before = registered_everywhere(pool, sip_client, n=2)
    new = sentinels.replica
    restored = {i.name: len(ha.log_lines(i, RESTORED)) for i in (i1, i2)}
    marks = {i.name: len(ha.log_lines(i, UNAVAILABLE)) for i in (i1, i2)}
    sentinels.sentinel(sentinels.ports[0], "SENTINEL", "FAILOVER", sentinels.name)
    wait_until(lambda: sentinels.named_master() == new.port, "the sentinels switch the master",
               30.0)
    for inst in (i1, i2):
        ha.wait_log(inst, UNAVAILABLE, 10.0, after=marks[inst.name])
        line = ha.wait_log(inst, RESTORED, 30.0, after=restored[inst.name])
        assert f"(master 127.0.0.1:{new.port})" in line, line
        assert storage(inst)["master"] == f"127.0.0.1:{new.port}", storage(inst)
    # Why the instance let the old master go: +switch-master, or the sentinels'
    # CLIENT KILL of the reconfigured old master, whichever reached it first.
    print("40008 reasons:", [ln.split("unavailable: ")[-1] for ln in ha.log_lines(i1, UNAVAILABLE)])
    c2 = sip_client(i1.addr, name="after-switch")
    after = f"sip:1000@127.0.0.1:{c2.port}"
    register(c2, i1, fake, after)
    wait_bindings(i2, lambda b: len(b) == 2, "the binding made after the switch")
    assert any(after in k for k in binding_keys(new)), binding_keys(new)
    rx = invite_via(fake, i2, c2)  # the newest binding, from the other instance
    assert rx.msg.ruri == after, rx.describe()


@pytest.mark.own_storage
def test_sentinel_lost_sentinel_does_not_affect_the_storage(pool, sentinels, sip_client):
    fake, (i1, i2), c, before = registered_everywhere(pool, sip_client, n=2)
    watched = storage(i1)["named_by"]
    marks = len(ha.log_lines(i1, UNAVAILABLE))
    sentinels.kill_sentinel(int(watched.rsplit(":", 1)[1]))
    # Another sentinel is watched a second later; the storage stays up meanwhile.
    wait_until(lambda: storage(i1)["named_by"] != watched, "another sentinel watched", 10.0)
    assert storage(i1)["state"] == "up" and len(ha.log_lines(i1, UNAVAILABLE)) == marks, \
        ha.log_lines(i1, UNAVAILABLE)
    rx = invite_via(fake, i1, c)
    assert rx.msg.ruri == before, rx.describe()


@pytest.mark.parametrize("sentinels", [None, "s3cret"], ids=["open", "password"],
                         indirect=True)
def test_sentinel_peers_and_status_show_the_master(pool, sentinels, sip_client):
    _, (i1, i2), _, _ = registered_everywhere(pool, sip_client, n=2)
    text = mu.ctl("peers", target=i1.mgmt)
    assert text.rc == 0, str(text)
    assert f"shared storage: Redis sentinel m via 127.0.0.1:{sentinels.dead_port}," in text.out, \
        text.out
    assert (f"sentinel: master 'm' is 127.0.0.1:{sentinels.master.port} (named by 127.0.0.1:"
            f"{sentinels.ports[0]})") in text.out, text.out
    doc = mu.ctl("peers", target=i2.mgmt, as_json=True).json()["storage"]
    assert doc["mode"] == "redis-sentinel" and doc["state"] == "up", doc
    status = mu.ctl("status", target=i1.mgmt)
    assert f"(master 127.0.0.1:{sentinels.master.port}) up" in status.out, status.out
