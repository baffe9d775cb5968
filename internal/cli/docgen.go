package cli

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/trustbridge/trustbridge/internal/app"
)

// ConfigurationDoc writes docs/configuration.md: for every command, a table
// of its flags with their environment variable, config-file key, default
// and description, generated from the command tree so it cannot drift
// (TestConfigurationDocIsCurrent fails when the file is stale; regenerate
// with `go test ./internal/cli -run TestConfigurationDocIsCurrent -update`).
func ConfigurationDoc(w io.Writer) error {
	var buf bytes.Buffer
	buf.WriteString(configDocHeader)
	root := NewRootCommand(io.Discard, io.Discard)
	fmt.Fprintf(&buf, "## Global flags (every command)\n\n")
	writeFlagTable(&buf, root.PersistentFlags())
	var walk func(c *cobra.Command)
	var cmds []*cobra.Command
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if sub.Hidden || sub.Name() == "help" || strings.HasPrefix(sub.CommandPath(), "trustbridge completion") {
				continue
			}
			if sub.Runnable() {
				cmds = append(cmds, sub)
			}
			walk(sub)
		}
	}
	walk(root)
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].CommandPath() < cmds[j].CommandPath() })
	for _, c := range cmds {
		fmt.Fprintf(&buf, "## `%s`\n\n%s.\n\n", c.CommandPath(), strings.TrimSuffix(c.Short, "."))
		fs := c.LocalNonPersistentFlags()
		if !fs.HasAvailableFlags() {
			buf.WriteString("No flags of its own.\n\n")
			continue
		}
		writeFlagTable(&buf, fs)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func writeFlagTable(buf *bytes.Buffer, fs *pflag.FlagSet) {
	buf.WriteString("| Flag | Environment | Default | Description |\n|---|---|---|---|\n")
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden || f.Name == "help" {
			return
		}
		def := f.DefValue
		if f.Value.Type() == "stringSlice" || f.Value.Type() == "stringArray" {
			def = strings.Trim(def, "[]")
		}
		switch {
		case def == "" || def == "0s" && f.Name != "refresh-before":
			def = ""
		case def == app.DefaultDataDir():
			def = "`$XDG_DATA_HOME/trustbridge`, else `~/.local/share/trustbridge`"
		default:
			def = "`" + def + "`"
		}
		name := "`--" + f.Name + "`"
		if f.Shorthand != "" {
			name += ", `-" + f.Shorthand + "`"
		}
		env := "`" + EnvName(f.Name) + "`"
		if f.Name == "config" {
			env = "`" + EnvName("config") + "`"
		}
		desc := strings.ReplaceAll(f.Usage, "|", `\|`)
		fmt.Fprintf(buf, "| %s | %s | %s | %s |\n", name, env, def, desc)
	})
	buf.WriteString("\n")
}

const configDocHeader = `# Configuration reference

<!-- Generated from the command tree by internal/cli/docgen.go; do not edit.
     Regenerate: go test ./internal/cli -run TestConfigurationDocIsCurrent -update -->

Every flag of every command can be set three other ways. For each flag the
first of these that is present wins:

1. the flag on the command line;
2. its environment variable: ` + "`TRUSTBRIDGE_`" + ` and the flag name in upper case with
   ` + "`-`" + ` as ` + "`_`" + ` (` + "`--data-dir`" + ` is ` + "`TRUSTBRIDGE_DATA_DIR`" + `);
3. the YAML file given with ` + "`--config FILE`" + ` (or ` + "`TRUSTBRIDGE_CONFIG`" + `), whose keys are
   the command's flag names; list flags take a YAML list;
4. the default.

The config file is strict: a key that is not a flag of the command is an
error naming the key.

` + "```yaml" + `
# trustbridge serve --config serve.yaml
addr: 0.0.0.0:4577
data-dir: /var/lib/trustbridge
world: /etc/trustbridge/world.yaml
audit-log: /var/log/trustbridge/audit.jsonl
webhook-addr: 0.0.0.0:9443
cluster: prod
webhook-tls-cert: /etc/trustbridge/tls/tls.crt
webhook-tls-key: /etc/trustbridge/tls/tls.key
` + "```" + `

Logs: ` + "`--log-format auto`" + ` writes text on a terminal and JSON otherwise;
` + "`--log-level debug`" + ` adds one line per request. Secrets, session tokens,
signatures and web identity tokens are never logged. Metrics: Prometheus
text format on ` + "`/metrics`" + ` of the edge, or on ` + "`--metrics-addr`" + ` alone.
Shell completion: ` + "`trustbridge completion bash|zsh|fish|powershell`" + `.

`
