package world

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/trustbridge/trustbridge/internal/store"
	"github.com/trustbridge/trustbridge/internal/store/sqlite"
)

func testDeps() Deps {
	var n atomic.Int64
	return Deps{
		NewID:            func(p string) string { return fmt.Sprintf("%s%017d", p, n.Add(1)) },
		NewAssociationID: func() string { return fmt.Sprintf("a-%017d", n.Add(1)) },
		SealSecret:       func(id, s string) ([]byte, error) { return []byte("sealed:" + s), nil },
		OpenSecret:       func(id string, b []byte) (string, error) { return strings.TrimPrefix(string(b), "sealed:"), nil },
	}
}

func TestApplyDemoIdempotent(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, ":memory:", sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	f, err := Parse("demo.yaml", Demo(), nil)
	if err != nil {
		t.Fatal(err)
	}
	stats, err := Apply(ctx, st, f, testDeps())
	if err != nil {
		t.Fatal(err)
	}
	if stats.Accounts != 2 || stats.Users != 3 || stats.Roles != 5 || stats.Clusters != 1 || stats.PodIdentityAssociations != 1 {
		t.Fatalf("stats %+v", stats)
	}
	rev, _ := st.Revision(ctx)
	stats, err = Apply(ctx, st, f, testDeps())
	if err != nil {
		t.Fatal(err)
	}
	if stats != (Stats{}) {
		t.Fatalf("second apply created %+v", stats)
	}
	pp, err := st.GetPrincipalPolicies(ctx, store.Principal{Kind: store.KindRole, Account: "123456789012", Name: "eks-ec2-list-instances"})
	if err != nil || len(pp.Attached) != 1 {
		t.Fatalf("%+v %v", pp, err)
	}
	_ = rev
	pia, err := st.FindPodIdentityAssociation(ctx, store.ClusterRef{Account: "123456789012", Region: "us-west-2", Name: "aws-eks-auth-test"}, "pod-id", "pod-identity")
	if err != nil || !strings.HasSuffix(pia.RoleARN, "role/pod-identity-test") {
		t.Fatalf("%+v %v", pia, err)
	}
}

func TestApplyIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, ":memory:", sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	src := `accounts:
  - id: "123456789012"
    roles:
      - name: ok
        trustPolicy: {Version: "2012-10-17", Statement: []}
        managedPolicies: ["arn:aws:iam::123456789012:policy/missing"]
`
	f, err := Parse("w.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Apply(ctx, st, f, testDeps())
	if err == nil || !strings.Contains(err.Error(), "accounts[0].roles[0]") || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("got %v", err)
	}
	if _, err := st.GetAccount(ctx, "123456789012"); err == nil {
		t.Fatal("account written by a failed apply")
	}
}

func TestApplyUpdatesDeclaredState(t *testing.T) {
	ctx := context.Background()
	st, _ := sqlite.Open(ctx, ":memory:", sqlite.Options{})
	defer st.Close()
	v1 := `accounts:
  - id: "123456789012"
    policies: [{name: p, document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "s3:*", Resource: "*"}]}}]
    roles:
      - name: r
        trustPolicy: {Version: "2012-10-17", Statement: []}
        policies: {a: {Version: "2012-10-17", Statement: []}, b: {Version: "2012-10-17", Statement: []}}
        managedPolicies: ["arn:aws:iam::123456789012:policy/p"]
`
	v2 := strings.Replace(strings.Replace(v1, `b: {Version: "2012-10-17", Statement: []}`, `c: {Version: "2012-10-17", Statement: []}`, 1), `"s3:*"`, `"s3:Get*"`, 1)
	v2 = strings.Replace(v2, `managedPolicies: ["arn:aws:iam::123456789012:policy/p"]`, "maxSessionDuration: 7200", 1)
	for _, src := range []string{v1, v2} {
		f, err := Parse("w.yaml", []byte(src), nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Apply(ctx, st, f, testDeps()); err != nil {
			t.Fatal(err)
		}
	}
	owner := store.Principal{Kind: store.KindRole, Account: "123456789012", Name: "r"}
	pp, err := st.GetPrincipalPolicies(ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range pp.Inline {
		names = append(names, p.Name)
	}
	if strings.Join(names, ",") != "a,c" || len(pp.Attached) != 0 {
		t.Fatalf("inline %v attached %v", names, pp.Attached)
	}
	pol, _ := st.GetPolicy(ctx, "arn:aws:iam::123456789012:policy/p")
	if pol.DefaultVersionID != "v2" {
		t.Fatalf("policy default %s", pol.DefaultVersionID)
	}
	r, _ := st.GetRole(ctx, "123456789012", "r")
	if r.MaxSessionDuration != 7200 {
		t.Fatalf("max %d", r.MaxSessionDuration)
	}
}
