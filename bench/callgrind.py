#!/usr/bin/python3
"""Instructions per call, counted by valgrind's callgrind: repeatable on a noisy machine.

Starts a SIPp UAS (127.0.0.1:5070), the proxy under callgrind, and a SIPp UAC placing
calls through it with the shared harness's scenarios (INVITE/100/180/200/ACK/BYE/200: 14
datagrams through the proxy). After a warm-up the counters are zeroed, the measured calls
run, and the counters are dumped: instructions (Ir) of the measured part / calls is what a
call costs the proxy in user space (system calls are counted as one instruction each; the
kernel's share is not). Then prints where they go: the top functions, self and inclusive.

  /usr/bin/python3 bench/callgrind.py                      # build-rel/bin/sipproxyd
  /usr/bin/python3 bench/callgrind.py --kamailio           # the harness's Kamailio config
  /usr/bin/python3 bench/callgrind.py --calls 2000 --rate 40 --top 25

Loopback only; every SIPp run is bounded by -m and -timeout. Needs sipp and valgrind.
"""
import argparse
import glob
import os
import shlex
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
PROXY_PORT, UAS_PORT, UAC_PORT = 5060, 5070, 5090
SIPPROXYD = (f"{ROOT}/build-rel/bin/sipproxyd --config {ROOT}/bench/bench.conf "
             "--app SIPProxy_1")
KAMAILIO = (f"kamailio -f {HARNESS}/kamailio.cfg -DD -E -m 1024 -M 16 "
            f"-A 'DS_LIST=\"{HARNESS}/dispatcher.list\"'")


def sipp(args, workdir, name):
    argv = ["sipp"] + args + ["-i", HOST, "-bind_local", "-t", "u1", "-nostdin",
                              "-trace_err", "-error_file", f"{name}_errors.log",
                              "-trace_stat", "-stf", f"{name}_stat.csv", "-fd", "1"]
    out = open(os.path.join(workdir, f"{name}.out"), "w")
    return subprocess.Popen(argv, cwd=workdir, stdout=out, stderr=subprocess.STDOUT)


def uac(workdir, name, calls, rate):
    """Runs the UAC to completion; returns (successful, failed, retransmissions)."""
    tmo = calls // rate + 60
    p = sipp([f"{HOST}:{PROXY_PORT}", "-sf", f"{SCEN}/uac.xml", "-key", "uas_host",
              f"{HOST}:{UAS_PORT}", "-s", "bench", "-p", str(UAC_PORT), "-r", str(rate),
              "-m", str(calls), "-l", str(max(100, 4 * rate)), "-recv_timeout", "20000",
              "-timeout", f"{tmo}s"], workdir, name)
    try:
        p.wait(tmo + 30)
    except subprocess.TimeoutExpired:
        p.send_signal(signal.SIGTERM)
        p.wait(10)
    rows = open(os.path.join(workdir, f"{name}_stat.csv")).read().split("\n")
    hdr, last = rows[0].split(";"), [r for r in rows if r.strip()][-1].split(";")
    row = dict(zip(hdr, last))
    return (int(row.get("SuccessfulCall(C)", 0)), int(row.get("FailedCall(C)", 0)),
            int(row.get("Retransmissions(C)", 0)))


def wait_udp(port, proc, secs):
    """Until the proxy has bound the UDP port (valgrind starts slowly)."""
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if proc.poll() is not None:
            sys.exit(f"callgrind: the proxy exited ({proc.returncode}) before binding :{port}")
        out = subprocess.run(["ss", "-Hlun", f"sport = :{port}"], capture_output=True,
                             text=True).stdout
        if out.strip():
            return
        time.sleep(0.5)
    sys.exit(f"callgrind: nothing bound udp :{port} within {secs}s")


def control(flag):
    subprocess.run(["callgrind_control", flag], capture_output=True, check=False)


