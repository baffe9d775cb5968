package policy

import (
	"strings"
	"testing"
)

const (
	acct1 = "111111111111"
	acct2 = "222222222222"
)

func user(acct, name string) Principal {
	return Principal{Type: User, ARN: "arn:aws:iam::" + acct + ":user/" + name, Account: acct, UserName: name}
}

func session(acct, role, sess string) Principal {
	return Principal{Type: RoleSession, ARN: "arn:aws:sts::" + acct + ":assumed-role/" + role + "/" + sess, Account: acct, RoleARN: "arn:aws:iam::" + acct + ":role/" + role}
}

func trust(stmt string) string {
	return `{"Version":"2012-10-17","Statement":[` + stmt + `]}`
}

const allowAssume = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::222222222222:role/target"}]}`
const allowAssumeSame = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::111111111111:role/target"}]}`

func TestTrustPolicies(t *testing.T) {
	oidc := "arn:aws:iam::111111111111:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE"
	irsa := trust(`{"Sid":"IRSA","Effect":"Allow","Principal":{"Federated":"` + oidc + `"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE:sub":"system:serviceaccount:prod:app","oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE:aud":"sts.amazonaws.com"}}}`)
	podID := trust(`{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}`)
	tests := []struct {
		name     string
		p        Principal
		action   string
		resource string
		trust    string
		identity string
		ctx      map[string]string
		want     Decision
		summary  string // substring of the summary
	}{
		{name: "account root same account needs identity policy", p: user(acct1, "bob"), action: "sts:AssumeRole", resource: "arn:aws:iam::111111111111:role/target",
			trust: trust(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}`), want: ImplicitDeny, summary: "trusts account 111111111111"},
		{name: "account root same account with identity policy", p: user(acct1, "bob"), action: "sts:AssumeRole", resource: "arn:aws:iam::111111111111:role/target",
			trust: trust(`{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}`), identity: allowAssumeSame, want: Allowed},
		{name: "account root cross account with identity policy", p: user(acct1, "bob"), action: "sts:AssumeRole", resource: "arn:aws:iam::222222222222:role/target",
			trust: trust(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}`), identity: allowAssume, want: Allowed},
		{name: "account root cross account without identity policy", p: user(acct1, "bob"), action: "sts:AssumeRole", resource: "arn:aws:iam::222222222222:role/target",
			trust: trust(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}`), want: ImplicitDeny},
		{name: "user ARN same account needs no identity policy", p: user(acct1, "bob"), action: "sts:AssumeRole", resource: "arn:aws:iam::111111111111:role/target",
			trust: trust(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:user/bob"},"Action":"sts:AssumeRole"}`), want: Allowed},
		{name: "user ARN cross account still needs identity policy", p: user(acct1, "bob"), action: "sts:AssumeRole", resource: "arn:aws:iam::222222222222:role/target",
			trust: trust(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:user/bob"},"Action":"sts:AssumeRole"}`), want: ImplicitDeny, summary: "no identity policy"},
		{name: "user ARN cross account with identity policy", p: user(acct1, "bob"), action: "sts:AssumeRole", resource: "arn:aws:iam::222222222222:role/target",
			trust: trust(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:user/bob"},"Action":"sts:AssumeRole"}`), identity: allowAssume, want: Allowed},
		{name: "identity policy alone is not enough for a trust policy", p: user(acct1, "bob"), action: "sts:AssumeRole", resource: "arn:aws:iam::111111111111:role/target",
			trust: trust(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:user/alice"},"Action":"sts:AssumeRole"}`), identity: allowAssumeSame, want: ImplicitDeny, summary: "has no statement matching principal"},
		{name: "role ARN matches its session", p: session(acct1, "app", "s1"), action: "sts:AssumeRole", resource: "arn:aws:iam::111111111111:role/target",
			trust: trust(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/app"},"Action":"sts:AssumeRole"}`), want: Allowed},
		{name: "session ARN matches exactly", p: session(acct1, "app", "s1"), action: "sts:AssumeRole", resource: "arn:aws:iam::111111111111:role/target",
			trust: trust(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:sts::111111111111:assumed-role/app/s2"},"Action":"sts:AssumeRole"}`), want: ImplicitDeny},
		{name: "ExternalId matches", p: user(acct2, "carol"), action: "sts:AssumeRole", resource: "arn:aws:iam::111111111111:role/target",
			trust:    trust(`{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"ext-123"}}}`),
			identity: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`,
			ctx:      map[string]string{"sts:ExternalId": "ext-123"}, want: Allowed},
		{name: "ExternalId wrong", p: user(acct2, "carol"), action: "sts:AssumeRole", resource: "arn:aws:iam::111111111111:role/target",
			trust:    trust(`{"Sid":"Vendor","Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"ext-123"}}}`),
			identity: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`,
			ctx:      map[string]string{"sts:ExternalId": "ext-999"}, want: ImplicitDeny, summary: `closest statement "Vendor" failed StringEquals on sts:ExternalId: request "ext-999" ≠ policy "ext-123"`},
		{name: "IRSA allowed", p: Principal{Type: WebIdentity, ARN: oidc, Account: acct1}, action: "sts:AssumeRoleWithWebIdentity", resource: "arn:aws:iam::111111111111:role/app", trust: irsa,
			ctx: map[string]string{"oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE:sub": "system:serviceaccount:prod:app", "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE:aud": "sts.amazonaws.com"}, want: Allowed},
		{name: "IRSA wrong service account", p: Principal{Type: WebIdentity, ARN: oidc, Account: acct1}, action: "sts:AssumeRoleWithWebIdentity", resource: "arn:aws:iam::111111111111:role/app", trust: irsa,
			ctx: map[string]string{"oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE:sub": "system:serviceaccount:default:app", "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE:aud": "sts.amazonaws.com"}, want: ImplicitDeny,
			summary: `implicit deny: trust policy of role/app has no statement matching principal ` + oidc + `; closest statement "IRSA" failed StringEquals on oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE:sub: request "system:serviceaccount:default:app" ≠ policy "system:serviceaccount:prod:app"`},
		{name: "IRSA other provider", p: Principal{Type: WebIdentity, ARN: "arn:aws:iam::111111111111:oidc-provider/other", Account: acct1}, action: "sts:AssumeRoleWithWebIdentity", resource: "arn:aws:iam::111111111111:role/app", trust: irsa,
			ctx: map[string]string{"oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE:sub": "system:serviceaccount:prod:app", "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE:aud": "sts.amazonaws.com"}, want: ImplicitDeny},
		{name: "Pod Identity AssumeRole", p: Principal{Type: Service, ARN: "pods.eks.amazonaws.com"}, action: "sts:AssumeRole", resource: "arn:aws:iam::111111111111:role/app", trust: podID, want: Allowed},
		{name: "Pod Identity TagSession", p: Principal{Type: Service, ARN: "pods.eks.amazonaws.com"}, action: "sts:TagSession", resource: "arn:aws:iam::111111111111:role/app", trust: podID, want: Allowed},
		{name: "other service", p: Principal{Type: Service, ARN: "ec2.amazonaws.com"}, action: "sts:AssumeRole", resource: "arn:aws:iam::111111111111:role/app", trust: podID, want: ImplicitDeny},
		{name: "SAML", p: Principal{Type: SAML, ARN: "arn:aws:iam::111111111111:saml-provider/okta", Account: acct1}, action: "sts:AssumeRoleWithSAML", resource: "arn:aws:iam::111111111111:role/app",
			trust: trust(`{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111111111111:saml-provider/okta"},"Action":"sts:AssumeRoleWithSAML","Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}}}`),
			ctx:   map[string]string{"saml:aud": "https://signin.aws.amazon.com/saml"}, want: Allowed},
		{name: "explicit deny in trust", p: user(acct1, "bob"), action: "sts:AssumeRole", resource: "arn:aws:iam::111111111111:role/target",
			trust: trust(`{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"},{"Sid":"NoBob","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111111111111:user/bob"},"Action":"sts:*"}`), identity: allowAssumeSame, want: ExplicitDeny, summary: `"NoBob"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := NewContext()
			for k, v := range tc.ctx {
				ctx.Set(k, v)
			}
			tp := MustParse(tc.trust, KindTrust)
			tp.SetID("role/x")
			if parts, ok := splitARN(tc.resource); ok {
				tp.SetID(parts[5])
			}
			in := &Input{Request: Request{Principal: tc.p, Action: tc.action, Resource: tc.resource, Context: ctx}, ResourcePolicy: tp, ResourceIsRoleTrust: true}
			if parts, ok := splitARN(tc.resource); ok {
				in.ResourceAccount = parts[4]
			}
			if tc.identity != "" {
				in.IdentityPolicies = []*Policy{MustParse(tc.identity, KindIdentity)}
			}
			got := Evaluate(in)
			r := Explain(in)
			if got != tc.want || r.Decision != tc.want {
				t.Fatalf("Evaluate %v, Explain %v, want %v\n%s", got, r.Decision, tc.want, r.Text())
			}
			if tc.summary != "" && !strings.Contains(r.Summary(), tc.summary) {
				t.Errorf("summary %q does not contain %q", r.Summary(), tc.summary)
			}
		})
	}
}

func TestEvaluationLogic(t *testing.T) {
	allowGet := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`
	denyGet := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:GetObject","Resource":"*"}]}`
	allowOther := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}`
	bucket := func(principal string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":` + principal + `,"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`
	}
	sess := session(acct1, "app", "s1")
	tests := []struct {
		name     string
		p        Principal
		resAcct  string
		identity []string
		resource string
		boundary string
		session  []string
		scps     [][]string
		rcps     [][]string
		want     Decision
	}{
		{name: "identity allow", p: user(acct1, "bob"), identity: []string{allowGet}, want: Allowed},
		{name: "nothing allows", p: user(acct1, "bob"), want: ImplicitDeny},
		{name: "identity deny wins", p: user(acct1, "bob"), identity: []string{allowGet, denyGet}, want: ExplicitDeny},
		{name: "boundary limits identity", p: user(acct1, "bob"), identity: []string{allowGet}, boundary: allowOther, want: ImplicitDeny},
		{name: "boundary allows", p: user(acct1, "bob"), identity: []string{allowGet}, boundary: allowGet, want: Allowed},
		{name: "boundary alone grants nothing", p: user(acct1, "bob"), boundary: allowGet, want: ImplicitDeny},
		{name: "resource policy names user: no identity needed", p: user(acct1, "bob"), resource: bucket(`{"AWS":"arn:aws:iam::111111111111:user/bob"}`), want: Allowed},
		{name: "resource policy names user: boundary does not limit", p: user(acct1, "bob"), resource: bucket(`{"AWS":"arn:aws:iam::111111111111:user/bob"}`), boundary: allowOther, want: Allowed},
		{name: "resource policy names account: identity needed", p: user(acct1, "bob"), resource: bucket(`{"AWS":"111111111111"}`), want: ImplicitDeny},
		{name: "resource policy names account with identity", p: user(acct1, "bob"), resource: bucket(`{"AWS":"111111111111"}`), identity: []string{allowGet}, want: Allowed},
		{name: "resource policy names role: session allowed", p: sess, resource: bucket(`{"AWS":"arn:aws:iam::111111111111:role/app"}`), want: Allowed},
		{name: "resource policy names role: boundary limits", p: sess, resource: bucket(`{"AWS":"arn:aws:iam::111111111111:role/app"}`), boundary: allowOther, want: ImplicitDeny},
		{name: "resource policy names role: session policy limits", p: sess, resource: bucket(`{"AWS":"arn:aws:iam::111111111111:role/app"}`), session: []string{allowOther}, want: ImplicitDeny},
		{name: "resource policy names session: boundary does not limit", p: sess, resource: bucket(`{"AWS":"arn:aws:sts::111111111111:assumed-role/app/s1"}`), boundary: allowOther, want: Allowed},
		{name: "resource policy names session: session policy does not limit", p: sess, resource: bucket(`{"AWS":"arn:aws:sts::111111111111:assumed-role/app/s1"}`), session: []string{allowOther}, want: Allowed},
		{name: "session policy limits identity", p: sess, identity: []string{allowGet}, session: []string{allowOther}, want: ImplicitDeny},
		{name: "session policies together allow", p: sess, identity: []string{allowGet}, session: []string{allowOther, allowGet}, want: Allowed},
		{name: "session policy deny", p: sess, resource: bucket(`{"AWS":"arn:aws:sts::111111111111:assumed-role/app/s1"}`), session: []string{denyGet}, want: ExplicitDeny},
		{name: "cross account needs both", p: user(acct1, "bob"), resAcct: acct2, identity: []string{allowGet}, want: ImplicitDeny},
		{name: "cross account resource only", p: user(acct1, "bob"), resAcct: acct2, resource: bucket(`{"AWS":"arn:aws:iam::111111111111:user/bob"}`), want: ImplicitDeny},
		{name: "cross account both", p: user(acct1, "bob"), resAcct: acct2, resource: bucket(`{"AWS":"111111111111"}`), identity: []string{allowGet}, want: Allowed},
		{name: "cross account boundary limits", p: user(acct1, "bob"), resAcct: acct2, resource: bucket(`{"AWS":"111111111111"}`), identity: []string{allowGet}, boundary: allowOther, want: ImplicitDeny},
		{name: "anonymous public bucket", p: Principal{Type: Anonymous}, resAcct: acct1, resource: bucket(`"*"`), want: Allowed},
		{name: "anonymous not named", p: Principal{Type: Anonymous}, resAcct: acct1, resource: bucket(`{"AWS":"111111111111"}`), want: ImplicitDeny},
		{name: "root has full identity permissions", p: Principal{Type: Root, ARN: "arn:aws:iam::111111111111:root", Account: acct1}, want: Allowed},
		{name: "SCP allows", p: user(acct1, "bob"), identity: []string{allowGet}, scps: [][]string{{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`}}, want: Allowed},
		{name: "SCP level without allow", p: user(acct1, "bob"), identity: []string{allowGet}, scps: [][]string{{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`}, {allowOther}}, want: ImplicitDeny},
		{name: "SCP empty level", p: user(acct1, "bob"), identity: []string{allowGet}, scps: [][]string{{}}, want: ImplicitDeny},
		{name: "SCP deny", p: user(acct1, "bob"), identity: []string{allowGet}, scps: [][]string{{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}`}}, want: ExplicitDeny},
		{name: "SCP does not limit resource-policy grants to others' principals", p: Principal{Type: Anonymous}, resAcct: acct1, resource: bucket(`"*"`), scps: [][]string{{}}, want: Allowed},
		{name: "RCP deny", p: user(acct1, "bob"), identity: []string{allowGet}, rcps: [][]string{{`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"BoolIfExists":{"aws:SecureTransport":"false"}}}]}`}}, want: ExplicitDeny},
		{name: "RCP levels without allow still allow", p: user(acct1, "bob"), identity: []string{allowGet}, rcps: [][]string{{}, {}}, want: Allowed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := &Input{Request: Request{Principal: tc.p, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", ResourceAccount: tc.resAcct, Context: NewContext()}}
			for _, d := range tc.identity {
				in.IdentityPolicies = append(in.IdentityPolicies, MustParse(d, KindIdentity))
			}
			if tc.resource != "" {
				in.ResourcePolicy = MustParse(tc.resource, KindResource)
			}
			if tc.boundary != "" {
				in.PermissionsBoundary = MustParse(tc.boundary, KindIdentity)
			}
			for _, d := range tc.session {
				in.SessionPolicies = append(in.SessionPolicies, MustParse(d, KindIdentity))
			}
			for _, lvl := range tc.scps {
				ps := []*Policy{}
				for _, d := range lvl {
					ps = append(ps, MustParse(d, KindSCP))
				}
				in.SCPs = append(in.SCPs, ps)
			}
			for _, lvl := range tc.rcps {
				ps := []*Policy{}
				for _, d := range lvl {
					ps = append(ps, MustParse(d, KindRCP))
				}
				in.RCPs = append(in.RCPs, ps)
			}
			got := Evaluate(in)
			r := Explain(in)
			if got != tc.want || r.Decision != tc.want {
				t.Fatalf("Evaluate %v, Explain %v, want %v\n%s", got, r.Decision, tc.want, r.Text())
			}
		})
	}
}

func TestActionAndResourceMatching(t *testing.T) {
	tests := []struct {
		action, resource  string // policy patterns
		reqAction, reqRes string
		want              bool
	}{
		{"s3:Get*", "*", "S3:GETOBJECT", "arn:aws:s3:::b/k", true},
		{"s3:?etObject", "*", "s3:GetObject", "arn:aws:s3:::b/k", true},
		{"s3:*", "*", "sqs:SendMessage", "arn:aws:s3:::b/k", false},
		{"*", "arn:aws:s3:::b/*", "s3:GetObject", "arn:aws:s3:::b/a/b/c:d", true},
		{"*", "arn:aws:s3:::B/*", "s3:GetObject", "arn:aws:s3:::b/k", false},
		{"*", "arn:aws:s3:::b/k?", "s3:GetObject", "arn:aws:s3:::b/k1", true},
		{"*", "arn:aws:sqs:*:111111111111:q", "sqs:SendMessage", "arn:aws:sqs:us-east-1:111111111111:q", true},
		{"*", "arn:aws:iam::*:role/*", "iam:GetRole", "arn:aws:iam::111111111111:role/path/app", true},
		{"*", "arn:aws:s3:::*", "ec2:DescribeInstances", "*", false},
		{"*", "*", "ec2:DescribeInstances", "*", true},
	}
	for _, tc := range tests {
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"` + tc.action + `","Resource":"` + tc.resource + `"}]}`
		in := &Input{Request: Request{Principal: user(acct1, "bob"), Action: tc.reqAction, Resource: tc.reqRes}, IdentityPolicies: []*Policy{MustParse(doc, KindIdentity)}}
		if got := Evaluate(in) == Allowed; got != tc.want {
			t.Errorf("%s %s vs %s %s: got %v want %v", tc.action, tc.resource, tc.reqAction, tc.reqRes, got, tc.want)
		}
	}
}
