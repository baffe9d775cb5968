package policy

import (
	"fmt"
	"testing"
)

// condCase evaluates one Condition block against a context.
type condCase struct {
	name string
	cond string // the Condition element's JSON
	ctx  map[string]any
	want bool
}

func runCond(t *testing.T, version string, tc condCase) {
	t.Helper()
	doc := fmt.Sprintf(`{"Version":%q,"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":%s}]}`, version, tc.cond)
	if version == "" {
		doc = fmt.Sprintf(`{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":%s}]}`, tc.cond)
	}
	p, err := Parse(doc, KindIdentity, 0)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	ctx := NewContext()
	for k, v := range tc.ctx {
		switch v := v.(type) {
		case string:
			ctx.Set(k, v)
		case []string:
			ctx.SetMulti(k, v)
		}
	}
	in := &Input{Request: Request{Principal: Principal{Type: User, ARN: "arn:aws:iam::111111111111:user/alice", Account: "111111111111"}, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: ctx}, IdentityPolicies: []*Policy{p}}
	got := Evaluate(in) == Allowed
	if got != tc.want {
		t.Errorf("%s: got %v, want %v\n%s", tc.name, got, tc.want, Explain(in).Text())
	}
	if ex := Explain(in); (ex.Decision == Allowed) != got {
		t.Errorf("%s: Explain and Evaluate disagree", tc.name)
	}
}

