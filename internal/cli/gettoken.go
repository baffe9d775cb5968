package cli

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/cobra"

	"github.com/trustbridge/trustbridge/internal/sigv4"
)

func init() { register(newGetTokenCommand) }

// Cluster-access token constants, as aws eks get-token and
// aws-iam-authenticator use them.
const (
	// tokenPrefix starts every v1 cluster-access token.
	tokenPrefix = "k8s-aws-v1."
	// clusterIDHeader is the signed header naming the cluster.
	clusterIDHeader = "x-k8s-aws-id"
	// tokenPresignExpiry is X-Amz-Expires of the presigned URL; servers
	// honour the token for 15 minutes after its X-Amz-Date regardless.
	tokenPresignExpiry = 60 * time.Second
	// tokenReportedLifetime is the expirationTimestamp reported to
	// kubectl: one minute short of the servers' 15, so kubectl asks for a
	// new token before the old one is refused.
	tokenReportedLifetime = 14 * time.Minute
	// getTokenSessionName is the role session name with --role-arn, as
	// aws eks get-token names it.
	getTokenSessionName = "EKSGetTokenAuth"
)

// ExecCredential API versions kubectl may ask for.
const (
	execCredentialV1      = "client.authentication.k8s.io/v1"
	execCredentialV1beta1 = "client.authentication.k8s.io/v1beta1"
)

// execCredential is the exec plugin reply, with aws eks get-token's field
// order.
type execCredential struct {
	Kind       string         `json:"kind"`
	APIVersion string         `json:"apiVersion"`
	Spec       struct{}       `json:"spec"`
	Status     execCredStatus `json:"status"`
}

type execCredStatus struct {
	ExpirationTimestamp string `json:"expirationTimestamp"`
	Token               string `json:"token"`
}

