package storetest

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trustbridge/trustbridge/internal/store"
)

// An Opener opens a store on one location (a data directory, a database
// schema). Each call returns a new, independent Store on the same data, as
// a restarted process or another replica would; on success it must arrange
// (t.Cleanup) for the store to be closed, and Close must be idempotent. It
// may be called from several goroutines at once, so it reports failure by
// returning an error rather than through t.
type Opener func(t *testing.T) (store.Store, error)

func mustOpen(t *testing.T, open Opener) store.Store {
	t.Helper()
	s, err := open(t)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return s
}

// RunPersistent runs the tests that need the same data opened more than
// once: restart, two replicas, and replicas starting (migrating) at once.
// newLocation must prepare a fresh, empty location each time.
func RunPersistent(t *testing.T, newLocation func(t *testing.T) Opener) {
	t.Run("Restart", func(t *testing.T) { testRestart(t, newLocation(t)) })
	t.Run("Replicas", func(t *testing.T) { testReplicas(t, newLocation(t)) })
	t.Run("ConcurrentOpen", func(t *testing.T) { testConcurrentOpen(t, newLocation(t)) })
}

// world is one of everything, written by populate and checked by verify.
type world struct {
	account  store.Account
	user     store.User
	key      store.AccessKey
	role     store.Role
	inline   store.InlinePolicy
	policy   store.ManagedPolicy
	provider store.OIDCProvider
	cluster  store.Cluster
	entry    store.AccessEntry
	assoc    store.AccessPolicyAssociation
	pod      store.PodIdentityAssociation
	decision store.Decision
	revision int64
}

