package cli

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/spf13/cobra"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

func init() { register(newUpdateKubeconfigCommand) }

// kubeconfigEntry is what update-kubeconfig writes for one cluster.
type kubeconfigEntry struct {
	// ClusterARN names the cluster and, by default, the user and context.
	ClusterARN string
	// Endpoint and CAPEM describe the API server.
	Endpoint string
	CAPEM    []byte
	// Context and User name the context and user entries.
	Context, User string
	// Exec is the credential plugin.
	Exec *clientcmdapi.ExecConfig
}

func newUpdateKubeconfigCommand(g *globalOptions) *cobra.Command {
	var name, region, kubeconfig, alias, userAlias, roleARN, profile, stsEndpoint, execCommand string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "update-kubeconfig",
		Short: "Write a kubeconfig context for a cluster, like aws eks update-kubeconfig",
		Long: `update-kubeconfig reads the cluster's API server endpoint and CA with EKS
DescribeCluster — at $AWS_ENDPOINT_URL_EKS or $AWS_ENDPOINT_URL, that is
trustbridge's EKS API — and writes a context whose user runs
"trustbridge get-token" as a kubectl exec plugin. The kubeconfig is --kubeconfig,
else the first file of $KUBECONFIG, else ~/.kube/config; other entries are kept.

kubectl runs the plugin with its own environment: do not leave an http
AWS_ENDPOINT_URL there for "aws eks get-token" (it would sign the token for that
URL, which the API server refuses); trustbridge get-token always signs for
sts.REGION.amazonaws.com unless told otherwise.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if name == "" {
				return fmt.Errorf("--name is required")
			}
			ctx := cmd.Context()
			cfg, err := loadAWSConfig(ctx, region, profile)
			if err != nil {
				return err
			}
			out, err := eks.NewFromConfig(cfg).DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(name)})
			if err != nil {
				return fmt.Errorf("describe cluster %s: %w", name, err)
			}
			c := out.Cluster
			if c == nil || aws.ToString(c.Endpoint) == "" {
				return fmt.Errorf("cluster %s has no API server endpoint: set endpoint and certificateAuthorityFile in the world file's cluster (or CreateCluster's endpoint and certificateAuthority)", name)
			}
			e := kubeconfigEntry{ClusterARN: aws.ToString(c.Arn), Endpoint: aws.ToString(c.Endpoint), Context: alias, User: userAlias}
			if c.CertificateAuthority != nil && aws.ToString(c.CertificateAuthority.Data) != "" {
				if e.CAPEM, err = base64.StdEncoding.DecodeString(strings.TrimSpace(aws.ToString(c.CertificateAuthority.Data))); err != nil {
					return fmt.Errorf("cluster %s: certificateAuthority.data is not base64", name)
				}
			}
			if execCommand == "" {
				if execCommand, err = os.Executable(); err != nil {
					execCommand = "trustbridge"
				}
			}
			args := []string{"get-token", "--cluster-name", name, "--region", cfg.Region}
			if roleARN != "" {
				args = append(args, "--role-arn", roleARN)
			}
			if stsEndpoint != "" {
				args = append(args, "--sts-endpoint", stsEndpoint)
			}
			e.Exec = &clientcmdapi.ExecConfig{APIVersion: execCredentialV1beta1, Command: execCommand, Args: args, InteractiveMode: clientcmdapi.NeverExecInteractiveMode}
			if profile != "" {
				e.Exec.Env = []clientcmdapi.ExecEnvVar{{Name: "AWS_PROFILE", Value: profile}}
			}
			if dryRun {
				b, err := clientcmd.Write(*mergeKubeconfig(clientcmdapi.NewConfig(), e))
				if err != nil {
					return err
				}
				_, err = g.stdout.Write(b)
				return err
			}
			path := kubeconfigPath(kubeconfig)
			return updateKubeconfigFile(g.stdout, path, e)
		},
	}
	f := cmd.Flags()
	f.StringVar(&name, "name", "", "name of the cluster (required)")
	f.StringVar(&region, "region", "", "region of the cluster (default: the AWS SDK's region, then us-east-1)")
	f.StringVar(&kubeconfig, "kubeconfig", "", "kubeconfig file to write (default: first of $KUBECONFIG, else ~/.kube/config)")
	f.StringVar(&alias, "alias", "", "context name (default: the cluster ARN)")
	f.StringVar(&userAlias, "user-alias", "", "user name in the kubeconfig (default: the cluster ARN)")
	f.StringVar(&roleARN, "role-arn", "", "make get-token assume this role")
	f.StringVar(&profile, "profile", "", "shared config profile, also set as AWS_PROFILE for get-token")
	f.StringVar(&stsEndpoint, "sts-endpoint", "", "passed to get-token: the https endpoint tokens are signed for")
	f.StringVar(&execCommand, "exec-command", "", "command kubectl runs for tokens (default: this trustbridge binary's path)")
	f.BoolVar(&dryRun, "dry-run", false, "print the kubeconfig entries instead of writing them")
	return cmd
}

// kubeconfigPath picks the file to write: flag, then the first of
// $KUBECONFIG, then ~/.kube/config.
func kubeconfigPath(flag string) string {
	if flag != "" {
		return flag
	}
	for _, p := range filepath.SplitList(os.Getenv("KUBECONFIG")) {
		if p != "" {
			return p
		}
	}
	return clientcmd.RecommendedHomeFile
}

// updateKubeconfigFile merges e into the kubeconfig at path (created if
// missing, mode 0600) and makes its context current.
func updateKubeconfigFile(w io.Writer, path string, e kubeconfigEntry) error {
	cfg, err := clientcmd.LoadFromFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		cfg = clientcmdapi.NewConfig()
	case err != nil:
		return fmt.Errorf("read kubeconfig %s: %w", path, err)
	}
	ctxName := e.Context
	if ctxName == "" {
		ctxName = e.ClusterARN
	}
	_, existed := cfg.Contexts[ctxName]
	mergeKubeconfig(cfg, e)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return fmt.Errorf("write kubeconfig %s: %w", path, err)
	}
	if existed {
		fmt.Fprintf(w, "Updated context %s in %s\n", ctxName, path)
	} else {
		fmt.Fprintf(w, "Added new context %s to %s\n", ctxName, path)
	}
	return nil
}

// mergeKubeconfig sets e's cluster, user and context in cfg, makes the
// context current and returns cfg.
func mergeKubeconfig(cfg *clientcmdapi.Config, e kubeconfigEntry) *clientcmdapi.Config {
	ctxName, user := e.Context, e.User
	if ctxName == "" {
		ctxName = e.ClusterARN
	}
	if user == "" {
		user = e.ClusterARN
	}
	cl := clientcmdapi.NewCluster()
	cl.Server = e.Endpoint
	cl.CertificateAuthorityData = e.CAPEM
	cfg.Clusters[e.ClusterARN] = cl
	ai := clientcmdapi.NewAuthInfo()
	ai.Exec = e.Exec
	cfg.AuthInfos[user] = ai
	kc := clientcmdapi.NewContext()
	kc.Cluster, kc.AuthInfo = e.ClusterARN, user
	cfg.Contexts[ctxName] = kc
	cfg.CurrentContext = ctxName
	return cfg
}
