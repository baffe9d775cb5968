// Command trustbridge runs a local, self-hostable AWS identity plane for
// Kubernetes: STS, IAM, EKS and EKS Auth on one endpoint, the Kubernetes
// webhooks that connect them, and the Pod Identity agent.
package main

import (
	"os"

	"github.com/trustbridge/trustbridge/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:]))
}
