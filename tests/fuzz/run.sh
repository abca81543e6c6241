#!/bin/sh
# Builds the libFuzzer targets (clang, ASan) in build-fuzz/, replays every input kept in
# the tree once (the seed corpus, the torture corpus of tests/torture/ for the SIP
# targets, and every regression input found so far: -runs=0), then fuzzes each target
# for SECONDS (default 60) from a copy of those inputs (the tree's corpus stays as it is).
# Targets run $(nproc) at a time. Exits non-zero when a target crashes, leaks, times out
# or runs out of memory; the crashing input is left in build-fuzz/findings/TARGET/ (put
# it in regressions/TARGET/).
#   sh tests/fuzz/run.sh [--build-only | --no-build] [SECONDS] [TARGET...]
# SECONDS 0 only replays. --build-only builds and stops; --no-build uses the built tree.
# SIPPROXY_FUZZ_REPLAY_ONLY="TARGET..." only replays those targets (test.sh uses it for
# parser_differential: see there).
set -eu
cd "$(dirname "$0")/../.."
mode=all
case "${1:-}" in --build-only | --no-build) mode=$1 && shift ;; esac
seconds=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-"sip_message stream_framer deployment mgmt_protocol request_path parser_differential"}
if [ "$mode" != --no-build ]; then
  launcher=""
  command -v ccache >/dev/null 2>&1 && launcher="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
  # -O1 and line tables only: a quicker build (CI builds this every run), and stack
  # traces that still name file and line.
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -DSIPPROXY_FUZZ=ON -DSIPPROXY_TESTS=OFF \
    -DSIPPROXY_WERROR=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" $launcher >/dev/null
  build_targets=""
  for t in $targets; do build_targets="$build_targets ${t}_fuzz"; done
  # shellcheck disable=SC2086
  cmake --build build-fuzz -j"$(nproc)" --target $build_targets
fi
[ "$mode" = --build-only ] && exit 0

# The torture messages, with their placeholders filled as the unit test fills them.
seed_torture() {
  for f in tests/torture/messages/*.sip; do
    sed -e 's/\${TRANSPORT}/UDP/g' -e 's/\${CLIENT}/192.0.2.10:5070/g' -e 's/\${UNIQ}/u1/g' \
      "$f" >"$1/torture-$(basename "$f")"
  done
}

# fuzz_one TARGET: replay, then fuzz; prints its own lines at the end; non-zero on failure.
fuzz_one() {
  t=$1
  work=build-fuzz/corpus/$t
  findings=build-fuzz/findings/$t
  rm -rf "$work"
  mkdir -p "$work" "$findings"
  cp tests/fuzz/corpus/"$t"/* "$work"/ 2>/dev/null || true
  cp tests/fuzz/regressions/"$t"/* "$work"/ 2>/dev/null || true
  rm -f "$work"/README
  # parser_differential reads SIP messages: the sip_message corpus and regressions too.
  if [ "$t" = parser_differential ]; then
    cp tests/fuzz/corpus/sip_message/* tests/fuzz/regressions/sip_message/* "$work"/ 2>/dev/null ||
      true
  fi
  case $t in sip_message | stream_framer | parser_differential) seed_torture "$work" ;; esac
  bin=build-fuzz/bin/${t}_fuzz
  opts="-max_len=131072 -timeout=10 -rss_limit_mb=2048 -artifact_prefix=$findings/"
  echo "== fuzz $t: replay $(ls "$work" | wc -l) inputs"
  # shellcheck disable=SC2086
  if ! ASAN_OPTIONS=detect_leaks=1 "$bin" $opts -runs=0 "$work" >build-fuzz/"$t".replay.log 2>&1
  then
    echo "fuzz $t: an input kept in the tree FAILED (see build-fuzz/$t.replay.log)"
    tail -40 build-fuzz/"$t".replay.log
    return 1
  fi
  [ "$seconds" -gt 0 ] || return 0
  case " ${SIPPROXY_FUZZ_REPLAY_ONLY:-} " in
    *" $t "*)
      echo "== fuzz $t: replayed only (SIPPROXY_FUZZ_REPLAY_ONLY)"
      return 0
      ;;
  esac
  echo "== fuzz $t for ${seconds}s"
  # shellcheck disable=SC2086
  if ! ASAN_OPTIONS=detect_leaks=1 "$bin" $opts -max_total_time="$seconds" -print_final_stats=1 \
      "$work" 2>build-fuzz/"$t".log; then
    echo "fuzz $t: FAILED (see build-fuzz/$t.log and $findings/)"
    tail -40 build-fuzz/"$t".log
    return 1
  fi
  grep -E "stat::number_of_executed_units|cov:" build-fuzz/"$t".log | tail -2 | sed "s/^/$t: /"
}

# As many targets at a time as there are cores; each one's lines are printed together.
status=0
width=$(nproc)
set -- $targets
while [ $# -gt 0 ]; do
  pids=""
  i=0
  while [ $# -gt 0 ] && [ $i -lt "$width" ]; do
    (fuzz_one "$1" >build-fuzz/"$1".summary 2>&1) &
    pids="$pids $!:$1"
    shift
    i=$((i + 1))
  done
  for p in $pids; do
    if ! wait "${p%%:*}"; then status=1; fi
    cat build-fuzz/"${p#*:}".summary
  done
done
exit $status
