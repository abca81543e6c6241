"""Process and port helpers for the sipproxyd integration suite.

Everything runs on 127.0.0.1; every wait here is bounded.
"""

from __future__ import annotations

import atexit
import fcntl
import os
import random
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

from fakes import sipmsg
from fakes.sip_client import SipClient
from fakes.sip_server import FakeSipServer

INTEGRATION_DIR = Path(__file__).resolve().parent
REPO_ROOT = INTEGRATION_DIR.parent
SCENARIOS = INTEGRATION_DIR / "scenarios"
SIPP = os.environ.get("SIPP", "/usr/bin/sipp")

READY_EVENT = "40004"          # SPR_PROXY_INITIALIZED
START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


def ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def proxy_binary() -> Path:
    """$SIPPROXYD (relative paths are taken from the repository root), or the
    default build output."""
    p = Path(os.environ.get("SIPPROXYD", "build/bin/sipproxyd"))
    if not p.is_absolute():
        p = REPO_ROOT / p
    return p


def tool_binary(name: str) -> Path:
    """sipproxyctl or sipprobe: $SIPPROXYCTL / $SIPPROBE when set (relative paths are
    taken from the repository root), else the one beside the sipproxyd under test, so
    that the sanitizer pass (SIPPROXYD=build-asan/bin/sipproxyd) runs sanitized tools."""
    env = os.environ.get(name.upper())
    p = Path(env) if env else proxy_binary().parent / name
    if not p.is_absolute():
        p = REPO_ROOT / p
    return p


# ---------------------------------------------------------------------------
# Ports
# ---------------------------------------------------------------------------

# Ports come from 20000-32767, below the kernel's ephemeral range (32768-60999), so that
# no outgoing connection of the kernel's choosing takes one. A port is ours once this
# process holds an exclusive lock on /tmp/sipproxy-it-ports/PORT.lock: the lock is held
# until the process exits, so parallel pytest-xdist workers (and a second run of the
# suite beside this one) never hand out the same port. Within one process a port is
# handed out once. Each candidate must be free for UDP and TCP on every loopback
# address the suite binds (the pool tests use 127.0.0.1, .2 and .3).
PORT_RANGE = (20000, 32768)
LOOPBACKS = ("127.0.0.1", "127.0.0.2", "127.0.0.3")
_LOCK_DIR = Path(os.environ.get("SIPPROXY_PORT_LOCKS", "/tmp/sipproxy-it-ports"))
_ports_lock = threading.Lock()
_held: dict[int, int] = {}     # port -> fd of its lock file, kept open for the session
_next_port: list[int] = []


def _bindable(port: int) -> bool:
    for host in LOOPBACKS:
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            s = socket.socket(socket.AF_INET, kind)
            try:
                s.bind((host, port))
            except OSError:
                return False
            finally:
                s.close()
    return True


def _lock(port: int) -> bool:
    path = _LOCK_DIR / f"{port}.lock"
    for _ in range(3):  # another run may remove the empty directory meanwhile
        _LOCK_DIR.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
            break
        except FileNotFoundError:
            continue
    else:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        # Its holder may have removed the file (see _unlock_all) between our open and
        # our lock: a lock on a removed file guards nothing.
        if os.stat(path).st_ino != os.fstat(fd).st_ino:
            raise OSError("lock file replaced")
    except OSError:
        os.close(fd)
        return False
    _held[port] = fd
    return True


@atexit.register
def _unlock_all() -> None:
    """The worker ends: its lock files go (removed while still locked, so nobody
    can take a lock on one that is about to vanish), and the directory when empty.
    Two runs in a row leave nothing behind."""
    with _ports_lock:
        for port, fd in list(_held.items()):
            try:
                os.unlink(_LOCK_DIR / f"{port}.lock")
            except OSError:
                pass
            os.close(fd)
        _held.clear()
    try:
        _LOCK_DIR.rmdir()
    except OSError:
        pass  # another run's locks are still there


