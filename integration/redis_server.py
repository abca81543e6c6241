"""A real redis-server (Debian's) for the shared-storage tests: started by the
test on 127.0.0.1 and a port from helpers.free_port(), with no persistence
(`--save '' --appendonly no`) in its own temporary directory, so that a restart
is an empty Redis.  A tiny RESP client reads and writes it directly.

RedisCluster: three (or more) such servers with `--cluster-enabled yes` (the bus
port is given with `--cluster-port`, also from free_port(), since the default
PORT+10000 may be past 65535 or taken), joined by `redis-cli --cluster create`.
RedisSentinels: a master, a replica (`--replicaof`) and sentinels
(`redis-server sentinel.conf --sentinel`) that monitor it as "m" with short
down-after/failover timeouts.  Every wait is bounded."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import helpers

REDIS_SERVER = shutil.which("redis-server")
REDIS_CLI = shutil.which("redis-cli")


class RedisServer:
    def __init__(self, workdir: Path, port: int | None = None, password: str | None = None,
                 extra: list[str] | None = None):
        self.port = port or helpers.free_port()
        self.password = password
        self.extra = list(extra or [])
        self.dir = workdir / f"redis-{self.port}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.dir / "redis.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}"

    def start(self, timeout: float = 10.0) -> "RedisServer":
        assert REDIS_SERVER, "redis-server is not installed"
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", str(self.dir), "--logfile", str(self.log_path),
             "--daemonize", "no", "--protected-mode", "no",
             # A replica's first sync starts at once, not after the default 5 s wait
             # for more replicas to share a diskless transfer.
             "--repl-diskless-sync-delay", "0",
             *(["--requirepass", self.password, "--masterauth", self.password]
               if self.password else []), *self.extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.command("PING") == "PONG":
                    return self
            except OSError:
                pass
            assert self.proc.poll() is None, f"redis-server exited:\n{helpers.tail(self.log_path)}"
            time.sleep(0.05)
        raise AssertionError(f"redis-server did not answer PING:\n{helpers.tail(self.log_path)}")

    def kill(self) -> None:
        """SIGKILL: no goodbye to the clients, and (no persistence) all data gone."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None

    def command(self, *args: str, timeout: float = 5.0):
        """One command on a new connection; the decoded reply (str, int, list, None).
        An error reply raises RuntimeError."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
            f = s.makefile("rb")
            if self.password:
                s.sendall(_encode("AUTH", self.password))
                _read(f)
            s.sendall(_encode(*args))
            return _read(f)


def _encode(*args: str) -> bytes:
    out = f"*{len(args)}\r\n".encode()
    for a in args:
        b = a.encode() if isinstance(a, str) else a
        out += b"$%d\r\n%s\r\n" % (len(b), b)
    return out


def _read(f):
    line = f.readline()
    if not line:
        raise OSError("connection closed")
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RuntimeError(rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)[:-2]
        return data.decode(errors="replace")
    if kind == b"*":
        n = int(rest)
        return None if n < 0 else [_read(f) for _ in range(n)]
    raise OSError(f"unexpected RESP line {line!r}")


def wait_until(pred, what: str, timeout: float = 20.0, step: float = 0.1):
    """Bounded poll: pred()'s first truthy value; AssertionError after `timeout`."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = pred()
            if last:
                return last
        except (OSError, RuntimeError) as e:
            last = e
        time.sleep(step)
    raise AssertionError(f"{what}: not within {timeout}s (last: {last!r})")


