"""The pool with shared-storage = redis-cluster://...: the three instances of
test_pool.py over a real 3-master Redis Cluster on 127.0.0.1 (RedisCluster in
redis_server.py: no replicas, no persistence, every port from free_port()).
The URL lists a seed where nothing listens first, so every connection asks the
seeds in turn.

* the pool tests that do not look at the peer links pass unchanged, and a
  binding deleted through one instance is gone on the others within the
  documented bound (3 s);
* the bindings of many AORs are spread over all three masters, each key on
  the master of its AOR's slot;
* a slot migrated while the pool writes to it (MIGRATING/IMPORTING, MIGRATE,
  SETSLOT NODE) is followed through -ASK and then -MOVED, with no binding lost;
* a restarted instance reads every master back before it reports ready;
* with a replica per master: the master of an AOR's slot killed (SIGKILL) →
  40008, the cluster promotes its replica, 40009; the binding still resolves
  and a new one is stored on the promoted replica;
* `sipproxyctl peers` and `status` show the mode, the masters and their slots.

Skipped (with the reason) only when redis-server or redis-cli is missing."""

from __future__ import annotations

import re

import pytest

import ha
import helpers
import mgmt_util as mu
from fakes.registrar_server import register_request
from redis_server import (REDIS_CLI, REDIS_SERVER, RedisCluster, SharedSets, cluster_whole,
                          flush_cluster, wait_until)
from test_pool_redis import DELETE_BOUND, RESTORED, UNAVAILABLE, storage  # bound, events, status
from test_pool import (DOMAIN, bindings, invite_via, pool, register,  # noqa: F401 (fixture)
                       registered_everywhere, restarted_instance_has_current_state,
                       unregister_via_last,
                       test_pool_flow_held_by_another_instance_is_reached_through_it,
                       test_pool_session_affinity_holds_across_instances,
                       test_pool_udp_binding_reached_from_every_instance,
                       test_pool_unregister_elsewhere_removes_everywhere, wait_bindings)
from fakes import sipmsg

pytestmark = pytest.mark.skipif((REDIS_SERVER is None or REDIS_CLI is None) and not helpers.ci(),
                                reason="redis-server/redis-cli are not installed "
                                       "(Debian: redis-server, redis-tools)")


@pytest.fixture(scope="module")
def shared_clusters(tmp_path_factory):
    """One cluster per configuration for the module's tests that leave it whole
    (flushed before each; see SharedSets)."""
    sets = SharedSets(lambda key: RedisCluster(tmp_path_factory.mktemp("cluster"),
                                               **dict(key)).start(),
                      cluster_whole, flush_cluster)
    yield sets
    sets.stop()


@pytest.fixture
def cluster(shared_clusters, tmp_path, request):
    """Parametrised (indirect) with RedisCluster's keywords: password (then
    requirepass on every node, and the URL carries it), replicas.  A test marked
    own_storage (it kills or migrates something) gets a cluster of its own; the
    others share the module's."""
    param = getattr(request, "param", {})
    if request.node.get_closest_marker("own_storage") is None:
        yield shared_clusters.take(tuple(sorted(param.items())))
        return
    c = RedisCluster(tmp_path, **param).start()
    yield c
    c.stop()


@pytest.fixture
def shared_storage(cluster):
    return cluster.url


def all_binding_keys(cluster) -> list[str]:
    return sorted(k for n in cluster.nodes for k in cluster.keys(n))


def register_user(client, via, user: str, contact: str, expires: int = 600) -> None:
    data = register_request(client, DOMAIN, user, contact, contact_expires_=expires)
    cid = sipmsg.parse(data).call_id
    client.send(data)
    rx = client.rx.wait_for(lambda r: r.msg is not None and r.msg.is_response
                            and r.msg.call_id == cid and r.msg.status >= 200, timeout=10,
                            what=f"the final response to REGISTER of {user}")
    assert rx.msg.status == 200, rx.describe()


def registrations(inst) -> int:
    return mu.ctl("status", target=inst.mgmt, as_json=True).json()["registrations"]


