"""A real redis-server (Debian's) for the shared-storage tests: started by the
test on 127.0.0.1 and a port from helpers.free_port(), with no persistence
(`--save '' --appendonly no`) in its own temporary directory, so that a restart
is an empty Redis.  A tiny RESP client reads and writes it directly."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import helpers

REDIS_SERVER = shutil.which("redis-server")


class RedisServer:
    def __init__(self, workdir: Path, port: int | None = None, password: str | None = None):
        self.port = port or helpers.free_port()
        self.password = password
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
             *(["--requirepass", self.password] if self.password else [])],
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
