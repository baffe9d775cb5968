package cli

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/trustbridge/trustbridge/internal/app"
	"github.com/trustbridge/trustbridge/internal/world"
)

func init() { register(newWorldCommand) }

func newWorldCommand(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "world",
		Short: "Validate world files and export a store as one",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newWorldValidateCommand(g), newWorldExportCommand(g))
	return cmd
}

func newWorldValidateCommand(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE",
		Short: "Check a world file without applying it",
		Long: `validate parses a world file and checks it the way serve --world does —
schema, names, ARNs, references between entities and every policy document
through the policy engine — and prints every problem with its path in the
file. Nothing is written anywhere.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := world.Load(args[0], app.PolicyChecker)
			if err != nil {
				return err
			}
			n := 0
			for _, a := range f.Accounts {
				n += len(a.Users) + len(a.Roles) + len(a.Policies) + len(a.OIDCProviders)
			}
			fmt.Fprintf(g.stdout, "%s: valid (%d accounts, %d IAM entities, %d clusters)\n", args[0], len(f.Accounts), n, len(f.Clusters))
			return nil
		},
	}
}

func newWorldExportCommand(g *globalOptions) *cobra.Command {
	var dataDir, storeDSN, keyFile, region, output string
	var noSecrets bool
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Print the store's IAM and EKS state as a world file",
		Long: `export reads a trustbridge store (the same --data-dir, --store and
--server-key-file as serve) and prints a world file that reproduces it:
accounts, users with their access keys, roles, managed and inline policies,
OIDC providers, clusters with access entries and pod identity associations.
IDs, dates, non-default policy versions and last-used data are not part of
world files and are left out. The output contains secret access keys unless
--no-secrets is given: treat it like a credentials file.

The output is YAML, or JSON with -o json: a JSON world file larger than
256 KiB is applied in pieces, with a fraction of the memory the same file
takes as YAML (about 200 MB of RSS instead of 1.1 GB for 100,000 roles).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "yaml" && output != "json" {
				return fmt.Errorf("--output %q: want yaml or json", output)
			}
			logger, err := g.logger()
			if err != nil {
				return err
			}
			cfg := app.Config{Store: dataDir, ServerKeyFile: keyFile, Logger: logger}
			if storeDSN != "" {
				cfg.Store = storeDSN
			}
			a, err := app.New(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer a.Close()
			o := world.ExportOptions{Region: region, Regions: world.Regions, OpenSecret: a.OpenSecret}
			if noSecrets {
				o.OpenSecret = nil
			}
			f, err := world.Export(cmd.Context(), a.Store, o)
			if err != nil {
				return err
			}
			var b []byte
			if output == "json" {
				b, err = json.MarshalIndent(f, "", "  ")
				b = append(b, '\n')
			} else {
				b, err = yaml.Marshal(f)
			}
			if err != nil {
				return err
			}
			_, err = g.stdout.Write(b)
			return err
		},
	}
	cmd.Flags().StringVar(&dataDir, "data-dir", app.DefaultDataDir(), "directory of the embedded SQLite store and server key")
	cmd.Flags().StringVar(&storeDSN, "store", "", "postgres://... DSN instead of --data-dir")
	cmd.Flags().StringVar(&keyFile, "server-key-file", "", "server key ring file (default: server-key.json in --data-dir)")
	cmd.Flags().StringVar(&region, "region", world.DefaultRegion, "default region written to the file")
	cmd.Flags().BoolVar(&noSecrets, "no-secrets", false, "leave access keys out")
	cmd.Flags().StringVarP(&output, "output", "o", "yaml", "output format: yaml or json")
	return cmd
}
