package cli

//go:generate go test -run TestConfigurationDocIsCurrent -update .

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/trustbridge/trustbridge/internal/app"
	"github.com/trustbridge/trustbridge/internal/metrics"
)

// ConfigurationDoc writes docs/configuration.md: the precedence rules, then
// for every runnable command a table of its flags with their environment
// variable, config-file key, default and description, generated from the
// command tree so it cannot drift (TestConfigurationDocIsCurrent fails when
// the file is stale; regenerate with `go generate ./internal/cli` or
// `go test ./internal/cli -run TestConfigurationDocIsCurrent -update`).
//
// The output depends only on the command tree, never on the machine: the
// per-user data directory default is written as the rule that computes
// it. Hidden commands, hidden and deprecated flags, help and completion
// are left out.
func ConfigurationDoc(w io.Writer) error {
	var buf bytes.Buffer
	buf.WriteString(configDocHeader)
	root := NewRootCommand(io.Discard, io.Discard)
	fmt.Fprintf(&buf, "## Global flags (every command)\n\n")
	writeFlagTable(&buf, root.PersistentFlags())
	for _, c := range documentedCommands(root) {
		fmt.Fprintf(&buf, "## `%s`\n\n%s.\n\n", c.CommandPath(), strings.TrimSuffix(oneLine(c.Short), "."))
		fs := c.LocalNonPersistentFlags()
		if !hasDocumentedFlags(fs) {
			buf.WriteString("No flags of its own.\n\n")
			continue
		}
		writeFlagTable(&buf, fs)
	}
	writeMetricsTable(&buf)
	buf.WriteString(completionDoc)
	_, err := w.Write(buf.Bytes())
	return err
}

