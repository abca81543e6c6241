"""sipprobe against real servers on loopback.

* `sipprobe dns` against a dnsmasq started here (its own free port, only the
  records the test gives it, authoritative for .test so unknown names are
  NXDOMAIN) and against a UDP socket that never answers (timeout).
* `sipprobe options` against sipproxyd, fake SIP Servers answering 200 / 503 /
  nothing, and a port where nothing listens.
* `sipprobe check` on a deployment that passes and on one whose SRV misses an
  instance (exit 1, the instance named).

Binary: $SIPPROBE (relative to the repository root), else the sipprobe beside $SIPPROXYD.
Everything on 127.0.0.1; every wait is bounded.
"""

from __future__ import annotations

import json
import shutil
import socket
import struct
import subprocess
import time
from pathlib import Path

import pytest

import helpers

RUN_TIMEOUT = 30.0


# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------

@pytest.fixture(scope="session")
def sipprobe_bin() -> Path:
    p = helpers.tool_binary("sipprobe")
    if not p.exists():
        msg = f"sipprobe binary not found at {p} (set $SIPPROBE or build)"
        if helpers.ci():
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    return p


def _dns_query(name: str, qtype: int = 1) -> bytes:
    q = struct.pack(">HHHHHH", 0x5151, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack(">HH", qtype, 1)


class Dnsmasq:
    def __init__(self, workdir: Path, args: list[str]):
        self.port = helpers.free_port()
        self.log_path = workdir / f"dnsmasq-{self.port}.log"
        self.cmd = [shutil.which("dnsmasq") or "dnsmasq", "--no-daemon", "--no-resolv",
                    "--no-hosts", "--conf-file=/dev/null", "--pid-file=",
                    f"--port={self.port}", "--listen-address=127.0.0.1", "--bind-interfaces",
                    "--local=/test/", "--local-ttl=30", *args]
        self.proc: subprocess.Popen | None = None

    @property
    def server(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> "Dnsmasq":
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.cmd, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        # Ready when it answers a query.
        deadline = time.monotonic() + 10
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(0.2)
        try:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise AssertionError(f"dnsmasq exited with {self.proc.returncode}: "
                                         f"{self.log_path.read_text(errors='replace')}")
                try:
                    s.sendto(_dns_query("ready.test"), ("127.0.0.1", self.port))
                    s.recvfrom(512)
                    return self
                except OSError:
                    time.sleep(0.05)
        finally:
            s.close()
        raise AssertionError("dnsmasq did not answer within 10 s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self._log.close()


@pytest.fixture
def dnsmasq(tmp_path):
    if shutil.which("dnsmasq") is None:
        msg = "dnsmasq not found (apt-get install dnsmasq-base)"
        if helpers.ci():
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    started: list[Dnsmasq] = []

    def make(*args: str) -> Dnsmasq:
        d = Dnsmasq(tmp_path, list(args)).start()
        started.append(d)
        return d

    yield make
    for d in started:
        d.stop()


@pytest.fixture
def silent_udp():
    """A bound UDP socket that reads nothing and answers nothing."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    yield s.getsockname()[1]
    s.close()


def probe(binary: Path, *args: str, timeout: float = RUN_TIMEOUT):
    r = subprocess.run([str(binary), *args], capture_output=True, text=True, timeout=timeout)
    found = [ln for ln in r.stderr.splitlines()
             if any(m in ln for m in helpers.SANITIZER_MARKERS)]
    assert not found, f"sanitizer report from sipprobe {' '.join(args)}:\n{r.stderr}"
    return r


def probe_json(binary: Path, *args: str) -> tuple[int, dict, str]:
    r = probe(binary, *args, "--json")
    return r.returncode, json.loads(r.stdout), r.stderr


# ---------------------------------------------------------------------------
# sipprobe dns
# ---------------------------------------------------------------------------

def test_dns_a_aaaa_srv_with_ttls_and_resolved_targets(sipprobe_bin, dnsmasq):
    d = dnsmasq("--host-record=proxy.test,127.0.0.1",
                "--host-record=sp1.test,127.0.0.1,::1,300",
                "--host-record=sp2.test,127.0.0.2,600",
                "--srv-host=_sip._udp.proxy.test,sp1.test,5060,0,10",
                "--srv-host=_sip._udp.proxy.test,sp2.test,5062,1,5")
    rc, j, err = probe_json(sipprobe_bin, "dns", "proxy.test", "--server", d.server)
    assert rc == 0, err
    q = {(x["type"], x["name"]): x for x in j["queries"]}
    a = q[("A", "proxy.test")]
    assert [r["address"] for r in a["records"]] == ["127.0.0.1"]
    assert a["records"][0]["ttl"] == 30
    srv = q[("SRV", "_sip._udp.proxy.test")]["records"]
    assert [(r["priority"], r["weight"], r["port"], r["target"]) for r in srv] == \
        [(0, 10, 5060, "sp1.test"), (1, 5, 5062, "sp2.test")]
    assert all(r["ttl"] == 30 for r in srv)
    assert [x["address"] for x in srv[0]["addresses"]] == ["127.0.0.1", "::1"]
    assert srv[1]["addresses"] == [{"address": "127.0.0.2", "ttl": 600}]
    assert q[("SRV", "_sip._tcp.proxy.test")]["error"]  # none there

    # The table says the same to a person.
    r = probe(sipprobe_bin, "dns", "proxy.test", "--server", d.server)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0].split() == ["NAME", "TYPE", "TTL", "DATA"]
    assert "0 10 5060 sp1.test -> 127.0.0.1, ::1" in r.stdout

    rc, j, err = probe_json(sipprobe_bin, "dns", "sp1.test", "--type", "AAAA",
                            "--server", d.server)
    assert rc == 0, err
    assert j["queries"][0]["records"] == [{"address": "::1", "ttl": 300}]


def test_dns_nxdomain_is_exit_1_with_the_reason(sipprobe_bin, dnsmasq):
    d = dnsmasq("--host-record=proxy.test,127.0.0.1")
    r = probe(sipprobe_bin, "dns", "nothing.test", "--type", "A", "--server", d.server)
    assert r.returncode == 1
    assert "NXDOMAIN" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_dns_server_that_does_not_answer_times_out(sipprobe_bin, silent_udp):
    start = time.monotonic()
    r = probe(sipprobe_bin, "dns", "proxy.test", "--type", "A",
              "--server", f"127.0.0.1:{silent_udp}", "--timeout", "0.3")
    elapsed = time.monotonic() - start
    assert r.returncode == 1
    assert "did not answer" in r.stderr and f"127.0.0.1:{silent_udp}" in r.stderr
    assert elapsed < 10


def test_usage_errors_exit_2(sipprobe_bin):
    for args in (["dns"], ["dns", "x.test", "--type", "MX"], ["options", "http://x"],
                 ["check"], ["frobnicate"]):
        r = probe(sipprobe_bin, *args)
        assert r.returncode == 2, args
        assert r.stderr.startswith("sipprobe: "), args
    for cmd in ("dns", "options", "check"):
        r = probe(sipprobe_bin, cmd, "--help")
        assert r.returncode == 0 and r.stdout.startswith(f"usage: sipprobe {cmd}")


# ---------------------------------------------------------------------------
# sipprobe options
# ---------------------------------------------------------------------------

def test_options_against_sipproxyd(sipprobe_bin, deploy, fake_server):
    server = fake_server()
    proxy = deploy(server_port=server.port)
    rc, j, err = probe_json(sipprobe_bin, "options", f"sip:{proxy.hostport}",
                            "--count", "3", "--interval", "0.1")
    assert rc == 0, err
    assert [p["status"] for p in j["probes"]] == [200, 200, 200]
    s = j["summary"]
    assert s["sent"] == 3 and s["answered"] == 3 and s["loss_percent"] == 0
    assert 0 < s["rtt_ms"]["min"] <= s["rtt_ms"]["avg"] <= s["rtt_ms"]["max"]

    r = probe(sipprobe_bin, "options", f"sip:{proxy.hostport};transport=tcp")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "200 OK" in r.stdout and "TCP" in r.stdout and "0% loss" in r.stdout


def test_options_503_is_exit_1(sipprobe_bin, fake_server):
    s = fake_server(options=503)
    rc, j, _ = probe_json(sipprobe_bin, "options", f"sip:{s.address}")
    assert rc == 1
    assert j["probes"][0]["status"] == 503
    assert j["summary"]["loss_percent"] == 0


def test_options_silent_server_times_out(sipprobe_bin, fake_server):
    s = fake_server(silent=True)
    start = time.monotonic()
    r = probe(sipprobe_bin, "options", f"sip:{s.address}", "--timeout", "1.2")
    assert r.returncode == 1
    assert "no answer within 1.2 s" in r.stdout and "100% loss" in r.stdout
    assert time.monotonic() - start < 10
    # UDP is retransmitted on Timer E's schedule (0, 0.5 s) within the deadline.
    s.rx.wait_for(lambda rx: len(s.requests("OPTIONS", include_retransmissions=True)) >= 2,
                  timeout=2, what="an OPTIONS retransmission")


def test_options_nothing_listening(sipprobe_bin, port):
    r = probe(sipprobe_bin, "options", f"sip:127.0.0.1:{port()}", "--timeout", "1")
    assert r.returncode == 1
    assert "no answer" in r.stdout


def test_options_name_resolved_by_srv(sipprobe_bin, dnsmasq, fake_server):
    s = fake_server()
    d = dnsmasq("--host-record=sp1.test,127.0.0.1",
                f"--srv-host=_sip._udp.pool.test,sp1.test,{s.port},0,10")
    rc, j, err = probe_json(sipprobe_bin, "options", "sip:pool.test", "--server", d.server)
    assert rc == 0, err
    assert j["target"] == {"address": "127.0.0.1", "port": s.port, "transport": "UDP"}


# ---------------------------------------------------------------------------
# sipprobe check
# ---------------------------------------------------------------------------

def _checks(j: dict) -> dict[str, dict]:
    return {c["check"]: c for c in j["checks"]}


def test_check_consistent_deployment_passes(sipprobe_bin, deploy, fake_server, dnsmasq,
                                            tmp_path):
    primary = fake_server(name="primary")
    backup = fake_server(name="backup")
    feature = fake_server(name="feature")
    proxy_port = helpers.free_port()
    d = dnsmasq("--host-record=proxy.test,127.0.0.1",
                f"--srv-host=_sip._udp.proxy.test,proxy.test,{proxy_port},0,10")
    text = helpers.render_config(
        proxy_port=proxy_port, mgmt_port=helpers.free_port(),
        primary=primary.address, backup=backup.address,
        sipproxy_extra={"internal-domain": "proxy.test",
                        "feature-server-address": feature.address})
    text = text.replace(f"contact-address = 127.0.0.1:{proxy_port}",
                        f"contact-address = proxy.test:{proxy_port}")
    proxy = deploy(proxy_port=proxy_port, config_text=text)

    rc, j, err = probe_json(sipprobe_bin, "check", "--config", str(proxy.config_path),
                            "--server", d.server, "--timeout", "1")
    assert rc == 0, json.dumps(j, indent=2) + err
    c = _checks(j)
    assert c["contact-address"]["result"] == "OK"
    assert c["internal-domain SRV"]["result"] == "OK"
    assert c["SIP Server SIPServer_A primary"]["result"] == "OK"
    assert c["SIP Server SIPServer_A backup"]["result"] == "OK"
    assert c["feature server"]["result"] == "OK"
    assert c["proxy SIPProxy_1"]["result"] == "OK"
    assert j["healthy"] is True

    r = probe(sipprobe_bin, "check", "--config", str(proxy.config_path), "--server", d.server)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "all checks passed" in r.stdout
    assert all(ln.split()[0] in ("OK", "SKIP", "RESULT") for ln in r.stdout.splitlines()[1:-1])


def test_check_srv_missing_an_instance_fails_naming_it(sipprobe_bin, deploy, fake_server,
                                                        dnsmasq, tmp_path):
    server = fake_server(name="primary")
    p1 = helpers.free_port()
    p2 = helpers.free_port()
    d = dnsmasq("--host-record=proxy.test,127.0.0.1",
                f"--srv-host=_sip._udp.proxy.test,proxy.test,{p1},0,10")
    proxy = deploy(proxy_port=p1, server_port=server.port)
    # The deployment as the operator means it: two instances, the second not in DNS.
    text = "\n".join([
        "[sipproxy]",
        "sipproxy-role = 10",
        "applications = SIPServer_A",
        "serving-sipserver = SIPServer_A",
        "sipproxy-applications = SIPProxy_1,SIPProxy_2",
        f"contact-address = proxy.test:{p1}",
        "internal-domain = proxy.test",
        "",
        "[SIPProxy_1]", "type = sip-proxy", "host = 127.0.0.1", f"sip-port = {p1}",
        "",
        "[SIPProxy_2]", "type = sip-proxy", "host = 127.0.0.1", f"sip-port = {p2}",
        "",
        "[SIPServer_A]", "type = sip-server", f"primary = {server.address}",
    ]) + "\n"
    conf = tmp_path / "two-instances.conf"
    conf.write_text(text)

    rc, j, err = probe_json(sipprobe_bin, "check", "--config", str(conf),
                            "--server", d.server, "--timeout", "0.5")
    assert rc == 1, err
    c = _checks(j)
    srv = c["internal-domain SRV"]
    assert srv["result"] == "FAIL"
    assert "SIPProxy_2" in srv["detail"] and "SIPProxy_1" not in srv["detail"]
    assert c["proxy SIPProxy_1"]["result"] == "OK"
    assert c["proxy SIPProxy_2"]["result"] == "FAIL"  # nothing runs there
    assert c["SIP Server SIPServer_A primary"]["result"] == "OK"
    assert j["healthy"] is False

    r = probe(sipprobe_bin, "check", "--config", str(conf), "--server", d.server,
              "--timeout", "0.5")
    assert r.returncode == 1
    line = next(ln for ln in r.stdout.splitlines() if "internal-domain SRV" in ln)
    assert line.startswith("FAIL") and "SIPProxy_2" in line
    assert proxy.proc is not None and proxy.proc.poll() is None


def test_check_inactive_server_and_bad_file(sipprobe_bin, fake_server, tmp_path):
    primary = fake_server(name="primary", options=503)
    conf = tmp_path / "inactive.conf"
    conf.write_text(helpers.render_config(proxy_port=helpers.free_port(),
                                          mgmt_port=helpers.free_port(),
                                          primary=primary.address))
    rc, j, _ = probe_json(sipprobe_bin, "check", "--config", str(conf), "--timeout", "0.5")
    assert rc == 1
    c = _checks(j)
    assert "inactive" in c["SIP Server SIPServer_A primary"]["detail"]
    assert c["SIP Server SIPServer_A"]["result"] == "FAIL"

    bad = tmp_path / "bad.conf"
    bad.write_text("[sipproxy]\nsipproxy-role = 10\nno-such-option = 1\n"
                   "[SIPProxy_1]\ntype = sip-proxy\n")
    r = probe(sipprobe_bin, "check", "--config", str(bad))
    assert r.returncode == 2
    assert "bad.conf" in r.stderr and len(r.stderr.strip().splitlines()) == 1
