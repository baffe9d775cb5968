package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/trustbridge/trustbridge/internal/store"
)

// BenchAccount is the account LoadWorld fills.
const BenchAccount = "210987654321"

// LoadWorld writes, in one Tx, an account with the given number of roles,
// each with a trust policy and two attached managed policies (out of 50),
// and one access key per role: the bulk path a large world file takes. Role
// i is named BenchRoleName(i) and its key BenchKeyID(i).
func LoadWorld(ctx context.Context, s store.Store, roles int) error {
	return s.Tx(ctx, func(tx store.Store) error {
		now := time.Now().UTC()
		if err := tx.CreateAccount(ctx, store.Account{ID: BenchAccount, CreateDate: now}); err != nil {
			return err
		}
		const policies = 50
		arns := make([]string, policies)
		for i := range arns {
			arns[i] = fmt.Sprintf("arn:aws:iam::%s:policy/bench-%02d", BenchAccount, i)
			err := tx.CreatePolicy(ctx, store.ManagedPolicy{
				ARN: arns[i], Account: BenchAccount, Name: fmt.Sprintf("bench-%02d", i), Path: "/", PolicyID: fmt.Sprintf("ANPABENCH%02d", i),
				DefaultVersionID: "v1", CreateDate: now,
				Versions: []store.PolicyVersion{{VersionID: "v1", CreateDate: now,
					Document: fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket-%d/*"}]}`, i)}},
			})
			if err != nil {
				return err
			}
		}
		for i := range roles {
			name := BenchRoleName(i)
			err := tx.CreateRole(ctx, store.Role{
				Account: BenchAccount, Name: name, Path: "/bench/", RoleID: fmt.Sprintf("AROABENCH%08d", i), CreateDate: now,
				TrustPolicy:        fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::%s:oidc-provider/oidc.example/x"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"oidc.example/x:sub":"system:serviceaccount:ns:sa-%d"}}}]}`, BenchAccount, i),
				MaxSessionDuration: 3600,
			})
			if err != nil {
				return err
			}
			owner := store.Principal{Kind: store.KindRole, Account: BenchAccount, Name: name}
			for _, j := range []int{i % policies, (i + 7) % policies} {
				if err := tx.AttachPolicy(ctx, owner, arns[j]); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// LoadKeys adds one root access key per index, in one Tx.
func LoadKeys(ctx context.Context, s store.Store, keys int) error {
	return s.Tx(ctx, func(tx store.Store) error {
		for i := range keys {
			err := tx.CreateAccessKey(ctx, store.AccessKey{AccessKeyID: BenchKeyID(i), Account: BenchAccount,
				SecretCiphertext: make([]byte, 60), CreateDate: time.Now()})
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// testBulkLoad runs LoadWorld and LoadKeys at a modest size and checks
// what they wrote.
func testBulkLoad(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	const n = 300
	r0 := rev(t, s)
	must(t, LoadWorld(ctx, s, n))
	must(t, LoadKeys(ctx, s, n))
	if r := rev(t, s); r <= r0 {
		t.Fatalf("revision %d after the bulk load, want > %d", r, r0)
	}
	roles, next, err := s.ListRoles(ctx, BenchAccount, store.ListOptions{PathPrefix: "/bench/", Page: store.Page{Limit: 1000}})
	must(t, err)
	if len(roles) != n || next != "" {
		t.Fatalf("%d roles listed (next %q), want %d", len(roles), next, n)
	}
	for _, i := range []int{0, n / 2, n - 1} {
		pp, err := s.GetPrincipalPolicies(ctx, store.Principal{Kind: store.KindRole, Account: BenchAccount, Name: BenchRoleName(i)})
		must(t, err)
		if len(pp.Attached) != 2 || len(pp.Inline) != 0 {
			t.Fatalf("role %d policies = %+v", i, pp)
		}
		k, err := s.GetAccessKey(ctx, BenchKeyID(i))
		must(t, err)
		if k.UserName != "" || len(k.SecretCiphertext) != 60 {
			t.Fatalf("key %d = %+v", i, k)
		}
	}
	p, err := s.GetPolicy(ctx, fmt.Sprintf("arn:aws:iam::%s:policy/bench-%02d", BenchAccount, 0))
	must(t, err)
	if p.AttachmentCount != 2*n/50 {
		t.Fatalf("AttachmentCount = %d, want %d", p.AttachmentCount, 2*n/50)
	}
}

// BenchRoleName is the name of LoadWorld's role i.
func BenchRoleName(i int) string { return fmt.Sprintf("bench-role-%06d", i) }

// BenchKeyID is the ID of LoadKeys' key i.
func BenchKeyID(i int) string { return fmt.Sprintf("AKIABENCH%011d", i) }

// RunBenchmarks runs the hot-path benchmarks on a store that LoadWorld (with
// at least roles roles) and LoadKeys (with at least keys keys) filled.
//
// Besides ns/op (wall time) each benchmark reports cpu-ns/op: the process's
// CPU time per operation (all goroutines, the database driver included for
// SQLite), which is steadier than wall time on a shared machine. For
// PostgreSQL it excludes the server's work.
func RunBenchmarks(b *testing.B, s store.Store, roles, keys int) {
	ctx := context.Background()
	run := func(name string, fn func(b *testing.B)) {
		b.Run(name, func(b *testing.B) {
			start := cpuTime()
			fn(b)
			if b.N > 0 {
				b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
			}
		})
	}
	run("GetRole", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := s.GetRole(ctx, BenchAccount, BenchRoleName(i%roles)); err != nil {
				b.Fatal(err)
			}
			i += 7919
		}
	})
	run("GetRoleParallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				if _, err := s.GetRole(ctx, BenchAccount, BenchRoleName(i%roles)); err != nil {
					b.Error(err)
					return
				}
				i += 7919
			}
		})
	})
	run("GetAccessKey", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := s.GetAccessKey(ctx, BenchKeyID(i%keys)); err != nil {
				b.Fatal(err)
			}
			i += 7919
		}
	})
	run("GetAccessKeyParallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				if _, err := s.GetAccessKey(ctx, BenchKeyID(i%keys)); err != nil {
					b.Error(err)
					return
				}
				i += 7919
			}
		})
	})
	run("GetPrincipalPolicies", func(b *testing.B) {
		i := 0
		for b.Loop() {
			pp, err := s.GetPrincipalPolicies(ctx, store.Principal{Kind: store.KindRole, Account: BenchAccount, Name: BenchRoleName(i % roles)})
			if err != nil || len(pp.Attached) != 2 {
				b.Fatal(err, pp)
			}
			i += 7919
		}
	})
	run("Revision", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Revision(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	run("PutDecision", func(b *testing.B) {
		data := make([]byte, 2048)
		i := 0
		for b.Loop() {
			if err := s.PutDecision(ctx, store.Decision{RequestID: fmt.Sprintf("req-%d", i), Data: data, Expires: time.Now().Add(time.Hour)}); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	run("UpdateRole", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if err := s.UpdateRole(ctx, BenchAccount, BenchRoleName(i%roles), func(r *store.Role) error { r.Description = "x"; return nil }); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}