func populate(t *testing.T, s store.Store) world {
	t.Helper()
	ctx := ctxOf(t)
	var w world
	w.account = newAccount(t, s, acct)
	w.user = newUser(t, s, acct, "Persisted")
	w.key = store.AccessKey{AccessKeyID: "AKIAPERSIST", Account: acct, UserName: "Persisted", SecretCiphertext: []byte{1, 2, 3}, Status: store.StatusActive, CreateDate: at(1)}
	must(t, s.CreateAccessKey(ctx, w.key))
	w.role = newRole(t, s, acct, "/svc/", "Persisted")
	w.role.Tags = map[string]string{"k": "v"}
	must(t, s.UpdateRole(ctx, acct, "Persisted", func(r *store.Role) error { r.Tags = w.role.Tags; return nil }))
	owner := store.Principal{Kind: store.KindRole, Account: acct, Name: "Persisted"}
	w.inline = store.InlinePolicy{Owner: owner, Name: "inline", Document: `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`}
	must(t, s.PutInlinePolicy(ctx, w.inline))
	p := newPolicy(t, s, acct, "/", "Persisted", `{"v":1}`)
	_, err := s.CreatePolicyVersion(ctx, p.ARN, store.PolicyVersion{Document: `{"v":2}`, CreateDate: at(9)}, true)
	must(t, err)
	must(t, s.AttachPolicy(ctx, owner, p.ARN))
	w.policy, err = s.GetPolicy(ctx, p.ARN)
	must(t, err)
	w.provider = store.OIDCProvider{Account: acct, URL: "issuer.example/x", ClientIDs: []string{"sts.amazonaws.com"}, CreateDate: at(2)}
	must(t, s.CreateOIDCProvider(ctx, w.provider))
	w.cluster = testCluster("persisted")
	must(t, s.CreateCluster(ctx, w.cluster))
	w.entry = store.AccessEntry{Cluster: w.cluster.ClusterRef, PrincipalARN: "arn:aws:iam::111122223333:role/svc/Persisted", KubernetesGroups: []string{"g"}, CreatedAt: at(3), ModifiedAt: at(3)}
	must(t, s.CreateAccessEntry(ctx, w.entry))
	w.assoc = store.AccessPolicyAssociation{PolicyARN: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", AccessScope: store.AccessScope{Type: store.ScopeNamespace, Namespaces: []string{"a"}}, AssociatedAt: at(4), ModifiedAt: at(4)}
	must(t, s.AssociateAccessPolicy(ctx, w.cluster.ClusterRef, w.entry.PrincipalARN, w.assoc))
	w.pod = store.PodIdentityAssociation{Cluster: w.cluster.ClusterRef, AssociationID: "a-persist", Namespace: "ns", ServiceAccount: "sa", RoleARN: "arn:aws:iam::111122223333:role/svc/Persisted", CreatedAt: at(5), ModifiedAt: at(5)}
	must(t, s.CreatePodIdentityAssociation(ctx, w.pod))
	w.decision = store.Decision{RequestID: "req-persist", Data: []byte(`{"d":1}`), Expires: time.Now().Add(time.Hour).UTC()}
	must(t, s.PutDecision(ctx, w.decision))
	w.revision = rev(t, s)
	return w
}

func verify(t *testing.T, s store.Store, w world) {
	t.Helper()
	ctx := ctxOf(t)
	a, err := s.GetAccount(ctx, acct)
	must(t, err)
	equal(t, "account", a, w.account)
	u, err := s.GetUser(ctx, acct, "persisted")
	must(t, err)
	equal(t, "user", u, w.user)
	k, err := s.GetAccessKey(ctx, "AKIAPERSIST")
	must(t, err)
	equal(t, "access key", k, w.key)
	r, err := s.GetRole(ctx, acct, "persisted")
	must(t, err)
	equal(t, "role", r, w.role)
	ip, err := s.GetInlinePolicy(ctx, w.inline.Owner, "inline")
	must(t, err)
	equal(t, "inline policy", ip, w.inline)
	p, err := s.GetPolicy(ctx, w.policy.ARN)
	must(t, err)
	equal(t, "policy", p, w.policy)
	pp, err := s.GetPrincipalPolicies(ctx, w.inline.Owner)
	must(t, err)
	if len(pp.Attached) != 1 || pp.Attached[0].Document != `{"v":2}` {
		t.Fatalf("attached policies = %+v", pp.Attached)
	}
	op, err := s.GetOIDCProvider(ctx, acct, w.provider.URL)
	must(t, err)
	equal(t, "OIDC provider", op, w.provider)
	c, err := s.GetCluster(ctx, w.cluster.ClusterRef)
	must(t, err)
	equal(t, "cluster", c, w.cluster)
	e, err := s.GetAccessEntry(ctx, w.cluster.ClusterRef, w.entry.PrincipalARN)
	must(t, err)
	equal(t, "access entry", e, w.entry)
	as, err := s.ListAccessPolicyAssociations(ctx, w.cluster.ClusterRef, w.entry.PrincipalARN)
	must(t, err)
	equal(t, "associations", as, []store.AccessPolicyAssociation{w.assoc})
	pod, err := s.FindPodIdentityAssociation(ctx, w.cluster.ClusterRef, "ns", "sa")
	must(t, err)
	equal(t, "pod identity association", pod, w.pod)
	d, err := s.GetDecision(ctx, w.decision.RequestID)
	must(t, err)
	if string(d.Data) != string(w.decision.Data) || !d.Expires.Equal(w.decision.Expires) {
		t.Fatalf("decision = %+v", d)
	}
	if got := rev(t, s); got != w.revision {
		t.Fatalf("revision = %d after reopening, want %d", got, w.revision)
	}
}

func testRestart(t *testing.T, open Opener) {
	s := mustOpen(t, open)
	w := populate(t, s)
	must(t, s.Close())
	s = mustOpen(t, open)
	verify(t, s, w)
	// Writes go on, and the revision keeps increasing.
	newRole(t, s, acct, "/", "after-restart")
	if r := rev(t, s); r <= w.revision {
		t.Fatalf("revision %d after a write, want > %d", r, w.revision)
	}
	must(t, s.Close())
	s = mustOpen(t, open)
	if _, err := s.GetRole(ctxOf(t), acct, "after-restart"); err != nil {
		t.Fatalf("role written after the first restart: %v", err)
	}
}

func testReplicas(t *testing.T, open Opener) {
	ctx := ctxOf(t)
	a, b := mustOpen(t, open), mustOpen(t, open)
	w := populate(t, a)
	verify(t, b, w) // b sees a's writes, revision included

	// A write through b changes the revision a reads.
	must(t, b.UpdateRole(ctx, acct, "Persisted", func(r *store.Role) error { r.Description = "from b"; return nil }))
	if r := rev(t, a); r <= w.revision {
		t.Fatalf("replica a reads revision %d after b wrote, want > %d", r, w.revision)
	}
	r, err := a.GetRole(ctx, acct, "persisted")
	must(t, err)
	if r.Description != "from b" {
		t.Fatalf("replica a reads description %q", r.Description)
	}

	// Racing creates across replicas: exactly one wins.
	stores := []store.Store{a, b}
	for round := range 3 {
		name := fmt.Sprintf("Contested%d", round)
		exactlyOne(t, "role across replicas", race(8, func(i int) error {
			return stores[i%2].CreateRole(ctx, store.Role{Account: acct, Name: name, RoleID: fmt.Sprintf("AROAC%d-%d", round, i)})
		}))
		exactlyOne(t, "access key across replicas", race(8, func(i int) error {
			return stores[i%2].CreateAccessKey(ctx, store.AccessKey{AccessKeyID: "AKIA" + name, Account: acct})
		}))
	}
	// Concurrent updates across replicas lose nothing.
	must(t, a.CreateRole(ctx, store.Role{Account: acct, Name: "counter", RoleID: "AROACOUNTER"}))
	for _, err := range race(6, func(i int) error {
		for range 4 {
			if err := stores[i%2].UpdateRole(ctx, acct, "counter", func(r *store.Role) error { r.MaxSessionDuration++; return nil }); err != nil {
				return err
			}
		}
		return nil
	}) {
		must(t, err)
	}
	r, err = b.GetRole(ctx, acct, "counter")
	must(t, err)
	if r.MaxSessionDuration != 24 {
		t.Fatalf("counter = %d after 24 increments from two replicas", r.MaxSessionDuration)
	}
}

func testConcurrentOpen(t *testing.T, open Opener) {
	const n = 4
	stores := make([]store.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = open(t)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("open %d of %d at once: %v", i, n, err)
		}
	}
	ctx := ctxOf(t)
	must(t, stores[0].CreateAccount(ctx, store.Account{ID: acct}))
	for i, s := range stores {
		if _, err := s.GetAccount(ctx, acct); err != nil {
			t.Fatalf("store %d of %d opened at once: %v", i, n, err)
		}
	}
}

