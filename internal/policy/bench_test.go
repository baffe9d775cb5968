package policy

import "testing"

const irsaTrust = `{
  "Version": "2012-10-17",
  "Statement": [{
    "Sid": "IRSA",
    "Effect": "Allow",
    "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE"},
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {"StringEquals": {
      "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE:sub": "system:serviceaccount:prod:app",
      "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE:aud": "sts.amazonaws.com"
    }}
  }]
}`

func irsaInput(tb testing.TB, sub string) *Input {
	tb.Helper()
	ctx := NewContext()
	ctx.Set("oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE:sub", sub)
	ctx.Set("oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE:aud", "sts.amazonaws.com")
	trust := MustParse(irsaTrust, KindTrust)
	trust.SetID("role/app")
	return &Input{
		Request: Request{
			Principal: Principal{Type: WebIdentity, ARN: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE"},
			Action:    "sts:AssumeRoleWithWebIdentity",
			Resource:  "arn:aws:iam::123456789012:role/app",
			Context:   ctx,
		},
		ResourcePolicy:      trust,
		ResourceIsRoleTrust: true,
	}
}

const anchorIdentity = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::shared-bucket/*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`
const anchorResource = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/AppRole"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-bucket/*","Condition":{"StringEquals":{"s3:ExistingObjectTag/team":"${aws:PrincipalTag/team}"}}}]}`

// anchorInput is the cross-account S3 request of policy-evaluation.md
// ("Measured anchors"): the role itself calls s3:GetObject.
func anchorInput(tb testing.TB) *Input {
	tb.Helper()
	ctx := NewContext()
	ctx.Set("aws:SourceIp", "10.1.2.3")
	ctx.Set("aws:PrincipalTag/team", "blue")
	ctx.Set("s3:ExistingObjectTag/team", "blue")
	p := Principal{Type: Role, ARN: "arn:aws:iam::111111111111:role/AppRole", Account: "111111111111", RoleARN: "arn:aws:iam::111111111111:role/AppRole"}
	ctx.AddPrincipal(p)
	return &Input{
		Request: Request{
			Principal:       p,
			Action:          "s3:GetObject",
			Resource:        "arn:aws:s3:::shared-bucket/reports/q1.csv",
			ResourceAccount: "222222222222",
			Context:         ctx,
		},
		IdentityPolicies: []*Policy{MustParse(anchorIdentity, KindIdentity)},
		ResourcePolicy:   MustParse(anchorResource, KindResource),
	}
}

func BenchmarkIRSATrust(b *testing.B) {
	in := irsaInput(b, "system:serviceaccount:prod:app")
	if d := Evaluate(in); d != Allowed {
		b.Fatalf("decision %v", d)
	}
	b.ReportAllocs()
	for b.Loop() {
		Evaluate(in)
	}
}

func BenchmarkIRSATrustDenied(b *testing.B) {
	in := irsaInput(b, "system:serviceaccount:default:app")
	if d := Evaluate(in); d != ImplicitDeny {
		b.Fatalf("decision %v", d)
	}
	b.ReportAllocs()
	for b.Loop() {
		Evaluate(in)
	}
}

func BenchmarkCrossAccountS3(b *testing.B) {
	in := anchorInput(b)
	if d := Evaluate(in); d != Allowed {
		b.Fatalf("decision %v", d)
	}
	b.ReportAllocs()
	for b.Loop() {
		Evaluate(in)
	}
}

func BenchmarkExplainCrossAccountS3(b *testing.B) {
	in := anchorInput(b)
	b.ReportAllocs()
	for b.Loop() {
		Explain(in)
	}
}

func BenchmarkParseIRSATrust(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(irsaTrust, KindTrust, MaxTrustPolicySize); err != nil {
			b.Fatal(err)
		}
	}
}
