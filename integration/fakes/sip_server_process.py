"""A FakeSipServer in a process of its own, so that a test can kill -9 it (a SIP
Server host that dies at once: no goodbye, sockets gone) and start it again on
the same port (the host comes back).

    member = SipServerProcess(port, record_path, name="primary").start()
    member.kill()                       # SIGKILL, waited for
    member.start()                      # the same port, a fresh process
    member.got("BYE", call_id)          # what it received, across restarts

The child runs FakeSipServer with its default policy (OPTIONS 200, INVITE 100,
180, 200, BYE and the rest 200) and appends one JSON line per message it
receives (method or status, Call-ID, CSeq, To tag) to `record_path`, flushed
line by line, so a message received just before the kill is still on file.
Every wait is bounded.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

READY = "ready"
START_TIMEOUT = 10.0


class SipServerProcess:
    def __init__(self, port: int, record_path: Path, *, host: str = "127.0.0.1",
                 name: str = "sip-server-process"):
        self.port = port
        self.host = host
        self.name = name
        self.record_path = Path(record_path)
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self) -> "SipServerProcess":
        self.starts += 1
        before = self._ready_count()
        self.proc = subprocess.Popen(
            [sys.executable, __file__, str(self.port), str(self.record_path), self.name],
            cwd=Path(__file__).resolve().parent.parent, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT
        while self._ready_count() <= before:
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.proc.returncode} at start")
            if time.monotonic() >= deadline:
                raise AssertionError(f"{self.name} not ready within {START_TIMEOUT}s")
            time.sleep(0.05)
        return self

    def kill(self) -> None:
        """SIGKILL, as a host that dies: nothing is answered from now on."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.kill()

    def received(self) -> list[dict]:
        try:
            text = self.record_path.read_text()
        except FileNotFoundError:
            return []
        out = []
        for line in text.splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                continue  # a line cut short by the kill
        return [r for r in out if READY not in r]

    def got(self, method: str, call_id: str) -> list[dict]:
        return [r for r in self.received()
                if r.get("method") == method and r.get("call_id") == call_id]

    def dump(self) -> str:
        return "\n".join(json.dumps(r) for r in self.received()) or "(nothing received)"

    def _ready_count(self) -> int:
        try:
            return self.record_path.read_text().count(f'"{READY}"')
        except FileNotFoundError:
            return 0


def _serve(port: int, record_path: str, name: str) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from fakes.sip_server import FakeSipServer

    out = open(record_path, "a", buffering=1)  # a line per write(): kept across a kill
    server = FakeSipServer(port, name=name)
    add = server.rx.add

    def record(rx):
        add(rx)
        m = rx.msg
        if m is not None:
            out.write(json.dumps({"method": m.method if m.is_request else None,
                                  "status": m.status, "call_id": m.call_id,
                                  "cseq": list(m.cseq) if m.cseq else None,
                                  "to_tag": m.to_tag}) + "\n")

    server.rx.add = record
    server.start()
    out.write(json.dumps({READY: True}) + "\n")
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    while not stop:
        time.sleep(0.1)
    server.stop()


if __name__ == "__main__":
    _serve(int(sys.argv[1]), sys.argv[2], sys.argv[3])
