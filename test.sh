#!/bin/sh
# Runs every test: installs the dependencies (Debian 12), builds, runs the GoogleTest unit
# tests, the layering checks (an upward include must not compile) and the pytest
# integration suite (real sipproxyd and SIPp processes on loopback), then the same
# with an AddressSanitizer + UndefinedBehaviorSanitizer build, and last the
# libFuzzer targets (clang + ASan): every corpus and regression input replayed, then each
# target fuzzed for SIPPROXY_FUZZ_SECONDS (default 45) seconds.
#
#   sh test.sh            the full run (what CI runs)
#   sh test.sh --quick    release build, unit and integration tests only
#
# On two cores the waits overlap with work: the sanitizer tree builds while the release
# suite runs (the suite mostly waits on timers and sockets), and the fuzz tree builds
# while the sanitizer suite runs. The integration suite runs on SIPPROXY_TEST_WORKERS
# pytest-xdist workers (default 4). ccache is used when installed.
# SIPPROXY_SKIP_ASAN=1 skips the sanitizer pass, SIPPROXY_SKIP_FUZZ=1 the fuzzing.
# Every stage's wall time is printed at the end, with the number of tests of each pass.
set -eu
cd "$(dirname "$0")"

quick=0
case "${1:-}" in
  --quick) quick=1 ;;
  "") ;;
  -h | --help)
    sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "test.sh: unknown argument '$1' (use --quick, or nothing for the full run)" >&2
    exit 2
    ;;
esac
skip_asan=${SIPPROXY_SKIP_ASAN:-0}
skip_fuzz=${SIPPROXY_SKIP_FUZZ:-0}
if [ $quick = 1 ]; then skip_asan=1 skip_fuzz=1; fi
workers=${SIPPROXY_TEST_WORKERS:-4}
jobs=$(nproc)
logs=build-logs
mkdir -p $logs
: >$logs/stages
: >$logs/counts
t_start=$(date +%s)
# A failing stage ends the run: the background builds go with it.
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT

# stage NAME COMMAND...: runs COMMAND, then notes NAME and its wall time.
stage() {
  name=$1
  shift
  echo "== $name"
  t0=$(date +%s)
  "$@"
  echo "$name|$(($(date +%s) - t0))" >>$logs/stages
}

# A background stage: its output goes to $logs/NAME.log; `finish NAME` waits for it.
background() {
  name=$1
  shift
  echo "== $name (in the background: $logs/$name.log)"
  (
    t0=$(date +%s)
    if "$@" >"$logs/$name.log" 2>&1; then rc=0; else rc=$?; fi
    echo "$name (overlapped)|$(($(date +%s) - t0))" >>$logs/stages
    exit $rc
  ) &
  eval "bg_$(echo "$name" | tr -c 'a-zA-Z0-9\n' _)=$!"
}
finish() {
  var="bg_$(echo "$1" | tr -c 'a-zA-Z0-9\n' _)"
  eval "pid=\$$var"
  if ! wait "$pid"; then
    echo "== $1 FAILED:"
    tail -60 "$logs/$1.log"
    exit 1
  fi
}

launcher=""
if command -v ccache >/dev/null 2>&1; then
  launcher="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
  # The same sources under another checkout hit the same cache entries.
  CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=1
  export CCACHE_BASEDIR CCACHE_NOHASHDIR
fi

build() { # build DIR CMAKE-ARGS...
  dir=$1
  shift
  cmake -S . -B "$dir" $launcher "$@" >/dev/null
  cmake --build "$dir" -j"$jobs"
}

