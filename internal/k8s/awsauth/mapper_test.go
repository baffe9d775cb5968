package awsauth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/trustbridge/trustbridge/internal/k8s/accesspolicy"
	"github.com/trustbridge/trustbridge/internal/world"
)

func TestParsePrincipal(t *testing.T) {
	tests := []struct {
		arn, kind, path, name, session, canon, err string
	}{
		{arn: "arn:aws:iam::123456789012:user/UserOne", kind: "user", path: "/", name: "UserOne", canon: "arn:aws:iam::123456789012:user/UserOne"},
		{arn: "arn:aws:iam::123456789012:user/a/b/Bob", kind: "user", path: "/a/b/", name: "Bob", canon: "arn:aws:iam::123456789012:user/a/b/Bob"},
		{arn: "arn:aws:iam::123456789012:role/team/app", kind: "role", path: "/team/", name: "app", canon: "arn:aws:iam::123456789012:role/team/app"},
		{arn: "arn:aws:iam::123456789012:root", kind: "root", canon: "arn:aws:iam::123456789012:root"},
		{arn: "arn:aws:sts::123456789012:assumed-role/app/s@x", kind: "assumed-role", name: "app", session: "s@x", canon: "arn:aws:iam::123456789012:role/app"},
		{arn: "arn:aws-cn:sts::123456789012:assumed-role/r/s", kind: "assumed-role", name: "r", session: "s", canon: "arn:aws-cn:iam::123456789012:role/r"},
		{arn: "arn:aws:sts::123456789012:federated-user/bob", kind: "federated-user", name: "bob", canon: "arn:aws:sts::123456789012:federated-user/bob"},
		{arn: "arn:aws:iam::123456789012:group/g", err: "not an IAM"},
		{arn: "arn:aws:iam:us-east-1:123456789012:user/u", err: "not an IAM"},
		{arn: "arn:aws:iam::12345678901:user/u", err: "12 digits"},
		{arn: "arn:aws:iam::123456789012:user/", err: "malformed"},
		{arn: "arn:aws:iam::123456789012:role/a//b", err: "malformed"},
		{arn: "arn:aws:sts::123456789012:assumed-role/r", err: "assumed-role/ROLE/SESSION"},
		{arn: "arn:aws:sts::123456789012:assumed-role/r/s/t", err: "assumed-role/ROLE/SESSION"},
		{arn: "arn:aws:s3:::bucket", err: "invalid ARN"},
		{arn: "UserOne", err: "invalid ARN"},
	}
	for _, tt := range tests {
		p, err := ParsePrincipal(tt.arn)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: err = %v, want %q", tt.arn, err, tt.err)
			}
			continue
		}
		if err != nil || p.Kind != tt.kind || p.Path != tt.path || p.Name != tt.name || p.Session != tt.session {
			t.Errorf("%s: %+v %v", tt.arn, p, err)
			continue
		}
		if p.String() != tt.arn {
			t.Errorf("%s: String() = %s", tt.arn, p.String())
		}
		if c, _ := Canonicalize(tt.arn); c != tt.canon {
			t.Errorf("%s: canonical %s", tt.arn, c)
		}
	}
}

func TestNewIdentity(t *testing.T) {
	if _, err := NewIdentity("123456789012", "arn:aws:iam::210987654321:user/u", "AIDA", "", ""); err == nil {
		t.Error("account mismatch accepted")
	}
	if _, err := NewIdentity("123456789012", "arn:aws:sts::123456789012:assumed-role/app/s", "AROA:s", "", "arn:aws:iam::123456789012:role/other"); err == nil {
		t.Error("principal of another role accepted")
	}
	if _, err := NewIdentity("123456789012", "arn:aws:iam::123456789012:user/u", "a:b:c", "", ""); err == nil {
		t.Error("malformed user ID accepted")
	}
	id, err := NewIdentity("123456789012", "arn:aws:sts::123456789012:assumed-role/app/s", "AROAX:s", "AKIAX", "arn:aws:iam::123456789012:role/team/app")
	if err != nil {
		t.Fatal(err)
	}
	back, err := IdentityFromExtra(id.Extra())
	if err != nil || back.ARN != id.ARN || back.UserID != "AROAX" || back.SessionName != "s" || back.PrincipalARN != id.PrincipalARN || back.AccessKeyID != "AKIAX" || back.UID() != "aws-iam-authenticator:123456789012:AROAX" {
		t.Errorf("round trip: %+v %v", back, err)
	}
	x := id.Extra()
	x[ExtraCanonicalARN] = []string{"arn:aws:iam::123456789012:role/other"}
	if _, err := IdentityFromExtra(x); err == nil {
		t.Error("inconsistent canonicalArn accepted")
	}
	x = id.Extra()
	x[ExtraARN] = []string{id.ARN, id.ARN}
	if _, err := IdentityFromExtra(x); err == nil {
		t.Error("two arn values accepted")
	}
}

