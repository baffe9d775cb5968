package awsauth

import (
	"context"
	"strings"
	"testing"
)

// FuzzParseConfigMap checks that parsing arbitrary aws-auth data never
// panics, that every kept entry is valid, and that matching and rendering
// with kept entries never panic.
func FuzzParseConfigMap(f *testing.F) {
	f.Add(seedConfigMap["mapRoles"], seedConfigMap["mapUsers"], seedConfigMap["mapAccounts"])
	f.Add("null", "[]", "- 012345678901")
	f.Add("- sso: {permissionSetName: A, accountID: '123456789012'}\n  username: '{{SessionName}}'", "- &a {userarn: 'arn:aws:iam::123456789012:user/u', username: x}\n- *a", "")
	f.Add("- rolearn: [\n", "userarn: x", "- '1'")
	id := mustIdentity(f, "arn:aws:sts::123456789012:assumed-role/r/s@x", "AROAR:s@x", "arn:aws:iam::123456789012:role/p/r")
	user := mustIdentity(f, "arn:aws:iam::123456789012:user/u", "AIDAU", "")
	f.Fuzz(func(t *testing.T, roles, users, accounts string) {
		cm := ParseConfigMap(map[string]string{KeyMapRoles: roles, KeyMapUsers: users, KeyMapAccounts: accounts})
		for _, r := range cm.Roles {
			if (r.RoleARN == "") == (r.SSO == nil) || r.Username == "" || checkTemplate(r.Username) != nil {
				t.Fatalf("invalid role kept: %+v", r)
			}
		}
		for _, u := range cm.Users {
			if u.UserARN == "" || u.Username == "" || checkTemplate(u.Username) != nil {
				t.Fatalf("invalid user kept: %+v", u)
			}
		}
		for _, a := range cm.Accounts {
			if !isAccountID(a) {
				t.Fatalf("invalid account kept: %q", a)
			}
		}
		for _, p := range cm.Problems {
			if p.Path == "" || p.Message == "" || !strings.HasPrefix(p.Path, "map") {
				t.Fatalf("problem without path: %+v", p)
			}
		}
		m := &Mapper{Clusters: StaticClusters{"c": {}}, ConfigMaps: StaticConfigMaps{"c": cm}, ResolvePrivateDNS: func(context.Context, string, string) (string, error) { return "ip", nil }}
		for _, who := range []*Identity{id, user} {
			if got, err := m.Map(context.Background(), "c", who); err == nil && got.Username == "" {
				t.Fatalf("empty username mapped")
			}
		}
	})
}

// FuzzParsePrincipal checks that ARN parsing never panics and that what it
// accepts formats back to the same ARN.
func FuzzParsePrincipal(f *testing.F) {
	for _, s := range []string{"arn:aws:iam::123456789012:user/a/b", "arn:aws:sts::123456789012:assumed-role/r/s", "arn:aws:iam::123456789012:root", "arn:aws:sts::123456789012:federated-user/f", "arn::::::"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePrincipal(s)
		if err != nil {
			return
		}
		if p.String() != s {
			t.Fatalf("%q formats back as %q", s, p.String())
		}
		if _, err := Canonicalize(s); err != nil {
			t.Fatal(err)
		}
	})
}
