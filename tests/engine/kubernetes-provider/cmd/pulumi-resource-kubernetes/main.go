// Command pulumi-resource-kubernetes serves the Pulumi Kubernetes provider, built from the module
// proxy's provider/v4. The upstream command embeds a schema generated at its build
// (schema-embed.json, not in the published module); tests/engine/build.sh generates it here
// with the upstream generator before building.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var schema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, schema, terraformMapping)
}