def test_cluster_delete_is_gone_everywhere_within_the_bound(pool, cluster, sip_client):
    fake, instances, _, contact = registered_everywhere(pool, sip_client)
    (key,) = all_binding_keys(cluster)
    owner = cluster.owner(cluster.slot_of(f"sip:1000@{DOMAIN}"))
    assert cluster.keys(owner) == [key], {n.port: cluster.keys(n) for n in cluster.nodes}
    unregister_via_last(fake, instances, sip_client, contact, timeout=DELETE_BOUND)
    assert '"d":true' in owner.command("GET", key), owner.command("GET", key)


def test_cluster_bindings_are_spread_over_every_master(pool, cluster, sip_client):
    fake, (i1, i2, i3) = pool()
    c = sip_client(i1.addr)
    users = [str(2000 + n) for n in range(30)]
    for u in users:
        register_user(c, i1, u, f"sip:{u}@127.0.0.1:{c.port}")
    for inst in (i2, i3):
        wait_until(lambda inst=inst: registrations(inst) == len(users),
                   f"{inst.name}: all {len(users)} bindings", 10.0)
    per_node = {n.port: cluster.keys(n) for n in cluster.nodes}
    assert sum(len(k) for k in per_node.values()) == len(users), per_node
    assert all(per_node.values()), f"a master holds no binding: {per_node}"
    for u in users:  # each on the master of its AOR's slot
        owner = cluster.owner(cluster.slot_of(f"sip:{u}@{DOMAIN}"))
        assert any(f"{{sip:{u}@{DOMAIN}}}" in k for k in per_node[owner.port]), (u, owner.port)
    # An instance restarted now reads every master back.
    i2.stop()
    i2.start(wait_ready=True)
    assert registrations(i2) == len(users)
    assert re.search(rf"shared storage: Redis cluster [0-9.:,]+: {len(users)} key\(s\) read",
                     i2.log_text()), helpers.tail(i2.log_path, 30)


def in_ranges(slot: int, ranges: str) -> bool:
    for r in ranges.split(","):
        first, _, last = r.partition("-")
        if int(first) <= slot <= int(last or first):
            return True
    return False


@pytest.mark.own_storage
def test_cluster_slot_migrated_mid_test_is_followed(pool, cluster, sip_client):
    fake, (i1, i2, i3) = pool()
    aor = f"sip:1000@{DOMAIN}"
    c = sip_client(i1.addr)
    first = f"sip:1000@127.0.0.1:{c.port}"
    register(c, i1, fake, first)
    wait_bindings(i3, lambda b: len(b) == 1, "the first binding")
    slot = cluster.slot_of(aor)
    src = cluster.owner(slot)
    dst = next(n for n in cluster.nodes if n is not src)

    # Migrating: src keeps the first binding's key; a new key of the slot is -ASK.
    cluster.begin_migration(slot, src, dst)
    second = f"sip:1000@127.0.0.1:{helpers.free_port()}"
    register(sip_client(i2.addr, name="second"), i2, fake, second)
    for inst in (i1, i2, i3):
        wait_bindings(inst, lambda b: len(b) == 2, "both bindings during the migration")
    assert any(second in k for k in cluster.keys(dst)), (cluster.keys(src), cluster.keys(dst))
    assert storage(i2)["redirections_ask"] >= 1, storage(i2)

    # The rest of the slot's keys move; the slot is dst's: src answers -MOVED.
    moved = cluster.move_keys(slot, src, dst)
    assert any(first in k for k in moved), moved
    cluster.end_migration(slot, dst)
    third = f"sip:1000@127.0.0.1:{helpers.free_port()}"
    register(sip_client(i3.addr, name="third"), i3, fake, third)
    register(c, i3, fake, first, expires=0)  # an existing key, now on dst
    want = sorted([second, third])
    for inst in (i1, i2, i3):
        wait_bindings(inst, lambda b: sorted(x["contact"] for x in b) == want,
                      "the bindings after the migration")
        assert storage(inst)["state"] == "up", storage(inst)
    s3 = storage(i3)
    assert s3["redirections_moved"] >= 1 and s3["map_refreshes"] >= 1, s3
    (dst_map,) = [m for m in s3["masters"] if m["address"] == f"127.0.0.1:{dst.port}"]
    assert in_ranges(slot, dst_map["ranges"]), s3
    # Nothing lost: every key of the AOR is on dst now, none left on src.
    assert not [k for k in cluster.keys(src) if f"{{{aor}}}" in k], cluster.keys(src)
    assert len([k for k in cluster.keys(dst) if f"{{{aor}}}" in k]) == 3, cluster.keys(dst)
    # And a restarted instance finds them where they are now.
    i1.stop()
    i1.start(wait_ready=True)
    assert sorted(x["contact"] for x in bindings(i1)) == want, bindings(i1)


