#!/usr/bin/env bash
# The real Kubernetes control plane the API-server tests run: kube-apiserver,
# kube-controller-manager and kubectl at the version in tests/k8s/build/go.mod (EKS's), built from
# the Go module proxy alone (about 6 min and 2 GB on a fresh 2-core machine), or reused from the
# cache. Prints the directory that holds the three commands.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exec "$here/../support/cached-go-build.sh" kubernetes "$here/build" k8s.io/kubernetes "" \
  k8s.io/kubernetes/cmd/kube-apiserver \
  k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kubectl
