#!/usr/bin/env bash
# The real Pulumi engine the engine tests drive through the Automation API, built from the Go module
# proxy alone or reused from the cache: the Pulumi CLI at the version of the program's
# @pulumi/pulumi (tests/engine/build), and the Kubernetes provider plugin
# (tests/engine/kubernetes-provider). Prints the CLI's directory, then the plugin's.
# With --cli-only (the PR pipeline): the CLI alone, every module checked against go.sum.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$here/../support/cached-go-build.sh"
"$build" pulumi "$here/build" github.com/pulumi/pulumi/pkg/v3 \
  "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=@VERSION@" \
  github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
[ "${1:-}" = "--cli-only" ] && exit 0
# The upstream command embeds a schema its own build generates (not in the published module): the
# upstream generator writes it, with the version, next to this module's copy of the command.
PREPARE='command=cmd/pulumi-resource-kubernetes
  upstream="$(GOFLAGS=-mod=readonly go list -m -f "{{.Dir}}" github.com/pulumi/pulumi-kubernetes/provider/v4)/$command"
  work="$(mktemp -d)" && cp "$upstream/schema.json" "$upstream/terraform-mapping.json" "$work/"
  GOFLAGS=-mod=readonly go build -o "$work/generate" "$upstream/generate.go"
  (cd "$work" && ./generate) && cp "$work/schema-embed.json" "$work/terraform-mapping-embed.json" "$command/"
  rm -rf "$work"' \
  "$build" pulumi-kubernetes "$here/kubernetes-provider" github.com/pulumi/pulumi-kubernetes/provider/v4 \
  "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=@VERSION@" \
  eks-multus-china/kubernetes-provider-build/cmd/pulumi-resource-kubernetes