def test_cluster_restarted_instance_has_current_state_when_ready(pool, cluster, sip_client):
    i2 = restarted_instance_has_current_state(pool, sip_client)
    assert re.search(r"shared storage: Redis cluster [0-9.:,]+: 2 key\(s\) read", i2.log_text()), \
        helpers.tail(i2.log_path, 30)


@pytest.mark.parametrize("cluster", [{}, {"password": "s3cret"}], ids=["open", "password"],
                         indirect=True)
def test_cluster_peers_and_status_show_the_masters(pool, cluster, sip_client):
    _, (i1, i2), _, _ = registered_everywhere(pool, sip_client, n=2)
    text = mu.ctl("peers", target=i1.mgmt)
    assert text.rc == 0, str(text)
    assert f"shared storage: Redis cluster {cluster.seeds}, up" in text.out, text.out
    assert cluster.password is None or cluster.password not in text.out, text.out
    assert "cluster: 3 master(s), subscribed on 127.0.0.1:" in text.out, text.out
    for n in cluster.nodes:
        assert re.search(rf"master 127\.0\.0\.1:{n.port} slots [0-9,-]+ \(\d+\)", text.out), \
            text.out
    doc = mu.ctl("peers", target=i2.mgmt, as_json=True).json()["storage"]
    assert doc["mode"] == "redis-cluster" and doc["state"] == "up", doc
    assert sum(m["slots"] for m in doc["masters"]) == 16384, doc
    status = mu.ctl("status", target=i1.mgmt)
    assert "shared storage: Redis cluster 127.0.0.1:" in status.out and \
        "up (3 master(s))" in status.out, status.out


@pytest.mark.own_storage
@pytest.mark.parametrize("cluster", [{"replicas": 1}], ids=["replicas"], indirect=True)
def test_cluster_master_killed_replica_promoted(pool, cluster, sip_client):
    fake, (i1, i2), c, before = registered_everywhere(pool, sip_client, n=2)
    aor = f"sip:1000@{DOMAIN}"
    slot = cluster.slot_of(aor)
    victim = cluster.owner(slot)
    marks = {i.name: len(ha.log_lines(i, UNAVAILABLE)) for i in (i1, i2)}
    restored = {i.name: len(ha.log_lines(i, RESTORED)) for i in (i1, i2)}
    victim.kill()
    for inst in (i1, i2):
        ha.wait_log(inst, UNAVAILABLE, 10.0, after=marks[inst.name])
    promoted = wait_until(lambda: "cluster_state:ok" in cluster.live().command("CLUSTER", "INFO")
                          and cluster.owner(slot) is not victim and cluster.owner(slot),
                          "the cluster promotes the replica", 40.0)
    for inst in (i1, i2):
        ha.wait_log(inst, RESTORED, 40.0, after=restored[inst.name])
        s = storage(inst)
        assert s["state"] == "up" and f"127.0.0.1:{victim.port}" not in \
            [m["address"] for m in s["masters"]], s
    rx = invite_via(fake, i2, c)
    assert rx.msg.ruri == before, rx.describe()
    c2 = sip_client(i2.addr, name="after-failover")
    after = f"sip:1000@127.0.0.1:{c2.port}"
    register(c2, i2, fake, after)
    wait_bindings(i1, lambda b: len(b) == 2, "the binding made after the failover")
    assert any(after in k for k in cluster.keys(promoted)), cluster.keys(promoted)
