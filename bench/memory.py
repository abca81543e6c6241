#!/usr/bin/python3
"""Memory: one sipproxyd holding 100,000 registrations and 10,000 concurrent dialogs.

Starts sipproxyd (build-rel) in front of the integration suite's fake SIP Server, which
accepts every REGISTER and answers INVITE/BYE. Sends N REGISTERs with distinct AORs over
UDP (a window of 200 in flight), then has a SIPp UAC (the shared harness's uac.xml) hold
D calls open at once (each call pauses between ACK and BYE), and prints the proxy's
resident memory (VmRSS) at each stage with the tables' sizes from `sipproxyctl`.

  /usr/bin/python3 bench/memory.py                  # 100,000 registrations, 10,000 dialogs
  /usr/bin/python3 bench/memory.py --registrations 20000 --dialogs 2000

A benchmark, not a test. Loopback only; every run is bounded.
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "integration"))
HARNESS = os.environ.get("PROXY_BENCH_DIR", os.path.join(ROOT, "..", "shared", "bench"))

import helpers  # noqa: E402
from fakes import sipmsg  # noqa: E402
from fakes.registrar_server import RegistrarPolicy  # noqa: E402
from fakes.sip_server import FakeSipServer  # noqa: E402


def rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return -1


def ctl(ctlbin, mgmt, command):
    r = subprocess.run([ctlbin, "--target", f"127.0.0.1:{mgmt}", "--json", command],
                       capture_output=True, text=True, timeout=10)
    return json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else {}


def register_all(proxy_port, count, window, bound):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.settimeout(0.5)
    port = s.getsockname()[1]
    sent = ok = 0
    deadline = time.monotonic() + bound
    while ok < count and time.monotonic() < deadline:
        while sent < count and sent - ok < window:
            user = f"u{sent:06d}"
            aor = f"sip:{user}@bench.test"
            data = sipmsg.build("REGISTER sip:bench.test SIP/2.0", [
                ("Via", f"SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{sent:08x}m"),
                ("Max-Forwards", "70"), ("From", f"<{aor}>;tag=t{sent}"), ("To", f"<{aor}>"),
                ("Call-ID", f"mem-{sent}"), ("CSeq", "1 REGISTER"),
                ("Contact", f"<sip:{user}@127.0.0.1:{port}>;expires=3600")])
            s.sendto(data if isinstance(data, bytes) else data.encode(),
                     ("127.0.0.1", proxy_port))
            sent += 1
        try:
            if s.recv(65535).startswith(b"SIP/2.0 200"):
                ok += 1
        except socket.timeout:
            continue
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--registrations", type=int, default=100_000)
    ap.add_argument("--dialogs", type=int, default=10_000)
    ap.add_argument("--rate", type=int, default=250, help="new calls per second (250)")
    ap.add_argument("--bin", default=os.path.join(ROOT, "build-rel", "bin"))
    ap.add_argument("--settle", type=float, default=130.0,
                    help="seconds to wait after the registrations: Timer J (32 s) and the "
                         "daemon's once-a-minute malloc_trim (default 130)")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="sipproxy-memory-")
    fake = FakeSipServer(helpers.free_port(), name="sip-server", on_request=RegistrarPolicy())
    fake.start()
    sip_port, mgmt = helpers.free_port(), helpers.free_port()
    conf = os.path.join(work, "memory.conf")
    open(conf, "w").write("\n".join([
        "[sipproxy]", "sipproxy-role = 10", "applications = SIPServer_A",
        "serving-sipserver = SIPServer_A", "internal-domain = bench.test", "oos-check = 0", "",
        "[SIPProxy_1]", "type = sip-proxy", "host = 127.0.0.1", "sip-address = 127.0.0.1",
        f"sip-port = {sip_port}", f"mgmt-port = {mgmt}", "",
        "[SIPServer_A]", "type = sip-server", f"primary = 127.0.0.1:{fake.port}", ""]))
    ctlbin = os.path.join(a.bin, "sipproxyctl")
    proxy = subprocess.Popen([os.path.join(a.bin, "sipproxyd"), "--config", conf, "--app",
                              "SIPProxy_1", "--log-level", "standard"],
                             stdout=open(os.path.join(work, "proxy.log"), "w"),
                             stderr=subprocess.STDOUT, start_new_session=True)
    uac = None
    try:
        for _ in range(100):
            if ctl(ctlbin, mgmt, "status"):
                break
            time.sleep(0.1)
        base = rss_kib(proxy.pid)
        print(f"started: RSS {base / 1024:.1f} MiB")
        t = time.monotonic()
        ok = register_all(sip_port, a.registrations, 200, 600)
        time.sleep(1)
        st = ctl(ctlbin, mgmt, "status")
        regs = st.get("registrations")
        print(f"tables: {st.get('transactions')} transactions, {st.get('sessions')} sessions")
        after_regs = rss_kib(proxy.pid)
        print(f"{ok} of {a.registrations} REGISTERs answered 200 in {time.monotonic() - t:.1f}s;"
              f" the proxy holds {regs} bindings: RSS {after_regs / 1024:.1f} MiB "
              f"(+{(after_regs - base) * 1024 / max(1, regs or 1):.0f} bytes per binding)")
        # The REGISTER transactions wait out Timer J (32 s) holding their responses; the
        # daemon gives freed memory back to the system once a minute (malloc_trim).
        time.sleep(a.settle)
        settled = rss_kib(proxy.pid)
        st = ctl(ctlbin, mgmt, "status")
        print(f"after Timer J and a trim: {st.get('transactions')} transactions, RSS {settled / 1024:.1f} MiB")
        hold_s = a.dialogs // a.rate + 20
        ramp = a.dialogs / a.rate
        uac = subprocess.Popen(
            ["sipp", f"127.0.0.1:{sip_port}", "-sf", f"{HARNESS}/scenarios/uac.xml", "-key",
             "uas_host", f"127.0.0.1:{fake.port}", "-s", "bench", "-i", "127.0.0.1", "-p",
             str(helpers.free_port()), "-r", str(a.rate), "-m", str(a.dialogs), "-l",
             str(a.dialogs + 100), "-d", str(hold_s * 1000), "-recv_timeout", "60000",
             "-timeout", f"{hold_s + int(ramp) + 120}s", "-nostdin",
             "-trace_err", "-error_file", os.path.join(work, "uac_errors.log")],
            cwd=work, stdout=open(os.path.join(work, "uac.out"), "w"), stderr=subprocess.STDOUT)
        time.sleep(ramp + 5)  # every call set up, none ended yet
        d = ctl(ctlbin, mgmt, "dialogs")
        peak = rss_kib(proxy.pid)
        print(f"{d.get('dialogs')} dialogs open ({d.get('transactions')} transactions): "
              f"RSS {peak / 1024:.1f} MiB (+{(peak - settled) / 1024:.1f} MiB for the dialogs)")
        uac.wait(hold_s + 180)
        time.sleep(2)
        d = ctl(ctlbin, mgmt, "dialogs")
        print(f"all calls ended: {d.get('dialogs')} dialogs open, "
              f"RSS {rss_kib(proxy.pid) / 1024:.1f} MiB")
        return 0
    finally:
        if uac and uac.poll() is None:
            uac.send_signal(signal.SIGTERM)
            uac.wait(10)
        os.killpg(proxy.pid, signal.SIGTERM)
        proxy.wait(30)
        fake.stop()


if __name__ == "__main__":
    sys.exit(main())
