#!/bin/sh
# The product at work in about half a minute, on loopback: two SIPp SIP Servers as a
# primary/backup HA pair, sipproxyd in front of them, and a SIPp phone placing calls through
# the proxy. Half-way through, the primary is killed; the proxy sees it stop answering
# OPTIONS and the calls go on to the backup. `sipproxyctl servers` shows each step.
#
#   sh examples/demo.sh                 (after `sh run.sh` or a build in build/)
#
# Environment: SIPPROXYD, SIPPROXYCTL (the binaries; default build/bin/...), SIPP (default
# sipp), DEMO_PORT (the first of the ports used, default 25060: the proxy on DEMO_PORT,
# its management port +1, the primary +10, the backup +11, the phone +20; each can also be
# set alone: DEMO_PROXY_PORT, DEMO_MGMT_PORT, DEMO_PRIMARY_PORT, DEMO_BACKUP_PORT,
# DEMO_PHONE_PORT), DEMO_CALLS
# (default 100, at 10 a second). Everything it starts is stopped when it ends; its files
# are in a temporary directory, kept when DEMO_KEEP=1. Exits 0 when every call ended and at
# most 5 failed (only a call caught between its 200 OK and its BYE by the kill can fail).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
sipproxyd=${SIPPROXYD:-$root/build/bin/sipproxyd}
sipproxyctl=${SIPPROXYCTL:-$root/build/bin/sipproxyctl}
sipp=${SIPP:-sipp}
base=${DEMO_PORT:-25060}
calls=${DEMO_CALLS:-100}
proxy_port=${DEMO_PROXY_PORT:-$base} mgmt_port=${DEMO_MGMT_PORT:-$((base + 1))}
primary_port=${DEMO_PRIMARY_PORT:-$((base + 10))} backup_port=${DEMO_BACKUP_PORT:-$((base + 11))}
phone_port=${DEMO_PHONE_PORT:-$((base + 20))}

for tool in "$sipproxyd" "$sipproxyctl"; do
  if [ ! -x "$tool" ]; then
    echo "demo: $tool is not built: run 'sh run.sh' once (or cmake --build build)" >&2
    exit 2
  fi
done
if ! command -v "$sipp" >/dev/null 2>&1; then
  echo "demo: SIPp is missing: apt-get install sip-tester" >&2
  exit 2
fi

dir=$(mktemp -d /tmp/sipproxy-demo.XXXXXX)
pids=""
cleanup() {
  for p in $pids; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "${DEMO_KEEP:-0}" = 1 ]; then echo "demo: files kept in $dir"; else rm -rf "$dir"; fi
}
trap cleanup EXIT INT TERM

step() { printf '\n== %s\n' "$*"; }
servers() { "$sipproxyctl" -t "127.0.0.1:$mgmt_port" servers; }

cat >"$dir/sipproxy.conf" <<EOF
[sipproxy]
sipproxy-role = 10
applications = SIPServer_Demo
serving-sipserver = SIPServer_Demo
sipproxy-applications = SIPProxy_Demo
contact-address = 127.0.0.1:$proxy_port
oos-check = 1
oos-force = 1

[SIPProxy_Demo]
type = sip-proxy
host = 127.0.0.1
sip-port = $proxy_port
mgmt-port = $mgmt_port

[SIPServer_Demo]
type = sip-server
primary = 127.0.0.1:$primary_port
backup = 127.0.0.1:$backup_port
EOF

# A SIP Server: SIPp's built-in UAS, which also answers the proxy's OPTIONS (-aa).
sip_server() { # NAME PORT
  "$sipp" -sn uas -aa -i 127.0.0.1 -p "$2" -nostdin -trace_stat -stf "$dir/$1.csv" \
    -fd 1 >"$dir/$1.log" 2>&1 &
  pids="$pids $!"
}

step "SIP Server pair: primary 127.0.0.1:$primary_port, backup 127.0.0.1:$backup_port (SIPp)"
sip_server primary "$primary_port"
primary_pid=$!
sip_server backup "$backup_port"

step "sipproxyd on 127.0.0.1:$proxy_port (UDP and TCP), management on 127.0.0.1:$mgmt_port"
"$sipproxyd" --config "$dir/sipproxy.conf" --app SIPProxy_Demo --log-file "$dir/sipproxyd.log" &
pids="$pids $!"
tries=0
until servers 2>/dev/null | grep -q "primary.*active"; do
  tries=$((tries + 1))
  if [ $tries -ge 50 ]; then
    echo "demo: the proxy did not see the primary active; its log:" >&2
    tail -20 "$dir/sipproxyd.log" >&2
    exit 1
  fi
  sleep 0.2
done
servers

step "a phone (SIPp) places $calls calls through the proxy, 10 a second"
"$sipp" -sn uac "127.0.0.1:$proxy_port" -s 1000 -i 127.0.0.1 -p "$phone_port" -r 10 \
  -m "$calls" -nostdin -timeout 120s -trace_stat -stf "$dir/phone.csv" -fd 1 \
  -trace_err -error_file "$dir/phone-errors.log" >"$dir/phone.log" 2>&1 &
phone_pid=$!
pids="$pids $phone_pid"
sleep $((calls / 20))

step "the primary is killed (SIGKILL) after about $((calls / 20)) s of calls"
kill -9 "$primary_pid"
killed_at=$(date +%s)
tries=0
until servers | grep -q "primary.*out-of-service"; do
  tries=$((tries + 1))
  if [ $tries -ge 50 ]; then
    echo "demo: the proxy did not notice the primary's death" >&2
    exit 1
  fi
  sleep 0.2
done
echo "(noticed within $(($(date +%s) - killed_at)) s: no answer to OPTIONS)"
servers

step "the calls go on to the backup"
status=0
wait "$phone_pid" || status=$?
# SIPp's last statistics line: SuccessfulCall(C) and FailedCall(C), cumulative.
last=$(tail -1 "$dir/phone.csv")
header=$(head -1 "$dir/phone.csv")
field() { # NAME: the column of the statistics CSV
  echo "$header" | tr ';' '\n' | grep -n "^$1\$" | cut -d: -f1
}
ok=$(echo "$last" | cut -d';' -f"$(field 'SuccessfulCall(C)')")
failed=$(echo "$last" | cut -d';' -f"$(field 'FailedCall(C)')")
echo "calls placed: $calls; completed: $ok; failed: $failed"
echo "(a call whose INVITE reached the primary in the second before the proxy noticed waits for"
echo " its transaction to time out, 32 s, and then goes on to the backup)"
servers
if [ "$((ok + failed))" -ne "$calls" ] || [ "$failed" -gt 5 ]; then
  echo "demo: unexpected result (SIPp exit status $status); files in $dir" >&2
  DEMO_KEEP=1
  exit 1
fi
echo
echo "demo: done: the proxy moved new calls to the backup without a floating IP."
