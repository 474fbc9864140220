#!/usr/bin/env bash
# Builds Go commands from a pinned module of this repository (go.mod + go.sum, the Go module proxy
# alone), or reuses an earlier build, and prints the directory that holds them.
#
#   cached-go-build.sh LABEL MODULE_DIR VERSION_MODULE LDFLAGS PACKAGE...
#
# The cache directory is named by LABEL, VERSION_MODULE's version in MODULE_DIR, the Go version
# and a digest of go.sum, LDFLAGS and the packages, under ${MULTUS_EKS_CACHE:-$HOME/.cache/eks-multus-china}: a fresh machine
# builds once, a later run (or a CI run on the same machine) reuses the binaries at once.
# In LDFLAGS, @VERSION@ stands for VERSION_MODULE's version (v1.35.8), @MAJOR@ and @MINOR@ for its
# first two numbers (1, 35). When PREPARE is set, it is run (in
# MODULE_DIR, with VERSION in its environment) before a build, e.g. to generate embedded files.
set -euo pipefail
label="$1" module="$2" version_module="$3" ldflags="$4"
shift 4
version="$(cd "$module" && GOFLAGS=-mod=readonly go list -m -f '{{.Version}}' "$version_module")"
sum_digest="$({ cat "$module/go.sum"; echo "$ldflags $*"; } | sha256sum | cut -c1-12)"
cache_root="${MULTUS_EKS_CACHE:-$HOME/.cache/eks-multus-china}"
out="$cache_root/$label-$version-$(go env GOVERSION)-$sum_digest"

major_minor="${version#v}" && major="${major_minor%%.*}" && minor="${major_minor#*.}" && minor="${minor%%.*}"
ldflags="${ldflags//@VERSION@/$version}" && ldflags="${ldflags//@MAJOR@/$major}" && ldflags="${ldflags//@MINOR@/$minor}"

complete=true
for package in "$@"; do [ -x "$out/${package##*/}" ] || complete=false; done
if ! $complete; then
  mkdir -p "$cache_root"
  partial="$(mktemp -d "$cache_root/.build.XXXXXX")"
  trap 'rm -rf "$partial"' EXIT
  echo "go build: $label $version ($*), a few minutes on a fresh machine" >&2
  started=$SECONDS
  if [ -n "${PREPARE:-}" ]; then (cd "$module" && VERSION="$version" bash -c "$PREPARE"); fi
  # -mod=readonly: go.sum is committed and never changes here. -s -w: smaller, faster links.
  (cd "$module" && GOFLAGS=-mod=readonly CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w $ldflags" -o "$partial/" "$@")
  chmod 755 "$partial"
  rm -rf "$out"
  mv "$partial" "$out"
  trap - EXIT
  echo "go build: $label done in $((SECONDS - started)) s -> $out" >&2
fi
echo "$out"