func demoCluster(t *testing.T) world.Cluster {
	f, err := world.Parse("demo", world.Demo(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return f.Clusters[0]
}

// TestModes: an identity mapped both by an access entry and by aws-auth,
// under each authenticationMode.
func TestModes(t *testing.T) {
	c := demoCluster(t)
	c.AccessEntries = append(c.AccessEntries, world.AccessEntry{PrincipalARN: "arn:aws:iam::123456789012:user/UserTwo", Username: "user-two-from-api", KubernetesGroups: []string{"api-group"}})
	userTwo := mustIdentity(t, "arn:aws:iam::123456789012:user/UserTwo", "AIDATWO", "")
	userThree := mustIdentity(t, "arn:aws:iam::123456789012:user/UserThree", "AIDATHREE", "")
	tests := []struct {
		mode                string
		twoUser, twoSource  string
		threeUser, threeSrc string
	}{
		{"CONFIG_MAP", "UserTwo", SourceMapUsers, "", ""},
		{"API_AND_CONFIG_MAP", "user-two-from-api", SourceAccessEntry, "UserThree", SourceAccessEntry},
		{"", "user-two-from-api", SourceAccessEntry, "UserThree", SourceAccessEntry},
		{"API", "user-two-from-api", SourceAccessEntry, "UserThree", SourceAccessEntry},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			c.AuthenticationMode = tt.mode
			ca, cm, err := FromWorld(c)
			if err != nil {
				t.Fatal(err)
			}
			m := &Mapper{Clusters: StaticClusters{c.Name: ca}, ConfigMaps: StaticConfigMaps{c.Name: cm}}
			got, err := m.Map(context.Background(), c.Name, userTwo)
			if err != nil || got.Username != tt.twoUser || got.Source != tt.twoSource {
				t.Errorf("UserTwo: %+v %v", got, err)
			}
			got, err = m.Map(context.Background(), c.Name, userThree)
			if tt.threeUser == "" {
				if err == nil || !strings.Contains(err.Error(), "authenticationMode CONFIG_MAP") || strings.Contains(err.Error(), "access entries") {
					t.Errorf("UserThree in CONFIG_MAP: %+v %v", got, err)
				}
			} else if err != nil || got.Username != tt.threeUser || got.Source != tt.threeSrc || len(got.Policies) != 1 {
				t.Errorf("UserThree: %+v %v", got, err)
			}
			userOne := mustIdentity(t, "arn:aws:iam::123456789012:user/UserOne", "AIDAONE", "")
			_, err = m.Map(context.Background(), c.Name, userOne)
			if (tt.mode == "API") != (err != nil) {
				t.Errorf("UserOne (aws-auth only) in %s: %v", tt.mode, err)
			}
		})
	}
	if _, _, err := FromWorld(world.Cluster{Name: "x", AuthenticationMode: "BOTH"}); err == nil {
		t.Error("unknown mode accepted")
	}
}

