"""A 200 OK to REGISTER means the pool has the binding: real sipproxyd instances
in cluster mode, with peer replication and with Redis as shared storage.

* a phone on a plain UDP socket registers through SIPProxy_1, which is
  SIGKILLed the moment the phone reads the 200 (nothing else runs in between);
  the SIP Server's INVITE through SIPProxy_2 then reaches the phone.  With
  Redis, the key is in Redis at the moment of the kill;
* the same for removals (Expires 0 and `Contact: *`): after the 200 and the
  kill, the INVITE through SIPProxy_2 does not reach the phone;
* the kill tests again with a Redis Cluster (three masters) as storage;
* the timeout path: the peer frozen (SIGSTOP), or Redis frozen, during a
  REGISTER: the 2xx is relayed after registration-confirm-timeout, counted as
  unconfirmed, event 40010 is logged, the binding is kept and reaches the peer
  (or Redis) once it is back;
* registration-confirm-peers with three instances and one frozen: `all` waits
  for the frozen one (the wait times out, 40010), `one` does not;
* Redis down (SIGSTOP, detected by its missed PINGs): a REGISTER's change is
  queued and written when Redis is back, without the phone registering again;
  past the queue's bound (SIPPROXY_REDIS_QUEUE_CAP, a test knob) the queue is
  dropped with event 40008, the alarm and the counter say so, and the write of
  everything held at reconnection still brings every binding to Redis.

The kill tests run with send-data-timeout = 100 (the default): the batch that
used to carry the binding after the 200 left.  Every wait is bounded.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time

import pytest

import ha
import helpers
import mgmt_util as mu
from fakes import sipmsg
from fakes.registrar_server import server_request
from redis_server import REDIS_CLI, REDIS_SERVER, RedisCluster, RedisServer
from test_pool import DOMAIN, pool, pool_config, wait_all_linked, wait_bindings  # noqa: F401

NOT_CONFIRMED = r"\b40010 SPR_REGISTRATION_NOT_CONFIRMED"


def template(n: int = 2, **options: str) -> str:
    """The `n`-instance deployment of the pool fixture as a template ({sip_port},
    {mgmtN}, {server_port}), with `options` (name with underscores) replaced or added."""
    text = pool_config("{sip_port}", [f"{{mgmt{i + 1}}}" for i in range(n)], "{server_port}")
    for name, value in options.items():
        key = name.replace("_", "-")
        lines = [ln for ln in text.splitlines() if not ln.startswith(f"{key} =")]
        lines.insert(1, f"{key} = {value}")
        text = "\n".join(lines) + "\n"
    return text


@pytest.fixture(params=["peers", "redis"])
def shared_storage(request, tmp_path):
    """Each test runs with peer replication and with one Redis server (a test may
    ask for "redis-cluster" too, by indirect parametrisation)."""
    if request.param == "peers":
        yield None
        return
    if REDIS_SERVER is None and not helpers.ci():
        pytest.skip("redis-server is not installed (Debian: redis-server)")
    if request.param == "redis-cluster":
        if REDIS_CLI is None and not helpers.ci():
            pytest.skip("redis-cli is not installed (Debian: redis-tools)")
        c = RedisCluster(tmp_path).start()
        request.node.redis_cluster = c
        yield c.url
        c.stop()
        return
    r = RedisServer(tmp_path).start()
    request.node.redis = r
    yield r.url
    r.stop()


class Phone:
    """A phone on a plain UDP socket at 127.0.0.1."""

    def __init__(self, user: str):
        self.user = user
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.contact = f"sip:{user}@127.0.0.1:{self.port}"
        self.cseq = 0
        self.call_id = sipmsg.new_call_id("durable")

    def close(self) -> None:
        self.sock.close()

    def register(self, via, *, expires: int = 600, star: bool = False,
                 kill_at_200: bool = False, timeout: float = 10.0) -> sipmsg.SipMessage:
        """REGISTER through `via`; with kill_at_200 `via` is SIGKILLed as soon as
        the 200 is read.  Returns the final response."""
        self.cseq += 1
        aor = f"sip:{self.user}@{DOMAIN}"
        data = sipmsg.request(
            "REGISTER", f"sip:{DOMAIN}",
            via=sipmsg.via_value("UDP", "127.0.0.1", self.port), call_id=self.call_id,
            from_=f"<{aor}>;tag={sipmsg.new_tag()}", to=f"<{aor}>", cseq=self.cseq,
            contact="*" if star else f"<{self.contact}>;expires={expires}",
            extra=[("Expires", "0")] if star else None)
        self.sock.sendto(data, via.addr)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            assert left > 0, f"no final response to REGISTER from {via.name}"
            self.sock.settimeout(left)
            pkt, _ = self.sock.recvfrom(65535)
            msg = sipmsg.parse(pkt)
            if not msg.is_response or msg.call_id != self.call_id or msg.status < 200:
                continue
            if kill_at_200 and msg.status == 200:
                os.kill(via.proc.pid, signal.SIGKILL)  # the moment the 200 is read
            return msg

    def invited_via(self, fake, inst, timeout: float = 10.0) -> tuple[bool, int]:
        """The SIP Server INVITEs the phone's AOR through `inst`. Returns (whether
        the phone received it, the final status the SIP Server got)."""
        result = {}

        def run():
            result["v"] = server_request(fake, inst.addr, "INVITE",
                                         f"sip:{self.user}@{DOMAIN}", timeout=timeout)

        t = threading.Thread(target=run, daemon=True)
        t.start()
        reached = False
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not reached and t.is_alive():
            self.sock.settimeout(0.05)
            try:
                pkt, src = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            msg = sipmsg.parse(pkt)
            if msg.is_request and msg.method == "INVITE":
                reached = True
                self.sock.sendto(sipmsg.response(msg, 200, to_tag=sipmsg.new_tag(),
                                                 extra=[("Contact", f"<{self.contact}>")],
                                                 copy_record_route=True), src)
        t.join(timeout=timeout + 5)
        assert "v" in result, f"no final response through {inst.name}:\n{fake.dump()}"
        return reached, result["v"][1].status


def killed(inst) -> None:
    """`inst` was SIGKILLed on purpose: reaped, and not reported at teardown."""
    inst.proc.wait(timeout=5)
    inst.stop()
    inst.proc = None


def counters(inst) -> dict:
    return mu.ctl("status", target=inst.mgmt, as_json=True).json()["counters"]


def redis_key(request, phone: Phone) -> str | None:
    key = f"sipproxy:b:{{sip:{phone.user}@{DOMAIN}}}:{phone.contact}"
    c = getattr(request.node, "redis_cluster", None)
    if c is not None:
        return c.owner(c.slot_of(key)).command("GET", key)
    r = getattr(request.node, "redis", None)
    if r is None:
        return None
    return r.command("GET", key)


def two(pool, **options):
    fake, (i1, i2) = pool(n=2, texts={1: template(**options), 2: template(**options)})
    return fake, i1, i2


def linked(request, i1, i2) -> None:
    if getattr(request.node, "redis", None) is None and \
            getattr(request.node, "redis_cluster", None) is None:
        wait_all_linked([i1, i2])


WITH_CLUSTER = pytest.mark.parametrize("shared_storage", ["peers", "redis", "redis-cluster"],
                                       indirect=True)


@WITH_CLUSTER
def test_registration_survives_the_kill_of_its_instance_at_the_200(pool, shared_storage,
                                                                   request):
    fake, i1, i2 = two(pool, send_data_timeout="100")
    rounds = 3
    for n in range(rounds):
        if n:
            i1.start(wait_ready=True)
        linked(request, i1, i2)
        phone = Phone(f"20{n}")
        try:
            assert phone.register(i1, kill_at_200=True).status == 200
            killed(i1)
            if shared_storage:
                value = redis_key(request, phone)
                assert value is not None and " SIPProxy_1\n" in value, value
            reached, status = phone.invited_via(fake, i2)
            assert reached and status == 200, \
                f"round {n}: the INVITE via SIPProxy_2 got {status}\n" + \
                helpers.tail(i2.log_path, 30)
        finally:
            phone.close()


@WITH_CLUSTER
@pytest.mark.parametrize("removal", ["expires0", "star"])
def test_removal_survives_the_kill_of_its_instance_at_the_200(pool, shared_storage, request,
                                                              removal):
    fake, i1, i2 = two(pool, send_data_timeout="100")
    linked(request, i1, i2)
    phone = Phone("300")
    try:
        assert phone.register(i2).status == 200
        wait_bindings_of(i1, phone, lambda b: len(b) == 1, "the binding made via SIPProxy_2")
        if removal == "star":
            resp = phone.register(i1, star=True, kill_at_200=True)
        else:
            resp = phone.register(i1, expires=0, kill_at_200=True)
        assert resp.status == 200, resp.text
        killed(i1)
        if shared_storage:
            # Redis holds SIPProxy_1's tombstone at the moment of the kill.
            value = redis_key(request, phone)
            assert value is not None and " SIPProxy_1\n" in value and '"d":true' in value, value
        reached, status = phone.invited_via(fake, i2)
        assert not reached and status >= 400, \
            f"the removed binding still rang via SIPProxy_2 ({status})"
    finally:
        phone.close()


def wait_bindings_of(inst, phone: Phone, pred, what: str, timeout: float = 10.0) -> list:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        r = mu.ctl("registrations", f"sip:{phone.user}@{DOMAIN}", target=inst.mgmt,
                   as_json=True)
        last = r.json().get("bindings", []) if r.rc == 0 else None
        if last is not None and pred(last):
            return last
        time.sleep(0.05)
    raise AssertionError(f"{inst.name}: {what} within {timeout}s; bindings: {last}")


def test_frozen_pool_relays_the_200_after_the_wait_and_delivers_later(pool, shared_storage,
                                                                      request):
    # wait-response-timeout 5: the frozen peer stays "connected" for the REGISTER, so
    # the wait (300 ms) is what ends it.
    fake, i1, i2 = two(pool, wait_response_timeout="5")
    linked(request, i1, i2)
    redis = getattr(request.node, "redis", None)
    frozen = redis.proc if redis else i2.proc
    phone = Phone("400")
    before = len(ha.log_lines(i1, NOT_CONFIRMED))
    frozen.send_signal(signal.SIGSTOP)
    try:
        t0 = time.monotonic()
        resp = phone.register(i1)
        waited = time.monotonic() - t0
        assert resp.status == 200, resp.text
        c = counters(i1)
        assert c["registrations_unconfirmed_timeout"] == 1, c
        assert c["registrations_confirmed"] == 0, c
        line = ha.wait_log(i1, NOT_CONFIRMED, 5.0, after=before)
        assert "registration-confirm-timeout (300 ms)" in line, line
        print(f"2xx relayed {waited * 1000:.0f} ms after the REGISTER (wait 300 ms)")
        # The binding is held here meanwhile.
        wait_bindings_of(i1, phone, lambda b: len(b) == 1, "the binding kept on SIPProxy_1")
    finally:
        frozen.send_signal(signal.SIGCONT)
    # Delivered once the peer (or Redis) is back.
    wait_bindings_of(i2, phone, lambda b: len(b) == 1, "the binding delivered after SIGCONT",
                     timeout=30)
    if redis:
        deadline = time.monotonic() + 30
        while redis_key(request, phone) is None:
            assert time.monotonic() < deadline, "the binding never reached Redis"
            time.sleep(0.1)
    phone.close()


def test_confirmed_registration_is_counted(pool, shared_storage, request):
    fake, (i1, i2) = pool(n=2)
    linked(request, i1, i2)
    phone = Phone("500")
    try:
        assert phone.register(i1).status == 200
        c = counters(i1)
        assert c["registrations_confirmed"] == 1, c
        assert c["registrations_unconfirmed_timeout"] == 0, c
        assert c["registrations_unconfirmed_unavailable"] == 0, c
        r = mu.http(i1.http_port, "/metrics", host=i1.host)
        assert r.status == 200, r.raw[:300]
        m = mu.parse_prometheus(r.body)
        assert m.value("sipproxy_registrations_relayed_total", confirmation="confirmed") == 1
        assert m.value("sipproxy_registration_confirm_seconds_count") == 1
    finally:
        phone.close()


@pytest.mark.parametrize("shared_storage", ["peers"], indirect=True)
@pytest.mark.parametrize("peers", ["one", "all"])
def test_confirm_peers_all_waits_for_a_frozen_peer_and_one_does_not(pool, shared_storage,
                                                                    peers):
    # Three instances; SIPProxy_3 frozen. wait-response-timeout 5: its link stays live
    # (not yet found silent) during the REGISTER, so `all` has to wait for it.
    text = template(3, registration_confirm_peers=peers, wait_response_timeout="5")
    fake, (i1, i2, i3) = pool(n=3, texts={1: text, 2: text, 3: text})
    wait_all_linked([i1, i2, i3])
    phone = Phone("600")
    before = len(ha.log_lines(i1, NOT_CONFIRMED))
    i3.proc.send_signal(signal.SIGSTOP)
    try:
        assert phone.register(i1).status == 200
        c = counters(i1)
        if peers == "all":
            assert c["registrations_unconfirmed_timeout"] == 1, c
            assert c["registrations_confirmed"] == 0, c
            line = ha.wait_log(i1, NOT_CONFIRMED, 5.0, after=before)
            assert "registration-confirm-timeout (300 ms)" in line, line
        else:
            assert c["registrations_confirmed"] == 1, c
            assert c["registrations_unconfirmed_timeout"] == 0, c
            assert len(ha.log_lines(i1, NOT_CONFIRMED)) == before
        # Either way SIPProxy_2, live, has it.
        wait_bindings_of(i2, phone, lambda b: len(b) == 1, "the binding on SIPProxy_2")
    finally:
        i3.proc.send_signal(signal.SIGCONT)
    wait_bindings_of(i3, phone, lambda b: len(b) == 1, "the binding delivered after SIGCONT",
                     timeout=30)
    phone.close()


def storage_status(inst) -> dict:
    return mu.ctl("status", target=inst.mgmt, as_json=True).json()["shared_storage"]


def alarms(inst) -> list[str]:
    return mu.ctl("status", target=inst.mgmt, as_json=True).json()["alarms"]


def wait_storage(inst, pred, what: str, timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        st = storage_status(inst)
        if pred(st):
            return st
        assert time.monotonic() < deadline, f"{inst.name}: {what} within {timeout}s: {st}"
        time.sleep(0.1)


def wait_redis_key(request, phone: Phone, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        value = redis_key(request, phone)
        if value is not None:
            return value
        assert time.monotonic() < deadline, f"{phone.contact} never reached Redis"
        time.sleep(0.1)


@pytest.mark.parametrize("shared_storage", ["redis"], indirect=True)
@pytest.mark.parametrize("outage", ["sigstop", "kill"])
def test_changes_made_while_redis_is_down_are_queued_and_written_when_it_is_back(
        pool, shared_storage, request, outage):
    """sigstop: Redis frozen, found down by its missed PINGs (answer deadline 2 s), then
    thawed with its data; kill: SIGKILLed (connection closed), then started again empty
    on the same port."""
    fake, (i1, i2) = pool(n=2)  # with http-port, for /metrics
    redis = request.node.redis
    if outage == "sigstop":
        redis.proc.send_signal(signal.SIGSTOP)
    else:
        redis.kill()
    phone = Phone("700")
    try:
        wait_storage(i1, lambda st: st["state"] != "up", "Redis found unavailable")
        assert phone.register(i1).status == 200
        st = storage_status(i1)
        assert st["queued"] == 1 and st["queue_overflows"] == 0, st
        assert any("40008" in a and "1 change(s) queued" in a for a in alarms(i1)), alarms(i1)
        text = mu.ctl("peers", target=i1.mgmt).out
        assert "while Redis was away: 1 queued (at most 20000)" in text, text
        r = mu.http(i1.http_port, "/metrics", host=i1.host)
        assert mu.parse_prometheus(r.body).value("sipproxy_shared_storage_queued") == 1
    finally:
        if outage == "sigstop":
            redis.proc.send_signal(signal.SIGCONT)
        else:
            redis.start()
    # The phone does not register again: the queued change is written at reconnection.
    value = wait_redis_key(request, phone)
    assert " SIPProxy_1\n" in value, value
    st = wait_storage(i1, lambda st: st["state"] == "up", "Redis available again")
    assert st["queued"] == 0 and st["queued_written"] == 1, st
    # The pool has it: SIPProxy_1 killed, the INVITE through SIPProxy_2 reaches the phone.
    os.kill(i1.proc.pid, signal.SIGKILL)
    killed(i1)
    wait_storage(i2, lambda st: st["state"] == "up", "Redis available again on SIPProxy_2")
    reached, status = phone.invited_via(fake, i2)
    assert reached and status == 200, f"the INVITE via SIPProxy_2 got {status}"
    phone.close()


@pytest.mark.parametrize("shared_storage", ["redis"], indirect=True)
def test_redis_queue_past_its_bound_is_dropped_with_an_alarm_and_nothing_is_lost(
        pool, shared_storage, request, monkeypatch):
    monkeypatch.setenv("SIPPROXY_REDIS_QUEUE_CAP", "2")
    fake, (i1, i2) = pool(n=2)  # with http-port, for /metrics
    redis = request.node.redis
    overflow = r"\b40008 SPR_SHARED_STORAGE_UNAVAILABLE.*more than 2 changes are queued"
    phones = [Phone(f"80{n}") for n in range(4)]
    redis.proc.send_signal(signal.SIGSTOP)
    try:
        wait_storage(i1, lambda st: st["state"] != "up", "Redis found unavailable")
        for n, phone in enumerate(phones[:2]):
            assert phone.register(i1).status == 200
        st = storage_status(i1)
        assert st["queued"] == 2 and st["queue_overflows"] == 0 and st["queue_cap"] == 2, st
        assert not ha.log_lines(i1, overflow)
        # The third change passes the bound: dropped, counted, logged, in the alarm.
        assert phones[2].register(i1).status == 200
        st = storage_status(i1)
        assert st["queued"] == 0 and st["queue_overflows"] == 1 and st["queue_overflowed"], st
        ha.wait_log(i1, overflow, 5.0)
        assert any("40008" in a and "more than 2 changes were made meanwhile" in a
                   for a in alarms(i1)), alarms(i1)
        r = mu.http(i1.http_port, "/metrics", host=i1.host)
        m = mu.parse_prometheus(r.body)
        assert m.value("sipproxy_shared_storage_queue_overflows_total") == 1
        # Once dropped, the outage's later changes are not queued (nor counted again).
        assert phones[3].register(i1).status == 200
        st = storage_status(i1)
        assert st["queued"] == 0 and st["queue_overflows"] == 1, st
        assert len(ha.log_lines(i1, overflow)) == 1
    finally:
        redis.proc.send_signal(signal.SIGCONT)
    # The write of everything held at reconnection brings every binding to Redis.
    for phone in phones:
        assert " SIPProxy_1\n" in wait_redis_key(request, phone)
    st = wait_storage(i1, lambda st: st["state"] == "up", "Redis available again")
    assert not st["queue_overflowed"], st
    assert not any("40008" in a for a in alarms(i1)), alarms(i1)
    for phone in phones:
        phone.close()
