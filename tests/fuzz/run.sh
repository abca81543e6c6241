#!/bin/sh
# Builds the libFuzzer targets (clang, ASan) in build-fuzz/ and runs each one for
# SECONDS (default 60) from its seed corpus (copied, so the tree's corpus stays as it is)
# plus every regression input found so far. Exits non-zero when a target crashes; the
# crashing input is left in build-fuzz/findings/TARGET/ (put it in regressions/TARGET/).
#   sh tests/fuzz/run.sh [SECONDS] [TARGET...]
set -eu
cd "$(dirname "$0")/../.."
seconds=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-"sip_message stream_framer deployment mgmt_protocol"}
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DSIPPROXY_FUZZ=ON -DSIPPROXY_TESTS=OFF \
  -DSIPPROXY_WERROR=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j"$(nproc)"
status=0
for t in $targets; do
  work=build-fuzz/corpus/$t
  findings=build-fuzz/findings/$t
  mkdir -p "$work" "$findings"
  cp tests/fuzz/corpus/"$t"/* "$work"/ 2>/dev/null || true
  cp tests/fuzz/regressions/"$t"/* "$work"/ 2>/dev/null || true
  echo "== fuzz $t for ${seconds}s"
  if ! ASAN_OPTIONS=detect_leaks=1 \
      build-fuzz/bin/"${t}_fuzz" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$findings"/ "$work" \
      2>build-fuzz/"$t".log; then
    echo "fuzz $t: FAILED (see build-fuzz/$t.log and $findings/)"
    tail -40 build-fuzz/"$t".log
    status=1
  else
    grep -E "stat::number_of_executed_units|cov:" build-fuzz/"$t".log | tail -2
  fi
done
exit $status