def total_ir(files):
    total = 0
    for f in files:
        for line in open(f, errors="replace"):
            if line.startswith("summary:") or line.startswith("totals:"):
                total += int(line.split()[1])
                break
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--proxy-cmd", default=SIPPROXYD, help="the proxy, in the foreground")
    ap.add_argument("--kamailio", action="store_true", help="measure Kamailio instead")
    ap.add_argument("--calls", type=int, default=2000, help="measured calls (default 2000)")
    ap.add_argument("--warmup", type=int, default=200, help="calls before counting (200)")
    ap.add_argument("--rate", type=int, default=40, help="calls per second (default 40)")
    ap.add_argument("--top", type=int, default=20, help="functions to list (default 20)")
    ap.add_argument("--workdir", help="keep the run here (default: a temporary directory)")
    a = ap.parse_args()
    for tool in ("sipp", "valgrind", "callgrind_control", "callgrind_annotate"):
        if not shutil.which(tool):
            sys.exit(f"callgrind: {tool} not found (apt-get install sip-tester valgrind)")
    cmd = KAMAILIO if a.kamailio else a.proxy_cmd
    work = a.workdir or tempfile.mkdtemp(prefix="sipproxy-callgrind-")
    os.makedirs(work, exist_ok=True)
    uas = sipp(["-sf", f"{SCEN}/uas.xml", "-p", str(UAS_PORT), "-recv_timeout", "60000",
                "-timeout", f"{(a.calls + a.warmup) // a.rate + 600}s"], work, "uas")
    vg = ["valgrind", "--tool=callgrind", "--trace-children=yes",
          f"--callgrind-out-file={work}/callgrind.out.%p"] + shlex.split(cmd)
    proxy = subprocess.Popen(vg, cwd=work, stdout=open(f"{work}/proxy.log", "w"),
                             stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_udp(PROXY_PORT, proxy, 120)
        time.sleep(2)
        ok, failed, retrans = uac(work, "warmup", a.warmup, min(a.rate, 20))
        print(f"warm-up: {ok} ok, {failed} failed, {retrans} retransmissions")
        time.sleep(1)
        control("-z")
        t = time.monotonic()
        ok, failed, retrans = uac(work, "measured", a.calls, a.rate)
        wall = time.monotonic() - t
        time.sleep(1)
        control("-d")
        time.sleep(3)
        # -z then -d: each process's first dump (callgrind.out.PID.1) holds exactly
        # what ran between the two.
        dumps = sorted(glob.glob(f"{work}/callgrind.out.*.1"))
    finally:
        os.killpg(proxy.pid, signal.SIGTERM)
        try:
            proxy.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proxy.pid, signal.SIGKILL)
        uas.send_signal(signal.SIGTERM)
        uas.wait(10)
    ir = total_ir(dumps)
    print(f"measured: {ok} ok, {failed} failed, {retrans} retransmissions, "
          f"{a.calls} calls at {a.rate} cps in {wall:.1f}s")
    print(f"proxy: {cmd}")
    print(f"instructions counted after the warm-up: {ir:,} in {len(dumps)} process(es)")
    if ok:
        print(f"instructions per call: {ir // ok:,}")
    if dumps:
        biggest = max(dumps, key=lambda f: total_ir([f]))
        for inclusive in (False, True):
            args = ["callgrind_annotate", "--threshold=100", f"--inclusive={'yes' if inclusive else 'no'}"]
            out = subprocess.run(args + [biggest], capture_output=True, text=True).stdout
            lines = [l for l in out.split("\n") if l.strip()]
            start = next((i for i, l in enumerate(lines) if "file:function" in l), None)
            print(f"\n{'inclusive' if inclusive else 'self'} (top {a.top}, {biggest}):")
            if start is not None:
                # Functions on the stack when the counters were zeroed (main, the event
                # loop) show the whole total even as self cost: leave them out.
                shown = [l for l in lines[start + 1:] if not l.strip().startswith("-")
                         and "(100.0%)" not in l and "(99." not in l]
                for l in shown[:a.top]:
                    print("  " + l.strip()[:150])
    print(f"\nrun kept in {work}")


if __name__ == "__main__":
    main()
