package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// Version information, set at build time with -ldflags "-X ...".
var (
	Version = "dev"
	Commit  = "unknown"
)

// exitError carries a process exit code through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// Main runs the CLI with args and returns the process exit code.
func Main(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := NewRootCommand(os.Stdout, os.Stderr)
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			if ee.err != nil && ee.err.Error() != "" {
				fmt.Fprintln(os.Stderr, "trustbridge:", ee.err)
			}
			return ee.code
		}
		fmt.Fprintln(os.Stderr, "trustbridge:", err)
		return 1
	}
	return 0
}

// globalOptions are the flags every command shares.
type globalOptions struct {
	logLevel  string
	logFormat string
	config    string
	stdout    io.Writer
	stderr    io.Writer
}

// NewRootCommand returns the trustbridge root command writing to stdout and stderr.
func NewRootCommand(stdout, stderr io.Writer) *cobra.Command {
	g := &globalOptions{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "trustbridge",
		Short: "A local AWS identity plane for Kubernetes: STS, IAM, EKS, EKS Auth, IRSA and Pod Identity",
		Long: `trustbridge runs STS, IAM, EKS and EKS Auth on one local endpoint, wire-compatible
with the AWS CLI, boto3 and the AWS SDKs, with an IAM policy engine that decides
as AWS does and explains every decision; plus the Kubernetes webhooks (IRSA and
Pod Identity injection, token authentication, authorization) and the Pod
Identity agent.

Start with:  trustbridge up`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return applyConfig(cmd, g.config)
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	pf := root.PersistentFlags()
	pf.StringVar(&g.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	pf.StringVar(&g.logFormat, "log-format", "auto", "log format: text, json, or auto (text on a terminal, JSON otherwise)")
	pf.StringVar(&g.config, "config", "", "YAML file with flag values (keys are flag names); flags and TRUSTBRIDGE_* variables override it")

	for _, c := range subcommands {
		root.AddCommand(c(g))
	}
	return root
}

// subcommands are registered by each command's file in init.
var subcommands []func(*globalOptions) *cobra.Command

func register(c func(*globalOptions) *cobra.Command) { subcommands = append(subcommands, c) }

// logger builds the process logger from the global flags.
func (g *globalOptions) logger() (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(g.logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", g.logLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	format := g.logFormat
	if format == "auto" {
		format = "json"
		if f, ok := g.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			format = "text"
		}
	}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(g.stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(g.stderr, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text, json or auto", g.logFormat)
}