func TestConditionOperators(t *testing.T) {
	ip := map[string]any{"aws:SourceIp": "10.1.2.3"}
	ip6 := map[string]any{"aws:SourceIp": "2001:db8::5"}
	tag := map[string]any{"aws:PrincipalTag/team": "Blue"}
	tests := []condCase{
		// String family.
		{"StringEquals match", `{"StringEquals":{"aws:PrincipalTag/team":"Blue"}}`, tag, true},
		{"StringEquals case-sensitive", `{"StringEquals":{"aws:PrincipalTag/team":"blue"}}`, tag, false},
		{"StringEquals any of values", `{"StringEquals":{"aws:PrincipalTag/team":["red","Blue"]}}`, tag, true},
		{"StringEquals key case-insensitive", `{"StringEquals":{"AWS:PRINCIPALTAG/TEAM":"Blue"}}`, tag, true},
		{"StringEquals missing key", `{"StringEquals":{"aws:PrincipalTag/x":"Blue"}}`, tag, false},
		{"StringNotEquals", `{"StringNotEquals":{"aws:PrincipalTag/team":"red"}}`, tag, true},
		{"StringNotEquals none of values", `{"StringNotEquals":{"aws:PrincipalTag/team":["red","Blue"]}}`, tag, false},
		{"StringNotEquals missing key is true", `{"StringNotEquals":{"aws:PrincipalTag/x":"red"}}`, tag, true},
		{"StringEqualsIgnoreCase", `{"StringEqualsIgnoreCase":{"aws:PrincipalTag/team":"BLUE"}}`, tag, true},
		{"StringNotEqualsIgnoreCase", `{"StringNotEqualsIgnoreCase":{"aws:PrincipalTag/team":"bLuE"}}`, tag, false},
		{"StringLike star", `{"StringLike":{"aws:PrincipalTag/team":"B*"}}`, tag, true},
		{"StringLike question", `{"StringLike":{"aws:PrincipalTag/team":"Bl?e"}}`, tag, true},
		{"StringLike case-sensitive", `{"StringLike":{"aws:PrincipalTag/team":"b*"}}`, tag, false},
		{"StringNotLike", `{"StringNotLike":{"aws:PrincipalTag/team":"r*"}}`, tag, true},
		{"IfExists present", `{"StringEqualsIfExists":{"aws:PrincipalTag/team":"red"}}`, tag, false},
		{"IfExists absent", `{"StringEqualsIfExists":{"aws:PrincipalTag/x":"red"}}`, tag, true},
		// Numeric.
		{"NumericLessThan", `{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}`, map[string]any{"aws:MultiFactorAuthAge": "100"}, true},
		{"NumericLessThan false", `{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}`, map[string]any{"aws:MultiFactorAuthAge": "7200"}, false},
		{"NumericEquals decimal", `{"NumericEquals":{"s3:max-keys":"10.0"}}`, map[string]any{"s3:max-keys": "10"}, true},
		{"NumericNotEquals", `{"NumericNotEquals":{"s3:max-keys":["1","2"]}}`, map[string]any{"s3:max-keys": "3"}, true},
		{"NumericGreaterThanEquals", `{"NumericGreaterThanEquals":{"s3:max-keys":10}}`, map[string]any{"s3:max-keys": "10"}, true},
		{"NumericGreaterThan", `{"NumericGreaterThan":{"s3:max-keys":10}}`, map[string]any{"s3:max-keys": "10"}, false},
		{"NumericLessThanEquals", `{"NumericLessThanEquals":{"s3:max-keys":10}}`, map[string]any{"s3:max-keys": "10"}, true},
		{"Numeric unparsable request", `{"NumericEquals":{"s3:max-keys":"1"}}`, map[string]any{"s3:max-keys": "one"}, false},
		// Date.
		{"DateLessThan ISO", `{"DateLessThan":{"aws:CurrentTime":"2025-01-01T00:00:00Z"}}`, map[string]any{"aws:CurrentTime": "2024-06-01T12:00:00Z"}, true},
		{"DateGreaterThan epoch policy", `{"DateGreaterThan":{"aws:CurrentTime":"1704067200"}}`, map[string]any{"aws:CurrentTime": "2024-06-01T12:00:00Z"}, true},
		{"DateEquals epoch vs ISO", `{"DateEquals":{"aws:EpochTime":"2024-01-01T00:00:00Z"}}`, map[string]any{"aws:EpochTime": "1704067200"}, true},
		{"DateNotEquals", `{"DateNotEquals":{"aws:CurrentTime":"2024-01-01"}}`, map[string]any{"aws:CurrentTime": "2024-01-01T00:00:00Z"}, false},
		{"DateLessThanEquals", `{"DateLessThanEquals":{"aws:CurrentTime":"2024-01-01T00:00:00+00:00"}}`, map[string]any{"aws:CurrentTime": "2024-01-01T00:00:00Z"}, true},
		{"DateGreaterThanEquals offset", `{"DateGreaterThanEquals":{"aws:CurrentTime":"2024-01-01T02:00:00+02:00"}}`, map[string]any{"aws:CurrentTime": "2024-01-01T00:00:00Z"}, true},
		// Bool, binary.
		{"Bool true", `{"Bool":{"aws:SecureTransport":"true"}}`, map[string]any{"aws:SecureTransport": "true"}, true},
		{"Bool JSON boolean", `{"Bool":{"aws:SecureTransport":false}}`, map[string]any{"aws:SecureTransport": "true"}, false},
		{"Bool missing", `{"Bool":{"aws:SecureTransport":"false"}}`, nil, false},
		{"BoolIfExists missing", `{"BoolIfExists":{"aws:SecureTransport":"false"}}`, nil, true},
		{"BinaryEquals", `{"BinaryEquals":{"aws:x":"QmluYXJ5"}}`, map[string]any{"aws:x": "QmluYXJ5"}, true},
		// IP.
		{"IpAddress v4 CIDR", `{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ip, true},
		{"IpAddress single address", `{"IpAddress":{"aws:SourceIp":"10.1.2.3"}}`, ip, true},
		{"IpAddress /0", `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`, ip, true},
		{"IpAddress v6", `{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}`, ip6, true},
		{"IpAddress mixed list", `{"IpAddress":{"aws:SourceIp":["192.168.0.0/16","2001:db8::/32"]}}`, ip6, true},
		{"IpAddress v6 not in v4", `{"IpAddress":{"aws:SourceIp":"10.1.2.3"}}`, ip6, false},
		{"NotIpAddress", `{"NotIpAddress":{"aws:SourceIp":"192.168.0.0/16"}}`, ip, true},
		{"NotIpAddress inside", `{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ip, false},
		{"IpAddress v4-mapped request", `{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, map[string]any{"aws:SourceIp": "::ffff:10.1.2.3"}, true},
		// ARN.
		{"ArnLike", `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:111111111111:topic*"}}`, map[string]any{"aws:SourceArn": "arn:aws:sns:us-east-1:111111111111:topic1"}, true},
		{"ArnEquals wildcard", `{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:*:topic1"}}`, map[string]any{"aws:SourceArn": "arn:aws:sns:us-east-1:111111111111:topic1"}, true},
		{"ArnLike parts do not span colons", `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:topic1"}}`, map[string]any{"aws:SourceArn": "arn:aws:sns:us-east-1:111111111111:topic1"}, false},
		{"ArnNotLike", `{"ArnNotLike":{"aws:SourceArn":"arn:aws:s3:::*"}}`, map[string]any{"aws:SourceArn": "arn:aws:sns:us-east-1:111111111111:topic1"}, true},
		{"ArnNotEquals", `{"ArnNotEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:111111111111:topic1"}}`, map[string]any{"aws:SourceArn": "arn:aws:sns:us-east-1:111111111111:topic1"}, false},
		{"ArnLike non-ARN request", `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:*:*"}}`, map[string]any{"aws:SourceArn": "topic1"}, false},
		// Null.
		{"Null true absent", `{"Null":{"aws:TokenIssueTime":"true"}}`, nil, true},
		{"Null true present", `{"Null":{"aws:TokenIssueTime":"true"}}`, map[string]any{"aws:TokenIssueTime": "x"}, false},
		{"Null false present", `{"Null":{"aws:TokenIssueTime":"false"}}`, map[string]any{"aws:TokenIssueTime": "x"}, true},
		// Set operators and multivalued keys.
		{"ForAllValues subset", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b","c"]}}`, map[string]any{"aws:TagKeys": []string{"a", "b"}}, true},
		{"ForAllValues not subset", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a"]}}`, map[string]any{"aws:TagKeys": []string{"a", "b"}}, false},
		{"ForAllValues empty set", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a"]}}`, map[string]any{"aws:TagKeys": []string{}}, true},
		{"ForAllValues missing key", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a"]}}`, nil, true},
		{"ForAnyValue overlap", `{"ForAnyValue:StringLike":{"aws:TagKeys":"b*"}}`, map[string]any{"aws:TagKeys": []string{"a", "bc"}}, true},
		{"ForAnyValue empty set", `{"ForAnyValue:StringEquals":{"aws:TagKeys":"a"}}`, map[string]any{"aws:TagKeys": []string{}}, false},
		{"ForAnyValue missing key", `{"ForAnyValue:StringEquals":{"aws:TagKeys":"a"}}`, nil, false},
		{"ForAnyValue IfExists missing key", `{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":"a"}}`, nil, true},
		{"ForAllValues negated", `{"ForAllValues:StringNotEquals":{"aws:TagKeys":["x"]}}`, map[string]any{"aws:TagKeys": []string{"a", "b"}}, true},
		{"ForAnyValue single-valued key", `{"ForAnyValue:StringEquals":{"aws:PrincipalTag/team":"Blue"}}`, tag, true},
		{"multivalued key without set operator", `{"StringEquals":{"aws:TagKeys":"a"}}`, map[string]any{"aws:TagKeys": []string{"a"}}, false},
		// Logic: keys AND, operators AND.
		{"two keys both", `{"StringEquals":{"aws:PrincipalTag/team":"Blue","aws:SourceIp":"10.1.2.3"}}`, map[string]any{"aws:PrincipalTag/team": "Blue", "aws:SourceIp": "10.1.2.3"}, true},
		{"two operators one fails", `{"StringEquals":{"aws:PrincipalTag/team":"Blue"},"IpAddress":{"aws:SourceIp":"192.168.0.0/16"}}`, map[string]any{"aws:PrincipalTag/team": "Blue", "aws:SourceIp": "10.1.2.3"}, false},
		// Keys with '/' and ':' (OIDC).
		{"OIDC sub", `{"StringEquals":{"oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE:sub":"system:serviceaccount:prod:app"}}`, map[string]any{"oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE:sub": "system:serviceaccount:prod:app"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runCond(t, "2012-10-17", tc) })
	}
}

func TestPolicyVariables(t *testing.T) {
	u := map[string]any{"aws:username": "alice", "aws:PrincipalTag/team": "blue", "s3:ExistingObjectTag/team": "blue"}
	tests := []struct {
		version string
		condCase
	}{
		{"2012-10-17", condCase{"variable substituted", `{"StringEquals":{"s3:ExistingObjectTag/team":"${aws:PrincipalTag/team}"}}`, u, true}},
		{"2012-10-17", condCase{"variable key case-insensitive", `{"StringEquals":{"s3:ExistingObjectTag/team":"${AWS:PRINCIPALTAG/TEAM}"}}`, u, true}},
		{"2012-10-17", condCase{"missing variable positive", `{"StringEquals":{"s3:ExistingObjectTag/team":"${aws:PrincipalTag/x}"}}`, u, false}},
		{"2012-10-17", condCase{"missing variable negated", `{"StringNotEquals":{"s3:ExistingObjectTag/team":"${aws:PrincipalTag/x}"}}`, u, true}},
		{"2012-10-17", condCase{"default value", `{"StringEquals":{"s3:ExistingObjectTag/team":"${aws:PrincipalTag/x, 'blue'}"}}`, u, true}},
		{"2012-10-17", condCase{"substituted text is literal", `{"StringLike":{"aws:username":"${aws:PrincipalTag/pat}"}}`, map[string]any{"aws:username": "alice", "aws:PrincipalTag/pat": "a*"}, false}},
		{"2012-10-17", condCase{"special ${*}", `{"StringEquals":{"aws:PrincipalTag/p":"a${*}b"}}`, map[string]any{"aws:PrincipalTag/p": "a*b"}, true}},
		{"2012-10-17", condCase{"special ${?} ${$}", `{"StringEquals":{"aws:PrincipalTag/p":"${?}${$}"}}`, map[string]any{"aws:PrincipalTag/p": "?$"}, true}},
		{"2012-10-17", condCase{"multivalued key is no variable", `{"StringEquals":{"aws:username":"${aws:TagKeys}"}}`, map[string]any{"aws:username": "a", "aws:TagKeys": []string{"a"}}, false}},
		{"2008-10-17", condCase{"2008 no substitution", `{"StringEquals":{"s3:ExistingObjectTag/team":"${aws:PrincipalTag/team}"}}`, u, false}},
		{"2008-10-17", condCase{"2008 literal text", `{"StringEquals":{"aws:PrincipalTag/p":"${aws:username}"}}`, map[string]any{"aws:PrincipalTag/p": "${aws:username}"}, true}},
		{"", condCase{"no Version literal text", `{"StringEquals":{"aws:PrincipalTag/p":"${aws:username}"}}`, map[string]any{"aws:PrincipalTag/p": "${aws:username}"}, true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runCond(t, tc.version, tc.condCase) })
	}
}