def free_port() -> int:
    """A port free for UDP and TCP on 127.0.0.1-3 right now, that no other process of
    the suite holds and this one has not handed out before."""
    lo, hi = PORT_RANGE
    with _ports_lock:
        if not _next_port:
            _next_port.append(random.randrange(lo, hi))
        for _ in range(hi - lo):
            port = _next_port[0]
            _next_port[0] = lo if port + 1 >= hi else port + 1
            if port in _held or not _lock(port):
                continue
            if _bindable(port):
                return port
            # Busy now (another program, or TIME_WAIT): keep the lock so no one else
            # in the suite tries it either, and move on.
    raise RuntimeError(f"no free UDP+TCP port in {lo}-{hi - 1}")


def free_port_block(n: int) -> int:
    """The first of n consecutive ports, each as free_port() gives them, all held by this
    process: for an open-ended range such as client-side-port, whose ports must not be
    handed to anything else of the suite."""
    while True:
        first = free_port()
        got = [first]
        while len(got) < n and free_port() == got[-1] + 1:
            got.append(got[-1] + 1)
        if len(got) == n:
            return first


# ---------------------------------------------------------------------------
# Deployment file
# ---------------------------------------------------------------------------

def _opts(d: dict | list | None) -> list[str]:
    if not d:
        return []
    items = d.items() if isinstance(d, dict) else d
    return [f"{k} = {v}" for k, v in items]


def render_config(*, proxy_port: int, mgmt_port: int, primary: str, backup: str | None = None,
                  sipproxy_extra: dict | list | None = None,
                  proxy_extra: dict | list | None = None,
                  server_extra: dict | list | None = None,
                  extra_text: str = "") -> str:
    lines = [
        "; sipproxyd integration test deployment",
        "[sipproxy]",
        "sipproxy-role = 10",
        "applications = SIPServer_A",
        "serving-sipserver = SIPServer_A",
        "sipproxy-applications = SIPProxy_1",
        f"contact-address = 127.0.0.1:{proxy_port}",
        "oos-check = 0",
        *_opts(sipproxy_extra),
        "",
        "[SIPProxy_1]",
        "type = sip-proxy",
        "host = 127.0.0.1",
        f"sip-port = {proxy_port}          ; UDP and TCP both listen here",
        f"mgmt-port = {mgmt_port}",
        *_opts(proxy_extra),
        "",
        "[SIPServer_A]",
        "type = sip-server",
        f"primary = {primary}",
    ]
    if backup:
        lines.append(f"backup = {backup}")
    lines += _opts(server_extra)
    text = "\n".join(lines) + "\n"
    if extra_text:
        text += "\n" + extra_text.strip("\n") + "\n"
    return text


# ---------------------------------------------------------------------------
# sipproxyd
# ---------------------------------------------------------------------------

def tail(path: Path, n: int = 80) -> str:
    try:
        lines = path.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return "(no file)"
    return "\n".join(lines[-n:]) if lines else "(empty)"


# Shorter internal timers for the tests that would otherwise wait on them (sipproxyd(8),
# ENVIRONMENT: for testing only).  A test that passes `timers=FAST_TIMERS` (or a part
# of it) says so; every timer keeps at least one test on its real value (see
# integration/README.md).
TIMERS_VARIABLE = "SIPPROXY_TEST_TIMERS"
FAST_TIMERS = ("probe-deadline=300ms,heartbeat=200ms,digest-check=1s,reconnect=200ms,"
               "dns-refresh-floor=500ms,drain=500ms")