// crashEnv carries the location to the re-executed test binary.
const crashEnv = "TRUSTBRIDGE_STORETEST_CRASH_LOCATION"

// RunCrash proves that acknowledged writes survive kill -9. It re-executes
// the test binary, running only the calling test, with the location in an
// environment variable; in that child, RunCrash opens the store and writes
// roles and decisions in a loop, printing each acknowledgement. The parent
// kills the child with SIGKILL after some acknowledgements, reopens the
// store and checks that everything acknowledged is there.
//
// newLocation prepares a fresh location and returns its description (a
// directory, a DSN); open opens a store on such a description. In the
// child, RunCrash never returns.
func RunCrash(t *testing.T, newLocation func(t *testing.T) string, open func(location string) (store.Store, error)) {
	if loc := os.Getenv(crashEnv); loc != "" {
		crashChild(t, loc, open)
		return
	}
	loc := newLocation(t)
	s, err := open(loc)
	must(t, err)
	newAccount(t, s, acct)
	must(t, s.Close())

	const target = 40
	var pattern []string
	for _, part := range strings.Split(t.Name(), "/") {
		pattern = append(pattern, "^"+regexp.QuoteMeta(part)+"$")
	}
	cmd := exec.CommandContext(ctxOf(t), os.Args[0], "-test.run="+strings.Join(pattern, "/"), "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+loc)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	must(t, err)
	must(t, cmd.Start())
	acked := -1
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if n, ok := strings.CutPrefix(line, "ack "); ok {
			acked, err = strconv.Atoi(n)
			must(t, err)
			if acked >= target {
				break
			}
		}
	}
	if acked < target {
		_ = cmd.Wait()
		t.Fatalf("the writer stopped after %d acknowledgements; its stderr:\n%s", acked+1, stderr.String())
	}
	// SIGKILL, right after the acknowledgement.
	must(t, cmd.Process.Kill())
	_ = cmd.Wait()

	s, err = open(loc)
	must(t, err)
	defer s.Close()
	ctx := ctxOf(t)
	for i := 0; i <= acked; i++ {
		r, err := s.GetRole(ctx, acct, fmt.Sprintf("crash-%d", i))
		if err != nil {
			t.Fatalf("acknowledged role %d of %d lost after kill -9: %v", i, acked, err)
		}
		if r.TrustPolicy != crashDoc(i) {
			t.Fatalf("role %d has trust policy %q", i, r.TrustPolicy)
		}
		if _, err := s.GetDecision(ctx, fmt.Sprintf("crash-%d", i)); err != nil {
			t.Fatalf("acknowledged decision %d of %d lost after kill -9: %v", i, acked, err)
		}
	}
	// A write in flight when the process died is all there or not at all.
	if r, err := s.GetRole(ctx, acct, fmt.Sprintf("crash-%d", acked+1)); err == nil && r.TrustPolicy != crashDoc(acked+1) {
		t.Fatalf("the write in flight left a torn role: %+v", r)
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	// The store is writable after recovery.
	newRole(t, s, acct, "/", "after-crash")
}

func crashDoc(i int) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Sid":"s%d","Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}`, i)
}

// crashChild writes until killed. It gives up after a while so that a
// parent that died without killing it does not leave it running forever.
func crashChild(t *testing.T, loc string, open func(string) (store.Store, error)) {
	s, err := open(loc)
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(2)
	}
	ctx := ctxOf(t)
	deadline := time.Now().Add(2 * time.Minute)
	for i := 0; time.Now().Before(deadline); i++ {
		name := fmt.Sprintf("crash-%d", i)
		if err := s.CreateRole(ctx, store.Role{Account: acct, Name: name, RoleID: "AROA" + name, TrustPolicy: crashDoc(i), CreateDate: at(i)}); err != nil {
			fmt.Fprintln(os.Stderr, "create role:", err)
			os.Exit(2)
		}
		if err := s.PutDecision(ctx, store.Decision{RequestID: name, Data: []byte(crashDoc(i)), Expires: time.Now().Add(time.Hour)}); err != nil {
			fmt.Fprintln(os.Stderr, "put decision:", err)
			os.Exit(2)
		}
		fmt.Fprintf(os.Stdout, "ack %d\n", i)
	}
	os.Exit(3)
}
