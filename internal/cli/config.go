package cli

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"sigs.k8s.io/yaml"
)

// EnvPrefix prefixes the environment variable of every flag:
// --data-dir is TRUSTBRIDGE_DATA_DIR.
const EnvPrefix = "TRUSTBRIDGE_"

// EnvName returns the environment variable that sets a flag.
func EnvName(flag string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// applyConfig fills every flag of cmd the user did not set on the command
// line, first from its TRUSTBRIDGE_* environment variable, then from the
// YAML config file. Precedence: flag > environment > file > default.
// Unknown keys in the file are errors naming the key.
func applyConfig(cmd *cobra.Command, file string) error {
	if file == "" {
		file = os.Getenv(EnvName("config"))
	}
	var values map[string]any
	if file != "" {
		raw, err := os.ReadFile(file)
		if err != nil {
			return fmt.Errorf("read config: %w", err)
		}
		if len(bytes.TrimSpace(raw)) > 0 {
			if err := yaml.Unmarshal(raw, &values); err != nil {
				return fmt.Errorf("config %s: %w", file, err)
			}
		}
	}
	flags := cmd.Flags()
	var unknown []string
	for k := range values {
		if flags.Lookup(k) == nil || k == "config" || k == "help" {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("config %s: unknown key %q for %q (keys are the command's flag names)", file, unknown[0], cmd.CommandPath())
	}
	var err error
	flags.VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed || f.Name == "help" || f.Name == "config" {
			return
		}
		if v, ok := os.LookupEnv(EnvName(f.Name)); ok {
			if e := setFlag(f, []string{v}, true); e != nil {
				err = fmt.Errorf("%s: %w", EnvName(f.Name), e)
			}
			return
		}
		if v, ok := values[f.Name]; ok {
			var vals []string
			switch x := v.(type) {
			case []any:
				for _, e := range x {
					vals = append(vals, fmt.Sprint(e))
				}
			case nil:
				return
			default:
				vals = []string{fmt.Sprint(x)}
			}
			if e := setFlag(f, vals, false); e != nil {
				err = fmt.Errorf("config %s: key %q: %w", file, f.Name, e)
			}
		}
	})
	return err
}

// setFlag sets f from vals. For slice flags an environment value is split
// on commas.
func setFlag(f *pflag.Flag, vals []string, fromEnv bool) error {
	if sv, ok := f.Value.(pflag.SliceValue); ok {
		if fromEnv {
			var parts []string
			for _, v := range vals {
				for _, p := range strings.Split(v, ",") {
					if p = strings.TrimSpace(p); p != "" {
						parts = append(parts, p)
					}
				}
			}
			vals = parts
		}
		return sv.Replace(vals)
	}
	if len(vals) != 1 {
		return fmt.Errorf("want one value, got %d", len(vals))
	}
	return f.Value.Set(vals[0])
}
