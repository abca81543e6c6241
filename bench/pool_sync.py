#!/usr/bin/python3
"""How fast registrations made through one instance reach the rest of the pool.

Starts three sipproxyd instances on 127.0.0.1..3 (the integration suite's pool
deployment), a fake SIP Server that accepts every REGISTER, sends N REGISTERs
(distinct AORs) through instance 1 over UDP with a bounded window, and polls
`sipproxyctl registrations` (the count) on every instance until each holds N
or the bound passes.  Prints when instance 1 had them all and when each peer
did, the peers' `sipproxyctl peers` lines, and how long a restarted instance
takes to pull the whole state before it reports ready.  Then it times look-ups:
--lookups MESSAGEs from the fake SIP Server, through instance 2, to registered
AORs, one at a time, from send to arrival at the endpoint (p50/p90/p99).
With --storage redis the same three instances share a redis-server that the
benchmark starts on 127.0.0.1 (no persistence) instead of the peer links.
A benchmark, not a test.

    /usr/bin/python3 bench/pool_sync.py [--count 10000] [--window 200] [--bound 120]
                                        [--lookups 2000] [--storage peers|redis]
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "integration"))

import helpers  # noqa: E402
from fakes import sipmsg  # noqa: E402
from fakes.registrar_server import RegistrarPolicy  # noqa: E402
from fakes.sip_server import FakeSipServer  # noqa: E402
from mgmt_util import ctl  # noqa: E402
from redis_server import RedisServer  # noqa: E402
from test_pool import Instance, pool_config, with_storage  # noqa: E402


def count(inst) -> int:
    r = ctl("registrations", target=inst.mgmt, as_json=True)
    return r.json()["count"] if r.rc == 0 else -1


def lookup_latency(fake, via, endpoint: socket.socket, port: int, n: int) -> None:
    """n MESSAGEs from the SIP Server to registered AORs through `via`, one at a
    time: the time from sending to the endpoint's receiving each (the proxy's
    look-up and forwarding, plus two loopback hops)."""
    while True:  # what is left of the REGISTER answers
        try:
            endpoint.recv(65535)
        except socket.timeout:
            break
    times = []
    for i in range(n):
        user = f"u{(i * 7919) % n:06d}"
        cid = f"lookup-{i}"
        data = sipmsg.build(f"MESSAGE sip:{user}@pool.test SIP/2.0", [
            ("Via", f"SIP/2.0/UDP 127.0.0.1:{fake.port};branch=z9hG4bKlk{i:08x}"),
            ("Max-Forwards", "70"), ("From", f"<sip:agent@127.0.0.1>;tag=l{i}"),
            ("To", f"<sip:{user}@pool.test>"), ("Call-ID", cid), ("CSeq", "1 MESSAGE"),
            ("Content-Length", "0")])
        t = time.perf_counter()
        fake.send(data, via.addr, "UDP")
        deadline = t + 2.0
        while time.perf_counter() < deadline:
            try:
                msg = endpoint.recv(65535)
            except socket.timeout:
                break
            if f"Call-ID: {cid}\r\n".encode() in msg:
                times.append(time.perf_counter() - t)
                break
    if not times:
        print("look-ups: none reached the endpoint")
        return
    times.sort()
    q = lambda p: times[min(len(times) - 1, int(p * len(times)))] * 1e6  # noqa: E731
    print(f"look-ups through {via.app}: {len(times)} of {n} reached the endpoint; "
          f"p50 {q(0.5):.0f} us, p90 {q(0.9):.0f} us, p99 {q(0.99):.0f} us")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--window", type=int, default=200)
    ap.add_argument("--bound", type=float, default=120.0)
    ap.add_argument("--lookups", type=int, default=2000)
    ap.add_argument("--storage", choices=["peers", "redis"], default="peers")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="pool-bench-"))
    redis = RedisServer(work).start() if args.storage == "redis" else None
    fake = FakeSipServer(helpers.free_port(), name="registrar", on_request=RegistrarPolicy())
    fake.start()
    sip_port = helpers.free_port()
    mgmt = [helpers.free_port() for _ in range(3)]
    text = with_storage(pool_config(sip_port, mgmt, fake.port), redis.url if redis else None)
    binary = helpers.proxy_binary()
    pool = [Instance(binary, work, i + 1, sip_port, mgmt[i], text) for i in range(3)]
    for p in pool:
        p.log_level = "standard"
        p.start(wait_ready=False)
    try:
        for p in pool:
            p.wait_ready(timeout=30)
        time.sleep(1.5)  # links up
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.settimeout(0.5)
        port = s.getsockname()[1]
        t0 = time.monotonic()
        sent = ok = 0
        deadline = t0 + args.bound
        while ok < args.count and time.monotonic() < deadline:
            while sent < args.count and sent - ok < args.window:
                user = f"u{sent:06d}"
                aor = f"sip:{user}@pool.test"
                data = sipmsg.build(f"REGISTER sip:pool.test SIP/2.0", [
                    ("Via", f"SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{sent:08x}b"),
                    ("Max-Forwards", "70"), ("From", f"<{aor}>;tag=t{sent}"), ("To", f"<{aor}>"),
                    ("Call-ID", f"bench-{sent}"), ("CSeq", "1 REGISTER"),
                    ("Contact", f"<sip:{user}@127.0.0.1:{port}>;expires=3600")])
                s.sendto(data if isinstance(data, bytes) else data.encode(), pool[0].addr)
                sent += 1
            try:
                msg = s.recv(65535)
            except socket.timeout:
                continue
            if msg.startswith(b"SIP/2.0 200"):
                ok += 1
        t_sent = time.monotonic() - t0
        print(f"{ok} of {args.count} REGISTERs answered 200 via SIPProxy_1 in {t_sent:.2f}s")
        done = {}
        while len(done) < 3 and time.monotonic() < deadline:
            for p in pool:
                if p.app not in done and count(p) >= ok:
                    done[p.app] = time.monotonic() - t0
            time.sleep(0.05)
        for p in pool:
            at = done.get(p.app)
            print(f"{p.app}: {'all ' + str(ok) if at else 'NOT all'} bindings "
                  f"{'at %.2fs' % at if at else 'within the bound'}"
                  f"{' (+%.2fs after the last 200)' % (at - t_sent) if at else ''}")
        print(ctl("peers", target=pool[0].mgmt).out)
        lookup_latency(fake, pool[1], s, port, min(args.lookups, ok))
        # A restart: SIPProxy_3 pulls the whole state from its two peers before 40004.
        pool[2].stop()
        t1 = time.monotonic()
        pool[2].start(wait_ready=True)
        ready = time.monotonic() - t1
        held = count(pool[2])
        sync = [ln for ln in pool[2].log_text().splitlines()
                if "pool: state from" in ln or "shared storage: Redis" in ln]
        print(f"SIPProxy_3 restarted: ready (40004) {ready:.2f}s after exec, holding {held} "
              f"bindings\n  {sync[-1] if sync else '(no sync line)'}")
        return 0 if len(done) == 3 and held >= ok else 1
    finally:
        for p in pool:
            p.stop()
        fake.stop()
        if redis:
            redis.stop()


if __name__ == "__main__":
    sys.exit(main())