// documentedCommands returns every runnable command below root that the
// reference covers, ordered by command path.
func documentedCommands(root *cobra.Command) []*cobra.Command {
	var cmds []*cobra.Command
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if sub.Hidden || sub.Name() == "help" || sub.Name() == "completion" && c == root {
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
	return cmds
}

func documentedFlag(f *pflag.Flag) bool {
	return !f.Hidden && f.Deprecated == "" && f.Name != "help"
}

func hasDocumentedFlags(fs *pflag.FlagSet) bool {
	found := false
	fs.VisitAll(func(f *pflag.Flag) { found = found || documentedFlag(f) })
	return found
}

// isList reports whether f takes a list (repeatable flag, comma-separated
// environment value, YAML list in the config file).
func isList(f *pflag.Flag) bool {
	_, ok := f.Value.(pflag.SliceValue)
	return ok
}

// flagDefault renders f's default for the table: empty when it has none,
// machine-independent always.
func flagDefault(f *pflag.Flag) string {
	def := f.DefValue
	if isList(f) {
		def = strings.Trim(def, "[]")
	}
	switch {
	case def == "":
		return ""
	case def == app.DefaultDataDir():
		return "`$XDG_DATA_HOME/trustbridge`, else `~/.local/share/trustbridge`"
	}
	return "`" + strings.ReplaceAll(def, "`", "'") + "`"
}

// configKey renders f's config-file key with the shape of its value.
func configKey(f *pflag.Flag) string {
	if f.Name == "config" {
		return "(none: names the file)"
	}
	key := "`" + f.Name + "`"
	switch {
	case isList(f):
		key += " (list)"
	case f.Value.Type() == "bool":
		key += " (bool)"
	case f.Value.Type() == "duration":
		key += " (duration)"
	case strings.HasPrefix(f.Value.Type(), "int") || strings.HasPrefix(f.Value.Type(), "uint") || strings.HasPrefix(f.Value.Type(), "float"):
		key += " (number)"
	}
	return key
}

func writeFlagTable(buf *bytes.Buffer, fs *pflag.FlagSet) {
	buf.WriteString("| Flag | Environment | Config-file key | Default | Description |\n|---|---|---|---|---|\n")
	fs.VisitAll(func(f *pflag.Flag) {
		if !documentedFlag(f) {
			return
		}
		name := "`--" + f.Name + "`"
		if f.Shorthand != "" {
			name += ", `-" + f.Shorthand + "`"
		}
		env := "`" + EnvName(f.Name) + "`"
		if isList(f) {
			env += " (comma-separated)"
		}
		fmt.Fprintf(buf, "| %s | %s | %s | %s | %s |\n", name, env, configKey(f), flagDefault(f), cell(f.Usage))
	})
	buf.WriteString("\n")
}

// writeMetricsTable documents every metric of metrics.Catalog.
func writeMetricsTable(buf *bytes.Buffer) {
	buf.WriteString(metricsDoc)
	buf.WriteString("| Metric | Type | Labels | Counted by | Description |\n|---|---|---|---|---|\n")
	for _, i := range metrics.Catalog() {
		labels := ""
		for j, l := range i.Labels {
			if j > 0 {
				labels += ", "
			}
			labels += "`" + l + "`"
		}
		fmt.Fprintf(buf, "| `%s` | %s | %s | %s | %s |\n", i.Name, i.Type, labels, i.Where, cell(i.Help))
	}
	buf.WriteString("\nEvery process also exports the Go runtime's `go_*` and the process's `process_*` metrics.\n\n")
}

const metricsDoc = "## Metrics\n\n" +
	"`trustbridge serve` and `up` serve Prometheus metrics on `/metrics` of the edge port, or only on\n" +
	"`--metrics-addr` when it is set: the edge, store and webhook families (the webhooks count when\n" +
	"`--webhook-addr` runs them in the same process). The standalone `trustbridge webhook` serves\n" +
	"its own on `/metrics` of its HTTPS port. `trustbridge agent` serves the agent families on its\n" +
	"`--metrics-addr`. Labels never carry identities, tokens, ARNs or other unbounded values.\n\n"

// cell makes s safe inside one Markdown table cell.
func cell(s string) string {
	return strings.ReplaceAll(oneLine(s), "|", `\|`)
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

const configDocHeader = `# Configuration reference

<!-- Generated from the command tree by internal/cli/docgen.go; do not edit.
     Regenerate: go generate ./internal/cli
     (or go test ./internal/cli -run TestConfigurationDocIsCurrent -update) -->

Every flag of every command can be set three other ways. For each flag the
first of these that is present wins:

1. the flag on the command line;
2. its environment variable: ` + "`TRUSTBRIDGE_`" + ` and the flag name in upper case with
   ` + "`-`" + ` as ` + "`_`" + ` (` + "`--data-dir`" + ` is ` + "`TRUSTBRIDGE_DATA_DIR`" + `); list flags take a
   comma-separated value;
3. the YAML file given with ` + "`--config FILE`" + ` (or ` + "`TRUSTBRIDGE_CONFIG`" + `), whose keys are
   the command's flag names, global flags included; list flags take a YAML list;
4. the default.

The config file is strict: a key that is not a flag of the command is an
error naming the key. Each command reads the file for its own flags, so
the server, the webhook and the agent each get their own file. The
environment variable of a flag is the same for every command that has the
flag (` + "`TRUSTBRIDGE_ADDR`" + ` sets ` + "`serve --addr`" + ` and ` + "`agent --addr`" + `): set it only in
the environment of the process it is meant for.

` + "```yaml" + `
# trustbridge serve --config serve.yaml
addr: 0.0.0.0:4577
data-dir: /var/lib/trustbridge
world: /etc/trustbridge/world.yaml
audit-log: /var/log/trustbridge/audit.jsonl
log-level: info
` + "```" + `

` + "```yaml" + `
# trustbridge agent --config agent.yaml
cluster: prod
endpoint: https://trustbridge.example.internal:4577
addr:
  - 169.254.170.23:80
  - "[fd00:ec2::23]:80"
` + "```" + `

Logs: ` + "`--log-format auto`" + ` writes text on a terminal and JSON otherwise;
` + "`--log-level debug`" + ` adds one line per request. Secret access keys, session
tokens, signatures and web identity tokens are never logged. Metrics:
Prometheus text format on ` + "`/metrics`" + ` of the edge, or on ` + "`--metrics-addr`" + ` alone.
Shell completion: see [the end of this page](#shell-completion).

`

const completionDoc = "## Shell completion\n\n" +
	"`trustbridge completion SHELL` prints a completion script for `bash`, `zsh`,\n" +
	"`fish` or `powershell` (commands, subcommands and flags complete).\n\n" +
	"```sh\n" +
	"# bash (needs the bash-completion package)\n" +
	"source <(trustbridge completion bash)                                   # this shell\n" +
	"trustbridge completion bash > /etc/bash_completion.d/trustbridge        # every shell\n\n" +
	"# zsh\n" +
	"trustbridge completion zsh > \"${fpath[1]}/_trustbridge\"\n\n" +
	"# fish\n" +
	"trustbridge completion fish > ~/.config/fish/completions/trustbridge.fish\n" +
	"```\n\n" +
	"`trustbridge completion SHELL --help` shows the details for each shell.\n"
