#!/bin/sh
# Runs every test: installs the dependencies (Debian 12), builds, runs the GoogleTest unit
# tests and the pytest integration suite (real sipproxyd and SIPp processes on loopback),
# then does the same with an AddressSanitizer + UndefinedBehaviorSanitizer build, and last
# builds the libFuzzer targets (clang + ASan), replays every corpus and regression input
# and fuzzes each target for SIPPROXY_FUZZ_SECONDS (default 45) seconds.
# SIPPROXY_SKIP_ASAN=1 skips the sanitizer pass, SIPPROXY_SKIP_FUZZ=1 the fuzzing.
set -eu
cd "$(dirname "$0")"
sh scripts/install-deps.sh
jobs=$(nproc)

run_suite() {
  build_dir=$1
  echo "== unit tests ($build_dir)"
  "$build_dir/bin/sipproxy_tests" --gtest_brief=1
  echo "== integration tests ($build_dir)"
  SIPPROXYD="$PWD/$build_dir/bin/sipproxyd" /usr/bin/python3 -m pytest integration -q -p no:cacheprovider
}

echo "== build (RelWithDebInfo, -Werror)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
run_suite build

if [ "${SIPPROXY_SKIP_ASAN:-0}" != 1 ]; then
  echo "== build (ASan + UBSan)"
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSIPPROXY_SANITIZE=ON >/dev/null
  cmake --build build-asan -j"$jobs"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite build-asan
fi
if [ "${SIPPROXY_SKIP_FUZZ:-0}" != 1 ]; then
  echo "== fuzz (libFuzzer, clang + ASan)"
  sh tests/fuzz/run.sh "${SIPPROXY_FUZZ_SECONDS:-45}"
fi
echo "== all tests passed"
