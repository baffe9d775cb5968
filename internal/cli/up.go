package cli

import (
	"fmt"
	"io"
	"net"

	"github.com/spf13/cobra"

	"github.com/trustbridge/trustbridge/internal/app"
	"github.com/trustbridge/trustbridge/internal/world"
)

func init() { register(newUpCommand) }

func newUpCommand(g *globalOptions) *cobra.Command {
	o := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Run trustbridge with its built-in demo world (the EKS auth walkthrough)",
		Long: `up starts the server with a built-in demo world that reproduces the accounts,
users, roles, policies, OIDC provider and cluster of a typical EKS setup: two
accounts (123456789012 and 012345678901), UserOne/UserTwo/UserThree, the IRSA,
Pod Identity and cross-account roles, and the cluster aws-eks-auth-test. It
prints the endpoint and the environment variables that make the AWS CLI talk
to it as each demo user. It takes serve's flags; the store is in memory
unless --data-dir is given, and --explain-errors is on (AccessDenied messages
end with trustbridge's reason and a "trustbridge explain ID" hint).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, closer, err := o.config(g)
			if err != nil {
				return err
			}
			defer closer.Close()
			demo := world.Demo()
			if o.world == "" {
				cfg.World = demo
			}
			f, err := world.Parse("built-in demo world", demo, nil)
			if err != nil {
				return err
			}
			return runServer(cmd.Context(), cfg, func(a *app.App, addr net.Addr) {
				printDemo(g.stdout, endpointURL(addr, cfg.TLSCert != ""), f, o.world == "")
			})
		},
	}
	o.addFlags(cmd.Flags(), ":memory:")
	// The demo exists to show why requests are denied: explain by default.
	o.explainErrors = true
	cmd.Flags().Lookup("explain-errors").DefValue = "true"
	return cmd
}

// printDemo prints the endpoint and, for each demo identity, the
// environment variables that make AWS clients use it.
func printDemo(w io.Writer, endpoint string, f *world.File, demo bool) {
	fmt.Fprintf(w, "\ntrustbridge is up at %s\n\n", endpoint)
	if !demo {
		fmt.Fprintf(w, "export AWS_ENDPOINT_URL=%s\n", endpoint)
		return
	}
	region := f.Region
	fmt.Fprintln(w, "Paste one block into another shell to act as that identity:")
	for _, a := range f.Accounts {
		if a.Root != nil {
			printIdentity(w, fmt.Sprintf("root of account %s (%s)", a.ID, a.Alias), endpoint, region, a.Root)
		}
		for _, u := range a.Users {
			if len(u.AccessKeys) > 0 {
				printIdentity(w, fmt.Sprintf("%s (account %s)", u.Name, a.ID), endpoint, region, &u.AccessKeys[0])
			}
		}
	}
	fmt.Fprintf(w, `
Then try, as the root of account one (it may do anything in its account):
  aws sts get-caller-identity
  aws iam list-roles
and as UserOne (it may only describe and list clusters):
  aws eks describe-cluster --name aws-eks-auth-test
  aws iam list-roles
  aws sts assume-role --role-arn arn:aws:iam::012345678901:role/remote-account-access --role-session-name demo

The last two are denied, and the messages say why. Every denial has a request
ID: "trustbridge explain REQUEST_ID" prints the whole decision.
Press Ctrl-C to stop.
`)
}

func printIdentity(w io.Writer, title, endpoint, region string, k *world.Key) {
	fmt.Fprintf(w, "\n# %s\n", title)
	fmt.Fprintf(w, "unset AWS_PROFILE AWS_SESSION_TOKEN; export AWS_ENDPOINT_URL=%s AWS_REGION=%s AWS_DEFAULT_REGION=%s AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s\n",
		endpoint, region, region, k.AccessKeyID, k.SecretAccessKey)
}