func newGetTokenCommand(g *globalOptions) *cobra.Command {
	var clusterName, region, roleARN, profile, stsEndpoint string
	cmd := &cobra.Command{
		Use:   "get-token",
		Short: "Print a Kubernetes cluster-access token (an ExecCredential), like aws eks get-token",
		Long: `get-token prints an ExecCredential for kubectl's exec plugin mechanism, exactly as
aws eks get-token does: the token is k8s-aws-v1. followed by the base64url of a
presigned STS GetCallerIdentity URL whose signature covers the header
x-k8s-aws-id: CLUSTER. trustbridge's /authenticate webhook verifies it locally.

Credentials come from the standard AWS chain (environment, shared profiles,
web identity, container and instance endpoints); with --role-arn they are used
to assume that role first (at $AWS_ENDPOINT_URL_STS or $AWS_ENDPOINT_URL, that
is trustbridge's STS, when set). The URL is signed for sts.REGION.amazonaws.com
unless --sts-endpoint names another https endpoint; it is never sent anywhere.

The ExecCredential apiVersion follows $KUBERNETES_EXEC_INFO when kubectl sets it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if clusterName == "" {
				return fmt.Errorf("--cluster-name is required")
			}
			ctx := cmd.Context()
			cfg, err := loadAWSConfig(ctx, region, profile)
			if err != nil {
				return err
			}
			provider := cfg.Credentials
			if roleARN != "" {
				provider = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), roleARN, func(o *stscreds.AssumeRoleOptions) {
					o.RoleSessionName = getTokenSessionName
				}))
			}
			if provider == nil {
				return fmt.Errorf("no AWS credentials found (environment, shared profile, web identity or container credentials)")
			}
			creds, err := provider.Retrieve(ctx)
			if err != nil {
				return fmt.Errorf("load AWS credentials: %w", err)
			}
			host := stsHost(cfg.Region)
			if stsEndpoint != "" {
				u, err := url.Parse(stsEndpoint)
				if err != nil || u.Scheme != "https" || u.Host == "" || (u.Path != "" && u.Path != "/") {
					return fmt.Errorf("--sts-endpoint %q: want https://HOST[:PORT] (tokens always carry https URLs)", stsEndpoint)
				}
				host = u.Host
			}
			now := time.Now()
			token, err := clusterToken(clusterName, host, cfg.Region, sigv4.Credentials{
				AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, SessionToken: creds.SessionToken,
			}, now)
			if err != nil {
				return err
			}
			return writeExecCredential(g.stdout, g.stderr, token, now.Add(tokenReportedLifetime), os.Getenv("KUBERNETES_EXEC_INFO"))
		},
	}
	f := cmd.Flags()
	f.StringVar(&clusterName, "cluster-name", "", "name of the cluster the token is for (required)")
	f.StringVar(&region, "region", "", "region to sign for (default: the AWS SDK's region, then us-east-1)")
	f.StringVar(&roleARN, "role-arn", "", "assume this role first and make the token as the role")
	f.StringVar(&profile, "profile", "", "shared config profile of the credentials")
	f.StringVar(&stsEndpoint, "sts-endpoint", "", "https endpoint the token is signed for (default https://sts.REGION.amazonaws.com)")
	return cmd
}

// loadAWSConfig loads the SDK configuration from the standard chain with
// region and profile overrides; the region defaults to us-east-1.
func loadAWSConfig(ctx context.Context, region, profile string) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	if profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	return cfg, nil
}

// stsHost is the regional STS host real clients sign tokens for.
func stsHost(region string) string {
	if strings.HasPrefix(region, "cn-") {
		return "sts." + region + ".amazonaws.com.cn"
	}
	return "sts." + region + ".amazonaws.com"
}

// clusterToken returns a k8s-aws-v1 token for cluster: a GetCallerIdentity
// request to https://host/ presigned at now for region with creds, with
// x-k8s-aws-id signed and X-Amz-Expires 60.
func clusterToken(cluster, host, region string, creds sigv4.Credentials, now time.Time) (string, error) {
	r, err := http.NewRequest(http.MethodGet, "https://"+host+"/?Action=GetCallerIdentity&Version=2011-06-15", nil)
	if err != nil {
		return "", fmt.Errorf("token for %s: %w", host, err)
	}
	r.Header.Set(clusterIDHeader, cluster)
	u, _, err := sigv4.Presign(r, creds, region, "sts", tokenPresignExpiry, now)
	if err != nil {
		return "", fmt.Errorf("presign the token: %w", err)
	}
	return tokenPrefix + base64.RawURLEncoding.EncodeToString([]byte(u)), nil
}

// execCredentialVersion returns the ExecCredential apiVersion kubectl asked
// for in KUBERNETES_EXEC_INFO, and a warning when it cannot be honoured.
func execCredentialVersion(execInfo string) (string, string) {
	if strings.TrimSpace(execInfo) == "" {
		return execCredentialV1beta1, ""
	}
	var info struct {
		APIVersion string `json:"apiVersion"`
	}
	if err := json.Unmarshal([]byte(execInfo), &info); err != nil {
		return execCredentialV1beta1, "KUBERNETES_EXEC_INFO is not JSON; using " + execCredentialV1beta1
	}
	switch info.APIVersion {
	case execCredentialV1, execCredentialV1beta1:
		return info.APIVersion, ""
	case "":
		return execCredentialV1beta1, "KUBERNETES_EXEC_INFO has no apiVersion; using " + execCredentialV1beta1
	}
	return execCredentialV1beta1, fmt.Sprintf("unsupported ExecCredential apiVersion %q in KUBERNETES_EXEC_INFO; using %s", info.APIVersion, execCredentialV1beta1)
}

// writeExecCredential prints the ExecCredential JSON (one line) to w and a
// warning, if any, to errw.
func writeExecCredential(w, errw io.Writer, token string, expires time.Time, execInfo string) error {
	version, warning := execCredentialVersion(execInfo)
	if warning != "" {
		fmt.Fprintln(errw, "trustbridge get-token:", warning)
	}
	ec := execCredential{Kind: "ExecCredential", APIVersion: version, Status: execCredStatus{
		ExpirationTimestamp: expires.UTC().Format("2006-01-02T15:04:05Z"), Token: token,
	}}
	return json.NewEncoder(w).Encode(&ec)
}