class RedisCluster:
    """`masters` cluster-enabled redis-servers (and `replicas` replicas of each),
    every slot served."""

    def __init__(self, workdir: Path, masters: int = 3, password: str | None = None,
                 replicas: int = 0):
        self.password = password
        self.masters = masters
        self.replicas = replicas
        self.dead_port = helpers.free_port()
        self.nodes = []
        for _ in range(masters * (1 + replicas)):
            port = helpers.free_port()
            self.nodes.append(RedisServer(workdir, port=port, password=password, extra=[
                "--cluster-enabled", "yes", "--cluster-config-file", f"nodes-{port}.conf",
                "--cluster-port", str(helpers.free_port()), "--cluster-node-timeout", "3000"]))

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return "redis-cluster://" + auth + self.seeds

    @property
    def seeds(self) -> str:
        """A seed where nothing listens first: every connection asks them in turn."""
        return ",".join(f"127.0.0.1:{p}" for p in [self.dead_port, *(n.port for n in self.nodes)])

    def start(self, timeout: float = 30.0) -> "RedisCluster":
        assert REDIS_CLI, "redis-cli is not installed"
        for n in self.nodes:
            n.start()
        r = subprocess.run([REDIS_CLI, "--cluster", "create",
                            *(f"127.0.0.1:{n.port}" for n in self.nodes),
                            "--cluster-replicas", str(self.replicas), "--cluster-yes",
                            *(["-a", self.password, "--no-auth-warning"] if self.password else [])],
                           capture_output=True, text=True, timeout=timeout)
        assert r.returncode == 0, f"redis-cli --cluster create failed:\n{r.stdout}\n{r.stderr}"
        for n in self.nodes:
            wait_until(lambda n=n: self.healthy(n), f"cluster_state:ok on {n.port}", timeout)
        return self

    def healthy(self, n: RedisServer) -> bool:
        """cluster_state:ok, `masters` ranges, each with all its replicas."""
        slots = n.command("CLUSTER", "SLOTS")
        return ("cluster_state:ok" in n.command("CLUSTER", "INFO") and len(slots) == self.masters
                and all(len(r) - 2 == 1 + self.replicas for r in slots))

    def live(self) -> RedisServer:
        return next(n for n in self.nodes if n.proc is not None)

    def stop(self) -> None:
        for n in self.nodes:
            n.stop()

    def node_id(self, node: RedisServer) -> str:
        return node.command("CLUSTER", "MYID")

    def slot_of(self, key: str) -> int:
        return self.live().command("CLUSTER", "KEYSLOT", key)

    def owner(self, slot: int) -> RedisServer:
        for first, last, master, *_ in self.live().command("CLUSTER", "SLOTS"):
            if first <= slot <= last:
                return next(n for n in self.nodes if n.port == master[1])
        raise AssertionError(f"no node serves slot {slot}")

    def keys(self, node: RedisServer, pattern: str = "sipproxy:b:*") -> list[str]:
        return sorted(node.command("KEYS", pattern))

    def begin_migration(self, slot: int, src: RedisServer, dst: RedisServer) -> None:
        """The slot MIGRATING on src and IMPORTING on dst: src answers -ASK for
        keys it no longer has."""
        dst.command("CLUSTER", "SETSLOT", str(slot), "IMPORTING", self.node_id(src))
        src.command("CLUSTER", "SETSLOT", str(slot), "MIGRATING", self.node_id(dst))

    def move_keys(self, slot: int, src: RedisServer, dst: RedisServer) -> list[str]:
        """MIGRATE every key of the slot that src still has to dst; the keys moved."""
        keys = src.command("CLUSTER", "GETKEYSINSLOT", str(slot), "1000")
        if keys:
            src.command("MIGRATE", "127.0.0.1", str(dst.port), "", "0", "5000", "KEYS", *keys)
        return keys

    def end_migration(self, slot: int, dst: RedisServer) -> None:
        """The slot is dst's, on every node (src then answers -MOVED)."""
        dst_id = self.node_id(dst)
        for n in [dst] + [n for n in self.nodes if n is not dst]:
            n.command("CLUSTER", "SETSLOT", str(slot), "NODE", dst_id)


