#!/usr/bin/env bash
# Installs what the test suite needs beyond node_modules, on a fresh machine and idempotently:
# the real CNI plugins (Debian's containernetworking-plugins) and the tools for network namespaces.
# The moto server's Python virtualenv is created by tests/support/moto.ts on first use.
set -euo pipefail

missing=()
[ -x /usr/lib/cni/host-local ] || missing+=(containernetworking-plugins)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v ping >/dev/null 2>&1 || missing+=(iputils-ping)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3 python3-venv)
command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
# Node file conformance: `udevadm test` (udev 252 as on AL2023), `systemd-analyze verify`, and the
# system interpreter the eni-prefix plugin's #! line names.
command -v udevadm >/dev/null 2>&1 || missing+=(udev)
command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
[ -x /usr/bin/python3 ] || missing+=(python3)
# The cross-node check script runs under busybox (as in the sample image) against a TLS fake API.
[ -x /bin/busybox ] || missing+=(busybox)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
# The node's startup-untaint script talks to IMDS and the API server with curl.
command -v curl >/dev/null 2>&1 || missing+=(curl)

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: need ${missing[*]}; run as root or install them with apt-get" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