unit() { # unit BUILD-DIR LABEL
  out=$logs/unit-$2.log
  "$1/bin/sipproxy_tests" --gtest_brief=1 2>&1 | tee "$out" | tail -3
  n=$(grep -oE '\[  PASSED  \] [0-9]+ test' "$out" | grep -oE '[0-9]+' | tail -1 || true)
  if grep -q '^\[  FAILED  \]' "$out" || [ -z "$n" ]; then return 1; fi
  echo "$2 unit|${n:-0}" >>$logs/counts
  # The layers: each upward include must fail to compile (tests/layering/).
  ctest --test-dir "$1" -L layering -j"$jobs" 2>&1 | tee "$logs/layering-$2.log" | tail -2
  n=$(grep -oE '^100% tests passed, 0 tests failed out of [0-9]+' "$logs/layering-$2.log" |
    grep -oE '[0-9]+$' || true)
  [ -n "$n" ] || return 1
  echo "$2 layering|$n" >>$logs/counts
}

integration() { # integration BUILD-DIR LABEL
  out=$logs/integration-$2.log
  status=0
  SIPPROXYD="$PWD/$1/bin/sipproxyd" SIPPROXYCTL="$PWD/$1/bin/sipproxyctl" \
    SIPPROBE="$PWD/$1/bin/sipprobe" \
    /usr/bin/python3 -m pytest integration -q -p no:cacheprovider -n "$workers" \
    --durations=15 2>&1 | tee "$out" || true
  summary=$(grep -E '(passed|failed|error).* in [0-9.]+s' "$out" | tail -1)
  n=$(echo "$summary" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || true)
  echo "$2 integration|${n:-0}" >>$logs/counts
  echo "$summary" | grep -qE 'failed|error' && status=1
  [ -n "$n" ] || status=1
  return $status
}

sh scripts/install-deps.sh

stage "build release" build build -DCMAKE_BUILD_TYPE=RelWithDebInfo
stage "unit release" unit build release
if [ "$skip_asan" != 1 ]; then
  # -O1: the sanitizers' own advice, and a much quicker suite than -O0.
  background "build asan" nice -n 10 sh -c "$(cat <<EOF
cmake -S . -B build-asan $launcher -DCMAKE_BUILD_TYPE=Debug -DSIPPROXY_SANITIZE=ON \
  -DCMAKE_CXX_FLAGS_DEBUG='-O1 -g' >/dev/null && cmake --build build-asan -j$jobs
EOF
)"
fi
stage "integration release" integration build release

if [ "$skip_asan" != 1 ]; then
  stage "build asan (rest)" finish "build asan"
  if [ "$skip_fuzz" != 1 ]; then
    background "build fuzz" nice -n 10 sh tests/fuzz/run.sh --build-only
  fi
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  stage "unit asan" unit build-asan asan
  stage "integration asan" integration build-asan asan
  unset ASAN_OPTIONS UBSAN_OPTIONS
fi
if [ "$skip_fuzz" != 1 ]; then
  if [ "$skip_asan" != 1 ]; then
    stage "build fuzz (rest)" finish "build fuzz"
  else
    stage "build fuzz" sh tests/fuzz/run.sh --build-only
  fi
  # parser_differential (our parser against libosip2) replays every kept input, which must
  # agree or disagree as doc/parser-differential.md says; fuzzed, it still finds a new kind
  # of libosip2 leniency within minutes, each one to be read and classified by hand, so
  # it is not fuzzed here until its table stops growing (SIPPROXY_FUZZ_REPLAY_ONLY= to fuzz
  # it too; `sh tests/fuzz/run.sh 300 parser_differential` to hunt).
  stage "fuzz" env SIPPROXY_FUZZ_REPLAY_ONLY="${SIPPROXY_FUZZ_REPLAY_ONLY-parser_differential}" \
    sh tests/fuzz/run.sh --no-build "${SIPPROXY_FUZZ_SECONDS:-45}"
fi

echo
echo "== stages (wall seconds)"
while IFS='|' read -r name secs; do printf '  %-32s %6s\n' "$name" "$secs"; done <$logs/stages
printf '  %-32s %6s\n' "total" "$(($(date +%s) - t_start))"
echo "== tests run"
total=0
while IFS='|' read -r name n; do
  printf '  %-32s %6s\n' "$name" "$n"
  total=$((total + n))
done <$logs/counts
echo "== all tests passed"
echo "$total passed, 0 failed"
