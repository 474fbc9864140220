#!/usr/bin/env bash
# What `npm run test:k8s` needs beyond node_modules, on a fresh machine and idempotently: etcd from
# Debian (etcd-server) and the Kubernetes control plane built from the Go module proxy
# (tests/k8s/build.sh, cached after the first build).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if ! command -v etcd >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "test:k8s setup: need etcd; run as root or install etcd-server with apt-get" >&2
    exit 1
  fi
  echo "test:k8s setup: installing etcd-server"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server >/dev/null
fi
bash "$here/build.sh" >/dev/null
# moto, the AWS CLI and the fake IMDS's needs: the node scripts run here against the API server.
bash "$here/../support/setup.sh"
