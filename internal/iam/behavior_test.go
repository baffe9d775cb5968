package iam

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/trustbridge/trustbridge/internal/store"
)

func TestPagination(t *testing.T) {
	e := newEnv(t)
	for i := 0; i < 7; i++ {
		e.root("CreateRole", "RoleName", fmt.Sprintf("r%d", i), "AssumeRolePolicyDocument", trustDoc)
	}
	e.root("CreateRole", "RoleName", "other", "Path", "/x/", "AssumeRolePolicyDocument", trustDoc)
	var names []string
	marker := ""
	pages := 0
	for {
		params := []string{"MaxItems", "3", "PathPrefix", "/"}
		if marker != "" {
			params = append(params, "Marker", marker)
		}
		out := e.root("ListRoles", params...).(*ListRolesResult)
		pages++
		for _, r := range out.Roles {
			names = append(names, r.RoleName)
		}
		if out.IsTruncated != (out.Marker != "") {
			t.Fatalf("IsTruncated %v with marker %q", out.IsTruncated, out.Marker)
		}
		if !out.IsTruncated {
			break
		}
		marker = out.Marker
	}
	if pages != 3 || strings.Join(names, ",") != "other,r0,r1,r2,r3,r4,r5,r6" {
		t.Fatalf("%d pages: %v", pages, names)
	}
	x := e.root("ListRoles", "PathPrefix", "/x/").(*ListRolesResult)
	if len(x.Roles) != 1 || x.Roles[0].RoleName != "other" {
		t.Fatalf("path prefix: %+v", x.Roles)
	}

	// In-memory pages (tags) follow the same contract.
	params := []string{"RoleName", "r0"}
	for i := 1; i <= 5; i++ {
		params = append(params, fmt.Sprintf("Tags.member.%d.Key", i), fmt.Sprintf("k%d", i), fmt.Sprintf("Tags.member.%d.Value", i), "v")
	}
	e.root("TagRole", params...)
	first := e.root("ListRoleTags", "RoleName", "r0", "MaxItems", "2").(*ListRoleTagsResult)
	if !first.IsTruncated || len(first.Tags) != 2 || first.Tags[0].Key != "k1" {
		t.Fatalf("first page %+v", first)
	}
	second := e.root("ListRoleTags", "RoleName", "r0", "MaxItems", "10", "Marker", first.Marker).(*ListRoleTagsResult)
	if second.IsTruncated || len(second.Tags) != 3 || second.Tags[0].Key != "k3" {
		t.Fatalf("second page %+v", second)
	}
}

func TestOffsetMarker(t *testing.T) {
	for _, n := range []int{0, 1, 99, 100000} {
		got, ok := decodeOffset(encodeOffset(n))
		if !ok || got != n {
			t.Fatalf("round trip %d: %d %v", n, got, ok)
		}
	}
	for _, bad := range []string{"", "x", encodeOffset(0) + "A", "b2Zmc2V0Oi0x" /* offset:-1 */, "b2Zmc2V0OjAx" /* offset:01 */} {
		if _, ok := decodeOffset(bad); ok {
			t.Errorf("decodeOffset(%q) accepted", bad)
		}
	}
}

func TestEncodeDocument(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a": "b c"}`, "%7B%22a%22%3A%20%22b%20c%22%7D"},
		{"x+y*z~_-.", "x%2By%2Az~_-."},
		{"é\n\t", "%C3%A9%0A%09"},
		{"", ""},
	}
	for _, tt := range tests {
		got := EncodeDocument(tt.in)
		if got != tt.want {
			t.Errorf("EncodeDocument(%q) = %q, want %q", tt.in, got, tt.want)
		}
		for _, unescape := range []func(string) (string, error){url.QueryUnescape, url.PathUnescape} {
			back, err := unescape(got)
			if err != nil || back != tt.in {
				t.Errorf("unescape(%q) = %q, %v", got, back, err)
			}
		}
	}
}

func TestProviderKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://oidc.eks.us-west-2.amazonaws.com/id/ABC", "oidc.eks.us-west-2.amazonaws.com/id/ABC"},
		{"https://issuer.example.com/", "issuer.example.com"},
		{"https://127.0.0.1:8443/tenant", "127.0.0.1:8443/tenant"},
		{"http://issuer.example.com", ""},
		{"https://", ""},
		{"https://u:p@issuer.example.com", ""},
		{"https://issuer.example.com?x=1", ""},
		{"https://issuer.example.com#frag", ""},
		{"https://issuer.example.com//", ""},
		{"issuer.example.com", ""},
	}
	for _, tt := range tests {
		got, err := ProviderKey(tt.in)
		if tt.want == "" {
			if err == nil {
				t.Errorf("ProviderKey(%q) = %q, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ProviderKey(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
		}
	}
}

// TestAccessKeySecret checks that the store holds only the sealed secret
// and that the cache (the authenticator's view) opens it to the secret the
// client received.
func TestAccessKeySecret(t *testing.T) {
	e := newEnv(t)
	e.root("CreateUser", "UserName", "u")
	k := e.root("CreateAccessKey", "UserName", "u").(*CreateAccessKeyResult).AccessKey
	if len(k.AccessKeyId) != 20 || !strings.HasPrefix(k.AccessKeyId, "AKIA") || len(k.SecretAccessKey) != 40 {
		t.Fatalf("key %s / secret of %d characters", k.AccessKeyId, len(k.SecretAccessKey))
	}
	ctx := context.Background()
	stored, err := e.st.GetAccessKey(ctx, k.AccessKeyId)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(stored.SecretCiphertext), k.SecretAccessKey) {
		t.Fatal("the store holds the plaintext secret")
	}
	ck, err := e.cache.AccessKey(ctx, k.AccessKeyId)
	if err != nil || ck.Secret != k.SecretAccessKey || ck.User == nil || ck.User.Name != "u" {
		t.Fatalf("cache: %+v, %v", ck, err)
	}
	// Deactivation is visible through the cache at once.
	e.root("UpdateAccessKey", "UserName", "u", "AccessKeyId", k.AccessKeyId, "Status", "Inactive")
	if ck, _ := e.cache.AccessKey(ctx, k.AccessKeyId); ck == nil || ck.Status != store.StatusInactive {
		t.Fatalf("cache after deactivation: %+v", ck)
	}
	// Users see their own keys without naming themselves.
	e.grant("u", "self", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*AccessKey*","Resource":"arn:aws:iam::*:user/${aws:username}"}]}`)
	u := e.userCaller("u")
	list := e.must(u, "ListAccessKeys").(*ListAccessKeysResult)
	if len(list.AccessKeyMetadata) != 1 || list.AccessKeyMetadata[0].AccessKeyId != k.AccessKeyId {
		t.Fatalf("own keys: %+v", list)
	}
	e.must(u, "DeleteAccessKey", "AccessKeyId", k.AccessKeyId)
	if _, err := e.cache.AccessKey(ctx, k.AccessKeyId); err == nil {
		t.Fatal("deleted key still served by the cache")
	}
	// The root's own keys.
	rk := e.root("CreateAccessKey").(*CreateAccessKeyResult).AccessKey
	if rk.UserName != "" {
		t.Fatalf("root key has user %q", rk.UserName)
	}
	rl := e.root("ListAccessKeys").(*ListAccessKeysResult)
	if len(rl.AccessKeyMetadata) != 1 || rl.AccessKeyMetadata[0].AccessKeyId != rk.AccessKeyId {
		t.Fatalf("root keys: %+v", rl)
	}
}

func TestDeleteConflictOrder(t *testing.T) {
	e := newEnv(t)
	e.root("CreateUser", "UserName", "u")
	e.root("CreatePolicy", "PolicyName", "P", "PolicyDocument", s3ReadDoc)
	k := e.root("CreateAccessKey", "UserName", "u").(*CreateAccessKeyResult).AccessKey
	e.root("PutUserPolicy", "UserName", "u", "PolicyName", "i", "PolicyDocument", s3ReadDoc)
	e.root("AttachUserPolicy", "UserName", "u", "PolicyArn", pARN)
	steps := []struct {
		want   string
		remove []string
	}{
		{"Cannot delete entity, must delete access keys first.", []string{"DeleteAccessKey", "UserName", "u", "AccessKeyId", k.AccessKeyId}},
		{"Cannot delete entity, must delete policies first.", []string{"DeleteUserPolicy", "UserName", "u", "PolicyName", "i"}},
		{"Cannot delete entity, must detach all policies first.", []string{"DetachUserPolicy", "UserName", "u", "PolicyArn", pARN}},
	}
	for _, st := range steps {
		_, err := e.call(rootOf(acct), "DeleteUser", "UserName", "u")
		wantAPIError(t, err, "DeleteConflict", 409, st.want)
		e.root(st.remove[0], st.remove[1:]...)
	}
	e.root("DeleteUser", "UserName", "u")
	e.root("DeletePolicy", "PolicyArn", pARN)
}

func TestAttachIdempotentAndLimit(t *testing.T) {
	e := newEnv(t)
	e.root("CreateRole", "RoleName", "r", "AssumeRolePolicyDocument", trustDoc)
	for i := 0; i < maxAttachedPolicies; i++ {
		name := fmt.Sprintf("P%d", i)
		e.root("CreatePolicy", "PolicyName", name, "PolicyDocument", s3ReadDoc)
		e.root("AttachRolePolicy", "RoleName", "r", "PolicyArn", "arn:aws:iam::"+acct+":policy/"+name)
	}
	e.root("AttachRolePolicy", "RoleName", "r", "PolicyArn", "arn:aws:iam::"+acct+":policy/P0")
	e.root("CreatePolicy", "PolicyName", "extra", "PolicyDocument", s3ReadDoc)
	_, err := e.call(rootOf(acct), "AttachRolePolicy", "RoleName", "r", "PolicyArn", "arn:aws:iam::"+acct+":policy/extra")
	wantAPIError(t, err, "LimitExceeded", 409, "Cannot exceed quota for PoliciesPerRole: 10")
	l := e.root("ListAttachedRolePolicies", "RoleName", "r", "MaxItems", "100").(*ListAttachedRolePoliciesResult)
	if len(l.AttachedPolicies) != maxAttachedPolicies {
		t.Fatalf("attached %d", len(l.AttachedPolicies))
	}
}

// TestPolicyChangesTakeEffect checks that authorization sees IAM writes at
// once (the cache is invalidated after every write).
func TestPolicyChangesTakeEffect(t *testing.T) {
	e := newEnv(t)
	e.root("CreateUser", "UserName", "u")
	e.root("CreateRole", "RoleName", "r", "AssumeRolePolicyDocument", trustDoc)
	u := e.userCaller("u")
	if _, err := e.call(u, "GetRole", "RoleName", "r"); err == nil {
		t.Fatal("allowed before any policy")
	}
	e.root("CreatePolicy", "PolicyName", "P", "PolicyDocument", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetRole","Resource":"*"}]}`)
	e.root("AttachUserPolicy", "UserName", "u", "PolicyArn", pARN)
	e.must(u, "GetRole", "RoleName", "r")
	e.root("CreatePolicyVersion", "PolicyArn", pARN, "SetAsDefault", "true", "PolicyDocument", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*"}]}`)
	if _, err := e.call(u, "GetRole", "RoleName", "r"); err == nil {
		t.Fatal("still allowed after the default version changed")
	}
	e.root("SetDefaultPolicyVersion", "PolicyArn", pARN, "VersionId", "v1")
	e.must(u, "GetRole", "RoleName", "r")
	e.root("DetachUserPolicy", "UserName", "u", "PolicyArn", pARN)
	if _, err := e.call(u, "GetRole", "RoleName", "r"); err == nil {
		t.Fatal("still allowed after detaching")
	}
}

func TestSimulatePrincipalPolicyUser(t *testing.T) {
	e := newEnv(t)
	e.root("CreateUser", "UserName", "carol", "Tags.member.1.Key", "team", "Tags.member.1.Value", "ops")
	e.root("PutUserPolicy", "UserName", "carol", "PolicyName", "own", "PolicyDocument",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::*:user/${aws:username}"},
		{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"ops"}}}]}`)
	out := e.root("SimulatePrincipalPolicy", "PolicySourceArn", "arn:aws:iam::"+acct+":user/carol",
		"ActionNames.member.1", "iam:GetUser", "ActionNames.member.2", "s3:GetObject", "ActionNames.member.3", "sts:AssumeRole",
		"ResourceArns.member.1", "arn:aws:iam::"+acct+":user/carol").(*SimulatePolicyResult)
	got := map[string]string{}
	for _, r := range out.EvaluationResults {
		got[r.EvalActionName] = r.EvalDecision
	}
	want := map[string]string{"iam:GetUser": "allowed", "s3:GetObject": "explicitDeny", "sts:AssumeRole": "implicitDeny"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s, want %s", k, got[k], v)
		}
	}
	// Context entries override, and pagination works on results.
	out = e.root("SimulateCustomPolicy", "PolicyInputList.member.1",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`,
		"ActionNames.member.1", "s3:GetObject", "ActionNames.member.2", "s3:PutObject", "MaxItems", "1",
		"ContextEntries.member.1.ContextKeyName", "aws:SourceIp", "ContextEntries.member.1.ContextKeyType", "ip",
		"ContextEntries.member.1.ContextKeyValues.member.1", "10.1.2.3").(*SimulatePolicyResult)
	if len(out.EvaluationResults) != 1 || !out.IsTruncated || out.EvaluationResults[0].EvalDecision != "allowed" {
		t.Fatalf("page 1: %+v", out)
	}
	out = e.root("SimulateCustomPolicy", "PolicyInputList.member.1", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`,
		"ActionNames.member.1", "s3:GetObject", "ActionNames.member.2", "s3:PutObject", "Marker", out.Marker).(*SimulatePolicyResult)
	if len(out.EvaluationResults) != 1 || out.IsTruncated || out.EvaluationResults[0].EvalActionName != "s3:PutObject" {
		t.Fatalf("page 2: %+v", out)
	}
	_, err := e.call(rootOf(acct), "SimulatePrincipalPolicy", "PolicySourceArn", "arn:aws:iam::"+acct+":user/ghost", "ActionNames.member.1", "s3:GetObject")
	wantAPIError(t, err, "NoSuchEntity", 404, "The user with name ghost cannot be found.")
}
