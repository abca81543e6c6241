#!/bin/sh
# Runs the shared load harness (../shared/bench/proxy-bench) through sipproxyd and through
# Kamailio at the same rate, in the same sitting, and prints both summary lines and the
# ratio of proxy CPU per call. Loopback only; every SIPp run is bounded by the harness.
#   sh bench/compare.sh [RATE] [CALLS]      (default 2000 cps, 20000 calls)
# Needs a Release build in build-rel/ (made here if missing), sipp and kamailio.
set -eu
cd "$(dirname "$0")/.."
rate=${1:-2000}
calls=${2:-20000}
harness=${PROXY_BENCH:-../shared/bench/proxy-bench}
out=${BENCH_OUT:-bench/results}
mkdir -p "$out"
if [ ! -x build-rel/bin/sipproxyd ]; then
  cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release -DSIPPROXY_TESTS=OFF >/dev/null
  cmake --build build-rel -j"$(nproc)" --target sipproxyd
fi
stamp=$(date -u +%Y%m%dT%H%M%SZ)
"$harness" --proxy-cmd "$PWD/build-rel/bin/sipproxyd --config $PWD/bench/bench.conf --app SIPProxy_1" \
  --proxy-port 5060 --rate "$rate" --calls "$calls" --out "$out/sipproxyd-$rate-$stamp.json"
"$harness" --kamailio --rate "$rate" --calls "$calls" --out "$out/kamailio-$rate-$stamp.json"
/usr/bin/python3 - "$out/sipproxyd-$rate-$stamp.json" "$out/kamailio-$rate-$stamp.json" <<'PY'
import json, sys
s, k = (json.load(open(p)) for p in sys.argv[1:3])
a, b = s["result"]["proxy_cpu_us_per_call"], k["result"]["proxy_cpu_us_per_call"]
print(f"sipproxyd {a} us/call, kamailio {b} us/call, ratio {a / b:.2f}" if a and b else "see the JSON files")
PY
