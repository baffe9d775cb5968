package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/trustbridge/trustbridge/internal/policy"
)

func init() { register(newSimulateCommand) }

// maxSimulateInput bounds what simulate reads (the policy package enforces
// its own, smaller limit on the file).
const maxSimulateInput = 16 << 20

func newSimulateCommand(g *globalOptions) *cobra.Command {
	var file, output string
	cmd := &cobra.Command{
		Use:   "simulate -f REQUEST.json",
		Short: "Evaluate one request against policies and print the decision and its trace",
		Long: `simulate runs the policy engine on one request described in a JSON file (- for
stdin) and prints the decision with its trace: every policy and statement,
what matched and what did not, request and policy values side by side.
It needs no server and no store.

  {"principal": "arn:aws:iam::111111111111:role/AppRole",
   "action": "s3:GetObject",
   "resource": "arn:aws:s3:::shared-bucket/reports/q1.csv",
   "resourceAccount": "222222222222",
   "context": {"aws:SourceIp": "10.1.2.3", "aws:TagKeys": ["a","b"]},
   "identityPolicies": [<policy>], "resourcePolicy": <policy>,
   "permissionsBoundaries": [<policy>], "sessionPolicy": <policy>,
   "scps": [[<policy>, ...], ...], "rcps": [[<policy>, ...], ...]}

"principal" is an ARN or "anonymous". "scps"/"rcps" hold one list of
policies per organization level (root, OUs, account); absent means no
organization. The exit status is 0 when the request is allowed, 3 when it
is denied, 1 on errors.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if file == "" {
				return fmt.Errorf("-f REQUEST.json is required (- reads stdin)")
			}
			var r io.Reader
			if file == "-" {
				r = os.Stdin
			} else {
				f, err := os.Open(file)
				if err != nil {
					return err
				}
				defer f.Close()
				r = f
			}
			data, err := io.ReadAll(io.LimitReader(r, maxSimulateInput+1))
			if err != nil {
				return err
			}
			in, err := policy.DecodeSimulateRequest(data)
			if err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
			res := policy.Explain(in)
			switch output {
			case "json":
				var buf json.RawMessage = res.JSON()
				b, err := json.MarshalIndent(buf, "", "  ")
				if err != nil {
					return err
				}
				fmt.Fprintf(g.stdout, "%s\n", b)
			case "text":
				fmt.Fprint(g.stdout, res.Text())
			default:
				return fmt.Errorf("--output %q: want text or json", output)
			}
			if res.Decision != policy.Allowed {
				return &exitError{code: 3, err: errors.New("")}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "request file (JSON); - for stdin")
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	return cmd
}
