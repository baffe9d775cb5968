package awsauth

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// seedConfigMap is the aws-auth data of seed 003, quoted keys, "[]" and
// "null" included.
var seedConfigMap = map[string]string{
	"mapAccounts": "[]\n",
	"mapRoles": `- "groups":
  - "system:bootstrappers"
  - "system:nodes"
  "rolearn": "arn:aws:iam::123456789012:role/default_node_group-eks-node-group-2024042316563038110000000e"
  "username": "system:node:{{EC2PrivateDNSName}}"
`,
	"mapUsers": `- "groups":
  - "system:masters"
  "userarn": "arn:aws:iam::123456789012:user/UserOne"
  "username": "UserOne"
- "groups":
  - "eks-default"
  "userarn": "arn:aws:iam::123456789012:user/UserTwo"
  "username": "UserTwo"
`,
}

func TestParseConfigMapSeed(t *testing.T) {
	cm := ParseConfigMap(seedConfigMap)
	if len(cm.Problems) != 0 {
		t.Fatalf("problems: %v", cm.Problems)
	}
	if len(cm.Roles) != 1 || len(cm.Users) != 2 || len(cm.Accounts) != 0 {
		t.Fatalf("parsed %+v", cm)
	}
	if r := cm.Roles[0]; r.Username != "system:node:{{EC2PrivateDNSName}}" || strings.Join(r.Groups, ",") != "system:bootstrappers,system:nodes" {
		t.Errorf("role %+v", r)
	}
	nul := ParseConfigMap(map[string]string{"mapUsers": "null\n", "mapRoles": "", "mapAccounts": "  \n"})
	if len(nul.Problems)+len(nul.Users)+len(nul.Roles)+len(nul.Accounts) != 0 {
		t.Errorf("null/empty: %+v", nul)
	}
}

func TestParseConfigMapProblems(t *testing.T) {
	tests := []struct {
		name     string
		data     map[string]string
		wantPath string
		wantMsg  string
		ignored  bool
		roles    int
		users    int
		accounts int
	}{
		{"bad yaml", map[string]string{"mapRoles": "- rolearn: [\n"}, "mapRoles", "invalid YAML", true, 0, 0, 0},
		{"not a list", map[string]string{"mapUsers": "userarn: x"}, "mapUsers", "must be a YAML list", true, 0, 0, 0},
		{"missing rolearn", map[string]string{"mapRoles": "- username: x"}, "mapRoles[0]", "one of rolearn or sso", true, 0, 0, 0},
		{"assumed-role rolearn", map[string]string{"mapRoles": "- rolearn: arn:aws:sts::123456789012:assumed-role/r/s\n  username: x"}, "mapRoles[0].rolearn", "not an assumed-role", true, 0, 0, 0},
		{"user arn in mapRoles", map[string]string{"mapRoles": "- rolearn: arn:aws:iam::123456789012:user/u\n  username: x"}, "mapRoles[0].rolearn", "IAM role ARN", true, 0, 0, 0},
		{"bad account in arn", map[string]string{"mapRoles": "- rolearn: arn:aws:iam::1234:role/r\n  username: x"}, "mapRoles[0].rolearn", "12 digits", true, 0, 0, 0},
		{"missing username", map[string]string{"mapUsers": "- userarn: arn:aws:iam::123456789012:user/u"}, "mapUsers[0].username", "required", true, 0, 0, 0},
		{"empty username", map[string]string{"mapUsers": "- userarn: arn:aws:iam::123456789012:user/u\n  username: ''"}, "mapUsers[0].username", "empty", true, 0, 0, 0},
		{"unknown template", map[string]string{"mapUsers": "- userarn: arn:aws:iam::123456789012:user/u\n  username: '{{Foo}}'"}, "mapUsers[0].username", "{{Foo}}", true, 0, 0, 0},
		{"unterminated template", map[string]string{"mapUsers": "- userarn: arn:aws:iam::123456789012:user/u\n  username: x\n  groups: ['{{AccountID']"}, "mapUsers[0].groups[0]", "unterminated", true, 0, 0, 0},
		{"groups not a list", map[string]string{"mapUsers": "- userarn: arn:aws:iam::123456789012:user/u\n  username: x\n  groups: admins"}, "mapUsers[0].groups", "list", true, 0, 0, 0},
		{"duplicate key", map[string]string{"mapUsers": "- userarn: arn:aws:iam::123456789012:user/u\n  username: x\n  UserName: y"}, "mapUsers[0]", "duplicate key", true, 0, 0, 0},
		{"unknown key warns", map[string]string{"mapUsers": "- userarn: arn:aws:iam::123456789012:user/u\n  username: x\n  group: [a]"}, "mapUsers[0]", `unknown key "group"`, false, 0, 1, 0},
		{"role in mapUsers warns", map[string]string{"mapUsers": "- userarn: arn:aws:iam::123456789012:role/r\n  username: x"}, "mapUsers[0].userarn", "belongs under mapRoles", false, 0, 1, 0},
		{"assumed-role in mapUsers", map[string]string{"mapUsers": "- userarn: arn:aws:sts::123456789012:assumed-role/r/s\n  username: x"}, "mapUsers[0].userarn", "assumed-role", true, 0, 0, 0},
		{"bad account", map[string]string{"mapAccounts": "- '12345'\n- 123456789012"}, "mapAccounts[0]", "12 digits", true, 0, 0, 1},
		{"duplicate role", map[string]string{"mapRoles": "- rolearn: arn:aws:iam::123456789012:role/r\n  username: a\n- rolearn: arn:aws:iam::123456789012:role/R\n  username: b"}, "mapRoles", "more than once", false, 2, 0, 0},
		{"one bad entry, others kept", map[string]string{"mapUsers": "- userarn: nope\n  username: x\n- userarn: arn:aws:iam::123456789012:user/ok\n  username: ok"}, "mapUsers[0].userarn", "invalid ARN", true, 0, 1, 0},
		{"sso missing account", map[string]string{"mapRoles": "- sso: {permissionSetName: Admin}\n  username: x"}, "mapRoles[0].sso.accountid", "required", true, 0, 0, 0},
		{"rolearn and sso", map[string]string{"mapRoles": "- sso: {permissionSetName: Admin, accountID: '123456789012'}\n  rolearn: arn:aws:iam::123456789012:role/r\n  username: x"}, "mapRoles[0]", "mutually exclusive", true, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cm := ParseConfigMap(tt.data)
			found := false
			for _, p := range cm.Problems {
				if p.Path == tt.wantPath && strings.Contains(p.Message, tt.wantMsg) && p.Ignored == tt.ignored {
					found = true
				}
			}
			if !found {
				t.Errorf("problems %v lack %s: %s (ignored %v)", cm.Problems, tt.wantPath, tt.wantMsg, tt.ignored)
			}
			if len(cm.Roles) != tt.roles || len(cm.Users) != tt.users || len(cm.Accounts) != tt.accounts {
				t.Errorf("kept %d roles, %d users, %d accounts", len(cm.Roles), len(cm.Users), len(cm.Accounts))
			}
		})
	}
}

