package world

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/trustbridge/trustbridge/internal/store/sqlite"
)

const testCA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

// TestExportRoundTrip applies the demo world (plus inline CAs), exports
// it, applies the export to an empty store and exports again: both exports
// are equal, and the export parses and validates as a world file.
func TestExportRoundTrip(t *testing.T) {
	ctx := context.Background()
	f, err := Parse("demo.yaml", Demo(), nil)
	if err != nil {
		t.Fatal(err)
	}
	f.Clusters[0].CertificateAuthority = testCA
	f.Clusters[0].OIDCIssuerCA = testCA
	f.Accounts[0].OIDCProviders[0].CA = testCA
	deps := testDeps()
	export := func(f *File) ([]byte, *File) {
		t.Helper()
		st, err := sqlite.Open(ctx, ":memory:", sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if _, err := Apply(ctx, st, f, deps); err != nil {
			t.Fatal(err)
		}
		out, err := Export(ctx, st, ExportOptions{Region: f.region(), Regions: Regions, OpenSecret: deps.OpenSecret})
		if err != nil {
			t.Fatal(err)
		}
		b, err := yaml.Marshal(out)
		if err != nil {
			t.Fatal(err)
		}
		return b, out
	}
	first, out := export(f)
	parsed, err := Parse("export.yaml", first, nil)
	if err != nil {
		t.Fatalf("export does not parse: %v\n%s", err, first)
	}
	second, _ := export(parsed)
	if string(first) != string(second) {
		t.Fatalf("round trip differs:\n%s\n---\n%s", first, second)
	}

	// Spot checks against the demo world.
	if len(out.Accounts) != len(f.Accounts) || len(out.Clusters) != 1 {
		t.Fatalf("accounts %d clusters %d", len(out.Accounts), len(out.Clusters))
	}
	c := out.Clusters[0]
	if c.CertificateAuthority != testCA || c.OIDCIssuerCA != testCA || len(c.PodIdentityAssociations) != 1 || len(c.AccessEntries) != len(f.Clusters[0].AccessEntries) {
		t.Fatalf("cluster %+v", c)
	}
	var users, keys int
	for _, a := range out.Accounts {
		users += len(a.Users)
		for _, u := range a.Users {
			keys += len(u.AccessKeys)
			for _, k := range u.AccessKeys {
				if k.SecretAccessKey == "" || strings.HasPrefix(k.SecretAccessKey, "sealed:") {
					t.Fatalf("key %s secret not opened", k.AccessKeyID)
				}
			}
		}
	}
	if users != 3 || keys == 0 {
		t.Fatalf("users %d keys %d", users, keys)
	}
	role := findRole(out, "eks-ec2-list-instances")
	if role == nil || len(role.ManagedPolicies) != 1 || !json.Valid([]byte(role.TrustPolicy.JSON)) {
		t.Fatalf("role %+v", role)
	}
}

func findRole(f *File, name string) *Role {
	for i := range f.Accounts {
		for j := range f.Accounts[i].Roles {
			if f.Accounts[i].Roles[j].Name == name {
				return &f.Accounts[i].Roles[j]
			}
		}
	}
	return nil
}

func TestInlineAndFileCAConflict(t *testing.T) {
	src := `accounts:
  - id: "123456789012"
    oidcProviders:
      - url: https://issuer.example
        clientIDs: [sts.amazonaws.com]
        caFile: /etc/hostname
        ca: "not pem"
`
	_, err := Parse("w.yaml", []byte(src), nil)
	if err == nil || !strings.Contains(err.Error(), "accounts[0].oidcProviders[0].ca") || !strings.Contains(err.Error(), "not both") || !strings.Contains(err.Error(), "PEM") {
		t.Fatalf("err = %v", err)
	}
}