func TestAccessEntryDefaults(t *testing.T) {
	ae := NewAccessEntries([]AccessEntry{
		{PrincipalARN: "arn:aws:iam::123456789012:role/team/dev"},
		{PrincipalARN: "arn:aws:iam::123456789012:user/ops/carol"},
		{PrincipalARN: "arn:aws:iam::123456789012:role/fargate", Type: TypeFargateLinux, Username: "ignored"},
		{PrincipalARN: "arn:aws:iam::123456789012:role/nodes", Type: TypeEC2Linux},
		{PrincipalARN: "arn:aws:iam::123456789012:user/bad", Type: TypeEC2Linux},
		{PrincipalARN: "arn:aws:iam::123456789012:role/x", Type: "BOGUS"},
		{PrincipalARN: "arn:aws:sts::123456789012:assumed-role/x/s"},
		{PrincipalARN: "arn:aws:iam::123456789012:role/y", Policies: []accesspolicy.Association{{PolicyARN: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", Scope: accesspolicy.Scope{Type: "namespace"}}}},
		{PrincipalARN: "arn:aws:iam::123456789012:role/z", Username: "{{Nope}}"},
	})
	wantProblems := []string{"accessEntries[2]: username and kubernetesGroups are fixed", "accessEntries[4].principalArn: node access entries need an IAM role", "accessEntries[5].type", "accessEntries[6].principalArn", "accessEntries[7].accessPolicies[0]: namespace scope needs", "accessEntries[8].username"}
	var got []string
	for _, p := range ae.Problems {
		got = append(got, p.String())
	}
	for _, w := range wantProblems {
		if !strings.Contains(strings.Join(got, "\n"), w) {
			t.Errorf("problems %q lack %q", got, w)
		}
	}
	m := &Mapper{Clusters: StaticClusters{"c": {Mode: ModeAPI, AccessEntries: ae}}, ResolvePrivateDNS: func(context.Context, string, string) (string, error) { return "ip-1", nil }}
	for _, tt := range []struct{ arn, userID, principal, user, groups string }{
		{"arn:aws:sts::123456789012:assumed-role/dev/me", "AROADEV:me", "arn:aws:iam::123456789012:role/team/dev", "arn:aws:sts::123456789012:assumed-role/dev/me", ""},
		{"arn:aws:iam::123456789012:user/ops/carol", "AIDACAROL", "", "arn:aws:iam::123456789012:user/ops/carol", ""},
		{"arn:aws:sts::123456789012:assumed-role/fargate/fargate-ip-1", "AROAF:fargate-ip-1", "", "system:node:fargate-ip-1", "system:nodes,system:node-proxier"},
		{"arn:aws:sts::123456789012:assumed-role/nodes/i-0123456789abcdef0", "AROAN:i-0123456789abcdef0", "", "system:node:ip-1", "system:nodes"},
	} {
		got, err := m.Map(context.Background(), "c", mustIdentity(t, tt.arn, tt.userID, tt.principal))
		if err != nil || got.Username != tt.user || strings.Join(got.Groups, ",") != tt.groups {
			t.Errorf("%s: %+v %v", tt.arn, got, err)
		}
	}
	if _, err := m.Map(context.Background(), "nope", mustIdentity(t, "arn:aws:iam::123456789012:user/ops/carol", "AIDAC", "")); !errors.Is(err, ErrUnknownCluster) {
		t.Errorf("unknown cluster: %v", err)
	}
}

func TestWatcher(t *testing.T) {
	client := fake.NewClientset()
	w := NewWatcher(client, 0)
	changes := make(chan *ConfigMap, 10)
	w.OnChange = func(cm *ConfigMap) { changes <- cm }
	if _, err := w.AWSAuth(context.Background(), "c"); !errors.Is(err, ErrNotSynced) {
		t.Fatalf("before sync: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go w.Run(ctx)
	sctx, scancel := context.WithTimeout(ctx, 30*time.Second)
	defer scancel()
	if !w.WaitForSync(sctx) {
		t.Fatal("no sync")
	}
	if cm, err := w.AWSAuth(ctx, "c"); cm != nil || err != nil {
		t.Fatalf("no ConfigMap yet: %v %v", cm, err)
	}
	m := &Mapper{Clusters: StaticClusters{"c": {Mode: ModeConfigMap}}, ConfigMaps: ConfigMaps{"c": w}}
	userOne := mustIdentity(t, "arn:aws:iam::123456789012:user/UserOne", "AIDAONE", "")

	obj := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: ConfigMapName, Namespace: ConfigMapNamespace}, Data: seedConfigMap}
	if _, err := client.CoreV1().ConfigMaps(ConfigMapNamespace).Create(ctx, obj, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	other := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "other", Namespace: ConfigMapNamespace}, Data: map[string]string{"mapUsers": "[]"}}
	if _, err := client.CoreV1().ConfigMaps(ConfigMapNamespace).Create(ctx, other, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for {
			if ok() {
				return
			}
			select {
			case <-changes:
			case <-sctx.Done():
				t.Fatalf("timed out waiting for %s", what)
			}
		}
	}
	waitFor("create", func() bool { got, err := m.Map(ctx, "c", userOne); return err == nil && got.Username == "UserOne" })

	obj.Data = map[string]string{"mapUsers": "- userarn: arn:aws:iam::123456789012:user/UserOne\n  username: renamed\n"}
	if _, err := client.CoreV1().ConfigMaps(ConfigMapNamespace).Update(ctx, obj, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor("update", func() bool { got, err := m.Map(ctx, "c", userOne); return err == nil && got.Username == "renamed" })

	if err := client.CoreV1().ConfigMaps(ConfigMapNamespace).Delete(ctx, ConfigMapName, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor("delete", func() bool {
		_, err := m.Map(ctx, "c", userOne)
		return err != nil && strings.Contains(err.Error(), "aws-auth ConfigMap (absent)")
	})
}
