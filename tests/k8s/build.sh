#!/usr/bin/env bash
# The real Kubernetes control plane the API-server tests run: kube-apiserver,
# kube-controller-manager, kube-scheduler and kubectl at the version in tests/k8s/build/go.mod
# (EKS's), built from the Go module proxy alone (about 6 min and 2 GB on a fresh 2-core machine), or
# reused from the cache. Prints the directory that holds the four commands.
# The version variables are set as Kubernetes' own build does (hack/lib/version.sh), so /version
# and `kubectl version` report v1.35.8 as a released server would, not v0.0.0-master.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version_flags=""
for package in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  version_flags+=" -X $package.gitVersion=@VERSION@ -X $package.gitTreeState=clean"
  version_flags+=" -X $package.gitMajor=@MAJOR@ -X $package.gitMinor=@MINOR@"
done
exec "$here/../support/cached-go-build.sh" kubernetes "$here/build" k8s.io/kubernetes "$version_flags" \
  k8s.io/kubernetes/cmd/kube-apiserver \
  k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler \
  k8s.io/kubernetes/cmd/kubectl
