package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/spf13/cobra"

	"github.com/trustbridge/trustbridge/internal/app"
	"github.com/trustbridge/trustbridge/internal/audit"
)

func init() { register(newExplainCommand) }

func newExplainCommand(g *globalOptions) *cobra.Command {
	var endpoint, output string
	cmd := &cobra.Command{
		Use:   "explain REQUEST_ID",
		Short: "Explain why a request was denied",
		Long: `explain prints the policy engine's decision trace for a denied request: every
policy and statement evaluated, what matched and what did not, with request
and policy values side by side. Take REQUEST_ID from the error (the AWS CLI
prints it with --debug; boto3 and the SDKs expose it on the error), from the
audit log, or from the x-amzn-RequestId response header.

The request is signed with your AWS credentials (environment, profile); only
principals of the account the decision concerns may read it.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if endpoint == "" {
				endpoint = os.Getenv("AWS_ENDPOINT_URL")
			}
			if endpoint == "" {
				endpoint = "http://" + app.DefaultAddr
			}
			rec, err := fetchExplanation(cmd.Context(), endpoint, args[0])
			if err != nil {
				return err
			}
			return printExplanation(g.stdout, rec, output)
		},
	}
	cmd.Flags().StringVar(&endpoint, "endpoint", "", "trustbridge endpoint (default $AWS_ENDPOINT_URL, then http://127.0.0.1:4577)")
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	return cmd
}

func fetchExplanation(ctx context.Context, endpoint, id string) (*audit.Record, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS credentials: %w", err)
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS credentials: %w", err)
	}
	region := cfg.Region
	if region == "" {
		region = "us-east-1"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(endpoint, "/")+"/explain/"+id, nil)
	if err != nil {
		return nil, err
	}
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", app.ExplainService, region, time.Now()); err != nil {
		return nil, err
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Message string }
		_ = json.Unmarshal(body, &e)
		return nil, &exitError{code: 1, err: fmt.Errorf("%s: %s", resp.Header.Get("x-amzn-ErrorType"), e.Message)}
	}
	var rec audit.Record
	if err := json.Unmarshal(body, &rec); err != nil {
		return nil, err
	}
	return &rec, nil
}

func printExplanation(w io.Writer, rec *audit.Record, output string) error {
	switch output {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rec)
	case "text":
	default:
		return fmt.Errorf("--output %q: want text or json", output)
	}
	ev := rec.Event
	fmt.Fprintf(w, "request %s: %s %s by %s at %s\n", ev.RequestID, ev.EventSource, ev.EventName, nonEmpty(ev.UserIdentity.ARN, ev.UserIdentity.PrincipalID, ev.UserIdentity.Type), ev.EventTime.Format(time.RFC3339))
	if ev.ErrorCode != "" {
		fmt.Fprintf(w, "answer: %s\n", ev.ErrorCode)
	}
	if d := ev.Decision; d != nil {
		fmt.Fprintf(w, "decision: %s for %s on %s\n", d.Decision, d.Action, d.Resource)
		if d.Summary != "" {
			fmt.Fprintf(w, "why: %s\n", d.Summary)
		}
	}
	if rec.Text != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimRight(rec.Text, "\n"))
	}
	return nil
}

func nonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