class RedisSentinels:
    """A master, one replica of it, and `count` sentinels monitoring it as
    `name` (quorum 1, down after 1 s, failover timeout 5 s)."""

    def __init__(self, workdir: Path, count: int = 3, name: str = "m",
                 password: str | None = None):
        self.workdir = workdir
        self.name = name
        self.password = password
        self.master = RedisServer(workdir, password=password)
        self.replica = RedisServer(workdir, password=password,
                                   extra=["--replicaof", "127.0.0.1", str(self.master.port)])
        self.ports = [helpers.free_port() for _ in range(count)]
        # A sentinel address where nothing listens, first: every connection asks
        # the sentinels in turn.
        self.dead_port = helpers.free_port()
        self.procs: list[subprocess.Popen] = []

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return ("redis-sentinel://" + auth + ",".join(f"127.0.0.1:{p}"
                                              for p in [self.dead_port, *self.ports])
                + f"/{self.name}")

    def start(self, timeout: float = 30.0, failover: bool = True) -> "RedisSentinels":
        """Started when every sentinel names the master; with `failover`, also when
        each knows the replica and the other sentinels (a failover needs them; it
        takes a few seconds of their hello messages)."""
        self.master.start()
        self.replica.start()
        wait_until(lambda: "master_link_status:up" in self.replica.command("INFO", "replication"),
                   "the replica in sync", timeout)
        for port in self.ports:
            d = self.workdir / f"sentinel-{port}"
            d.mkdir(parents=True, exist_ok=True)
            conf = d / "sentinel.conf"
            conf.write_text("\n".join([
                f"port {port}", "bind 127.0.0.1", "protected-mode no", "daemonize no",
                f"dir {d}", f"logfile {d / 'sentinel.log'}",
                f"sentinel monitor {self.name} 127.0.0.1 {self.master.port} 1",
                f"sentinel down-after-milliseconds {self.name} 1000",
                f"sentinel failover-timeout {self.name} 5000",
                f"sentinel parallel-syncs {self.name} 1",
                *([f"sentinel auth-pass {self.name} {self.password}"] if self.password else []),
                ""]))
            self.procs.append(subprocess.Popen([REDIS_SERVER, str(conf), "--sentinel"],
                                               stdout=subprocess.DEVNULL,
                                               stderr=subprocess.STDOUT))
        for port in self.ports:
            wait_until(lambda port=port: self.sentinel(port, "SENTINEL", "get-master-addr-by-name",
                                                       self.name) == ["127.0.0.1",
                                                                      str(self.master.port)],
                       f"sentinel {port} names the master", timeout)
            if not failover:
                continue
            # Each knows the replica and the other sentinels (a failover needs them).
            wait_until(lambda port=port: len(self.sentinel(port, "SENTINEL", "replicas",
                                                           self.name)) == 1
                       and len(self.sentinel(port, "SENTINEL", "sentinels", self.name))
                       == len(self.ports) - 1,
                       f"sentinel {port} knows the replica and the other sentinels", timeout)
        return self

    def sentinel(self, port: int, *args: str, timeout: float = 5.0):
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            f = s.makefile("rb")
            s.sendall(_encode(*args))
            return _read(f)

    def kill_sentinel(self, port: int) -> None:
        p = self.procs[self.ports.index(port)]
        p.kill()
        p.wait(timeout=10)

    def named_master(self) -> int:
        """The master's port as the first live sentinel names it."""
        port = next(pt for pt, p in zip(self.ports, self.procs) if p.poll() is None)
        return int(self.sentinel(port, "SENTINEL", "get-master-addr-by-name", self.name)[1])

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(timeout=10)
        self.procs = []
        self.replica.stop()
        self.master.stop()


class SharedSets:
    """The module's Redis sets (a Sentinel set, a Cluster) for the tests that do not
    break them: one per configuration, started on first use and stopped at the end
    of the module (per xdist worker).  `take(key)` hands one out empty: it checks
    that the set is still whole (`healthy(s)`, else it is replaced by a fresh one)
    and flushes it (`flush(s)`).  Tests that kill, freeze, fail over or migrate
    something start their own set instead."""

    def __init__(self, make, healthy, flush):
        self._make, self._healthy, self._flush = make, healthy, flush
        self._sets: dict = {}

    def take(self, key):
        s = self._sets.get(key)
        if s is not None:
            try:
                whole = self._healthy(s)
            except (OSError, RuntimeError, AssertionError):
                whole = False
            if not whole:
                s.stop()
                s = None
        if s is None:
            s = self._sets[key] = self._make(key)
        self._flush(s)
        return s

    def stop(self) -> None:
        for s in self._sets.values():
            s.stop()
        self._sets = {}


def sentinels_whole(s: "RedisSentinels") -> bool:
    """Every process of the set alive, the master still the master, nothing to do."""
    return (all(p.poll() is None for p in s.procs) and s.master.proc is not None
            and s.master.proc.poll() is None and s.replica.proc is not None
            and s.replica.proc.poll() is None and s.named_master() == s.master.port
            and "master_link_status:up" in s.replica.command("INFO", "replication"))


def flush_sentinels(s: "RedisSentinels") -> None:
    s.master.command("FLUSHALL")
    # The replica has it too before the next test (at most 5 s).
    assert s.master.command("WAIT", "1", "5000") >= 1, "the replica did not take the FLUSHALL"


def cluster_whole(c: "RedisCluster") -> bool:
    return (all(n.proc is not None and n.proc.poll() is None for n in c.nodes)
            and all(c.healthy(n) for n in c.nodes))


def flush_cluster(c: "RedisCluster") -> None:
    for n in c.nodes:
        if "role:master" in n.command("INFO", "replication"):
            n.command("FLUSHALL")
    for n in c.nodes:
        assert n.command("DBSIZE") == 0 or "role:slave" in n.command("INFO", "replication")
