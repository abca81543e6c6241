#!/bin/sh
# Quick start: install the dependencies (Debian 12), build, and run sipproxyd on the example
# deployment (examples/sipproxy.conf: UDP/TCP 5060 on loopback, SIP Server pair at
# 127.0.0.1:5070/5071). It stays in the foreground; Ctrl-C stops it. Extra arguments go to
# sipproxyd (e.g. sh run.sh --log-level debug).
set -eu
cd "$(dirname "$0")"
sh scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
exec build/bin/sipproxyd --config examples/sipproxy.conf --app SIPProxy_1 "$@"
