#!/usr/bin/python3
"""What the REGISTER confirmation costs and what it buys.

Starts two sipproxyd instances on 127.0.0.1 and 127.0.0.2 (the integration
suite's pool deployment, send-data-timeout = 100, the default) and a fake SIP
Server that accepts every REGISTER, with peer links, or (--storage redis) a
redis-server the script starts, or (--storage redis-cluster) a Redis Cluster of
three masters it starts.  Then, once with the given
registration-confirm-timeout and once with 0 (no wait, the behaviour before the
confirmation existed):

* latency: --count REGISTERs (distinct AORs) through instance 1, one at a
  time, each timed from send to the 200 (p50/p99);
* kills: --kills rounds of a phone registering through instance 1, which is
  SIGKILLed the moment the phone reads the 200; the SIP Server then INVITEs the
  phone through instance 2.  Counts the rounds whose binding was lost.

A benchmark, not a test.

    /usr/bin/python3 bench/register_confirm.py [--count 1000] [--kills 10]
                                               [--storage peers|redis|redis-cluster]
                                               [--wait 300]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "integration"))

import helpers  # noqa: E402
from fakes.registrar_server import RegistrarPolicy  # noqa: E402
from fakes.sip_server import FakeSipServer  # noqa: E402
from mgmt_util import ctl  # noqa: E402
from redis_server import RedisCluster, RedisServer  # noqa: E402
from test_pool import Instance, pool_config, with_storage  # noqa: E402
from test_register_durable import Phone  # noqa: E402


def linked(insts, redis) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if redis:
            if all(ctl("status", target=i.mgmt, as_json=True).json()["shared_storage"]["state"]
                   == "up" for i in insts):
                return
        else:
            if all(p["link"] == "up" for i in insts
                   for p in ctl("peers", target=i.mgmt, as_json=True).json()["peers"]):
                return
        time.sleep(0.05)
    raise SystemExit("the pool did not come up")


def run(args, wait: int, work: Path) -> None:
    redis = {"redis": RedisServer, "redis-cluster": RedisCluster}.get(args.storage)
    redis = redis(work).start() if redis else None
    fake = FakeSipServer(helpers.free_port(), name="registrar", on_request=RegistrarPolicy())
    fake.start()
    sip_port = helpers.free_port()
    mgmt = [helpers.free_port() for _ in range(2)]
    text = pool_config(sip_port, mgmt, fake.port).replace(
        "send-data-timeout = 20", f"send-data-timeout = 100\nregistration-confirm-timeout = {wait}")
    text = with_storage(text, redis.url if redis else None)
    pool = [Instance(helpers.proxy_binary(), work, i + 1, sip_port, mgmt[i], text)
            for i in range(2)]
    for p in pool:
        p.log_level = "standard"
        p.start(wait_ready=True)
    try:
        linked(pool, redis)
        times = []
        for n in range(args.count):
            phone = Phone(f"lat{n:05d}")
            t = time.perf_counter()
            if phone.register(pool[0]).status == 200:
                times.append(time.perf_counter() - t)
            phone.close()
        times.sort()
        q = lambda p: times[min(len(times) - 1, int(p * len(times)))] * 1e3  # noqa: E731
        print(f"{args.storage}, registration-confirm-timeout = {wait}: {len(times)} REGISTERs, "
              f"p50 {q(0.5):.2f} ms, p99 {q(0.99):.2f} ms")
        lost = 0
        for k in range(args.kills):
            if k:
                pool[0].start(wait_ready=True)
                linked(pool, redis)
            phone = Phone(f"kill{wait}x{k}")
            assert phone.register(pool[0], kill_at_200=True).status == 200
            pool[0].proc.wait(timeout=5)
            pool[0].stop()
            reached, _ = phone.invited_via(fake, pool[1])
            lost += not reached
            phone.close()
        print(f"{args.storage}, registration-confirm-timeout = {wait}: "
              f"{lost} of {args.kills} bindings lost when the instance is killed at the 200")
    finally:
        for p in pool:
            p.stop()
        fake.stop()
        if redis:
            redis.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--kills", type=int, default=10)
    ap.add_argument("--storage", choices=["peers", "redis", "redis-cluster"], default="peers")
    ap.add_argument("--wait", type=int, default=300)
    args = ap.parse_args()
    for wait in (args.wait, 0):
        run(args, wait, Path(tempfile.mkdtemp(prefix="register-confirm-")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
