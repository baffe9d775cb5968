package agent

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
)

// NodeCredentials resolves the node's own AWS credentials and region with
// the SDK's standard chain (environment, shared config and credentials
// files, web identity, SSO, container, IMDS), using profile when it is not
// empty. The region is "" when none is configured; Config applies
// DefaultRegion then. The provider is cached and refreshes as the SDK's
// does.
//
// Run the agent without AWS_CONTAINER_CREDENTIALS_FULL_URI pointing at
// itself: the chain would otherwise ask the agent for its own credentials.
func NodeCredentials(ctx context.Context, profile string) (aws.CredentialsProvider, string, error) {
	var opts []func(*config.LoadOptions) error
	if profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, "", fmt.Errorf("agent: load the node's AWS configuration: %w", err)
	}
	return cfg.Credentials, cfg.Region, nil
}
