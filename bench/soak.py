#!/usr/bin/python3
"""Soak: a long run of calls at a steady rate through one sipproxyd; is anything growing?

Starts a SIPp UAS (127.0.0.1:5070), sipproxyd (bench/bench.conf plus a management port)
and a SIPp UAC placing CALLS calls at RATE with the shared harness's scenarios. Every
SAMPLE seconds it reads the proxy's resident memory (VmRSS), open files (/proc/PID/fd)
and its tables (`sipproxyctl dialogs`/`status`: transactions, dialogs, sessions,
registrations), and prints a row. At the end it compares the second half of the run with
the first: RSS growth per 100,000 calls after the warm-up, and the tables' sizes after
the drain (they must return to what they were before the first call).

  /usr/bin/python3 bench/soak.py                          # 1,000,000 calls at 1000 cps
  /usr/bin/python3 bench/soak.py --calls 100000 --rate 2000 --sample 5

A benchmark, not a test: it prints figures and exits 1 only when a table did not drain or
calls failed. Loopback only; every SIPp run is bounded by -m and -timeout.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
HARNESS = os.environ.get("PROXY_BENCH_DIR", os.path.join(ROOT, "..", "shared", "bench"))
SCEN = os.path.join(HARNESS, "scenarios")
HOST = "127.0.0.1"
PROXY_PORT, UAS_PORT, UAC_PORT, MGMT_PORT = 5060, 5070, 5090, 5061


def sipp(args, workdir, name):
    argv = ["sipp"] + args + ["-i", HOST, "-bind_local", "-t", "u1", "-nostdin",
                              "-buff_size", "4194304", "-trace_err", "-error_file",
                              f"{name}_errors.log", "-max_log_size", "1000000",
                              "-trace_stat", "-stf", f"{name}_stat.csv", "-fd", "5"]
    out = open(os.path.join(workdir, f"{name}.out"), "w")
    return subprocess.Popen(argv, cwd=workdir, stdout=out, stderr=subprocess.STDOUT)


def last_stat(workdir, name):
    try:
        rows = [r for r in open(os.path.join(workdir, f"{name}_stat.csv")) if r.strip()]
    except FileNotFoundError:
        return {}
    if len(rows) < 2:
        return {}
    return dict(zip(rows[0].strip().split(";"), rows[-1].strip().split(";")))


def proc_status(pid):
    out = {}
    for line in open(f"/proc/{pid}/status"):
        k, _, v = line.partition(":")
        if k in ("VmRSS", "VmHWM"):
            out[k] = int(v.split()[0])  # KiB
    out["fds"] = len(os.listdir(f"/proc/{pid}/fd"))
    return out


def ctl(ctlbin, command):
    r = subprocess.run([ctlbin, "--target", f"{HOST}:{MGMT_PORT}", "--json", command],
                       capture_output=True, text=True, timeout=10)
    return json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else {}


def tables(ctlbin):
    d = ctl(ctlbin, "dialogs")
    s = ctl(ctlbin, "status")
    t = d.get("transactions", {})
    return {"server_txns": t.get("server", -1), "client_txns": t.get("client", -1),
            "dialogs": d.get("dialogs", -1), "sessions": d.get("sessions", -1),
            "registrations": s.get("registrations", -1)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--calls", type=int, default=1_000_000)
    ap.add_argument("--rate", type=int, default=1000)
    ap.add_argument("--sample", type=float, default=30.0, help="seconds between samples")
    ap.add_argument("--bin", default=os.path.join(ROOT, "build-rel", "bin"),
                    help="where sipproxyd and sipproxyctl are (default build-rel/bin)")
    ap.add_argument("--drain", type=float, default=40.0,
                    help="seconds to wait after the last call for the tables to empty")
    a = ap.parse_args()
    for tool in ("sipp", os.path.join(a.bin, "sipproxyd")):
        if not shutil.which(tool):
            sys.exit(f"soak: {tool} not found")
    work = tempfile.mkdtemp(prefix="sipproxy-soak-")
    conf = os.path.join(work, "soak.conf")
    text = open(os.path.join(ROOT, "bench", "bench.conf")).read()
    open(conf, "w").write(text.replace("sip-port = 5060",
                                       f"sip-port = 5060\nmgmt-port = {MGMT_PORT}"))
    ctlbin = os.path.join(a.bin, "sipproxyctl")
    life = a.calls // a.rate + 300
    uas = sipp(["-sf", f"{SCEN}/uas.xml", "-p", str(UAS_PORT), "-recv_timeout", "60000",
                "-timeout", f"{life}s"], work, "uas")
    proxy = subprocess.Popen([os.path.join(a.bin, "sipproxyd"), "--config", conf, "--app",
                              "SIPProxy_1", "--log-level", "standard"],
                             stdout=open(os.path.join(work, "proxy.log"), "w"),
                             stderr=subprocess.STDOUT, start_new_session=True)
    rows = []
    try:
        for _ in range(100):
            if ctl(ctlbin, "status"):
                break
            time.sleep(0.1)
        before = tables(ctlbin)
        start = proc_status(proxy.pid)
        print(f"before: RSS {start['VmRSS']} KiB, {start['fds']} fds, {before}")
        uac = sipp([f"{HOST}:{PROXY_PORT}", "-sf", f"{SCEN}/uac.xml", "-key", "uas_host",
                    f"{HOST}:{UAS_PORT}", "-s", "bench", "-p", str(UAC_PORT), "-r",
                    str(a.rate), "-m", str(a.calls), "-l", str(4 * a.rate),
                    "-recv_timeout", "20000", "-timeout", f"{life}s"], work, "uac")
        t0 = time.monotonic()
        print(f"{'t(s)':>6} {'calls':>9} {'failed':>7} {'RSS KiB':>8} {'fds':>4} "
              f"{'srv txn':>7} {'cli txn':>7} {'dialogs':>7}")
        while uac.poll() is None and time.monotonic() - t0 < life:
            time.sleep(a.sample)
            st, ps, tb = last_stat(work, "uac"), proc_status(proxy.pid), tables(ctlbin)
            row = {"t": time.monotonic() - t0, "calls": int(st.get("TotalCallCreated", 0)),
                   "failed": int(st.get("FailedCall(C)", 0)), **ps, **tb}
            rows.append(row)
            print(f"{row['t']:6.0f} {row['calls']:9d} {row['failed']:7d} {row['VmRSS']:8d} "
                  f"{row['fds']:4d} {row['server_txns']:7d} {row['client_txns']:7d} "
                  f"{row['dialogs']:7d}", flush=True)
        if uac.poll() is None:
            uac.send_signal(signal.SIGTERM)
        uac.wait(30)
        time.sleep(a.drain)  # Timer K/J/D: transactions linger after the last call
        end, after = proc_status(proxy.pid), tables(ctlbin)
        st = last_stat(work, "uac")
    finally:
        os.killpg(proxy.pid, signal.SIGTERM)
        proxy.wait(30)
        uas.send_signal(signal.SIGTERM)
        uas.wait(10)
    ok, failed = int(st.get("SuccessfulCall(C)", 0)), int(st.get("FailedCall(C)", 0))
    retrans = int(st.get("Retransmissions(C)", 0))
    print(f"\n{ok} calls ok, {failed} failed, {retrans} UAC retransmissions, "
          f"{a.rate} cps target, run kept in {work}")
    print(f"after the drain: RSS {end['VmRSS']} KiB (peak {end['VmHWM']}), {end['fds']} fds, "
          f"{after}")
    half = [r for r in rows if r["calls"] >= a.calls // 10]  # past the warm-up
    if len(half) >= 4:
        first, last = half[len(half) // 2 - 1], half[-1]
        per = (last["VmRSS"] - first["VmRSS"]) / max(1, last["calls"] - first["calls"]) * 1e5
        print(f"RSS from call {first['calls']} to call {last['calls']}: "
              f"{first['VmRSS']} -> {last['VmRSS']} KiB ({per:+.1f} KiB per 100,000 calls)")
    drained = all(after[k] == before[k] for k in ("server_txns", "client_txns", "dialogs"))
    print("tables drained to their starting sizes" if drained
          else f"tables did NOT drain: before {before}, after {after}")
    return 0 if drained and failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