class Deployment:
    """One sipproxyd process with its own deployment file in tmp_path."""

    def __init__(self, binary: Path, workdir: Path, *, proxy_port: int | None = None,
                 mgmt_port: int | None = None, server_port: int | None = None,
                 backup_port: int | None = None, primary: str | None = None,
                 app: str = "SIPProxy_1", log_level: str | None = None,
                 config_text: str | None = None, name: str = "sipproxyd",
                 timers: str | None = None, **extra):
        self.binary = binary
        # SIPPROXY_TEST_TIMERS for this process (None: the real timers).
        self.timers = timers
        self.name = name
        self.workdir = workdir
        self.proxy_port = proxy_port or free_port()
        self.mgmt_port = mgmt_port or free_port()
        self.server_port = server_port or free_port()
        self.backup_port = backup_port
        self.app = app
        self.log_level = log_level or os.environ.get("SIPPROXYD_LOG_LEVEL", "debug")
        self.config_path = workdir / f"{name}.conf"
        self.log_path = workdir / f"{name}.log"
        if config_text is None:
            config_text = render_config(
                proxy_port=self.proxy_port, mgmt_port=self.mgmt_port,
                primary=primary or f"127.0.0.1:{self.server_port}",
                backup=f"127.0.0.1:{backup_port}" if backup_port else None, **extra)
        self.config_text = config_text
        self.proc: subprocess.Popen | None = None
        self._log_file = None
        self.returncode: int | None = None

    @property
    def addr(self) -> tuple[str, int]:
        return ("127.0.0.1", self.proxy_port)

    @property
    def hostport(self) -> str:
        return f"127.0.0.1:{self.proxy_port}"

    def command(self) -> list[str]:
        cmd = [str(self.binary), "--config", str(self.config_path), "--app", self.app]
        if self.log_level:
            cmd += ["--log-level", self.log_level]
        return cmd

    def start(self, wait_ready: bool = True) -> "Deployment":
        self.config_path.write_text(self.config_text)
        self._log_file = open(self.log_path, "wb")
        env = dict(os.environ)
        env.pop(TIMERS_VARIABLE, None)
        if self.timers:
            env[TIMERS_VARIABLE] = self.timers
        self.proc = subprocess.Popen(self.command(), stdout=self._log_file,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     cwd=self.workdir, env=env)
        if wait_ready:
            self.wait_ready()
        return self

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if READY_EVENT in self.log_text():
                return
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"{self.name} exited with {self.proc.returncode} before logging "
                    f"{READY_EVENT}; config:\n{self.config_text}\nlog:\n{tail(self.log_path)}")
            time.sleep(0.02)
        raise AssertionError(f"{self.name} did not log {READY_EVENT} within {timeout}s; "
                             f"log:\n{tail(self.log_path)}")

    def stop(self) -> int | None:
        """SIGTERM, wait (bounded), SIGKILL if it does not go.  Returns the exit
        code (None if it had to be killed)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
                self.returncode = self.proc.returncode
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
                self.returncode = None
        else:
            self.returncode = self.proc.returncode
        if self._log_file:
            self._log_file.close()
            self._log_file = None
        return self.returncode

    def sanitizer_findings(self) -> list[str]:
        return [ln for ln in self.log_text().splitlines()
                if any(m in ln for m in SANITIZER_MARKERS)]

    def sanitizer_block(self, before: int = 30, after: int = 60) -> str:
        """The log around the first sanitizer report (the messages that led to
        it, and its stack traces), or '' when there is none."""
        lines = self.log_text().splitlines()
        for i, ln in enumerate(lines):
            if any(m in ln for m in SANITIZER_MARKERS):
                return "\n".join(lines[max(0, i - before):i + after])
        return ""

    def report(self) -> str:
        text = (f"command: {' '.join(self.command())}\nconfig ({self.config_path}):\n"
                f"{self.config_text}\n")
        block = self.sanitizer_block()
        if block:
            text += f"sanitizer report ({self.log_path}):\n{block}\n...\n"
        return text + f"log tail ({self.log_path}):\n{tail(self.log_path)}"


def run_proxy_expect_exit(binary: Path, workdir: Path, config_text: str, *,
                          app: str = "SIPProxy_1", name: str = "sipproxy.conf",
                          timeout: float = START_TIMEOUT) -> tuple[int | None, str, Path]:
    """Start sipproxyd on a config that must make it exit.  Returns (exit code,
    combined stdout+stderr, config path).  Exit code None: it was still running
    after `timeout` (then it is killed)."""
    cfg = workdir / name
    cfg.write_text(config_text)
    proc = subprocess.Popen([str(binary), "--config", str(cfg), "--app", app],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, cwd=workdir)
    try:
        out, _ = proc.communicate(timeout=timeout)
        return proc.returncode, out.decode(errors="replace"), cfg
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate(timeout=5)
        return None, out.decode(errors="replace"), cfg


# ---------------------------------------------------------------------------
# SIPp
# ---------------------------------------------------------------------------

class SippRun:
    """One SIPp process.  UAC when `remote` is given, UAS otherwise."""

    def __init__(self, workdir: Path, scenario: str, *, local_port: int | None = None,
                 remote: tuple[str, int] | None = None, transport: str = "UDP",
                 service: str = "bob", calls: int = 1, timeout_s: int = 20,
                 name: str | None = None, extra: list[str] | None = None,
                 trace_calls: bool = False):
        self.workdir = workdir
        self.scenario = SCENARIOS / scenario
        self.local_port = local_port or free_port()
        self.remote = remote
        self.transport = transport.upper()
        self.name = name or f"{Path(scenario).stem}-{self.transport.lower()}-{self.local_port}"
        self.messages = workdir / f"{self.name}.messages.log"
        self.errors = workdir / f"{self.name}.errors.log"
        self.stdout = workdir / f"{self.name}.out"
        # With trace_calls: SIPp's statistics CSV (final tally at exit), and the lines the
        # scenario's <log> actions write for each call (sipp_stats.py reads both); its
        # per-step message counts (-trace_counts) go into the report of a failed test.
        self.stat_file = workdir / f"{self.name}.stat.csv"
        self.calls_file = workdir / f"{self.name}.calls.log"
        self.timeout_s = timeout_s
        args = [SIPP]
        if remote:
            args.append(f"{remote[0]}:{remote[1]}")
        args += ["-sf", str(self.scenario), "-i", "127.0.0.1", "-p", str(self.local_port),
                 "-t", "t1" if self.transport == "TCP" else "u1",
                 "-m", str(calls), "-timeout", f"{timeout_s}s", "-timeout_error",
                 "-nostdin", "-trace_msg", "-message_file", str(self.messages),
                 "-trace_err", "-error_file", str(self.errors)]
        if remote:
            args += ["-s", service]
        if trace_calls:
            args += ["-trace_stat", "-stf", str(self.stat_file), "-trace_logs", "-log_file",
                     str(self.calls_file), "-trace_counts"]
        args += extra or []
        self.args = args
        self.proc: subprocess.Popen | None = None
        self._out = None
        self.returncode: int | None = None

    def start(self) -> "SippRun":
        self._out = open(self.stdout, "wb")
        self.proc = subprocess.Popen(self.args, stdout=self._out, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.workdir)
        return self

    def wait_listening(self, timeout: float = 5.0) -> None:
        """Bounded wait until the UAS has bound its SIP port."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"SIPp {self.name} exited early:\n{self.report()}")
            if _port_bound(self.local_port, self.transport):
                return
            time.sleep(0.02)
        raise AssertionError(f"SIPp {self.name} did not bind port {self.local_port}")

    def wait(self, timeout: float | None = None) -> int:
        """Wait for exit (bounded: SIPp's own -timeout plus a margin)."""
        assert self.proc is not None
        try:
            self.returncode = self.proc.wait(timeout=timeout or self.timeout_s + 10)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"SIPp {self.name} did not exit in time:\n{self.report()}")
        finally:
            if self.proc.poll() is not None and self._out:
                self._out.close()
                self._out = None
        return self.returncode

    def poll(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def soft_stop(self) -> None:
        """SIGUSR1, once: SIPp places no new call, lets the calls in progress finish
        (each bounded by its scenario's timeouts) and exits with its final tally."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGUSR1)

    def counts_file(self) -> Path | None:
        """-trace_counts writes <scenario>_<pid>_counts.csv in the working directory."""
        if self.proc is None:
            return None
        p = self.workdir / f"{self.scenario.stem}_{self.proc.pid}_counts.csv"
        return p if p.exists() else None

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)
        if self._out:
            self._out.close()
            self._out = None

    def report(self) -> str:
        text = (f"SIPp {self.name}: rc={self.poll()} cmd: {' '.join(self.args)}\n"
                f"errors:\n{tail(self.errors, 40)}\nmessages:\n{tail(self.messages, 120)}\n"
                f"stdout tail:\n{tail(self.stdout, 15)}")
        if self.stat_file.exists():
            text += f"\nstatistics ({self.stat_file}):\n{tail(self.stat_file, 2)}"
        if self.calls_file.exists():
            text += f"\ncalls logged ({self.calls_file}):\n{tail(self.calls_file, 60)}"
        counts = self.counts_file()
        if counts:
            text += f"\nmessage counts ({counts}):\n{tail(counts, 20)}"
        return text

    def sent_and_received(self) -> str:
        return tail(self.messages, 400)


def _port_bound(port: int, transport: str) -> bool:
    kind = socket.SOCK_STREAM if transport == "TCP" else socket.SOCK_DGRAM
    s = socket.socket(socket.AF_INET, kind)
    try:
        s.bind(("127.0.0.1", port))
        return False
    except OSError:
        return True
    finally:
        s.close()


def sipp_available() -> bool:
    return shutil.which(SIPP) is not None or Path(SIPP).exists()


# ---------------------------------------------------------------------------
# Observing absence
# ---------------------------------------------------------------------------

def barrier(proxy: Deployment, fake: FakeSipServer,
            transports: tuple[str, ...] = ("UDP", "TCP")) -> None:
    """Make sure everything the proxy was going to forward to `fake` before now
    has arrived, without sleeping: an OPTIONS from an endpoint (so it goes to the
    serving SIP Server) through the proxy over each transport in turn, each
    awaited at the fake and its 200 back at the client.  The proxy handles its
    input on one thread and the fake records each socket (UDP, each TCP
    connection) in order, so an earlier forward on the path the barrier took has
    been recorded by the time the barrier is; with both transports that is every
    path the proxy can take to the fake.  Used before asserting that something
    was *not* forwarded."""
    for transport in transports:
        with SipClient(proxy.addr, transport, name=f"barrier-{transport}") as c:
            req = c.request("OPTIONS", "sip:barrier@127.0.0.1", max_forwards=70)
            cid = sipmsg.parse(req).call_id
            c.send(req)
            fake.wait_request("OPTIONS", lambda m: m.call_id == cid, timeout=5)
            c.wait_final(cid, timeout=5)


# ---------------------------------------------------------------------------
# Wire checks shared by the tests
# ---------------------------------------------------------------------------

def points_at(uri_or_value: str, hostport: tuple[str, int]) -> bool:
    """True when a URI (or a name-addr header value) has host:port == hostport."""
    host, port = sipmsg.uri_hostport(sipmsg.uri_of(uri_or_value))
    return host == hostport[0] and (port or 5060) == hostport[1]


def proxy_record_routes(msg: sipmsg.SipMessage, proxy: Deployment) -> list[str]:
    """The Record-Route values that name the proxy (its contact-address)."""
    return [rr for rr in msg.record_routes() if points_at(rr, proxy.addr)]


def rr_transport(rr_value: str) -> str:
    """Transport a Record-Route URI asks for: 'TCP' or 'UDP' (no param = UDP)."""
    t = sipmsg.uri_params(sipmsg.uri_of(rr_value)).get("transport")
    return (t or "udp").upper()


def describe(rx) -> str:
    return rx.describe() if hasattr(rx, "describe") else str(rx)


def start_uas_any_transport(sipp, scenario: str, port: int, transports=("UDP", "TCP")):
    """Start one SIPp UAS per transport on the same port number, so the test
    holds whichever transport the proxy chooses towards the SIP Server (the
    deployment file gives the server as plain host:port)."""
    runs = [sipp(scenario, local_port=port, transport=t,
                 name=f"{scenario.rsplit('.', 1)[0]}-{t.lower()}-{port}") for t in transports]
    for r in runs:
        r.wait_listening()
    return runs


def finish_uas_any_transport(runs, timeout: float = 10.0):
    """Wait (bounded) until one of the UAS instances has exited; kill the
    others.  Returns the one that exited (the one that took the call)."""
    deadline = time.monotonic() + timeout
    done = []
    while time.monotonic() < deadline:
        done = [r for r in runs if r.poll() is not None]
        if done:
            break
        time.sleep(0.05)
    for r in runs:
        if r not in done:
            r.kill()
    if not done:
        raise AssertionError("no SIPp UAS finished its call:\n" +
                             "\n".join(r.report() for r in runs))
    # Prefer the instance that actually completed the call.
    ok = [r for r in done if r.poll() == 0]
    return ok[0] if ok else done[0]
