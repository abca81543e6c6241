#!/bin/sh
# Installs what sipproxy needs to build and test, from Debian 12 packages only.
# Idempotent: installs only what is missing, and runs apt-get update only then.
set -eu

PACKAGES="cmake g++ make libboost1.81-dev libfmt-dev libgtest-dev sip-tester python3-pytest
          libc-ares-dev libssl-dev openssl pkg-config dnsmasq-base nlohmann-json3-dev libhiredis-dev redis-server
          clang libclang-rt-14-dev sipvicious python3-pytest-xdist python3-pytest-timeout ccache
          prometheus chromium libboost-program-options1.81-dev bash-completion libosip2-dev
          dpkg-dev systemd"

missing=""
for p in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "install-deps: need root (or sudo) to install:$missing" >&2
  exit 1
fi
echo "install-deps: installing$missing"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
