//go:build tools

// Package deps pins the product's dependencies in go.mod until code imports them.
package deps

import (
	_ "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	_ "github.com/aws/aws-sdk-go-v2/config"
	_ "github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	_ "github.com/aws/aws-sdk-go-v2/service/eks"
	_ "github.com/aws/aws-sdk-go-v2/service/iam"
	_ "github.com/aws/aws-sdk-go-v2/service/sts"
	_ "github.com/go-jose/go-jose/v4"
	_ "github.com/google/uuid"
	_ "github.com/jackc/pgx/v5"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/spf13/cobra"
	_ "golang.org/x/sync/singleflight"
	_ "k8s.io/api/admission/v1"
	_ "k8s.io/api/authentication/v1"
	_ "k8s.io/api/authorization/v1"
	_ "k8s.io/client-go/kubernetes"
	_ "modernc.org/sqlite"
	_ "sigs.k8s.io/yaml"
)