func TestUnquotedAccountKeepsLeadingZero(t *testing.T) {
	cm := ParseConfigMap(map[string]string{"mapAccounts": "- 012345678901\n- \"123456789012\"\n"})
	if len(cm.Problems) != 0 || strings.Join(cm.Accounts, ",") != "012345678901,123456789012" {
		t.Errorf("accounts %v problems %v", cm.Accounts, cm.Problems)
	}
}

func TestAliasLoopDoesNotHang(t *testing.T) {
	cm := ParseConfigMap(map[string]string{"mapUsers": "- &a\n  userarn: arn:aws:iam::123456789012:user/u\n  username: x\n- *a\n"})
	if len(cm.Users) != 2 {
		t.Errorf("alias: %+v %v", cm.Users, cm.Problems)
	}
}

func mustIdentity(t testing.TB, arn, userID, principalARN string) *Identity {
	t.Helper()
	p, err := ParsePrincipal(arn)
	if err != nil {
		t.Fatal(err)
	}
	id, err := NewIdentity(p.Account, arn, userID, "AKIAEXAMPLEEXAMPLE01", principalARN)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestConfigMapMatching(t *testing.T) {
	cm := ParseConfigMap(map[string]string{
		"mapRoles": `
- rolearn: arn:aws:iam::123456789012:role/team/app
  username: "app:{{SessionName}}"
  groups: [app]
- rolearn: arn:aws:iam::123456789012:role/Plain
  username: "plain:{{SessionNameRaw}}:{{AccountID}}:{{AccessKeyID}}"
- sso:
    permissionSetName: AdministratorAccess
    accountID: "123456789012"
  username: "sso:{{SessionName}}"
  groups: [sso-admins]
`,
		"mapUsers": `
- userarn: arn:aws:iam::123456789012:user/Alice
  username: alice
  groups: [devs]
- userarn: arn:aws:iam::123456789012:user/ops/Bob
  username: bob
- userarn: arn:aws:iam::123456789012:role/LegacyInUsers
  username: legacy
`,
		"mapAccounts": "- '210987654321'\n",
	})
	if len(cm.Problems) != 1 { // LegacyInUsers warning
		t.Fatalf("problems %v", cm.Problems)
	}
	m := &Mapper{Clusters: StaticClusters{"c": {Mode: ModeConfigMap}}, ConfigMaps: StaticConfigMaps{"c": cm}}
	tests := []struct {
		name, arn, userID, principalARN string
		wantUser, wantSource            string
		wantGroups                      string
		wantErr                         string
	}{
		{name: "role with path, path known", arn: "arn:aws:sts::123456789012:assumed-role/app/me@x.io", userID: "AROAAPP:me@x.io", principalARN: "arn:aws:iam::123456789012:role/team/app", wantUser: "app:me-x.io", wantSource: "mapRoles", wantGroups: "app"},
		{name: "role with path, path unknown", arn: "arn:aws:sts::123456789012:assumed-role/app/s", userID: "AROAAPP:s", wantUser: "app:s", wantSource: "mapRoles", wantGroups: "app"},
		{name: "role with other path", arn: "arn:aws:sts::123456789012:assumed-role/app/s", userID: "AROAAPP:s", principalARN: "arn:aws:iam::123456789012:role/other/app", wantErr: "not mapped"},
		{name: "case-insensitive role", arn: "arn:aws:sts::123456789012:assumed-role/PLAIN/s@x", userID: "AROAPLAIN:s@x", wantUser: "plain:s@x:123456789012:AKIAEXAMPLEEXAMPLE01", wantSource: "mapRoles"},
		{name: "pathless mapping matches role with path", arn: "arn:aws:sts::123456789012:assumed-role/Plain/s", userID: "AROAPLAIN:s", principalARN: "arn:aws:iam::123456789012:role/deep/path/Plain", wantUser: "plain:s:123456789012:AKIAEXAMPLEEXAMPLE01", wantSource: "mapRoles"},
		{name: "sso role", arn: "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/jane@x.io", userID: "AROASSO:jane@x.io", wantUser: "sso:jane-x.io", wantSource: "mapRoles", wantGroups: "sso-admins"},
		{name: "sso other permission set", arn: "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_ReadOnly_0123456789abcdef/j", userID: "AROASSO:j", wantErr: "not mapped"},
		{name: "user", arn: "arn:aws:iam::123456789012:user/alice", userID: "AIDAALICE", wantUser: "alice", wantSource: "mapUsers", wantGroups: "devs"},
		{name: "user with path", arn: "arn:aws:iam::123456789012:user/ops/Bob", userID: "AIDABOB", wantUser: "bob", wantSource: "mapUsers"},
		{name: "user with wrong path", arn: "arn:aws:iam::123456789012:user/dev/Bob", userID: "AIDABOB", wantErr: "not mapped"},
		{name: "role listed in mapUsers", arn: "arn:aws:sts::123456789012:assumed-role/LegacyInUsers/s", userID: "AROALEG:s", wantUser: "legacy", wantSource: "mapUsers"},
		{name: "mapAccounts", arn: "arn:aws:sts::210987654321:assumed-role/Any/s", userID: "AROAANY:s", wantUser: "arn:aws:iam::210987654321:role/Any", wantSource: "mapAccounts"},
		{name: "other account", arn: "arn:aws:iam::999999999999:user/alice", userID: "AIDAX", wantErr: "mapRoles (3), mapUsers (3), mapAccounts (1)"},
		{name: "session name cannot inject placeholders", arn: "arn:aws:sts::123456789012:assumed-role/Plain/{{AccountID}}", userID: "AROAPLAIN:{{AccountID}}", wantUser: "plain:{{AccountID}}:123456789012:AKIAEXAMPLEEXAMPLE01", wantSource: "mapRoles"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := mustIdentity(t, tt.arn, tt.userID, tt.principalARN)
			got, err := m.Map(context.Background(), "c", id)
			if tt.wantErr != "" {
				var nm *NotMappedError
				if !errors.As(err, &nm) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Username != tt.wantUser || got.Source != tt.wantSource || strings.Join(got.Groups, ",") != tt.wantGroups {
				t.Errorf("mapping = %+v", got)
			}
		})
	}
}

func TestEC2PrivateDNSName(t *testing.T) {
	cm := ParseConfigMap(seedConfigMap)
	node := mustIdentity(t, "arn:aws:sts::123456789012:assumed-role/default_node_group-eks-node-group-2024042316563038110000000e/i-0123456789abcdef0", "AROANODE:i-0123456789abcdef0", "")
	m := &Mapper{Clusters: StaticClusters{"c": {}}, ConfigMaps: StaticConfigMaps{"c": cm}}
	if _, err := m.Map(context.Background(), "c", node); err == nil || !strings.Contains(err.Error(), "no EC2 private DNS resolver") {
		t.Fatalf("no resolver: %v", err)
	}
	m.ResolvePrivateDNS = func(_ context.Context, account, instance string) (string, error) {
		return "ip-10-0-0-1.us-west-2.compute.internal", nil
	}
	got, err := m.Map(context.Background(), "c", node)
	if err != nil || got.Username != "system:node:ip-10-0-0-1.us-west-2.compute.internal" || strings.Join(got.Groups, ",") != "system:bootstrappers,system:nodes" {
		t.Fatalf("node mapping %+v %v", got, err)
	}
	notNode := mustIdentity(t, "arn:aws:sts::123456789012:assumed-role/default_node_group-eks-node-group-2024042316563038110000000e/attacker", "AROANODE:attacker", "")
	if _, err := m.Map(context.Background(), "c", notNode); err == nil || !strings.Contains(err.Error(), "not an EC2 instance ID") {
		t.Fatalf("non-instance session: %v", err)
	}
}
