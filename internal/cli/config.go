package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
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
		if values, err = parseConfig(raw); err != nil {
			return fmt.Errorf("config %s: %w", file, err)
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
			if v == nil {
				return
			}
			vals, e := configValues(v)
			if e == nil {
				e = setFlag(f, vals, false)
			}
			if e != nil {
				err = fmt.Errorf("config %s: key %q: %w", file, f.Name, e)
			}
		}
	})
	return err
}

// parseConfig decodes a YAML config file into its top-level keys. Numbers
// keep their text (1000000 stays "1000000", not "1e+06"). An empty file
// has no keys; a file whose top level is not a mapping is an error.
func parseConfig(raw []byte) (map[string]any, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	js, err := yaml.YAMLToJSON(raw)
	if err != nil {
		return nil, err
	}
	if bytes.Equal(bytes.TrimSpace(js), []byte("null")) {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	var values map[string]any
	if err := dec.Decode(&values); err != nil {
		return nil, errors.New("the file must be a YAML mapping of flag names to values")
	}
	return values, nil
}

// configValues turns a config-file value into flag values: a scalar is
// one value, a list of scalars is one value each; anything else (a
// mapping, a nested list) is an error.
func configValues(v any) ([]string, error) {
	scalar := func(x any) (string, bool) {
		switch x := x.(type) {
		case string:
			return x, true
		case json.Number:
			return x.String(), true
		case bool:
			return strconv.FormatBool(x), true
		}
		return "", false
	}
	if list, ok := v.([]any); ok {
		vals := make([]string, 0, len(list))
		for _, e := range list {
			s, ok := scalar(e)
			if !ok {
				return nil, errors.New("want a list of scalars")
			}
			vals = append(vals, s)
		}
		return vals, nil
	}
	s, ok := scalar(v)
	if !ok {
		return nil, errors.New("want a scalar or a list of scalars")
	}
	return []string{s}, nil
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
