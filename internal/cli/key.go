package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/trustbridge/trustbridge/internal/serverkey"
)

func init() { register(newKeyCommand) }

func newKeyCommand(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "key",
		Short: "Manage the server key ring file (generate, rotate, list, remove)",
		Long: `The server key ring seals long-term secrets at rest and the session tokens of
temporary credentials. Replicas must share one ring file (--server-key-file);
with the embedded store it is created on first start as server-key.json in
the data directory.

Rotation without downtime: "key rotate" adds a new active key in front of
the old ones; give the file to every replica and restart (or roll) them.
Tokens sealed with an old key keep working while that key is in the ring;
"key remove" it once they have expired (12 hours at most for sessions;
secrets at rest are re-sealed only on write, so keep a key while the store
holds secrets sealed with it).`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(
		newKeyGenerateCommand(g),
		&cobra.Command{
			Use:   "rotate FILE",
			Short: "Add a new active key in front of the ring's keys",
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				r, err := serverkey.Load(args[0])
				if err != nil {
					return err
				}
				if r, err = r.AddKey(); err != nil {
					return err
				}
				if err := r.Save(args[0]); err != nil {
					return err
				}
				fmt.Fprintf(g.stdout, "%s: new active key %s; roll it out to every replica\n", args[0], r.ActiveKeyID())
				return nil
			},
		},
		&cobra.Command{
			Use:   "list FILE",
			Short: "List the ring's key IDs and creation times (never the keys)",
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				r, err := serverkey.Load(args[0])
				if err != nil {
					return err
				}
				for i, k := range r.Keys() {
					active := ""
					if i == 0 {
						active = "  (active)"
					}
					fmt.Fprintf(g.stdout, "%s  %s%s\n", k.ID, k.Created.UTC().Format(time.RFC3339), active)
				}
				return nil
			},
		},
		&cobra.Command{
			Use:   "remove FILE KEY_ID",
			Short: "Remove a retired key (not the active one)",
			Args:  cobra.ExactArgs(2),
			RunE: func(cmd *cobra.Command, args []string) error {
				r, err := serverkey.Load(args[0])
				if err != nil {
					return err
				}
				if r, err = r.RemoveKey(args[1]); err != nil {
					return err
				}
				if err := r.Save(args[0]); err != nil {
					return err
				}
				fmt.Fprintf(g.stdout, "%s: removed %s\n", args[0], args[1])
				return nil
			},
		},
	)
	return cmd
}

// newKeyGenerateCommand is "key generate": it writes a new ring with one
// random key in the format serverkey.Load (and so serve --server-key-file)
// reads. The destination is --out FILE or the positional FILE; "--out -"
// writes the ring to stdout (for kubectl create secret ... --from-file=
// server-key.json=/dev/stdin) and prints nothing else there. A file is
// created with mode 0600 and never overwritten. Only the key ID is ever
// printed beside a file, never the secret.
func newKeyGenerateCommand(g *globalOptions) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "generate [FILE]",
		Short: "Write a new key ring with one random key (mode 0600; --out - for stdout); refuses to overwrite",
		Example: `  trustbridge key generate --out server-key.json
  trustbridge key generate --out - | kubectl -n trustbridge create secret generic trustbridge-server-key --from-file=server-key.json=/dev/stdin`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dest := out
			switch {
			case len(args) == 1 && out != "":
				return errors.New("give the destination once: --out FILE or FILE")
			case len(args) == 1:
				dest = args[0]
			case out == "":
				return errors.New("missing destination: --out FILE (or --out - for stdout)")
			}
			r, err := serverkey.Generate()
			if err != nil {
				return err
			}
			if dest == "-" {
				data, err := r.Marshal()
				if err != nil {
					return err
				}
				_, err = g.stdout.Write(data)
				return err
			}
			if _, err := os.Stat(dest); err == nil {
				return fmt.Errorf("%s exists; use key rotate to add a key to it", dest)
			} else if !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			if err := r.Save(dest); err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "wrote %s with key %s\n", dest, r.ActiveKeyID())
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "file to write (mode 0600, must not exist); - writes the ring to stdout")
	return cmd
}
